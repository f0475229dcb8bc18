//! The store's copy of the statistics' facts: read back, it equals what deriving every ticket
//! again gives; a ticket changed since is derived again; another calendar or dictionary makes
//! the copy stale as a whole.

use super::*;
use crate::domain::action::TicketAction;
use crate::engine::{Command, Engine, Envelope};
use crate::generate::Generator;
use crate::stats::TicketFacts;
use crate::stats::facts::WordSpan;
use crate::store::facts::block_of;
use crate::time::Clock;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// Saturday 28 November 2026, 10:00 China time.
const NOW: &str = "2026-11-28T10:00:00+08:00";

pub(in crate::engine) fn now() -> Timestamp {
    Timestamp::parse(NOW).expect("the fixed now parses")
}

pub(in crate::engine) fn shipped() -> Arc<Config> {
    Arc::new(crate::config::load(None).expect("the built-in configuration loads"))
}

/// 150 tickets migrated as they stood, received over the eight weeks before now: most handled
/// and closed, some still open (some of those suspended or in mediation).
pub(in crate::engine) fn filled(dir: &Path, config: &Arc<Config>) -> Engine {
    let mut engine = Engine::open(dir, config.clone(), Clock::Fixed(now())).expect("opens");
    let mut g = Generator::new(20261128, &config.org, &config.channels);
    let envelopes = (0..150)
        .map(|i| {
            let channel = g.channel_mix().to_string();
            let from = now().plus_seconds(-(56 - i / 3) * 86_400);
            let received = g.received_between(&channel, from, from.plus_seconds(80_000));
            let t = g.historical_ticket_as_of(&channel, received, i % 4 == 0, &config.sla, now());
            Envelope { actor: "import".into(), command: Command::Backfill(Box::new(t)) }
        })
        .collect();
    for r in engine.execute_all(envelopes) {
        r.expect("backfilled");
    }
    engine
}

/// Registers a new ticket generated with `seed` on `channel`, received `ago` seconds before now.
fn register_new(
    engine: &mut Engine,
    config: &Config,
    seed: u64,
    channel: &str,
    actor: &str,
    ago: i64,
) -> TicketId {
    let fresh =
        Generator::new(seed, &config.org, &config.channels).new_ticket(channel, now().plus_seconds(-ago));
    let registered = engine
        .execute(Envelope { actor: actor.into(), command: Command::Register(Box::new(fresh)) })
        .unwrap();
    registered.ticket().expect("a new ticket")
}

/// A store in a directory of its own, with `filled`'s 150 tickets under the shipped
/// configuration (the directory goes when the first value is dropped).
fn a_filled_store() -> (tempfile::TempDir, Arc<Config>, Engine) {
    let dir = tempfile::tempdir().unwrap();
    let config = shipped();
    let engine = filled(dir.path(), &config);
    (dir, config, engine)
}

/// Every ticket's facts derived from the store now, as a fresh server would.
fn derived_again(store: &Store, config: &Config, now: Timestamp) -> FactTable {
    let segmenter = Segmenter::new(&config.stats, &config.org);
    let rules = Rules { sla: &config.sla, calendar: &config.calendar, segmenter: Some(&segmenter) };
    let mut table = FactTable::new();
    for t in store.tickets() {
        table.put(&t.expect("reads"), rules, now);
    }
    table
}

/// The facts of a table with every name spelled out: two tables number their names each in
/// its own order.
fn spelled(table: &FactTable) -> Vec<String> {
    table
        .iter()
        .map(|f| {
            let name = |s: Option<Sym>| s.map(|s| table.name(s));
            let words: Vec<&str> = table.words_of(f).iter().map(|w| table.name(w)).collect();
            let plain = TicketFacts { words: WordSpan::default(), ..f };
            format!(
                "{:?} {:?} {:?} {:?} {words:?}",
                (plain.id, plain.received_at, plain.kind, plain.status, plain.amount_recovered),
                (plain.first_check, plain.mediation, plain.first_contact, plain.first_contact_minutes()),
                (plain.finished, plain.met_late, plain.running_due(), plain.not_handled),
                (
                    table.name(plain.channel),
                    [name(plain.category), name(plain.dispute_type), name(plain.town)],
                    [name(plain.business_district), name(plain.industry), name(plain.unit)],
                    [name(plain.merchant), name(plain.merchant_name)],
                    plain.complainant,
                    plain.satisfaction,
                ),
            )
        })
        .collect()
}

pub(in crate::engine) fn month() -> StatsQuery {
    let p = Period::new("2026-10-01".parse().unwrap(), "2026-11-27".parse().unwrap()).unwrap();
    StatsQuery { period: Some(p), unit: None, town: None }
}

#[test]
fn stored_facts_read_back_equal_to_the_facts_derived_again_later() {
    let (_dir, config, engine) = a_filled_store();
    let store = engine.store();
    let mut first = StatsCache::default();
    let answered = first.statistics(store, &config, &month(), now()).unwrap();
    let stamp = store.fact_tree().unwrap().stamp().unwrap().expect("the first question stored the facts");
    assert_eq!(stamp.seq, store.last_seq().unwrap());
    assert_eq!(stamp.fingerprint, fingerprint_of(&config));

    // Three days later nothing happened to the tickets: the stored facts are theirs.
    let later = now().plus_seconds(3 * 86_400);
    let mut next = StatsCache::default();
    assert!(next.load_stored(store, &config, later).unwrap(), "read from the store");
    assert_eq!(next.table.len(), 150);
    assert_eq!(spelled(&next.table), spelled(&derived_again(store, &config, later)));
    assert!(next.table.iter().any(|f| !next.table.words_of(f).is_empty()), "hot words are stored too");
    assert_eq!(next.statistics(store, &config, &month(), now()).unwrap(), answered);
}

#[test]
fn a_ticket_changed_after_its_facts_were_stored_gets_them_derived_again() {
    let (_dir, config, mut engine) = a_filled_store();
    let mut first = StatsCache::default();
    first.statistics(engine.store(), &config, &month(), now()).unwrap();

    let id = register_new(&mut engine, &config, 7, "12345", "sync:12345", 600);
    let triage = TicketAction::Triage {
        kind: crate::domain::ticket::Kind::Complaint,
        category: Some("预付式消费".into()),
        dispute_type: Some("合同".into()),
    };
    engine
        .execute(Envelope { actor: "王文书".into(), command: Command::Act { ticket: id, action: triage } })
        .unwrap();
    let store = engine.store();

    let mut next = StatsCache::default();
    assert!(next.load_stored(store, &config, now()).unwrap());
    let facts = next.table.get(id).expect("the new ticket's facts");
    assert_eq!(facts.category.map(|c| next.table.name(c)), Some("预付式消费"));
    assert_eq!(spelled(&next.table), spelled(&derived_again(store, &config, now())));
    // ... and written back: the store's copy is current as of the triage.
    let tree = store.fact_tree().unwrap();
    let stamp = tree.stamp().unwrap().unwrap();
    assert_eq!(stamp.seq, store.last_seq().unwrap());
    let names = tree.names(stamp.names).unwrap();
    let (block, bytes) =
        tree.blocks().map(Result::unwrap).find(|(b, _)| *b == block_of(id)).expect("its block");
    let (_, bytes) =
        records_in(block, &bytes).map(Option::unwrap).find(|(i, _)| *i == id).expect("its record");
    let (stored, _) = record::decode(id, bytes, names.len()).expect("reads");
    assert_eq!(stored.category.map(|c| names[c.get() as usize - 1].as_str()), Some("预付式消费"));
}

#[test]
fn a_known_tickets_later_events_keep_its_hot_words_without_loading_the_segmenter() {
    let (_dir, config, mut engine) = a_filled_store();
    StatsCache::default().statistics(engine.store(), &config, &month(), now()).unwrap();
    let open = engine.store().open_rows().map(Result::unwrap).next().expect("an open ticket").id;
    let note = TicketAction::Note { text: "已电话联系商家，约定周一答复".into() };
    engine
        .execute(Envelope { actor: "王文书".into(), command: Command::Act { ticket: open, action: note } })
        .unwrap();
    let store = engine.store();

    let mut next = StatsCache::default();
    assert!(next.load_stored(store, &config, now()).unwrap());
    assert!(next.segmenter.is_none(), "no text was cut into words");
    let words: Vec<_> = next.table.words_of(next.table.get(open).unwrap()).iter().collect();
    assert!(!words.is_empty(), "the ticket keeps its words");
    assert_eq!(spelled(&next.table), spelled(&derived_again(store, &config, now())));
}

#[test]
fn alarms_raised_after_the_facts_were_stored_leave_them_current_without_deriving_a_ticket() {
    let (_dir, config, mut engine) = a_filled_store();
    StatsCache::default().statistics(engine.store(), &config, &month(), now()).unwrap();
    let stored = engine.store().fact_tree().unwrap().stamp().unwrap().expect("stored").seq;

    let fire = Envelope { actor: crate::engine::SCHEDULER.into(), command: Command::FireAlarms };
    let raised = match engine.execute(fire).unwrap() {
        crate::engine::Outcome::Applied(changes) => changes.len(),
        other => panic!("{other:?}"),
    };
    assert!(raised > 0, "the open tickets' alarms came due");
    let store = engine.store();
    let (changed, last) = store.changed_after(stored).unwrap();
    assert!(changed.is_empty(), "alarms change nothing derived: {changed:?}");
    assert_eq!(last, store.last_seq().unwrap(), "and the copy is current as of the last alarm");

    let mut next = StatsCache::default();
    assert!(next.load_stored(store, &config, now()).unwrap());
    assert_eq!(spelled(&next.table), spelled(&derived_again(store, &config, now())));
}

#[test]
fn the_word_segmenter_is_let_go_when_unused_since_the_last_look_and_comes_back_for_a_new_ticket() {
    let (_dir, config, mut engine) = a_filled_store();
    let mut cache = StatsCache::default();
    cache.statistics(engine.store(), &config, &month(), now()).unwrap();
    assert!(cache.segmenter.is_some(), "building every ticket's facts loaded it");
    cache.let_go_of_idle_segmenter();
    assert!(cache.segmenter.is_some(), "used since the last look: kept");
    cache.let_go_of_idle_segmenter();
    assert!(cache.segmenter.is_none(), "unused since the last look: let go");

    let id = register_new(&mut engine, &config, 11, "walkin", "王文书", 300);
    cache.statistics(engine.store(), &config, &month(), now()).unwrap();
    assert!(cache.segmenter.is_some(), "the new ticket's text was cut into words");
    assert!(!cache.table.words_of(cache.table.get(id).unwrap()).is_empty());
    cache.let_go_of_idle_segmenter();
    assert!(cache.segmenter.is_some());
}

/// The shipped configuration with Friday 20 November 2026 a day off, from a config directory.
pub(in crate::engine) fn with_a_day_off(dir: &Path) -> Arc<Config> {
    let holidays = include_str!("../../config/holidays/2026.toml")
        .replace("\"2026-10-01..2026-10-07\",", "\"2026-10-01..2026-10-07\",\n    \"2026-11-20\",");
    std::fs::create_dir_all(dir.join("holidays")).unwrap();
    std::fs::write(dir.join("holidays/2026.toml"), holidays).unwrap();
    let config = crate::config::load(Some(dir)).expect("loads");
    assert!(!config.calendar.is_working_day("2026-11-20".parse().unwrap()));
    Arc::new(config)
}

#[test]
fn a_changed_holiday_calendar_or_dictionary_derives_every_fact_again() {
    let dir = tempfile::tempdir().unwrap();
    let config = shipped();
    let engine = filled(&dir.path().join("data"), &config);
    let store = engine.store();
    StatsCache::default().statistics(store, &config, &month(), now()).unwrap();
    let before = spelled(&derived_again(store, &config, now()));

    // The most common hot word becomes a stop word.
    let table = derived_again(store, &config, now());
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for f in table.iter() {
        for w in table.words_of(f).iter() {
            *counts.entry(table.name(w)).or_default() += 1;
        }
    }
    let common = counts.iter().max_by_key(|(_, n)| **n).map(|(w, _)| w.to_string()).expect("words");
    let mut stopped = (*config).clone();
    stopped.stats.hot_words.more_stop_words.push(common.clone());

    for changed in [with_a_day_off(&dir.path().join("config")), Arc::new(stopped)] {
        assert_ne!(fingerprint_of(&changed), fingerprint_of(&config));
        let mut next = StatsCache::default();
        assert!(!next.load_stored(store, &changed, now()).unwrap(), "the stored facts are stale");
        next.statistics(store, &changed, &month(), now()).unwrap();
        let again = spelled(&derived_again(store, &changed, now()));
        assert_ne!(again, before, "the change moves some fact");
        assert_eq!(spelled(&next.table), again);
        let stamp = store.fact_tree().unwrap().stamp().unwrap().unwrap();
        assert_eq!(stamp.fingerprint, fingerprint_of(&changed), "stored again under the new one");
    }
    let table = derived_again(store, &config, now());
    assert!(table.iter().any(|f| table.words_of(f).iter().any(|w| table.name(w) == common)));
}
