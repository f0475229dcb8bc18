//! The sled store: one append-only event log (the audit trail), the projections (ticket and row)
//! and the indexes, all in one tree so that everything one command writes lands in one atomic
//! batch. Only the engine writes; anyone holding a `Store` may read.

pub(crate) mod alarm;
pub mod chain;
pub mod check;
pub mod codec;
pub mod derived;
pub mod external;
pub mod facts;
pub mod index;
pub mod keys;
mod lock;
pub use lock::HOLDER_FILE;
pub mod migrate;
pub mod outbox;
pub mod row;
pub mod run;
#[cfg(test)]
mod run_tests;
pub mod write;

pub use keys::TextIndex;
pub use row::Row;
pub use write::{StoredTicket, WriteSet};

use crate::domain::event::Event;
use crate::domain::status::Status;
use crate::domain::ticket::{Ticket, TicketId};
use crate::time::Timestamp;
use codec::CodecError;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// The store layout this binary writes. See `migrate` for the versions it reads.
pub const SCHEMA: u64 = 4;
/// The one tree of domain data in the store's database.
const DOMAIN_TREE: &str = "desk";
/// sled's cache for the derived copies' database: it is read and written whole, seldom.
const DERIVED_CACHE_BYTES: u64 = 4 << 20;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the store in {dir} is in use by {holder}; attach to it or stop that process first")]
    InUse { dir: PathBuf, holder: String },
    #[error(
        "the store in {dir} cannot be closed: {handles} other handle(s) on it are still open in this process"
    )]
    StillOpen { dir: PathBuf, handles: usize },
    #[error("sled did not let go of the store in {dir} within {waited:?}; the next open may find it in use")]
    NotReleased { dir: PathBuf, waited: std::time::Duration },
    #[error("cannot open the store in {dir}: {detail}")]
    Open { dir: PathBuf, detail: String },
    #[error(
        "the store in {dir} has schema {found}, newer than this binary's {supported}; upgrade rightsdesk"
    )]
    NewerSchema { dir: PathBuf, found: u64, supported: u64 },
    #[error("store I/O error: {0}")]
    Sled(#[from] sled::Error),
    #[error("corrupt record under key {key}: {source}")]
    Codec { key: String, source: CodecError },
    /// An event is written once, after the chain's head; anything else would rewrite the trail.
    #[error("event {seq} is not after the audit chain's head (event {head}): an event is written once")]
    NotAfterHead { seq: u64, head: u64 },
    #[error("the store is closing")]
    Closing,
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Clone, Debug)]
pub struct StoreOptions {
    /// sled's page cache. sled defaults to 1 GiB; a console on a jump host must stay far below.
    pub cache_bytes: u64,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions { cache_bytes: 128 << 20 }
    }
}

#[derive(Clone)]
pub struct Store {
    db: sled::Db,
    tree: sled::Tree,
    dir: PathBuf,
    flushes: Arc<AtomicU64>,
    /// The hash chain's last link, which the next event written links to.
    chain: Arc<Mutex<Option<chain::Head>>>,
    /// The derived copies' database (see `derived.rs`).
    derived: Arc<derived::DerivedDb>,
    /// Last, so that it is dropped after this clone's sled handles: the drop of the last clone
    /// returns only once sled has let go of the directory (see `lock::Release`).
    release: Arc<lock::Release>,
}

impl Store {
    /// Opens (creating if needed) the store in `dir`, and migrates an older layout in place.
    pub fn open(dir: &Path, options: &StoreOptions) -> Result<Store> {
        crate::private::create_dir(dir)
            .map_err(|e| StoreError::Open { dir: dir.to_path_buf(), detail: e.to_string() })?;
        let db_path = dir.join("store");
        let db = sled::Config::new()
            .path(&db_path)
            .cache_capacity(options.cache_bytes)
            // We flush at the points where something is acknowledged; the timer only adds
            // background I/O on a busy jump host.
            .flush_every_ms(Some(1000))
            .open()
            .map_err(|e| lock::explain_open_error(dir, e))?;
        lock::record_holder(dir);
        let tree = db.open_tree(DOMAIN_TREE)?;
        let release = Arc::new(lock::Release { dir: dir.to_path_buf(), released: false });
        let store = Store {
            db,
            tree,
            dir: dir.to_path_buf(),
            flushes: Arc::new(AtomicU64::new(0)),
            chain: Arc::new(Mutex::new(None)),
            derived: Arc::new(derived::DerivedDb::new(dir, DERIVED_CACHE_BYTES.min(options.cache_bytes))),
            release,
        };
        migrate::bring_up_to_date(&store)?;
        derived::drop_copies_kept_beside(&store.db, DOMAIN_TREE)?;
        let tightened = crate::private::tighten_data_dir(dir);
        if tightened > 0 {
            tracing::warn!(
                tightened,
                "the data directory gave others access (an older version's files): now owner-only"
            );
        }
        *store.chain.lock().unwrap_or_else(|p| p.into_inner()) = store.chain_head()?;
        Ok(store)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Closes the store: flushes, lets go of sled, and returns once the directory can be
    /// opened again. Refused while another handle (a `Reader`, a query in flight) is open.
    /// Dropping the last handle closes it the same way, without the report.
    pub fn close(self) -> Result<()> {
        let others = Arc::strong_count(&self.release) - 1;
        if others > 0 {
            return Err(StoreError::StillOpen { dir: self.dir.clone(), handles: others });
        }
        self.flush()?;
        let Store { db, tree, dir, release, derived, .. } = self;
        drop(derived);
        drop(tree);
        drop(db);
        let mut release = Arc::into_inner(release).ok_or(StoreError::StillOpen { dir, handles: 1 })?;
        let waited = lock::wait_until_released(&release.dir);
        release.released = true;
        waited.map(|_| ())
    }

    /// Makes every write so far durable.
    pub fn flush(&self) -> Result<()> {
        self.db.flush()?;
        self.flushes.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Flushes since this store was opened: what group commit saves.
    pub fn flush_count(&self) -> u64 {
        self.flushes.load(Ordering::Relaxed)
    }

    /// Writes a set atomically, each of its events linked into the hash chain. Only the engine
    /// holds a `WriteAccess`: it is the single writer, so the index blocks read here cannot
    /// change before the batch lands.
    pub fn apply(&self, set: WriteSet, _: &crate::engine::WriteAccess) -> Result<()> {
        self.commit(set)
    }

    fn commit(&self, mut set: WriteSet) -> Result<()> {
        write::resolve_blocks(&self.tree, &mut set)?;
        alarm::resolve_alarm_blocks(&self.tree, &mut set)?;
        external::resolve_external_blocks(&self.tree, &mut set)?;
        let write::Parts { mut batch, events, run, rows_gone } = set.into_parts();
        for id in rows_gone {
            // Over a run's row only a tombstone says the row is gone (see `run.rs`).
            if self.in_run(id)? {
                batch.insert(keys::row(id), Vec::new());
            } else {
                batch.remove(keys::row(id));
            }
        }
        let mut chain = self.chain.lock().unwrap_or_else(|p| p.into_inner());
        let mut head = *chain;
        let mut linked = Vec::with_capacity(if run.is_some() { events.len() } else { 0 });
        for (seq, record) in events {
            let previous = match head {
                Some(h) if seq <= h.seq => return Err(StoreError::NotAfterHead { seq, head: h.seq }),
                Some(h) => h.hash,
                None => chain::GENESIS,
            };
            let hash = chain::link(&previous, seq, &record);
            head = Some(chain::Head { seq, hash });
            if run.is_some() {
                linked.push((seq, record, hash));
            } else {
                let mut value = record;
                value.extend_from_slice(&hash);
                batch.insert(keys::event(seq), value);
            }
        }
        if let Some(run) = run {
            let first_seq = linked.first().map_or(0, |(seq, _, _)| *seq);
            let consecutive = linked.iter().enumerate().all(|(i, (seq, _, _))| *seq == first_seq + i as u64);
            if linked.is_empty() || linked.len() != run.rows.len() || !consecutive {
                return Err(corrupt(
                    &run::run_key(first_seq),
                    "a run must hold one creation per event, in order",
                ));
            }
            batch.insert(run::run_ticket_key(run.first_id), run::encode_pointer(first_seq, linked.len()));
            for (first, n) in run::chunks(&linked, &run.rows) {
                let id = TicketId(run.first_id.0 + first as u64);
                let records = &linked[first..first + n];
                batch.insert(
                    run::run_key(records[0].0),
                    run::encode(id, records, &run.rows[first..first + n]),
                );
            }
        }
        self.tree.apply_batch(batch)?;
        *chain = head;
        Ok(())
    }

    pub fn size_on_disk(&self) -> Result<u64> {
        Ok(self.db.size_on_disk()?)
    }

    /// The raw tree: for the store's own modules (checks, migrations), never a write path
    /// for the rest of the crate.
    fn tree(&self) -> &sled::Tree {
        &self.tree
    }

    pub fn meta(&self, name: &str) -> Result<Option<Vec<u8>>> {
        Ok(self.tree.get(keys::meta(name))?.map(|v| v.to_vec()))
    }

    pub fn meta_u64(&self, name: &str) -> Result<Option<u64>> {
        Ok(self.meta(name)?.and_then(|v| v.as_slice().try_into().ok().map(u64::from_be_bytes)))
    }

    pub fn ticket(&self, id: TicketId) -> Result<Option<Ticket>> {
        let key = keys::ticket(id);
        if let Some(bytes) = self.tree.get(&key)? {
            return self.decode_ticket(&key, &bytes).map(Some);
        }
        let Some(run) = self.run_of_ticket(id)? else { return Ok(None) };
        match run.entry_of_ticket(id) {
            Some(entry) => ticket_of_entry(&entry?).map(Some),
            None => Err(corrupt(run.key(), "the run is shorter than its pointer says")),
        }
    }

    /// Every ticket, in order of number: one sequential scan (statistics build their facts
    /// from it once, then follow the event log).
    pub fn tickets(&self) -> impl Iterator<Item = Result<Ticket>> + '_ {
        let own = self.tree.scan_prefix([keys::TICKET]).map(|item| {
            let (k, v) = item?;
            let id = keys::trailing_u64(&k).ok_or_else(|| corrupt(&k, "bad ticket key"))?;
            Ok((id, self.decode_ticket(&k, &v)?))
        });
        let in_runs = self.run_tickets(|e| ticket_of_entry(e).map(Some));
        run::merge(own, in_runs).map(|item| item.map(|(_, t)| t))
    }

    fn decode_ticket(&self, key: &[u8], bytes: &[u8]) -> Result<Ticket> {
        // Schema 1 stored the ticket itself; schema 2 a `StoredTicket`.
        let stored = if codec::version_of(bytes) == Some(codec::JSON_V1) {
            StoredTicket::Full(Box::new(decode_at(key, bytes)?))
        } else {
            decode_at(key, bytes)?
        };
        match stored {
            StoredTicket::Full(t) => Ok(*t),
            StoredTicket::AtCreation { seq } => {
                let event = self.event(seq)?.ok_or_else(|| corrupt(key, "its creation event is missing"))?;
                crate::domain::event::apply(None, &event)
                    .ok_or_else(|| corrupt(key, "its creation event does not create a ticket"))
            }
        }
    }

    pub fn ticket_exists(&self, id: TicketId) -> Result<bool> {
        Ok(self.tree.contains_key(keys::ticket(id))? || self.in_run(id)?)
    }

    /// The stored row: open tickets only.
    pub fn row(&self, id: TicketId) -> Result<Option<Row>> {
        Ok(match self.stored_row(id)? {
            Some((key, bytes)) => Some(decode_at(&key, &bytes)?),
            None => None,
        })
    }

    /// The encoded row of a ticket and the key it is reported under: its own `r` record, else
    /// its run's (a tombstone says it has none).
    pub(crate) fn stored_row(&self, id: TicketId) -> Result<Option<(Vec<u8>, Vec<u8>)>> {
        let key = keys::row(id);
        match self.tree.get(&key)? {
            Some(v) if v.is_empty() => Ok(None),
            Some(v) => Ok(Some((key, v.to_vec()))),
            None => {
                let Some(run) = self.run_of_ticket(id)? else { return Ok(None) };
                match run.entry_of_ticket(id) {
                    Some(entry) => Ok(entry?.row.map(|row| (run.key().to_vec(), row.to_vec()))),
                    None => Err(corrupt(run.key(), "the run is shorter than its pointer says")),
                }
            }
        }
    }

    /// The row of any ticket: stored for open ones, derived for the others (which have no
    /// deadline left).
    pub fn summary(&self, id: TicketId) -> Result<Option<Row>> {
        match self.row(id)? {
            Some(row) => Ok(Some(row)),
            None => Ok(self.ticket(id)?.map(|t| Row::of(&t, None))),
        }
    }

    pub fn event(&self, seq: u64) -> Result<Option<Event>> {
        if let Some(event) = self.get_decoded(&keys::event(seq))? {
            return Ok(Some(event));
        }
        match self.run_of_seq(seq)? {
            Some(run) => run.entry_of_seq(seq).map(|e| e.and_then(|e| e.event())).transpose(),
            None => Ok(None),
        }
    }

    /// Events with a sequence number greater than `after`, in order: how a reader resumes.
    pub fn events_after(&self, after: u64) -> impl Iterator<Item = Result<Event>> + '_ {
        let from = after.saturating_add(1);
        let own = self.tree.range(keys::event(from)..=keys::event(u64::MAX)).map(|item| {
            let (k, v) = item?;
            let seq = keys::trailing_u64(&k).ok_or_else(|| corrupt(&k, "bad event key"))?;
            Ok((seq, decode_at(&k, &v)?))
        });
        let in_runs = self.run_entries_from(from, |e| e.event());
        run::merge(own, in_runs).map(|item| item.map(|(_, e)| e))
    }

    pub(crate) fn last_id_in(&self, tag: u8) -> Result<u64> {
        Ok(self.last_in_space(tag)?.unwrap_or(0))
    }

    pub fn last_seq(&self) -> Result<u64> {
        let in_runs = self.last_in_runs()?.map_or(0, |(seq, _)| seq);
        Ok(self.last_in_space(keys::EVENT)?.unwrap_or(0).max(in_runs))
    }

    pub fn last_ticket_id(&self) -> Result<u64> {
        let in_runs = self.last_in_runs()?.map_or(0, |(_, id)| id);
        Ok(self.last_in_space(keys::TICKET)?.unwrap_or(0).max(in_runs))
    }

    fn last_in_space(&self, tag: u8) -> Result<Option<u64>> {
        let last = self.tree.range(vec![tag]..vec![tag + 1]).next_back().transpose()?;
        Ok(last.and_then(|(k, _)| keys::trailing_u64(&k)))
    }

    /// Tickets in one status, in id order.
    pub fn ids_with_status(&self, status: Status) -> impl Iterator<Item = Result<TicketId>> + '_ {
        self.ids_in_blocks(index::value_prefix(keys::STATUS, &[status.tag()]), None)
    }

    /// Tickets with one value in one index, in id order.
    pub fn ids_with(&self, index: TextIndex, value: &str) -> impl Iterator<Item = Result<TicketId>> + '_ {
        let value = value.trim();
        if index.is_hashed() {
            let value = index::indexed_bytes(value).to_vec();
            self.ids_in_blocks(index::bucket_prefix(index.tag(), &value), Some(value))
        } else {
            self.ids_in_blocks(index::value_prefix(index.tag(), value.as_bytes()), None)
        }
    }

    /// The tickets of every block under `prefix`; for a hashed index only those whose stored
    /// value is `exact`.
    fn ids_in_blocks(
        &self,
        prefix: Vec<u8>,
        exact: Option<Vec<u8>>,
    ) -> impl Iterator<Item = Result<TicketId>> + '_ {
        let block_len = prefix.len() + 4;
        self.tree
            .scan_prefix(prefix)
            .filter(move |item| item.as_ref().map_or(true, |(k, _)| k.len() == block_len))
            .flat_map(move |item| {
                let ids: Vec<Result<TicketId>> = match item {
                    Err(e) => vec![Err(e.into())],
                    Ok((k, v)) => {
                        let decoded =
                            if exact.is_some() { index::decode_hashed(&v) } else { index::decode_valued(&v) };
                        match (decoded, index::block_number(&k)) {
                            (Some(set), Some(block)) => set
                                .into_iter()
                                .filter(|(_, value)| exact.as_ref().is_none_or(|x| x == value))
                                .map(|(offset, _)| Ok(index::id_at(block, offset)))
                                .collect(),
                            _ => vec![Err(corrupt(&k, "unreadable index block"))],
                        }
                    }
                };
                ids
            })
    }

    /// Open tickets with a running clock, nearest due first: from the rows, which hold each
    /// open ticket's earliest due instant (schema 4 keeps no deadline keys: nothing but this
    /// reads them, and a bulk load paid a key a row for them).
    pub fn deadlines(&self) -> impl Iterator<Item = Result<(Timestamp, TicketId)>> + '_ {
        let mut due = Vec::new();
        let mut failed = None;
        for row in self.open_rows() {
            match row {
                Ok(row) => due.extend(row.earliest_due.map(|at| (at, row.id))),
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        due.sort_unstable();
        failed.map(Err).into_iter().chain(due.into_iter().map(Ok))
    }

    /// Every ticket id, in order.
    pub fn all_ids(&self) -> impl Iterator<Item = Result<TicketId>> + '_ {
        let own = self.tree.scan_prefix([keys::TICKET]).keys().map(|k| {
            let k = k?;
            keys::trailing_u64(&k).map(|id| (id, ())).ok_or_else(|| corrupt(&k, "bad ticket key"))
        });
        let in_runs = self.run_pointers().flat_map(|pointer| -> Vec<Result<(u64, ())>> {
            match pointer {
                Ok((first, _, n)) => (first..first + n).map(|id| Ok((id, ()))).collect(),
                Err(e) => vec![Err(e)],
            }
        });
        run::merge(own, in_runs).map(|item| item.map(|(id, ())| TicketId(id)))
    }

    /// The stored rows: one per open ticket.
    pub fn open_rows(&self) -> impl Iterator<Item = Result<Row>> + '_ {
        let own = self.tree.scan_prefix([keys::ROW]).map(|item| {
            let (k, v) = item?;
            let id = keys::trailing_u64(&k).ok_or_else(|| corrupt(&k, "bad row key"))?;
            // An empty value is a tombstone over a run's row: no row.
            Ok((id, if v.is_empty() { None } else { Some(decode_at::<Row>(&k, &v)?) }))
        });
        let in_runs = self.run_tickets(|e| match e.row {
            Some(row) => Ok(Some(Some(decode_at::<Row>(&keys::row(e.id), row)?))),
            None => Ok(None),
        });
        run::merge(own, in_runs).filter_map(|item| item.map(|(_, row)| row).transpose())
    }

    /// Raw keys of one space, for consistency checks.
    pub fn keys_in_space(&self, tag: u8) -> impl Iterator<Item = Result<Vec<u8>>> + '_ {
        self.tree.scan_prefix([tag]).keys().map(|k| Ok(k?.to_vec()))
    }

    pub(crate) fn get_decoded<T: serde::de::DeserializeOwned>(&self, key: &[u8]) -> Result<Option<T>> {
        match self.tree.get(key)? {
            Some(v) => decode_at(key, &v).map(Some),
            None => Ok(None),
        }
    }
}

/// A ticket a run holds: its creation event folded.
fn ticket_of_entry(entry: &run::Entry) -> Result<Ticket> {
    let event = entry.event()?;
    crate::domain::event::apply(None, &event)
        .filter(|t| t.id == entry.id)
        .ok_or_else(|| corrupt(&keys::event(entry.seq), "the event of a run does not create its ticket"))
}

pub(crate) fn decode_at<T: serde::de::DeserializeOwned>(key: &[u8], value: &[u8]) -> Result<T> {
    codec::decode(value).map_err(|source| StoreError::Codec { key: show_key(key), source })
}

pub(crate) fn corrupt(key: &[u8], what: &str) -> StoreError {
    StoreError::Codec { key: show_key(key), source: CodecError::Corrupt { version: 0, detail: what.into() } }
}

fn show_key(key: &[u8]) -> String {
    String::from_utf8_lossy(key).chars().map(|c| if c.is_control() { '·' } else { c }).collect()
}
