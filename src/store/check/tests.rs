//! Unit tests of the checker: a small store written by the engine, then broken one way at a time.

use super::projections::decode_stored;
use super::{CheckReport, IdRange, TICKETS_PER_PASS, verify, verify_in_passes};
use crate::config;
use crate::domain::action::TicketAction;
use crate::domain::status::Status;
use crate::domain::ticket::{Complainant, Dispute, Intake, Kind, NewTicket, Respondent, TicketId};
use crate::engine::{Command, Engine, Envelope, Outcome};
use crate::store::index::{
    self, BlockSet, Entry, decode_hashed, decode_valued, encode_hashed, encode_valued,
};
use crate::store::keys::{self, TextIndex};
use crate::store::row::Row;
use crate::store::write::StoredTicket;
use crate::store::{Store, codec, external};
use crate::time::{Clock, Timestamp};
use std::sync::Arc;

pub(crate) fn new_ticket(channel: &str, ext: &str) -> NewTicket {
    NewTicket {
        kind: Some(Kind::Complaint),
        intake: Intake {
            channel: channel.into(),
            channel_ticket_id: ext.into(),
            received_at: Timestamp::parse("2026-03-02 09:10"),
            caller_number: Some("0757-2221 3344".into()),
            town: Some("大良街道".into()),
            ..Intake::default()
        },
        complainant: Complainant {
            name: Some("陈美玲".into()),
            phone: Some("13800138000".into()),
            address: Some("佛山市顺德区大良街道新桂路8号".into()),
            ..Complainant::default()
        },
        respondent: Respondent {
            name: Some("顺德区大良美家电器商行".into()),
            address: Some("大良街道清晖路12号".into()),
            ..Respondent::default()
        },
        dispute: Dispute {
            title: "空调安装后不制冷，商家拒绝退换".into(),
            request: Some("退货退款".into()),
            facts: Some("2月购买空调一台，安装后一直不制冷".into()),
            ..Dispute::default()
        },
        attachments: Vec::new(),
    }
}

fn run(engine: &mut Engine, command: Command) -> Outcome {
    engine.execute(Envelope { actor: "clerk:lin".into(), command }).unwrap()
}

fn act(engine: &mut Engine, ticket: u64, action: TicketAction) -> Outcome {
    run(engine, Command::Act { ticket: TicketId(ticket), action })
}

/// Four registered tickets and a split-out part, 5 tickets and 10 events in all:
/// - #1 (events 1,4,5,6) triaged, dispatched to daliang and assigned to lin: stored in full;
/// - #2 (events 2,7) split, #4 (event 8) the part split out of it: in full, and a stub;
/// - #3 (event 3) only registered: a stub;
/// - #5 (events 9,10) returned to its channel: finished, so it has no row.
pub(super) fn sample_store(dir: &std::path::Path) -> Engine {
    let config = Arc::new(config::load(None).unwrap());
    let clock = Clock::Fixed(Timestamp::parse("2026-03-02 10:00").unwrap());
    let mut engine = Engine::open(dir, config, clock).unwrap();
    for ext in ["GD-2026-0001", "GD-2026-0002", "GD-2026-0003"] {
        run(&mut engine, Command::Register(Box::new(new_ticket("12345", ext))));
    }
    act(
        &mut engine,
        1,
        TicketAction::Triage {
            kind: Kind::Complaint, category: Some("家用电器".into()), dispute_type: None
        },
    );
    act(&mut engine, 1, TicketAction::Dispatch { unit: "daliang".into() });
    act(&mut engine, 1, TicketAction::Assign { owner: Some("lin".into()) });
    act(&mut engine, 2, TicketAction::Split { kind: Kind::Report, note: Some("另有虚假宣传线索".into()) });
    run(&mut engine, Command::Register(Box::new(new_ticket("12345", "GD-2026-0004"))));
    act(&mut engine, 5, TicketAction::ReturnToChannel { reason: "wrong_type".into(), note: None });
    engine
}

pub(super) fn problems_with(report: &CheckReport, text: &str) -> usize {
    report.problems.iter().filter(|p| p.contains(text)).count()
}

fn stored(store: &Store, id: u64) -> StoredTicket {
    decode_stored(&store.tree().get(keys::ticket(TicketId(id))).unwrap().unwrap()).unwrap()
}

fn put_stored(store: &Store, id: u64, stored: &StoredTicket) {
    store.tree().insert(keys::ticket(TicketId(id)), codec::encode(stored)).unwrap();
}

/// Rewrites one index block, as the writer encodes it (an empty set is written, not removed).
fn edit_block(store: &Store, key: &[u8], edit: impl FnOnce(&mut BlockSet)) {
    let hashed = TextIndex::hashed_tag(key[0]);
    let mut set = match store.tree().get(key).unwrap() {
        Some(v) if hashed => decode_hashed(&v).unwrap(),
        Some(v) => decode_valued(&v).unwrap(),
        None => BlockSet::new(),
    };
    edit(&mut set);
    let bytes = if hashed { encode_hashed(&set) } else { encode_valued(&set) };
    store.tree().insert(key, bytes).unwrap();
}

/// Sets (or with None removes) one external id in its block, as the writer encodes blocks.
fn set_external(tree: &sled::Tree, channel: &str, ext: &str, id: Option<u64>) {
    let (key, suffix) = external::split(channel, ext);
    let mut block = tree.get(&key).unwrap().map(|v| external::decode_block(&v).unwrap()).unwrap_or_default();
    match id {
        Some(id) => block.insert(suffix, id),
        None => block.remove(&suffix),
    };
    tree.insert(key, external::encode_block(&block)).unwrap();
}

fn valued_key(tag: u8, value: &[u8], id: u64) -> Vec<u8> {
    Entry::valued(tag, value, TicketId(id)).block_key
}

#[test]
fn a_store_written_by_the_engine_is_consistent_in_one_pass_or_many() {
    let dir = tempfile::tempdir().unwrap();
    let engine = sample_store(dir.path());
    let store = engine.store();
    let report = verify(store).unwrap();
    assert!(report.is_ok(), "{report}");
    assert_eq!((report.tickets, report.events), (5, 10));
    for per_pass in [1, 2, 3] {
        assert_eq!(verify_in_passes(store, per_pass).unwrap(), report);
    }
    // The sample has every form the checker tells apart.
    assert_eq!(stored(store, 3), StoredTicket::AtCreation { seq: 3 });
    assert_eq!(stored(store, 4), StoredTicket::AtCreation { seq: 8 });
    assert!(matches!(stored(store, 1), StoredTicket::Full(_)));
    assert_eq!(store.ticket(TicketId(5)).unwrap().unwrap().status, Status::ReturnedToChannel);
    assert!(store.row(TicketId(5)).unwrap().is_none() && store.row(TicketId(3)).unwrap().is_some());
}

#[test]
fn an_empty_store_is_consistent() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), &Default::default()).unwrap();
    assert_eq!(verify(&store).unwrap(), CheckReport::default());
}

#[test]
fn missing_and_stale_block_entries_are_found_in_every_pass() {
    let dir = tempfile::tempdir().unwrap();
    let engine = sample_store(dir.path());
    let store = engine.store();
    // The unit block loses #1 and gains #3.
    edit_block(store, &valued_key(b'u', b"daliang", 1), |set| {
        assert!(set.remove(&(1, vec![])));
        set.insert((3, vec![]));
    });
    // Entries for tickets that do not exist, in block 0 and in block 1.
    edit_block(store, &valued_key(b'o', b"lin", 99), |set| {
        set.insert((99, vec![]));
    });
    edit_block(store, &valued_key(b'o', b"wang", 5_000), |set| {
        set.insert((5_000 % 4096, vec![]));
    });
    // #3 in a second status; #2 out of its own.
    edit_block(store, &valued_key(keys::STATUS, &[Status::Closed.tag()], 3), |set| {
        set.insert((3, vec![]));
    });
    edit_block(store, &valued_key(keys::STATUS, &[Status::Registered.tag()], 2), |set| {
        assert!(set.remove(&(2, vec![])));
    });
    // A phone #3 never had, in the bucket that number hashes to.
    let phone = Entry::hashed(b'p', "13900001111", TicketId(3));
    let bucket = index::bucket_of(b"13900001111");
    edit_block(store, &phone.block_key, |set| {
        set.insert((3, b"13900001111".to_vec()));
    });
    for per_pass in [1, 2, TICKETS_PER_PASS] {
        let report = verify_in_passes(store, per_pass).unwrap();
        for problem in [
            "#1 missing from unit=daliang",
            "#3 stale in unit=daliang",
            "#99 stale in owner=lin",
            "#5000 stale in owner=wang",
            "#3 stale in status=closed",
            "ticket #3 is in 2 status indexes: registered, closed",
            "#2 missing from status=registered",
            &format!("#3 stale in phone bucket {bucket} value 13900001111"),
        ] {
            assert_eq!(problems_with(&report, problem), 1, "{problem} in {per_pass}:\n{report}");
        }
        assert_eq!(report.problems.len(), 8, "{report}");
    }
}

#[test]
fn unreadable_empty_and_malformed_blocks_are_found_once() {
    let dir = tempfile::tempdir().unwrap();
    let engine = sample_store(dir.path());
    let store = engine.store();
    let tree = store.tree();
    tree.insert(valued_key(b'w', "大良街道".as_bytes(), 1), vec![7, 1, 2]).unwrap();
    let phone = Entry::hashed(b'p', "13800138000", TicketId(1)).block_key;
    tree.insert(phone.as_slice(), vec![0, 1, 9, 1]).unwrap();
    edit_block(store, &valued_key(b'o', b"wang", 1), |_| {});
    // A sparse block naming an offset past the end of a block.
    let mut past_end = vec![0];
    past_end.extend_from_slice(&5_000u16.to_be_bytes());
    tree.insert(valued_key(b'c', b"12315", 1), past_end).unwrap();
    tree.insert(b"c12345", vec![0, 0, 1]).unwrap();
    tree.insert([keys::STATUS, 99, 0, 0, 0, 0, 0], vec![0, 0, 1]).unwrap();
    let bucket = index::bucket_of(b"13800138000");
    for per_pass in [1, 2, TICKETS_PER_PASS] {
        let report = verify_in_passes(store, per_pass).unwrap();
        for problem in [
            "unreadable index block town=大良街道 for tickets #0..=#4095",
            &format!("unreadable index block phone bucket {bucket} for tickets #0..=#4095"),
            "unreadable index block channel=12315 for tickets #0..=#4095",
            "empty index block owner=wang for tickets #0..=#4095",
            "malformed channel index block key c12345 (6 bytes)",
            "malformed status index block key",
        ] {
            assert_eq!(problems_with(&report, problem), 1, "{problem} in {per_pass}:\n{report}");
        }
        // The entries of an unreadable block are not reported missing one by one.
        assert_eq!(report.problems.len(), 6, "{report}");
    }
}

#[test]
fn a_projection_that_drifted_from_its_events_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let engine = sample_store(dir.path());
    let store = engine.store();
    let mut t = store.ticket(TicketId(1)).unwrap().unwrap();
    t.workflow.owner = Some("zhang".into());
    put_stored(store, 1, &StoredTicket::Full(Box::new(t)));
    let report = verify(store).unwrap();
    for problem in [
        "ticket #1 differs from the replay of its events in: workflow",
        "row #1 does not summarise its ticket in: owner",
        "#1 missing from owner=zhang",
        "#1 stale in owner=lin",
    ] {
        assert_eq!(problems_with(&report, problem), 1, "{problem}:\n{report}");
    }
    assert_eq!(report.problems.len(), 4, "{report}");
}

#[test]
fn a_stub_that_is_not_the_ticket_s_only_event_and_a_ticket_stored_in_full_needlessly_are_found() {
    let dir = tempfile::tempdir().unwrap();
    let engine = sample_store(dir.path());
    let store = engine.store();
    // #3 as the registration of #1: the replay stands in, so its row and indexes still check.
    put_stored(store, 3, &StoredTicket::AtCreation { seq: 1 });
    // #1 cut back to its creation.
    put_stored(store, 1, &StoredTicket::AtCreation { seq: 1 });
    // #4, the split-out part, written in full.
    let part = store.ticket(TicketId(4)).unwrap().unwrap();
    put_stored(store, 4, &StoredTicket::Full(Box::new(part)));
    for per_pass in [1, TICKETS_PER_PASS] {
        let report = verify_in_passes(store, per_pass).unwrap();
        for problem in [
            "ticket #3 is stored as its creation event 1, but the log has events [3] for it",
            "ticket #1 is stored as its creation event 1, but the log has events [1,4,5,6] for it",
            "ticket #4 is stored in full, but has only its creation event 8",
        ] {
            assert_eq!(problems_with(&report, problem), 1, "{problem}:\n{report}");
        }
        assert_eq!(report.problems.len(), 3, "{report}");
    }
}

#[test]
fn a_stub_of_an_event_that_creates_another_ticket_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let engine = sample_store(dir.path());
    let store = engine.store();
    // #3's own event is gone and its stub names the registration of #2.
    store.tree().remove(keys::event(3)).unwrap();
    put_stored(store, 3, &StoredTicket::AtCreation { seq: 2 });
    let report = verify(store).unwrap();
    assert_eq!(problems_with(&report, "the log has no event 3"), 1, "{report}");
    assert_eq!(problems_with(&report, "ticket #3 has no events in the log"), 1, "{report}");
    assert_eq!(
        problems_with(&report, "ticket #3 is stored as event 2, which creates ticket #2"),
        1,
        "{report}"
    );
}

#[test]
fn a_gap_in_the_log_and_a_ticket_listing_other_events_are_found() {
    let dir = tempfile::tempdir().unwrap();
    let engine = sample_store(dir.path());
    let store = engine.store();
    // Seq 5 is the dispatch of ticket 1.
    store.tree().remove(keys::event(5)).unwrap();
    let report = verify(store).unwrap();
    assert_eq!(report.events, 9);
    assert_eq!(problems_with(&report, "the log has no event 5"), 1, "{report}");
    assert_eq!(
        problems_with(&report, "ticket #1 lists events [1,4,5,6] but the log has [1,4,6]"),
        1,
        "{report}"
    );
}

#[test]
fn events_without_a_projection_and_an_event_that_cannot_apply_are_found() {
    let dir = tempfile::tempdir().unwrap();
    let engine = sample_store(dir.path());
    let store = engine.store();
    let mut registered = store.event(1).unwrap().unwrap();
    registered.seq = 11;
    registered.ticket = TicketId(7);
    store.tree().insert(keys::event(11), codec::encode(&registered)).unwrap();
    registered.seq = 12;
    registered.ticket = TicketId(2);
    store.tree().insert(keys::event(12), codec::encode(&registered)).unwrap();
    let report = verify(store).unwrap();
    assert_eq!(
        problems_with(&report, "the log has events [11] of ticket #7, which has no projection"),
        1,
        "{report}"
    );
    assert_eq!(problems_with(&report, "event 12 (registered) does not apply to ticket #2"), 1, "{report}");
    assert_eq!(
        problems_with(&report, "ticket #2 lists events [2,7] but the log has [2,7,12]"),
        1,
        "{report}"
    );
}

#[test]
fn external_keys_must_name_the_registered_ticket_and_only_it() {
    let dir = tempfile::tempdir().unwrap();
    let engine = sample_store(dir.path());
    let store = engine.store();
    let tree = store.tree();
    set_external(tree, "12345", "GD-2026-0003", None);
    // Ticket 4 is the part split out of ticket 2.
    set_external(tree, "12345", "GD-2026-0002", Some(4));
    set_external(tree, "12315", "GD-2026-0001", Some(1));
    let report = verify(store).unwrap();
    assert_eq!(problems_with(&report, "ticket #3 has no external key 12345:GD-2026-0003"), 1, "{report}");
    assert_eq!(
        problems_with(&report, "ticket #2 is 12345:GD-2026-0002, but that external key names #4"),
        1,
        "{report}"
    );
    assert_eq!(problems_with(&report, "names #4, which was not registered but split_out"), 1, "{report}");
    assert_eq!(
        problems_with(&report, "external key 12315:GD-2026-0001 names #1, which is 12345:GD-2026-0001"),
        1,
        "{report}"
    );
    assert_eq!(report.problems.len(), 4, "{report}");
}

#[test]
fn a_missing_row_a_row_of_a_finished_ticket_and_a_deadline_without_a_clock_are_found() {
    let dir = tempfile::tempdir().unwrap();
    let engine = sample_store(dir.path());
    let store = engine.store();
    store.tree().remove(keys::row(TicketId(3))).unwrap();
    let merged = store.ticket(TicketId(5)).unwrap().unwrap();
    store.tree().insert(keys::row(TicketId(5)), codec::encode(&Row::of(&merged, None))).unwrap();
    let mut t = store.ticket(TicketId(2)).unwrap().unwrap();
    for c in &mut t.clocks {
        c.stopped_at = Some(t.updated_at);
    }
    let row = store.row(TicketId(2)).unwrap().unwrap();
    assert!(row.earliest_due.is_some());
    put_stored(store, 2, &StoredTicket::Full(Box::new(t.clone())));
    store.tree().insert(keys::row(TicketId(2)), codec::encode(&Row::of(&t, row.earliest_due))).unwrap();
    let report = verify(store).unwrap();
    assert_eq!(problems_with(&report, "ticket #3 has no row"), 1, "{report}");
    assert_eq!(
        problems_with(&report, "ticket #5 is finished (returned_to_channel) but has a row"),
        1,
        "{report}"
    );
    assert_eq!(
        problems_with(&report, "row #2 has a deadline but the ticket (registered) has no running clock"),
        1,
        "{report}"
    );
    assert_eq!(
        problems_with(&report, "ticket #2 differs from the replay of its events in: clocks"),
        1,
        "{report}"
    );
    assert_eq!(report.problems.len(), 4, "{report}");
}

#[test]
fn a_pass_reads_only_the_blocks_that_meet_its_ids() {
    let block_1 = IdRange { lo: 4096, hi: Some(8192) };
    assert!(!block_1.meets_block(0) && block_1.meets_block(1) && !block_1.meets_block(2));
    let straddling = IdRange { lo: 4000, hi: Some(4100) };
    assert!(straddling.meets_block(0) && straddling.meets_block(1) && !straddling.meets_block(2));
    let rest = IdRange { lo: 8191, hi: None };
    assert!(!rest.meets_block(0) && rest.meets_block(1) && rest.meets_block(u32::MAX));
}
