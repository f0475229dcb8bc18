//! The catalogue kept between runs, in the store's derived tree `catalogue` (its layout and
//! stamp in `store::derived`, as the statistics' facts are kept): serve's start reads every
//! ticket's slot from it rather than decoding every ticket again (and, for a ticket kept as
//! its creation event, reading that event), then derives only the tickets the events after
//! the stamp name.
//!
//! A record is one ticket's slot: its instants, status, returned mark, its names' numbers,
//! its title and its channel ticket id. The names are stored as text, each behind its field's
//! digit; what a search matches a name by (its pinyin, a unit's name, a town's branch) is
//! computed as it is read, with the pinyin tables and the organisation of the binary and the
//! configuration reading it, so neither enters the fingerprint. The tree numbers names in the
//! order the catalogue gave out its own numbers, field by field: read back in that order, each
//! name gets its number again.

use super::{Catalogue, Entry, FIELDS, MAX_CHANNEL_TICKET_ID, MAX_TITLE, Pace, Slot};
use crate::domain::status::Status;
use crate::domain::ticket::TicketId;
use crate::engine::window::Fields;
use crate::store::derived::{BLOCK_TICKETS, DerivedTree, Stamp, records_in, tickets_of_blocks};
use crate::store::{Store, StoreError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::sync::atomic::Ordering as AtomicOrdering;

const TREE: &str = "catalogue";

/// The record's layout and what a slot is derived as (`Catalogue::slot_of`, `Row::of`):
/// raised when either changes, so that a copy written by an older binary is derived again.
pub(super) const FORMAT: u32 = 1;

/// Blocks read between two looks at the pace (about 4,096 tickets, as a scan looks).
const BLOCKS_A_BREATH: usize = 32;

/// What the store's copy holds, as this process last read or wrote it.
#[derive(Clone, Copy, Debug)]
pub(super) struct Stored {
    stamp: Stamp,
    /// How many names of each field, in the order of `FIELDS`.
    names: [u32; 7],
}

/// The fingerprint of what a stored catalogue was derived with: its format, the store's schema
/// (a migration rewrites tickets without events) and what a slot's due instant is derived with
/// (the deadline rules and the holiday calendar: a new year's calendar moves due instants
/// without an event).
pub(super) fn fingerprint_of(format: u32, config: &crate::config::Config) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(TREE.as_bytes());
    h.update(format.to_be_bytes());
    h.update(crate::store::SCHEMA.to_be_bytes());
    h.update(crate::engine::deadlines::deadline_basis(config).to_be_bytes());
    h.finalize().into()
}

#[derive(Serialize, Deserialize)]
struct Record<'a> {
    received: i64,
    due: i64,
    status: Status,
    returned: bool,
    /// Field by field in the order of `FIELDS`; 0 for none.
    names: [u32; 7],
    title: &'a str,
    channel_ticket_id: &'a str,
}

fn encode(cat: &Catalogue, slot: &Slot) -> Vec<u8> {
    let entry = Entry { cat, slot };
    let record = Record {
        received: slot.received,
        due: slot.due,
        status: slot.status,
        returned: slot.returned,
        names: slot.names(),
        title: entry.title(),
        channel_ticket_id: entry.channel_ticket_id(),
    };
    // Numbers, an enum and two strings always serialise; an empty record would read as
    // unreadable, and its ticket be derived again.
    postcard::to_stdvec(&record).unwrap_or_default()
}

/// Ticket `id`'s slot from its record, its texts added to the catalogue's arena; None when the
/// record does not read or names a name the catalogue does not have.
fn decode(cat: &mut Catalogue, id: TicketId, bytes: &[u8]) -> Option<Slot> {
    let r: Record = postcard::from_bytes(bytes).ok()?;
    if r.title.len() > MAX_TITLE || r.channel_ticket_id.len() > MAX_CHANNEL_TICKET_ID {
        return None;
    }
    if FIELDS.iter().zip(r.names).any(|(&f, n)| n as usize > cat.names(f).values.len()) {
        return None;
    }
    let text_at = cat.text.push(&[r.title, r.channel_ticket_id])?;
    let [channel, town, district, unit, owner, respondent, category] = r.names;
    Some(Slot {
        id,
        received: r.received,
        due: r.due,
        text_at,
        title_len: r.title.len() as u16,
        channel_ticket_id_len: r.channel_ticket_id.len() as u8,
        status: r.status,
        returned: r.returned,
        channel,
        town,
        district,
        unit,
        owner,
        respondent,
        category,
    })
}

/// How many names the catalogue has, field by field.
fn name_counts(cat: &Catalogue) -> [u32; 7] {
    FIELDS.map(|f| u32::try_from(cat.names(f).values.len()).unwrap_or(u32::MAX))
}

/// The names after the first `written` of each field, as the tree stores them, numbered from
/// `first`.
fn names_after(cat: &Catalogue, written: [u32; 7], first: u32) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    for (digit, (&field, from)) in FIELDS.iter().zip(written).enumerate() {
        for (value, _) in cat.names(field).values.iter().skip(from as usize) {
            out.push((first + out.len() as u32, format!("{digit}{value}")));
        }
    }
    out
}

pub(super) fn tree(store: &Store) -> Result<DerivedTree, StoreError> {
    store.derived_tree(TREE)
}

/// The store's copy of the catalogue, when it holds one of this format: the catalogue as of
/// its stamp and the tickets whose records did not read (to derive again). None when there is
/// none to read (or it does not read); `Closing` when the store began closing meanwhile.
pub(super) fn read(
    store: &Store,
    config: &crate::config::Config,
    pace: &Pace,
    background: bool,
) -> Result<Option<(Catalogue, Vec<TicketId>)>, StoreError> {
    let tree = tree(store)?;
    let Some(stamp) = tree.stamp()?.filter(|s| s.fingerprint == fingerprint_of(FORMAT, config)) else {
        return Ok(None);
    };
    match read_stamped(store, tree, stamp, config, pace, background) {
        Err(StoreError::Codec { key, source }) => {
            tracing::warn!(%key, error = %source, "the stored catalogue does not read: derived again");
            Ok(None)
        }
        read => read,
    }
}

fn read_stamped(
    store: &Store,
    tree: DerivedTree,
    stamp: Stamp,
    config: &crate::config::Config,
    pace: &Pace,
    background: bool,
) -> Result<Option<(Catalogue, Vec<TicketId>)>, StoreError> {
    let mut cat = Catalogue { loaded: true, seq: stamp.seq, ..Catalogue::default() };
    for name in tree.names(stamp.names)? {
        let mut chars = name.chars();
        let field = chars.next().and_then(|c| c.to_digit(10)).and_then(|d| FIELDS.get(d as usize));
        let Some(&field) = field else {
            tracing::warn!("a stored catalogue name has no field: the catalogue is derived again");
            return Ok(None);
        };
        // Numbers are given out in order: the stored names come back under theirs, unless
        // one is there twice.
        let next = cat.names(field).values.len() + 1;
        if cat.intern(field, Some(chars.as_str()), &config.org) as usize != next {
            tracing::warn!("a stored catalogue name is there twice: the catalogue is derived again");
            return Ok(None);
        }
    }
    let names = name_counts(&cat);
    let tickets = usize::try_from(store.last_ticket_id()?).unwrap_or(0);
    cat.slots.reserve_exact(super::room_for(tickets));
    let mut unreadable = Vec::new();
    let mut chunk = std::time::Instant::now();
    for (n, item) in tree.blocks().enumerate() {
        if n % BLOCKS_A_BREATH == 0 {
            if pace.stop.load(AtomicOrdering::Relaxed) {
                return Err(StoreError::Closing);
            }
            if background {
                pace.breathe(chunk.elapsed());
            }
            chunk = std::time::Instant::now();
        }
        let (block, bytes) = item?;
        for entry in records_in(block, &bytes) {
            let Some((id, record)) = entry else {
                // The rest of the block does not read: its tickets are derived again.
                let first = block * BLOCK_TICKETS;
                unreadable.extend((first..first + BLOCK_TICKETS).map(TicketId));
                break;
            };
            match decode(&mut cat, id, record) {
                Some(slot) => cat.slots.push(slot),
                None => unreadable.push(id),
            }
        }
    }
    // Blocks come in key order, records in offset order: in number order unless the tree
    // was damaged.
    if !cat.slots.is_sorted_by(|a, b| a.id < b.id) {
        cat.slots.sort_by_key(|s| s.id);
        cat.slots.dedup_by_key(|s| s.id);
    }
    *cat.stored.get_mut().unwrap_or_else(|p| p.into_inner()) = Some(Stored { stamp, names });
    Ok(Some((cat, unreadable)))
}

/// Writes the whole catalogue as the store's copy (after a scan of every ticket). A cache: a
/// failure is logged, and the next start scans again.
pub(super) fn write_all(cat: &Catalogue, store: &Store, config: &crate::config::Config) {
    let started = std::time::Instant::now();
    let names = names_after(cat, [0; 7], 1);
    let stamp = Stamp {
        fingerprint: fingerprint_of(FORMAT, config),
        seq: cat.seq,
        names: u32::try_from(names.len()).unwrap_or(u32::MAX),
    };
    let mut record_bytes = 0usize;
    let records = cat.slots.iter().map(|slot| {
        let record = encode(cat, slot);
        record_bytes += record.len();
        (slot.id, record)
    });
    let written = tree(store).and_then(|tree| {
        tree.clear()?;
        tree.write(names.iter().map(|(n, name)| (*n, name.as_str())), records, stamp)
    });
    store.close_derived();
    let mut stored = cat.stored.lock().unwrap_or_else(|p| p.into_inner());
    match written {
        Ok(()) => {
            *stored = Some(Stored { stamp, names: name_counts(cat) });
            tracing::info!(
                tickets = cat.slots.len(),
                names = stamp.names,
                record_bytes,
                ms = started.elapsed().as_millis() as u64,
                "catalogue stored"
            );
        }
        Err(e) => {
            *stored = None;
            tracing::warn!(error = %e, "the catalogue was not stored; the next start scans every ticket");
        }
    }
}

/// Writes the slots of the blocks the tickets derived again since the last write are in and
/// the names given out since, as of `cat.seq`, when the store holds a copy current with the
/// catalogue.
pub(super) fn write_unstored(cat: &mut Catalogue, tree: &DerivedTree) {
    let changed = std::mem::take(&mut cat.unstored);
    let Some(old) = *cat.stored.get_mut().unwrap_or_else(|p| p.into_inner()) else { return };
    let names = names_after(cat, old.names, old.stamp.names + 1);
    let stamp = Stamp {
        seq: cat.seq,
        names: old.stamp.names + u32::try_from(names.len()).unwrap_or(u32::MAX - old.stamp.names),
        ..old.stamp
    };
    let written = {
        let cat = &*cat;
        let records = tickets_of_blocks(&changed)
            .filter_map(|id| cat.position(id))
            .map(|at| (cat.slots[at].id, encode(cat, &cat.slots[at])));
        let names = names.iter().map(|(n, name)| (*n, name.as_str()));
        tree.write_changed(names, records, stamp, "catalogue")
    };
    let names = name_counts(cat);
    *cat.stored.get_mut().unwrap_or_else(|p| p.into_inner()) = written.then_some(Stored { stamp, names });
}

#[cfg(test)]
#[path = "catalogue_store_tests.rs"]
mod tests;
