//! Deadline alarms in the engine: `Command::FireAlarms` raises the alarms whose instant has come
//! (临期 / 超期, each a `DeadlineAlarm` event, with its 催办 SMS), and every group keeps each
//! touched ticket's next alarm and its memory of raised alarms in step, in the group's batch.

use super::EngineError;
use super::batch::Overlay;
use super::protocol::Outcome;
use crate::config::Config;
use crate::domain::alarm::{self, AlarmMemory};
use crate::domain::event::EventBody;
use crate::domain::lifecycle::Decision;
use crate::domain::ticket::{Ticket, TicketId};
use crate::store::{StoreError, WriteSet};
use crate::time::Timestamp;
use std::collections::BTreeSet;

/// Tickets one `FireAlarms` looks at, at most: a store reopened after a long stop may owe many
/// alarms, and they go out in groups of a sensible size (the scheduler asks again at once).
pub const MAX_ALARM_TICKETS: usize = 256;

/// A ticket's alarm memory as the group found it and as it stands.
pub(super) struct AlarmTrack {
    original: AlarmMemory,
    pub(super) current: AlarmMemory,
}

impl Overlay<'_> {
    /// The ticket's alarm memory, read once per group. A ticket created in this group has
    /// none, and nothing is read for it (a backfill burst would pay a lookup per ticket).
    pub(super) fn alarm_track(&mut self, id: TicketId) -> Result<&mut AlarmTrack, StoreError> {
        if !self.alarms.contains_key(&id) {
            let created_here = self.touched.get(&id).is_some_and(|t| t.original.is_none());
            let original = if created_here { AlarmMemory::default() } else { self.store.alarm_memory(id)? };
            self.alarms.insert(id, AlarmTrack { current: original.clone(), original });
        }
        Ok(self.alarms.get_mut(&id).expect("inserted above"))
    }
}

/// Raises, on every ticket whose next alarm has come (a range of the alarm index, and the
/// tickets this group touched), the alarms due at `now`: one `DeadlineAlarm` event per clock,
/// "overdue" alone when the clock is already past due. A ticket whose clock moved (extended,
/// stopped, paused) raises nothing; its next alarm is recomputed when the group is written.
pub(super) fn fire(
    overlay: &mut Overlay,
    config: &Config,
    actor: &str,
    now: Timestamp,
) -> Result<Outcome, EngineError> {
    let mut ids: Vec<TicketId> = Vec::new();
    for (at, id) in overlay.store.alarms_until(now, MAX_ALARM_TICKETS)? {
        overlay.stale_alarms.push((at, id));
        ids.push(id);
    }
    ids.extend(overlay.order.iter().copied());
    let mut seen = BTreeSet::new();
    let mut changes = Vec::new();
    for id in ids.into_iter().filter(|id| seen.insert(*id)) {
        let Some(t) = overlay.current(id)? else { continue };
        if !alarm::may_alarm(&t) {
            continue;
        }
        let memory = overlay.alarm_track(id)?.current.clone();
        for a in alarm::due_now(&t, &memory, &config.sla, &config.calendar, now) {
            let decision = Decision {
                body: EventBody::DeadlineAlarm { clock: a.clock, state: a.state, due_at: a.due_at },
                after: t.status,
                clocks: None,
            };
            let event = overlay.event(id, now, actor, Some(t.status), decision);
            changes.push(overlay.record(event)?);
        }
    }
    Ok(Outcome::Applied(changes))
}

fn next_of(t: &Ticket, memory: &AlarmMemory, config: &Config) -> Option<Timestamp> {
    alarm::next_alarm(t, memory, &config.sla, &config.calendar)
}

/// Adds the alarm index and memory changes of the group's tickets to `set`: the entry the
/// ticket had (computed from it as it was, with today's rules, which the index was built
/// with) moves to the one it has now.
pub(super) fn write_alarms(
    overlay: &mut Overlay,
    config: &Config,
    set: &mut WriteSet,
) -> Result<(), StoreError> {
    let order = overlay.order.clone();
    let mut next_now = std::collections::HashMap::new();
    for id in order {
        let touched = &overlay.touched[&id];
        let involved = touched.original.as_ref().is_some_and(|(t, _)| alarm::may_alarm(t))
            || alarm::may_alarm(&touched.current);
        if !involved && !overlay.alarms.contains_key(&id) {
            continue;
        }
        overlay.alarm_track(id)?;
        let (touched, track) = (&overlay.touched[&id], &overlay.alarms[&id]);
        let old = touched.original.as_ref().and_then(|(t, _)| next_of(t, &track.original, config));
        let new = next_of(&touched.current, &track.current, config);
        set.put_alarm(id, old, new);
        if track.current != track.original {
            set.put_alarm_memory(id, &track.current);
        }
        next_now.insert(id, new);
    }
    // Entries the scheduler read that are not the ticket's entry now (only a damaged index
    // has such): dropped, and the ticket's right entry written.
    for (at, id) in std::mem::take(&mut overlay.stale_alarms) {
        let expected = match next_now.get(&id) {
            Some(new) => *new,
            None => match overlay.store.ticket(id)? {
                Some(t) => next_of(&t, &overlay.store.alarm_memory(id)?, config),
                None => None,
            },
        };
        if expected != Some(at) {
            set.remove_alarm_key(at, id);
            if !next_now.contains_key(&id) {
                set.put_alarm(id, None, expected);
            }
        }
    }
    Ok(())
}
