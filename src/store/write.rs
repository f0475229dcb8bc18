//! A set of writes that belong together — events, projections, index changes — applied as one
//! atomic sled batch.

use super::codec;
use super::index::{self, Entry, IndexDelta};
use super::keys::{self, TextIndex};
use super::row::Row;
use super::run::RunDraft;
use crate::domain::event::Event;
use crate::domain::ticket::{Ticket, TicketId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// What the `t` space holds for a ticket. A ticket that has had no event but its creation is
/// exactly its creation event folded, so only the event's number is kept: most of a large
/// store is closed history that never changes, and this halves what it costs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum StoredTicket {
    Full(Box<Ticket>),
    AtCreation { seq: u64 },
}

/// Only the engine can make one (`new` asks for its `WriteAccess`), and only the engine can
/// apply one (`Store::apply` does too): the one writer is enforced by the types.
pub struct WriteSet {
    batch: sled::Batch,
    pub(crate) index: IndexDelta,
    /// Alarm index changes, applied block by block (`alarm.rs`).
    pub(in crate::store) alarms: super::alarm::AlarmDelta,
    /// External ids, applied block by block (`external.rs`).
    pub(in crate::store) externals: super::external::ExternalDelta,
    /// Events in the order written, encoded: `Store::apply` links each into the hash chain.
    events: Vec<(u64, Vec<u8>)>,
    /// When set, every event of the set goes into one run record (`run.rs`), event `i`
    /// creating ticket `first_id + i`.
    run: Option<RunDraft>,
    /// Tickets whose row goes away: removed, or a tombstone over their run's (`Store::commit`).
    rows_gone: Vec<TicketId>,
    writes: usize,
}

impl WriteSet {
    pub fn new(_: &crate::engine::WriteAccess) -> WriteSet {
        WriteSet::empty()
    }

    /// The store's own writes (migrations, one-off indexing on open).
    pub(in crate::store) fn empty() -> WriteSet {
        WriteSet {
            batch: sled::Batch::default(),
            index: IndexDelta::default(),
            alarms: Default::default(),
            externals: Default::default(),
            events: Vec::new(),
            run: None,
            rows_gone: Vec::new(),
            writes: 0,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.writes == 0 && self.index.is_empty() && self.alarms.is_empty() && self.externals.is_empty()
    }

    pub fn put_event(&mut self, event: &Event) {
        self.events.push((event.seq, codec::encode(event)));
        self.writes += 1;
    }

    pub fn put_meta(&mut self, name: &str, value: Vec<u8>) {
        self.insert(keys::meta(name), value);
    }

    /// Writes the projections of `new` and moves its index entries from what `old` had. The
    /// row is kept for open tickets only: it is the working queue's summary, and a closed
    /// ticket's row is derived when a list asks for it.
    pub fn put_ticket(&mut self, old: Option<(&Ticket, &Row)>, new: &Ticket, new_row: &Row) {
        let stored = match new.events.as_slice() {
            [seq] => StoredTicket::AtCreation { seq: *seq },
            _ => StoredTicket::Full(Box::new(new.clone())),
        };
        self.insert(keys::ticket(new.id), codec::encode(&stored));
        if new.status.is_open() {
            self.insert(keys::row(new.id), codec::encode(new_row));
        } else if old.is_some_and(|(t, _)| t.status.is_open()) {
            self.rows_gone.push(new.id);
            self.writes += 1;
        }
        self.put_index_entries(old, new, new_row);
    }

    /// Writes a ticket just created by `event` into the set's run (see `run.rs`): its event and
    /// its row go into the run record, its index entries are written as for any ticket. The
    /// tickets of a run must come in the order of their events, with consecutive ids, and the
    /// set must hold no other event (`Store::commit` refuses it otherwise).
    pub fn put_run_ticket(&mut self, event: &Event, new: &Ticket, new_row: &Row) {
        let run = self.run.get_or_insert_with(|| RunDraft { first_id: new.id, rows: Vec::new() });
        run.rows.push(new.status.is_open().then(|| codec::encode(new_row)));
        self.put_event(event);
        self.put_index_entries(None, new, new_row);
    }

    fn put_index_entries(&mut self, old: Option<(&Ticket, &Row)>, new: &Ticket, new_row: &Row) {
        let before = old.map(|(t, r)| index_entries(t, r)).unwrap_or_default();
        let after = index_entries(new, new_row);
        for gone in before.difference(&after) {
            match gone {
                Indexed::Block(e) => self.index.remove(e.clone()),
                Indexed::Key(k) => self.remove(k.clone()),
            }
        }
        for added in after.difference(&before) {
            match added {
                Indexed::Block(e) => self.index.add(e.clone()),
                Indexed::Key(k) => self.insert(k.clone(), Vec::new()),
            }
        }
    }

    /// Re-writes a record in the current encoding (migrations).
    pub(crate) fn put_raw(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.insert(key, value);
    }

    pub(crate) fn remove_raw(&mut self, key: Vec<u8>) {
        self.remove(key);
    }

    pub(crate) fn into_parts(self) -> Parts {
        Parts { batch: self.batch, events: self.events, run: self.run, rows_gone: self.rows_gone }
    }

    pub(crate) fn batch_mut(&mut self) -> &mut sled::Batch {
        &mut self.batch
    }

    fn insert(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.batch.insert(key, value);
        self.writes += 1;
    }

    fn remove(&mut self, key: Vec<u8>) {
        self.batch.remove(key);
        self.writes += 1;
    }
}

/// A write set as `Store::commit` writes it.
pub(crate) struct Parts {
    pub batch: sled::Batch,
    pub events: Vec<(u64, Vec<u8>)>,
    pub run: Option<RunDraft>,
    pub rows_gone: Vec<TicketId>,
}

/// One index entry of a ticket: a bit in a block, or (for deadlines) a key of its own.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Indexed {
    Block(Entry),
    Key(Vec<u8>),
}

/// The values a ticket is indexed under, per index.
pub fn indexed_values(t: &Ticket) -> Vec<(TextIndex, String)> {
    let mut out = Vec::new();
    let mut push = |index: TextIndex, value: Option<&str>| {
        if let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) {
            out.push((index, v.to_string()));
        }
    };
    push(TextIndex::Channel, Some(&t.intake.channel));
    push(TextIndex::Unit, t.workflow.unit.as_deref());
    push(TextIndex::Owner, t.workflow.owner.as_deref());
    push(TextIndex::Town, t.intake.town.as_deref());
    push(TextIndex::Respondent, t.respondent.name.as_deref());
    push(TextIndex::CreditCode, t.respondent.credit_code.as_deref());
    // A phone field may hold several numbers ("137…/0757-…"): each is a line to find.
    let phones = [t.complainant.phone.as_deref(), t.intake.caller_number.as_deref()];
    for phone in phones.into_iter().flatten().flat_map(|p| p.split(['/', '、', ',', '，', ';', '；'])) {
        if let Some(p) = normalise_phone(phone) {
            push(TextIndex::Phone, Some(&p));
        }
    }
    out
}

/// Every index entry a ticket should have: its status and one per index it has a value for.
/// Its earliest deadline is in its row (`Store::deadlines` reads them from there).
pub fn index_entries(t: &Ticket, _row: &Row) -> BTreeSet<Indexed> {
    let id = t.id;
    let mut out = BTreeSet::new();
    out.insert(Indexed::Block(Entry::valued(keys::STATUS, &[t.status.tag()], id)));
    for (index, value) in indexed_values(t) {
        let entry = if index.is_hashed() {
            Entry::hashed(index.tag(), &value, id)
        } else {
            Entry::valued(index.tag(), value.as_bytes(), id)
        };
        out.insert(Indexed::Block(entry));
    }
    out
}

/// The digits that identify a phone line: separators dropped, the +86 country code removed.
pub fn normalise_phone(text: &str) -> Option<String> {
    let digits: String = text.chars().filter(|c| c.is_ascii_digit()).collect();
    let digits = match digits.strip_prefix("86") {
        Some(rest) if rest.len() == 11 && rest.starts_with('1') => rest.to_string(),
        _ => digits,
    };
    (digits.len() >= 5).then_some(digits)
}

/// Folds the index changes of a write set into its batch: each touched block is read, edited
/// and written (or removed when empty) once.
pub(crate) fn resolve_blocks(tree: &sled::Tree, set: &mut WriteSet) -> Result<(), super::StoreError> {
    let blocks = std::mem::take(&mut set.index.blocks);
    for (key, edit) in blocks {
        let hashed = key.first().is_some_and(|tag| TextIndex::hashed_tag(*tag));
        let current = match tree.get(&key)? {
            Some(bytes) => {
                let decoded =
                    if hashed { index::decode_hashed(&bytes) } else { index::decode_valued(&bytes) };
                decoded.ok_or_else(|| super::corrupt(&key, "unreadable index block"))?
            }
            None => Default::default(),
        };
        match index::edited(current, &edit.remove, edit.add) {
            None => set.batch_mut().remove(key),
            Some(current) => {
                let bytes =
                    if hashed { index::encode_hashed(&current) } else { index::encode_valued(&current) };
                set.batch_mut().insert(key, bytes);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::normalise_phone;

    #[test]
    fn phone_numbers_are_indexed_by_their_digits_without_country_code() {
        assert_eq!(normalise_phone("+86 138-0000-1234").as_deref(), Some("13800001234"));
        assert_eq!(normalise_phone("0757-2221 3344").as_deref(), Some("075722213344"));
        assert_eq!(normalise_phone("无"), None);
    }
}
