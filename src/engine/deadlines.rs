//! The deadline index: each open ticket's earliest due instant, computed with today's calendar
//! and rules, and recomputed when either changes (a new holiday file, an edited rule).

use super::{Engine, EngineError};
use crate::config::Config;
use crate::domain::status::Status;
use crate::domain::ticket::Ticket;
use crate::store::{Row, WriteSet};
use crate::time::Timestamp;

/// The earliest due instant among the ticket's running, unpaused clocks.
pub fn earliest_due(t: &Ticket, config: &Config, now: Timestamp) -> Option<Timestamp> {
    if t.status.is_terminal() {
        return None;
    }
    t.clocks
        .iter()
        .filter(|c| c.stopped_at.is_none() && c.pauses.iter().all(|p| p.to.is_some()))
        .filter_map(|c| config.sla.due(c, &config.calendar, now).map(|d| d.at))
        .min()
}

/// A digest of everything a due instant depends on besides the ticket itself.
pub fn deadline_basis(config: &Config) -> u64 {
    let rules = format!("{:?}", config.sla.rules);
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in rules.bytes().chain(config.calendar.fingerprint().to_be_bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

const CHUNK: usize = 500;

pub(super) fn reindex_if_rules_changed(engine: &mut Engine) -> Result<(), EngineError> {
    let basis = deadline_basis(&engine.config);
    let stored = engine.store.meta_u64("deadline_basis")?;
    if stored == Some(basis) {
        return Ok(());
    }
    tracing::info!("deadline rules or calendar changed: recomputing due dates of open tickets");
    let now = engine.clock.now();
    let mut set = WriteSet::default();
    let mut pending = 0;
    for status in Status::ALL.into_iter().filter(|s| s.is_open()) {
        let ids: Vec<_> = engine.store.ids_with_status(status).collect::<Result<_, _>>()?;
        for id in ids {
            let (Some(t), Some(old_row)) = (engine.store.ticket(id)?, engine.store.row(id)?) else {
                continue;
            };
            let due = earliest_due(&t, &engine.config, now);
            if due != old_row.earliest_due {
                set.put_ticket(Some((&t, &old_row)), &t, &Row::of(&t, due));
                pending += 1;
                if pending >= CHUNK {
                    engine.store.apply(std::mem::take(&mut set))?;
                    pending = 0;
                }
            }
        }
    }
    set.put_meta("deadline_basis", basis.to_be_bytes().to_vec());
    engine.store.apply(set)?;
    engine.store.flush()?;
    Ok(())
}
