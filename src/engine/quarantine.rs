//! The quarantine holds a malformed item once. Channels serve a bad item again on every poll
//! (a short page is read again, a time cursor stops before it), so an item is known by its
//! channel and a stable identity — its channel ticket id when that can be read, else a hash of
//! the payload — and arriving again only counts it (`QuarantineSighting`). What an operator
//! decided stays decided: a dropped item stays dropped, a handed-back one is read again.

use super::EngineError;
use super::batch::Overlay;
use crate::config::Config;
use crate::store::outbox::{QuarantineEntry, QuarantineSighting, QuarantineState, RAW_LIMIT};
use crate::time::Timestamp;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// What holding an item did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Held {
    /// A new quarantine entry.
    New(u64),
    /// The entry that already holds this item: counted again, state kept (or held again after
    /// it was released).
    Again(u64),
}

/// The identity of a malformed payload of `channel`: `id:` and its channel ticket id when the
/// channel's profile says where it is and it reads as one, else `sha256:` and the payload's
/// hash. Pure: the same payload always gets the same identity.
pub fn identity_of_payload(config: &Config, channel: &str, raw: &str) -> String {
    let id_path = config
        .channels
        .get(channel)
        .and_then(|c| c.sync.as_ref())
        .and_then(|p| p.fields.get("channel_ticket_id"));
    let readable = id_path.and_then(|path| {
        let item: Value = serde_json::from_str(raw).ok()?;
        let value = path.split('.').try_fold(&item, |v, key| v.get(key))?;
        match value {
            Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    });
    match readable {
        Some(id) => format!("id:{id}"),
        None => hash_identity(raw),
    }
}

/// The identity of a ticket the rules refused: its channel ticket id, else its payload's hash.
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
}
