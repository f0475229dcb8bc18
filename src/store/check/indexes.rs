//! The index blocks, deadline keys and alarm keys of a pass against the entries its tickets call for: every
//! block well formed, readable and non-empty, no entry stale or missing, each ticket in one
//! status. Since schema 4 no ticket calls for a deadline key (its row holds its due instant), so
//! any left is reported stale.

use super::Pass;
use super::describe::show;
use crate::domain::status::Status;
use crate::domain::ticket::TicketId;
use crate::store::Result;
use crate::store::index::{self, BLOCK_SHIFT, BUCKETS, BlockSet, Entry};
use crate::store::keys::{self, TextIndex};
use crate::store::write::Indexed;
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// The index entries the tickets of a pass call for.
pub(super) type Expected = BTreeSet<Indexed>;

/// The index spaces made of blocks: status, then one per text index.
#[derive(Clone, Copy)]
struct BlockSpace {
    tag: u8,
    name: &'static str,
    hashed: bool,
}

fn block_spaces() -> impl Iterator<Item = BlockSpace> {
    let status = BlockSpace { tag: keys::STATUS, name: "status", hashed: false };
    let text = TextIndex::ALL.into_iter().map(|i| BlockSpace {
        tag: i.tag(),
        name: index_name(i),
        hashed: i.is_hashed(),
    });
    std::iter::once(status).chain(text)
}

fn index_name(index: TextIndex) -> &'static str {
    match index {
        TextIndex::Channel => "channel",
        TextIndex::Unit => "unit",
        TextIndex::Owner => "owner",
        TextIndex::Town => "town",
        TextIndex::Respondent => "respondent",
        TextIndex::CreditCode => "credit code",
        TextIndex::Phone => "phone",
    }
}

impl BlockSpace {
    fn of_tag(tag: u8) -> Option<BlockSpace> {
        block_spaces().find(|s| s.tag == tag)
    }

    /// The block number of a well-formed block key of this space: `tag value 0 block` for a
    /// value index (the value of a status block is one status tag), `tag bucket block` for a
    /// hashed one.
    fn block_of_key(self, key: &[u8]) -> Option<u32> {
        let n = key.len();
        let well_formed = if self.hashed {
            n == 7 && u64::from(u16::from_be_bytes([key[1], key[2]])) < BUCKETS
        } else if self.tag == keys::STATUS {
            n == 7 && usize::from(key[1]) < Status::ALL.len() && key[2] == 0
        } else {
            n >= 7 && key[n - 5] == 0
        };
        if well_formed { index::block_number(key) } else { None }
    }

    fn decode(self, bytes: &[u8]) -> Option<BlockSet> {
        if self.hashed { index::decode_hashed(bytes) } else { index::decode_valued(bytes) }
    }

    /// The block's value (value index) or bucket (hashed index), as a person reads it; the key
    /// is well formed.
    fn describe(self, key: &[u8]) -> String {
        if self.hashed {
            format!("{} bucket {}", self.name, u16::from_be_bytes([key[1], key[2]]))
        } else if self.tag == keys::STATUS {
            format!("status={}", Status::ALL[usize::from(key[1])].code())
        } else {
            format!("{}={}", self.name, String::from_utf8_lossy(&key[1..key.len() - 5]))
        }
    }

    fn describe_entry(self, key: &[u8], value: &[u8]) -> String {
        if self.hashed {
            format!("{} value {}", self.describe(key), String::from_utf8_lossy(value))
        } else {
            self.describe(key)
        }
    }
}

/// An expected index entry as a person reads it, with its ticket id (for sorting).
fn describe_indexed(entry: &Indexed) -> (u64, String) {
    match entry {
        Indexed::Block(e) => {
            let space = e.block_key.first().and_then(|tag| BlockSpace::of_tag(*tag));
            let block = index::block_number(&e.block_key);
            match (space, block) {
                (Some(space), Some(block)) if space.block_of_key(&e.block_key).is_some() => {
                    (index::id_at(block, e.offset).0, space.describe_entry(&e.block_key, &e.value))
                }
                _ => (0, format!("{} offset {}", show(&e.block_key), e.offset)),
            }
        }
        Indexed::Key(k) => match (k.first(), keys::parse_deadline(k)) {
            (Some(&keys::ALARM), Some((at, id))) => (id.0, describe_alarm(at)),
            (_, Some((due, id))) => (id.0, describe_due(due)),
            _ => (0, show(k)),
        },
    }
}

fn describe_due(due: crate::time::Timestamp) -> String {
    format!("deadlines at {}", due.rfc3339())
}

fn describe_alarm(at: crate::time::Timestamp) -> String {
    format!("alarms at {}", at.rfc3339())
}

impl Pass<'_> {
    /// The index entries of the range are exactly the expected ones: every entry of every block
    /// that names a ticket of the range, and the deadline keys of the range.
    pub(super) fn check_indexes(
        &mut self,
        mut expected: Expected,
        unknown: &HashSet<TicketId>,
    ) -> Result<()> {
        let mut statuses: BTreeMap<TicketId, Vec<Status>> = BTreeMap::new();
        // Blocks whose entries cannot be told: their expected entries are not reported missing.
        let mut unreadable: HashSet<Vec<u8>> = HashSet::new();
        for space in block_spaces() {
            for item in self.store.tree().scan_prefix([space.tag]) {
                let (k, v) = item?;
                let Some(block) = space.block_of_key(&k) else {
                    if self.first {
                        self.problems.push(format!(
                            "malformed {} index block key {} ({} bytes)",
                            space.name,
                            show(&k),
                            k.len()
                        ));
                    }
                    continue;
                };
                if !self.first && !self.range.meets_block(block) {
                    continue;
                }
                let what = || {
                    let first = index::id_at(block, 0);
                    let last = index::id_at(block, (1 << BLOCK_SHIFT) - 1);
                    format!("index block {} for tickets #{first}..=#{last}", space.describe(&k))
                };
                let set = match space.decode(&v) {
                    Some(set) if set.iter().all(|(offset, _)| *offset < 1 << BLOCK_SHIFT) => set,
                    _ => {
                        if self.first {
                            self.problems.push(format!("unreadable {}", what()));
                        }
                        unreadable.insert(k.to_vec());
                        continue;
                    }
                };
                if set.is_empty() {
                    if self.first {
                        self.problems.push(format!("empty {} (the writer removes empty blocks)", what()));
                    }
                    continue;
                }
                for (offset, value) in set {
                    let id = index::id_at(block, offset);
                    if !self.range.contains(id) {
                        continue;
                    }
                    if space.tag == keys::STATUS {
                        statuses.entry(id).or_default().push(Status::ALL[usize::from(k[1])]);
                    }
                    let described = space.describe_entry(&k, &value);
                    let entry = Indexed::Block(Entry { block_key: k.to_vec(), offset, value });
                    if !expected.remove(&entry) && !unknown.contains(&id) {
                        self.problems.push(format!("#{id} stale in {described}"));
                    }
                }
            }
        }
        for k in self.store.tree().scan_prefix([keys::DEADLINE]).keys() {
            let k = k?;
            let Some((due, id)) = keys::parse_deadline(&k).filter(|_| k.len() == 17) else {
                if self.first {
                    self.problems.push(format!("malformed deadline key {} ({} bytes)", show(&k), k.len()));
                }
                continue;
            };
            if !self.range.contains(id) {
                continue;
            }
            if !expected.remove(&Indexed::Key(k.to_vec())) && !unknown.contains(&id) {
                self.problems.push(format!("#{id} stale in {}", describe_due(due)));
            }
        }
        // The alarm index is compared only when the pass knows the rules it was built with.
        if self.config.is_some() {
            for block in self.store.alarm_blocks() {
                let (k, start, alarms) = block?;
                let Some(start) = start else {
                    if self.first {
                        self.problems.push(format!(
                            "malformed alarm block key {} ({} bytes)",
                            show(&k),
                            k.len()
                        ));
                    }
                    continue;
                };
                let Some(alarms) = alarms else {
                    if self.first {
                        self.problems.push(format!("unreadable alarm block from {}", start.rfc3339()));
                    }
                    continue;
                };
                if alarms.is_empty() && self.first {
                    self.problems.push(format!("empty alarm block from {}", start.rfc3339()));
                }
                for (at, id) in alarms {
                    if self.first && crate::store::alarm::block_key(at) != k {
                        self.problems.push(format!(
                            "#{id}'s alarm at {} is in the block from {}",
                            at.rfc3339(),
                            start.rfc3339()
                        ));
                    }
                    if !self.range.contains(id) {
                        continue;
                    }
                    if !expected.remove(&Indexed::Key(keys::alarm(at, id))) && !unknown.contains(&id) {
                        self.problems.push(format!("#{id} stale in {}", describe_alarm(at)));
                    }
                }
            }
        }
        let mut missing: Vec<(u64, String)> = expected
            .iter()
            .filter(|e| !matches!(e, Indexed::Block(b) if unreadable.contains(&b.block_key)))
            .map(describe_indexed)
            .collect();
        missing.sort();
        for (id, what) in missing {
            self.problems.push(format!("#{id} missing from {what}"));
        }
        for (id, s) in statuses.into_iter().filter(|(_, s)| s.len() > 1) {
            let codes: Vec<&str> = s.iter().map(|s| s.code()).collect();
            self.problems.push(format!(
                "ticket #{id} is in {} status indexes: {}",
                s.len(),
                codes.join(", ")
            ));
        }
        Ok(())
    }
}
