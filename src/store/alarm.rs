//! The deadline alarm index (`a`: each open ticket's next alarm, by instant) and the memory of
//! the alarms raised on each ticket (`A`). Written by the engine in the same batch as the
//! ticket; the scheduler reads the index by range, never by scanning tickets.

use super::keys;
use super::{Result, Store, WriteSet, codec, corrupt};
use crate::domain::alarm::AlarmMemory;
use crate::domain::ticket::TicketId;
use crate::time::Timestamp;

impl WriteSet {
    /// Moves the ticket's alarm index entry from `old` to `new` (either may be absent).
    pub fn put_alarm(&mut self, id: TicketId, old: Option<Timestamp>, new: Option<Timestamp>) {
        if old == new {
            return;
        }
        if let Some(old) = old {
            self.remove_raw(keys::alarm(old, id));
        }
        if let Some(new) = new {
            self.put_raw(keys::alarm(new, id), Vec::new());
        }
    }

    /// Removes one alarm index key as it was read (a stale entry the scheduler met).
    pub fn remove_alarm_key(&mut self, at: Timestamp, id: TicketId) {
        self.remove_raw(keys::alarm(at, id));
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
        let end = keys::alarm(now, TicketId(u64::MAX));
        let mut out = Vec::new();
        for key in self.tree().range(vec![keys::ALARM]..=end).keys().take(limit) {
            let key = key?;
            out.push(keys::parse_alarm(&key).ok_or_else(|| corrupt(&key, "bad alarm key"))?);
        }
        Ok(out)
    }

    /// The earliest pending alarm of any ticket: when the scheduler has work next.
    pub fn next_alarm(&self) -> Result<Option<Timestamp>> {
        let first = self.tree().scan_prefix([keys::ALARM]).keys().next().transpose()?;
        match first {
            Some(k) => Ok(Some(keys::parse_alarm(&k).ok_or_else(|| corrupt(&k, "bad alarm key"))?.0)),
            None => Ok(None),
        }
    }

    /// Every alarm index entry, earliest first.
    pub fn alarms(&self) -> impl Iterator<Item = Result<(Timestamp, TicketId)>> + '_ {
        self.tree().scan_prefix([keys::ALARM]).keys().map(|k| {
            let k = k?;
            keys::parse_alarm(&k).ok_or_else(|| corrupt(&k, "bad alarm key"))
        })
    }
}
