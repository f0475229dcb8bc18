//! Secondary indexes stored as blocks, not as one key per ticket.
//!
//! sled pays about the same for every key it inserts, whatever its size, and keys spread over
//! a large key space also blow up its cache and its reopen time. So an index entry is a bit in
//! a block: a block covers 4096 consecutive ticket ids, and a burst of new tickets (consecutive
//! ids) touches each block once.
//!
//! - Value indexes (status, channel, unit, owner, town) have few distinct values:
//!   key `tag value 0 block` → the offsets of the block's tickets with that value.
//! - Hashed indexes (respondent, credit code, phone) have many: the value is hashed into one of
//!   `BUCKETS` buckets, key `tag bucket block` → (offset, value) pairs; a lookup reads the
//!   bucket's blocks and keeps the pairs whose value matches exactly.

use crate::domain::ticket::TicketId;
use std::collections::{BTreeMap, BTreeSet};

pub const BLOCK_SHIFT: u32 = 12;
const BLOCK_MASK: u64 = (1 << BLOCK_SHIFT) - 1;
pub const BUCKETS: u64 = 32;

/// Dense blocks are stored as a bitmap, sparse ones as a list of offsets.
const SPARSE: u8 = 0;
const BITMAP: u8 = 1;
const BITMAP_BYTES: usize = 1 << (BLOCK_SHIFT - 3);

pub fn block_of(id: TicketId) -> (u32, u16) {
    ((id.0 >> BLOCK_SHIFT) as u32, (id.0 & BLOCK_MASK) as u16)
}

pub fn id_at(block: u32, offset: u16) -> TicketId {
    TicketId((u64::from(block) << BLOCK_SHIFT) | u64::from(offset))
}

/// Stable across machines and versions: the bucket of a value is part of the store layout.
pub fn bucket_of(value: &[u8]) -> u16 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in value {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    (hash % BUCKETS) as u16
}

/// The prefix of every block of one value of a value index.
pub fn value_prefix(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(value.len() + 6);
    k.push(tag);
    k.extend_from_slice(value);
    k.push(0);
    k
}

/// The prefix of every block of one bucket of a hashed index.
pub fn bucket_prefix(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut k = vec![tag];
    k.extend_from_slice(&bucket_of(value).to_be_bytes());
    k
}

pub fn block_key(mut prefix: Vec<u8>, block: u32) -> Vec<u8> {
    prefix.extend_from_slice(&block.to_be_bytes());
    prefix
}

pub fn block_number(key: &[u8]) -> Option<u32> {
    let start = key.len().checked_sub(4)?;
    Some(u32::from_be_bytes(key[start..].try_into().ok()?))
}

/// One index entry: a ticket (as block offset) under a block key, with the exact value for a
/// hashed index (empty for a value index, whose key already says it).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Entry {
    pub block_key: Vec<u8>,
    pub offset: u16,
    pub value: Vec<u8>,
}

impl Entry {
    pub fn valued(tag: u8, value: &[u8], id: TicketId) -> Entry {
        let (block, offset) = block_of(id);
        Entry { block_key: block_key(value_prefix(tag, value), block), offset, value: Vec::new() }
    }

    pub fn hashed(tag: u8, value: &str, id: TicketId) -> Entry {
        let (block, offset) = block_of(id);
        let value = indexed_bytes(value);
        Entry { block_key: block_key(bucket_prefix(tag, value), block), offset, value: value.to_vec() }
    }
}

/// The bytes a hashed index keeps of a value: at most 255 (its length is one byte), cut on a
/// character boundary. Lookups cut the same way, so a long name is still found.
pub fn indexed_bytes(value: &str) -> &[u8] {
    let mut end = value.len().min(255);
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    &value.as_bytes()[..end]
}

/// The contents of one block: (offset, value) pairs.
pub type BlockSet = BTreeSet<(u16, Vec<u8>)>;

pub fn encode_valued(set: &BlockSet) -> Vec<u8> {
    if set.len() * 2 < BITMAP_BYTES {
        let mut out = Vec::with_capacity(1 + set.len() * 2);
        out.push(SPARSE);
        for (offset, _) in set {
            out.extend_from_slice(&offset.to_be_bytes());
        }
        out
    } else {
        let mut bits = vec![0u8; 1 + BITMAP_BYTES];
        bits[0] = BITMAP;
        for (offset, _) in set {
            bits[1 + usize::from(*offset / 8)] |= 1 << (offset % 8);
        }
        bits
    }
}

pub fn decode_valued(bytes: &[u8]) -> Option<BlockSet> {
    let (&kind, body) = bytes.split_first()?;
    match kind {
        SPARSE if body.len() % 2 == 0 => {
            Some(body.chunks_exact(2).map(|c| (u16::from_be_bytes([c[0], c[1]]), Vec::new())).collect())
        }
        BITMAP if body.len() == BITMAP_BYTES => {
            let mut set = BlockSet::new();
            for (i, byte) in body.iter().enumerate() {
                for bit in 0..8 {
                    if byte & (1 << bit) != 0 {
                        set.insert(((i * 8 + bit) as u16, Vec::new()));
                    }
                }
            }
            Some(set)
        }
        _ => None,
    }
}

pub fn encode_hashed(set: &BlockSet) -> Vec<u8> {
    let mut out = Vec::new();
    for (offset, value) in set {
        out.extend_from_slice(&offset.to_be_bytes());
        // `indexed_bytes` keeps values within one length byte.
        out.push(value.len().min(255) as u8);
        out.extend_from_slice(&value[..value.len().min(255)]);
    }
    out
}

pub fn decode_hashed(mut bytes: &[u8]) -> Option<BlockSet> {
    let mut set = BlockSet::new();
    while !bytes.is_empty() {
        let offset = u16::from_be_bytes([*bytes.first()?, *bytes.get(1)?]);
        let len = usize::from(*bytes.get(2)?);
        let value = bytes.get(3..3 + len)?.to_vec();
        set.insert((offset, value));
        bytes = &bytes[3 + len..];
    }
    Some(set)
}

/// Index changes gathered over a whole write set, applied block by block at the end so that a
/// burst rewrites each block once.
#[derive(Default)]
pub struct IndexDelta {
    pub blocks: BTreeMap<Vec<u8>, BlockEdit>,
}

/// A block's members after an edit (`remove` taken out, then `add` put in); None when none
/// are left, and the block goes.
pub(crate) fn edited<T: Ord>(
    mut current: BTreeSet<T>,
    remove: &BTreeSet<T>,
    add: BTreeSet<T>,
) -> Option<BTreeSet<T>> {
    for item in remove {
        current.remove(item);
    }
    current.extend(add);
    (!current.is_empty()).then_some(current)
}

#[derive(Default)]
pub struct BlockEdit {
    pub add: BlockSet,
    pub remove: BlockSet,
}

impl IndexDelta {
    pub fn add(&mut self, e: Entry) {
        let edit = self.blocks.entry(e.block_key).or_default();
        let item = (e.offset, e.value);
        edit.remove.remove(&item);
        edit.add.insert(item);
    }

    pub fn remove(&mut self, e: Entry) {
        let edit = self.blocks.entry(e.block_key).or_default();
        let item = (e.offset, e.value);
        edit.add.remove(&item);
        edit.remove.insert(item);
    }

    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sparse_block_turns_into_a_bitmap_when_dense_and_both_read_back() {
        let sparse: BlockSet = [(3u16, vec![]), (4095, vec![])].into_iter().collect();
        assert_eq!(decode_valued(&encode_valued(&sparse)), Some(sparse.clone()));
        assert_eq!(encode_valued(&sparse).len(), 5);
        let dense: BlockSet = (0..4096u16).step_by(3).map(|o| (o, vec![])).collect();
        let bytes = encode_valued(&dense);
        assert_eq!(bytes.len(), 1 + 512);
        assert_eq!(decode_valued(&bytes), Some(dense));
    }

    #[test]
    fn hashed_blocks_keep_each_value_with_its_offset() {
        let set: BlockSet =
            [(7u16, b"13800001234".to_vec()), (7, "佛山市顺德区某某电器".as_bytes().to_vec())]
                .into_iter()
                .collect();
        assert_eq!(decode_hashed(&encode_hashed(&set)), Some(set));
        assert_eq!(decode_hashed(&[0, 1, 9, 1]), None, "a truncated block is detected");
    }

    #[test]
    fn ids_map_to_blocks_and_back() {
        let id = TicketId(1_234_567);
        let (block, offset) = block_of(id);
        assert_eq!(id_at(block, offset), id);
        assert_eq!(bucket_of(b"13800001234"), bucket_of(b"13800001234"));
    }
}
