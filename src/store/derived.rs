//! What a reader derives from every ticket, kept between runs: a cache in a sled tree of its
//! own — the statistics' facts (`store::facts`) and the catalogue of every ticket
//! (`engine::catalogue_store`) each have one — in a sled database of their own
//! (`DATA/derived`), beside the store's. It is never domain data: whichever process holds the
//! store (a server, or a lone command, which holds the store's lock) writes it, and it can be
//! dropped at any time — the next run derives every ticket's record again.
//!
//! Its own database because sled keeps every page it read until enough later reads reach the
//! same part of its cache (an access is accounted in batches of 64 in one of 256 shards), and
//! reading a copy whole (a few hundred MB at a million tickets) reaches each part a few times:
//! the pages stayed, 181 MiB of them at 1,000,000 tickets, whatever the cache's size. Closing
//! the database after a whole copy was read or written lets them go; the store's database,
//! which the server reads all the time, is never reopened for it.
//!
//! | key                 | value                                                    |
//! |---------------------|----------------------------------------------------------|
//! | `m`                 | the stamp: fingerprint, event seq, how many names         |
//! | `n` name number     | a name the records refer to (numbers given out from 1)    |
//! | `f` block number    | the records of tickets `128 × block ..` up to 128 more    |
//!
//! Records go in blocks of 128 tickets: sled spends much memory and time on each key, and a
//! million small keys written at once took 2.6 GB and 18 s where 7,813 blocks take a fraction
//! (`desk-bench stats`, for the facts). A block is written whole, from the records in memory;
//! each record in it is its ticket's offset in the block (one byte), its length (four bytes,
//! little-endian) and its bytes.
//!
//! The stamp says the records are those of every ticket as of event `seq`, derived under
//! `fingerprint`: a reader brings them up to date from the events after `seq`. Without a stamp
//! (a fill interrupted, a store before this tree) the records count for nothing.

use super::{Result, Store, lock};
use crate::domain::ticket::TicketId;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

const STAMP: &[u8] = b"m";
const NAME: u8 = b'n';
const RECORD: u8 = b'f';

/// What the stored records are current as of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp {
    pub fingerprint: [u8; 32],
    pub seq: u64,
    /// Names `1..=names` are stored.
    pub names: u32,
}

impl Stamp {
    fn bytes(&self) -> Vec<u8> {
        let mut v = self.fingerprint.to_vec();
        v.extend_from_slice(&self.seq.to_be_bytes());
        v.extend_from_slice(&self.names.to_be_bytes());
        v
    }

    fn parse(b: &[u8]) -> Option<Stamp> {
        let fingerprint = b.get(..32)?.try_into().ok()?;
        let seq = u64::from_be_bytes(b.get(32..40)?.try_into().ok()?);
        let names = u32::from_be_bytes(b.get(40..44)?.try_into().ok()?);
        Some(Stamp { fingerprint, seq, names })
    }
}

/// One derived tree of one store. While any is held, the derived database stays open.
#[derive(Clone)]
pub struct DerivedTree {
    tree: sled::Tree,
    name: String,
    db: Arc<DerivedDb>,
    _user: Arc<()>,
}

/// Blocks read per opening of the derived database when a copy is read whole: what sled keeps
/// of them is let go when it closes after each (at 1,000,000 tickets 1,000 blocks are about 12
/// MB of records; opening and closing took 10–60 ms).
const READ_CHUNK_BLOCKS: usize = 1000;

/// The derived copies' database: opened when a tree is asked for, closed by
/// [`Store::close_derived`] once no tree is held.
pub(super) struct DerivedDb {
    dir: PathBuf,
    cache_bytes: u64,
    db: Mutex<Option<sled::Db>>,
    /// One clone in each `DerivedTree` handed out.
    users: Arc<()>,
}

/// The derived database's directory in a data directory.
pub fn derived_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("derived")
}

impl DerivedDb {
    pub(super) fn new(data_dir: &Path, cache_bytes: u64) -> DerivedDb {
        DerivedDb { dir: derived_dir(data_dir), cache_bytes, db: Mutex::new(None), users: Arc::new(()) }
    }

    fn tree(self: &Arc<Self>, name: &str) -> Result<DerivedTree> {
        let mut open = self.db.lock().unwrap_or_else(|p| p.into_inner());
        let db = match &*open {
            Some(db) => db.clone(),
            None => {
                let db = sled::Config::new()
                    .path(&self.dir)
                    .cache_capacity(self.cache_bytes)
                    .flush_every_ms(Some(1000))
                    .open()?;
                open.insert(db).clone()
            }
        };
        let tree = db.open_tree(name)?;
        Ok(DerivedTree { tree, name: name.to_string(), db: self.clone(), _user: self.users.clone() })
    }

    /// Closes the database unless a tree is held; returns once sled let go of it (so the next
    /// open in this process finds it free). Whether it is closed.
    fn close(&self) -> bool {
        let mut db = self.db.lock().unwrap_or_else(|p| p.into_inner());
        if Arc::strong_count(&self.users) > 1 {
            return false;
        }
        let Some(open) = db.take() else { return true };
        if let Err(e) = open.flush() {
            tracing::warn!(error = %e, "the derived copies were not flushed as their database closed");
        }
        drop(open);
        if let Err(e) = lock::wait_until_db_released(&self.dir) {
            tracing::warn!(error = %e, "the derived database was not released");
        }
        true
    }
}

/// The blocks of a derived tree, read a chunk at a time (see [`DerivedTree::blocks`]).
pub struct DerivedBlocks {
    db: Arc<DerivedDb>,
    name: String,
    chunk_blocks: usize,
    /// The key the next chunk starts at; None once the last was read.
    from: Option<Vec<u8>>,
    chunk: std::collections::VecDeque<Result<(u64, sled::IVec)>>,
}

impl DerivedBlocks {
    fn read_chunk(&mut self) {
        let Some(from) = self.from.take() else { return };
        let tree = match self.db.tree(&self.name) {
            Ok(tree) => tree,
            Err(e) => return self.chunk.push_back(Err(e)),
        };
        for item in tree.tree.range(from..) {
            let entry = item.map_err(super::StoreError::from).and_then(|(k, v)| {
                if k.first() != Some(&RECORD) {
                    return Ok(None);
                }
                let block = k.get(1..9).and_then(|b| b.try_into().ok()).map(u64::from_be_bytes);
                let block = block.ok_or_else(|| super::corrupt(&k, "bad derived record key"))?;
                Ok(Some((k, block, v)))
            });
            match entry {
                Ok(None) => break,
                Ok(Some((key, block, value))) => {
                    self.chunk.push_back(Ok((block, value)));
                    if self.chunk.len() == self.chunk_blocks {
                        let mut next = key.to_vec();
                        next.push(0);
                        self.from = Some(next);
                        break;
                    }
                }
                Err(e) => {
                    self.chunk.push_back(Err(e));
                    break;
                }
            }
        }
        drop(tree);
        self.db.close();
    }
}

impl Iterator for DerivedBlocks {
    type Item = Result<(u64, sled::IVec)>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.chunk.is_empty() {
            self.read_chunk();
        }
        self.chunk.pop_front()
    }
}

/// Drops the derived copies an older version kept in the store's database, beside `domain`
/// (its one tree of domain data): they are kept in the derived database now, and the next
/// start derives them again.
pub(super) fn drop_copies_kept_beside(db: &sled::Db, domain: &str) -> Result<()> {
    for name in db.tree_names() {
        if name.as_ref() == domain.as_bytes() || name.as_ref() == b"__sled__default" {
            continue;
        }
        tracing::info!(tree = %String::from_utf8_lossy(&name), "dropping a derived copy kept in the store's database");
        db.drop_tree(&name)?;
    }
    Ok(())
}

impl Drop for DerivedDb {
    fn drop(&mut self) {
        self.close();
    }
}

/// Tickets a block: a block's number is a ticket number's all but its last seven bits.
pub const BLOCK_TICKETS: u64 = 128;
/// Blocks written per batch while every ticket's are written: sled holds a batch in memory.
const FILL_BATCH: usize = 64;

/// The block a ticket's record goes in.
pub fn block_of(id: TicketId) -> u64 {
    id.0 / BLOCK_TICKETS
}

fn name_key(number: u32) -> [u8; 5] {
    let mut k = [NAME; 5];
    k[1..].copy_from_slice(&number.to_be_bytes());
    k
}

fn block_key(block: u64) -> [u8; 9] {
    let mut k = [RECORD; 9];
    k[1..].copy_from_slice(&block.to_be_bytes());
    k
}

/// The records of one stored block, each with its ticket.
pub fn records_in(block: u64, bytes: &[u8]) -> impl Iterator<Item = Option<(TicketId, &[u8])>> + '_ {
    let mut rest = bytes;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let entry = (|| {
            let (&offset, after) = rest.split_first()?;
            let len = u32::from_le_bytes(after.get(..4)?.try_into().ok()?) as usize;
            let record = after.get(4..4 + len)?;
            rest = &after[4 + len..];
            Some((TicketId(block * BLOCK_TICKETS + u64::from(offset)), record))
        })();
        if entry.is_none() {
            rest = &[];
        }
        Some(entry)
    })
}

/// Every ticket of each block one of `changed` is in, in order: what is written again after
/// they changed (a block is written whole).
pub fn tickets_of_blocks(changed: &BTreeSet<TicketId>) -> impl Iterator<Item = TicketId> + use<> {
    let blocks: BTreeSet<u64> = changed.iter().map(|&id| block_of(id)).collect();
    blocks.into_iter().flat_map(|b| (b * BLOCK_TICKETS..(b + 1) * BLOCK_TICKETS).map(TicketId))
}

impl Store {
    /// The derived tree `name` of this store (see the module's description).
    pub(crate) fn derived_tree(&self, name: &str) -> Result<DerivedTree> {
        self.derived.tree(name)
    }

    /// Whether the derived copies' database is open (tests of when it is let go).
    #[cfg(test)]
    pub(crate) fn derived_is_open(&self) -> bool {
        self.derived.db.lock().unwrap_or_else(|p| p.into_inner()).is_some()
    }

    /// Closes the derived copies' database after a whole copy was read or written, letting
    /// go of the pages sled kept (see the module's description); it opens again when next
    /// asked. Does nothing while a derived tree is held elsewhere.
    pub fn close_derived(&self) {
        if !self.derived.close() {
            tracing::debug!("the derived database stays open: a derived tree is in use");
        }
    }

    /// The tickets the events after `seq` change, and the last of those events (`seq` when
    /// there are none): what a derived copy current as of `seq` derives again. An event only
    /// logged (a deadline alarm …, `EventBody::only_logged`) changes nothing derived.
    pub fn changed_after(&self, seq: u64) -> Result<(BTreeSet<TicketId>, u64)> {
        let mut changed = BTreeSet::new();
        let mut last = seq;
        for e in self.events_after(seq) {
            let e = e?;
            last = last.max(e.seq);
            if !e.body.only_logged() {
                changed.insert(e.ticket);
            }
        }
        Ok((changed, last))
    }
}

impl DerivedTree {
    pub fn stamp(&self) -> Result<Option<Stamp>> {
        Ok(self.tree.get(STAMP)?.and_then(|v| Stamp::parse(&v)))
    }

    /// Names `1..=count`, in number order; an error when one is missing or unreadable.
    pub fn names(&self, count: u32) -> Result<Vec<String>> {
        let mut names = Vec::with_capacity(count as usize);
        for item in self.tree.range(name_key(1)..=name_key(count.max(1))).take(count as usize) {
            let (k, v) = item?;
            let number = k.get(1..5).and_then(|b| b.try_into().ok()).map(u32::from_be_bytes);
            if number != Some(names.len() as u32 + 1) {
                return Err(super::corrupt(&k, "a stored name is missing"));
            }
            let name =
                String::from_utf8(v.to_vec()).map_err(|_| super::corrupt(&k, "a name is not UTF-8"))?;
            names.push(name);
        }
        if names.len() != count as usize {
            return Err(super::corrupt(STAMP, "the stored names end early"));
        }
        Ok(names)
    }

    /// Every stored block (its number and bytes, see [`records_in`]), in ticket order: read
    /// [`READ_CHUNK_BLOCKS`] at a time, the derived database closed after each chunk unless
    /// another tree of it is held (see the module's description).
    pub fn blocks(self) -> DerivedBlocks {
        self.blocks_in_chunks(READ_CHUNK_BLOCKS)
    }

    fn blocks_in_chunks(self, chunk_blocks: usize) -> DerivedBlocks {
        let DerivedTree { db, name, .. } = self;
        DerivedBlocks {
            db,
            name,
            chunk_blocks,
            from: Some(vec![RECORD]),
            chunk: std::collections::VecDeque::new(),
        }
    }

    /// Forgets every record and name: what a fill starts with, so that a record of another
    /// fingerprint never survives it.
    pub fn clear(&self) -> Result<()> {
        self.tree.clear()?;
        Ok(())
    }

    /// Writes names (number, name), records (ticket, bytes) and, last, the stamp. The records
    /// come in ticket order and fill whole blocks: every ticket of each block they touch (a
    /// block is written anew, as given). In batches for a fill of every ticket, the stamp in the
    /// last one so that an interrupted fill leaves no stamp; names and records of one call are
    /// in one batch when there are few.
    pub fn write<'a>(
        &self,
        names: impl IntoIterator<Item = (u32, &'a str)>,
        records: impl IntoIterator<Item = (TicketId, Vec<u8>)>,
        stamp: Stamp,
    ) -> Result<()> {
        let mut batch = sled::Batch::default();
        for (number, name) in names {
            batch.insert(&name_key(number), name.as_bytes());
        }
        let mut in_batch = 0;
        let mut block: Option<(u64, Vec<u8>)> = None;
        let mut records = records.into_iter().peekable();
        while let Some((id, bytes)) = records.next() {
            let (number, value) = block.get_or_insert_with(|| (block_of(id), Vec::new()));
            // Within its block by construction: the offset is the number's last seven bits.
            value.push((id.0 % BLOCK_TICKETS) as u8);
            value.extend_from_slice(&u32::try_from(bytes.len()).unwrap_or(u32::MAX).to_le_bytes());
            value.extend_from_slice(&bytes);
            let number = *number;
            if records.peek().is_none_or(|(next, _)| block_of(*next) != number) {
                if let Some((number, value)) = block.take() {
                    batch.insert(&block_key(number), value);
                }
                in_batch += 1;
                if in_batch == FILL_BATCH {
                    self.tree.apply_batch(std::mem::take(&mut batch))?;
                    in_batch = 0;
                }
            }
        }
        batch.insert(STAMP, stamp.bytes());
        self.tree.apply_batch(batch)?;
        Ok(())
    }

    /// Drops the stamp: the records count for nothing until the next fill.
    pub fn invalidate(&self) -> Result<()> {
        self.tree.remove(STAMP)?;
        Ok(())
    }

    /// [`DerivedTree::write`] of what changed since the last write; when it fails the stamp is
    /// dropped, or the next start would take the older records for current. A cache: the
    /// failure is logged (`what` names the records), and the next start derives them again.
    pub fn write_changed<'a>(
        &self,
        names: impl IntoIterator<Item = (u32, &'a str)>,
        records: impl IntoIterator<Item = (TicketId, Vec<u8>)>,
        stamp: Stamp,
        what: &str,
    ) -> bool {
        let Err(e) = self.write(names, records, stamp) else { return true };
        tracing::warn!(error = %e, what, "changed derived records were not stored");
        if let Err(e) = self.invalidate() {
            tracing::warn!(error = %e, what, "the stored derived records could not be marked stale");
        }
        false
    }
}

#[cfg(test)]
#[path = "derived_tests.rs"]
mod tests;
