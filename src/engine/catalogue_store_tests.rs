//! The store's copy of the catalogue: read back, it is the catalogue a scan of every ticket
//! builds, slot by slot, and a search finds the same in it; a ticket changed since is derived
//! again; a copy of another format is scanned again; serve's start reads it instead of scanning.

use super::super::{Catalogue, Loaded, Pace, Shared};
use super::*;
use crate::config::Config;
use crate::domain::action::TicketAction;
use crate::domain::ticket::Kind;
use crate::engine::stats::tests::{filled, now, shipped};
use crate::engine::{Command, Engine, Envelope};
use crate::generate::Generator;
use crate::search::Query;

/// Each ticket of the catalogue as it is read, its names spelled out.
fn spelled(cat: &Catalogue) -> Vec<String> {
    cat.entries()
        .map(|e| {
            format!(
                "{:?} {:?} {:?}",
                (e.id(), e.status(), e.returned(), e.received_at(), e.earliest_due()),
                (e.channel(), e.town(), cat.districts.get(e.slot.district), e.unit(), e.owner()),
                (e.respondent(), e.category(), e.title(), e.channel_ticket_id()),
            )
        })
        .collect()
}

/// Each ticket's slot as numbers: its names' and where its texts are in the arena.
fn numbers(cat: &Catalogue) -> Vec<([u32; 7], u32, u16, u8)> {
    cat.slots.iter().map(|s| (s.names(), s.text_at, s.title_len, s.channel_ticket_id_len)).collect()
}

/// What a search finds: by number, channel ticket id, title, pinyin of towns, respondents and
/// units (initials and full), and category.
fn found(cat: &Catalogue) -> Vec<Vec<(u32, i64)>> {
    let some = cat.entry(cat.len() / 2);
    let queries = ["rg", "ronggui", "lecong", "预付卡", "有限公司", "合同", &some.slot.id.0.to_string()];
    let by_id = some.channel_ticket_id().to_string();
    queries.iter().chain([&by_id.as_str()]).map(|q| cat.matches(&Query::new(q), None)).collect()
}

fn scanned(store: &Store, config: &Config) -> Catalogue {
    Catalogue::scan(store, config, &Pace::default(), false, &mut |_| {}).unwrap().expect("not closing")
}

/// The catalogue as a start loads it (the store's copy when there is one).
fn loaded(store: &Store, config: &Config) -> Catalogue {
    Catalogue::load(store, config, &Pace::default(), false, None).unwrap().expect("not closing")
}

/// A ticket registered by the 12345 hotline at `at`, not yet triaged (another for each seed).
fn register(engine: &mut Engine, config: &Config, seed: u64, at: crate::time::Timestamp) -> TicketId {
    let mut g = Generator::new(seed, &config.org, &config.channels);
    let mut fresh = g.new_ticket("12345", at);
    // The hotline numbers its tickets by the minute: one of its own for each.
    fresh.intake.channel_ticket_id.push_str(&format!("-{seed}"));
    let registered = engine
        .execute(Envelope { actor: "sync:12345".into(), command: Command::Register(Box::new(fresh)) })
        .unwrap();
    registered.ticket().expect("a new ticket")
}

fn triage(engine: &mut Engine, id: TicketId, category: &str) {
    let action = TicketAction::Triage {
        kind: Kind::Complaint,
        category: Some(category.into()),
        dispute_type: Some("合同".into()),
    };
    engine
        .execute(Envelope { actor: "王文书".into(), command: Command::Act { ticket: id, action } })
        .unwrap();
}

#[test]
fn a_stored_catalogue_reads_back_slot_by_slot_as_a_scan_builds_it_and_finds_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let config = shipped();
    let engine = filled(dir.path(), &config);
    let store = engine.store();
    let built = scanned(store, &config);
    write_all(&built, store, &config);
    let stamp = tree(store).unwrap().stamp().unwrap().expect("stored");
    assert_eq!((stamp.seq, stamp.fingerprint), (store.last_seq().unwrap(), fingerprint_of(FORMAT, &config)));

    let read = loaded(store, &config);
    assert_eq!(read.loaded_by, Some(Loaded::Read { derived: 0 }));
    assert_eq!(read.len(), 150);
    assert_eq!(spelled(&read), spelled(&built));
    assert_eq!(numbers(&read), numbers(&built), "slot by slot");
    let results = found(&built);
    assert!(results.iter().filter(|r| !r.is_empty()).count() >= 5, "the queries find tickets");
    assert_eq!(found(&read), results);
    assert_eq!(read.towns.values.len(), built.towns.values.len());
    assert!(
        read.towns.values.iter().any(|(_, m)| m.as_ref().is_some_and(|m| m.readings.is_some())),
        "the names' readings are computed as they are read"
    );
}

#[test]
fn a_ticket_changed_after_the_catalogue_was_stored_is_derived_again_and_stored() {
    let dir = tempfile::tempdir().unwrap();
    let config = shipped();
    let mut engine = filled(dir.path(), &config);
    let id = register(&mut engine, &config, 7, now().plus_seconds(-600));
    write_all(&scanned(engine.store(), &config), engine.store(), &config);

    triage(&mut engine, id, "预付式消费");
    let late = register(&mut engine, &config, 8, now().plus_seconds(-60));
    let store = engine.store();
    let read = loaded(store, &config);
    assert_eq!(read.loaded_by, Some(Loaded::Read { derived: 2 }), "the triaged and the new ticket");
    let at = read.position(id).expect("held");
    assert_eq!(read.entry(at).category(), Some("预付式消费"));
    assert!(late != id && read.position(late).is_some());
    // The same tickets as a scan now finds (the triaged one's texts and new name at the end
    // of the arena and the names, as a catalogue kept current has them).
    assert_eq!(spelled(&read), spelled(&scanned(store, &config)));

    // ... and written back as a command loads it (a server's waits for `store_derived`, see
    // below): the store's copy is current as of the last event.
    Shared::default().ensure_loaded(store, &config).unwrap();
    let stamp = tree(store).unwrap().stamp().unwrap().unwrap();
    assert_eq!(stamp.seq, store.last_seq().unwrap());
    let again = loaded(store, &config);
    assert_eq!(again.loaded_by, Some(Loaded::Read { derived: 0 }));
    assert_eq!(spelled(&again), spelled(&read));
    // The name given out since the copy was stored keeps its number (the arena is read back
    // without the triaged ticket's former texts).
    let names = |cat: &Catalogue| numbers(cat).into_iter().map(|n| n.0).collect::<Vec<_>>();
    assert_eq!(names(&again), names(&read));
}

/// A slot's due instant follows the deadline rules and the holiday calendar: a copy stored
/// under another calendar would show due instants the console no longer computes.
#[test]
fn a_copy_stored_under_another_holiday_calendar_is_scanned_again() {
    let dir = tempfile::tempdir().unwrap();
    let config = shipped();
    let engine = filled(&dir.path().join("data"), &config);
    let store = engine.store();
    write_all(&scanned(store, &config), store, &config);
    let changed = crate::engine::stats::tests::with_a_day_off(&dir.path().join("config"));
    assert_ne!(fingerprint_of(FORMAT, &changed), fingerprint_of(FORMAT, &config));

    let shared = Shared::default();
    shared.ensure_loaded(store, &changed).unwrap();
    assert_eq!(shared.loaded_by(), Some(Loaded::Scanned { tickets: 150 }));
    let stamp = tree(store).unwrap().stamp().unwrap().unwrap();
    assert_eq!(stamp.fingerprint, fingerprint_of(FORMAT, &changed), "stored again under the new one");
}

#[test]
fn a_copy_of_another_format_is_scanned_again_and_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let config = shipped();
    let engine = filled(dir.path(), &config);
    let store = engine.store();
    write_all(&scanned(store, &config), store, &config);
    let tree = tree(store).unwrap();
    let stamp = tree.stamp().unwrap().unwrap();
    let older = Stamp { fingerprint: fingerprint_of(FORMAT + 1, &config), ..stamp };
    tree.write([], [], older).unwrap();

    let shared = Shared::default();
    shared.ensure_loaded(store, &config).unwrap();
    assert_eq!(shared.loaded_by(), Some(Loaded::Scanned { tickets: 150 }));
    assert_eq!(tree.stamp().unwrap().unwrap().fingerprint, fingerprint_of(FORMAT, &config), "stored again");
    assert_eq!(loaded(store, &config).loaded_by, Some(Loaded::Read { derived: 0 }));
}

#[test]
fn serve_started_on_a_store_with_a_stored_catalogue_reads_it_instead_of_scanning() {
    let dir = tempfile::tempdir().unwrap();
    let config = shipped();
    let mut engine = filled(dir.path(), &config);
    let id = register(&mut engine, &config, 7, now().plus_seconds(-600));

    // The first start after a fill: one scan builds the catalogue and the facts, both stored.
    let first = engine.reader();
    first.preload().wait();
    assert_eq!(first.catalogue_loaded_by(), Some(Loaded::Scanned { tickets: 151 }));
    assert!(tree(engine.store()).unwrap().stamp().unwrap().is_some());
    assert!(engine.store().fact_tree().unwrap().stamp().unwrap().is_some());

    // The next start reads both, and derives only the ticket triaged meanwhile.
    triage(&mut engine, id, "预付式消费");
    let next = engine.reader();
    next.preload().wait();
    assert_eq!(next.catalogue_loaded_by(), Some(Loaded::Read { derived: 1 }));
    assert!(finds(&next, "预付式消费", id), "found by the category given after the copy");
}

/// Whether a search of every ticket for `text` finds `id`.
fn finds(reader: &crate::engine::Reader, text: &str, id: TicketId) -> bool {
    use crate::engine::window::{Scope, ViewSpec, WindowQuery};
    let view = ViewSpec { scope: Scope::All, search: Some(text.into()), ..ViewSpec::default() };
    let window = reader.window(&WindowQuery { view, offset: 0, limit: 200, anchor: None }).unwrap();
    window.rows.iter().any(|r| r.id == id.0)
}

#[test]
fn a_server_stores_what_it_derived_again_when_asked_and_lets_go_of_the_derived_database() {
    let dir = tempfile::tempdir().unwrap();
    let config = shipped();
    let mut engine = filled(dir.path(), &config);
    let id = register(&mut engine, &config, 7, now().plus_seconds(-600));
    let reader = engine.reader();
    reader.store_derived_lazily();
    reader.preload().wait();
    let store = engine.store().clone();
    assert!(!store.derived_is_open(), "closed once both copies were written whole");
    let stored_at = store.last_seq().unwrap();
    assert_eq!(tree(&store).unwrap().stamp().unwrap().unwrap().seq, stored_at);
    store.close_derived();

    // A change the server's catalogue and facts catch up with is not written at once...
    triage(&mut engine, id, "预付式消费");
    assert!(finds(&reader, "预付式消费", id), "the catalogue caught up");
    reader.statistics(&crate::engine::stats::tests::month()).unwrap();
    assert!(!store.derived_is_open(), "nothing opened the derived database");
    assert_eq!(tree(&store).unwrap().stamp().unwrap().unwrap().seq, stored_at);
    store.close_derived();

    // ... but when the server stores them (every few minutes, and as it stops).
    reader.store_derived();
    let last = store.last_seq().unwrap();
    assert!(last > stored_at);
    assert_eq!(tree(&store).unwrap().stamp().unwrap().unwrap().seq, last, "the catalogue's copy");
    assert_eq!(store.fact_tree().unwrap().stamp().unwrap().unwrap().seq, last, "the facts' copy");
    store.close_derived();
    assert!(!store.derived_is_open());
    drop(reader);
    drop(store);
    let again = engine.reader();
    again.preload().wait();
    assert_eq!(again.catalogue_loaded_by(), Some(Loaded::Read { derived: 0 }), "nothing left to derive");
}
