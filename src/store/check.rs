//! Consistency check of a whole store (an fsck): the event log replays to the projections, every
//! ticket lists exactly its events, the rows summarise their open tickets, the index blocks hold
//! exactly the entries the tickets call for, and the external keys map each channel ticket to one
//! ticket.
//!
//! Built for a large store: records are read in key order and nothing holds the whole log. The
//! replayed tickets are held in memory, but only those of one range of ticket ids at a time
//! (`TICKETS_PER_PASS`); each further range costs one more scan of the log and of the indexes.
//! An index block covers a fixed range of ids, so a pass decodes only the blocks that meet its
//! range (the first pass decodes all of them, to report the ones that cannot be read).

use super::codec::{self, CodecError};
use super::index::{self, BLOCK_SHIFT, BUCKETS, BlockSet, Entry};
use super::keys::{self, TextIndex};
use super::row::Row;
use super::write::{Indexed, StoredTicket, index_entries};
use super::{Result, Store};
use crate::domain::event::{self, Event};
use crate::domain::status::Status;
use crate::domain::ticket::{Ticket, TicketId};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;

/// Tickets replayed in memory at once. At roughly 2–3 KB a ticket this bounds a pass to a few
/// hundred MB, and a million-ticket store takes ten passes.
pub const TICKETS_PER_PASS: u64 = 100_000;

/// A broken store can break in every record; past this many the rest only counts.
const MAX_PROBLEMS: usize = 1_000;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckReport {
    /// Ticket projections found.
    pub tickets: usize,
    /// Events in the log.
    pub events: usize,
    /// What is wrong, one sentence each; empty for a consistent store.
    pub problems: Vec<String>,
}

impl CheckReport {
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

impl fmt::Display for CheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} tickets, {} events: ", self.tickets, self.events)?;
        if self.is_ok() {
            return write!(f, "consistent");
        }
        write!(f, "{} problems", self.problems.len())?;
        for p in &self.problems {
            write!(f, "\n  - {p}")?;
        }
        Ok(())
    }
}

/// Checks the whole store. Read-only; run it on a store no engine is writing to, or the check
/// may see a command half-way between two scans.
pub fn verify(store: &Store) -> Result<CheckReport> {
    verify_in_passes(store, TICKETS_PER_PASS)
}

/// `verify`, replaying at most `tickets_per_pass` ticket ids in memory at once.
pub fn verify_in_passes(store: &Store, tickets_per_pass: u64) -> Result<CheckReport> {
    let per_pass = tickets_per_pass.max(1);
    let last_id = store.last_ticket_id()?;
    let mut problems = Problems::default();
    let mut totals = Totals::default();
    let mut lo = 0u64;
    loop {
        let hi = lo.saturating_add(per_pass);
        // The last pass takes every id above it too, so that entries naming a ticket beyond the
        // last projection (orphans) are still looked at.
        let range = IdRange { lo, hi: if hi > last_id { None } else { Some(hi) } };
        Pass { store, range, first: lo == 0, problems: &mut problems, totals: &mut totals }.run()?;
        match range.hi {
            Some(hi) => lo = hi,
            None => break,
        }
    }
    Ok(CheckReport { tickets: totals.tickets, events: totals.events, problems: problems.finish() })
}

#[derive(Default)]
struct Problems {
    list: Vec<String>,
    more: usize,
}

impl Problems {
    fn push(&mut self, problem: String) {
        if self.list.len() < MAX_PROBLEMS {
            self.list.push(problem);
        } else {
            self.more += 1;
        }
    }

    fn finish(mut self) -> Vec<String> {
        if self.more > 0 {
            self.list.push(format!("… and {} more problems", self.more));
        }
        self.list
    }
}

#[derive(Default)]
struct Totals {
    tickets: usize,
    events: usize,
}

#[derive(Clone, Copy)]
struct IdRange {
    lo: u64,
    /// Exclusive; None: no upper bound.
    hi: Option<u64>,
}

impl IdRange {
    fn contains(self, id: TicketId) -> bool {
        id.0 >= self.lo && self.hi.is_none_or(|hi| id.0 < hi)
    }

    /// Whether some id of index block `block` lies in the range.
    fn meets_block(self, block: u32) -> bool {
        let first = u64::from(block) << BLOCK_SHIFT;
        let end = first + (1 << BLOCK_SHIFT);
        end > self.lo && self.hi.is_none_or(|hi| first < hi)
    }

    fn keys_of(self, tag: u8) -> (Vec<u8>, Vec<u8>) {
        let start = tagged_id(tag, self.lo);
        let end = match self.hi {
            Some(hi) => tagged_id(tag, hi),
            None => vec![tag + 1],
        };
        (start, end)
    }
}

fn tagged_id(tag: u8, id: u64) -> Vec<u8> {
    let mut k = vec![tag];
    k.extend_from_slice(&id.to_be_bytes());
    k
}

/// One ticket's share of the log, folded as far as it goes.
#[derive(Default)]
struct Replay {
    ticket: Option<Ticket>,
    seqs: Vec<u64>,
    /// The name of the first event, which says how the ticket came to be.
    created_by: Option<&'static str>,
    /// An event did not apply; the fold stopped there and the projection cannot be compared.
    broken: bool,
}

impl Replay {
    /// The replayed ticket, when every event applied.
    fn folded(&self) -> Option<&Ticket> {
        self.ticket.as_ref().filter(|_| !self.broken)
    }
}

/// Registered and backfilled tickets own their channel's id; a split-out part shares its
/// original's and owns none.
fn owns_external_id(created_by: Option<&str>) -> bool {
    matches!(created_by, Some("registered" | "backfilled"))
}

/// The index entries the tickets of a pass call for.
type Expected = BTreeSet<Indexed>;
type Identities = HashMap<TicketId, Identity>;

/// What a ticket says about its channel ticket id.
struct Identity {
    channel: String,
    channel_ticket_id: String,
    created_by: Option<&'static str>,
}

/// What the projections of a pass call for.
#[derive(Default)]
struct Projections {
    expected: Expected,
    identities: Identities,
    /// Tickets whose projection could not be read nor stood in for by a replay: what their rows
    /// and index entries should be is unknown, so those are not reported on.
    unknown: HashSet<TicketId>,
}

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
        Indexed::Key(k) => match keys::parse_deadline(k) {
            Some((due, id)) => (id.0, describe_due(due)),
            None => (0, show(k)),
        },
    }
}

fn describe_due(due: crate::time::Timestamp) -> String {
    format!("deadlines at {}", due.rfc3339())
}

struct Pass<'a> {
    store: &'a Store,
    range: IdRange,
    /// The store-wide checks (sequence, undecodable records, malformed keys, unreadable blocks)
    /// are made once, in the first pass.
    first: bool,
    problems: &'a mut Problems,
    totals: &'a mut Totals,
}

impl Pass<'_> {
    fn run(mut self) -> Result<()> {
        let mut replays = self.replay_log()?;
        let projections = self.check_projections(&mut replays)?;
        self.check_external_keys(&projections.identities)?;
        for (id, r) in replays {
            self.problems.push(format!(
                "the log has events {} of ticket #{id}, which has no projection",
                seq_list(&r.seqs)
            ));
        }
        self.check_indexes(projections.expected, &projections.unknown)
    }

    /// Folds the log, in seq order, into the tickets of this pass's range.
    fn replay_log(&mut self) -> Result<BTreeMap<TicketId, Replay>> {
        let mut replays: BTreeMap<TicketId, Replay> = BTreeMap::new();
        let mut next_seq = 1u64;
        for item in self.store.tree().scan_prefix([keys::EVENT]) {
            let (k, v) = item?;
            let Some(seq) = keys::trailing_u64(&k).filter(|_| k.len() == 9) else {
                if self.first {
                    self.problems.push(format!("malformed event key {}", show(&k)));
                }
                continue;
            };
            if self.first {
                self.totals.events += 1;
                if seq != next_seq {
                    self.problems.push(format!("the log has no event {}", span(next_seq, seq - 1)));
                }
                next_seq = seq + 1;
            }
            let event: Event = match codec::decode(&v) {
                Ok(e) => e,
                Err(e) => {
                    if self.first {
                        self.problems.push(format!("event {seq} is unreadable: {e}"));
                    }
                    continue;
                }
            };
            if self.first && event.seq != seq {
                self.problems.push(format!("the event stored as seq {seq} says it is seq {}", event.seq));
            }
            if !self.range.contains(event.ticket) {
                continue;
            }
            let r = replays.entry(event.ticket).or_default();
            r.seqs.push(seq);
            if r.broken {
                continue;
            }
            r.created_by.get_or_insert(event.body.name());
            let before = r.ticket.as_ref().map(|t| t.status);
            if event.before != before {
                self.problems.push(format!(
                    "event {seq} ({}) of ticket #{} says it found the ticket {}, but replay has it {}",
                    event.body.name(),
                    event.ticket,
                    status_text(event.before),
                    status_text(before),
                ));
            }
            match event::apply(r.ticket.take(), &event) {
                Some(t) => r.ticket = Some(t),
                None => {
                    r.broken = true;
                    self.problems.push(format!(
                        "event {seq} ({}) does not apply to ticket #{} as replayed so far ({})",
                        event.body.name(),
                        event.ticket,
                        status_text(before),
                    ));
                }
            }
        }
        Ok(replays)
    }

    /// Every external key names a ticket of this channel id that owns it.
    fn check_external_keys(&mut self, identities: &Identities) -> Result<()> {
        for item in self.store.tree().scan_prefix([keys::EXTERNAL]) {
            let (k, v) = item?;
            let Some(id) = <[u8; 8]>::try_from(v.as_ref()).ok().map(|b| TicketId(u64::from_be_bytes(b)))
            else {
                if self.first {
                    self.problems.push(format!("external key {} holds no ticket id", show(&k)));
                }
                continue;
            };
            if !self.range.contains(id) {
                continue;
            }
            let Some((channel, ext)) = parse_external(&k) else {
                self.problems.push(format!("malformed external key {} (→ #{id})", show(&k)));
                continue;
            };
            let Some(t) = identities.get(&id) else {
                self.problems
                    .push(format!("external key {channel}:{ext} names #{id}, which has no readable ticket"));
                continue;
            };
            if (t.channel.as_str(), t.channel_ticket_id.as_str()) != (channel.as_str(), ext.as_str()) {
                self.problems.push(format!(
                    "external key {channel}:{ext} names #{id}, which is {}:{}",
                    t.channel, t.channel_ticket_id
                ));
            }
            if !owns_external_id(t.created_by) {
                self.problems.push(format!(
                    "external key {channel}:{ext} names #{id}, which was not registered but {}",
                    t.created_by.unwrap_or("never created")
                ));
            }
        }
        Ok(())
    }

    /// Compares each projection and row of the range with its replay; returns the index entries
    /// and the external ids the tickets call for.
    fn check_projections(&mut self, replays: &mut BTreeMap<TicketId, Replay>) -> Result<Projections> {
        let mut out = Projections::default();
        let mut seen = HashSet::new();
        let (start, end) = self.range.keys_of(keys::TICKET);
        for item in self.store.tree().range(start..end) {
            let (k, v) = item?;
            let Some(id) = keys::trailing_id(&k).filter(|_| k.len() == 9) else {
                self.problems.push(format!("malformed ticket key {}", show(&k)));
                continue;
            };
            seen.insert(id);
            self.totals.tickets += 1;
            let replay = replays.remove(&id);
            if replay.is_none() {
                self.problems.push(format!("ticket #{id} has no events in the log"));
            }
            let projection = self.projection(id, &v, replay.as_ref())?;
            // A projection that cannot be used (unreadable, or another ticket's) is stood in for
            // by the replay, so that the row and index checks still say what is missing.
            let Some(t) = projection.or_else(|| replay.as_ref().and_then(|r| r.folded().cloned())) else {
                out.unknown.insert(id);
                continue;
            };
            let created_by = replay.as_ref().and_then(|r| r.created_by);
            out.identities.insert(
                id,
                Identity {
                    channel: t.intake.channel.clone(),
                    channel_ticket_id: t.intake.channel_ticket_id.clone(),
                    created_by,
                },
            );
            if owns_external_id(created_by) {
                self.check_owned_external(&t)?;
            }
            let row = self.check_row(&t)?;
            out.expected.extend(index_entries(&t, &row));
        }
        let (start, end) = self.range.keys_of(keys::ROW);
        for k in self.store.tree().range(start..end).keys() {
            let k = k?;
            if let Some(id) = keys::trailing_id(&k).filter(|id| !seen.contains(id)) {
                self.problems.push(format!("row #{id} has no ticket"));
            }
        }
        Ok(out)
    }

    /// Reads the `t` record of ticket `id` as `Store::ticket` does, checks its form (a stub
    /// exactly for a ticket with only its creation event) and compares it with the replay.
    /// Returns the ticket when it is usable for the row and index checks.
    fn projection(&mut self, id: TicketId, raw: &[u8], replay: Option<&Replay>) -> Result<Option<Ticket>> {
        let stored = match decode_stored(raw) {
            Ok(s) => s,
            Err(e) => {
                self.problems.push(format!("ticket #{id} is unreadable: {e}"));
                return Ok(None);
            }
        };
        match stored {
            StoredTicket::Full(t) => {
                if t.id != id {
                    self.problems.push(format!("the ticket stored as #{id} says it is #{}", t.id));
                    return Ok(None);
                }
                if let [seq] = t.events.as_slice() {
                    self.problems.push(format!(
                        "ticket #{id} is stored in full, but has only its creation event {seq} and should be \
                         stored as that event"
                    ));
                }
                if let Some(r) = replay {
                    if r.seqs != t.events {
                        self.problems.push(format!(
                            "ticket #{id} lists events {} but the log has {} for it",
                            seq_list(&t.events),
                            seq_list(&r.seqs)
                        ));
                    }
                    self.compare_with_replay(&t, r);
                }
                Ok(Some(*t))
            }
            StoredTicket::AtCreation { seq } => {
                if let Some(r) = replay.filter(|r| r.seqs != [seq]) {
                    self.problems.push(format!(
                        "ticket #{id} is stored as its creation event {seq}, but the log has events {} for it",
                        seq_list(&r.seqs)
                    ));
                    return Ok(None);
                }
                match self.store.ticket(id) {
                    Ok(Some(t)) if t.id == id => {
                        if let Some(r) = replay {
                            self.compare_with_replay(&t, r);
                        }
                        Ok(Some(t))
                    }
                    Ok(Some(t)) => {
                        self.problems.push(format!(
                            "ticket #{id} is stored as event {seq}, which creates ticket #{}",
                            t.id
                        ));
                        Ok(None)
                    }
                    // Written since the scan began: the check runs on a store nobody writes to.
                    Ok(None) => Ok(None),
                    Err(e) => {
                        // A missing or non-creating event was reported with the log.
                        if replay.is_some_and(|r| r.folded().is_some()) {
                            self.problems
                                .push(format!("ticket #{id} (stored as event {seq}) cannot be read: {e}"));
                        }
                        Ok(None)
                    }
                }
            }
        }
    }

    fn compare_with_replay(&mut self, t: &Ticket, r: &Replay) {
        if let Some(replayed) = r.folded().filter(|replayed| *replayed != t) {
            self.problems.push(format!(
                "ticket #{} differs from the replay of its events in: {}",
                t.id,
                ticket_diff(replayed, t).join(", ")
            ));
        }
    }

    /// The ticket's row, checked: stored and summarising the ticket while it is open, absent once
    /// it is finished. A stand-in when it is missing or unreadable, so that the index check
    /// still runs.
    fn check_row(&mut self, t: &Ticket) -> Result<Row> {
        let id = t.id;
        let raw = self.store.tree().get(keys::row(id))?;
        if !t.status.is_open() {
            if raw.is_some() {
                self.problems.push(format!(
                    "ticket #{id} is finished ({}) but has a row; only open tickets keep one",
                    t.status.code()
                ));
            }
            return Ok(Row::of(t, None));
        }
        let stored = match raw {
            None => {
                self.problems.push(format!("ticket #{id} has no row"));
                None
            }
            Some(v) => match codec::decode::<Row>(&v) {
                Ok(row) => Some(row),
                Err(e) => {
                    self.problems.push(format!("row #{id} is unreadable: {e}"));
                    None
                }
            },
        };
        let Some(row) = stored else { return Ok(Row::of(t, None)) };
        let want = Row::of(t, row.earliest_due);
        if row != want {
            self.problems.push(format!(
                "row #{id} does not summarise its ticket in: {}",
                row_diff(&want, &row).join(", ")
            ));
        }
        if row.earliest_due.is_some() {
            // The same conditions as the engine's earliest_due: without a running, unpaused clock
            // there is nothing to be due, whatever the calendar says.
            let running =
                t.clocks.iter().any(|c| c.stopped_at.is_none() && c.pauses.iter().all(|p| p.to.is_some()));
            if t.status.is_terminal() || !running {
                self.problems.push(format!(
                    "row #{id} has a deadline but the ticket ({}) has no running clock",
                    t.status.code()
                ));
            }
        }
        Ok(row)
    }

    fn check_owned_external(&mut self, t: &Ticket) -> Result<()> {
        let (channel, ext) = (&t.intake.channel, &t.intake.channel_ticket_id);
        match self.store.tree().get(keys::external(channel, ext))? {
            None => self.problems.push(format!("ticket #{} has no external key {channel}:{ext}", t.id)),
            Some(v) => {
                let target = <[u8; 8]>::try_from(v.as_ref()).ok().map(u64::from_be_bytes);
                // A value that is not an id was reported by the scan of the external keys.
                if let Some(other) = target.filter(|other| *other != t.id.0) {
                    self.problems.push(format!(
                        "ticket #{} is {channel}:{ext}, but that external key names #{other}",
                        t.id
                    ));
                }
            }
        }
        Ok(())
    }

    /// The index entries of the range are exactly the expected ones: every entry of every block
    /// that names a ticket of the range, and the deadline keys of the range.
    fn check_indexes(&mut self, mut expected: Expected, unknown: &HashSet<TicketId>) -> Result<()> {
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

/// A `t` record as `Store::ticket` reads it: schema 1 stored the ticket itself.
fn decode_stored(raw: &[u8]) -> Result<StoredTicket, CodecError> {
    if codec::version_of(raw) == Some(codec::JSON_V1) {
        codec::decode::<Ticket>(raw).map(|t| StoredTicket::Full(Box::new(t)))
    } else {
        codec::decode(raw)
    }
}

fn parse_external(key: &[u8]) -> Option<(String, String)> {
    let rest = key.get(1..)?;
    let zero = rest.iter().position(|b| *b == 0)?;
    let channel = std::str::from_utf8(&rest[..zero]).ok()?;
    let ext = std::str::from_utf8(&rest[zero + 1..]).ok()?;
    Some((channel.to_string(), ext.to_string()))
}

fn show(key: &[u8]) -> String {
    String::from_utf8_lossy(key).chars().map(|c| if c.is_control() { '·' } else { c }).collect()
}

fn status_text(s: Option<Status>) -> &'static str {
    s.map(|s| s.code()).unwrap_or("not yet existing")
}

fn span(from: u64, to: u64) -> String {
    if from == to { format!("{from}") } else { format!("{from}..={to}") }
}

/// A seq list for a message: short lists whole, long ones by their ends.
fn seq_list(seqs: &[u64]) -> String {
    let show = |s: &[u64]| s.iter().map(u64::to_string).collect::<Vec<_>>().join(",");
    if seqs.len() <= 12 {
        format!("[{}]", show(seqs))
    } else {
        format!("[{} … {}] ({} events)", show(&seqs[..5]), show(&seqs[seqs.len() - 5..]), seqs.len())
    }
}

fn ticket_diff(a: &Ticket, b: &Ticket) -> Vec<&'static str> {
    let mut out = Vec::new();
    let mut field = |name, same: bool| {
        if !same {
            out.push(name);
        }
    };
    field("id", a.id == b.id);
    field("kind", a.kind == b.kind);
    field("status", a.status == b.status);
    field("intake", a.intake == b.intake);
    field("complainant", a.complainant == b.complainant);
    field("respondent", a.respondent == b.respondent);
    field("dispute", a.dispute == b.dispute);
    field("workflow", a.workflow == b.workflow);
    field("clocks", a.clocks == b.clocks);
    field("notes", a.notes == b.notes);
    field("attachments", a.attachments == b.attachments);
    field("flags", a.flags == b.flags);
    field("events", a.events == b.events);
    field("created_at", a.created_at == b.created_at);
    field("updated_at", a.updated_at == b.updated_at);
    out
}

fn row_diff(a: &Row, b: &Row) -> Vec<&'static str> {
    let mut out = Vec::new();
    let mut field = |name, same: bool| {
        if !same {
            out.push(name);
        }
    };
    field("id", a.id == b.id);
    field("kind", a.kind == b.kind);
    field("status", a.status == b.status);
    field("channel", a.channel == b.channel);
    field("channel_ticket_id", a.channel_ticket_id == b.channel_ticket_id);
    field("received_at", a.received_at == b.received_at);
    field("title", a.title == b.title);
    field("town", a.town == b.town);
    field("respondent_name", a.respondent_name == b.respondent_name);
    field("category", a.category == b.category);
    field("unit", a.unit == b.unit);
    field("owner", a.owner == b.owner);
    field("flags", a.flags == b.flags);
    field("clocks", a.clocks == b.clocks);
    field("updated_at", a.updated_at == b.updated_at);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config;
    use crate::domain::action::TicketAction;
    use crate::domain::ticket::{Complainant, Dispute, Intake, Kind, NewTicket, Respondent};
    use crate::engine::{Command, Engine, Envelope, Outcome};
    use crate::store::index::{decode_hashed, decode_valued, encode_hashed, encode_valued};
    use crate::time::{Clock, Timestamp};
    use std::sync::Arc;

    fn new_ticket(channel: &str, ext: &str) -> NewTicket {
        NewTicket {
            kind: Some(Kind::Complaint),
            intake: Intake {
                channel: channel.into(),
                channel_ticket_id: ext.into(),
                received_at: Timestamp::parse("2026-03-02 09:10"),
                caller_number: Some("0757-2221 3344".into()),
                town: Some("大良街道".into()),
                ..Intake::default()
            },
            complainant: Complainant {
                name: Some("陈美玲".into()),
                phone: Some("13800138000".into()),
                address: Some("佛山市顺德区大良街道新桂路8号".into()),
                ..Complainant::default()
            },
            respondent: Respondent {
                name: Some("顺德区大良美家电器商行".into()),
                address: Some("大良街道清晖路12号".into()),
                ..Respondent::default()
            },
            dispute: Dispute {
                title: "空调安装后不制冷，商家拒绝退换".into(),
                request: Some("退货退款".into()),
                facts: Some("2月购买空调一台，安装后一直不制冷".into()),
                ..Dispute::default()
            },
            attachments: Vec::new(),
        }
    }

    fn run(engine: &mut Engine, command: Command) -> Outcome {
        engine.execute(Envelope { actor: "clerk:lin".into(), command }).unwrap()
    }

    fn act(engine: &mut Engine, ticket: u64, action: TicketAction) -> Outcome {
        run(engine, Command::Act { ticket: TicketId(ticket), action })
    }

    /// Four registered tickets and a split-out part, 5 tickets and 10 events in all:
    /// - #1 (events 1,4,5,6) triaged, dispatched to daliang and assigned to lin: stored in full;
    /// - #2 (events 2,7) split, #4 (event 8) the part split out of it: in full, and a stub;
    /// - #3 (event 3) only registered: a stub;
    /// - #5 (events 9,10) returned to its channel: finished, so it has no row.
    fn sample_store(dir: &std::path::Path) -> Engine {
        let config = Arc::new(config::load(None).unwrap());
        let clock = Clock::Fixed(Timestamp::parse("2026-03-02 10:00").unwrap());
        let mut engine = Engine::open(dir, config, clock).unwrap();
        for ext in ["GD-2026-0001", "GD-2026-0002", "GD-2026-0003"] {
            run(&mut engine, Command::Register(Box::new(new_ticket("12345", ext))));
        }
        act(
            &mut engine,
            1,
            TicketAction::Triage {
                kind: Kind::Complaint,
                category: Some("家用电器".into()),
                dispute_type: None,
            },
        );
        act(&mut engine, 1, TicketAction::Dispatch { unit: "daliang".into() });
        act(&mut engine, 1, TicketAction::Assign { owner: Some("lin".into()) });
        act(
            &mut engine,
            2,
            TicketAction::Split { kind: Kind::Report, note: Some("另有虚假宣传线索".into()) },
        );
        run(&mut engine, Command::Register(Box::new(new_ticket("12345", "GD-2026-0004"))));
        act(&mut engine, 5, TicketAction::ReturnToChannel { reason: "wrong_type".into(), note: None });
        engine
    }

    fn problems_with(report: &CheckReport, text: &str) -> usize {
        report.problems.iter().filter(|p| p.contains(text)).count()
    }

    fn stored(store: &Store, id: u64) -> StoredTicket {
        decode_stored(&store.tree().get(keys::ticket(TicketId(id))).unwrap().unwrap()).unwrap()
    }

    fn put_stored(store: &Store, id: u64, stored: &StoredTicket) {
        store.tree().insert(keys::ticket(TicketId(id)), codec::encode(stored)).unwrap();
    }

    /// Rewrites one index block, as the writer encodes it (an empty set is written, not removed).
    fn edit_block(store: &Store, key: &[u8], edit: impl FnOnce(&mut BlockSet)) {
        let hashed = TextIndex::hashed_tag(key[0]);
        let mut set = match store.tree().get(key).unwrap() {
            Some(v) if hashed => decode_hashed(&v).unwrap(),
            Some(v) => decode_valued(&v).unwrap(),
            None => BlockSet::new(),
        };
        edit(&mut set);
        let bytes = if hashed { encode_hashed(&set) } else { encode_valued(&set) };
        store.tree().insert(key, bytes).unwrap();
    }

    fn valued_key(tag: u8, value: &[u8], id: u64) -> Vec<u8> {
        Entry::valued(tag, value, TicketId(id)).block_key
    }

    #[test]
    fn a_store_written_by_the_engine_is_consistent_in_one_pass_or_many() {
        let dir = tempfile::tempdir().unwrap();
        let engine = sample_store(dir.path());
        let store = engine.store();
        let report = verify(store).unwrap();
        assert!(report.is_ok(), "{report}");
        assert_eq!((report.tickets, report.events), (5, 10));
        for per_pass in [1, 2, 3] {
            assert_eq!(verify_in_passes(store, per_pass).unwrap(), report);
        }
        // The sample has every form the checker tells apart.
        assert_eq!(stored(store, 3), StoredTicket::AtCreation { seq: 3 });
        assert_eq!(stored(store, 4), StoredTicket::AtCreation { seq: 8 });
        assert!(matches!(stored(store, 1), StoredTicket::Full(_)));
        assert_eq!(store.ticket(TicketId(5)).unwrap().unwrap().status, Status::ReturnedToChannel);
        assert!(store.row(TicketId(5)).unwrap().is_none() && store.row(TicketId(3)).unwrap().is_some());
    }

    #[test]
    fn an_empty_store_is_consistent() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &Default::default()).unwrap();
        assert_eq!(verify(&store).unwrap(), CheckReport::default());
    }

    #[test]
    fn missing_and_stale_block_entries_are_found_in_every_pass() {
        let dir = tempfile::tempdir().unwrap();
        let engine = sample_store(dir.path());
        let store = engine.store();
        // The unit block loses #1 and gains #3.
        edit_block(store, &valued_key(b'u', b"daliang", 1), |set| {
            assert!(set.remove(&(1, vec![])));
            set.insert((3, vec![]));
        });
        // Entries for tickets that do not exist, in block 0 and in block 1.
        edit_block(store, &valued_key(b'o', b"lin", 99), |set| {
            set.insert((99, vec![]));
        });
        edit_block(store, &valued_key(b'o', b"wang", 5_000), |set| {
            set.insert((5_000 % 4096, vec![]));
        });
        // #3 in a second status; #2 out of its own.
        edit_block(store, &valued_key(keys::STATUS, &[Status::Closed.tag()], 3), |set| {
            set.insert((3, vec![]));
        });
        edit_block(store, &valued_key(keys::STATUS, &[Status::Registered.tag()], 2), |set| {
            assert!(set.remove(&(2, vec![])));
        });
        // A phone #3 never had, in the bucket that number hashes to.
        let phone = Entry::hashed(b'p', "13900001111", TicketId(3));
        let bucket = index::bucket_of(b"13900001111");
        edit_block(store, &phone.block_key, |set| {
            set.insert((3, b"13900001111".to_vec()));
        });
        for per_pass in [1, 2, TICKETS_PER_PASS] {
            let report = verify_in_passes(store, per_pass).unwrap();
            for problem in [
                "#1 missing from unit=daliang",
                "#3 stale in unit=daliang",
                "#99 stale in owner=lin",
                "#5000 stale in owner=wang",
                "#3 stale in status=closed",
                "ticket #3 is in 2 status indexes: registered, closed",
                "#2 missing from status=registered",
                &format!("#3 stale in phone bucket {bucket} value 13900001111"),
            ] {
                assert_eq!(problems_with(&report, problem), 1, "{problem} in {per_pass}:\n{report}");
            }
            assert_eq!(report.problems.len(), 8, "{report}");
        }
    }

    #[test]
    fn unreadable_empty_and_malformed_blocks_are_found_once() {
        let dir = tempfile::tempdir().unwrap();
        let engine = sample_store(dir.path());
        let store = engine.store();
        let tree = store.tree();
        tree.insert(valued_key(b'w', "大良街道".as_bytes(), 1), vec![7, 1, 2]).unwrap();
        let phone = Entry::hashed(b'p', "13800138000", TicketId(1)).block_key;
        tree.insert(phone.as_slice(), vec![0, 1, 9, 1]).unwrap();
        edit_block(store, &valued_key(b'o', b"wang", 1), |_| {});
        // A sparse block naming an offset past the end of a block.
        let mut past_end = vec![0];
        past_end.extend_from_slice(&5_000u16.to_be_bytes());
        tree.insert(valued_key(b'c', b"12315", 1), past_end).unwrap();
        tree.insert(b"c12345", vec![0, 0, 1]).unwrap();
        tree.insert([keys::STATUS, 99, 0, 0, 0, 0, 0], vec![0, 0, 1]).unwrap();
        let bucket = index::bucket_of(b"13800138000");
        for per_pass in [1, 2, TICKETS_PER_PASS] {
            let report = verify_in_passes(store, per_pass).unwrap();
            for problem in [
                "unreadable index block town=大良街道 for tickets #0..=#4095",
                &format!("unreadable index block phone bucket {bucket} for tickets #0..=#4095"),
                "unreadable index block channel=12315 for tickets #0..=#4095",
                "empty index block owner=wang for tickets #0..=#4095",
                "malformed channel index block key c12345 (6 bytes)",
                "malformed status index block key",
            ] {
                assert_eq!(problems_with(&report, problem), 1, "{problem} in {per_pass}:\n{report}");
            }
            // The entries of an unreadable block are not reported missing one by one.
            assert_eq!(report.problems.len(), 6, "{report}");
        }
    }

    #[test]
    fn a_projection_that_drifted_from_its_events_is_found() {
        let dir = tempfile::tempdir().unwrap();
        let engine = sample_store(dir.path());
        let store = engine.store();
        let mut t = store.ticket(TicketId(1)).unwrap().unwrap();
        t.workflow.owner = Some("zhang".into());
        put_stored(store, 1, &StoredTicket::Full(Box::new(t)));
        let report = verify(store).unwrap();
        for problem in [
            "ticket #1 differs from the replay of its events in: workflow",
            "row #1 does not summarise its ticket in: owner",
            "#1 missing from owner=zhang",
            "#1 stale in owner=lin",
        ] {
            assert_eq!(problems_with(&report, problem), 1, "{problem}:\n{report}");
        }
        assert_eq!(report.problems.len(), 4, "{report}");
    }

    #[test]
    fn a_stub_that_is_not_the_ticket_s_only_event_and_a_ticket_stored_in_full_needlessly_are_found() {
        let dir = tempfile::tempdir().unwrap();
        let engine = sample_store(dir.path());
        let store = engine.store();
        // #3 as the registration of #1: the replay stands in, so its row and indexes still check.
        put_stored(store, 3, &StoredTicket::AtCreation { seq: 1 });
        // #1 cut back to its creation.
        put_stored(store, 1, &StoredTicket::AtCreation { seq: 1 });
        // #4, the split-out part, written in full.
        let part = store.ticket(TicketId(4)).unwrap().unwrap();
        put_stored(store, 4, &StoredTicket::Full(Box::new(part)));
        for per_pass in [1, TICKETS_PER_PASS] {
            let report = verify_in_passes(store, per_pass).unwrap();
            for problem in [
                "ticket #3 is stored as its creation event 1, but the log has events [3] for it",
                "ticket #1 is stored as its creation event 1, but the log has events [1,4,5,6] for it",
                "ticket #4 is stored in full, but has only its creation event 8",
            ] {
                assert_eq!(problems_with(&report, problem), 1, "{problem}:\n{report}");
            }
            assert_eq!(report.problems.len(), 3, "{report}");
        }
    }

    #[test]
    fn a_stub_of_an_event_that_creates_another_ticket_is_found() {
        let dir = tempfile::tempdir().unwrap();
        let engine = sample_store(dir.path());
        let store = engine.store();
        // #3's own event is gone and its stub names the registration of #2.
        store.tree().remove(keys::event(3)).unwrap();
        put_stored(store, 3, &StoredTicket::AtCreation { seq: 2 });
        let report = verify(store).unwrap();
        assert_eq!(problems_with(&report, "the log has no event 3"), 1, "{report}");
        assert_eq!(problems_with(&report, "ticket #3 has no events in the log"), 1, "{report}");
        assert_eq!(
            problems_with(&report, "ticket #3 is stored as event 2, which creates ticket #2"),
            1,
            "{report}"
        );
    }

    #[test]
    fn a_gap_in_the_log_and_a_ticket_listing_other_events_are_found() {
        let dir = tempfile::tempdir().unwrap();
        let engine = sample_store(dir.path());
        let store = engine.store();
        // Seq 5 is the dispatch of ticket 1.
        store.tree().remove(keys::event(5)).unwrap();
        let report = verify(store).unwrap();
        assert_eq!(report.events, 9);
        assert_eq!(problems_with(&report, "the log has no event 5"), 1, "{report}");
        assert_eq!(
            problems_with(&report, "ticket #1 lists events [1,4,5,6] but the log has [1,4,6]"),
            1,
            "{report}"
        );
    }

    #[test]
    fn events_without_a_projection_and_an_event_that_cannot_apply_are_found() {
        let dir = tempfile::tempdir().unwrap();
        let engine = sample_store(dir.path());
        let store = engine.store();
        let mut registered = store.event(1).unwrap().unwrap();
        registered.seq = 11;
        registered.ticket = TicketId(7);
        store.tree().insert(keys::event(11), codec::encode(&registered)).unwrap();
        registered.seq = 12;
        registered.ticket = TicketId(2);
        store.tree().insert(keys::event(12), codec::encode(&registered)).unwrap();
        let report = verify(store).unwrap();
        assert_eq!(
            problems_with(&report, "the log has events [11] of ticket #7, which has no projection"),
            1,
            "{report}"
        );
        assert_eq!(
            problems_with(&report, "event 12 (registered) does not apply to ticket #2"),
            1,
            "{report}"
        );
        assert_eq!(
            problems_with(&report, "ticket #2 lists events [2,7] but the log has [2,7,12]"),
            1,
            "{report}"
        );
    }

    #[test]
    fn external_keys_must_name_the_registered_ticket_and_only_it() {
        let dir = tempfile::tempdir().unwrap();
        let engine = sample_store(dir.path());
        let store = engine.store();
        let tree = store.tree();
        tree.remove(keys::external("12345", "GD-2026-0003")).unwrap();
        // Ticket 4 is the part split out of ticket 2.
        tree.insert(keys::external("12345", "GD-2026-0002"), 4u64.to_be_bytes().to_vec()).unwrap();
        tree.insert(keys::external("12315", "GD-2026-0001"), 1u64.to_be_bytes().to_vec()).unwrap();
        let report = verify(store).unwrap();
        assert_eq!(problems_with(&report, "ticket #3 has no external key 12345:GD-2026-0003"), 1, "{report}");
        assert_eq!(
            problems_with(&report, "ticket #2 is 12345:GD-2026-0002, but that external key names #4"),
            1,
            "{report}"
        );
        assert_eq!(problems_with(&report, "names #4, which was not registered but split_out"), 1, "{report}");
        assert_eq!(
            problems_with(&report, "external key 12315:GD-2026-0001 names #1, which is 12345:GD-2026-0001"),
            1,
            "{report}"
        );
        assert_eq!(report.problems.len(), 4, "{report}");
    }

    #[test]
    fn a_missing_row_a_row_of_a_finished_ticket_and_a_deadline_without_a_clock_are_found() {
        let dir = tempfile::tempdir().unwrap();
        let engine = sample_store(dir.path());
        let store = engine.store();
        store.tree().remove(keys::row(TicketId(3))).unwrap();
        let merged = store.ticket(TicketId(5)).unwrap().unwrap();
        store.tree().insert(keys::row(TicketId(5)), codec::encode(&Row::of(&merged, None))).unwrap();
        let mut t = store.ticket(TicketId(2)).unwrap().unwrap();
        for c in &mut t.clocks {
            c.stopped_at = Some(t.updated_at);
        }
        let row = store.row(TicketId(2)).unwrap().unwrap();
        assert!(row.earliest_due.is_some());
        put_stored(store, 2, &StoredTicket::Full(Box::new(t.clone())));
        store.tree().insert(keys::row(TicketId(2)), codec::encode(&Row::of(&t, row.earliest_due))).unwrap();
        let report = verify(store).unwrap();
        assert_eq!(problems_with(&report, "ticket #3 has no row"), 1, "{report}");
        assert_eq!(
            problems_with(&report, "ticket #5 is finished (returned_to_channel) but has a row"),
            1,
            "{report}"
        );
        assert_eq!(
            problems_with(&report, "row #2 has a deadline but the ticket (registered) has no running clock"),
            1,
            "{report}"
        );
        assert_eq!(
            problems_with(&report, "ticket #2 differs from the replay of its events in: clocks"),
            1,
            "{report}"
        );
        // Without its row, #3's deadline key is not backed by anything.
        assert_eq!(problems_with(&report, "#3 stale in deadlines at "), 1, "{report}");
        assert_eq!(report.problems.len(), 5, "{report}");
    }

    #[test]
    fn a_pass_reads_only_the_blocks_that_meet_its_ids() {
        let block_1 = IdRange { lo: 4096, hi: Some(8192) };
        assert!(!block_1.meets_block(0) && block_1.meets_block(1) && !block_1.meets_block(2));
        let straddling = IdRange { lo: 4000, hi: Some(4100) };
        assert!(straddling.meets_block(0) && straddling.meets_block(1) && !straddling.meets_block(2));
        let rest = IdRange { lo: 8191, hi: None };
        assert!(!rest.meets_block(0) && rest.meets_block(1) && rest.meets_block(u32::MAX));
    }
}
