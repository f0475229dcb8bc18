//! The ticket records and rows of a pass against the replay of the log: each ticket stored in the
//! right form and equal to its replay, each open ticket summarised by its row. Yields what the
//! tickets call for in the indexes and the external keys.

use super::Pass;
use super::describe::{row_diff, seq_list, show, ticket_diff};
use super::external::{Identities, Identity, owns_external_id};
use super::indexes::Expected;
use super::replay::Replay;
use crate::domain::alarm::{self, AlarmMemory};
use crate::domain::ticket::{Ticket, TicketId};
use crate::store::Result;
use crate::store::codec::{self, CodecError};
use crate::store::keys;
use crate::store::row::Row;
use crate::store::run;
use crate::store::write::{Indexed, StoredTicket, index_entries};
use std::collections::{BTreeMap, HashSet};

/// What the projections of a pass call for.
#[derive(Default)]
pub(super) struct Projections {
    pub(super) expected: Expected,
    pub(super) identities: Identities,
    /// Tickets whose projection could not be read nor stood in for by a replay: what their rows
    /// and index entries should be is unknown, so those are not reported on.
    pub(super) unknown: HashSet<TicketId>,
    /// The alarm memory each ticket of the range should have (those with none are left out).
    pub(super) alarm_memory: BTreeMap<TicketId, AlarmMemory>,
}

impl Pass<'_> {
    /// Compares each projection and row of the range with its replay; returns the index entries
    /// and the external ids the tickets call for.
    pub(super) fn check_projections(
        &mut self,
        replays: &mut BTreeMap<TicketId, Replay>,
    ) -> Result<Projections> {
        let mut out = Projections::default();
        let mut seen = HashSet::new();
        let (start, end) = self.range.keys_of(keys::TICKET);
        let own = self.store.tree().range(start..end).map(|item| {
            let (k, v) = item?;
            Ok((keys::trailing_u64(&k).unwrap_or(0), (k.to_vec(), v.to_vec())))
        });
        // A ticket in a run is stored as its creation event, as a `t` stub would say.
        let range = self.range;
        let in_runs = self.store.run_pointers().flat_map(move |pointer| -> Vec<Result<_>> {
            let (first, seq, n) = match pointer {
                Ok(p) => p,
                Err(e) => return vec![Err(e)],
            };
            (first..first + n)
                .filter(|id| range.contains(TicketId(*id)))
                .map(|id| {
                    let stub = StoredTicket::AtCreation { seq: seq + (id - first) };
                    Ok((id, (keys::ticket(TicketId(id)), codec::encode(&stub))))
                })
                .collect()
        });
        for item in run::merge(own, in_runs) {
            let (_, (k, v)) = item?;
            let Some(id) = keys::trailing_id(&k).filter(|_| k.len() == 9) else {
                self.problems.push(format!("malformed ticket key {}", show(&k)));
                continue;
            };
            seen.insert(id);
            self.totals.tickets += 1;
            let replay = replays.remove(&id);
            if replay.is_none() {
                self.problems.push(format!("ticket #{id} has no events in the log"));
            }
            let projection = self.projection(id, &v, replay.as_ref())?;
            // A projection that cannot be used (unreadable, or another ticket's) is stood in for
            // by the replay, so that the row and index checks still say what is missing.
            let Some(t) = projection.or_else(|| replay.as_ref().and_then(|r| r.folded().cloned())) else {
                out.unknown.insert(id);
                continue;
            };
            let created_by = replay.as_ref().and_then(|r| r.created_by);
            out.identities.insert(
                id,
                Identity {
                    channel: t.intake.channel.clone(),
                    channel_ticket_id: t.intake.channel_ticket_id.clone(),
                    created_by,
                },
            );
            if owns_external_id(created_by) {
                self.check_owned_external(&t)?;
            }
            let row = self.check_row(&t)?;
            out.expected.extend(index_entries(&t, &row));
            let memory = replay.map(|r| r.alarms).unwrap_or_default();
            if let Some(config) = self.config
                && let Some(at) = alarm::next_alarm(&t, &memory, &config.sla, &config.calendar)
            {
                out.expected.insert(Indexed::Key(keys::alarm(at, id)));
            }
            if !memory.is_empty() {
                out.alarm_memory.insert(id, memory);
            }
        }
        let (start, end) = self.range.keys_of(keys::ROW);
        for k in self.store.tree().range(start..end).keys() {
            let k = k?;
            if let Some(id) = keys::trailing_id(&k).filter(|id| !seen.contains(id)) {
                self.problems.push(format!("row #{id} has no ticket"));
            }
        }
        Ok(out)
    }

    /// Reads the `t` record of ticket `id` as `Store::ticket` does, checks its form (a stub
    /// exactly for a ticket with only its creation event) and compares it with the replay.
    /// Returns the ticket when it is usable for the row and index checks.
    fn projection(&mut self, id: TicketId, raw: &[u8], replay: Option<&Replay>) -> Result<Option<Ticket>> {
        let stored = match decode_stored(raw) {
            Ok(s) => s,
            Err(e) => {
                self.problems.push(format!("ticket #{id} is unreadable: {e}"));
                return Ok(None);
            }
        };
        match stored {
            StoredTicket::Full(t) => {
                if t.id != id {
                    self.problems.push(format!("the ticket stored as #{id} says it is #{}", t.id));
                    return Ok(None);
                }
                if let [seq] = t.events.as_slice() {
                    self.problems.push(format!(
                        "ticket #{id} is stored in full, but has only its creation event {seq} and should be \
                         stored as that event"
                    ));
                }
                if let Some(r) = replay {
                    if r.seqs != t.events {
                        self.problems.push(format!(
                            "ticket #{id} lists events {} but the log has {} for it",
                            seq_list(&t.events),
                            seq_list(&r.seqs)
                        ));
                    }
                    self.compare_with_replay(&t, r);
                }
                Ok(Some(*t))
            }
            StoredTicket::AtCreation { seq } => {
                if let Some(r) = replay.filter(|r| r.seqs != [seq]) {
                    self.problems.push(format!(
                        "ticket #{id} is stored as its creation event {seq}, but the log has events {} for it",
                        seq_list(&r.seqs)
                    ));
                    return Ok(None);
                }
                match self.store.ticket(id) {
                    Ok(Some(t)) if t.id == id => {
                        if let Some(r) = replay {
                            self.compare_with_replay(&t, r);
                        }
                        Ok(Some(t))
                    }
                    Ok(Some(t)) => {
                        self.problems.push(format!(
                            "ticket #{id} is stored as event {seq}, which creates ticket #{}",
                            t.id
                        ));
                        Ok(None)
                    }
                    // Written since the scan began: the check runs on a store nobody writes to.
                    Ok(None) => Ok(None),
                    Err(e) => {
                        // A missing or non-creating event was reported with the log.
                        if replay.is_some_and(|r| r.folded().is_some()) {
                            self.problems
                                .push(format!("ticket #{id} (stored as event {seq}) cannot be read: {e}"));
                        }
                        Ok(None)
                    }
                }
            }
        }
    }

    fn compare_with_replay(&mut self, t: &Ticket, r: &Replay) {
        if let Some(replayed) = r.folded().filter(|replayed| *replayed != t) {
            self.problems.push(format!(
                "ticket #{} differs from the replay of its events in: {}",
                t.id,
                ticket_diff(replayed, t).join(", ")
            ));
        }
    }

    /// The ticket's row, checked: stored and summarising the ticket while it is open, absent once
    /// it is finished. A stand-in when it is missing or unreadable, so that the index check
    /// still runs.
    fn check_row(&mut self, t: &Ticket) -> Result<Row> {
        let id = t.id;
        let raw = self.store.stored_row(id)?.map(|(_, bytes)| bytes);
        if !t.status.is_open() {
            if raw.is_some() {
                self.problems.push(format!(
                    "ticket #{id} is finished ({}) but has a row; only open tickets keep one",
                    t.status.code()
                ));
            }
            return Ok(Row::of(t, None));
        }
        let stored = match raw {
            None => {
                self.problems.push(format!("ticket #{id} has no row"));
                None
            }
            Some(v) => match codec::decode::<Row>(&v) {
                Ok(row) => Some(row),
                Err(e) => {
                    self.problems.push(format!("row #{id} is unreadable: {e}"));
                    None
                }
            },
        };
        let Some(row) = stored else { return Ok(Row::of(t, None)) };
        let want = Row::of(t, row.earliest_due);
        if row != want {
            self.problems.push(format!(
                "row #{id} does not summarise its ticket in: {}",
                row_diff(&want, &row).join(", ")
            ));
        }
        if row.earliest_due.is_some() {
            // The same conditions as the engine's earliest_due: without a running, unpaused clock
            // there is nothing to be due, whatever the calendar says.
            let running =
                t.clocks.iter().any(|c| c.stopped_at.is_none() && c.pauses.iter().all(|p| p.to.is_some()));
            if t.status.is_terminal() || !running {
                self.problems.push(format!(
                    "row #{id} has a deadline but the ticket ({}) has no running clock",
                    t.status.code()
                ));
            }
        }
        Ok(row)
    }
}

/// A `t` record as `Store::ticket` reads it: schema 1 stored the ticket itself.
pub(super) fn decode_stored(raw: &[u8]) -> Result<StoredTicket, CodecError> {
    if codec::version_of(raw) == Some(codec::JSON_V1) {
        codec::decode::<Ticket>(raw).map(|t| StoredTicket::Full(Box::new(t)))
    } else {
        codec::decode(raw)
    }
}
