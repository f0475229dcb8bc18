//! The external ids (`x`): which ticket a channel's ticket id belongs to, the point lookup of
//! every registration's repeat check (sync, import, intake).
//!
//! Kept in blocks (schema 4): a block holds the ids of one channel that are equal but for their
//! last two bytes, each with its ticket, so an export's consecutive order numbers (SD…0001,
//! SD…0002 …) share a block of up to a hundred and a bulk load writes a block per hundred rows
//! where a key an id cost it a sled insert a row. A lookup is still one read: the block key
//! follows from the id. Ids of no common shape simply get a block each.
//!
//! Block key: `x`, channel, 0, the id but its last two bytes. Value: per id in the block, in
//! order, its last bytes' length (one byte), those bytes and the ticket id (u64, big-endian). A
//! value of exactly eight bytes is a key of schema 3 (one id, its ticket), never a block.

use super::keys;
use super::write::WriteSet;
use super::{Result, Store, corrupt};
use crate::domain::ticket::TicketId;
use std::collections::BTreeMap;

const SUFFIX: usize = 2;

/// The block an id of `channel` is kept in, and its last bytes within it.
pub(crate) fn split(channel: &str, ext: &str) -> (Vec<u8>, Vec<u8>) {
    let cut = ext.len().saturating_sub(SUFFIX);
    let (prefix, suffix) = ext.as_bytes().split_at(cut);
    let mut k = vec![keys::EXTERNAL];
    k.extend_from_slice(channel.as_bytes());
    k.push(0);
    k.extend_from_slice(prefix);
    (k, suffix.to_vec())
}

pub type Block = BTreeMap<Vec<u8>, u64>;

pub fn encode_block(block: &Block) -> Vec<u8> {
    let mut out = Vec::with_capacity(block.len() * (1 + SUFFIX + 8));
    for (suffix, id) in block {
        // At most SUFFIX bytes by construction.
        out.push(suffix.len() as u8);
        out.extend_from_slice(suffix);
        out.extend_from_slice(&id.to_be_bytes());
    }
    out
}

/// A block's entries; None when it is not one (a schema-3 key's eight bytes, or damage).
pub fn decode_block(mut bytes: &[u8]) -> Option<Block> {
    if bytes.len() == 8 {
        return None;
    }
    let mut block = Block::new();
    while !bytes.is_empty() {
        let len = usize::from(*bytes.first()?);
        let suffix = bytes.get(1..1 + len)?.to_vec();
        let id = u64::from_be_bytes(bytes.get(1 + len..9 + len)?.try_into().ok()?);
        block.insert(suffix, id);
        bytes = &bytes[9 + len..];
    }
    Some(block)
}

/// The ticket of the id ending in `suffix` in a block, read in place (a lookup per row of an
/// import: decoding the block would allocate for each of its ids); None when it is not a block.
fn find_in_block(mut bytes: &[u8], suffix: &[u8]) -> Option<Option<u64>> {
    if bytes.len() == 8 {
        return None;
    }
    while !bytes.is_empty() {
        let len = usize::from(*bytes.first()?);
        let here = bytes.get(1..1 + len)?;
        let id = bytes.get(1 + len..9 + len)?;
        if here == suffix {
            return Some(Some(u64::from_be_bytes(id.try_into().ok()?)));
        }
        bytes = &bytes[9 + len..];
    }
    Some(None)
}

/// External ids written by a write set, by block.
#[derive(Default)]
pub struct ExternalDelta {
    blocks: BTreeMap<Vec<u8>, Block>,
}

impl ExternalDelta {
    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty()
    }
}

/// Folds the external ids of a write set into its batch: each touched block read, added to and
/// written once.
pub(super) fn resolve_external_blocks(tree: &sled::Tree, set: &mut WriteSet) -> Result<()> {
    for (key, added) in std::mem::take(&mut set.externals.blocks) {
        let mut block = match tree.get(&key)? {
            Some(bytes) => {
                decode_block(&bytes).ok_or_else(|| corrupt(&key, "unreadable external id block"))?
            }
            None => Block::new(),
        };
        block.extend(added);
        set.batch_mut().insert(key, encode_block(&block));
    }
    Ok(())
}

impl WriteSet {
    pub fn put_external(&mut self, channel: &str, channel_ticket_id: &str, id: TicketId) {
        let (key, suffix) = split(channel, channel_ticket_id);
        self.externals.blocks.entry(key).or_default().insert(suffix, id.0);
    }
}

/// One external id as stored, for the check: its channel and id, and the ticket it names.
pub struct StoredExternal {
    pub key: Vec<u8>,
    /// None for a block that cannot be read or a key left from schema 3.
    pub entries: Option<Vec<(String, String, TicketId)>>,
}

impl Store {
    /// The ticket a channel's ticket id belongs to.
    pub fn external(&self, channel: &str, channel_ticket_id: &str) -> Result<Option<TicketId>> {
        let (key, suffix) = split(channel, channel_ticket_id);
        let Some(bytes) = self.tree().get(&key)? else { return Ok(None) };
        let found =
            find_in_block(&bytes, &suffix).ok_or_else(|| corrupt(&key, "unreadable external id block"))?;
        Ok(found.map(TicketId))
    }

    /// Every external id block, each with its ids read back (None: unreadable or malformed).
    pub fn external_blocks(&self) -> impl Iterator<Item = Result<StoredExternal>> + '_ {
        self.tree().scan_prefix([keys::EXTERNAL]).map(|item| {
            let (k, v) = item?;
            let entries = parse_block_key(&k).zip(decode_block(&v)).and_then(|((channel, prefix), block)| {
                block
                    .into_iter()
                    .map(|(suffix, id)| {
                        let ext = String::from_utf8([prefix.as_slice(), &suffix].concat()).ok()?;
                        Some((channel.clone(), ext, TicketId(id)))
                    })
                    .collect::<Option<Vec<_>>>()
            });
            Ok(StoredExternal { key: k.to_vec(), entries })
        })
    }

    /// How many external ids the store holds.
    pub fn external_count(&self) -> Result<u64> {
        let mut n = 0;
        for block in self.external_blocks() {
            n += block?.entries.map_or(0, |e| e.len() as u64);
        }
        Ok(n)
    }
}

fn parse_block_key(key: &[u8]) -> Option<(String, Vec<u8>)> {
    let rest = key.get(1..)?;
    let zero = rest.iter().position(|b| *b == 0)?;
    let channel = std::str::from_utf8(&rest[..zero]).ok()?;
    Some((channel.to_string(), rest[zero + 1..].to_vec()))
}

/// Moves the external ids of schema 3 and before (a key an id) into blocks.
pub(super) fn keys_into_blocks(store: &Store) -> Result<()> {
    let mut set = WriteSet::empty();
    let mut pending = 0;
    for item in store.tree().scan_prefix([keys::EXTERNAL]) {
        let (k, v) = item?;
        let Ok(id) = <[u8; 8]>::try_from(v.as_ref()) else { continue };
        let Some((channel, ext)) = parse_block_key(&k) else { continue };
        let Ok(ext) = String::from_utf8(ext) else { continue };
        set.remove_raw(k.to_vec());
        set.put_external(&channel, &ext, TicketId(u64::from_be_bytes(id)));
        pending += 1;
        if pending == 500 {
            store.commit(std::mem::replace(&mut set, WriteSet::empty()))?;
            pending = 0;
        }
    }
    store.commit(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consecutive_order_numbers_share_a_block_and_each_reads_back() {
        let (a, one) = split("12345", "SD2026030200001");
        let (b, two) = split("12345", "SD2026030200002");
        assert_eq!(a, b);
        assert_eq!((one.as_slice(), two.as_slice()), (&b"01"[..], &b"02"[..]));
        let (short, whole) = split("walkin", "7");
        assert_eq!((short, whole), (b"xwalkin\0".to_vec(), b"7".to_vec()));
        let block: Block = [(one, 1), (two, 2), (Vec::new(), 3)].into();
        let bytes = encode_block(&block);
        assert_eq!(find_in_block(&bytes, b"02"), Some(Some(2)));
        assert_eq!(find_in_block(&bytes, b""), Some(Some(3)));
        assert_eq!(find_in_block(&bytes, b"03"), Some(None));
        assert_eq!(decode_block(&bytes), Some(block));
        assert_eq!(decode_block(&5u64.to_be_bytes()), None, "a schema-3 key is not a block");
        assert_eq!(decode_block(&[2, b'0']), None);
    }
}
