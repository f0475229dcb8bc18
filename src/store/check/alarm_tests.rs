//! The checker on the alarm index and the memory of raised alarms.

use super::tests::{problems_with, sample_store};
use super::{verify, verify_with};
use crate::config;
use crate::domain::alarm::AlarmMemory;
use crate::domain::ticket::TicketId;
use crate::engine::{Command, Engine, Envelope, Outcome};
use crate::store::{Store, codec, keys};
use crate::time::{Clock, Timestamp};
use std::sync::Arc;

/// The sample store, then 10:50 the same morning: ticket #1, dispatched to 大良 at 10:00, is
/// due soon on its first-contact hour (due 11:00), and the scheduler has raised that.
fn store_with_an_alarm(dir: &std::path::Path) -> (Engine, config::Config) {
    drop(sample_store(dir));
    let config = config::load(None).unwrap();
    let clock = Clock::Fixed(Timestamp::parse("2026-03-02 10:50").unwrap());
    let mut engine = Engine::open(dir, Arc::new(config.clone()), clock).unwrap();
    let fired = engine.execute(Envelope { actor: "scheduler".into(), command: Command::FireAlarms }).unwrap();
    let Outcome::Applied(changes) = fired else { panic!("{fired:?}") };
    assert!(changes.iter().any(|c| c.ticket == TicketId(1) && c.event == "due_soon"), "{changes:?}");
    (engine, config)
}

fn alarm_keys(store: &Store, id: u64) -> Vec<Vec<u8>> {
    store
        .keys_in_space(keys::ALARM)
        .map(Result::unwrap)
        .filter(|k| keys::parse_alarm(k).is_some_and(|(_, t)| t == TicketId(id)))
        .collect()
}

#[test]
fn raised_alarms_and_the_alarm_index_are_consistent() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, config) = store_with_an_alarm(dir.path());
    let report = verify_with(engine.store(), &config).unwrap();
    assert!(report.is_ok(), "{report}");
    assert!(!engine.store().alarm_memory(TicketId(1)).unwrap().is_empty());
}

#[test]
fn a_lost_alarm_memory_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, _) = store_with_an_alarm(dir.path());
    engine.store().tree().remove(keys::alarm_memory(TicketId(1))).unwrap();
    let report = verify(engine.store()).unwrap();
    assert_eq!(
        problems_with(&report, "ticket #1 raised 1 deadline alarms but has no alarm memory"),
        1,
        "{report}"
    );
}

#[test]
fn an_alarm_memory_the_log_does_not_support_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, _) = store_with_an_alarm(dir.path());
    let memory = engine.store().alarm_memory(TicketId(1)).unwrap();
    engine.store().tree().insert(keys::alarm_memory(TicketId(3)), codec::encode(&memory)).unwrap();
    let report = verify(engine.store()).unwrap();
    assert_eq!(problems_with(&report, "ticket #3 has a memory of 1 raised alarms"), 1, "{report}");
    engine
        .store()
        .tree()
        .insert(keys::alarm_memory(TicketId(1)), codec::encode(&AlarmMemory::default()))
        .unwrap();
    let report = verify(engine.store()).unwrap();
    assert_eq!(
        problems_with(&report, "the alarm memory of ticket #1 holds 0 alarms, but its events raised 1"),
        1
    );
}

#[test]
fn missing_and_stale_alarm_keys_are_reported_only_with_the_rules() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, config) = store_with_an_alarm(dir.path());
    let store = engine.store();
    let [key] = alarm_keys(store, 1).try_into().expect("ticket #1 has one next alarm");
    store.tree().remove(&key).unwrap();
    // #5 was returned to its channel: it has no clock left to alarm on.
    let stale = keys::alarm(Timestamp::parse("2026-03-03 09:00").unwrap(), TicketId(5));
    store.tree().insert(&stale, vec![]).unwrap();
    assert!(verify(store).unwrap().is_ok(), "without the rules the alarm index is not compared");
    let report = verify_with(store, &config).unwrap();
    assert_eq!(problems_with(&report, "#1 missing from alarms at"), 1, "{report}");
    assert_eq!(problems_with(&report, "#5 stale in alarms at 2026-03-03T09:00:00+08:00"), 1, "{report}");
    assert_eq!(report.problems.len(), 2, "{report}");
}
