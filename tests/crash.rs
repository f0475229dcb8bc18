//! The crash test: a child process imports and acts on tickets while the test kills it (SIGKILL)
//! at random moments, 20 times. After each kill the store opens, every command the child reported
//! as committed is there, nothing is duplicated, and the event log replays to the projections.
//!
//! The child is this very test binary, started again with `--exact child_process_entry` and the
//! data directory in `RIGHTSDESK_CRASH_CHILD`. It prints one line per acknowledged command, and
//! only after `execute`/`execute_all` returned: that line is the acknowledgement the parent holds
//! the store to.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rightsdesk::config;
use rightsdesk::domain::action::TicketAction;
use rightsdesk::domain::status::Status;
use rightsdesk::domain::ticket::{
    Complainant, Dispute, Fen, Intake, Kind, LinkKind, NewTicket, Respondent, Satisfaction, Ticket, TicketId,
};
use rightsdesk::engine::{Command, Engine, Envelope, Outcome};
use rightsdesk::store::{Store, check};
use rightsdesk::time::{Clock, Timestamp};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

const CHILD_ENV: &str = "RIGHTSDESK_CRASH_CHILD";
const ROUND_ENV: &str = "RIGHTSDESK_CRASH_ROUND";
const ROUNDS: u64 = 20;

fn base_time() -> Timestamp {
    Timestamp::parse("2026-03-02T08:30:00+08:00").unwrap()
}

// ───────────────────────────── the child ─────────────────────────────

/// Runs only as the child (the environment variable names its data directory); a no-op in the
/// ordinary test run.
#[test]
fn child_process_entry() {
    let Ok(dir) = std::env::var(CHILD_ENV) else { return };
    let round: u64 = std::env::var(ROUND_ENV).unwrap().parse().unwrap();
    child(Path::new(&dir), round);
}

const CHANNELS: [(&str, &str); 8] = [
    ("12345", "FS12345-"),
    ("12315", "1440606-"),
    ("8180", "SD8180-"),
    ("mayor", "SZXX-"),
    ("wechat", "WX-"),
    ("station", "FWZ-"),
    ("walkin", "LF-"),
    ("letter", "LX-"),
];

const PEOPLE: [(&str, &str); 5] = [
    ("陈美玲", "13800138000"),
    ("梁志强", "139 2233 4455"),
    ("何嘉欣", "+86 135-0275-1234"),
    ("冯伟", "0757-2221 3344"),
    ("", ""),
];

const RESPONDENTS: [&str; 4] =
    ["顺德区大良美家电器商行", "佛山市顺德区容桂好又多超市有限公司", "北滘悦享美容美发店", "乐从某健身会所"];

const TITLES: [&str; 5] = [
    "空调安装后不制冷，商家拒绝退换",
    "健身房突然闭店，预付卡余额无法退还",
    "外卖食品中吃出异物",
    "美容院诱导办卡并虚假宣传",
    "咨询预付式消费合同退费规定",
];

const TOWNS: [&str; 5] = ["大良街道", "容桂", "北滘镇", "乐从", "伦教街道"];

/// The channel and channel ticket id of the n-th import; the same n always gives the same ticket,
/// so that a re-sent import is the same import.
fn import_id(n: u64) -> (&'static str, String) {
    let (channel, prefix) = CHANNELS[(n % CHANNELS.len() as u64) as usize];
    (channel, format!("{prefix}2026{n:06}"))
}

fn import(n: u64, now: Timestamp) -> NewTicket {
    let mut rng = StdRng::seed_from_u64(n);
    let (channel, ext) = import_id(n);
    let (name, phone) = PEOPLE[rng.random_range(0..PEOPLE.len())];
    let text = |s: &str| (!s.is_empty()).then(|| s.to_string());
    let title = TITLES[rng.random_range(0..TITLES.len())];
    NewTicket {
        kind: [None, Some(Kind::Complaint), Some(Kind::Report), Some(Kind::Enquiry)][rng.random_range(0..4)],
        intake: Intake {
            channel: channel.into(),
            channel_ticket_id: ext,
            received_at: Some(now.plus_seconds(-60 * rng.random_range(5..3_000))),
            caller_number: text(phone),
            town: Some(TOWNS[rng.random_range(0..TOWNS.len())].into()),
            ..Intake::default()
        },
        complainant: Complainant {
            name: text(name),
            phone: text(phone),
            address: Some("佛山市顺德区大良街道新桂路8号".into()),
            ..Complainant::default()
        },
        respondent: Respondent {
            name: Some(RESPONDENTS[rng.random_range(0..RESPONDENTS.len())].into()),
            address: Some("顺德区".into()),
            ..Respondent::default()
        },
        dispute: Dispute {
            title: title.into(),
            request: Some("退款".into()),
            facts: Some(format!("{title}，协商未果")),
            amount: Some(Fen(rng.random_range(1_000..500_000))),
            ..Dispute::default()
        },
        attachments: Vec::new(),
    }
}

fn envelope(actor: &str, command: Command) -> Envelope {
    Envelope { actor: actor.into(), command }
}

fn child(dir: &Path, round: u64) {
    let config = Arc::new(config::load(None).unwrap());
    let now = base_time().plus_seconds(3_600 * round as i64);
    let mut engine = Engine::open(dir, config, Clock::Fixed(now)).unwrap();
    let mut rng = StdRng::seed_from_u64(0xC0FFEE + round);
    let out = std::io::stdout();
    // Each import gets the next number; a round starts a few numbers back, so that what the last
    // round sent just before it died is sent again, whether or not it reached the disk.
    let registered = engine.store().external_count().unwrap();
    let mut next = registered.saturating_sub(3) + 1;
    // The parent kills it long before; this only bounds an orphan's life if the parent dies.
    let stop = Instant::now() + Duration::from_secs(20);
    while Instant::now() < stop {
        let mut commands = Vec::new();
        for _ in 0..rng.random_range(1..=6) {
            commands.push(Command::Register(Box::new(import(next, now))));
            next += 1;
        }
        if rng.random_bool(0.3) {
            // Sent twice in one burst, as a channel does when it retries a page.
            commands.push(Command::Register(Box::new(import(next - 1, now))));
        }
        if next > 10 && rng.random_bool(0.5) {
            commands.push(Command::Register(Box::new(import(rng.random_range(1..next - 5), now))));
        }
        let envelopes: Vec<Envelope> = commands.iter().map(|c| envelope("sync:crash", c.clone())).collect();
        let results = engine.execute_all(envelopes);
        let mut lines = String::new();
        for (command, result) in commands.iter().zip(results) {
            let Command::Register(new) = command else { continue };
            let (channel, ext) = (&new.intake.channel, &new.intake.channel_ticket_id);
            match result {
                Ok(Outcome::Applied(changes)) => {
                    lines += &format!("ok register {channel} {ext} -> {}\n", changes[0].ticket)
                }
                Ok(Outcome::Duplicate(id)) => lines += &format!("ok dup {channel} {ext} -> {id}\n"),
                Ok(Outcome::Ingested(_) | Outcome::Updated(_)) => {
                    unreachable!("the child only registers here")
                }
                Err(e) => lines += &format!("failed register {channel} {ext}: {e}\n"),
            }
        }
        acknowledge(&out, &lines);

        let commands = pick_actions(engine.store(), &mut rng);
        let envelopes: Vec<Envelope> = commands.iter().map(|c| envelope("clerk:lin", c.clone())).collect();
        let results = engine.execute_all(envelopes);
        let mut lines = String::new();
        for result in results {
            match result {
                Ok(Outcome::Applied(changes)) => {
                    for c in changes {
                        lines += &format!("ok act {} {} seq {}\n", c.ticket, c.event, c.seq);
                    }
                }
                Ok(Outcome::Duplicate(_) | Outcome::Ingested(_) | Outcome::Updated(_)) => {}
                Err(e) => lines += &format!("refused: {e}\n"),
            }
        }
        acknowledge(&out, &lines);
    }
}

/// Writes the acknowledgements of a burst that `execute_all` has returned (so flushed).
fn acknowledge(out: &std::io::Stdout, lines: &str) {
    let mut out = out.lock();
    out.write_all(lines.as_bytes()).unwrap();
    out.flush().unwrap();
}

/// A handful of tickets from the store, each with the next step of its handling.
fn pick_actions(store: &Store, rng: &mut StdRng) -> Vec<Command> {
    let mut commands = Vec::new();
    let mut taken = Vec::new();
    for _ in 0..rng.random_range(2..=8) {
        let status = Status::ALL[rng.random_range(0..Status::ALL.len())];
        let ids: Vec<TicketId> = store.ids_with_status(status).map(Result::unwrap).collect();
        if ids.is_empty() {
            continue;
        }
        let id = ids[rng.random_range(0..ids.len())];
        if taken.contains(&id) {
            continue;
        }
        taken.push(id);
        let t = store.ticket(id).unwrap().unwrap();
        let action = match rng.random_range(0..10) {
            0 => TicketAction::Note { text: "消费者来电催问进度".into() },
            1 => TicketAction::Assign {
                owner: Some(["lin", "chen.xm", "梁科长"][rng.random_range(0..3)].into()),
            },
            _ => next_action(&t, &ids, rng),
        };
        commands.push(Command::Act { ticket: id, action });
    }
    commands
}

fn next_action(t: &Ticket, same_status: &[TicketId], rng: &mut StdRng) -> TicketAction {
    use Status as S;
    use TicketAction as A;
    let s = |text: &str| text.to_string();
    let roll = rng.random_range(0..100);
    match t.status {
        S::Registered if roll < 5 => {
            let kind = if t.kind == Kind::Report { Kind::Complaint } else { Kind::Report };
            A::Split { kind, note: Some(s("材料中另有举报线索")) }
        }
        S::Registered if roll < 10 => {
            // A duplicate of another ticket waiting for triage.
            let into = same_status[rng.random_range(0..same_status.len())];
            A::Merge { into }
        }
        S::Registered => {
            A::Triage { kind: t.kind, category: Some(s("家用电器")), dispute_type: Some(s("质量")) }
        }
        S::Triaged | S::Reopened => {
            A::Dispatch { unit: s(["daliang", "xbk", "ronggui", "beijiao"][rng.random_range(0..4)]) }
        }
        S::Dispatched if roll < 10 => A::Return { reason: s("not_our_duty"), note: None },
        S::Dispatched => A::Sign,
        S::Signed => A::Contact { note: s("已电话联系消费者") },
        S::Contacted => match t.kind {
            Kind::Complaint => A::Accept,
            Kind::Report => A::Verify { findings: s("现场检查属实") },
            Kind::Enquiry | Kind::Suggestion => A::Answer { text: s("已电话答复") },
        },
        S::Accepted => A::Mediate,
        S::Mediating => A::Settle { agreement: s("商家退款"), amount_recovered: Some(Fen(129_900)) },
        S::Verified => A::DecideFiling { filed: roll < 50, note: s("依法处理") },
        S::CaseFiled | S::NotFiled if t.is_real_name() => A::TellReporter { note: s("短信告知") },
        S::CaseFiled
        | S::NotFiled
        | S::Settled
        | S::MediationEnded
        | S::Refused
        | S::ReporterTold
        | S::Answered => A::Resolve { result: s("办结"), amount_recovered: None },
        S::Resolved => A::WriteBack { note: None },
        S::WrittenBack => A::FollowUp { satisfaction: Satisfaction::Satisfied, note: None },
        S::FollowedUp => A::Close,
        S::Suspended => A::Resume,
        S::Closed | S::Merged | S::ReturnedToChannel => A::Note { text: s("归档后补充说明") },
    }
}

// ───────────────────────────── the parent ─────────────────────────────

/// What the children acknowledged, over all rounds.
#[derive(Default)]
struct Acknowledged {
    imports: HashMap<(String, String), TicketId>,
    /// seq → (ticket, event name).
    events: HashMap<u64, (TicketId, String)>,
}

impl Acknowledged {
    /// Takes in one line of a child's output; `false` when it is not an acknowledgement.
    fn take(&mut self, line: &str) -> bool {
        let w: Vec<&str> = line.split_whitespace().collect();
        match w.as_slice() {
            ["ok", "register" | "dup", channel, ext, "->", id] => {
                let id = TicketId(id.parse().unwrap());
                let key = (channel.to_string(), ext.to_string());
                if let Some(before) = self.imports.insert(key, id) {
                    assert_eq!(before, id, "{line}: acknowledged earlier as another ticket");
                }
                true
            }
            ["ok", "act", id, event, "seq", seq] => {
                let ack = (TicketId(id.parse().unwrap()), event.to_string());
                let before = self.events.insert(seq.parse().unwrap(), ack.clone());
                assert!(
                    before.as_ref().is_none_or(|b| *b == ack),
                    "{line}: seq acknowledged twice as {before:?}"
                );
                true
            }
            _ => false,
        }
    }
}

#[test]
fn killed_at_random_moments_the_store_keeps_every_acknowledged_command() {
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut rng = StdRng::seed_from_u64(0x5EED_2026);
    let mut acked = Acknowledged::default();
    let config = Arc::new(config::load(None).unwrap());
    let mut killed_busy = 0;

    for round in 0..ROUNDS {
        let mut child = std::process::Command::new(&exe)
            .args(["--exact", "child_process_entry", "--nocapture", "--test-threads", "1"])
            .env(CHILD_ENV, dir.path())
            .env(ROUND_ENV, round.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut stderr = child.stderr.take().unwrap();
        let lines = std::thread::spawn(move || complete_lines(stdout));
        let errors = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        let delay = rng.random_range(10..=400);
        std::thread::sleep(Duration::from_millis(delay));
        // Ignore the error of a child already gone: its exit status tells why below.
        let _ = child.kill();
        // sled's lock on the store is released only once the process is gone.
        let status = child.wait().unwrap();
        let lines = lines.join().unwrap();
        let errors = errors.join().unwrap();
        assert_eq!(
            status.signal(),
            Some(libc::SIGKILL),
            "round {round}: the child ended on its own ({status}) instead of being killed:\n{errors}"
        );
        let acks = lines.iter().filter(|l| acked.take(l)).count();
        if acks > 0 {
            killed_busy += 1;
        }

        let engine =
            Engine::open(dir.path(), config.clone(), Clock::Fixed(base_time().plus_seconds(3_600 * 24)))
                .unwrap_or_else(|e| panic!("round {round}: the store does not open after the kill: {e}"));
        let store = engine.store();
        check_acknowledged(store, &acked, round);
        check_no_duplicate_imports(store, round);
        // With the rules: the alarm index, kept in each ticket's batch, survives the kill too.
        let report = check::verify_with(store, &config).unwrap();
        assert!(report.is_ok(), "round {round} (killed after {delay} ms): {report}");
        eprintln!(
            "round {round:2}: killed after {delay:3} ms, {acks:3} acknowledgements, store has {} tickets, {} events",
            report.tickets, report.events
        );
    }
    let elapsed = started.elapsed();
    eprintln!(
        "{} imports and {} events acknowledged in all, {killed_busy} of {ROUNDS} children killed while working, {elapsed:.1?}",
        acked.imports.len(),
        acked.events.len()
    );
    assert!(
        acked.imports.len() >= 20 && acked.events.len() >= 20,
        "the children got too little done to test anything"
    );
    assert!(killed_busy >= ROUNDS / 4, "too few children died while working rather than while starting");
}

/// The complete lines a child wrote before it died; a line cut by the kill is no acknowledgement.
fn complete_lines(stdout: impl Read) -> Vec<String> {
    let mut reader = BufReader::new(stdout);
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) if line.ends_with('\n') => lines.push(line.trim_end().to_string()),
            Ok(_) => break,
        }
    }
    lines
}

fn check_acknowledged(store: &Store, acked: &Acknowledged, round: u64) {
    for ((channel, ext), id) in &acked.imports {
        assert_eq!(
            store.external(channel, ext).unwrap(),
            Some(*id),
            "round {round}: acknowledged import {channel}:{ext} → #{id} is not in the store"
        );
        let t = store.ticket(*id).unwrap().unwrap_or_else(|| panic!("round {round}: ticket #{id} is gone"));
        assert_eq!((&t.intake.channel, &t.intake.channel_ticket_id), (channel, ext), "round {round}: #{id}");
    }
    for (seq, (id, name)) in &acked.events {
        let event = store.event(*seq).unwrap();
        let found = event.as_ref().map(|e| (e.ticket, e.body.name()));
        assert_eq!(found, Some((*id, name.as_str())), "round {round}: acknowledged event {seq}");
    }
}

/// One ticket per channel ticket id, whatever was re-sent; a split-out part shares its original's.
fn check_no_duplicate_imports(store: &Store, round: u64) {
    let mut seen: HashMap<(String, String), TicketId> = HashMap::new();
    for id in store.all_ids() {
        let t = store.ticket(id.unwrap()).unwrap().expect("every listed id has a ticket");
        if t.workflow.links.iter().any(|l| l.kind == LinkKind::SplitFrom) {
            continue;
        }
        let key = (t.intake.channel.clone(), t.intake.channel_ticket_id.clone());
        if let Some(other) = seen.insert(key, t.id) {
            panic!(
                "round {round}: {}:{} was imported twice, as #{other} and #{}",
                t.intake.channel, t.intake.channel_ticket_id, t.id
            );
        }
    }
}
