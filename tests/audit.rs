//! The audit trail holds up when someone disputes it: every event is linked into a hash chain,
//! `audit verify` names the first broken link, `audit verify --head` catches a chain recomputed
//! after an edit, operator actions on no ticket are on the record with their actor, and a store
//! written before the chain is migrated.

mod support;

use rightsdesk::config::{self, Config};
use rightsdesk::domain::action::TicketAction as A;
use rightsdesk::domain::ticket::{Complainant, Dispute, Intake, Kind, NewTicket, Respondent, TicketId};
use rightsdesk::engine::{Command, Engine, Envelope, QuarantineAction};
use rightsdesk::store::chain;
use rightsdesk::time::{Clock, Timestamp};
use serde_json::Value;
use std::path::Path;
use std::process::Output;
use std::sync::Arc;

const NOW: &str = "2026-11-25T10:00:00+08:00";

fn config() -> Arc<Config> {
    Arc::new(config::load(None).expect("built-in configuration"))
}

fn open(dir: &Path) -> Engine {
    Engine::open(dir, config(), Clock::Fixed(Timestamp::parse(NOW).unwrap())).expect("opens")
}

fn complaint(ext: &str, title: &str) -> NewTicket {
    NewTicket {
        kind: Some(Kind::Complaint),
        intake: Intake {
            channel: "12345".into(),
            channel_ticket_id: ext.into(),
            received_at: Some(Timestamp::parse("2026-11-24 14:30").unwrap()),
            town: Some("大良".into()),
            ..Intake::default()
        },
        complainant: Complainant {
            name: Some("陈美玲".into()),
            phone: Some("13612345678".into()),
            address: Some("顺德区大良街道府又社区".into()),
            ..Complainant::default()
        },
        respondent: Respondent {
            name: Some("佛山市顺德区大良某某健身会所".into()), ..Respondent::default()
        },
        dispute: Dispute {
            title: title.into(), request: Some("退还剩余会费".into()), ..Dispute::default()
        },
        attachments: vec![],
    }
}

fn run(engine: &mut Engine, actor: &str, command: Command) {
    engine.execute(Envelope { actor: actor.into(), command }).expect("applies");
}

/// A store with three tickets and a few actions on them: events 1 to 5.
fn store_with_history(dir: &Path) {
    let mut engine = open(dir);
    for (ext, title) in [
        ("SD2026112400001", "健身房停业拒退会费"),
        ("SD2026112400002", "超市销售过期牛奶"),
        ("SD2026112400003", "网购空调退货"),
    ] {
        run(&mut engine, "sync:12345", Command::Register(Box::new(complaint(ext, title))));
    }
    run(
        &mut engine,
        "chenli",
        Command::Act { ticket: TicketId(1), action: A::Note { text: "已电话联系商家".into() } },
    );
    run(&mut engine, "chenli", Command::Act { ticket: TicketId(2), action: A::Reveal });
    engine.close().unwrap();
}

fn desk(data: &Path, args: &[&str]) -> Output {
    support::rightsdesk_on(data, NOW).args(args).env("USER", "chenli").output().expect("runs the binary")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Opens the store's sled tree directly, as someone with the files (not the program) would.
/// sled lets go of its files a moment after the last handle is dropped: tried again until then.
fn raw_tree(dir: &Path) -> (sled::Db, sled::Tree) {
    let db = retried(|| sled::open(dir.join("store")));
    let tree = db.open_tree("desk").unwrap();
    (db, tree)
}

fn retried<T, E: std::fmt::Debug>(mut f: impl FnMut() -> Result<T, E>) -> T {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        match f() {
            Ok(v) => return v,
            Err(e) if std::time::Instant::now() > deadline => panic!("{e:?}"),
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(20)),
        }
    }
}

fn event_key(seq: u64) -> Vec<u8> {
    let mut k = vec![b'e'];
    k.extend_from_slice(&seq.to_be_bytes());
    k
}

/// Changes the note of event 4 ("已电话联系商家") to something the clerk never wrote.
fn edit_the_note(tree: &sled::Tree) {
    let record = tree.get(event_key(4)).unwrap().expect("event 4");
    let text = "已电话联系商家".as_bytes();
    let at = record.windows(text.len()).position(|w| w == text).expect("the note is in the record");
    let mut edited = record.to_vec();
    edited[at..at + text.len()].copy_from_slice("商家已全额退款".as_bytes());
    tree.insert(event_key(4), edited).unwrap();
}

#[test]
fn an_untouched_store_verifies_and_its_head_is_the_last_events_link() {
    let tmp = tempfile::tempdir().unwrap();
    store_with_history(tmp.path());
    let head = desk(tmp.path(), &["audit", "head"]);
    assert!(head.status.success());
    let hash = stdout(&head).trim().to_string();
    assert_eq!(hash.len(), 64, "{hash}");

    let verify = desk(tmp.path(), &["audit", "verify", "--head", &hash]);
    assert!(verify.status.success(), "{}", stdout(&verify));
    assert!(stdout(&verify).contains("audit chain intact: 5 event(s)"), "{}", stdout(&verify));
    assert!(stdout(&verify).contains("the recorded head is the link of event 5"), "{}", stdout(&verify));
}

#[test]
fn a_head_recorded_earlier_still_matches_after_more_work() {
    let tmp = tempfile::tempdir().unwrap();
    store_with_history(tmp.path());
    let recorded = stdout(&desk(tmp.path(), &["audit", "head"])).trim().to_string();
    let mut engine = open(tmp.path());
    run(
        &mut engine,
        "chenli",
        Command::Act {
            ticket: TicketId(3), action: A::Note { text: "已告知七日无理由退货规定".into() }
        },
    );
    engine.close().unwrap();

    let verify = desk(tmp.path(), &["audit", "verify", "--head", &recorded, "--format", "json"]);
    let report: Value = serde_json::from_str(&stdout(&verify)).unwrap();
    assert_eq!(report["intact"], true, "{report}");
    assert_eq!(report["events"], 6);
    assert_eq!(report["recorded_head_at"], 5, "the head recorded then is event 5's link");
}

#[test]
fn an_event_edited_in_the_store_is_named_by_verify() {
    let tmp = tempfile::tempdir().unwrap();
    store_with_history(tmp.path());
    {
        let (db, tree) = raw_tree(tmp.path());
        edit_the_note(&tree);
        db.flush().unwrap();
    }
    let verify = desk(tmp.path(), &["audit", "verify"]);
    assert_eq!(verify.status.code(), Some(1), "a broken chain fails the command");
    assert!(
        stdout(&verify).contains("audit chain broken at event 4: the event or its link was altered"),
        "{}",
        stdout(&verify)
    );
}

#[test]
fn an_event_removed_from_the_store_is_named_by_verify() {
    let tmp = tempfile::tempdir().unwrap();
    store_with_history(tmp.path());
    {
        let (db, tree) = raw_tree(tmp.path());
        tree.remove(event_key(2)).unwrap();
        db.flush().unwrap();
    }
    let verify = desk(tmp.path(), &["audit", "verify"]);
    assert_eq!(verify.status.code(), Some(1));
    assert!(stdout(&verify).contains("broken at event 2: the event is missing"), "{}", stdout(&verify));
}

#[test]
fn a_chain_recomputed_after_an_edit_is_caught_by_the_recorded_head() {
    let tmp = tempfile::tempdir().unwrap();
    store_with_history(tmp.path());
    let recorded = stdout(&desk(tmp.path(), &["audit", "head"])).trim().to_string();
    {
        let (db, tree) = raw_tree(tmp.path());
        edit_the_note(&tree);
        // The forger knows the scheme and rewrites every link from the first.
        let mut previous = chain::GENESIS;
        for seq in 1..=5 {
            let value = tree.get(event_key(seq)).unwrap().unwrap();
            let (record, _) = chain::split(&value).unwrap();
            previous = chain::link(&previous, seq, record);
            let mut relinked = record.to_vec();
            relinked.extend_from_slice(&previous);
            tree.insert(event_key(seq), relinked).unwrap();
        }
        db.flush().unwrap();
    }
    let alone = desk(tmp.path(), &["audit", "verify"]);
    assert!(alone.status.success(), "a recomputed chain holds on its own: {}", stdout(&alone));

    let against = desk(tmp.path(), &["audit", "verify", "--head", &recorded]);
    assert_eq!(against.status.code(), Some(1));
    assert!(stdout(&against).contains("none is the recorded head"), "{}", stdout(&against));
}

#[test]
fn operator_actions_on_no_ticket_are_on_the_record_with_their_actor() {
    let tmp = tempfile::tempdir().unwrap();
    store_with_history(tmp.path());
    let mut engine = open(tmp.path());
    let token_hash = "a".repeat(64);
    run(
        &mut engine,
        "liming",
        Command::SetUnitToken { unit: "daliang".into(), token_hash: Some(token_hash.clone()) },
    );
    run(&mut engine, "liming", Command::SetUnitToken { unit: "daliang".into(), token_hash: None });
    let page = rightsdesk::engine::Ingest {
        channel: "12345".into(),
        cursor: None,
        tickets: vec![],
        malformed: vec![
            rightsdesk::engine::Malformed {
                reason: "tssj: 不是时间".into(),
                raw: r#"{"gdbh":"X1","tssj":"昨天"}"#.into(),
            },
            rightsdesk::engine::Malformed {
                reason: "tssj: 不是时间".into(),
                raw: r#"{"gdbh":"X2","tssj":"前天"}"#.into(),
            },
        ],
        released: vec![],
    };
    run(&mut engine, "sync:12345", Command::Ingest(Box::new(page)));
    run(&mut engine, "liming", Command::Quarantine { id: 1, action: QuarantineAction::Drop });
    run(&mut engine, "liming", Command::Quarantine { id: 2, action: QuarantineAction::Retry });
    engine.close().unwrap();

    let log = desk(tmp.path(), &["audit", "log", "--actor", "liming", "--format", "json"]);
    let entries: Value = serde_json::from_str(&stdout(&log)).unwrap();
    let actions: Vec<(&str, &Value)> =
        entries.as_array().unwrap().iter().map(|e| (e["action"].as_str().unwrap(), &e["ticket"])).collect();
    assert_eq!(
        actions,
        [
            ("unit_token_issued", &Value::Null),
            ("unit_token_revoked", &Value::Null),
            ("quarantine_dropped", &Value::Null),
            ("quarantine_retried", &Value::Null),
        ]
    );
    let text = stdout(&log);
    assert!(!text.contains(&token_hash), "the token's hash is not in the record");
    assert!(!text.contains("昨天"), "nor the quarantined payload");
    let verify = desk(tmp.path(), &["audit", "verify"]);
    assert!(verify.status.success(), "store-wide events are in the chain: {}", stdout(&verify));
}

#[test]
fn a_reveal_and_a_note_show_in_the_log_of_their_ticket() {
    let tmp = tempfile::tempdir().unwrap();
    store_with_history(tmp.path());
    let log = desk(tmp.path(), &["audit", "log", "--ticket", "2", "--format", "json"]);
    let entries: Value = serde_json::from_str(&stdout(&log)).unwrap();
    let actions: Vec<(&str, &str)> = entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["action"].as_str().unwrap(), e["actor"].as_str().unwrap()))
        .collect();
    assert_eq!(actions, [("registered", "sync:12345"), ("revealed", "chenli")]);
}

#[test]
fn a_store_written_before_the_chain_is_linked_when_opened() {
    let tmp = tempfile::tempdir().unwrap();
    store_with_history(tmp.path());
    let before = stdout(&desk(tmp.path(), &["audit", "head"])).trim().to_string();
    let linked = raw_tree(tmp.path()).1.get(event_key(1)).unwrap().unwrap().len();
    retried(|| rightsdesk::store::migrate::rewrite_as_schema_2(tmp.path()));
    let unlinked = raw_tree(tmp.path()).1.get(event_key(1)).unwrap().unwrap().len();
    assert_eq!(unlinked + 32, linked, "the old store's events have no link");
    let verify = desk(tmp.path(), &["audit", "verify", "--head", &before]);
    assert!(verify.status.success(), "{}", stdout(&verify));
    assert!(stdout(&verify).contains("audit chain intact: 5 event(s)"), "{}", stdout(&verify));
}

/// Collects what the engine logs while `f` runs.
fn logged(f: impl FnOnce()) -> String {
    #[derive(Clone, Default)]
    struct Buffer(Arc<std::sync::Mutex<Vec<u8>>>);
    impl std::io::Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_env_filter(tracing_subscriber::EnvFilter::new("debug"))
        .finish();
    tracing::subscriber::with_default(subscriber, f);
    let bytes = buffer.0.lock().unwrap().clone();
    String::from_utf8(bytes).unwrap()
}

#[test]
fn a_refused_command_is_logged_without_the_clerks_words() {
    let tmp = tempfile::tempdir().unwrap();
    store_with_history(tmp.path());
    let log = logged(|| {
        let mut engine = open(tmp.path());
        let triage = A::Triage { kind: Kind::Complaint, category: None, dispute_type: None };
        let act = |action| Envelope {
            actor: "chenli".into(),
            command: Command::Act { ticket: TicketId(1), action },
        };
        engine.execute(act(triage)).expect("triaged");
        let dispatch = A::Dispatch { unit: "陈美玲的朋友 13612345678".into() };
        assert!(engine.execute(act(dispatch)).is_err(), "no such unit");
        engine.close().unwrap();
    });
    assert!(log.contains("command refused"), "the refusals are logged: {log}");
    assert!(log.contains("refused=unknown unit"), "{log}");
    assert!(!log.contains("陈美玲") && !log.contains("13612345678"), "{log}");
}

#[test]
fn a_note_over_the_limit_is_refused_naming_the_limit() {
    let tmp = tempfile::tempdir().unwrap();
    store_with_history(tmp.path());
    let mut engine = open(tmp.path());
    let note = A::Note { text: "商家称已退款，消费者否认。".repeat(200) };
    let refused = engine
        .execute(Envelope {
            actor: "chenli".into(),
            command: Command::Act { ticket: TicketId(1), action: note },
        })
        .unwrap_err();
    assert_eq!(
        refused.to_string(),
        "cannot note: text is 2600 characters long; the limit is 2000 characters"
    );
    assert_eq!(engine.store().last_seq().unwrap(), 5, "nothing written");

    let mut long_title = complaint("SD2026112400009", "");
    long_title.dispute.title = "健身房".repeat(100);
    let refused = engine
        .execute(Envelope { actor: "sync:12345".into(), command: Command::Register(Box::new(long_title)) })
        .unwrap_err();
    assert_eq!(
        refused.to_string(),
        "cannot register: title is 300 characters long; the limit is 200 characters"
    );
}

#[test]
fn a_reason_over_the_limit_is_refused_at_the_command_line_naming_the_limit() {
    let tmp = tempfile::tempdir().unwrap();
    store_with_history(tmp.path());
    let reason = "检测机构排期".repeat(400);
    let out = desk(tmp.path(), &["ticket", "suspend", "1", "--reason", &reason]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("reason is 2400 characters long; the limit is 2000 characters"), "{err}");
}
