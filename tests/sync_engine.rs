//! The sync side of the engine: a channel's page is written with its cursor, its malformed
//! items and the sign-fors it calls for in one batch; dispatch queues an SMS, a result on a
//! remote channel queues a write-back, and delivery reports move the outbox along.

use rightsdesk::config;
use rightsdesk::domain::action::TicketAction as A;
use rightsdesk::domain::effect::EffectKind;
use rightsdesk::domain::status::Status;
use rightsdesk::domain::ticket::{Complainant, Dispute, Intake, Kind, NewTicket, Respondent, TicketId};
use rightsdesk::engine::{
    Command, DeliveryResult, Engine, EngineError, Envelope, Ingest, Malformed, Outcome, QuarantineAction,
};
use rightsdesk::store::outbox::{DeliveryState, OutboxEntry, QuarantineState};
use rightsdesk::time::{Clock, Timestamp};
use std::sync::Arc;

fn at(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

fn open(dir: &std::path::Path) -> Engine {
    Engine::open(dir, Arc::new(config::load(None).unwrap()), Clock::Fixed(at("2026-11-25T10:00:00+08:00")))
        .unwrap()
}

fn hotline_order(ext: &str) -> NewTicket {
    NewTicket {
        kind: Some(Kind::Complaint),
        intake: Intake {
            channel: "12345".into(),
            channel_ticket_id: ext.into(),
            received_at: Some(at("2026-11-25 09:40")),
            town: Some("大良".into()),
            ..Intake::default()
        },
        complainant: Complainant {
            name: Some("何丽华".into()),
            phone: Some("13560001234".into()),
            address: Some("大良街道金榜社区".into()),
            ..Complainant::default()
        },
        respondent: Respondent {
            name: Some("顺德区大良某某美容院".into()), ..Respondent::default()
        },
        dispute: Dispute {
            title: "美容院预付卡消费纠纷".into(),
            request: Some("退还余额".into()),
            facts: Some("办理美容年卡后门店更换老板，拒绝继续提供服务".into()),
            ..Dispute::default()
        },
        attachments: vec![],
    }
}

fn run(engine: &mut Engine, actor: &str, command: Command) -> Result<Outcome, EngineError> {
    engine.execute(Envelope { actor: actor.into(), command })
}

fn outbox(engine: &Engine) -> Vec<OutboxEntry> {
    engine.store().outbox_entries().collect::<Result<_, _>>().unwrap()
}

fn page(tickets: Vec<NewTicket>, malformed: Vec<Malformed>, cursor: &str) -> Command {
    Command::Ingest(Box::new(Ingest {
        channel: "12345".into(),
        cursor: Some(cursor.into()),
        tickets,
        malformed,
        released: vec![],
    }))
}

#[test]
fn a_page_is_written_with_its_cursor_its_sign_fors_and_its_malformed_items() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = open(dir.path());
    let bad = Malformed { reason: "amount is not a number".into(), raw: r#"{"gdbh":"SD3","je":{}}"#.into() };
    let out = run(
        &mut engine,
        "sync:12345",
        page(vec![hotline_order("SD1"), hotline_order("SD2")], vec![bad], "page=2"),
    )
    .unwrap();
    let Outcome::Ingested(report) = out else { panic!("ingested") };
    assert_eq!(report.registered.len(), 2);
    assert_eq!(report.quarantined.len(), 1);
    assert_eq!(engine.store().cursor("12345").unwrap().as_deref(), Some("page=2"));
    let signs: Vec<_> =
        outbox(&engine).into_iter().filter(|e| e.effect.kind == EffectKind::SignFor).collect();
    assert_eq!(
        signs.iter().map(|e| e.effect.key.as_str()).collect::<Vec<_>>(),
        vec!["sign:12345:SD1", "sign:12345:SD2"]
    );
    let held = engine.store().quarantine_entry(report.quarantined[0]).unwrap().unwrap();
    assert_eq!((held.reason.as_str(), held.state), ("amount is not a number", QuarantineState::Held));
    assert!(held.raw.contains("SD3"));

    let again = run(&mut engine, "sync:12345", page(vec![hotline_order("SD2")], vec![], "page=3")).unwrap();
    let Outcome::Ingested(report) = again else { panic!("ingested") };
    assert_eq!(report.duplicates.len(), 1, "a re-sent item is a duplicate");
    assert_eq!(outbox(&engine).len(), 2, "and is not signed for twice");
    assert_eq!(engine.store().cursor("12345").unwrap().as_deref(), Some("page=3"));
}

#[test]
fn an_item_the_domain_refuses_is_quarantined_not_lost() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = open(dir.path());
    let mut no_time = hotline_order("SD9");
    no_time.intake.received_at = None;
    let Outcome::Ingested(report) =
        run(&mut engine, "sync:12345", page(vec![no_time], vec![], "c1")).unwrap()
    else {
        panic!("ingested")
    };
    let held = engine.store().quarantine_entry(report.quarantined[0]).unwrap().unwrap();
    assert!(held.reason.contains("received_at"), "{}", held.reason);
    run(&mut engine, "王文书", Command::Quarantine { id: held.id, action: QuarantineAction::Drop }).unwrap();
    let held = engine.store().quarantine_entry(held.id).unwrap().unwrap();
    assert_eq!(held.state, QuarantineState::Dropped);
}

#[test]
fn dispatch_queues_an_sms_to_the_unit_without_personal_data() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = open(dir.path());
    run(&mut engine, "sync:12345", page(vec![hotline_order("SD1")], vec![], "c")).unwrap();
    let id = TicketId(1);
    let act =
        |engine: &mut Engine, action| run(engine, "王文书", Command::Act { ticket: id, action }).unwrap();
    act(&mut engine, A::Triage { kind: Kind::Complaint, category: None, dispute_type: None });
    act(&mut engine, A::Dispatch { unit: "daliang".into() });
    let sms: Vec<_> = outbox(&engine).into_iter().filter(|e| e.effect.kind == EffectKind::Sms).collect();
    assert_eq!(sms.len(), 1);
    let unit = engine.config().org.unit("daliang").unwrap();
    assert_eq!(sms[0].effect.to.as_deref(), Some(unit.phone.as_str()));
    let text = &sms[0].effect.text;
    assert!(text.contains("#1") && text.contains(&unit.name), "{text}");
    assert!(!text.contains("何丽华") && !text.contains("13560001234"), "no personal data in an SMS: {text}");
}

#[test]
fn a_delivered_write_back_moves_the_ticket_to_written_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = open(dir.path());
    run(&mut engine, "sync:12345", page(vec![hotline_order("SD1")], vec![], "c")).unwrap();
    let id = TicketId(1);
    for action in [
        A::Triage { kind: Kind::Enquiry, category: None, dispute_type: None },
        A::Dispatch { unit: "daliang".into() },
        A::Sign,
        A::Answer { text: "已告知预付卡纠纷处理途径".into() },
        A::Resolve { result: "已答复消费者".into(), amount_recovered: None },
    ] {
        run(&mut engine, "unit:daliang", Command::Act { ticket: id, action }).unwrap();
    }
    let write_back = outbox(&engine).into_iter().find(|e| e.effect.kind == EffectKind::WriteBack).unwrap();
    assert_eq!(write_back.effect.text, "已答复消费者");
    let due = engine.store().outbox_due(at("2026-11-25T10:00:00+08:00"), 100).unwrap();
    assert!(due.iter().any(|e| e.id == write_back.id));

    let failed = DeliveryResult::Failed { error: "503".into(), retry_at: at("2026-11-25T10:00:30+08:00") };
    run(&mut engine, "outbox", Command::Delivery { outbox: write_back.id, result: failed }).unwrap();
    let entry = engine.store().outbox_entry(write_back.id).unwrap().unwrap();
    assert_eq!((entry.attempts, entry.state), (1, DeliveryState::Pending));
    assert!(
        engine
            .store()
            .outbox_due(at("2026-11-25T10:00:00+08:00"), 100)
            .unwrap()
            .iter()
            .all(|e| e.id != entry.id)
    );

    run(
        &mut engine,
        "sync:12345",
        Command::Delivery { outbox: write_back.id, result: DeliveryResult::Delivered },
    )
    .unwrap();
    let entry = engine.store().outbox_entry(write_back.id).unwrap().unwrap();
    assert_eq!(entry.state, DeliveryState::Delivered);
    assert_eq!(engine.reader().ticket(id).unwrap().unwrap().status, Status::WrittenBack);
}

#[test]
fn a_dead_entry_waits_for_an_operator_and_only_a_dead_one_can_be_retried() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = open(dir.path());
    run(&mut engine, "sync:12345", page(vec![hotline_order("SD1")], vec![], "c")).unwrap();
    let sign = outbox(&engine)[0].clone();
    let err = run(&mut engine, "王文书", Command::RetryOutbox { outbox: sign.id }).unwrap_err();
    assert!(err.to_string().contains("only a dead entry"), "{err}");
    run(
        &mut engine,
        "outbox",
        Command::Delivery { outbox: sign.id, result: DeliveryResult::GaveUp { error: "timeout".into() } },
    )
    .unwrap();
    assert_eq!(engine.store().outbox_entry(sign.id).unwrap().unwrap().state, DeliveryState::Dead);
    assert!(engine.store().next_outbox_due().unwrap().is_none(), "a dead entry is not due");
    run(&mut engine, "王文书", Command::RetryOutbox { outbox: sign.id }).unwrap();
    let entry = engine.store().outbox_entry(sign.id).unwrap().unwrap();
    assert_eq!((entry.state, entry.attempts), (DeliveryState::Pending, 0));
    assert!(engine.store().next_outbox_due().unwrap().is_some());
}

#[test]
fn a_result_on_a_manual_channel_needs_no_write_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = open(dir.path());
    let mut walkin = hotline_order("LF1");
    walkin.intake.channel = "walkin".into();
    run(&mut engine, "王文书", Command::Register(Box::new(walkin))).unwrap();
    assert!(outbox(&engine).is_empty(), "nothing to sign for on a manual channel");
}

#[test]
fn a_sign_for_may_be_delivered_only_once_the_ticket_it_acknowledges_is_flushed() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = open(dir.path());
    let durable = engine.durable_outbox();
    let before = durable.load(std::sync::atomic::Ordering::Acquire);
    assert_eq!(before, 1, "an empty store: nothing to deliver yet");
    run(&mut engine, "sync:12345", page(vec![hotline_order("SD2026112500031")], vec![], "c1")).unwrap();
    let sign_for = outbox(&engine).into_iter().find(|e| e.effect.kind == EffectKind::SignFor).unwrap();
    assert!(
        sign_for.id < durable.load(std::sync::atomic::Ordering::Acquire),
        "after the flush the sign-for may go out"
    );
    drop(engine);
    let engine = open(dir.path());
    assert!(
        sign_for.id < engine.durable_outbox().load(std::sync::atomic::Ordering::Acquire),
        "and after a restart"
    );
}
