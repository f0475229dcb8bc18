//! Every ticket, compact, in memory: what a view of every ticket filters and orders by, and what
//! a search matches (number, channel ticket id, title, category and the names with their
//! pinyin). Built by one sequential scan of the store, or read from the store's copy of it
//! (`catalogue_store.rs`), and kept current from the event log, so neither a view of every
//! ticket nor a search reads the store row by row.
//!
//! Compact because it holds every ticket ever registered: the names (channel, town, 商圈, unit,
//! owner, respondent, category) are interned — a district has a few thousand distinct ones —
//! with their pinyin readings computed once per name; a ticket keeps their numbers, and its
//! title and channel ticket id sit in one text arena. A search scores each distinct name once,
//! then each ticket's own texts.

use super::window::{Fields, Sort};
use crate::arena::{Position, TextArena};
use crate::config::Config;
use crate::domain::org::Organisation;
use crate::domain::status::Status;
use crate::domain::ticket::{Flag, TicketId};
use crate::search::{Query, Readings};
use crate::store::{Row, Store, StoreError};
use std::collections::BTreeSet;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Mutex;

#[path = "catalogue_load.rs"]
mod load;
#[path = "catalogue_store.rs"]
mod stored;
use load::Pace;
pub(super) use load::Shared;

/// A title or channel ticket id longer than this many bytes is matched by its beginning.
const MAX_TITLE: usize = u16::MAX as usize;
const MAX_CHANNEL_TICKET_ID: usize = u8::MAX as usize;
/// `received` of a ticket without a receipt time.
const NOT_RECEIVED: i64 = i64::MIN;
/// `due` of a ticket without a running clock.
const NOT_DUE: i64 = i64::MAX;

/// One ticket as the catalogue holds it: numbers instead of strings (64 bytes).
#[derive(Clone, Copy)]
struct Slot {
    id: TicketId,
    received: i64,
    due: i64,
    /// Where its title starts in the arena; its channel ticket id follows the title.
    text_at: Position,
    title_len: u16,
    channel_ticket_id_len: u8,
    status: Status,
    returned: bool,
    channel: u32,
    town: u32,
    district: u32,
    unit: u32,
    owner: u32,
    respondent: u32,
    category: u32,
}

/// What a search matches a name by.
struct Matched {
    text: Box<str>,
    /// None: the name is matched as written only (a category).
    readings: Option<Readings>,
}

/// The distinct values of one field, numbered from 1 (0 is "none").
#[derive(Default)]
struct Names {
    values: Vec<(Box<str>, Option<Matched>)>,
    ids: HashMap<Box<str>, u32>,
}

impl Names {
    fn intern(&mut self, value: Option<&str>, matched: impl FnOnce(&str) -> Option<Matched>) -> u32 {
        let Some(value) = value else { return 0 };
        if let Some(&id) = self.ids.get(value) {
            return id;
        }
        self.values.push((value.into(), matched(value)));
        let id = self.values.len() as u32;
        self.ids.insert(value.into(), id);
        id
    }

    fn get(&self, id: u32) -> Option<&str> {
        id.checked_sub(1).map(|i| &*self.values[i as usize].0)
    }

    /// Each name's score for `query`, by number (0 first, never matching).
    fn scores(&self, query: &Query) -> Vec<Option<i64>> {
        let mut scores = Vec::with_capacity(self.values.len() + 1);
        scores.push(None);
        for (_, matched) in &self.values {
            scores.push(matched.as_ref().and_then(|m| match &m.readings {
                Some(r) => query.score_name(&m.text, r),
                None => query.score_text(&m.text),
            }));
        }
        scores
    }
}

/// The fields a ticket names, each with names of its own, in the order the store's copy
/// numbers them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    Channel,
    Town,
    District,
    Unit,
    Owner,
    Respondent,
    Category,
}

const FIELDS: [Field; 7] = [
    Field::Channel,
    Field::Town,
    Field::District,
    Field::Unit,
    Field::Owner,
    Field::Respondent,
    Field::Category,
];

impl Field {
    /// What a search matches `value` of this field by, if anything: computed once per name,
    /// from the organisation of now (a stored catalogue's names get theirs as they are read).
    fn matched(self, value: &str, org: &Organisation) -> Option<Matched> {
        match self {
            Field::Channel | Field::Owner => None,
            Field::Town => named(value, org.branch_of_town(value).map(|u| u.id.as_str())),
            Field::District | Field::Respondent => named(value, None),
            Field::Unit => org.unit(value).and_then(|u| named(&u.name, Some(value))),
            Field::Category => Some(Matched { text: value.into(), readings: None }),
        }
    }
}

impl Slot {
    /// Its names' numbers, field by field in the order of [`FIELDS`].
    fn names(&self) -> [u32; 7] {
        [self.channel, self.town, self.district, self.unit, self.owner, self.respondent, self.category]
    }
}

/// How the catalogue came to be in memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loaded {
    /// Read from the store's copy; `derived` tickets (changed since, or unreadable) were
    /// derived from the store again.
    Read { derived: usize },
    /// Derived from a scan of every ticket.
    Scanned { tickets: usize },
}

/// Every ticket, current as of `seq`.
#[derive(Default)]
pub(super) struct Catalogue {
    loaded: bool,
    /// How it was loaded (None before).
    loaded_by: Option<Loaded>,
    /// What the store's copy holds as this catalogue last read or wrote it; None while the
    /// store holds no copy current with it (then it is not kept up to date).
    stored: Mutex<Option<stored::Stored>>,
    /// Tickets derived again since the store's copy was last written (see
    /// `Shared::store_unstored`).
    unstored: BTreeSet<TicketId>,
    seq: u64,
    /// How often a ticket was placed before others (moving them): views that keep positions
    /// of the catalogue are built again when it changed. Tickets are numbered in order of
    /// registration, so new ones are added at the end and this stays 0.
    shifts: u64,
    /// In ticket number order.
    slots: Vec<Slot>,
    text: TextArena,
    channels: Names,
    towns: Names,
    districts: Names,
    units: Names,
    owners: Names,
    respondents: Names,
    categories: Names,
}

/// A ticket of the catalogue with its names: what a view filters and orders.
pub(super) struct Entry<'a> {
    cat: &'a Catalogue,
    slot: &'a Slot,
}

impl Fields for Entry<'_> {
    fn id(&self) -> TicketId {
        self.slot.id
    }
    fn status(&self) -> Status {
        self.slot.status
    }
    fn channel(&self) -> &str {
        self.cat.channels.get(self.slot.channel).unwrap_or_default()
    }
    fn unit(&self) -> Option<&str> {
        self.cat.units.get(self.slot.unit)
    }
    fn town(&self) -> Option<&str> {
        self.cat.towns.get(self.slot.town)
    }
    fn owner(&self) -> Option<&str> {
        self.cat.owners.get(self.slot.owner)
    }
    fn returned(&self) -> bool {
        self.slot.returned
    }
    fn title(&self) -> &str {
        self.cat.title_of(self.slot)
    }
    fn channel_ticket_id(&self) -> &str {
        self.cat.channel_ticket_id_of(self.slot)
    }
    fn respondent(&self) -> Option<&str> {
        self.cat.respondents.get(self.slot.respondent)
    }
    fn category(&self) -> Option<&str> {
        self.cat.categories.get(self.slot.category)
    }
    fn earliest_due(&self) -> Option<i64> {
        Some(self.slot.due).filter(|&d| d != NOT_DUE)
    }
    fn received_at(&self) -> Option<i64> {
        Some(self.slot.received).filter(|&r| r != NOT_RECEIVED)
    }
}

/// Makes room for one more slot, by an eighth of those held: doubled, the slots of a million
/// tickets (64 MB) would be copied into twice their size at the first ticket registered after
/// a start, both resident for that moment, and the half reserved empty after.
fn grow_by_an_eighth(slots: &mut Vec<Slot>) {
    if slots.len() == slots.capacity() {
        slots.reserve_exact(slots.len() / 8 + 1);
    }
}

/// Room for the slots of tickets numbered up to `last` and a sixty-fourth more (new tickets
/// after a start), so that the first registrations move nothing.
pub(super) fn room_for(last: usize) -> usize {
    last + last / 64 + 1
}

/// `text` cut to at most `max` bytes, at a character boundary.
fn cut(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

fn named(value: &str, alias: Option<&str>) -> Option<Matched> {
    (!value.trim().is_empty())
        .then(|| Matched { text: value.into(), readings: Some(Readings::of(value, alias)) })
}

impl Catalogue {
    pub(super) fn seq(&self) -> u64 {
        self.seq
    }

    pub(super) fn len(&self) -> usize {
        self.slots.len()
    }

    pub(super) fn shifts(&self) -> u64 {
        self.shifts
    }

    fn names(&self, field: Field) -> &Names {
        match field {
            Field::Channel => &self.channels,
            Field::Town => &self.towns,
            Field::District => &self.districts,
            Field::Unit => &self.units,
            Field::Owner => &self.owners,
            Field::Respondent => &self.respondents,
            Field::Category => &self.categories,
        }
    }

    fn names_mut(&mut self, field: Field) -> &mut Names {
        match field {
            Field::Channel => &mut self.channels,
            Field::Town => &mut self.towns,
            Field::District => &mut self.districts,
            Field::Unit => &mut self.units,
            Field::Owner => &mut self.owners,
            Field::Respondent => &mut self.respondents,
            Field::Category => &mut self.categories,
        }
    }

    /// The number of `value` among the names of `field`, given out now if it is new.
    fn intern(&mut self, field: Field, value: Option<&str>, org: &Organisation) -> u32 {
        self.names_mut(field).intern(value, |v| field.matched(v, org))
    }

    /// The keys the catalogue's tickets are ordered by in a view sorted by `sort`.
    pub(super) fn order_keys(&self, sort: Sort) -> OrderKeys<'_> {
        let names = match sort {
            Sort::Channel => Some(&self.channels),
            Sort::Town => Some(&self.towns),
            Sort::Unit => Some(&self.units),
            _ => None,
        };
        let ranks = names.map_or_else(Vec::new, |names| {
            // A ticket without the name goes last, as `view_order::key_of` places it; a
            // ticket always has a channel.
            let none = if sort == Sort::Channel { 0 } else { u32::MAX };
            let mut by_text: Vec<u32> = (1..=names.values.len() as u32).collect();
            by_text.sort_unstable_by(|a, b| names.get(*a).cmp(&names.get(*b)));
            let mut ranks = vec![none; names.values.len() + 1];
            for (rank, id) in by_text.into_iter().enumerate() {
                ranks[id as usize] = rank as u32 + 1;
            }
            ranks
        });
        OrderKeys { cat: self, sort, ranks }
    }

    fn title_of(&self, slot: &Slot) -> &str {
        self.text.get(slot.text_at, usize::from(slot.title_len))
    }

    fn channel_ticket_id_of(&self, slot: &Slot) -> &str {
        let at = slot.text_at + u32::from(slot.title_len);
        self.text.get(at, usize::from(slot.channel_ticket_id_len))
    }

    /// The slot of `row`; its texts are those of `before` (the ticket's slot until now) when
    /// they did not change, else added to the arena: most changes of a ticket leave its title,
    /// and the arena, which only grows, would otherwise grow with every change.
    fn slot_of(&mut self, row: &Row, config: &Config, before: Option<&Slot>) -> Slot {
        let org = &config.org;
        let title = cut(&row.title, MAX_TITLE);
        let channel_ticket_id = cut(&row.channel_ticket_id, MAX_CHANNEL_TICKET_ID);
        let kept =
            before.filter(|b| self.title_of(b) == title && self.channel_ticket_id_of(b) == channel_ticket_id);
        let (text_at, title_len, channel_ticket_id_len) = match kept {
            Some(b) => (b.text_at, b.title_len, b.channel_ticket_id_len),
            // An arena of 4 GiB: the ticket is kept without its texts rather than not at all.
            None => match self.text.push(&[title, channel_ticket_id]) {
                Some(at) => (at, title.len() as u16, channel_ticket_id.len() as u8),
                None => (0, 0, 0),
            },
        };
        Slot {
            id: row.id,
            received: row.received_at.map_or(NOT_RECEIVED, |t| t.millis()),
            due: row.earliest_due.map_or(NOT_DUE, |t| t.millis()),
            text_at,
            title_len,
            channel_ticket_id_len,
            status: row.status,
            returned: row.flags.contains(&Flag::ReturnedByUnit),
            channel: self.intern(Field::Channel, Some(&row.channel), org),
            town: self.intern(Field::Town, row.town.as_deref(), org),
            district: self.intern(Field::District, row.business_district.as_deref(), org),
            unit: self.intern(Field::Unit, row.unit.as_deref(), org),
            owner: self.intern(Field::Owner, row.owner.as_deref(), org),
            respondent: self.intern(Field::Respondent, row.respondent_name.as_deref(), org),
            category: self.intern(Field::Category, row.category.as_deref(), org),
        }
    }

    /// A catalogue of `rows` (in number order), as a load would build it from their tickets.
    #[cfg(test)]
    pub(super) fn of_rows(rows: &[Row], config: &Config) -> Catalogue {
        let mut cat = Catalogue { loaded: true, ..Catalogue::default() };
        for row in rows {
            let slot = cat.slot_of(row, config, None);
            cat.slots.push(slot);
        }
        cat
    }

    /// Puts `row` in place of its ticket's, or adds it in number order.
    pub(super) fn put(&mut self, row: &Row, config: &Config) {
        let found = self.slots.binary_search_by_key(&row.id, |s| s.id);
        let before = found.ok().map(|at| self.slots[at]);
        let slot = self.slot_of(row, config, before.as_ref());
        match found {
            Ok(at) => self.slots[at] = slot,
            Err(at) => {
                if at < self.slots.len() {
                    self.shifts += 1;
                }
                grow_by_an_eighth(&mut self.slots);
                self.slots.insert(at, slot)
            }
        }
    }

    /// Where ticket `id` is, if the catalogue holds it.
    pub(super) fn position(&self, id: TicketId) -> Option<usize> {
        self.slots.binary_search_by_key(&id, |s| s.id).ok()
    }

    pub(super) fn entry(&self, at: usize) -> Entry<'_> {
        Entry { cat: self, slot: &self.slots[at] }
    }

    pub(super) fn entries(&self) -> impl Iterator<Item = Entry<'_>> {
        self.slots.iter().map(|slot| Entry { cat: self, slot })
    }

    /// Brings the catalogue up to the store's last event, and the tickets of `more` with it: a
    /// few rows read per change; the store's copy is brought up to date with it. How many
    /// tickets were derived again.
    fn catch_up(&mut self, store: &Store, config: &Config, more: Vec<TicketId>) -> Result<usize, StoreError> {
        let last = store.last_seq()?;
        if last == self.seq && more.is_empty() {
            return Ok(0);
        }
        let (mut changed, seen) = store.changed_after(self.seq)?;
        changed.extend(more);
        for &id in &changed {
            let Some(row) = store.summary(id)? else { continue };
            self.put(&row, config);
        }
        self.seq = seen.max(last);
        let derived = changed.len();
        self.unstored.extend(changed);
        Ok(derived)
    }

    /// The positions among `candidates` (every ticket when None) whose texts match `query`,
    /// with their scores: the best of the number, the channel ticket id, the title and the
    /// names, as `Query::score` scores a row.
    pub(super) fn matches(&self, query: &Query, candidates: Option<&[u32]>) -> Vec<(u32, i64)> {
        let names = NameScores {
            respondents: self.respondents.scores(query),
            towns: self.towns.scores(query),
            districts: self.districts.scores(query),
            units: self.units.scores(query),
            categories: self.categories.scores(query),
        };
        let all: Vec<u32>;
        let list = match candidates {
            Some(list) => list,
            None => {
                all = (0..self.slots.len() as u32).collect();
                &all
            }
        };
        // A long list is scored on every core: each part on its own thread, in order.
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(MAX_THREADS);
        if threads < 2 || list.len() < PARALLEL_FROM {
            return self.score_all(query, &names, list);
        }
        let part = list.len().div_ceil(threads);
        std::thread::scope(|scope| {
            let parts: Vec<_> =
                list.chunks(part).map(|chunk| scope.spawn(|| self.score_all(query, &names, chunk))).collect();
            let mut out = Vec::new();
            for p in parts {
                // A part that panicked has scored nothing: the others' matches still count.
                out.extend(p.join().unwrap_or_default());
            }
            out
        })
    }

    fn score_all(&self, query: &Query, names: &NameScores, list: &[u32]) -> Vec<(u32, i64)> {
        let numeric = query.is_numeric();
        let mut number = String::new();
        let mut out = Vec::new();
        for &at in list {
            let slot = &self.slots[at as usize];
            let entry = Entry { cat: self, slot };
            let by_number = if numeric {
                number.clear();
                let _ = write!(number, "{}", slot.id.0);
                query.score_text(&number)
            } else {
                None
            };
            let best = [
                by_number,
                query.score_text(entry.channel_ticket_id()),
                query.score_text(entry.title()),
                names.respondents[slot.respondent as usize],
                names.towns[slot.town as usize],
                names.districts[slot.district as usize],
                names.units[slot.unit as usize],
                names.categories[slot.category as usize],
            ]
            .into_iter()
            .flatten()
            .max();
            if let Some(score) = best {
                out.push((at, score));
            }
        }
        out
    }
}

/// A ticket's key in a view's order: the same order as `view_order::key_of` gives its row,
/// a name's rank among the names standing for the name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct OrderKey {
    primary: i64,
    name: u32,
    id: u64,
}

/// Reads the keys of one sort from the catalogue.
pub(super) struct OrderKeys<'a> {
    cat: &'a Catalogue,
    sort: Sort,
    /// By name number, each name's rank in text order (for a sort by a name).
    ranks: Vec<u32>,
}

impl OrderKeys<'_> {
    pub(super) fn key(&self, at: u32) -> OrderKey {
        let slot = &self.cat.slots[at as usize];
        let entry = Entry { cat: self.cat, slot };
        let rank = |name: u32| self.ranks[name as usize];
        let (primary, name) = match self.sort {
            Sort::Deadline => (entry.earliest_due().unwrap_or(i64::MAX), 0),
            Sort::Received => (-entry.received_at().unwrap_or(0), 0),
            Sort::Channel => (0, rank(slot.channel)),
            Sort::Status => (slot.status.tag() as i64, 0),
            Sort::Town => (0, rank(slot.town)),
            Sort::Unit => (0, rank(slot.unit)),
            Sort::Number => (slot.id.0 as i64, 0),
        };
        OrderKey { primary, name, id: slot.id.0 }
    }
}

/// Below this many tickets a search is scored on one thread; above, on up to `MAX_THREADS`.
const PARALLEL_FROM: usize = 50_000;
const MAX_THREADS: usize = 4;

/// Each distinct name's score for one query, by field.
struct NameScores {
    respondents: Vec<Option<i64>>,
    towns: Vec<Option<i64>>,
    districts: Vec<Option<i64>>,
    units: Vec<Option<i64>>,
    categories: Vec<Option<i64>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ticket_takes_sixty_four_bytes_besides_its_title_and_channel_ticket_id() {
        assert_eq!(std::mem::size_of::<Slot>(), 64);
    }

    #[test]
    fn a_long_text_is_cut_at_a_character_boundary() {
        let title = "预付卡".repeat(30_000);
        let kept = cut(&title, MAX_TITLE);
        assert!(kept.len() <= MAX_TITLE && title.starts_with(kept));
        assert_eq!(cut("GD-2026-114051", MAX_CHANNEL_TICKET_ID), "GD-2026-114051");
    }
}
