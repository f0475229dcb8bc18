//! The gateway shape (rmw in the simulator: an X-Api-Key header, every answer in HTTP 200 with a
//! result code, pages from 1 with a total, slash dates) end to end with faults: a page, sign-for
//! or write-back refused inside HTTP 200 is a failure carrying the channel's code and message,
//! retried until the gateway accepts it, and only then delivered. The simulator's ledger (what
//! it accepted) is the judge.

mod support;

use rightsdesk::config;
use rightsdesk::domain::action::TicketAction as A;
use rightsdesk::domain::effect::EffectKind;
use rightsdesk::domain::status::Status;
use rightsdesk::domain::ticket::Kind;
use rightsdesk::engine::{Command, Engine, EngineHandle, Envelope};
use rightsdesk::store::outbox::{DeliveryState, OutboxEntry};
use rightsdesk::sync::http::{Channel, HttpChannel, SecretSource, point_at_simulator};
use rightsdesk::sync::worker::{self, Missing, SyncOptions, SyncSide, board_with_not_configured};
use rightsdesk::time::{Clock, Timestamp};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

const NOW: &str = "2026-11-28T10:00:00+08:00";

fn clock() -> Clock {
    Clock::Fixed(Timestamp::parse(NOW).unwrap())
}

/// Quick retries and room for many refusals: the test is about what counts, not how long.
fn patient() -> SyncOptions {
    SyncOptions {
        backoff_base: Duration::from_millis(5),
        backoff_max: Duration::from_millis(50),
        max_attempts: 60,
        ..SyncOptions::default()
    }
}

/// rmw alone, as the shipped profile describes it, pointed at the simulator.
fn gateway_side(sim: &str, options: SyncOptions) -> SyncSide {
    let config = config::load(None).unwrap();
    let profile = config.channels.get("rmw").and_then(|c| c.sync.clone()).unwrap();
    let profile = point_at_simulator(&profile, sim, "rmw");
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let rmw = HttpChannel::new("rmw", &profile, client, &SecretSource::Simulator).unwrap();
    let mut channels: HashMap<String, Arc<dyn Channel>> = HashMap::new();
    channels.insert("rmw".into(), Arc::new(rmw));
    SyncSide {
        channels,
        sms: None,
        options,
        health: board_with_not_configured(&BTreeMap::new()),
        unusable: Vec::new(),
        not_configured: BTreeMap::new(),
        missing: Missing::default(),
    }
}

fn open(dir: &std::path::Path) -> (EngineHandle, std::thread::JoinHandle<Engine>) {
    let engine = Engine::open(dir, Arc::new(config::load(None).unwrap()), clock()).unwrap();
    EngineHandle::spawn(engine)
}

fn outbox(engine: &EngineHandle, kind: EffectKind) -> Vec<OutboxEntry> {
    let entries = engine.reader().store().outbox_entries().map(Result::unwrap);
    entries.filter(|e| e.effect.kind == kind).collect()
}

async fn ledger(sim: &str) -> Value {
    reqwest::get(format!("{sim}/_sim/ledger")).await.unwrap().json().await.unwrap()
}

/// (channel ticket id → distinct keys) of one effect in the ledger, for rmw.
fn accepted(ledger: &Value, what: &str) -> HashMap<String, usize> {
    ledger[what]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["channel"] == "rmw")
        .map(|e| (e["channel_ticket_id"].as_str().unwrap().to_string(), e["keys"].as_array().unwrap().len()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_for_refused_inside_http_200_is_retried_not_delivered() {
    let sim = support::SimProcess::start(&["--rate", "0", "--tickets", "1000", "--seed", "4"], NOW);
    let refusing = support::SimProcess::start(
        &["--rate", "0", "--tickets", "1000", "--seed", "4", "--faults", "rmw:refuse=1"],
        NOW,
    );
    let dir = tempfile::tempdir().unwrap();
    let (engine, thread) = open(dir.path());
    // The tickets are pulled from a gateway that accepts (the same seed: the same tickets), and
    // their sign-fors go to one that refuses everything.
    let side = gateway_side(&sim.base, patient());
    let rmw = side.channels["rmw"].clone();
    while !worker::pull_once(rmw.as_ref(), &engine, clock(), &side.health).await.unwrap() {}
    let stubborn = SyncOptions { max_attempts: 3, ..patient() };
    let side = gateway_side(&refusing.base, stubborn.clone());
    let mut not_before = HashMap::new();
    while outbox(&engine, EffectKind::SignFor).iter().any(|e| e.state == DeliveryState::Pending) {
        let (channels, missing) = (&side.channels, &Missing::default());
        worker::deliver_pending(&engine, channels, None, missing, clock(), &stubborn, &mut not_before, None)
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let signs = outbox(&engine, EffectKind::SignFor);
    assert!(!signs.is_empty());
    for entry in &signs {
        assert_eq!(
            (entry.state, entry.attempts),
            (DeliveryState::Dead, 3),
            "refused thrice, never delivered"
        );
        let error = entry.last_error.as_deref().unwrap_or_default();
        assert!(error.contains("code 2003") && error.contains("不允许"), "outbox: {error}");
    }
    // A refused page is a failure in the channel's health, not an empty page.
    let report = worker::sync_once(engine.clone(), &side, clock(), Duration::from_secs(2)).await.unwrap();
    let rmw = report.health.iter().find(|h| h.channel == "rmw").unwrap();
    let error = rmw.last_error.as_deref().unwrap_or_default();
    assert!(error.contains("code 5001") && error.contains("系统繁忙"), "health: {error}");
    assert_eq!(report.not_caught_up, ["rmw"]);
    assert!(accepted(&ledger(&refusing.base).await, "signed").is_empty());

    // Back at the accepting gateway, each sign-for (dead ones retried by an operator) goes out.
    for entry in signs.iter().filter(|e| e.state == DeliveryState::Dead) {
        let retry = Command::RetryOutbox { outbox: entry.id };
        engine.execute(Envelope { actor: "operator".into(), command: retry }).await.unwrap();
    }
    let side = gateway_side(&sim.base, patient());
    worker::sync_once(engine.clone(), &side, clock(), Duration::from_secs(60)).await.unwrap();
    let signed = accepted(&ledger(&sim.base).await, "signed");
    for entry in outbox(&engine, EffectKind::SignFor) {
        assert_eq!(entry.state, DeliveryState::Delivered);
        assert_eq!(signed.get(&entry.effect.channel_ticket_id), Some(&1), "one key each");
    }
    drop((engine, side));
    thread.join().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_sign_fors_and_write_backs_are_retried_until_the_gateway_accepts_them() {
    let faults = "rmw:refuse=0.4,rmw:5xx=0.1,rmw:dup=0.2,rmw:reorder=0.2,malformed=0.05";
    let sim = support::SimProcess::start(
        // rmw is a small channel (about 1 ticket in 250): enough tickets for a dozen of its own.
        &["--rate", "0", "--tickets", "4000", "--seed", "9", "--faults", faults],
        NOW,
    );
    let dir = tempfile::tempdir().unwrap();
    let (engine, thread) = open(dir.path());
    let side = gateway_side(&sim.base, patient());
    let report = worker::sync_once(engine.clone(), &side, clock(), Duration::from_secs(120)).await.unwrap();
    assert!(report.not_caught_up.is_empty(), "{report:?}");
    assert_eq!(report.pending, 0, "{report:?}");

    let before = ledger(&sim.base).await;
    let valid: HashSet<String> = before["generated"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["channel"] == "rmw" && g["valid"] == true)
        .map(|g| g["channel_ticket_id"].as_str().unwrap().to_string())
        .collect();
    assert!(valid.len() >= 10, "rmw gets enough tickets: {}", valid.len());
    let signs = outbox(&engine, EffectKind::SignFor);
    let stored: HashSet<String> = signs.iter().map(|e| e.effect.channel_ticket_id.clone()).collect();
    assert_eq!(stored, valid, "every valid ticket once, through refused pages");
    let signed = accepted(&before, "signed");
    for entry in &signs {
        assert_eq!(entry.state, DeliveryState::Delivered);
        assert_eq!(signed.get(&entry.effect.channel_ticket_id), Some(&1), "one key each");
    }
    assert!(signs.iter().any(|e| e.attempts > 1), "some sign-fors were refused first");

    // Every ticket worked to its result: the write-backs go to the same refusing gateway.
    for entry in &signs {
        let ticket = entry.effect.ticket;
        for action in [
            A::Triage { kind: Kind::Enquiry, category: None, dispute_type: None },
            A::Dispatch { unit: "daliang".into() },
            A::Sign,
            A::Answer { text: "已电话告知消费者处理途径".into() },
            A::Resolve {
                result: "已答复消费者，建议保留购物凭证".into(), amount_recovered: None
            },
        ] {
            let act = Command::Act { ticket, action };
            engine.execute(Envelope { actor: "unit:daliang".into(), command: act }).await.unwrap();
        }
    }
    let report = worker::sync_once(engine.clone(), &side, clock(), Duration::from_secs(120)).await.unwrap();
    assert_eq!((report.pending, report.dead), (0, 0), "{report:?}");
    let after = ledger(&sim.base).await;
    let written = accepted(&after, "writebacks");
    let write_backs = outbox(&engine, EffectKind::WriteBack);
    assert_eq!(write_backs.len(), valid.len());
    for entry in &write_backs {
        assert_eq!(entry.state, DeliveryState::Delivered);
        assert_eq!(written.get(&entry.effect.channel_ticket_id), Some(&1), "one key each");
        let ticket = engine.reader().ticket(entry.effect.ticket).unwrap().unwrap();
        assert_eq!(ticket.status, Status::WrittenBack);
    }
    assert!(write_backs.iter().any(|e| e.attempts > 1), "some write-backs were refused first");
    let last = after["writebacks"].as_array().unwrap().iter().find(|w| w["channel"] == "rmw").unwrap();
    assert_eq!(last["last"]["finishTime"], "2026/11/28 10:00:00", "in the gateway's own time format");
    assert_eq!(last["last"]["handleResult"], "已答复消费者，建议保留购物凭证");
    drop((engine, side));
    thread.join().unwrap();
}
