//! Key layout of the one sled tree. Every key starts with a one-byte space tag; numbers are
//! big-endian so that byte order is numeric order.
//!
//! | tag | key after the tag                 | value            |
//! |-----|-----------------------------------|------------------|
//! | `m` | meta name                         | meta value       |
//! | `e` | seq                               | event            |
//! | `t` | ticket id                         | ticket           |
//! | `r` | ticket id                         | row summary      |
//! | `x` | channel 0 channel_ticket_id       | ticket id        |
//! | `s` | status tag, ticket id             | -                |
//! | `c` | channel 0 ticket id               | -                |
//! | `u` | unit 0 ticket id                  | -                |
//! | `o` | owner 0 ticket id                 | -                |
//! | `w` | town 0 ticket id                  | -                |
//! | `d` | due millis (order-preserving), id | -                |
//! | `n` | respondent name 0 ticket id       | -                |
//! | `k` | credit code 0 ticket id           | -                |
//! | `p` | phone 0 ticket id                 | -                |

use crate::domain::status::Status;
use crate::domain::ticket::TicketId;
use crate::time::Timestamp;

pub const META: u8 = b'm';
pub const EVENT: u8 = b'e';
pub const TICKET: u8 = b't';
pub const ROW: u8 = b'r';
pub const EXTERNAL: u8 = b'x';
pub const STATUS: u8 = b's';
pub const DEADLINE: u8 = b'd';

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

pub fn status(status: Status, id: TicketId) -> Vec<u8> {
    let mut k = vec![STATUS, status.tag()];
    k.extend_from_slice(&id.0.to_be_bytes());
    k
}

pub fn status_prefix(status: Status) -> Vec<u8> {
    vec![STATUS, status.tag()]
}

pub fn text_index(index: TextIndex, value: &str, id: TicketId) -> Vec<u8> {
    let mut k = text_prefix(index, value);
    k.extend_from_slice(&id.0.to_be_bytes());
    k
}

/// The prefix of every entry for one value; the 0 separator keeps "大良" apart from "大良街道".
pub fn text_prefix(index: TextIndex, value: &str) -> Vec<u8> {
    let mut k = tagged(index.tag(), value.as_bytes());
    k.push(0);
    k
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

    #[test]
    fn a_town_prefix_does_not_match_a_longer_town_name() {
        let k = text_index(TextIndex::Town, "大良街道", TicketId(1));
        assert!(!k.starts_with(&text_prefix(TextIndex::Town, "大良")));
    }
}
