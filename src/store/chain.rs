//! The hash chain over the event log: what makes the audit trail tamper-evident.
//!
//! Every event's stored value is its record followed by its link:
//! `sha256(previous link ‖ seq ‖ record)`, the first event's previous link being 32 zero bytes.
//! So each event carries a hash over the one before it, and the last link (the head) stands for
//! the whole log: editing an event breaks its link, removing one leaves a gap in the numbers,
//! and recomputing every link after an edit changes the head, which a head recorded outside the
//! store (`audit head`) then no longer matches.
//!
//! The link is appended in `Store::apply`, where every event is written, so every write path
//! (commands, ingest, import, backfill) gets it without knowing. It lives in the event's own
//! value rather than a key of its own: a key more per event cost a quarter of the backfill rate.
//! Readers decode the record and never see the link: postcard reads a value's fields and leaves
//! what follows (`codec::tests` holds it to that).

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
    /// The chain's head as stored: the last event's link.
    pub fn chain_head(&self) -> Result<Option<Head>> {
        let space = [keys::EVENT]..[keys::EVENT + 1];
        let own = self.tree.range(space).next_back().transpose()?;
        let own_seq = match &own {
            Some((k, _)) => Some(keys::trailing_u64(k).ok_or_else(|| super::corrupt(k, "bad event key"))?),
            None => None,
        };
        // The last event is in a run when the runs reach further than the events of their own.
        if let Some((last, _)) = self.last_in_runs()?
            && own_seq.is_none_or(|own| last > own)
        {
            let run = self
                .run_of_seq(last)?
                .ok_or_else(|| super::corrupt(&[keys::RUN], "the last run is missing"))?;
            let entry = run.entry(last - run.first_seq)?;
            return Ok(Some(Head { seq: last, hash: entry.link }));
        }
        let (Some((k, v)), Some(seq)) = (own, own_seq) else { return Ok(None) };
        match split(&v) {
            Some((_, hash)) => Ok(Some(Head { seq, hash })),
            None => Err(super::corrupt(&k, "the last event has no link")),
        }
    }

    /// Walks the whole log, recomputing every link, and names the first that does not hold.
    /// With `recorded`, also looks for the link equal to a head recorded earlier.
    pub fn verify_chain(&self, recorded: Option<&Hash>) -> Result<Verdict> {
        let mut previous = GENESIS;
        let mut head = None;
        let mut count = 0;
        let mut found = None;
        let mut expected = 1;
        for item in self.raw_events() {
            let raw = item?;
            let k = &raw.key;
            let seq = raw.seq.ok_or_else(|| super::corrupt(k, "bad event key"))?;
            if seq != expected {
                return Ok(broken(expected, "the event is missing: it was removed from the log"));
            }
            expected = seq + 1;
            let value = match raw.value {
                Ok(value) => value,
                Err(why) => return Ok(broken(seq, &format!("the run holding the event is damaged: {why}"))),
            };
            let Some((record, stored)) = split(&value) else {
                return Ok(broken(seq, "the event has no link: it was written around the program"));
            };
            let computed = link(&previous, seq, record);
            if stored != computed {
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

    /// Links every event of a log written before the chain existed, in order. An event already
    /// linked (a migration cut short and run again) keeps its link.
    pub(super) fn link_existing_events(&self) -> Result<()> {
        let mut previous = GENESIS;
        let mut batch = sled::Batch::default();
        let mut pending = 0;
        for item in self.tree.scan_prefix([keys::EVENT]) {
            let (k, record) = item?;
            let seq = keys::trailing_u64(&k).ok_or_else(|| super::corrupt(&k, "bad event key"))?;
            if let Some((inner, stored)) = split(&record)
                && link(&previous, seq, inner) == stored
            {
                previous = stored;
                continue;
            }
            previous = link(&previous, seq, &record);
            let mut value = record.to_vec();
            value.extend_from_slice(&previous);
            batch.insert(k, value);
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

/// An event's stored value as its record and its link; None when it is too short to hold one.
pub fn split(value: &[u8]) -> Option<(&[u8], Hash)> {
    let at = value.len().checked_sub(32).filter(|at| *at > 0)?;
    let (record, link) = value.split_at(at);
    Some((record, link.try_into().ok()?))
}

fn broken(seq: u64, why: &str) -> Verdict {
    Verdict::Broken { seq, why: why.to_string() }
}

/// A head as `audit head` prints it: 64 hex digits.
pub fn parse_head(text: &str) -> Option<Hash> {
    hex::decode(text.trim()).ok()?.try_into().ok()
}
