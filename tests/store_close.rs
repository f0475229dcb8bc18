//! A closed store is closed: when the last handle on a store is dropped (or `close` returns),
//! sled has let go of the directory, so the same process — a test's `reopen`, the checkpoint
//! after a large import, serve's stop — can open it again at once, every time.

use rightsdesk::config::{self, Config};
use rightsdesk::domain::ticket::{Complainant, Dispute, Intake, Kind, NewTicket, Respondent};
use rightsdesk::engine::{Command, Engine, Envelope};
use rightsdesk::store::{Store, StoreError, StoreOptions};
use rightsdesk::time::{Clock, Timestamp};
use std::sync::Arc;

fn config() -> Arc<Config> {
    Arc::new(config::load(None).expect("built-in configuration"))
}

fn clock() -> Clock {
    Clock::Fixed(Timestamp::parse("2026-11-25T10:00:00+08:00").unwrap())
}

fn walk_in(serial: usize) -> NewTicket {
    NewTicket {
        kind: Some(Kind::Complaint),
        intake: Intake {
            channel: "walkin".into(),
            channel_ticket_id: format!("LF-2026-{serial:05}"),
            received_at: Some(Timestamp::parse("2026-11-24 14:30").unwrap()),
            town: Some("容桂".into()),
            ..Intake::default()
        },
        complainant: Complainant {
            name: Some("梁嘉欣".into()),
            phone: Some("13902211234".into()),
            ..Complainant::default()
        },
        respondent: Respondent {
            name: Some("佛山市顺德区容桂某某家具店".into()), ..Respondent::default()
        },
        dispute: Dispute {
            title: "定制衣柜板材与合同不符".into(),
            request: Some("更换板材或退款".into()),
            ..Dispute::default()
        },
        attachments: vec![],
    }
}

/// Each round writes (so sled's I/O threads have work in flight when the engine goes) and
/// is opened again the moment the engine is dropped.
#[test]
fn an_engine_dropped_and_opened_again_at_once_is_never_in_use() {
    let dir = tempfile::tempdir().unwrap();
    for round in 0..25 {
        let mut engine = Engine::open(dir.path(), config(), clock())
            .unwrap_or_else(|e| panic!("round {round}: the previous engine still holds the store: {e}"));
        let burst: Vec<Envelope> = (0..20)
            .map(|i| Envelope {
                actor: "接待窗口".into(),
                command: Command::Register(Box::new(walk_in(round * 20 + i))),
            })
            .collect();
        assert!(engine.execute_all(burst).iter().all(Result::is_ok));
        drop(engine);
    }
    let engine = Engine::open(dir.path(), config(), clock()).unwrap();
    assert_eq!(engine.store().last_ticket_id().unwrap(), 25 * 20, "every round's tickets are there");
}

#[test]
fn a_checkpoint_leaves_the_store_free_to_open_again() {
    let dir = tempfile::tempdir().unwrap();
    for round in 0..10 {
        let mut engine = Engine::open(dir.path(), config(), clock())
            .unwrap_or_else(|e| panic!("round {round}: still held after the checkpoint: {e}"));
        let register = Command::Register(Box::new(walk_in(round)));
        engine.execute(Envelope { actor: "接待窗口".into(), command: register }).unwrap();
        engine.close_with_checkpoint().unwrap_or_else(|e| panic!("round {round}: checkpoint: {e}"));
    }
}

#[test]
fn a_store_closed_explicitly_can_be_opened_again_at_once() {
    let dir = tempfile::tempdir().unwrap();
    for round in 0..40 {
        let store = Store::open(dir.path(), &StoreOptions::default())
            .unwrap_or_else(|e| panic!("round {round}: {e}"));
        store.flush().unwrap();
        store.close().unwrap_or_else(|e| panic!("round {round}: close: {e}"));
    }
}

#[test]
fn closing_while_another_handle_is_open_says_so_and_keeps_the_store_usable() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), &StoreOptions::default()).unwrap();
    let reader = store.clone();
    let err = store.close().expect_err("a reader still holds the store");
    assert!(matches!(err, StoreError::StillOpen { handles: 1, .. }), "{err}");
    assert!(reader.meta("schema").is_ok(), "the other handle still reads");
    reader.close().unwrap();
    Store::open(dir.path(), &StoreOptions::default()).expect("free once the last handle closed");
}
