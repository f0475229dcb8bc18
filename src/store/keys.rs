//! Key layout of the one sled tree. Every key starts with a one-byte space tag; numbers are
//! big-endian so that byte order is numeric order.
//!
//! | tag | key after the tag                 | value                                  |
//! |-----|-----------------------------------|----------------------------------------|
//! | `m` | meta name                         | meta value                             |
//! | `e` | seq                               | event, then its link in the hash chain (`chain.rs`) |
//! | `t` | ticket id                         | ticket, or the seq of its creation     |
//! | `r` | ticket id                         | row summary (open tickets only); empty: none, over a run's |
//! | `R` | first seq                         | a run of creations (`run.rs`)          |
//! | `U` | first ticket id                   | the run's first seq and length         |
//! | `x` | channel 0 channel_ticket_id but its last two bytes | those bytes and the ticket id, per id (`external.rs`) |
//! | `d` | due millis (order-preserving), id | - (schema 3 only: dropped by the migration to 4) |
//! | `a` | six-hour block (order-preserving) | each open ticket's next deadline alarm in it: (millis, id) pairs (`alarm.rs`) |
//! | `A` | ticket id                         | deadline alarms raised on it (`AlarmMemory`) |
//! | `s` | status tag 0 block                | index block (see `index.rs`)           |
//! | `c` `u` `o` `w` | value 0 block         | index block: channel, unit, owner, town |
//! | `n` `k` `p` | bucket block              | hashed block: respondent, credit code, phone |
//! | `b` | outbox id                         | outbox entry (effect, attempts, state) |
//! | `B` | next attempt (order-preserving), id | - (pending outbox entries)           |
//! | `q` | quarantine id                     | quarantined payload and reason         |
//! | `Q` | channel 0 quarantine id           | - (items handed back for another read) |
//! | `h` | channel 0 item identity           | the item's quarantine id, times seen, last seen |
//! | `g` | channel                           | the channel's sync cursor              |
//! | `z` | unit id                           | the unit's API token: sha256 hex, issued_at |

use crate::domain::ticket::TicketId;
use crate::time::Timestamp;

pub const META: u8 = b'm';
pub const EVENT: u8 = b'e';
pub const TICKET: u8 = b't';
pub const ROW: u8 = b'r';
pub const EXTERNAL: u8 = b'x';
pub const STATUS: u8 = b's';
pub const DEADLINE: u8 = b'd';
pub const OUTBOX: u8 = b'b';
pub const OUTBOX_DUE: u8 = b'B';
pub const QUARANTINE: u8 = b'q';
pub const QUARANTINE_RETRIED: u8 = b'Q';
pub const QUARANTINE_SIGHTING: u8 = b'h';
pub const CURSOR: u8 = b'g';
pub const UNIT_TOKEN: u8 = b'z';
pub const ALARM: u8 = b'a';
pub const ALARM_MEMORY: u8 = b'A';
pub const RUN: u8 = b'R';
pub const RUN_TICKETS: u8 = b'U';

/// The indexes keyed by a text value, and the CLI filter each serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextIndex {
    Channel,
    Unit,
    Owner,
    Town,
    Respondent,
    CreditCode,
    Phone,
}

impl TextIndex {
    pub const ALL: [TextIndex; 7] = [
        TextIndex::Channel,
        TextIndex::Unit,
        TextIndex::Owner,
        TextIndex::Town,
        TextIndex::Respondent,
        TextIndex::CreditCode,
        TextIndex::Phone,
    ];
    /// Many distinct values: kept in hashed buckets rather than one block range per value.
    pub fn is_hashed(self) -> bool {
        matches!(self, TextIndex::Respondent | TextIndex::CreditCode | TextIndex::Phone)
    }

    pub fn hashed_tag(tag: u8) -> bool {
        TextIndex::ALL.iter().any(|i| i.is_hashed() && i.tag() == tag)
    }

    pub fn tag(self) -> u8 {
        match self {
            TextIndex::Channel => b'c',
            TextIndex::Unit => b'u',
            TextIndex::Owner => b'o',
            TextIndex::Town => b'w',
            TextIndex::Respondent => b'n',
            TextIndex::CreditCode => b'k',
            TextIndex::Phone => b'p',
        }
    }
}

pub fn meta(name: &str) -> Vec<u8> {
    tagged(META, name.as_bytes())
}

pub fn event(seq: u64) -> Vec<u8> {
    tagged(EVENT, &seq.to_be_bytes())
}

pub fn ticket(id: TicketId) -> Vec<u8> {
    tagged(TICKET, &id.0.to_be_bytes())
}

pub fn row(id: TicketId) -> Vec<u8> {
    tagged(ROW, &id.0.to_be_bytes())
}

pub fn external(channel: &str, channel_ticket_id: &str) -> Vec<u8> {
    let mut k = tagged(EXTERNAL, channel.as_bytes());
    k.push(0);
    k.extend_from_slice(channel_ticket_id.as_bytes());
    k
}

pub fn outbox(id: u64) -> Vec<u8> {
    tagged(OUTBOX, &id.to_be_bytes())
}

pub fn quarantine(id: u64) -> Vec<u8> {
    tagged(QUARANTINE, &id.to_be_bytes())
}

/// The prefix of a channel's handed-back quarantine items.
pub fn quarantine_retried_prefix(channel: &str) -> Vec<u8> {
    let mut k = vec![QUARANTINE_RETRIED];
    k.extend_from_slice(channel.as_bytes());
    k.push(0);
    k
}

pub fn quarantine_retried(channel: &str, id: u64) -> Vec<u8> {
    let mut k = quarantine_retried_prefix(channel);
    k.extend_from_slice(&id.to_be_bytes());
    k
}

/// A quarantined item by what it is: its channel and its identity (`id:…` or `sha256:…`).
pub fn quarantine_sighting(channel: &str, identity: &str) -> Vec<u8> {
    let mut k = tagged(QUARANTINE_SIGHTING, channel.as_bytes());
    k.push(0);
    k.extend_from_slice(identity.as_bytes());
    k
}

pub fn cursor(channel: &str) -> Vec<u8> {
    tagged(CURSOR, channel.as_bytes())
}

pub fn unit_token(unit: &str) -> Vec<u8> {
    tagged(UNIT_TOKEN, unit.as_bytes())
}

pub fn outbox_due(at: Timestamp, id: u64) -> Vec<u8> {
    let mut k = deadline(at, TicketId(id));
    k[0] = OUTBOX_DUE;
    k
}

/// A ticket's next deadline alarm: ordered by instant, like the deadline index.
pub fn alarm(at: Timestamp, id: TicketId) -> Vec<u8> {
    let mut k = deadline(at, id);
    k[0] = ALARM;
    k
}

pub fn parse_alarm(key: &[u8]) -> Option<(Timestamp, TicketId)> {
    parse_deadline(key)
}

pub fn alarm_memory(id: TicketId) -> Vec<u8> {
    tagged(ALARM_MEMORY, &id.0.to_be_bytes())
}

pub fn parse_outbox_due(key: &[u8]) -> Option<(Timestamp, u64)> {
    parse_deadline(key).map(|(at, id)| (at, id.0))
}

pub fn deadline(due: Timestamp, id: TicketId) -> Vec<u8> {
    // Flipping the sign bit makes two's-complement order equal unsigned byte order.
    let ordered = (due.millis() as u64) ^ (1 << 63);
    let mut k = tagged(DEADLINE, &ordered.to_be_bytes());
    k.extend_from_slice(&id.0.to_be_bytes());
    k
}

pub fn parse_deadline(key: &[u8]) -> Option<(Timestamp, TicketId)> {
    let due = u64::from_be_bytes(key.get(1..9)?.try_into().ok()?) ^ (1 << 63);
    let id = u64::from_be_bytes(key.get(9..17)?.try_into().ok()?);
    Some((Timestamp::from_millis(due as i64), TicketId(id)))
}

/// The ticket id at the end of any index key.
pub fn trailing_id(key: &[u8]) -> Option<TicketId> {
    let start = key.len().checked_sub(8)?;
    Some(TicketId(u64::from_be_bytes(key[start..].try_into().ok()?)))
}

pub fn trailing_u64(key: &[u8]) -> Option<u64> {
    trailing_id(key).map(|id| id.0)
}

fn tagged(tag: u8, rest: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(1 + rest.len() + 9);
    k.push(tag);
    k.extend_from_slice(rest);
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadline_keys_sort_by_time_then_id() {
        let a = deadline(Timestamp::from_millis(1_000), TicketId(9));
        let b = deadline(Timestamp::from_millis(2_000), TicketId(1));
        let c = deadline(Timestamp::from_millis(-5), TicketId(1));
        assert!(c < a && a < b);
        assert_eq!(parse_deadline(&b), Some((Timestamp::from_millis(2_000), TicketId(1))));
    }
}
