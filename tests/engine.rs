//! The engine and its store: idempotent ingest, one atomic write per command, indexes that follow
//! every change, queries, split and merge, reading a store an older version wrote.

use rightsdesk::config::{self, Config};
use rightsdesk::domain::action::TicketAction as A;
use rightsdesk::domain::status::Status;
use rightsdesk::domain::ticket::{Complainant, Dispute, Intake, Kind, NewTicket, Respondent, TicketId};
use rightsdesk::engine::{Command, Engine, EngineError, Envelope, ListFilter, Outcome, StatusFilter};
use rightsdesk::store::{Store, StoreOptions, TextIndex};
use rightsdesk::time::{Clock, Timestamp};
use std::sync::Arc;

fn config() -> Arc<Config> {
    Arc::new(config::load(None).expect("built-in configuration"))
}

fn now() -> Timestamp {
    Timestamp::parse("2026-11-25T10:00:00+08:00").unwrap()
}

fn open(dir: &std::path::Path) -> Engine {
    Engine::open(dir, config(), Clock::Fixed(now())).expect("opens")
}

fn complaint(channel: &str, ext: &str, phone: &str, town: &str, title: &str) -> NewTicket {
    NewTicket {
        kind: Some(Kind::Complaint),
        intake: Intake {
            channel: channel.into(),
            channel_ticket_id: ext.into(),
            received_at: Some(Timestamp::parse("2026-11-24 14:30").unwrap()),
            town: Some(town.into()),
            ..Intake::default()
        },
        complainant: Complainant {
            name: Some("黄志强".into()),
            phone: Some(phone.into()),
            address: Some("顺德区北滘镇君兰社区".into()),
            ..Complainant::default()
        },
        respondent: Respondent {
            name: Some("佛山市顺德区北滘某某电器有限公司".into()),
            credit_code: Some("91440606MA4W8XYZ3K".into()),
            address: Some("北滘镇工业大道1号".into()),
            ..Respondent::default()
        },
        dispute: Dispute {
            title: title.into(),
            request: Some("退款".into()),
            facts: Some("在某电器城购买的洗碗机无法正常使用，商家拖延维修".into()),
            ..Dispute::default()
        },
        attachments: vec![],
    }
}

fn register(engine: &mut Engine, t: NewTicket) -> Outcome {
    engine
        .execute(Envelope { actor: "sync:12345".into(), command: Command::Register(Box::new(t)) })
        .expect("registers")
}

fn act(engine: &mut Engine, id: TicketId, action: A) -> Result<Outcome, EngineError> {
    engine.execute(Envelope { actor: "王文书".into(), command: Command::Act { ticket: id, action } })
}

#[test]
fn the_same_channel_ticket_registered_twice_is_one_ticket() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = open(dir.path());
    let first =
        register(&mut engine, complaint("12345", "SD2026112400017", "13712345678", "北滘镇", "洗碗机故障"));
    let again =
        register(&mut engine, complaint("12345", "SD2026112400017", "13712345678", "北滘镇", "洗碗机故障"));
    let id = first.ticket().unwrap();
    assert!(matches!(first, Outcome::Applied(_)));
    assert_eq!(again, Outcome::Duplicate(id));
    let other_channel =
        register(&mut engine, complaint("12315", "SD2026112400017", "13712345678", "北滘镇", "洗碗机故障"));
    assert_ne!(other_channel.ticket(), Some(id), "the same id on another channel is another ticket");
    assert_eq!(engine.store().last_seq().unwrap(), 2);
}

#[test]
fn duplicates_inside_one_burst_are_caught_too() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = open(dir.path());
    let t = complaint("wechat", "WX-88", "13800138000", "大良", "外卖食品变质");
    let results = engine.execute_all(vec![
        Envelope { actor: "sync:wechat".into(), command: Command::Register(Box::new(t.clone())) },
        Envelope { actor: "sync:wechat".into(), command: Command::Register(Box::new(t)) },
    ]);
    let first = results[0].as_ref().unwrap().ticket().unwrap();
    assert_eq!(results[1].as_ref().unwrap(), &Outcome::Duplicate(first));
}

#[test]
fn a_refused_command_writes_nothing_and_the_burst_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = open(dir.path());
    let id = register(&mut engine, complaint("12345", "A1", "13700000001", "大良", "预付卡商家跑路"))
        .ticket()
        .unwrap();
    let before = engine.store().last_seq().unwrap();
    let results = engine.execute_all(vec![
        Envelope { actor: "王文书".into(), command: Command::Act { ticket: id, action: A::Sign } },
        Envelope {
            actor: "王文书".into(),
            command: Command::Act {
                ticket: id,
                action: A::Triage { kind: Kind::Complaint, category: None, dispute_type: None },
            },
        },
    ]);
    assert!(matches!(results[0], Err(EngineError::Rule(_))));
    assert!(results[1].is_ok());
    assert_eq!(engine.store().last_seq().unwrap(), before + 1);
}

#[test]
fn indexes_follow_status_unit_and_owner_changes() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = open(dir.path());
    let id = register(&mut engine, complaint("12345", "B7", "0757-22334455", "北滘镇", "空调不制冷"))
        .ticket()
        .unwrap();
    act(
        &mut engine,
        id,
        A::Triage { kind: Kind::Complaint, category: Some("家用电器".into()), dispute_type: None },
    )
    .unwrap();
    act(&mut engine, id, A::Dispatch { unit: "北滘分局".into() }).unwrap();
    act(&mut engine, id, A::Assign { owner: Some("王文书".into()) }).unwrap();
    let store = engine.store();
    let ids = |i, v: &str| store.ids_with(i, v).collect::<Result<Vec<_>, _>>().unwrap();
    assert_eq!(ids(TextIndex::Unit, "beijiao"), vec![id]);
    assert_eq!(ids(TextIndex::Owner, "王文书"), vec![id]);
    assert_eq!(ids(TextIndex::Town, "北滘"), vec![id], "the alias 北滘镇 is indexed as 北滘");
    assert_eq!(ids(TextIndex::Phone, "075722334455"), vec![id]);
    assert_eq!(ids(TextIndex::CreditCode, "91440606MA4W8XYZ3K"), vec![id]);
    for s in Status::ALL {
        let n = store.ids_with_status(s).count();
        assert_eq!(n, usize::from(s == Status::Dispatched), "status index {s:?}");
    }
    act(&mut engine, id, A::Recall { reason: "派错".into() }).unwrap();
    let store = engine.store();
    assert!(
        store.ids_with(TextIndex::Unit, "beijiao").next().is_none(),
        "the unit entry leaves with the unit"
    );
}

#[test]
fn the_queue_lists_open_tickets_nearest_deadline_first_and_filters_combine() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = open(dir.path());
    let a = register(&mut engine, complaint("12345", "Q1", "13700000011", "大良", "健身房停业不退费"))
        .ticket()
        .unwrap();
    let b = register(&mut engine, complaint("12315", "Q2", "13700000012", "容桂", "电动车电池鼓包"))
        .ticket()
        .unwrap();
    let c = register(&mut engine, complaint("walkin", "Q3", "13700000013", "容桂", "理发店办卡纠纷"))
        .ticket()
        .unwrap();
    act(&mut engine, c, A::Triage { kind: Kind::Complaint, category: None, dispute_type: None }).unwrap();
    act(&mut engine, c, A::Dispatch { unit: "ronggui".into() }).unwrap();
    let reader = engine.reader();
    let all = reader.list(&ListFilter::default()).unwrap();
    assert_eq!(all.len(), 3);
    let first_due = |s: &rightsdesk::engine::view::TicketSummary| s.clocks.iter().map(|c| c.due_at).min();
    assert!(all.windows(2).all(|w| first_due(&w[0]) <= first_due(&w[1])), "sorted by nearest deadline");
    let ronggui = reader.list(&ListFilter { town: Some("容桂".into()), ..ListFilter::default() }).unwrap();
    assert_eq!(ronggui.iter().map(|s| s.id).collect::<Vec<_>>(), {
        let mut v = vec![b.0, c.0];
        v.sort_by_key(|id| all.iter().position(|s| s.id == *id));
        v
    });
    let dispatched =
        ListFilter { status: StatusFilter::Only(vec![Status::Dispatched]), ..ListFilter::default() };
    assert_eq!(reader.list(&dispatched).unwrap().len(), 1);
    let by_phone = ListFilter { search: Some("137-0000-0011".into()), ..ListFilter::default() };
    assert_eq!(reader.list(&by_phone).unwrap()[0].id, a.0);
    let by_text = ListFilter { search: Some("电池".into()), ..ListFilter::default() };
    assert_eq!(reader.list(&by_text).unwrap()[0].id, b.0);
    let limited = ListFilter { limit: Some(2), ..ListFilter::default() };
    assert_eq!(reader.list(&limited).unwrap().len(), 2);
}

#[test]
fn splitting_makes_a_linked_ticket_of_the_other_kind_and_merging_links_both() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = open(dir.path());
    let a = register(&mut engine, complaint("12345", "S1", "13700000021", "伦教", "商家卖假货并拒绝退款"))
        .ticket()
        .unwrap();
    let out =
        act(&mut engine, a, A::Split { kind: Kind::Report, note: Some("同时举报售假".into()) }).unwrap();
    let Outcome::Applied(changes) = out else { panic!("applied") };
    assert_eq!(changes.len(), 2);
    let b = changes[1].ticket;
    let split = engine.reader().ticket(b).unwrap().unwrap();
    assert_eq!(split.kind, Kind::Report);
    assert_eq!(split.workflow.links[0].ticket, a);
    let dup = register(&mut engine, complaint("12315", "S2", "13700000021", "伦教", "商家卖假货"))
        .ticket()
        .unwrap();
    act(&mut engine, dup, A::Merge { into: a }).unwrap();
    let reader = engine.reader();
    assert_eq!(reader.ticket(dup).unwrap().unwrap().status, Status::Merged);
    assert!(reader.ticket(a).unwrap().unwrap().workflow.links.iter().any(|l| l.ticket == dup));
    let err = act(&mut engine, b, A::Merge { into: dup }).unwrap_err();
    assert!(err.to_string().contains("merged"), "{err}");
}

#[test]
fn a_command_on_a_missing_ticket_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = open(dir.path());
    assert!(matches!(act(&mut engine, TicketId(404), A::Sign), Err(EngineError::NoTicket(_))));
}

#[test]
fn subscribers_get_every_change_in_sequence_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = open(dir.path());
    let changes = engine.subscribe();
    let id = register(&mut engine, complaint("12345", "C1", "13700000031", "杏坛", "农贸市场缺斤少两"))
        .ticket()
        .unwrap();
    act(&mut engine, id, A::Note { text: "消费者补充了小票照片".into() }).unwrap();
    let got: Vec<_> = changes.try_iter().collect();
    assert_eq!(got.iter().map(|c| c.seq).collect::<Vec<_>>(), vec![1, 2]);
    assert_eq!(got[1].event, "note");
}

#[test]
fn everything_committed_is_there_after_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let id = {
        let mut engine = open(dir.path());
        let id = register(&mut engine, complaint("mayor", "M1", "13700000041", "龙江", "家具延迟交货"))
            .ticket()
            .unwrap();
        act(&mut engine, id, A::Note { text: "已电话安抚".into() }).unwrap();
        id
    };
    let mut engine = open(dir.path());
    let t = engine.reader().ticket(id).unwrap().unwrap();
    assert_eq!(t.events, vec![1, 2]);
    let next = register(&mut engine, complaint("mayor", "M2", "13700000042", "龙江", "沙发质量问题"))
        .ticket()
        .unwrap();
    assert_eq!(next, TicketId(id.0 + 1), "ids continue after reopening");
    assert_eq!(engine.store().last_seq().unwrap(), 3);
}

#[test]
fn a_store_written_by_schema_1_opens_and_is_migrated() {
    let dir = tempfile::tempdir().unwrap();
    let id = {
        let mut engine = open(dir.path());
        let id = register(&mut engine, complaint("letter", "L1", "13700000051", "均安", "餐馆食物中毒"))
            .ticket()
            .unwrap();
        act(&mut engine, id, A::Note { text: "已转食品科".into() }).unwrap();
        id
    };
    rightsdesk::store::migrate::rewrite_as_schema_1(dir.path()).expect("downgrades the store");
    let store = Store::open(dir.path(), &StoreOptions::default()).expect("opens a schema-1 store");
    assert_eq!(store.meta_u64("schema").unwrap(), Some(rightsdesk::store::SCHEMA));
    let t = store.ticket(id).unwrap().unwrap();
    assert_eq!(t.dispute.title, "餐馆食物中毒");
    assert_eq!(store.event(2).unwrap().unwrap().body.name(), "note");
}

#[test]
fn a_burst_of_commands_costs_one_flush() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = open(dir.path());
    let before = engine.store().flush_count();
    let burst: Vec<Envelope> = (0..600)
        .map(|i| Envelope {
            actor: "sync:12315".into(),
            command: Command::Register(Box::new(complaint(
                "12315",
                &format!("1440606202611250{i:04}"),
                &format!("1390000{i:04}"),
                "乐从镇",
                "网购家具与描述不符",
            ))),
        })
        .collect();
    let results = engine.execute_all(burst);
    assert!(results.iter().all(|r| matches!(r, Ok(Outcome::Applied(_)))));
    assert_eq!(engine.store().flush_count() - before, 1, "600 commands (one group), one flush");
    assert_eq!(engine.store().last_seq().unwrap(), 600);
}

#[test]
fn a_bulk_load_in_small_groups_registers_each_row_once_with_one_flush() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = open(dir.path());
    let before = engine.store().flush_count();
    let row = |i: usize| Envelope {
        actor: "import:王文书".into(),
        command: Command::Register(Box::new(complaint(
            "12345",
            &format!("SD2026112500{i:03}"),
            &format!("1370757{i:04}"),
            "容桂街道",
            "预付卡商家闭店不退款",
        ))),
    };
    // Ten rows in groups of three; the first row comes again in a later group.
    let mut burst: Vec<Envelope> = (0..10).map(row).collect();
    burst.insert(7, row(0));
    let results = engine.execute_all_in_groups(burst, 3);
    assert_eq!(results.len(), 11, "one result per command, in order");
    let first = results[0].as_ref().unwrap().ticket().unwrap();
    assert_eq!(results[7].as_ref().unwrap(), &Outcome::Duplicate(first), "a repeat in a later group");
    let applied = results.iter().filter(|r| matches!(r, Ok(Outcome::Applied(_)))).count();
    assert_eq!(applied, 10);
    assert_eq!(engine.store().flush_count() - before, 1, "four groups, one flush for the burst");
    let report = rightsdesk::store::check::verify_with(engine.store(), &config()).unwrap();
    assert!(report.is_ok(), "{report}");
    assert_eq!(report.tickets, 10);
}

#[test]
fn a_bulk_load_decided_while_the_group_before_is_written_numbers_and_chains_as_one_written_after_another() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = open(dir.path());
    let row = |i: usize| Envelope {
        actor: "import:王文书".into(),
        command: Command::Register(Box::new(complaint(
            "12345",
            &format!("SD2026112600{i:03}"),
            &format!("1380757{i:04}"),
            "大良街道",
            "美容院办卡后拒绝退款",
        ))),
    };
    // Groups of two: each row also comes again in the very next group, which is decided
    // while the group holding the original may still be on its way to the store.
    let mut burst = Vec::new();
    for i in 0..20 {
        burst.push(row(i));
        if i % 2 == 1 {
            burst.push(row(i));
        }
    }
    let results = engine.execute_all_in_groups(burst, 2);
    assert_eq!(results.len(), 30);
    let ids: Vec<TicketId> = results
        .iter()
        .filter_map(|r| match r {
            Ok(Outcome::Applied(changes)) => Some(changes[0].ticket),
            _ => None,
        })
        .collect();
    assert_eq!(ids, (1..=20).map(TicketId).collect::<Vec<_>>(), "numbered in the order of the file");
    let repeats = results.iter().filter(|r| matches!(r, Ok(Outcome::Duplicate(_)))).count();
    assert_eq!(repeats, 10, "every repeat caught, written or not yet");
    assert_eq!(engine.store().last_seq().unwrap(), 20, "one event a ticket, no gap");
    let report = rightsdesk::store::check::verify_with(engine.store(), &config()).unwrap();
    assert!(report.is_ok(), "{report}");
    assert_eq!(report.tickets, 20);
    let chain = engine.store().verify_chain(None).unwrap();
    assert!(
        matches!(chain, rightsdesk::store::chain::Verdict::Intact { events: 20, .. }),
        "the audit chain links every event: {chain:?}"
    );
    // The engine goes on from the numbers the burst left.
    let next = register(
        &mut engine,
        complaint("12345", "SD2026112600999", "13807579999", "伦教街道", "装修押金不退"),
    );
    assert_eq!(next.ticket(), Some(TicketId(21)));
    assert_eq!(engine.store().last_seq().unwrap(), 21);
}

#[test]
fn queries_travel_as_json_and_a_reader_resumes_from_a_sequence_number() {
    use rightsdesk::engine::{Answer, Query};
    let dir = tempfile::tempdir().unwrap();
    let mut engine = open(dir.path());
    let id = register(&mut engine, complaint("miniapp", "MP-1", "13700000061", "陈村", "花卉市场买到病苗"))
        .ticket()
        .unwrap();
    act(&mut engine, id, A::Note { text: "已联系商户".into() }).unwrap();
    act(&mut engine, id, A::Assign { owner: Some("李文书".into()) }).unwrap();
    let wire = serde_json::to_string(&Query::EventsAfter { seq: 1, limit: 10 }).unwrap();
    let query: Query = serde_json::from_str(&wire).unwrap();
    let Answer::EventsAfter(events) = engine.reader().query(&query).unwrap() else { panic!("events") };
    assert_eq!(events.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![2, 3]);
    let Answer::Detail(Some(detail)) =
        engine.reader().query(&Query::Detail { ticket: id, reveal: false }).unwrap()
    else {
        panic!("detail")
    };
    assert_eq!(detail.timeline.len(), 3);
    let command =
        Envelope { actor: "李文书".into(), command: Command::Act { ticket: id, action: A::Sign } };
    let back: Envelope = serde_json::from_str(&serde_json::to_string(&command).unwrap()).unwrap();
    assert_eq!(back, command, "commands cross a socket as JSON unchanged");
}

#[test]
fn every_number_in_a_phone_field_finds_the_ticket() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = open(dir.path());
    let t = complaint("phone", "P-1", "13700001111/0757-22998877", "大良", "装修公司拖延工期");
    let id = register(&mut engine, t).ticket().unwrap();
    assert_eq!(engine.reader().by_phone("13700001111").unwrap(), vec![id]);
    assert_eq!(engine.reader().by_phone("0757-22998877").unwrap(), vec![id]);
}

#[test]
fn a_backfilled_ticket_is_found_by_its_trimmed_channel_id_and_a_blank_id_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = open(dir.path());
    let id = register(&mut engine, complaint("12345", "BF-0001", "13700000071", "勒流", "家具甲醛超标"))
        .ticket()
        .unwrap();
    let mut historical = engine.reader().ticket(id).unwrap().unwrap();
    historical.intake.channel_ticket_id = " BF-0002 ".into();
    let backfilled = engine
        .execute(Envelope {
            actor: "migration".into(),
            command: Command::Backfill(Box::new(historical.clone())),
        })
        .unwrap()
        .ticket()
        .unwrap();
    let again = register(&mut engine, complaint("12345", "BF-0002", "13700000071", "勒流", "家具甲醛超标"));
    assert_eq!(again, Outcome::Duplicate(backfilled));
    historical.intake.channel_ticket_id = "   ".into();
    let blank = engine
        .execute(Envelope { actor: "migration".into(), command: Command::Backfill(Box::new(historical)) });
    assert!(matches!(blank, Err(EngineError::Rule(_))));
}

#[test]
fn a_dispatch_without_sms_tells_the_unit_nothing_and_a_dispatch_does() {
    use rightsdesk::domain::action::TicketAction;
    use rightsdesk::engine::{Answer, Query};
    let dir = tempfile::tempdir().unwrap();
    let config = std::sync::Arc::new(rightsdesk::config::load(None).unwrap());
    let now = rightsdesk::time::Timestamp::parse("2026-11-27T10:00:00+08:00").unwrap();
    let mut engine =
        rightsdesk::engine::Engine::open(dir.path(), config, rightsdesk::time::Clock::Fixed(now)).unwrap();
    let sms_count =
        |engine: &rightsdesk::engine::Engine| match engine.reader().query(&Query::Outbox { all: true }) {
            Ok(Answer::Outbox(entries)) => entries.iter().filter(|e| e.effect.kind.code() == "sms").count(),
            _ => panic!("the outbox answers"),
        };
    for (n, quiet) in [(1u64, true), (2, false)] {
        let mut t = rightsdesk::domain::ticket::NewTicket::default();
        t.intake.channel = "walkin".into();
        t.intake.channel_ticket_id = format!("LF-SMS-{n}");
        t.intake.received_at = Some(now);
        t.dispute.title = "健身房预付卡退费难".into();
        let id = engine
            .execute(Envelope { actor: "陈丽".into(), command: Command::Register(Box::new(t)) })
            .unwrap()
            .ticket()
            .unwrap();
        let act = |action| Envelope { actor: "陈丽".into(), command: Command::Act { ticket: id, action } };
        engine
            .execute(act(TicketAction::Triage { kind: Kind::Complaint, category: None, dispute_type: None }))
            .unwrap();
        let before = sms_count(&engine);
        let unit = "ronggui".to_string();
        let action =
            if quiet { TicketAction::DispatchWithoutSms { unit } } else { TicketAction::Dispatch { unit } };
        engine.execute(act(action)).unwrap();
        assert_eq!(sms_count(&engine) - before, usize::from(!quiet), "quiet = {quiet}");
        let detail = engine.reader().detail(id, false).unwrap().unwrap();
        assert_eq!(detail.summary.status, "dispatched");
    }
}

#[test]
fn a_search_typed_one_key_at_a_time_finds_what_the_whole_text_finds_at_once() {
    use rightsdesk::engine::window::{Scope, ViewSpec, Window, WindowQuery};
    let dir = tempfile::tempdir().unwrap();
    let mut engine = open(dir.path());
    let towns = ["容桂", "大良", "乐从", "北滘", "勒流"];
    let titles =
        ["健身房预付卡退费难", "空调安装后漏水", "预付式消费门店关闭", "外卖食品变质", "容声冰箱维修拖延"];
    let mut first = None;
    for i in 0..40 {
        let t = complaint("12345", &format!("GD-{i}"), "13700000000", towns[i % 5], titles[i % 5]);
        let id = register(&mut engine, t).ticket().unwrap();
        // Every third ticket merged away: no longer open, found by the all-tickets scope only.
        match first {
            None => first = Some(id),
            Some(into) if i % 3 == 0 => {
                act(&mut engine, id, A::Merge { into }).unwrap();
            }
            Some(_) => {}
        }
    }
    let ask = |reader: &rightsdesk::engine::Reader, scope: Scope, text: &str| -> Window {
        let view = ViewSpec { scope, search: Some(text.into()), ..ViewSpec::default() };
        reader.window(&WindowQuery { view, offset: 0, limit: 100, anchor: None }).unwrap()
    };
    let ids = |w: &Window| w.rows.iter().map(|r| r.id).collect::<Vec<_>>();
    for scope in [Scope::Open, Scope::All] {
        for word in ["ronggui", "rongsheng", "预付卡", "lecong", "GD-1"] {
            let typing = engine.reader();
            let mut typed = String::new();
            for c in word.chars() {
                typed.push(c);
                let narrowed = ask(&typing, scope, &typed);
                let whole = ask(&engine.reader(), scope, &typed);
                assert_eq!(narrowed.total, whole.total, "{scope:?} {typed:?}");
                assert_eq!(ids(&narrowed), ids(&whole), "{scope:?} {typed:?}");
                // What the catalogue matched, the row's own search text matches too.
                assert!(whole.highlights.iter().all(|h| h.field.is_some()), "{scope:?} {typed:?}");
            }
        }
    }
}

#[test]
fn a_search_of_every_ticket_sees_what_changed_since_it_last_ran() {
    use rightsdesk::engine::window::{Scope, ViewSpec, WindowQuery};
    use rightsdesk::search::Field;
    let dir = tempfile::tempdir().unwrap();
    let mut engine = open(dir.path());
    let leak = complaint("12345", "GD-1", "13700000000", "大良", "空调安装后漏水");
    let first = register(&mut engine, leak).ticket().unwrap();
    let reader = engine.reader();
    let ask = |text: &str| {
        let view = ViewSpec { scope: Scope::All, search: Some(text.into()), ..ViewSpec::default() };
        reader.window(&WindowQuery { view, offset: 0, limit: 10, anchor: None }).unwrap()
    };
    assert_eq!(ask("ronggui").total, 0);
    let gym = complaint("12345", "GD-2", "13700000001", "容桂", "健身房预付卡退费难");
    let later = register(&mut engine, gym).ticket().unwrap();
    act(&mut engine, first, A::Merge { into: later }).unwrap();
    let found = ask("ronggui");
    assert_eq!(found.rows.iter().map(|r| r.id).collect::<Vec<_>>(), vec![later.0]);
    assert_eq!(found.highlights[0].field, Some(Field::Town));
    let merged = ask("漏水");
    assert_eq!((merged.total, merged.rows[0].status.as_str()), (1, "merged"));
}

/// serve loads the catalogue of every ticket in the background. A search of every ticket that
/// comes meanwhile is answered once the catalogue is whole, never from the part loaded so far
/// (which would read as a final "nothing found"); the console shows it loading until then.
#[test]
fn a_search_of_every_ticket_asked_while_the_catalogue_loads_is_answered_from_all_of_it() {
    use rightsdesk::engine::window::{Scope, ViewSpec, WindowQuery};
    let dir = tempfile::tempdir().unwrap();
    {
        let mut engine = open(dir.path());
        for i in 0..300 {
            let (town, title) = match i % 3 {
                0 => ("容桂", "健身房预付卡退费难"),
                _ => ("大良", "空调安装后漏水"),
            };
            register(&mut engine, complaint("12345", &format!("GD-{i}"), "13700000000", town, title));
        }
    }
    let engine = open(dir.path());
    let reader = engine.reader();
    let preload = reader.preload();
    let view = ViewSpec { scope: Scope::All, search: Some("ronggui".into()), ..ViewSpec::default() };
    let found = reader.window(&WindowQuery { view, offset: 0, limit: 10, anchor: None }).unwrap();
    assert_eq!((found.total, found.rows.len()), (100, 10));
    preload.stop();
}

#[test]
fn a_view_of_every_ticket_holds_the_closed_ones_in_its_order() {
    use rightsdesk::engine::window::{Scope, Sort, ViewSpec, WindowQuery};
    let dir = tempfile::tempdir().unwrap();
    let mut engine = open(dir.path());
    let towns = ["容桂", "大良", "乐从"];
    let mut ids = Vec::new();
    for i in 0..9 {
        let t = complaint("12345", &format!("GD-{i}"), "13700000000", towns[i % 3], "预付式消费门店关闭");
        ids.push(register(&mut engine, t).ticket().unwrap());
    }
    for &id in &ids[1..4] {
        act(&mut engine, id, A::Merge { into: ids[0] }).unwrap();
    }
    let window = |sort: Sort, descending: bool| {
        let view = ViewSpec { scope: Scope::All, sort, descending, ..ViewSpec::default() };
        engine.reader().window(&WindowQuery { view, offset: 0, limit: 20, anchor: Some(ids[2]) }).unwrap()
    };
    let by_number = window(Sort::Number, true);
    let expected: Vec<u64> = ids.iter().rev().map(|id| id.0).collect();
    assert_eq!(by_number.rows.iter().map(|r| r.id).collect::<Vec<_>>(), expected);
    assert_eq!(by_number.anchor_at, Some(6));
    let by_town = window(Sort::Town, false);
    let towns: Vec<_> = by_town.rows.iter().map(|r| r.town.clone().unwrap_or_default()).collect();
    let mut sorted = towns.clone();
    sorted.sort();
    assert_eq!((by_town.total, towns), (9, sorted));
}

/// A view of every ticket keeps only positions in the catalogue and reads its keys from there;
/// the open queue keeps each ticket's key from its row. While every ticket is open, the two
/// list the same tickets in the same order, for every sort, also after tickets change.
#[test]
fn a_view_of_every_ticket_orders_its_tickets_as_the_open_queue_orders_the_same_tickets() {
    use rightsdesk::engine::window::{Scope, Sort, ViewSpec, Window, WindowQuery};
    let dir = tempfile::tempdir().unwrap();
    let mut engine = open(dir.path());
    let towns = ["容桂", "大良", "乐从", "北滘镇"];
    let channels = ["12345", "12315", "walkin"];
    let mut ids = Vec::new();
    for i in 0..12 {
        let mut t =
            complaint(channels[i % 3], &format!("GD-{i}"), "13700000000", towns[i % 4], "预付式消费门店关闭");
        t.intake.received_at = Some(now().plus_seconds(-(i as i64 % 5) * 3_600));
        ids.push(register(&mut engine, t).ticket().unwrap());
    }
    // One reader throughout: its views are kept and replay the changes.
    let reader = engine.reader();
    let anchor = ids[5];
    let same_order = |when: &str| {
        for sort in Sort::ALL {
            for descending in [false, true] {
                // A search ranks matches of equal score in the view's own order.
                for search in [None, Some("预付"), Some("ronggui"), Some("GD-1")] {
                    let window = |scope: Scope| -> Window {
                        let search = search.map(str::to_string);
                        let view = ViewSpec { scope, sort, descending, search, ..ViewSpec::default() };
                        let q = WindowQuery { view, offset: 0, limit: 50, anchor: Some(anchor) };
                        reader.window(&q).unwrap()
                    };
                    let (all, open) = (window(Scope::All), window(Scope::Open));
                    let listed = |w: &Window| w.rows.iter().map(|r| r.id).collect::<Vec<_>>();
                    let case = format!("{when}: {sort:?}, descending {descending}, search {search:?}");
                    assert_eq!(listed(&all), listed(&open), "{case}");
                    assert_eq!((all.total, all.anchor_at), (open.total, open.anchor_at), "{case}");
                }
            }
        }
    };
    same_order("registered");
    let triage =
        A::Triage { kind: Kind::Complaint, category: Some("预付式消费".into()), dispute_type: None };
    for &id in &ids[2..6] {
        act(&mut engine, id, triage.clone()).unwrap();
        act(&mut engine, id, A::Dispatch { unit: "北滘分局".into() }).unwrap();
    }
    let mut late = complaint("12315", "GD-late", "13700000001", "均安", "健身房预付卡退费难");
    late.intake.received_at = Some(now());
    register(&mut engine, late).ticket().unwrap();
    same_order("after dispatches and a new ticket");
}

#[test]
fn statistics_built_with_the_catalogue_at_start_answer_as_the_first_question_would() {
    use rightsdesk::engine::stats::StatsQuery;
    use rightsdesk::stats::{Period, Selector};
    let dir = tempfile::tempdir().unwrap();
    let mut engine = open(dir.path());
    let towns = ["容桂", "大良", "乐从"];
    let titles = ["健身房预付卡退费难", "空调安装后漏水", "预付式消费门店关闭"];
    let mut ids = Vec::new();
    for i in 0..12 {
        let mut t = complaint(
            "12345",
            &format!("GD-{i}"),
            &format!("1370000000{}", i % 4),
            towns[i % 3],
            titles[i % 3],
        );
        t.intake.received_at = Some(now().plus_seconds(-86_400 * (i as i64 * 3)));
        ids.push(register(&mut engine, t).ticket().unwrap());
    }
    // serve's start: one scan builds the catalogue and the facts.
    let started = engine.reader();
    started.preload().wait();
    assert!(started.catalogue_loaded());
    // Changes after the scan reach the facts from the event log.
    act(&mut engine, ids[1], A::Merge { into: ids[0] }).unwrap();
    let late = complaint("12315", "GD-late", "13712345678", "北滘", "健身房预付卡退费难");
    register(&mut engine, late).ticket().unwrap();
    let period = Period::new(now().china_date() - chrono::Duration::days(20), now().china_date()).unwrap();
    let q = StatsQuery { period: Some(period), unit: None, town: None };
    // A reader of its own builds its facts on its first question, as the CLI alone does.
    let alone = engine.reader();
    assert_eq!(started.statistics(&q).unwrap(), alone.statistics(&q).unwrap());
    // The catalogue of the same scan is current too: the ticket registered after it is found.
    use rightsdesk::engine::window::{Scope, ViewSpec, WindowQuery};
    let view = ViewSpec { scope: Scope::All, search: Some("GD-late".into()), ..ViewSpec::default() };
    let found = started.window(&WindowQuery { view, offset: 0, limit: 10, anchor: None }).unwrap();
    assert_eq!(found.rows.iter().map(|r| r.channel.as_str()).collect::<Vec<_>>(), ["12315"]);
    for selector in [Selector::Total, Selector::Word("预付卡".into())] {
        let drilled = started.statistics_tickets(&q, false, &selector).unwrap();
        assert!(!drilled.is_empty(), "{selector:?}");
        assert_eq!(drilled, alone.statistics_tickets(&q, false, &selector).unwrap(), "{selector:?}");
    }
}

/// The first console to attach to a freshly started serve asks for the open queue first: serve
/// has it in memory by then, loaded at its start, and keeps it current afterwards.
#[test]
fn serve_loads_the_open_queue_at_its_start_so_the_first_console_finds_it_ready() {
    use rightsdesk::engine::window::{ViewSpec, WindowQuery};
    let dir = tempfile::tempdir().unwrap();
    let mut engine = open(dir.path());
    let first =
        register(&mut engine, complaint("12345", "GD-1", "13700000000", "容桂", "健身房预付卡退费难"));
    let reader = engine.reader();
    assert!(!reader.open_queue_loaded(), "a reader loads nothing before it is asked");
    reader.preload().wait();
    assert!(reader.open_queue_loaded());
    // A ticket registered after the load is in the queue as well.
    let later = register(&mut engine, complaint("12315", "GD-2", "13712345678", "大良", "空调安装后漏水"));
    let q = WindowQuery { view: ViewSpec::default(), offset: 0, limit: 10, anchor: None };
    let mut ids: Vec<u64> = reader.window(&q).unwrap().rows.iter().map(|r| r.id).collect();
    ids.sort();
    assert_eq!(ids, vec![first.ticket().unwrap().0, later.ticket().unwrap().0]);
}
