//! The hash chain over the event log: what makes the audit trail tamper-evident.
//!
//! Every event has a link (space `H`, keyed by its sequence number) holding
//! `sha256(previous link ‖ seq ‖ the event's stored bytes)`, the first event's previous link
//! being 32 zero bytes. So each event carries the hash of the one before it, and the last link
//! (the head) stands for the whole log: editing, inserting or removing an event breaks the link
//! where it happened, and recomputing every link after an edit changes the head, which a head
//! recorded outside the store (`audit head`) then no longer matches.
//!
//! The link is written in `Store::apply`, where every event is written, so every write path
//! (commands, ingest, import, backfill) gets it without knowing.

use super::keys;
use super::{Result, Store};
use sha2::{Digest, Sha256};

pub type Hash = [u8; 32];

/// The previous link of the first event.
pub const GENESIS: Hash = [0; 32];

/// The last link of the chain: the event it ends at and its hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Head {
    pub seq: u64,
    pub hash: Hash,
}

impl Head {
    pub fn hex(&self) -> String {
        hex::encode(self.hash)
    }
}

/// The link of the event `seq` whose stored bytes are `record`, after the link `previous`.
pub fn link(previous: &Hash, seq: u64, record: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update(previous);
    h.update(seq.to_be_bytes());
    h.update(record);
    h.finalize().into()
}

/// What a walk of the chain found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every link holds; `head` is None for an empty log. `recorded` is the event whose link
    /// equals the head asked about (`--head`), when one was asked about and found.
    Intact { events: u64, head: Option<Head>, recorded: Option<u64> },
    /// The first link that does not hold, and why.
    Broken { seq: u64, why: String },
    /// Every link holds, yet none equals the recorded head: the chain was recomputed (or the
    /// record belongs to another store).
    HeadNotFound { events: u64, head: Option<Head> },
}

impl Store {
    /// The chain's head as stored: the last link.
    pub fn chain_head(&self) -> Result<Option<Head>> {
        let space = [keys::CHAIN]..[keys::CHAIN + 1];
        let Some((k, v)) = self.tree.range(space).next_back().transpose()? else { return Ok(None) };
        let seq = keys::trailing_u64(&k).ok_or_else(|| super::corrupt(&k, "bad link key"))?;
        let hash: Hash = v.as_ref().try_into().map_err(|_| super::corrupt(&k, "a link is 32 bytes"))?;
        Ok(Some(Head { seq, hash }))
    }

    /// Walks the whole log, recomputing every link, and names the first that does not hold.
    /// With `recorded`, also looks for the link equal to a head recorded earlier.
    pub fn verify_chain(&self, recorded: Option<&Hash>) -> Result<Verdict> {
        let mut events = self.tree.scan_prefix([keys::EVENT]).peekable();
        let mut links = self.tree.scan_prefix([keys::CHAIN]).peekable();
        let mut previous = GENESIS;
        let mut head = None;
        let mut count = 0;
        let mut found = None;
        let seq_of = |k: &[u8]| keys::trailing_u64(k).unwrap_or(0);
        loop {
            let next_event = events.peek().map(|r| r.as_ref().map(|(k, _)| seq_of(k)));
            let next_link = links.peek().map(|r| r.as_ref().map(|(k, _)| seq_of(k)));
            let (e, l) = match (next_event, next_link) {
                (None, None) => break,
                (Some(Err(_)), _) => return Err(events.next().and_then(|r| r.err()).expect("peeked").into()),
                (_, Some(Err(_))) => return Err(links.next().and_then(|r| r.err()).expect("peeked").into()),
                (Some(Ok(e)), Some(Ok(l))) => (Some(e), Some(l)),
                (Some(Ok(e)), None) => (Some(e), None),
                (None, Some(Ok(l))) => (None, Some(l)),
            };
            match (e, l) {
                (Some(e), l) if l.is_none_or(|l| e < l) => {
                    return Ok(broken(e, "the event has no link: it was inserted after the fact"));
                }
                (e, Some(l)) if e.is_none_or(|e| l < e) => {
                    return Ok(broken(l, "the event is missing: it was removed from the log"));
                }
                _ => {}
            }
            let (ek, record) = events.next().expect("peeked")?;
            let (_, stored) = links.next().expect("peeked")?;
            let seq = seq_of(&ek);
            let computed = link(&previous, seq, &record);
            if stored.as_ref() != computed {
                return Ok(broken(seq, "the event or its link was altered"));
            }
            if recorded == Some(&computed) {
                found = Some(seq);
            }
            previous = computed;
            head = Some(Head { seq, hash: computed });
            count += 1;
        }
        Ok(match (recorded, found) {
            (Some(_), None) => Verdict::HeadNotFound { events: count, head },
            _ => Verdict::Intact { events: count, head, recorded: found },
        })
    }

    /// Links every event of a log written before the chain existed, in order.
    pub(super) fn link_existing_events(&self) -> Result<()> {
        let mut previous = GENESIS;
        let mut batch = sled::Batch::default();
        let mut pending = 0;
        for item in self.tree.scan_prefix([keys::EVENT]) {
            let (k, record) = item?;
            let seq = keys::trailing_u64(&k).ok_or_else(|| super::corrupt(&k, "bad event key"))?;
            previous = link(&previous, seq, &record);
            batch.insert(keys::chain(seq), previous.to_vec());
            pending += 1;
            if pending == 1000 {
                self.tree.apply_batch(std::mem::take(&mut batch))?;
                pending = 0;
            }
        }
        self.tree.apply_batch(batch)?;
        Ok(())
    }
}

fn broken(seq: u64, why: &str) -> Verdict {
    Verdict::Broken { seq, why: why.to_string() }
}

/// A head as `audit head` prints it: 64 hex digits.
pub fn parse_head(text: &str) -> Option<Hash> {
    hex::decode(text.trim()).ok()?.try_into().ok()
}
