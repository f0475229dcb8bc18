//! The sync worker reads a quarantined item again when an operator hands it back: with today's
//! profile it becomes a ticket, and the quarantine entry is marked released in the same batch.

use rightsdesk::config;
use rightsdesk::domain::channel_profile::SyncProfile;
use rightsdesk::domain::effect::Effect;
use rightsdesk::engine::{
    Command, Engine, EngineHandle, Envelope, Ingest, Malformed, Outcome, QuarantineAction,
};
use rightsdesk::store::outbox::QuarantineState;
use rightsdesk::sync::http::{BoxFuture, Channel, Pulled, SyncError};
use rightsdesk::sync::mapping::MappedPage;
use rightsdesk::sync::worker::{HealthBoard, pull_once};
use rightsdesk::time::{Clock, Timestamp};
use std::sync::Arc;
use std::time::Duration;

/// A 12345 channel with nothing new: only what the quarantine hands back arrives.
struct Quiet(SyncProfile);

impl Channel for Quiet {
    fn id(&self) -> &str {
        "12345"
    }
    fn profile(&self) -> &SyncProfile {
        &self.0
    }
    fn poll_interval(&self) -> Duration {
        Duration::from_secs(1)
    }
    fn pull<'a>(
        &'a self,
        cursor: Option<&'a str>,
        _now: Timestamp,
    ) -> BoxFuture<'a, Result<Pulled, SyncError>> {
        let next_cursor = cursor.map(str::to_string);
        Box::pin(async move { Ok(Pulled { page: MappedPage::default(), next_cursor, full: false }) })
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

#[tokio::test]
async fn a_quarantined_item_handed_back_is_read_again_and_released() {
    let dir = tempfile::tempdir().unwrap();
    let config = Arc::new(config::load(None).unwrap());
    let profile = config.channels.get("12345").and_then(|c| c.sync.clone()).unwrap();
    let clock = Clock::Fixed(Timestamp::parse("2026-11-28T10:00:00+08:00").unwrap());
    let engine = Engine::open(dir.path(), config, clock).unwrap();
    let (engine, _thread) = EngineHandle::spawn(engine);
    // Held by an older adapter that could not read the channel's time format.
    let raw = r#"{"gdbh":"SD2026112800501","sllx":"投诉","slsj":"2026-11-28 09:30:00","zj":"伦教","bt":"木工机械售后拖延","nr":"购买的木工机械故障，商家拖延维修"}"#;
    let held = Malformed { reason: "slsj: unknown time format".into(), raw: raw.into() };
    let ingest = Ingest {
        channel: "12345".into(),
        cursor: None,
        tickets: vec![],
        malformed: vec![held],
        released: vec![],
    };
    let Outcome::Ingested(report) = engine
        .execute(Envelope { actor: "sync:12345".into(), command: Command::Ingest(Box::new(ingest)) })
        .await
        .unwrap()
    else {
        panic!("ingested")
    };
    let id = report.quarantined[0];
    let quiet = Quiet(profile);
    let health = HealthBoard::default();
    pull_once(&quiet, &engine, clock, &health).await.unwrap();
    let store = engine.reader().store();
    assert_eq!(
        store.quarantine_entry(id).unwrap().unwrap().state,
        QuarantineState::Held,
        "held until handed back"
    );
    assert!(store.external("12345", "SD2026112800501").unwrap().is_none());

    let retry = Command::Quarantine { id, action: QuarantineAction::Retry };
    engine.execute(Envelope { actor: "王文书".into(), command: retry }).await.unwrap();
    pull_once(&quiet, &engine, clock, &health).await.unwrap();
    let store = engine.reader().store();
    assert_eq!(store.quarantine_entry(id).unwrap().unwrap().state, QuarantineState::Released);
    assert!(store.external("12345", "SD2026112800501").unwrap().is_some(), "it is a ticket now");
}
