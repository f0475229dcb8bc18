//! Runs: a bulk load's registrations kept as a few records a group (schema 4).
//!
//! sled pays about the same for every key it inserts, and an import that wrote an event, a
//! ticket and a row key for each of its rows spent most of its time there (README, `desk-bench
//! import` and `layout`). So a group of registrations whose events and tickets follow each
//! other (events `s0..s0+n` creating tickets `i0..i0+n`, in that order) is written as runs:
//!
//! | key                | value                                                          |
//! |--------------------|----------------------------------------------------------------|
//! | `R` first seq      | the run: header, offsets, then per event its record, its chain link and the row of its ticket while open |
//! | `U` first ticket id | the group's first seq and its length, so a ticket finds its event |
//!
//! A group is written as runs of at most `MAX_RUN_BYTES` each (a few tickets), under one `U`
//! pointer: a ticket's event is the pointer's first seq plus its distance from the first id.
//!
//! A seq finds its run by one `range(..=key).next_back()`, a ticket id its pointer so, then the
//! run by its seq. A ticket in a
//! run is its creation event folded (as `StoredTicket::AtCreation`), so only the event is kept.
//! The chain link of each event is computed exactly as for an event of its own (`chain.rs`), so
//! the audit trail and its head do not depend on the layout.
//!
//! A run is never rewritten. A ticket's first later event writes its own `t` and `r` records,
//! which win over the run from then on; a row that goes away (the ticket finished) is written as
//! an empty `r` value, a tombstone, so that the run's row no longer counts. Its external id,
//! alarm and index entries are written as for any other ticket (each in its blocks).
//!
//! A run value: version byte, first ticket id (u64), n (u32), n offsets (u32, from the start
//! of the value) of its entries; an entry is the record's length (u32), the record, its 32-byte
//! link, the row's length (u32, 0 for none) and the row. Numbers are big-endian.

use super::chain::Hash;
use super::keys;
use super::{Result, Store, corrupt};
use crate::domain::event::Event;
use crate::domain::ticket::TicketId;
use std::ops::Range;

pub const RUN_V1: u8 = 1;
const HEADER: usize = 1 + 8 + 4;
const LINK: usize = 32;

/// A group of registrations with fewer events than this is written the usual way: a run pays off
/// for a bulk load, and every reader of a handful of tickets reads fewer bytes without one.
pub const MIN_RUN: usize = 32;

/// A run record holds about this many bytes at most. sled 0.34 splits a leaf past 16 entries
/// whatever their size, writes each version of a page of more than 128 KiB as a file of its own,
/// and copies a leaf on every change: runs of a group's 512 rows (half a MB each) cost an import
/// more than the keys they saved (README, `desk-bench import`). Leaves of 16 runs this size stay
/// below that threshold.
pub const MAX_RUN_BYTES: usize = 7 * 1024;

/// The runs a group's events are written as: (index of the first, count), each at most
/// `MAX_RUN_BYTES` (or one event) long.
pub(crate) fn chunks(events: &[(u64, Vec<u8>, Hash)], rows: &[Option<Vec<u8>>]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let (mut first, mut bytes) = (0, HEADER);
    for (i, ((_, record, _), row)) in events.iter().zip(rows).enumerate() {
        let size = 4 + 8 + record.len() + LINK + row.as_ref().map_or(0, Vec::len);
        if i > first && bytes + size > MAX_RUN_BYTES {
            out.push((first, i - first));
            (first, bytes) = (i, HEADER);
        }
        bytes += size;
    }
    if first < events.len() {
        out.push((first, events.len() - first));
    }
    out
}

pub fn run_key(first_seq: u64) -> Vec<u8> {
    let mut k = vec![keys::RUN];
    k.extend_from_slice(&first_seq.to_be_bytes());
    k
}

pub fn run_ticket_key(first_id: TicketId) -> Vec<u8> {
    let mut k = vec![keys::RUN_TICKETS];
    k.extend_from_slice(&first_id.0.to_be_bytes());
    k
}

/// One run's events and rows, before their links are computed (`Store::commit` does that).
pub(crate) struct RunDraft {
    pub first_id: TicketId,
    /// The row of each ticket, encoded; None once finished.
    pub rows: Vec<Option<Vec<u8>>>,
}

/// Encodes a run: `events` are (seq, record, link) in order, `rows` one per event.
pub(crate) fn encode(
    first_id: TicketId,
    events: &[(u64, Vec<u8>, Hash)],
    rows: &[Option<Vec<u8>>],
) -> Vec<u8> {
    let n = events.len();
    let body: usize = events
        .iter()
        .zip(rows)
        .map(|((_, record, _), row)| 8 + record.len() + LINK + row.as_ref().map_or(0, Vec::len))
        .sum();
    let mut out = Vec::with_capacity(HEADER + 4 * n + body);
    out.push(RUN_V1);
    out.extend_from_slice(&first_id.0.to_be_bytes());
    out.extend_from_slice(&(n as u32).to_be_bytes());
    let mut at = HEADER + 4 * n;
    for ((_, record, _), row) in events.iter().zip(rows) {
        out.extend_from_slice(&(at as u32).to_be_bytes());
        at += 8 + record.len() + LINK + row.as_ref().map_or(0, Vec::len);
    }
    for ((_, record, link), row) in events.iter().zip(rows) {
        out.extend_from_slice(&(record.len() as u32).to_be_bytes());
        out.extend_from_slice(record);
        out.extend_from_slice(link);
        let row = row.as_deref().unwrap_or_default();
        out.extend_from_slice(&(row.len() as u32).to_be_bytes());
        out.extend_from_slice(row);
    }
    out
}

/// The `U` value: the run's first seq and its length.
pub(crate) fn encode_pointer(first_seq: u64, n: usize) -> Vec<u8> {
    let mut v = first_seq.to_be_bytes().to_vec();
    v.extend_from_slice(&(n as u32).to_be_bytes());
    v
}

fn parse_pointer(v: &[u8]) -> Option<(u64, u64)> {
    let seq = u64::from_be_bytes(v.get(..8)?.try_into().ok()?);
    let n = u32::from_be_bytes(v.get(8..12)?.try_into().ok()?);
    Some((seq, u64::from(n)))
}

fn be_u32(bytes: &[u8], at: usize) -> Option<usize> {
    Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?) as usize)
}

/// One stored run, read lazily: an entry is sliced out of the value when asked for.
#[derive(Clone)]
pub struct Run {
    key: sled::IVec,
    pub first_seq: u64,
    pub first_id: TicketId,
    pub len: u64,
    value: sled::IVec,
}

/// One event of a run, with its ticket's row as the run holds it.
pub struct Entry<'a> {
    pub seq: u64,
    pub id: TicketId,
    pub record: &'a [u8],
    pub link: Hash,
    /// The encoded row; None for a ticket finished when it was written.
    pub row: Option<&'a [u8]>,
}

impl Run {
    /// Reads a run's header; an error names the run when it is not one.
    pub fn parse(key: sled::IVec, value: sled::IVec) -> Result<Run> {
        let first_seq = keys::trailing_u64(&key)
            .filter(|_| key.len() == 9)
            .ok_or_else(|| corrupt(&key, "malformed run key"))?;
        let header = (|| {
            if *value.first()? != RUN_V1 {
                return None;
            }
            let first_id = u64::from_be_bytes(value.get(1..9)?.try_into().ok()?);
            let len = be_u32(&value, 9)? as u64;
            (value.len() >= HEADER + 4 * len as usize).then_some((first_id, len))
        })();
        let (first_id, len) = header.ok_or_else(|| corrupt(&key, "unreadable run header"))?;
        Ok(Run { key, first_seq, first_id: TicketId(first_id), len, value })
    }

    pub fn key(&self) -> &[u8] {
        &self.key
    }

    pub fn seqs(&self) -> Range<u64> {
        self.first_seq..self.first_seq + self.len
    }

    pub fn ids(&self) -> Range<u64> {
        self.first_id.0..self.first_id.0 + self.len
    }

    /// Entry `i` (0-based), or an error naming the run when it cannot be read.
    pub fn entry(&self, i: u64) -> Result<Entry<'_>> {
        self.try_entry(i).ok_or_else(|| corrupt(&self.key, &format!("entry {i} of the run is unreadable")))
    }

    fn try_entry(&self, i: u64) -> Option<Entry<'_>> {
        if i >= self.len {
            return None;
        }
        let v = &self.value[..];
        let start = be_u32(v, HEADER + 4 * i as usize)?;
        let end = if i + 1 == self.len { v.len() } else { be_u32(v, HEADER + 4 * (i as usize + 1))? };
        let entry = v.get(start..end)?;
        let record_len = be_u32(entry, 0)?;
        let record = entry.get(4..4 + record_len)?;
        let link: Hash = entry.get(4 + record_len..4 + record_len + LINK)?.try_into().ok()?;
        let row_at = 4 + record_len + LINK;
        let row_len = be_u32(entry, row_at)?;
        let row = entry.get(row_at + 4..row_at + 4 + row_len)?;
        if row_at + 4 + row_len != entry.len() {
            return None;
        }
        Some(Entry {
            seq: self.first_seq + i,
            id: TicketId(self.first_id.0 + i),
            record,
            link,
            row: (row_len > 0).then_some(row),
        })
    }

    /// The entry of event `seq`, when the run holds it.
    pub fn entry_of_seq(&self, seq: u64) -> Option<Result<Entry<'_>>> {
        self.seqs().contains(&seq).then(|| self.entry(seq - self.first_seq))
    }

    /// The entry creating ticket `id`, when the run holds it.
    pub fn entry_of_ticket(&self, id: TicketId) -> Option<Result<Entry<'_>>> {
        self.ids().contains(&id.0).then(|| self.entry(id.0 - self.first_id.0))
    }
}

impl Entry<'_> {
    pub fn event(&self) -> Result<Event> {
        super::decode_at(&keys::event(self.seq), self.record)
    }

    /// The stored value the event would have as a key of its own: record, then link.
    pub fn stored_event(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(self.record.len() + LINK);
        v.extend_from_slice(self.record);
        v.extend_from_slice(&self.link);
        v
    }
}

impl Store {
    /// The run holding event `seq`, if one does.
    pub(crate) fn run_of_seq(&self, seq: u64) -> Result<Option<Run>> {
        let Some((k, v)) = self.tree().range(run_key(0)..=run_key(seq)).next_back().transpose()? else {
            return Ok(None);
        };
        let run = Run::parse(k, v)?;
        Ok(run.seqs().contains(&seq).then_some(run))
    }

    /// The run creating ticket `id`, if one does.
    pub(crate) fn run_of_ticket(&self, id: TicketId) -> Result<Option<Run>> {
        let Some(seq) = self.run_seq_of_ticket(id)? else { return Ok(None) };
        match self.run_of_seq(seq)? {
            Some(run) => Ok(Some(run)),
            None => Err(corrupt(&run_ticket_key(id), "the run it points to is missing")),
        }
    }

    /// The seq of the event in a run creating ticket `id`, without reading the run.
    fn run_seq_of_ticket(&self, id: TicketId) -> Result<Option<u64>> {
        let range = run_ticket_key(TicketId(0))..=run_ticket_key(id);
        let Some((k, v)) = self.tree().range(range).next_back().transpose()? else { return Ok(None) };
        let first = keys::trailing_u64(&k).ok_or_else(|| corrupt(&k, "malformed run pointer key"))?;
        let (seq, n) = parse_pointer(&v).ok_or_else(|| corrupt(&k, "unreadable run pointer"))?;
        Ok((id.0 < first + n).then_some(seq + (id.0 - first)))
    }

    /// Whether a run created ticket `id`.
    pub(crate) fn in_run(&self, id: TicketId) -> Result<bool> {
        Ok(self.run_seq_of_ticket(id)?.is_some())
    }

    /// The last event and the last ticket any run holds: (seq, id).
    pub(crate) fn last_in_runs(&self) -> Result<Option<(u64, u64)>> {
        let space = vec![keys::RUN_TICKETS]..vec![keys::RUN_TICKETS + 1];
        let Some((k, v)) = self.tree().range(space).next_back().transpose()? else { return Ok(None) };
        let first = keys::trailing_u64(&k).ok_or_else(|| corrupt(&k, "malformed run pointer key"))?;
        let (seq, n) = parse_pointer(&v).ok_or_else(|| corrupt(&k, "unreadable run pointer"))?;
        Ok((n > 0).then(|| (seq + n - 1, first + n - 1)))
    }

    /// Every run from the one holding `seq` on, in order.
    pub(crate) fn runs_from_seq(&self, seq: u64) -> impl Iterator<Item = Result<Run>> + '_ {
        let start = match self.tree().range(run_key(0)..=run_key(seq)).next_back() {
            Some(Ok((k, _))) => k.to_vec(),
            _ => run_key(seq),
        };
        self.tree().range(start..vec![keys::RUN + 1]).map(|item| {
            let (k, v) = item?;
            Run::parse(k, v)
        })
    }

    /// Every run, in order.
    pub(crate) fn runs(&self) -> impl Iterator<Item = Result<Run>> + '_ {
        self.tree().scan_prefix([keys::RUN]).map(|item| {
            let (k, v) = item?;
            Run::parse(k, v)
        })
    }

    /// Every run pointer (first ticket id, first seq, length), in order: for the check.
    pub(crate) fn run_pointers(&self) -> impl Iterator<Item = Result<(u64, u64, u64)>> + '_ {
        self.tree().scan_prefix([keys::RUN_TICKETS]).map(|item| {
            let (k, v) = item?;
            let first = keys::trailing_u64(&k).filter(|_| k.len() == 9);
            match (first, parse_pointer(&v)) {
                (Some(first), Some((seq, n))) => Ok((first, seq, n)),
                _ => Err(corrupt(&k, "unreadable run pointer")),
            }
        })
    }

    /// Each event of every run from `seq` on, mapped by `f`, in order.
    pub(crate) fn run_entries_from<T: 'static>(
        &self,
        seq: u64,
        f: impl Fn(&Entry) -> Result<T> + Clone + 'static,
    ) -> impl Iterator<Item = Result<(u64, T)>> + '_ {
        self.runs_from_seq(seq).flat_map(move |run| -> Vec<Result<(u64, T)>> {
            match run {
                Err(e) => vec![Err(e)],
                Ok(run) => {
                    let start = seq.max(run.first_seq) - run.first_seq;
                    (start..run.len).map(|i| run.entry(i).and_then(|e| Ok((e.seq, f(&e)?)))).collect()
                }
            }
        })
    }

    /// Each ticket of every run, mapped by `f`, in id order.
    pub(crate) fn run_tickets<T: 'static>(
        &self,
        f: impl Fn(&Entry) -> Result<Option<T>> + Clone + 'static,
    ) -> impl Iterator<Item = Result<(u64, T)>> + '_ {
        self.runs().flat_map(move |run| -> Vec<Result<(u64, T)>> {
            match run {
                Err(e) => vec![Err(e)],
                Ok(run) => (0..run.len)
                    .filter_map(|i| match run.entry(i).and_then(|e| f(&e).map(|v| v.map(|v| (e.id.0, v)))) {
                        Ok(Some(v)) => Some(Ok(v)),
                        Ok(None) => None,
                        Err(e) => Some(Err(e)),
                    })
                    .collect(),
            }
        })
    }
}

/// An event as stored, for the walks that look at every record (the chain, the check).
pub struct RawEvent {
    /// The key it is stored under: its own, or its run's.
    pub key: Vec<u8>,
    /// None for a malformed key of its own.
    pub seq: Option<u64>,
    /// The record followed by its link; or why it cannot be read (a damaged run).
    pub value: std::result::Result<Vec<u8>, String>,
}

impl Store {
    /// Every event as stored, in seq order, whether under its own key or in a run. A run that
    /// cannot be read is one item with the reason, at its first seq (or the entry it failed at).
    pub fn raw_events(&self) -> impl Iterator<Item = Result<RawEvent>> + '_ {
        let own = self.tree().scan_prefix([keys::EVENT]).map(|item| {
            let (k, v) = item?;
            let seq = keys::trailing_u64(&k).filter(|_| k.len() == 9);
            Ok((seq.unwrap_or(0), RawEvent { key: k.to_vec(), seq, value: Ok(v.to_vec()) }))
        });
        let in_runs = self.tree().scan_prefix([keys::RUN]).flat_map(|item| -> Vec<Result<(u64, RawEvent)>> {
            let (k, v) = match item {
                Ok(kv) => kv,
                Err(e) => return vec![Err(e.into())],
            };
            let first = keys::trailing_u64(&k).unwrap_or(0);
            let run = match Run::parse(k.clone(), v) {
                Ok(run) => run,
                Err(e) => {
                    return vec![Ok((
                        first,
                        RawEvent { key: k.to_vec(), seq: None, value: Err(e.to_string()) },
                    ))];
                }
            };
            let mut out = Vec::with_capacity(run.len as usize);
            for i in 0..run.len {
                match run.entry(i) {
                    Ok(e) => out.push(Ok((
                        e.seq,
                        RawEvent { key: k.to_vec(), seq: Some(e.seq), value: Ok(e.stored_event()) },
                    ))),
                    Err(e) => {
                        let seq = run.first_seq + i;
                        out.push(Ok((
                            seq,
                            RawEvent { key: k.to_vec(), seq: Some(seq), value: Err(e.to_string()) },
                        )));
                        break;
                    }
                }
            }
            out
        });
        merge(own, in_runs).map(|item| item.map(|(_, raw)| raw))
    }
}

/// Merges two streams ordered by their number; on the same number the first stream's item is
/// taken and the second's dropped (a record of its own wins over a run's). Errors pass at once.
pub(crate) fn merge<T>(
    a: impl Iterator<Item = Result<(u64, T)>>,
    b: impl Iterator<Item = Result<(u64, T)>>,
) -> impl Iterator<Item = Result<(u64, T)>> {
    let mut a = a.peekable();
    let mut b = b.peekable();
    std::iter::from_fn(move || {
        let order = match (a.peek(), b.peek()) {
            (None, None) => return None,
            (Some(Err(_)), _) | (Some(_), None) => std::cmp::Ordering::Less,
            (_, Some(Err(_))) | (None, Some(_)) => std::cmp::Ordering::Greater,
            (Some(Ok((x, _))), Some(Ok((y, _)))) => x.cmp(y),
        };
        match order {
            std::cmp::Ordering::Less => a.next(),
            std::cmp::Ordering::Equal => {
                b.next();
                a.next()
            }
            std::cmp::Ordering::Greater => b.next(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_reads_back_each_event_link_and_row() {
        let events = vec![(7, vec![3, 1, 2], [9; 32]), (8, vec![3, 4], [8; 32])];
        let rows = vec![Some(vec![3, 5, 5]), None];
        let value = encode(TicketId(40), &events, &rows);
        let run = Run::parse(run_key(7).into(), value.into()).unwrap();
        assert_eq!((run.seqs(), run.ids()), (7..9, 40..42));
        let second = run.entry_of_ticket(TicketId(41)).unwrap().unwrap();
        assert_eq!((second.seq, second.record, second.link, second.row), (8, &[3u8, 4][..], [8; 32], None));
        let first = run.entry_of_seq(7).unwrap().unwrap();
        assert_eq!(first.row, Some(&[3u8, 5, 5][..]));
        assert!(run.entry_of_seq(9).is_none());
    }

    #[test]
    fn a_truncated_run_is_reported_not_read() {
        let events = vec![(1, vec![3, 1, 2], [9; 32]), (2, vec![3, 4], [8; 32])];
        let mut value = encode(TicketId(1), &events, &[None, None]);
        value.truncate(value.len() - 3);
        let run = Run::parse(run_key(1).into(), value.into()).unwrap();
        assert!(run.entry(0).is_ok());
        assert!(run.entry(1).is_err());
        assert!(Run::parse(run_key(1).into(), vec![RUN_V1, 0, 0].into()).is_err());
    }

    #[test]
    fn merged_streams_keep_order_and_the_first_wins_a_tie() {
        let a = vec![Ok((2, "own")), Ok((5, "own"))].into_iter();
        let b = vec![Ok((1, "run")), Ok((2, "run")), Ok((3, "run"))].into_iter();
        let merged: Vec<_> = merge(a, b).map(|r| r.unwrap()).collect();
        assert_eq!(merged, vec![(1, "run"), (2, "own"), (3, "run"), (5, "own")]);
    }
}
