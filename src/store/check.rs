//! Consistency check of a whole store (an fsck): the event log replays to the projections, every
//! ticket lists exactly its events, the rows summarise their tickets, the indexes hold exactly the
//! entries the tickets call for, and the external keys map each channel ticket to one ticket.
//!
//! Built for a large store: records are read in key order and nothing holds the whole log. The
//! replayed tickets are held in memory, but only those of one range of ticket ids at a time
//! (`TICKETS_PER_PASS`); each further range costs one more scan of the log and of the indexes.

use super::codec;
use super::keys::{self, TextIndex};
use super::row::Row;
use super::write::index_keys;
use super::{Result, Store};
use crate::domain::event::{self, Event};
use crate::domain::status::Status;
use crate::domain::ticket::{Ticket, TicketId};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

/// Tickets replayed in memory at once. At roughly 2–3 KB a ticket this bounds a pass to a few
/// hundred MB, and a million-ticket store takes ten passes.
pub const TICKETS_PER_PASS: u64 = 100_000;

/// A broken store can break in every record; past this many the rest only counts.
const MAX_PROBLEMS: usize = 1_000;

/// The index spaces `index_keys` writes to, with the space name used in problems.
const INDEX_SPACES: [(u8, &str); 9] = [
    (keys::STATUS, "status"),
    (b'c', "channel"),
    (b'u', "unit"),
    (b'o', "owner"),
    (b'w', "town"),
    (keys::DEADLINE, "deadline"),
    (b'n', "respondent"),
    (b'k', "credit code"),
    (b'p', "phone"),
];

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

/// Registered and backfilled tickets own their channel's id; a split-out part shares its
/// original's and owns none.
fn owns_external_id(created_by: Option<&str>) -> bool {
    matches!(created_by, Some("registered" | "backfilled"))
}

type IndexKeys = HashSet<Vec<u8>>;
type Identities = HashMap<TicketId, Identity>;

/// What a ticket says about its channel ticket id.
struct Identity {
    channel: String,
    channel_ticket_id: String,
    created_by: Option<&'static str>,
}

struct Pass<'a> {
    store: &'a Store,
    range: IdRange,
    /// The log-wide checks (sequence, undecodable records) are made once, in the first pass.
    first: bool,
    problems: &'a mut Problems,
    totals: &'a mut Totals,
}

impl Pass<'_> {
    fn run(mut self) -> Result<()> {
        let mut replays = self.replay_log()?;
        let (expected, identities) = self.check_projections(&mut replays)?;
        self.check_external_keys(&identities)?;
        for (id, r) in replays {
            self.problems.push(format!(
                "the log has events {} of ticket #{id}, which has no projection",
                seq_list(&r.seqs)
            ));
        }
        self.check_indexes(expected)
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
    fn check_projections(
        &mut self,
        replays: &mut BTreeMap<TicketId, Replay>,
    ) -> Result<(IndexKeys, Identities)> {
        let mut expected = HashSet::new();
        let mut identities = HashMap::new();
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
            let t: Ticket = match codec::decode(&v) {
                Ok(t) => t,
                Err(e) => {
                    self.problems.push(format!("ticket #{id} is unreadable: {e}"));
                    continue;
                }
            };
            if t.id != id {
                self.problems.push(format!("the ticket stored as #{id} says it is #{}", t.id));
            }
            identities.insert(
                id,
                Identity {
                    channel: t.intake.channel.clone(),
                    channel_ticket_id: t.intake.channel_ticket_id.clone(),
                    created_by: replay.as_ref().and_then(|r| r.created_by),
                },
            );
            match &replay {
                None => self.problems.push(format!("ticket #{id} has no events in the log")),
                Some(r) => {
                    if r.seqs != t.events {
                        self.problems.push(format!(
                            "ticket #{id} lists events {} but the log has {} for it",
                            seq_list(&t.events),
                            seq_list(&r.seqs)
                        ));
                    }
                    match &r.ticket {
                        Some(replayed) if !r.broken && *replayed != t => self.problems.push(format!(
                            "ticket #{id} differs from the replay of its events in: {}",
                            ticket_diff(replayed, &t).join(", ")
                        )),
                        _ => {}
                    }
                    if owns_external_id(r.created_by) {
                        self.check_owned_external(&t)?;
                    }
                }
            }
            let row = self.row_of(&t)?;
            expected.extend(index_keys(&t, &row));
        }
        let (start, end) = self.range.keys_of(keys::ROW);
        for k in self.store.tree().range(start..end).keys() {
            let k = k?;
            if let Some(id) = keys::trailing_id(&k).filter(|id| !seen.contains(id)) {
                self.problems.push(format!("row #{id} has no ticket"));
            }
        }
        Ok((expected, identities))
    }

    /// The stored row, checked against its ticket; a stand-in when it is missing or unreadable,
    /// so that the index check still runs.
    fn row_of(&mut self, t: &Ticket) -> Result<Row> {
        let id = t.id;
        let stored = match self.store.tree().get(keys::row(id))? {
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

    /// The index entries of the range are exactly the expected ones.
    fn check_indexes(&mut self, mut expected: IndexKeys) -> Result<()> {
        let mut statuses: HashMap<TicketId, Vec<Status>> = HashMap::new();
        for (tag, space) in INDEX_SPACES {
            for k in self.store.tree().scan_prefix([tag]).keys() {
                let k = k?;
                let Some(id) = keys::trailing_id(&k).filter(|_| k.len() > 9) else {
                    if self.first {
                        self.problems.push(format!("malformed {space} index key {}", show(&k)));
                    }
                    continue;
                };
                if !self.range.contains(id) {
                    continue;
                }
                if tag == keys::STATUS {
                    let status = k.get(1).and_then(|t| Status::ALL.get(usize::from(*t)).copied());
                    statuses.entry(id).or_default().extend(status);
                }
                if !expected.remove(k.as_ref()) {
                    self.problems
                        .push(format!("stale {space} index entry {} for #{id}", describe_index_key(&k)));
                }
            }
        }
        let mut missing: Vec<Vec<u8>> = expected.into_iter().collect();
        missing.sort();
        for k in missing {
            let id = keys::trailing_id(&k).map(|id| id.0).unwrap_or_default();
            self.problems.push(format!("missing index entry {} for #{id}", describe_index_key(&k)));
        }
        let mut crowded: Vec<_> = statuses.into_iter().filter(|(_, s)| s.len() > 1).collect();
        crowded.sort();
        for (id, s) in crowded {
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

fn parse_external(key: &[u8]) -> Option<(String, String)> {
    let rest = key.get(1..)?;
    let zero = rest.iter().position(|b| *b == 0)?;
    let channel = std::str::from_utf8(&rest[..zero]).ok()?;
    let ext = std::str::from_utf8(&rest[zero + 1..]).ok()?;
    Some((channel.to_string(), ext.to_string()))
}

/// An index key as a person reads it: its space and value.
fn describe_index_key(key: &[u8]) -> String {
    let Some(&tag) = key.first() else { return "(empty key)".into() };
    if tag == keys::STATUS {
        let status = key.get(1).and_then(|t| Status::ALL.get(usize::from(*t)));
        return format!("status={}", status.map(|s| s.code()).unwrap_or("?"));
    }
    if tag == keys::DEADLINE {
        return match keys::parse_deadline(key) {
            Some((due, _)) => format!("due={}", due.rfc3339()),
            None => show(key),
        };
    }
    let index = TextIndex::ALL.into_iter().find(|i| i.tag() == tag);
    let value = key.get(1..key.len().saturating_sub(9)).map(String::from_utf8_lossy).unwrap_or_default();
    match index {
        Some(i) => format!("{}={value}", format!("{i:?}").to_lowercase()),
        None => show(key),
    }
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

    /// Three registered tickets, one handled a little, one split: 4 tickets in all.
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
        engine
    }

    fn problems_with(report: &CheckReport, text: &str) -> usize {
        report.problems.iter().filter(|p| p.contains(text)).count()
    }

    #[test]
    fn a_store_written_by_the_engine_is_consistent_in_one_pass_or_many() {
        let dir = tempfile::tempdir().unwrap();
        let engine = sample_store(dir.path());
        let report = verify(engine.store()).unwrap();
        assert!(report.is_ok(), "{report}");
        assert_eq!((report.tickets, report.events), (4, 8));
        assert_eq!(verify_in_passes(engine.store(), 1).unwrap(), report);
        assert_eq!(verify_in_passes(engine.store(), 3).unwrap(), report);
    }

    #[test]
    fn an_empty_store_is_consistent() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &Default::default()).unwrap();
        assert_eq!(verify(&store).unwrap(), CheckReport::default());
    }

    #[test]
    fn missing_and_stale_index_entries_are_found_in_every_pass() {
        let dir = tempfile::tempdir().unwrap();
        let engine = sample_store(dir.path());
        let tree = engine.store().tree();
        tree.remove(keys::text_index(TextIndex::Unit, "daliang", TicketId(1))).unwrap();
        tree.insert(keys::status(Status::Closed, TicketId(3)), vec![]).unwrap();
        tree.insert(keys::text_index(TextIndex::Owner, "wang", TicketId(99)), vec![]).unwrap();
        for per_pass in [1, 2, TICKETS_PER_PASS] {
            let report = verify_in_passes(engine.store(), per_pass).unwrap();
            assert_eq!(problems_with(&report, "missing index entry unit=daliang for #1"), 1, "{report}");
            assert_eq!(
                problems_with(&report, "stale status index entry status=closed for #3"),
                1,
                "{report}"
            );
            assert_eq!(problems_with(&report, "ticket #3 is in 2 status indexes"), 1, "{report}");
            assert_eq!(problems_with(&report, "stale owner index entry owner=wang for #99"), 1, "{report}");
            assert_eq!(report.problems.len(), 4, "{report}");
        }
    }

    #[test]
    fn a_projection_that_drifted_from_its_events_is_found() {
        let dir = tempfile::tempdir().unwrap();
        let engine = sample_store(dir.path());
        let store = engine.store();
        let mut t = store.ticket(TicketId(1)).unwrap().unwrap();
        t.workflow.owner = Some("zhang".into());
        store.tree().insert(keys::ticket(TicketId(1)), codec::encode(&t)).unwrap();
        let report = verify(store).unwrap();
        assert_eq!(
            problems_with(&report, "ticket #1 differs from the replay of its events in: workflow"),
            1,
            "{report}"
        );
        assert_eq!(problems_with(&report, "row #1 does not summarise its ticket in: owner"), 1, "{report}");
        assert_eq!(problems_with(&report, "missing index entry owner=zhang for #1"), 1, "{report}");
        assert_eq!(problems_with(&report, "stale owner index entry owner=lin for #1"), 1, "{report}");
    }

    #[test]
    fn a_gap_in_the_log_and_a_ticket_listing_other_events_are_found() {
        let dir = tempfile::tempdir().unwrap();
        let engine = sample_store(dir.path());
        let store = engine.store();
        // Seq 5 is the dispatch of ticket 1.
        store.tree().remove(keys::event(5)).unwrap();
        let report = verify(store).unwrap();
        assert_eq!(report.events, 7);
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
        registered.seq = 9;
        registered.ticket = TicketId(7);
        store.tree().insert(keys::event(9), codec::encode(&registered)).unwrap();
        registered.seq = 10;
        registered.ticket = TicketId(2);
        store.tree().insert(keys::event(10), codec::encode(&registered)).unwrap();
        let report = verify(store).unwrap();
        assert_eq!(
            problems_with(&report, "the log has events [9] of ticket #7, which has no projection"),
            1,
            "{report}"
        );
        assert_eq!(
            problems_with(&report, "event 10 (registered) does not apply to ticket #2"),
            1,
            "{report}"
        );
        assert_eq!(
            problems_with(&report, "ticket #2 lists events [2,7] but the log has [2,7,10]"),
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
    fn a_missing_row_or_a_row_with_a_deadline_on_a_finished_ticket_is_found() {
        let dir = tempfile::tempdir().unwrap();
        let engine = sample_store(dir.path());
        let store = engine.store();
        store.tree().remove(keys::row(TicketId(3))).unwrap();
        let mut t = store.ticket(TicketId(2)).unwrap().unwrap();
        for c in &mut t.clocks {
            c.stopped_at = Some(t.updated_at);
        }
        let row = store.row(TicketId(2)).unwrap().unwrap();
        assert!(row.earliest_due.is_some());
        store.tree().insert(keys::ticket(TicketId(2)), codec::encode(&t)).unwrap();
        store.tree().insert(keys::row(TicketId(2)), codec::encode(&Row::of(&t, row.earliest_due))).unwrap();
        let report = verify(store).unwrap();
        assert_eq!(problems_with(&report, "ticket #3 has no row"), 1, "{report}");
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
    }
}
