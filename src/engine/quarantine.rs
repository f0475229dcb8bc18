//! The quarantine holds a malformed item once. Channels serve a bad item again on every poll
//! (a short page is read again, a time cursor stops before it), so an item is known by its
//! channel and a stable identity — its channel ticket id when that can be read, else a hash of
//! the payload — and arriving again only counts it (`QuarantineSighting`). What an operator
//! decided stays decided: a dropped item stays dropped, a handed-back one is read again.

use super::EngineError;
use super::batch::Overlay;
use crate::config::Config;
use crate::store::outbox::{QuarantineEntry, QuarantineSighting, QuarantineState, RAW_LIMIT};
use crate::store::{Store, StoreError, WriteSet};
use crate::time::Timestamp;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// What holding an item did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Held {
    /// A new quarantine entry.
    New(u64),
    /// The entry that already holds this item: counted again, state kept (or held again after
    /// it was released).
    Again(u64),
}

/// The identity of a held payload of `channel`: `id:` and its channel ticket id when it reads
/// as one — at the channel profile's id field for a channel's item, at
/// `intake.channel_ticket_id` for a ticket the rules refused — else `sha256:` and the payload's
/// hash. Pure: the same payload always gets the same identity.
pub fn identity_of_payload(config: &Config, channel: &str, raw: &str) -> String {
    let id_path = config
        .channels
        .get(channel)
        .and_then(|c| c.sync.as_ref())
        .and_then(|p| p.fields.get("channel_ticket_id"));
    let item: Option<Value> = serde_json::from_str(raw).ok();
    let read = |path: &str| {
        let value = path.split('.').try_fold(item.as_ref()?, |v, key| v.get(key))?;
        match value {
            Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    };
    let readable = id_path.and_then(|path| read(path)).or_else(|| read("intake.channel_ticket_id"));
    match readable {
        Some(id) => format!("id:{id}"),
        None => hash_identity(raw),
    }
}

/// The identity of a ticket the rules refused: its channel ticket id, else its payload's hash
/// (as `identity_of_payload` reads it from the stored payload).
pub fn identity_of_ticket(channel_ticket_id: &str, raw: &str) -> String {
    let id = channel_ticket_id.trim();
    if id.is_empty() { hash_identity(raw) } else { format!("id:{id}") }
}

fn hash_identity(raw: &str) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(raw.as_bytes())))
}

fn cut(mut raw: String) -> String {
    if raw.len() > RAW_LIMIT {
        let mut end = RAW_LIMIT;
        while !raw.is_char_boundary(end) {
            end -= 1;
        }
        raw.truncate(end);
    }
    raw
}

/// Holds an item of `channel` with its reason: in a new entry the first time, else by counting
/// it on the entry that holds it already.
pub(super) fn hold(
    overlay: &mut Overlay,
    channel: &str,
    identity: String,
    reason: String,
    raw: String,
    now: Timestamp,
) -> Result<Held, EngineError> {
    let key = (channel.to_string(), identity);
    let known = match overlay.side.sightings.get(&key) {
        Some(s) => Some(s.clone()),
        None => overlay.store.quarantine_sighting(channel, &key.1)?,
    };
    if let Some(mut sighting) = known {
        let entry = match overlay.side.quarantine.get(&sighting.id) {
            Some(e) => Some(e.clone()),
            None => overlay.store.quarantine_entry(sighting.id)?,
        };
        if let Some(mut entry) = entry {
            sighting.seen += 1;
            sighting.last_seen = now;
            match entry.state {
                // Today's reason and payload: the channel may have changed the item.
                QuarantineState::Held => {
                    entry.reason = reason;
                    entry.raw = cut(raw);
                }
                // Read again and still bad (or bad again): held, with today's reason.
                QuarantineState::Released => {
                    entry.state = QuarantineState::Held;
                    entry.reason = reason;
                    entry.raw = cut(raw);
                }
                // An operator's decision stands: dropped stays dropped; handed back is read
                // again at the next pull anyway.
                QuarantineState::Dropped | QuarantineState::Retried => {}
            }
            let id = entry.id;
            overlay.side.quarantine.insert(id, entry);
            overlay.side.sightings.insert(key, sighting);
            return Ok(Held::Again(id));
        }
    }
    let id = overlay.side.next_quarantine;
    overlay.side.next_quarantine += 1;
    let entry = QuarantineEntry {
        id,
        channel: channel.to_string(),
        at: now,
        reason,
        raw: cut(raw),
        state: QuarantineState::Held,
    };
    overlay.side.quarantine.insert(id, entry);
    overlay.side.sightings.insert(key, QuarantineSighting { id, seen: 1, last_seen: now });
    Ok(Held::New(id))
}

/// Stores written before items were known by identity get their sightings once, on open, so
/// that items held already are counted rather than held anew. Where an item was held several
/// times, the sighting points at the entry an operator dropped, if any (dropped stays
/// dropped), else at the latest; the other entries stay as they were, for an operator to drop.
pub(super) fn index_sightings_once(store: &Store, config: &Config) -> Result<(), StoreError> {
    const DONE: &str = "quarantine_sightings_indexed";
    if store.meta_u64(DONE)?.is_some() {
        return Ok(());
    }
    let mut groups: BTreeMap<(String, String), (QuarantineSighting, bool)> = BTreeMap::new();
    for entry in store.quarantine_entries() {
        let entry = entry?;
        let key = (entry.channel.clone(), identity_of_payload(config, &entry.channel, &entry.raw));
        let dropped = entry.state == QuarantineState::Dropped;
        let (sighting, holds_dropped) = groups
            .entry(key)
            .or_insert((QuarantineSighting { id: entry.id, seen: 0, last_seen: entry.at }, dropped));
        sighting.seen += 1;
        sighting.last_seen = sighting.last_seen.max(entry.at);
        // Entries come in id order: a later one replaces, unless a dropped one is kept.
        if dropped || !*holds_dropped {
            sighting.id = entry.id;
            *holds_dropped = dropped;
        }
    }
    let mut set = WriteSet::new(&crate::engine::WRITE);
    for ((channel, identity), (sighting, _)) in &groups {
        if store.quarantine_sighting(channel, identity)?.is_none() {
            set.put_quarantine_sighting(channel, identity, sighting);
        }
    }
    set.put_meta(DONE, 1u64.to_be_bytes().to_vec());
    store.apply(set, &crate::engine::WRITE)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        crate::config::load(None).expect("the built-in configuration loads")
    }

    #[test]
    fn a_payload_with_a_readable_ticket_id_is_known_by_it() {
        let config = config();
        // 12345 keeps its ticket number in `gdbh`; 12315 nests nothing but names it `id`.
        let raw = r#"{"gdbh":" SD2026112800007 ","slsj":"昨天下午","bt":"空调不制冷"}"#;
        assert_eq!(identity_of_payload(&config, "12345", raw), "id:SD2026112800007");
        let raw = r#"{"id":1440606202611280007,"received_at":"2026/13/01"}"#;
        assert_eq!(identity_of_payload(&config, "12315", raw), "id:1440606202611280007");
    }

    #[test]
    fn a_payload_without_a_readable_id_is_known_by_its_hash() {
        let config = config();
        let broken = r#"{"gdbh":["SD2026112800007"],"bt":"空调不制冷"}"#;
        let identity = identity_of_payload(&config, "12345", broken);
        assert!(identity.starts_with("sha256:"), "{identity}");
        assert_eq!(identity, identity_of_payload(&config, "12345", broken), "stable");
        assert_ne!(identity, identity_of_payload(&config, "12345", r#"{"bt":"空调不制冷"}"#));
        let not_json = "{\"gdbh\":\"SD20261128";
        assert!(identity_of_payload(&config, "12345", not_json).starts_with("sha256:"));
    }

    fn held(id: u64, raw: &str, state: QuarantineState, minute: i64) -> QuarantineEntry {
        QuarantineEntry {
            id,
            channel: "12345".into(),
            at: Timestamp::from_millis(1_764_295_200_000 + minute * 60_000),
            reason: "slsj: 不是时间".into(),
            raw: raw.into(),
            state,
        }
    }

    #[test]
    fn a_store_from_before_sightings_counts_the_items_it_already_holds() {
        let config = config();
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &crate::store::StoreOptions::default()).unwrap();
        let twice = r#"{"gdbh":"SD2026112800102","slsj":"昨天下午"}"#;
        let dropped_then_again = r#"{"gdbh":"SD2026112800103","slsj":"前天"}"#;
        let mut set = WriteSet::new(&crate::engine::WRITE);
        // As an older binary wrote them: one entry a poll.
        set.put_quarantine(&held(1, twice, QuarantineState::Held, 0));
        set.put_quarantine(&held(2, dropped_then_again, QuarantineState::Dropped, 0));
        set.put_quarantine(&held(3, twice, QuarantineState::Held, 1));
        set.put_quarantine(&held(4, dropped_then_again, QuarantineState::Held, 1));
        store.apply(set, &crate::engine::WRITE).unwrap();
        index_sightings_once(&store, &config).unwrap();

        let twice = store.quarantine_sighting("12345", "id:SD2026112800102").unwrap().unwrap();
        assert_eq!((twice.id, twice.seen), (3, 2), "the latest entry holds it");
        let dropped = store.quarantine_sighting("12345", "id:SD2026112800103").unwrap().unwrap();
        assert_eq!((dropped.id, dropped.seen), (2, 2), "dropped stays dropped");
        assert_eq!(dropped.last_seen, Timestamp::from_millis(1_764_295_260_000));
    }
}
