//! The quarantine holds a malformed item once. A channel serves a bad item again on every poll
//! (a short page is read again until it fills); each time it is counted on the entry that holds
//! it — found by its channel ticket id when readable, else by the hash of its payload — and a
//! dropped item stays dropped.

mod support;

use rightsdesk::config;
use rightsdesk::domain::channel_profile::SyncProfile;
use rightsdesk::domain::effect::Effect;
use rightsdesk::engine::quarantine::identity_of_payload;
use rightsdesk::engine::{Command, Engine, EngineHandle, Envelope, QuarantineAction};
use rightsdesk::store::outbox::{QuarantineEntry, QuarantineState};
use rightsdesk::sync::http::{BoxFuture, Channel, Pulled, SyncError};
use rightsdesk::sync::mapping::map_items;
use rightsdesk::sync::worker::{HealthBoard, pull_once};
use rightsdesk::time::{Clock, Timestamp};
use serde_json::{Value, json};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

const NOW: &str = "2026-11-28T10:00:00+08:00";

fn now() -> Timestamp {
    Timestamp::parse(NOW).unwrap()
}

/// The same short page of 12345 on every pull, as the real hotline serves its last page until
/// it fills: one good order, one with an unreadable time, one whose number is not a string.
fn page() -> Vec<Value> {
    vec![
        json!({"gdbh": "SD2026112800101", "sllx": "投诉", "slsj": "2026-11-28 09:12:00", "zj": "大良",
               "tsrxm": "陈美玲", "tsrdh": "13800138000", "btsrmc": "顺德区大良美家电器商行",
               "bt": "空调安装后不制冷，商家拒绝退换", "nr": "11月20日购买的空调安装后不制冷，商家拒绝上门"}),
        json!({"gdbh": "SD2026112800102", "sllx": "投诉", "slsj": "昨天下午", "zj": "容桂",
               "tsrxm": "梁志强", "tsrdh": "13922334455", "bt": "健身房闭店，预付卡无法退费",
               "nr": "容桂某健身会所突然闭店，预付卡余额3200元无法退还"}),
        json!({"gdbh": ["SD2026112800103"], "sllx": "举报", "slsj": "2026-11-28 09:40:00", "zj": "北滘",
               "bt": "超市销售过期牛奶", "nr": "北滘某超市货架上的牛奶已过保质期"}),
    ]
}

struct Repeating(SyncProfile);

impl Channel for Repeating {
    fn id(&self) -> &str {
        "12345"
    }
    fn profile(&self) -> &SyncProfile {
        &self.0
    }
    fn poll_interval(&self) -> Duration {
        Duration::from_secs(2)
    }
    fn pull<'a>(
        &'a self,
        cursor: Option<&'a str>,
        now: Timestamp,
    ) -> BoxFuture<'a, Result<Pulled, SyncError>> {
        let mapped = map_items(&self.0, "12345", &page(), now);
        let next_cursor = Some(cursor.unwrap_or("1").to_string());
        Box::pin(async move { Ok(Pulled { page: mapped, next_cursor, full: false }) })
    }
    fn sign_for<'a>(
        &'a self,
        _: &'a Effect,
        _: &'a str,
        _: Timestamp,
    ) -> BoxFuture<'a, Result<(), SyncError>> {
        Box::pin(async { Ok(()) })
    }
    fn write_back<'a>(
        &'a self,
        _: &'a Effect,
        _: &'a str,
        _: Timestamp,
    ) -> BoxFuture<'a, Result<(), SyncError>> {
        Box::pin(async { Ok(()) })
    }
}

fn entries(engine: &EngineHandle) -> Vec<QuarantineEntry> {
    engine.reader().store().quarantine_entries().map(Result::unwrap).collect()
}

#[tokio::test]
async fn a_malformed_item_polled_ten_times_is_one_quarantine_entry() {
    let dir = tempfile::tempdir().unwrap();
    let config = Arc::new(config::load(None).unwrap());
    let profile = config.channels.get("12345").and_then(|c| c.sync.clone()).unwrap();
    let clock = Clock::Fixed(now());
    let (engine, _thread) = EngineHandle::spawn(Engine::open(dir.path(), config.clone(), clock).unwrap());
    let channel = Repeating(profile);
    let health = HealthBoard::default();
    for _ in 0..10 {
        pull_once(&channel, &engine, clock, &health).await.unwrap();
    }

    let held = entries(&engine);
    assert_eq!(held.len(), 2, "two bad items, one entry each: {held:#?}");
    assert!(held.iter().all(|e| e.state == QuarantineState::Held && !e.reason.is_empty()));
    let store = engine.reader().store();
    assert!(store.external("12345", "SD2026112800101").unwrap().is_some(), "the good order is a ticket");
    assert_eq!(store.last_ticket_id().unwrap(), 1, "and only once");
    for entry in &held {
        let identity = identity_of_payload(&config, "12345", &entry.raw);
        let sighting = store.quarantine_sighting("12345", &identity).unwrap().expect("a sighting");
        assert_eq!((sighting.id, sighting.seen), (entry.id, 10), "{identity}");
    }
    // By its number when it can be read, by the payload's hash when it cannot.
    let identities: Vec<String> =
        held.iter().map(|e| identity_of_payload(&config, "12345", &e.raw)).collect();
    assert!(identities.contains(&"id:SD2026112800102".to_string()), "{identities:?}");
    assert!(identities.iter().any(|i| i.starts_with("sha256:")), "{identities:?}");
    let board = health.lock().unwrap();
    assert_eq!(board["12345"].quarantined, 2, "the channel's health counts items, not polls");
}

#[tokio::test]
async fn a_dropped_item_stays_dropped_when_the_channel_serves_it_again() {
    let dir = tempfile::tempdir().unwrap();
    let config = Arc::new(config::load(None).unwrap());
    let profile = config.channels.get("12345").and_then(|c| c.sync.clone()).unwrap();
    let clock = Clock::Fixed(now());
    let (engine, _thread) = EngineHandle::spawn(Engine::open(dir.path(), config.clone(), clock).unwrap());
    let channel = Repeating(profile);
    let health = HealthBoard::default();
    pull_once(&channel, &engine, clock, &health).await.unwrap();
    let first = entries(&engine);
    for entry in &first {
        let drop = Command::Quarantine { id: entry.id, action: QuarantineAction::Drop };
        engine.execute(Envelope { actor: "王文书".into(), command: drop }).await.unwrap();
    }
    for _ in 0..5 {
        pull_once(&channel, &engine, clock, &health).await.unwrap();
    }
    let after = entries(&engine);
    assert_eq!(after.len(), first.len(), "nothing held anew");
    assert!(after.iter().all(|e| e.state == QuarantineState::Dropped), "{after:#?}");
}

/// The same against the simulator's malformed fault, through the real binary: `sync --once`
/// ten times over, and the quarantine holds each malformed item the simulator generated once.
#[test]
fn the_simulators_malformed_items_synced_ten_times_are_each_held_once() {
    let sim = support::SimProcess::start(
        &[
            "--rate",
            "0",
            "--tickets",
            "60",
            "--seed",
            "7",
            "--faults",
            "12345:malformed=0.5,8180:malformed=0.5",
        ],
        NOW,
    );
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    for round in 0..10 {
        let out = desk(&data, &["sync", "--once", "--timeout", "60", "--sim", &sim.base]);
        assert_eq!(out.status.code(), Some(0), "round {round}: {}", String::from_utf8_lossy(&out.stderr));
    }
    let ledger: Value = support_get(&format!("{}/_sim/ledger", sim.base));
    let invalid = ledger["generated"].as_array().unwrap().iter().filter(|g| g["valid"] == false).count();
    assert!(invalid > 0, "the fault makes some items malformed");
    let out = desk(&data, &["quarantine", "list", "--all", "--format", "json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let held: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(held.as_array().unwrap().len(), invalid, "{held:#}");
}

fn desk(data: &Path, args: &[&str]) -> std::process::Output {
    support::rightsdesk_on(data, NOW).args(args).output().unwrap()
}

fn support_get(url: &str) -> Value {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async { reqwest::get(url).await.unwrap().json().await.unwrap() })
}
