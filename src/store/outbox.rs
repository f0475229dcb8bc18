//! The outbox (effects waiting for delivery), the quarantine (payloads that could not become
//! tickets) and the channel cursors: the sync side of the store, written by the engine in the
//! same batch as the events that cause them.

use super::codec;
use super::keys;
use super::write::WriteSet;
use super::{Result, Store};
use crate::domain::effect::Effect;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    Pending,
    Delivered,
    /// Given up after too many attempts: an operator looks and retries.
    Dead,
    /// Cannot be sent until the configuration is fixed (no SMS gateway, no secret for its
    /// channel): the reason is in `last_error`. Not an attempt; it stays in the due queue and
    /// goes out once the worker can send it.
    Waiting,
}

impl DeliveryState {
    /// Still to be delivered: in the due queue.
    pub fn is_open(self) -> bool {
        matches!(self, DeliveryState::Pending | DeliveryState::Waiting)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutboxEntry {
    pub id: u64,
    pub effect: Effect,
    pub state: DeliveryState,
    pub attempts: u32,
    /// When a worker may (re)try it.
    pub next_at: Timestamp,
    pub last_error: Option<String>,
    pub delivered_at: Option<Timestamp>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuarantineState {
    Held,
    /// Handed back to the channel's adapter for another try.
    Retried,
    Dropped,
    /// Read again after a retry: it became a ticket, or was held anew with today's reason.
    Released,
}

/// A payload a channel sent that could not become a ticket, kept with the reason.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuarantineEntry {
    pub id: u64,
    pub channel: String,
    pub at: Timestamp,
    pub reason: String,
    /// The payload as received (lossy UTF-8), cut at 1 MiB.
    pub raw: String,
    pub state: QuarantineState,
}

pub const RAW_LIMIT: usize = 1 << 20;

/// How often one item of a channel came in malformed, and which quarantine entry holds it: a
/// channel that serves a bad item on every poll adds one entry, not one a poll. Kept beside the
/// entry (not in it) so that entries written by older binaries read as they are.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuarantineSighting {
    /// The entry holding the item.
    pub id: u64,
    /// Times it arrived (the first included).
    pub seen: u64,
    pub last_seen: Timestamp,
}

/// A unit's API token as stored: only the hex SHA-256 of the token, never the token itself.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UnitToken {
    pub hash: String,
    pub issued_at: Timestamp,
}

impl WriteSet {
    /// Writes an outbox entry and keeps the due queue (pending entries by `next_at`) in step.
    pub fn put_outbox(&mut self, old: Option<&OutboxEntry>, new: &OutboxEntry) {
        if let Some(old) = old.filter(|o| o.state.is_open()) {
            self.remove_raw(keys::outbox_due(old.next_at, old.id));
        }
        if new.state.is_open() {
            self.put_raw(keys::outbox_due(new.next_at, new.id), Vec::new());
        }
        self.put_raw(keys::outbox(new.id), codec::encode(new));
    }

    /// Writes a quarantined item, and keeps it in its channel's list of items to read again
    /// while an operator has handed it back (so a pull finds them without a scan).
    pub fn put_quarantine(&mut self, entry: &QuarantineEntry) {
        let retried = keys::quarantine_retried(&entry.channel, entry.id);
        if entry.state == QuarantineState::Retried {
            self.put_raw(retried, Vec::new());
        } else {
            self.remove_raw(retried);
        }
        self.put_raw(keys::quarantine(entry.id), codec::encode(entry));
    }

    pub fn put_quarantine_sighting(&mut self, channel: &str, identity: &str, sighting: &QuarantineSighting) {
        self.put_raw(keys::quarantine_sighting(channel, identity), codec::encode(sighting));
    }

    pub fn put_cursor(&mut self, channel: &str, cursor: &str) {
        self.put_raw(keys::cursor(channel), cursor.as_bytes().to_vec());
    }

    /// Sets a unit's token, or revokes it with None.
    pub fn put_unit_token(&mut self, unit: &str, token: Option<&UnitToken>) {
        match token {
            Some(token) => self.put_raw(keys::unit_token(unit), codec::encode(token)),
            None => self.remove_raw(keys::unit_token(unit)),
        }
    }
}

impl Store {
    pub fn outbox_entry(&self, id: u64) -> Result<Option<OutboxEntry>> {
        self.get_decoded(&keys::outbox(id))
    }

    pub fn quarantine_entry(&self, id: u64) -> Result<Option<QuarantineEntry>> {
        self.get_decoded(&keys::quarantine(id))
    }

    /// The quarantine entry that holds the item of `channel` with this identity, if one does.
    pub fn quarantine_sighting(&self, channel: &str, identity: &str) -> Result<Option<QuarantineSighting>> {
        self.get_decoded(&keys::quarantine_sighting(channel, identity))
    }

    /// The hex SHA-256 of the unit's API token, if one is issued.
    pub fn unit_token_hash(&self, unit: &str) -> Result<Option<String>> {
        Ok(self.unit_token(unit)?.map(|t| t.hash))
    }

    pub fn unit_token(&self, unit: &str) -> Result<Option<UnitToken>> {
        self.get_decoded(&keys::unit_token(unit))
    }

    pub fn cursor(&self, channel: &str) -> Result<Option<String>> {
        Ok(self.tree().get(keys::cursor(channel))?.map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    /// Pending outbox entries whose time has come, oldest first.
    pub fn outbox_due(&self, now: Timestamp, limit: usize) -> Result<Vec<OutboxEntry>> {
        let mut out = Vec::new();
        for key in self.tree().scan_prefix([keys::OUTBOX_DUE]).keys() {
            let key = key?;
            let Some((at, id)) = keys::parse_outbox_due(&key) else { continue };
            if at > now || out.len() >= limit {
                break;
            }
            if let Some(entry) = self.outbox_entry(id)? {
                out.push(entry);
            }
        }
        Ok(out)
    }

    /// The ids of every entry still to deliver (pending or waiting), in due order, read
    /// lazily from the due queue's keys: a round of the outbox can step over entries it knows
    /// it cannot send without reading them, and without a limit hiding the rest.
    pub fn outbox_open_ids(&self) -> impl Iterator<Item = Result<u64>> + '_ {
        self.tree().scan_prefix([keys::OUTBOX_DUE]).keys().filter_map(|key| match key {
            Ok(k) => keys::parse_outbox_due(&k).map(|(_, id)| Ok(id)),
            Err(e) => Some(Err(e.into())),
        })
    }

    /// Every entry still to deliver (pending or waiting), in due order, read lazily.
    pub fn outbox_open(&self) -> impl Iterator<Item = Result<OutboxEntry>> + '_ {
        self.outbox_open_ids().filter_map(move |id| match id {
            Ok(id) => self.outbox_entry(id).transpose(),
            Err(e) => Some(Err(e)),
        })
    }

    /// The next instant a pending entry becomes due, for a worker to sleep until.
    pub fn next_outbox_due(&self) -> Result<Option<Timestamp>> {
        let first = self.tree().scan_prefix([keys::OUTBOX_DUE]).keys().next().transpose()?;
        Ok(first.and_then(|k| keys::parse_outbox_due(&k)).map(|(at, _)| at))
    }

    pub fn outbox_entries(&self) -> impl Iterator<Item = Result<OutboxEntry>> + '_ {
        self.tree().scan_prefix([keys::OUTBOX]).map(|item| {
            let (k, v) = item?;
            super::decode_at(&k, &v)
        })
    }

    pub fn quarantine_entries(&self) -> impl Iterator<Item = Result<QuarantineEntry>> + '_ {
        self.tree().scan_prefix([keys::QUARANTINE]).map(|item| {
            let (k, v) = item?;
            super::decode_at(&k, &v)
        })
    }

    /// The channel's quarantined items an operator handed back, oldest first.
    pub fn quarantine_retried(&self, channel: &str) -> Result<Vec<QuarantineEntry>> {
        let prefix = keys::quarantine_retried_prefix(channel);
        let mut out = Vec::new();
        for key in self.tree().scan_prefix(&prefix).keys() {
            let key = key?;
            let Some(id) = key.get(prefix.len()..).and_then(|b| b.try_into().ok()).map(u64::from_be_bytes)
            else {
                continue;
            };
            if let Some(entry) = self.quarantine_entry(id)?
                && entry.state == QuarantineState::Retried
            {
                out.push(entry);
            }
        }
        Ok(out)
    }

    /// Stores written before the list of handed-back items existed get it once.
    pub fn index_retried_quarantine_once(&self, _: &crate::engine::WriteAccess) -> Result<()> {
        const DONE: &str = "quarantine_retried_indexed";
        if self.meta_u64(DONE)?.is_some() {
            return Ok(());
        }
        let mut set = WriteSet::empty();
        for entry in self.quarantine_entries() {
            let entry = entry?;
            if entry.state == QuarantineState::Retried {
                set.put_raw(keys::quarantine_retried(&entry.channel, entry.id), Vec::new());
            }
        }
        set.put_meta(DONE, 1u64.to_be_bytes().to_vec());
        self.commit(set)
    }

    pub fn last_outbox_id(&self) -> Result<u64> {
        self.last_id_in(keys::OUTBOX)
    }

    pub fn last_quarantine_id(&self) -> Result<u64> {
        self.last_id_in(keys::QUARANTINE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoreOptions;

    fn held(id: u64, channel: &str, state: QuarantineState) -> QuarantineEntry {
        QuarantineEntry {
            id,
            channel: channel.into(),
            at: Timestamp::from_millis(1_764_295_200_000),
            reason: "tssj: 不是时间".into(),
            raw: r#"{"gdbh":"SD2026112800001","tssj":"昨天"}"#.into(),
            state,
        }
    }

    #[test]
    fn a_pull_finds_its_channels_handed_back_items_and_no_others() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &StoreOptions::default()).unwrap();
        let mut set = WriteSet::empty();
        set.put_quarantine(&held(1, "12345", QuarantineState::Retried));
        set.put_quarantine(&held(2, "12345", QuarantineState::Held));
        set.put_quarantine(&held(3, "12315", QuarantineState::Retried));
        store.commit(set).unwrap();
        let ids =
            |channel| store.quarantine_retried(channel).unwrap().iter().map(|e| e.id).collect::<Vec<_>>();
        assert_eq!(ids("12345"), [1]);
        assert_eq!(ids("12315"), [3]);

        let mut set = WriteSet::empty();
        set.put_quarantine(&held(1, "12345", QuarantineState::Released));
        store.commit(set).unwrap();
        assert!(ids("12345").is_empty(), "a released item leaves the list");
    }

    #[test]
    fn a_store_from_before_the_list_gets_it_once_on_open() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &StoreOptions::default()).unwrap();
        let mut set = WriteSet::empty();
        // As an older binary wrote it: the entry alone.
        set.put_raw(keys::quarantine(7), codec::encode(&held(7, "wechat", QuarantineState::Retried)));
        store.commit(set).unwrap();
        assert!(store.quarantine_retried("wechat").unwrap().is_empty());
        store.index_retried_quarantine_once(&crate::engine::WRITE).unwrap();
        assert_eq!(store.quarantine_retried("wechat").unwrap().len(), 1);
    }
}
