//! A stop does not wait for a channel that never answers: the sync workers give up an
//! in-flight pull or delivery as soon as they are told to stop, so `serve` ends promptly on
//! SIGTERM (it used to wait out its 5 s grace), and nothing is lost — a page never written is
//! pulled again from the same cursor, a delivery never settled is repeated under its key.

use rightsdesk::config;
use rightsdesk::domain::channel_profile::SyncProfile;
use rightsdesk::domain::effect::Effect;
use rightsdesk::engine::{Command, Engine, EngineHandle, Envelope, Ingest};
use rightsdesk::sync::http::{BoxFuture, Channel, Pulled, SyncError};
use rightsdesk::sync::mapping::map_items;
use rightsdesk::sync::worker::{HealthBoard, Missing, SyncOptions, run_channel, run_outbox};
use rightsdesk::time::{Clock, Timestamp};
use std::collections::HashMap;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command as Process, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const NOW: &str = "2026-11-28T10:00:00+08:00";

/// A 12345 channel whose every call is accepted and never answered.
struct Silent {
    profile: SyncProfile,
    calls: Arc<AtomicUsize>,
}

impl Silent {
    fn never<'a, T: Send + 'a>(&'a self) -> BoxFuture<'a, Result<T, SyncError>> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Box::pin(std::future::pending())
    }
}

impl Channel for Silent {
    fn id(&self) -> &str {
        "12345"
    }
    fn profile(&self) -> &SyncProfile {
        &self.profile
    }
    fn poll_interval(&self) -> Duration {
        Duration::from_secs(2)
    }
    fn pull<'a>(&'a self, _: Option<&'a str>, _: Timestamp) -> BoxFuture<'a, Result<Pulled, SyncError>> {
        self.never()
    }
    fn sign_for<'a>(
        &'a self,
        _: &'a Effect,
        _: &'a str,
        _: Timestamp,
    ) -> BoxFuture<'a, Result<(), SyncError>> {
        self.never()
    }
    fn write_back<'a>(
        &'a self,
        _: &'a Effect,
        _: &'a str,
        _: Timestamp,
    ) -> BoxFuture<'a, Result<(), SyncError>> {
        self.never()
    }
}

/// Waits (bounded: a hang guard, not a speed test) until `calls` shows a call in flight.
async fn until_called(calls: &AtomicUsize) {
    let patience = Instant::now() + Duration::from_secs(30);
    while calls.load(Ordering::SeqCst) == 0 {
        assert!(Instant::now() < patience, "the worker never called the channel");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn engine(dir: &Path) -> (EngineHandle, SyncProfile) {
    let config = Arc::new(config::load(None).unwrap());
    let profile = config.channels.get("12345").and_then(|c| c.sync.clone()).unwrap();
    let clock = Clock::Fixed(Timestamp::parse(NOW).unwrap());
    let (handle, _thread) = EngineHandle::spawn(Engine::open(dir, config, clock).unwrap());
    (handle, profile)
}

#[tokio::test]
async fn a_pull_that_never_answers_is_given_up_when_the_worker_is_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, profile) = engine(dir.path());
    let calls = Arc::new(AtomicUsize::new(0));
    let channel: Arc<dyn Channel> = Arc::new(Silent { profile, calls: calls.clone() });
    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    let clock = Clock::Fixed(Timestamp::parse(NOW).unwrap());
    let worker = tokio::spawn(run_channel(
        channel,
        engine,
        clock,
        SyncOptions::default(),
        HealthBoard::default(),
        stop,
    ));
    until_called(&calls).await;
    stop_tx.send(true).unwrap();
    // The worker returns on the stop itself: with the pull still pending, nothing else could
    // end it (the generous bound only keeps a regression from hanging the suite).
    let ended = tokio::time::timeout(Duration::from_secs(60), worker).await;
    assert!(matches!(ended, Ok(Ok(()))), "the worker kept waiting for the silent channel");
}

#[tokio::test]
async fn a_delivery_that_never_answers_is_given_up_when_the_outbox_is_stopped_and_stays_pending() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, profile) = engine(dir.path());
    // One 12345 order, so one sign-for waits in the outbox.
    let item = serde_json::json!({"gdbh": "SD2026112800201", "sllx": "投诉", "slsj": "2026-11-28 09:05:00",
        "zj": "乐从", "tsrxm": "何嘉欣", "tsrdh": "13502751234", "btsrmc": "佛山市顺德区乐从某家具城",
        "bt": "网购家具与宣传不符，商家拒绝退货", "nr": "实木餐桌实为贴皮板材，商家拒绝退货"});
    let now = Timestamp::parse(NOW).unwrap();
    let page = map_items(&profile, "12345", &[item], now);
    let ingest = Ingest {
        channel: "12345".into(),
        cursor: None,
        tickets: page.tickets,
        malformed: vec![],
        released: vec![],
    };
    engine
        .execute(Envelope { actor: "sync:12345".into(), command: Command::Ingest(Box::new(ingest)) })
        .await
        .unwrap();
    let pending =
        || engine.reader().store().outbox_due(Timestamp::from_millis(i64::MAX / 2), 10).unwrap().len();
    assert_eq!(pending(), 1, "a sign-for waits");

    let calls = Arc::new(AtomicUsize::new(0));
    let channel: Arc<dyn Channel> = Arc::new(Silent { profile, calls: calls.clone() });
    let channels = HashMap::from([("12345".to_string(), channel)]);
    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    let clock = Clock::Fixed(now);
    let outbox = tokio::spawn(run_outbox(
        engine.clone(),
        channels,
        None,
        Missing::default(),
        clock,
        SyncOptions::default(),
        stop,
    ));
    until_called(&calls).await;
    stop_tx.send(true).unwrap();
    let ended = tokio::time::timeout(Duration::from_secs(60), outbox).await;
    assert!(matches!(ended, Ok(Ok(()))), "the outbox kept waiting for the silent channel");
    assert_eq!(pending(), 1, "the sign-for given up is still pending, to be sent at the next start");
}

/// `serve` with 12345 pointed at a server that accepts and never answers (60 s request
/// timeout): SIGTERM while the pull hangs ends the process well before the old 5 s grace.
#[test]
fn serve_stops_on_sigterm_while_a_channel_holds_a_pull() {
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = silent.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in silent.incoming().flatten() {
            counter.fetch_add(1, Ordering::SeqCst);
            held.push(stream);
        }
    });

    let tmp = tempfile::tempdir().unwrap();
    let (data, config) = (tmp.path().join("data"), tmp.path().join("config"));
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(config.join("channels.toml"), override_12345(&format!("http://{address}/12345"))).unwrap();
    let mut serve = Process::new(env!("CARGO_BIN_EXE_rightsdesk"))
        .arg("--data")
        .arg(&data)
        .arg("--config")
        .arg(&config)
        .args(["serve", "--units-listen", "127.0.0.1:0"])
        .env("RIGHTSDESK_NOW", NOW)
        .env("RIGHTSDESK_SECRET_12345", "test-token-顺德")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts serve");
    let patience = Instant::now() + Duration::from_secs(60);
    while accepted.load(Ordering::SeqCst) == 0 || !data.join("serve.sock").exists() {
        if let Some(status) = serve.try_wait().unwrap() {
            panic!("serve ended early: {status}");
        }
        assert!(Instant::now() < patience, "serve never pulled 12345");
        std::thread::sleep(Duration::from_millis(20));
    }
    // Let the pull settle into waiting for an answer that never comes.
    std::thread::sleep(Duration::from_millis(200));
    let signalled = Instant::now();
    // SAFETY: sending a signal to our own child has no memory-safety preconditions.
    unsafe {
        libc::kill(serve.id() as i32, libc::SIGTERM);
    }
    let status = serve.wait().unwrap();
    let took = signalled.elapsed();
    assert_eq!(status.code(), Some(0));
    assert!(took < Duration::from_secs(3), "stopping took {took:?}: it waited for the silent channel");
}

/// The shipped 12345 profile, whole, pointed at `base_url` with a long request timeout: whole,
/// so that it works whether an override's sync table merges into the shipped one or replaces it.
fn override_12345(base_url: &str) -> String {
    let shipped: toml::Table = toml::from_str(include_str!("../config/channels.toml")).unwrap();
    let mut sync = shipped["channel"]["12345"]["sync"].as_table().unwrap().clone();
    sync.insert("base_url".into(), base_url.into());
    sync.insert("timeout_ms".into(), 60_000.into());
    let mut channel = toml::Table::new();
    channel.insert("sync".into(), sync.into());
    let mut channels = toml::Table::new();
    channels.insert("12345".into(), channel.into());
    let mut file = toml::Table::new();
    file.insert("channel".into(), channels.into());
    toml::to_string(&file).unwrap()
}
