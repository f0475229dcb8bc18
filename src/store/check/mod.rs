//! Consistency check of a whole store (an fsck): the event log replays to the projections, every
//! ticket lists exactly its events, the rows summarise their open tickets, the index blocks hold
//! exactly the entries the tickets call for, and the external keys map each channel ticket to one
//! ticket.
//!
//! Built for a large store: records are read in key order and nothing holds the whole log. The
//! replayed tickets are held in memory, but only those of one range of ticket ids at a time
//! (`TICKETS_PER_PASS`); each further range costs one more scan of the log and of the indexes.
//! An index block covers a fixed range of ids, so a pass decodes only the blocks that meet its
//! range (the first pass decodes all of them, to report the ones that cannot be read).
//!
//! This module holds the entry points and the pass driver; each pass runs the checks of the
//! submodules in turn: `replay` folds the log, `projections` compares the ticket records and rows
//! with it, `external` checks the channel-id keys, `indexes` the index blocks, deadline and alarm
//! keys, `alarms` the memory of raised alarms, and `describe` words what they find.
//!
//! The alarm index depends on the deadline rules and the calendar, so only `verify_with`, given
//! the configuration the store was indexed with, can say what it should hold; `verify` checks
//! the memory of raised alarms against the log and leaves the alarm index alone.

#[cfg(test)]
mod alarm_tests;
mod alarms;
mod describe;
mod external;
mod indexes;
mod projections;
mod replay;
#[cfg(test)]
pub(crate) mod tests;

use super::index::BLOCK_SHIFT;
use super::{Result, Store};
use crate::config::Config;
use crate::domain::alarm;
use crate::domain::ticket::TicketId;
use describe::seq_list;
use std::fmt;

/// Tickets replayed in memory at once. At roughly 2–3 KB a ticket this bounds a pass to a few
/// hundred MB, and a million-ticket store takes ten passes.
pub const TICKETS_PER_PASS: u64 = 100_000;

/// A broken store can break in every record; past this many the rest only counts.
const MAX_PROBLEMS: usize = 1_000;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckReport {
    /// Ticket projections found.
    pub tickets: usize,
    /// Events in the log.
    pub events: usize,
    /// What is wrong, one sentence each; empty for a consistent store.
    pub problems: Vec<String>,
}

impl CheckReport {
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

impl fmt::Display for CheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} tickets, {} events: ", self.tickets, self.events)?;
        if self.is_ok() {
            return write!(f, "consistent");
        }
        write!(f, "{} problems", self.problems.len())?;
        for p in &self.problems {
            write!(f, "\n  - {p}")?;
        }
        Ok(())
    }
}

/// Checks the whole store. Read-only; run it on a store no engine is writing to, or the check
/// may see a command half-way between two scans.
pub fn verify(store: &Store) -> Result<CheckReport> {
    verify_in_passes(store, TICKETS_PER_PASS)
}

/// `verify`, and the alarm index too: each open ticket's next alarm recomputed with `config`
/// from its clocks and the alarms its events raised. When the store was indexed under other
/// rules or another calendar (the engine re-indexes it when it next opens), the alarm index is
/// not compared.
pub fn verify_with(store: &Store, config: &Config) -> Result<CheckReport> {
    verify_passes(store, TICKETS_PER_PASS, Some(config))
}

/// `verify`, replaying at most `tickets_per_pass` ticket ids in memory at once.
pub fn verify_in_passes(store: &Store, tickets_per_pass: u64) -> Result<CheckReport> {
    verify_passes(store, tickets_per_pass, None)
}

fn verify_passes(store: &Store, tickets_per_pass: u64, config: Option<&Config>) -> Result<CheckReport> {
    let indexed_with = store.meta_u64("deadline_basis")?;
    let config = config.filter(|c| indexed_with == Some(alarm::basis(&c.sla, &c.calendar)));
    let per_pass = tickets_per_pass.max(1);
    let last_id = store.last_ticket_id()?;
    let mut problems = Problems::default();
    let mut totals = Totals::default();
    let mut lo = 0u64;
    loop {
        let hi = lo.saturating_add(per_pass);
        // The last pass takes every id above it too, so that entries naming a ticket beyond the
        // last projection (orphans) are still looked at.
        let range = IdRange { lo, hi: if hi > last_id { None } else { Some(hi) } };
        Pass { store, range, first: lo == 0, config, problems: &mut problems, totals: &mut totals }.run()?;
        match range.hi {
            Some(hi) => lo = hi,
            None => break,
        }
    }
    Ok(CheckReport { tickets: totals.tickets, events: totals.events, problems: problems.finish() })
}

#[derive(Default)]
struct Problems {
    list: Vec<String>,
    more: usize,
}

impl Problems {
    fn push(&mut self, problem: String) {
        if self.list.len() < MAX_PROBLEMS {
            self.list.push(problem);
        } else {
            self.more += 1;
        }
    }

    fn finish(mut self) -> Vec<String> {
        if self.more > 0 {
            self.list.push(format!("… and {} more problems", self.more));
        }
        self.list
    }
}

#[derive(Default)]
struct Totals {
    tickets: usize,
    events: usize,
}

#[derive(Clone, Copy)]
struct IdRange {
    lo: u64,
    /// Exclusive; None: no upper bound.
    hi: Option<u64>,
}

impl IdRange {
    fn contains(self, id: TicketId) -> bool {
        id.0 >= self.lo && self.hi.is_none_or(|hi| id.0 < hi)
    }

    /// Whether some id of index block `block` lies in the range.
    fn meets_block(self, block: u32) -> bool {
        let first = u64::from(block) << BLOCK_SHIFT;
        let end = first + (1 << BLOCK_SHIFT);
        end > self.lo && self.hi.is_none_or(|hi| first < hi)
    }

    fn keys_of(self, tag: u8) -> (Vec<u8>, Vec<u8>) {
        let start = tagged_id(tag, self.lo);
        let end = match self.hi {
            Some(hi) => tagged_id(tag, hi),
            None => vec![tag + 1],
        };
        (start, end)
    }
}

fn tagged_id(tag: u8, id: u64) -> Vec<u8> {
    let mut k = vec![tag];
    k.extend_from_slice(&id.to_be_bytes());
    k
}

/// One range of ticket ids checked: each submodule adds its checks as methods of the pass.
struct Pass<'a> {
    store: &'a Store,
    range: IdRange,
    /// The store-wide checks (sequence, undecodable records, malformed keys, unreadable blocks)
    /// are made once, in the first pass.
    first: bool,
    /// The configuration to recompute alarms with; None: the alarm index is not compared.
    config: Option<&'a Config>,
    problems: &'a mut Problems,
    totals: &'a mut Totals,
}

impl Pass<'_> {
    fn run(mut self) -> Result<()> {
        let mut replays = self.replay_log()?;
        let projections = self.check_projections(&mut replays)?;
        self.check_external_keys(&projections.identities)?;
        self.check_alarm_memory(&projections.alarm_memory, &projections.unknown)?;
        for (id, r) in replays {
            self.problems.push(format!(
                "the log has events {} of ticket #{id}, which has no projection",
                seq_list(&r.seqs)
            ));
        }
        self.check_indexes(projections.expected, &projections.unknown)
    }
}
