//! Schema versions and the path from each older one to the current.
//!
//! - schema 1: records encoded as JSON (codec version 1), the ticket projection stored whole,
//!   a row for every ticket, one index key per entry; no schema meta key.
//! - schema 2: records encoded with postcard (codec version 2), a ticket with only its
//!   creation event stored as that event's number, rows for open tickets only, indexes in
//!   blocks (`index.rs`); meta `schema` = 2.
//! - schema 3: every event's record followed by its link in the hash chain (`chain.rs`); meta
//!   `schema` = 3. From schema 2 only the links are added: the chain starts at the migration,
//!   over the events as they stand then (what came before cannot be vouched for by a chain made
//!   now).
//! - schema 4: a bulk load's creations may be kept as runs (`run.rs`: `R` and `U` keys, and
//!   empty `r` values as tombstones over a run's row); meta `schema` = 4. From schema 3 nothing
//!   is rewritten but the deadline keys (`d`) dropped (each open ticket's earliest due instant
//!   is in its row, and `Store::deadlines` reads it there) and the alarm keys (`a`, one an
//!   alarm) gathered into blocks of six hours (`alarm.rs`), the external ids (`x`, one an id)
//!   into blocks of ids equal but for their last two bytes (`external.rs`). The number changes so that an older
//!   binary, which would not see the runs, refuses the store.
//!
//! Every record carries its own version byte, so reads work on a half-migrated store. Indexes
//! and rows are derived data: a migration drops them and builds them anew from the tickets,
//! and the engine then recomputes the deadlines and the alarm index (the basis meta key is
//! dropped with them). The memory of raised alarms (`A`) is kept: it is what the log says.
//!
//! The alarm index came within schema 2: a store written before it has no `a` or `A` keys and a
//! deadline basis computed without the alarm layout, so the engine indexes its alarms once when
//! it opens it (see `engine::deadlines`).

use super::codec::{self, CURRENT};
use super::keys;
use super::row::Row;
use super::{Result, SCHEMA, Store, StoreError, WriteSet};
use crate::domain::event::Event;
use crate::domain::ticket::Ticket;

const CHUNK: usize = 500;

/// The spaces that hold derived data, rebuilt by a migration.
const DERIVED: &[u8] = b"rdscuownkpa";

/// Schema 3 to 4: no deadline keys, the alarm index and the external ids in blocks.
fn from_schema_3(store: &Store) -> Result<()> {
    drop_space(store, keys::DEADLINE)?;
    alarm_keys_into_blocks(store)?;
    super::external::keys_into_blocks(store)?;
    let mut set = WriteSet::empty();
    set.put_meta("schema", SCHEMA.to_be_bytes().to_vec());
    store.commit(set)?;
    store.flush()
}

pub fn bring_up_to_date(store: &Store) -> Result<()> {
    let found = store.meta_u64("schema")?;
    match found {
        Some(v) if v > SCHEMA => {
            Err(StoreError::NewerSchema { dir: store.dir().to_path_buf(), found: v, supported: SCHEMA })
        }
        Some(v) if v == SCHEMA => Ok(()),
        Some(3) => {
            tracing::info!(from = 3, to = SCHEMA, "migrating store: bulk loads may now be kept as runs");
            from_schema_3(store)
        }
        Some(2) => {
            tracing::info!(from = 2, to = SCHEMA, "migrating store: linking the events into the audit chain");
            store.link_existing_events()?;
            from_schema_3(store)
        }
        _ if store.tree().is_empty() => {
            let mut set = WriteSet::empty();
            set.put_meta("schema", SCHEMA.to_be_bytes().to_vec());
            store.commit(set)
        }
        _ => {
            tracing::info!(from = ?found, to = SCHEMA, "migrating store");
            reencode_events(store)?;
            rebuild_projections(store)?;
            store.link_existing_events()?;
            super::external::keys_into_blocks(store)?;
            let mut set = WriteSet::empty();
            set.put_meta("schema", SCHEMA.to_be_bytes().to_vec());
            store.commit(set)?;
            store.flush()
        }
    }
}

fn reencode_events(store: &Store) -> Result<()> {
    let mut set = WriteSet::empty();
    let mut pending = 0;
    for item in store.tree().scan_prefix([keys::EVENT]) {
        let (k, v) = item?;
        if codec::version_of(&v) == Some(CURRENT) {
            continue;
        }
        let event: Event = codec::decode(&v).map_err(|source| StoreError::Codec { key: show(&k), source })?;
        set.put_raw(k.to_vec(), codec::encode(&event));
        pending += 1;
        if pending == CHUNK {
            store.commit(std::mem::replace(&mut set, WriteSet::empty()))?;
            pending = 0;
        }
    }
    store.commit(set)
}

/// Drops rows, indexes and the deadline basis, then writes every ticket's projection, row and
/// index entries in the current layout.
fn rebuild_projections(store: &Store) -> Result<()> {
    for tag in DERIVED {
        let mut set = WriteSet::empty();
        for key in store.tree().scan_prefix([*tag]).keys() {
            set.remove_raw(key?.to_vec());
        }
        store.commit(set)?;
    }
    let mut set = WriteSet::empty();
    set.remove_raw(keys::meta("deadline_basis"));
    store.commit(set)?;
    let ids: Vec<_> = store.all_ids().collect::<Result<_>>()?;
    let mut set = WriteSet::empty();
    for (n, id) in ids.into_iter().enumerate() {
        let Some(ticket) = store.ticket(id)? else { continue };
        set.put_ticket(None, &ticket, &Row::of(&ticket, None));
        if n % CHUNK == CHUNK - 1 {
            store.commit(std::mem::replace(&mut set, WriteSet::empty()))?;
        }
    }
    store.commit(set)
}

/// Moves the alarm index of schema 3 and before (a key an alarm: instant, id) into blocks.
fn alarm_keys_into_blocks(store: &Store) -> Result<()> {
    let mut set = WriteSet::empty();
    let mut pending = 0;
    for key in store.tree().scan_prefix([keys::ALARM]).keys() {
        let key = key?;
        let Some((at, id)) = keys::parse_alarm(&key).filter(|_| key.len() == 17) else { continue };
        set.remove_raw(key.to_vec());
        set.put_alarm(id, None, Some(at));
        pending += 1;
        if pending == CHUNK {
            store.commit(std::mem::replace(&mut set, WriteSet::empty()))?;
            pending = 0;
        }
    }
    store.commit(set)
}

/// Removes every key of one space, a chunk a batch.
fn drop_space(store: &Store, tag: u8) -> Result<()> {
    let mut set = WriteSet::empty();
    let mut pending = 0;
    for key in store.tree().scan_prefix([tag]).keys() {
        set.remove_raw(key?.to_vec());
        pending += 1;
        if pending == CHUNK {
            store.commit(std::mem::replace(&mut set, WriteSet::empty()))?;
            pending = 0;
        }
    }
    store.commit(set)
}

fn show(key: &[u8]) -> String {
    String::from_utf8_lossy(key).into_owned()
}

/// Rewrites a store as schema 1 left it (JSON records, whole tickets, a row for every ticket,
/// no index blocks, no schema key): how the migration tests get a store "written by an older
/// version" without keeping old binaries around.
#[doc(hidden)]
pub fn rewrite_as_schema_1(dir: &std::path::Path) -> Result<()> {
    let store = Store::open(dir, &super::StoreOptions::default())?;
    let mut set = WriteSet::empty();
    for item in store.tree().scan_prefix([keys::EVENT]) {
        let (k, v) = item?;
        let event: Event = codec::decode(&v).map_err(|source| StoreError::Codec { key: show(&k), source })?;
        set.put_raw(k.to_vec(), codec::encode_v1(&event));
    }
    for id in store.all_ids().collect::<Result<Vec<_>>>()? {
        let ticket: Ticket = store.ticket(id)?.ok_or_else(|| super::corrupt(&keys::ticket(id), "missing"))?;
        set.put_raw(keys::ticket(id), codec::encode_v1(&ticket));
        set.put_raw(keys::row(id), codec::encode_v1(&Row::of(&ticket, None)));
    }
    for tag in b"dscuownkp" {
        for key in store.tree().scan_prefix([*tag]).keys() {
            set.remove_raw(key?.to_vec());
        }
    }
    set.remove_raw(keys::meta("schema"));
    store.commit(set)?;
    store.flush()
}

/// Rewrites a store as schema 2 left it: no audit chain. How the migration tests get a store
/// "written before the chain" without keeping old binaries around.
#[doc(hidden)]
pub fn rewrite_as_schema_2(dir: &std::path::Path) -> Result<()> {
    let store = Store::open(dir, &super::StoreOptions::default())?;
    let mut set = WriteSet::empty();
    for item in store.tree().scan_prefix([keys::EVENT]) {
        let (k, v) = item?;
        let record = super::chain::split(&v).map_or(&v[..], |(record, _)| record);
        set.put_raw(k.to_vec(), record.to_vec());
    }
    set.put_meta("schema", 2u64.to_be_bytes().to_vec());
    store.commit(set)?;
    store.flush()
}

/// Marks a store as schema 3 left it, which holds no runs: how the migration tests get a store
/// "written before runs". Refused for a store that holds runs, which schema 3 could not read.
#[doc(hidden)]
pub fn rewrite_as_schema_3(dir: &std::path::Path) -> Result<()> {
    let store = Store::open(dir, &super::StoreOptions::default())?;
    if let Some(key) = store.tree().scan_prefix([keys::RUN]).keys().next().transpose()? {
        return Err(super::corrupt(&key, "a store with runs cannot be written as schema 3"));
    }
    let mut set = WriteSet::empty();
    // Schema 3 kept a key per alarm (not blocks),
    for (at, id) in store.alarms().collect::<Result<Vec<_>>>()? {
        set.remove_alarm_key(at, id);
        set.put_raw(keys::alarm(at, id), Vec::new());
    }
    // a key per external id,
    for block in store.external_blocks().collect::<Result<Vec<_>>>()? {
        set.remove_raw(block.key);
        for (channel, ext, id) in block.entries.unwrap_or_default() {
            set.put_raw(keys::external(&channel, &ext), id.0.to_be_bytes().to_vec());
        }
    }
    // and a deadline key per open ticket with a running clock.
    for row in store.open_rows() {
        let row = row?;
        if let Some(due) = row.earliest_due {
            set.put_raw(keys::deadline(due, row.id), Vec::new());
        }
    }
    set.put_meta("schema", 3u64.to_be_bytes().to_vec());
    store.commit(set)?;
    store.flush()
}

/// Rewrites a store as a binary from before the alarm index left it: no alarm index, no memory
/// of raised alarms, and the deadline basis of that time (rules and calendar only). How the
/// tests get a store "written before alarms" without keeping old binaries around; the store
/// must not hold `DeadlineAlarm` events, which that binary could not write.
#[doc(hidden)]
pub fn rewrite_as_before_alarms(dir: &std::path::Path, config: &crate::config::Config) -> Result<()> {
    let store = Store::open(dir, &super::StoreOptions::default())?;
    let mut set = WriteSet::empty();
    for tag in [keys::ALARM, keys::ALARM_MEMORY] {
        for key in store.tree().scan_prefix([tag]).keys() {
            set.remove_raw(key?.to_vec());
        }
    }
    let rules = format!("{:?}", config.sla.rules);
    let hash = crate::domain::alarm::fnv1a(rules.bytes().chain(config.calendar.fingerprint().to_be_bytes()));
    set.put_meta("deadline_basis", hash.to_be_bytes().to_vec());
    store.commit(set)?;
    store.flush()
}
