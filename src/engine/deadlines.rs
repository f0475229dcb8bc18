//! The deadline index: each open ticket's earliest due instant, computed with today's calendar
//! and rules, and recomputed when either changes (a new holiday file, an edited rule).

use super::{Engine, EngineError};
use crate::config::Config;
use crate::domain::alarm;
use crate::domain::status::Status;
use crate::domain::ticket::{Ticket, TicketId};
use crate::store::{Row, WriteSet};
use crate::time::Timestamp;
use std::collections::HashMap;

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

/// A digest of everything a due instant or an alarm instant depends on besides the ticket:
/// rules, due-soon policy, calendar, and the alarm layout (so that a store written before the
/// alarm index existed gets one, once).
pub fn deadline_basis(config: &Config) -> u64 {
    crate::domain::alarm::basis(&config.sla, &config.calendar)
}

const CHUNK: usize = 500;

/// Recomputes every open ticket's due instant and next alarm when the digest differs from the
/// one the store was indexed with. The alarm index is read whole first (it has at most one
/// entry per open ticket), so that entries written under other rules, or none at all, are
/// replaced whatever they were.
pub(super) fn reindex_if_rules_changed(engine: &mut Engine) -> Result<(), EngineError> {
    let basis = deadline_basis(&engine.config);
    let stored = engine.store.meta_u64("deadline_basis")?;
    if stored == Some(basis) {
        return Ok(());
    }
    tracing::info!("deadline rules, calendar or alarm layout changed: recomputing due dates and alarms");
    let now = engine.clock.now();
    let config = engine.config.clone();
    let mut alarm_keys: HashMap<TicketId, Vec<Timestamp>> = HashMap::new();
    for entry in engine.store.alarms() {
        let (at, id) = entry?;
        alarm_keys.entry(id).or_default().push(at);
    }
    let mut set = WriteSet::new(&crate::engine::WRITE);
    let mut pending = 0;
    for status in Status::ALL.into_iter().filter(|s| s.is_open()) {
        let ids: Vec<_> = engine.store.ids_with_status(status).collect::<Result<_, _>>()?;
        for id in ids {
            let (Some(t), Some(old_row)) = (engine.store.ticket(id)?, engine.store.row(id)?) else {
                continue;
            };
            let due = earliest_due(&t, &config, now);
            if due != old_row.earliest_due {
                set.put_ticket(Some((&t, &old_row)), &t, &Row::of(&t, due));
                pending += 1;
            }
            let next = if alarm::may_alarm(&t) {
                let memory = engine.store.alarm_memory(id)?;
                alarm::next_alarm(&t, &memory, &config.sla, &config.calendar)
            } else {
                None
            };
            let had = alarm_keys.remove(&id).unwrap_or_default();
            if had != next.into_iter().collect::<Vec<_>>() {
                for at in had {
                    set.remove_alarm_key(at, id);
                }
                set.put_alarm(id, None, next);
                pending += 1;
            }
            if pending >= CHUNK {
                engine.store.apply(
                    std::mem::replace(&mut set, WriteSet::new(&crate::engine::WRITE)),
                    &crate::engine::WRITE,
                )?;
                pending = 0;
            }
        }
    }
    // Entries of tickets that are no longer open (or not there at all).
    for (id, had) in alarm_keys {
        for at in had {
            set.remove_alarm_key(at, id);
        }
    }
    set.put_meta("deadline_basis", basis.to_be_bytes().to_vec());
    engine.store.apply(set, &crate::engine::WRITE)?;
    engine.store.flush()?;
    Ok(())
}
