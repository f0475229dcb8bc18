//! The open tickets as the views keep them in memory: each one's row, compact. A bureau has
//! tens of thousands open at once and serve holds them for as long as it runs, so the few
//! vocabularies (channel, town, 商圈, unit, owner, category, clock rule) are interned, a
//! ticket's own texts (title, channel ticket id, respondent) share one allocation, and its
//! flags are bits: about 300 bytes a ticket where the stored `Row` takes 840.

use super::window::Fields;
use crate::config::Config;
use crate::domain::sla::{ClockFacts, ClockRecord, ClockState, Pause};
use crate::domain::status::Status;
use crate::domain::ticket::{Flag, Kind, TicketId};
use crate::stats::facts::{Interner, Sym};
use crate::store::Row;
use crate::time::Timestamp;
use std::collections::{BTreeSet, HashMap};

/// `received_at` / `earliest_due` of a ticket without one.
const NONE_AT: i64 = i64::MIN;
// A ticket's flags are the bits of a u16.
const _: () = assert!(Flag::ALL.len() <= 16);

struct OpenClock {
    rule: Sym,
    extension: u32,
    started_at: Timestamp,
    stopped_at: Option<Timestamp>,
    pauses: Box<[Pause]>,
}

/// One open ticket's row, compact.
struct OpenRow {
    id: TicketId,
    received_at: i64,
    earliest_due: i64,
    updated_at: Timestamp,
    /// The title, then the channel ticket id, then the respondent's name.
    texts: Box<str>,
    clocks: Box<[OpenClock]>,
    title_len: u32,
    channel_ticket_id_len: u32,
    channel: Sym,
    town: Option<Sym>,
    district: Option<Sym>,
    unit: Option<Sym>,
    owner: Option<Sym>,
    category: Option<Sym>,
    /// One bit per flag, by its place in `Flag::ALL`.
    flags: u16,
    kind: Kind,
    status: Status,
    has_respondent: bool,
}

/// The open tickets, by number.
#[derive(Default)]
pub(super) struct OpenRows {
    rows: Vec<OpenRow>,
    at: HashMap<TicketId, u32>,
    /// The vocabularies' names; never shrinks: a district has a few thousand at most.
    names: Interner,
}

impl OpenRows {
    /// The set of `rows`, read one at a time.
    pub(super) fn load<E>(rows: impl Iterator<Item = Result<Row, E>>) -> Result<OpenRows, E> {
        let mut set = OpenRows::default();
        for row in rows {
            set.put(&row?);
        }
        set.rows.shrink_to(set.rows.len() + set.rows.len() / 64);
        Ok(set)
    }

    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.rows.len()
    }

    /// Keeps `row` as the ticket's, in place of the one it had.
    pub(super) fn put(&mut self, row: &Row) {
        let compact = self.compact(row);
        match self.at.get(&row.id) {
            Some(&at) => self.rows[at as usize] = compact,
            None => {
                if self.rows.len() == self.rows.capacity() {
                    // An eighth more, not double: the open queue grows slowly.
                    self.rows.reserve_exact(self.rows.len() / 8 + 16);
                }
                self.at.insert(row.id, self.rows.len() as u32);
                self.rows.push(compact);
            }
        }
    }

    pub(super) fn remove(&mut self, id: TicketId) {
        let Some(at) = self.at.remove(&id) else { return };
        self.rows.swap_remove(at as usize);
        if let Some(moved) = self.rows.get(at as usize) {
            self.at.insert(moved.id, at);
        }
    }

    pub(super) fn get(&self, id: TicketId) -> Option<OpenRef<'_>> {
        let at = *self.at.get(&id)?;
        Some(OpenRef { row: &self.rows[at as usize], names: &self.names })
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = OpenRef<'_>> {
        self.rows.iter().map(|row| OpenRef { row, names: &self.names })
    }

    fn compact(&mut self, row: &Row) -> OpenRow {
        let names = &mut self.names;
        let mut name = |value: &str| names.intern(value);
        let respondent = row.respondent_name.as_deref();
        let mut texts = String::with_capacity(
            row.title.len() + row.channel_ticket_id.len() + respondent.map_or(0, str::len),
        );
        texts.push_str(&row.title);
        texts.push_str(&row.channel_ticket_id);
        texts.push_str(respondent.unwrap_or(""));
        let clocks = row
            .clocks
            .iter()
            .map(|c| OpenClock {
                rule: name(&c.rule),
                extension: c.extension,
                started_at: c.started_at,
                stopped_at: c.stopped_at,
                pauses: c.pauses.as_slice().into(),
            })
            .collect();
        let flags = row.flags.iter().fold(0u16, |bits, f| bits | 1 << *f as u16);
        OpenRow {
            id: row.id,
            received_at: row.received_at.map_or(NONE_AT, Timestamp::millis),
            earliest_due: row.earliest_due.map_or(NONE_AT, Timestamp::millis),
            updated_at: row.updated_at,
            texts: texts.into_boxed_str(),
            clocks,
            title_len: row.title.len() as u32,
            channel_ticket_id_len: row.channel_ticket_id.len() as u32,
            channel: name(&row.channel),
            town: row.town.as_deref().map(&mut name),
            district: row.business_district.as_deref().map(&mut name),
            unit: row.unit.as_deref().map(&mut name),
            owner: row.owner.as_deref().map(&mut name),
            category: row.category.as_deref().map(&mut name),
            flags,
            kind: row.kind,
            status: row.status,
            has_respondent: respondent.is_some(),
        }
    }
}

/// One open ticket, borrowed from the set.
#[derive(Clone, Copy)]
pub(super) struct OpenRef<'a> {
    row: &'a OpenRow,
    names: &'a Interner,
}

/// Milliseconds kept with [`NONE_AT`] for none.
fn present(ms: i64) -> Option<i64> {
    (ms != NONE_AT).then_some(ms)
}

impl<'a> OpenRef<'a> {
    fn has(self, flag: Flag) -> bool {
        self.row.flags & (1 << flag as u16) != 0
    }

    fn flags(self) -> impl Iterator<Item = Flag> + 'a {
        Flag::ALL.into_iter().filter(move |f| self.has(*f))
    }

    fn clocks(self) -> impl Iterator<Item = ClockFacts<'a>> + 'a {
        let names = self.names;
        self.row.clocks.iter().map(move |c| ClockFacts {
            rule: names.name(c.rule),
            started_at: c.started_at,
            stopped_at: c.stopped_at,
            pauses: &c.pauses,
            extension: c.extension,
        })
    }

    /// (overdue, due soon) now: whether any clock is, as the ticket's summary would show it.
    pub(super) fn risk(self, config: &Config, now: Timestamp) -> (bool, bool) {
        risk(self.clocks(), config, now)
    }

    /// The row as the store holds it.
    pub(super) fn to_row(self) -> Row {
        let own = |s: &str| s.to_string();
        let name = |id: Option<Sym>| id.map(|id| own(self.names.name(id)));
        Row {
            id: self.row.id,
            kind: self.row.kind,
            status: self.row.status,
            channel: own(self.channel()),
            channel_ticket_id: own(self.channel_ticket_id()),
            received_at: self.received_at().map(Timestamp::from_millis),
            title: own(self.title()),
            town: name(self.row.town),
            respondent_name: self.respondent().map(own),
            category: name(self.row.category),
            unit: name(self.row.unit),
            owner: name(self.row.owner),
            flags: self.flags().collect::<BTreeSet<_>>(),
            clocks: self
                .clocks()
                .map(|c| ClockRecord {
                    rule: own(c.rule),
                    started_at: c.started_at,
                    stopped_at: c.stopped_at,
                    pauses: c.pauses.to_vec(),
                    extension: c.extension,
                })
                .collect(),
            earliest_due: self.earliest_due().map(Timestamp::from_millis),
            updated_at: self.row.updated_at,
            business_district: name(self.row.district),
        }
    }
}

/// (overdue, due soon) of a ticket with these clocks at `now`.
pub(super) fn risk<'c>(
    clocks: impl Iterator<Item = ClockFacts<'c>>,
    config: &Config,
    now: Timestamp,
) -> (bool, bool) {
    let (mut overdue, mut due_soon) = (false, false);
    for clock in clocks {
        match config.sla.state_of(clock, &config.calendar, now) {
            Some(ClockState::Overdue) => overdue = true,
            Some(ClockState::DueSoon) => due_soon = true,
            _ => {}
        }
    }
    (overdue, due_soon)
}

impl Fields for OpenRef<'_> {
    fn id(&self) -> TicketId {
        self.row.id
    }
    fn status(&self) -> Status {
        self.row.status
    }
    fn channel(&self) -> &str {
        self.names.name(self.row.channel)
    }
    fn unit(&self) -> Option<&str> {
        self.row.unit.map(|id| self.names.name(id))
    }
    fn town(&self) -> Option<&str> {
        self.row.town.map(|id| self.names.name(id))
    }
    fn owner(&self) -> Option<&str> {
        self.row.owner.map(|id| self.names.name(id))
    }
    fn returned(&self) -> bool {
        self.has(Flag::ReturnedByUnit)
    }
    fn title(&self) -> &str {
        &self.row.texts[..self.row.title_len as usize]
    }
    fn channel_ticket_id(&self) -> &str {
        let from = self.row.title_len as usize;
        &self.row.texts[from..from + self.row.channel_ticket_id_len as usize]
    }
    fn respondent(&self) -> Option<&str> {
        let from = (self.row.title_len + self.row.channel_ticket_id_len) as usize;
        self.row.has_respondent.then(|| &self.row.texts[from..])
    }
    fn category(&self) -> Option<&str> {
        self.row.category.map(|id| self.names.name(id))
    }
    fn earliest_due(&self) -> Option<i64> {
        present(self.row.earliest_due)
    }
    fn received_at(&self) -> Option<i64> {
        present(self.row.received_at)
    }
}

#[cfg(test)]
#[path = "open_set_tests.rs"]
mod tests;
