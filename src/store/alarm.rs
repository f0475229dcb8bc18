//! The deadline alarm index (`a`: each open ticket's next alarm, by instant, in blocks of six
//! hours) and the memory of the alarms raised on each ticket (`A`). Written by the engine in the same batch as the
//! ticket; the scheduler reads the index by range, never by scanning tickets.

use super::keys;
use super::{Result, Store, WriteSet, codec, corrupt};
use crate::domain::alarm::AlarmMemory;
use crate::domain::ticket::TicketId;
use crate::time::Timestamp;

/// The alarm index in blocks of this many milliseconds (schema 4): a bulk load's alarms fall in
/// a few blocks a group, each written once, where a key an alarm cost it a sled insert a row.
pub const BLOCK_MS: i64 = 6 * 3600 * 1000;

/// One alarm as a block holds it: (instant in millis, ticket id).
type Alarm = (i64, u64);

/// The block key of the alarms at `at`.
pub fn block_key(at: Timestamp) -> Vec<u8> {
    let block = at.millis().div_euclid(BLOCK_MS);
    let mut k = vec![keys::ALARM];
    k.extend_from_slice(&((block as u64) ^ (1 << 63)).to_be_bytes());
    k
}

/// The first instant a block key covers.
fn block_start(key: &[u8]) -> Option<Timestamp> {
    let ordered = u64::from_be_bytes(key.get(1..9)?.try_into().ok()?);
    (key.len() == 9).then(|| Timestamp::from_millis(((ordered ^ (1 << 63)) as i64).saturating_mul(BLOCK_MS)))
}

pub fn encode_block(alarms: &std::collections::BTreeSet<Alarm>) -> Vec<u8> {
    let mut out = Vec::with_capacity(alarms.len() * 16);
    for (at, id) in alarms {
        out.extend_from_slice(&((*at as u64) ^ (1 << 63)).to_be_bytes());
        out.extend_from_slice(&id.to_be_bytes());
    }
    out
}

/// A block's alarms in order; None when it is not a whole number of entries.
pub fn decode_block(bytes: &[u8]) -> Option<Vec<(Timestamp, TicketId)>> {
    if !bytes.len().is_multiple_of(16) {
        return None;
    }
    Some(
        bytes
            .chunks_exact(16)
            .map(|c| {
                let at = u64::from_be_bytes(c[..8].try_into().expect("8 bytes")) ^ (1 << 63);
                let id = u64::from_be_bytes(c[8..].try_into().expect("8 bytes"));
                (Timestamp::from_millis(at as i64), TicketId(id))
            })
            .collect(),
    )
}

/// An alarm block as stored (see `Store::alarm_blocks`).
pub(crate) type StoredAlarmBlock = (Vec<u8>, Option<Timestamp>, Option<Vec<(Timestamp, TicketId)>>);

/// Alarm index changes gathered over a write set, by block.
#[derive(Default)]
pub struct AlarmDelta {
    blocks: std::collections::BTreeMap<Vec<u8>, AlarmEdit>,
}

#[derive(Default)]
struct AlarmEdit {
    add: std::collections::BTreeSet<Alarm>,
    remove: std::collections::BTreeSet<Alarm>,
}

impl AlarmDelta {
    fn add(&mut self, at: Timestamp, id: TicketId) {
        let edit = self.blocks.entry(block_key(at)).or_default();
        edit.remove.remove(&(at.millis(), id.0));
        edit.add.insert((at.millis(), id.0));
    }

    fn remove(&mut self, at: Timestamp, id: TicketId) {
        let edit = self.blocks.entry(block_key(at)).or_default();
        edit.add.remove(&(at.millis(), id.0));
        edit.remove.insert((at.millis(), id.0));
    }

    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty()
    }
}

/// Folds the alarm changes of a write set into its batch: each touched block read, edited and
/// written (or removed when empty) once.
pub(super) fn resolve_alarm_blocks(tree: &sled::Tree, set: &mut WriteSet) -> Result<()> {
    for (key, edit) in std::mem::take(&mut set.alarms.blocks) {
        let current: std::collections::BTreeSet<Alarm> = match tree.get(&key)? {
            Some(bytes) => decode_block(&bytes)
                .ok_or_else(|| corrupt(&key, "unreadable alarm block"))?
                .into_iter()
                .map(|(at, id)| (at.millis(), id.0))
                .collect(),
            None => Default::default(),
        };
        match super::index::edited(current, &edit.remove, edit.add) {
            None => set.batch_mut().remove(key),
            Some(current) => set.batch_mut().insert(key, encode_block(&current)),
        }
    }
    Ok(())
}

impl WriteSet {
    /// Moves the ticket's alarm index entry from `old` to `new` (either may be absent).
    pub fn put_alarm(&mut self, id: TicketId, old: Option<Timestamp>, new: Option<Timestamp>) {
        if old == new {
            return;
        }
        if let Some(old) = old {
            self.alarms.remove(old, id);
        }
        if let Some(new) = new {
            self.alarms.add(new, id);
        }
    }

    /// Removes one alarm index entry as it was read (a stale entry the scheduler met).
    pub fn remove_alarm_key(&mut self, at: Timestamp, id: TicketId) {
        self.alarms.remove(at, id);
    }

    /// Writes the ticket's alarm memory; an empty one is not kept.
    pub fn put_alarm_memory(&mut self, id: TicketId, memory: &AlarmMemory) {
        if memory.is_empty() {
            self.remove_raw(keys::alarm_memory(id));
        } else {
            self.put_raw(keys::alarm_memory(id), codec::encode(memory));
        }
    }
}

impl Store {
    /// The alarms raised on a ticket so far (empty when none).
    pub fn alarm_memory(&self, id: TicketId) -> Result<AlarmMemory> {
        Ok(self.get_decoded(&keys::alarm_memory(id))?.unwrap_or_default())
    }

    /// Alarm index entries whose instant is at or before `now`, earliest first, at most `limit`.
    pub fn alarms_until(&self, now: Timestamp, limit: usize) -> Result<Vec<(Timestamp, TicketId)>> {
        let mut out = Vec::new();
        for block in self.tree().range(vec![keys::ALARM]..=block_key(now)) {
            let (k, v) = block?;
            let alarms = decode_block(&v).ok_or_else(|| corrupt(&k, "unreadable alarm block"))?;
            out.extend(alarms.into_iter().filter(|(at, _)| *at <= now).take(limit - out.len()));
            if out.len() == limit {
                break;
            }
        }
        Ok(out)
    }

    /// The earliest pending alarm of any ticket: when the scheduler has work next.
    pub fn next_alarm(&self) -> Result<Option<Timestamp>> {
        for block in self.tree().scan_prefix([keys::ALARM]) {
            let (k, v) = block?;
            let alarms = decode_block(&v).ok_or_else(|| corrupt(&k, "unreadable alarm block"))?;
            if let Some((at, _)) = alarms.first() {
                return Ok(Some(*at));
            }
        }
        Ok(None)
    }

    /// Every alarm index entry, earliest first.
    pub fn alarms(&self) -> impl Iterator<Item = Result<(Timestamp, TicketId)>> + '_ {
        self.tree().scan_prefix([keys::ALARM]).flat_map(|block| -> Vec<Result<(Timestamp, TicketId)>> {
            match block {
                Err(e) => vec![Err(e.into())],
                Ok((k, v)) => match decode_block(&v) {
                    Some(alarms) => alarms.into_iter().map(Ok).collect(),
                    None => vec![Err(corrupt(&k, "unreadable alarm block"))],
                },
            }
        })
    }

    /// Every alarm block as stored: its key, the first instant it covers (None for a malformed
    /// key) and its alarms (None when unreadable). For the check.
    pub(crate) fn alarm_blocks(&self) -> impl Iterator<Item = Result<StoredAlarmBlock>> + '_ {
        self.tree().scan_prefix([keys::ALARM]).map(|block| {
            let (k, v) = block?;
            Ok((k.to_vec(), block_start(&k), decode_block(&v)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alarm_blocks_keep_their_alarms_in_order_and_blocks_sort_by_time() {
        let at = |s: &str| Timestamp::parse(s).unwrap();
        let set = [(at("2026-03-02 10:50").millis(), 9), (at("2026-03-02 09:00").millis(), 12)].into();
        let read = decode_block(&encode_block(&set)).unwrap();
        assert_eq!(read, vec![(at("2026-03-02 09:00"), TicketId(12)), (at("2026-03-02 10:50"), TicketId(9))]);
        assert!(block_key(at("2025-12-31 23:00")) < block_key(at("2026-03-02 09:00")));
        assert_eq!(block_key(at("2026-03-02 09:00")), block_key(at("2026-03-02 10:50")));
        assert!(block_key(Timestamp::from_millis(-5)) < block_key(Timestamp::from_millis(5)));
        assert_eq!(decode_block(&[1, 2, 3]), None);
    }
}
