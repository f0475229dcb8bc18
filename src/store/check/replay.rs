//! Folding the event log, in seq order, into the tickets of a pass: what each ticket should be
//! by its events, and which of its events did not fit.

use super::Pass;
use super::describe::{show, span, status_text};
use crate::domain::alarm::{AlarmMemory, FiredAlarm};
use crate::domain::event::{self, Event, EventBody};
use crate::domain::ticket::{Ticket, TicketId};
use crate::store::Result;
use crate::store::codec;
use std::collections::BTreeMap;

/// One ticket's share of the log, folded as far as it goes.
#[derive(Default)]
pub(super) struct Replay {
    ticket: Option<Ticket>,
    pub(super) seqs: Vec<u64>,
    /// The name of the first event, which says how the ticket came to be.
    pub(super) created_by: Option<&'static str>,
    /// An event did not apply; the fold stopped there and the projection cannot be compared.
    broken: bool,
    /// The deadline alarms its events raised: what its alarm memory must hold.
    pub(super) alarms: AlarmMemory,
}

impl Replay {
    /// The replayed ticket, when every event applied.
    pub(super) fn folded(&self) -> Option<&Ticket> {
        self.ticket.as_ref().filter(|_| !self.broken)
    }
}

impl Pass<'_> {
    /// Folds the log, in seq order, into the tickets of this pass's range.
    pub(super) fn replay_log(&mut self) -> Result<BTreeMap<TicketId, Replay>> {
        let mut replays: BTreeMap<TicketId, Replay> = BTreeMap::new();
        let mut next_seq = 1u64;
        for item in self.store.raw_events() {
            let raw = item?;
            let Some(seq) = raw.seq else {
                if self.first {
                    match &raw.value {
                        Err(why) => {
                            self.problems.push(format!("run {} is unreadable: {why}", show(&raw.key)))
                        }
                        Ok(_) => self.problems.push(format!("malformed event key {}", show(&raw.key))),
                    }
                }
                continue;
            };
            if self.first {
                self.totals.events += 1;
                if seq != next_seq {
                    self.problems.push(format!("the log has no event {}", span(next_seq, seq - 1)));
                }
                next_seq = seq + 1;
            }
            let v = match raw.value {
                Ok(v) => v,
                Err(why) => {
                    if self.first {
                        self.problems.push(format!("event {seq} is unreadable: its run is damaged: {why}"));
                    }
                    continue;
                }
            };
            let event: Event = match codec::decode(&v) {
                Ok(e) => e,
                Err(e) => {
                    if self.first {
                        self.problems.push(format!("event {seq} is unreadable: {e}"));
                    }
                    continue;
                }
            };
            if self.first && event.seq != seq {
                self.problems.push(format!("the event stored as seq {seq} says it is seq {}", event.seq));
            }
            if event.ticket == event::STORE_WIDE || !self.range.contains(event.ticket) {
                continue;
            }
            let r = replays.entry(event.ticket).or_default();
            r.seqs.push(seq);
            if r.broken {
                continue;
            }
            r.created_by.get_or_insert(event.body.name());
            let before = r.ticket.as_ref().map(|t| t.status);
            if event.before != before {
                self.problems.push(format!(
                    "event {seq} ({}) of ticket #{} says it found the ticket {}, but replay has it {}",
                    event.body.name(),
                    event.ticket,
                    status_text(event.before),
                    status_text(before),
                ));
            }
            if let EventBody::DeadlineAlarm { clock, state, due_at } = &event.body {
                r.alarms.remember(FiredAlarm { clock: clock.clone(), state: *state, due_at: *due_at });
            }
            match event::apply(r.ticket.take(), &event) {
                Some(t) => r.ticket = Some(t),
                None => {
                    r.broken = true;
                    self.problems.push(format!(
                        "event {seq} ({}) does not apply to ticket #{} as replayed so far ({})",
                        event.body.name(),
                        event.ticket,
                        status_text(before),
                    ));
                }
            }
        }
        Ok(replays)
    }
}
