//! Schema versions and the path from each older one to the current.
//!
//! - schema 1: records encoded as JSON (codec version 1); no schema meta key.
//! - schema 2: records encoded with postcard (codec version 2); meta `schema` = 2.
//!
//! Every record carries its own version byte, so reads work on a half-migrated store and a
//! migration interrupted by a crash simply continues at the next open.

use super::codec::{self, CURRENT};
use super::keys;
use super::{Result, SCHEMA, Store, StoreError, WriteSet};
use crate::domain::event::Event;
use crate::domain::ticket::Ticket;
use crate::store::row::Row;

const CHUNK: usize = 500;

pub fn bring_up_to_date(store: &Store) -> Result<()> {
    let found = store.meta_u64("schema")?;
    match found {
        Some(v) if v > SCHEMA => {
            Err(StoreError::NewerSchema { dir: store.dir().to_path_buf(), found: v, supported: SCHEMA })
        }
        Some(v) if v == SCHEMA => Ok(()),
        _ if store.tree().is_empty() => {
            let mut set = WriteSet::default();
            set.put_meta("schema", SCHEMA.to_be_bytes().to_vec());
            store.apply(set)?;
            Ok(())
        }
        _ => {
            tracing::info!(from = ?found, to = SCHEMA, "migrating store");
            reencode::<Event>(store, keys::EVENT)?;
            reencode::<Ticket>(store, keys::TICKET)?;
            reencode::<Row>(store, keys::ROW)?;
            let mut set = WriteSet::default();
            set.put_meta("schema", SCHEMA.to_be_bytes().to_vec());
            store.apply(set)?;
            store.flush()
        }
    }
}

/// Rewrites every record of one space that is not in the current encoding.
fn reencode<T: serde::de::DeserializeOwned + serde::Serialize>(store: &Store, tag: u8) -> Result<()> {
    let mut set = WriteSet::default();
    let mut pending = 0;
    for item in store.tree().scan_prefix([tag]) {
        let (k, v) = item?;
        if codec::version_of(&v) == Some(CURRENT) {
            continue;
        }
        let value: T = codec::decode(&v)
            .map_err(|source| StoreError::Codec { key: String::from_utf8_lossy(&k).into_owned(), source })?;
        set.put_raw(k.to_vec(), codec::encode(&value));
        pending += 1;
        if pending == CHUNK {
            store.apply(std::mem::take(&mut set))?;
            pending = 0;
        }
    }
    if !set.is_empty() {
        store.apply(set)?;
    }
    Ok(())
}

/// Rewrites a store as schema 1 left it (JSON records, no schema key): how the migration tests
/// get a store "written by an older version" without keeping old binaries around.
#[doc(hidden)]
pub fn rewrite_as_schema_1(dir: &std::path::Path) -> Result<()> {
    let store = Store::open(dir, &super::StoreOptions::default())?;
    let mut set = WriteSet::default();
    for (tag, kind) in [(keys::EVENT, 'e'), (keys::TICKET, 't'), (keys::ROW, 'r')] {
        for item in store.tree().scan_prefix([tag]) {
            let (k, v) = item?;
            let key = String::from_utf8_lossy(&k).into_owned();
            let json = match kind {
                'e' => codec::encode_v1(
                    &codec::decode::<Event>(&v).map_err(|source| StoreError::Codec { key, source })?,
                ),
                't' => codec::encode_v1(
                    &codec::decode::<Ticket>(&v).map_err(|source| StoreError::Codec { key, source })?,
                ),
                _ => codec::encode_v1(
                    &codec::decode::<Row>(&v).map_err(|source| StoreError::Codec { key, source })?,
                ),
            };
            set.put_raw(k.to_vec(), json);
        }
    }
    store.apply(set)?;
    store.tree().remove(keys::meta("schema"))?;
    store.flush()
}
