//! The checker on the alarm index and the memory of raised alarms.

use super::tests::{problems_with, sample_store};
use super::{verify, verify_with};
use crate::config;
use crate::domain::alarm::AlarmMemory;
use crate::domain::ticket::TicketId;
use crate::engine::{Command, Engine, Envelope, Outcome};
use crate::store::{Store, alarm, codec, keys};
use crate::time::{Clock, Timestamp};
use std::collections::BTreeSet;
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

/// Rewrites the alarm block of `at` with `edit`, as the writer encodes it.
fn edit_alarm_block(store: &Store, at: Timestamp, edit: impl FnOnce(&mut BTreeSet<(i64, u64)>)) {
    let key = alarm::block_key(at);
    let mut set: BTreeSet<(i64, u64)> = match store.tree().get(&key).unwrap() {
        Some(v) => alarm::decode_block(&v).unwrap().into_iter().map(|(at, id)| (at.millis(), id.0)).collect(),
        None => BTreeSet::new(),
    };
    edit(&mut set);
    if set.is_empty() {
        store.tree().remove(key).unwrap();
    } else {
        store.tree().insert(key, alarm::encode_block(&set)).unwrap();
    }
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
    let alarms: Vec<_> = store.alarms().map(Result::unwrap).filter(|(_, t)| *t == TicketId(1)).collect();
    let [(at, _)] = alarms.try_into().expect("ticket #1 has one next alarm");
    edit_alarm_block(store, at, |set| assert!(set.remove(&(at.millis(), 1))));
    // #5 was returned to its channel: it has no clock left to alarm on.
    let stale = Timestamp::parse("2026-03-03 09:00").unwrap();
    edit_alarm_block(store, stale, |set| assert!(set.insert((stale.millis(), 5))));
    assert!(verify(store).unwrap().is_ok(), "without the rules the alarm index is not compared");
    let report = verify_with(store, &config).unwrap();
    assert_eq!(problems_with(&report, "#1 missing from alarms at"), 1, "{report}");
    assert_eq!(problems_with(&report, "#5 stale in alarms at 2026-03-03T09:00:00+08:00"), 1, "{report}");
    assert_eq!(report.problems.len(), 2, "{report}");
}
