//! The deadline scheduler: 临期 and 超期 alarms raised at the right instants from the alarm
//! index, once each, with a 催办 SMS to the handling unit that carries no personal data.
//! Time is always fixed; moving it means reopening the engine with a later clock.

use rightsdesk::config::{self, Config};
use rightsdesk::domain::action::TicketAction as A;
use rightsdesk::domain::effect::EffectKind;
use rightsdesk::domain::event::EventBody;
use rightsdesk::domain::sla::ClockState;
use rightsdesk::domain::ticket::{Complainant, Dispute, Fen, Intake, Kind, NewTicket, Respondent, TicketId};
use rightsdesk::engine::{
    Change, Command, Engine, EngineHandle, Envelope, Outcome, SCHEDULER, run_scheduler,
};
use rightsdesk::store::outbox::OutboxEntry;
use rightsdesk::store::{Store, check, migrate};
use rightsdesk::time::{Clock, Timestamp};
use std::sync::Arc;
use std::time::Duration;

fn config() -> Arc<Config> {
    Arc::new(config::load(None).expect("built-in configuration"))
}

fn at(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

/// 大良分局's duty phone in the shipped organisation.
const DALIANG_PHONE: &str = "0757-22499205";

/// A store and an engine whose clock is moved by reopening it, as a server restarted later.
struct Desk {
    dir: tempfile::TempDir,
    engine: Option<Engine>,
}

impl Desk {
    fn new(now: &str) -> Desk {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::open(dir.path(), config(), Clock::Fixed(at(now))).unwrap();
        Desk { dir, engine: Some(engine) }
    }

    fn at(&mut self, now: &str) -> &mut Engine {
        self.engine = None;
        self.engine = Some(Engine::open(self.dir.path(), config(), Clock::Fixed(at(now))).unwrap());
        self.engine()
    }

    fn engine(&mut self) -> &mut Engine {
        self.engine.as_mut().unwrap()
    }

    fn store(&self) -> &Store {
        self.engine.as_ref().unwrap().store()
    }

    fn register(&mut self, channel: &str, ext: &str, received: &str) -> TicketId {
        let command = Command::Register(Box::new(complaint(channel, ext, received)));
        let outcome = self.engine().execute(Envelope { actor: format!("sync:{channel}"), command }).unwrap();
        outcome.ticket().unwrap()
    }

    fn act(&mut self, id: TicketId, action: A) {
        let command = Command::Act { ticket: id, action };
        self.engine().execute(Envelope { actor: "何文书".into(), command }).unwrap();
    }

    fn fire(&mut self) -> Vec<Change> {
        let command = Envelope { actor: SCHEDULER.into(), command: Command::FireAlarms };
        match self.engine().execute(command).unwrap() {
            Outcome::Applied(changes) => changes,
            other => panic!("FireAlarms gave {other:?}"),
        }
    }

    fn sms(&self, what: &str) -> Vec<OutboxEntry> {
        let prefix = format!("sms:{what}:");
        let entries = self.store().outbox_entries().map(Result::unwrap);
        entries.filter(|e| e.effect.kind == EffectKind::Sms && e.effect.key.starts_with(&prefix)).collect()
    }

    fn alarm_entries(&self, id: TicketId) -> Vec<Timestamp> {
        self.store().alarms().map(Result::unwrap).filter(|(_, t)| *t == id).map(|(at, _)| at).collect()
    }

    fn assert_consistent(&self) {
        let report = check::verify_with(self.store(), &config()).unwrap();
        assert!(report.is_ok(), "{report}");
    }
}

fn complaint(channel: &str, ext: &str, received: &str) -> NewTicket {
    NewTicket {
        kind: Some(Kind::Complaint),
        intake: Intake {
            channel: channel.into(),
            channel_ticket_id: ext.into(),
            received_at: Some(at(received)),
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
            facts: Some("11月购买格力空调一台，安装后一直不制冷，商家以人为损坏为由拒绝退换".into()),
            ..Dispute::default()
        },
        attachments: vec![],
    }
}

/// A walk-in complaint received Monday 2026-11-23 09:30, dispatched to 大良分局 at 10:00, signed
/// for and the consumer called at 10:20 (so the first-contact hour is met). Its 7-working-day
/// acceptance clock is due Wednesday 12-02 23:59:59 and due soon from Tuesday 12-01 00:00.
fn walk_in_dispatched_to_daliang(desk: &mut Desk) -> TicketId {
    desk.at("2026-11-23 09:30");
    let id = desk.register("walkin", "LF-2026-1123-007", "2026-11-23 09:30");
    desk.act(id, A::Triage { kind: Kind::Complaint, category: Some("家用电器".into()), dispute_type: None });
    desk.at("2026-11-23 10:00");
    desk.act(id, A::Dispatch { unit: "daliang".into() });
    desk.at("2026-11-23 10:20");
    desk.act(id, A::Sign);
    desk.act(id, A::Contact { note: "已电话联系消费者，约定上门检测".into() });
    id
}

#[test]
fn a_ticket_dispatched_to_a_unit_raises_one_due_soon_alarm_and_one_sms_to_that_unit() {
    let mut desk = Desk::new("2026-11-23 09:00");
    let id = walk_in_dispatched_to_daliang(&mut desk);
    assert_eq!(
        desk.alarm_entries(id),
        [at("2026-12-01 00:00")],
        "the next alarm is the acceptance clock's 临期"
    );

    desk.at("2026-11-30 23:59");
    assert_eq!(desk.fire(), [], "nothing is due soon the evening before");
    desk.at("2026-12-01 09:00");
    let changes = desk.fire();
    let names: Vec<(TicketId, &str)> = changes.iter().map(|c| (c.ticket, c.event.as_str())).collect();
    assert_eq!(names, [(id, "due_soon")]);
    assert_eq!((changes[0].before, changes[0].actor.as_str()), (Some(changes[0].after), SCHEDULER));

    let event = desk.store().event(changes[0].seq).unwrap().unwrap();
    let EventBody::DeadlineAlarm { clock, state, due_at } = &event.body else { panic!("{event:?}") };
    assert_eq!(
        (clock.as_str(), *state, *due_at),
        ("complaint_acceptance", ClockState::DueSoon, at("2026-12-02 23:59:59"))
    );
    assert_eq!(event.body.detail(), "临期：complaint_acceptance 将于 2026-12-02 23:59 到期");

    let sms = desk.sms("due_soon");
    assert_eq!(sms.len(), 1);
    let e = &sms[0].effect;
    assert_eq!(
        (e.key.clone(), e.to.as_deref()),
        (format!("sms:due_soon:{}", changes[0].seq), Some(DALIANG_PHONE))
    );
    assert!(e.text.contains(&format!("工单#{id}")) && e.text.contains("大良分局"), "{}", e.text);
    assert!(e.text.contains("12月02日23:59"), "the SMS names the clock's due time: {}", e.text);
    for personal in ["陈美玲", "13800138000", "新桂路"] {
        assert!(!e.text.contains(personal), "the SMS carries no personal data: {}", e.text);
    }
    let detail = desk.engine().reader().detail(id, false).unwrap().unwrap();
    let shown = detail.timeline.iter().find(|e| e.action == "due_soon").unwrap();
    assert_eq!(
        shown.detail, "临期：投诉受理决定时限 将于 2026-12-02 23:59 到期",
        "the timeline names the clock"
    );
    let clock = detail.summary.clocks.iter().find(|c| c.name == "complaint_acceptance").unwrap();
    assert_eq!(clock.state, ClockState::DueSoon, "the alarm says what the ticket shows");
    assert_eq!(desk.alarm_entries(id), [just_after(at("2026-12-02 23:59:59"))], "next: 超期");
    desk.assert_consistent();
}

/// A clock is overdue once now is past its due instant.
fn just_after(t: Timestamp) -> Timestamp {
    Timestamp::from_millis(t.millis() + 1)
}

#[test]
fn a_clock_past_due_raises_one_overdue_alarm_and_firing_twice_adds_nothing() {
    let mut desk = Desk::new("2026-11-23 09:00");
    let id = walk_in_dispatched_to_daliang(&mut desk);
    desk.at("2026-12-01 09:00");
    assert_eq!(desk.fire().len(), 1);
    desk.at("2026-12-03 08:45");
    let changes = desk.fire();
    assert_eq!(changes.iter().map(|c| (c.ticket, c.event.as_str())).collect::<Vec<_>>(), [(id, "overdue")]);
    let event = desk.store().event(changes[0].seq).unwrap().unwrap();
    assert_eq!(event.body.detail(), "超期：complaint_acceptance 已于 2026-12-02 23:59 到期");
    let sms = desk.sms("overdue");
    assert_eq!(sms.len(), 1);
    assert!(sms[0].effect.text.contains("超期催办"), "{}", sms[0].effect.text);
    assert_eq!(sms[0].effect.to.as_deref(), Some(DALIANG_PHONE));

    let outbox = desk.store().outbox_entries().count();
    let seq = desk.store().last_seq().unwrap();
    assert_eq!(desk.fire(), [], "firing again at the same instant adds nothing");
    desk.at("2026-12-10 09:00");
    assert_eq!(desk.fire(), [], "nor later: each alarm is raised once");
    assert_eq!((desk.store().outbox_entries().count(), desk.store().last_seq().unwrap()), (outbox, seq));
    assert_eq!(desk.alarm_entries(id), [], "no alarm is left on this clock");
    desk.assert_consistent();
}

#[test]
fn an_alarm_that_passed_while_nothing_ran_is_raised_at_the_next_firing() {
    let mut desk = Desk::new("2026-11-23 09:00");
    let id = walk_in_dispatched_to_daliang(&mut desk);
    // No scheduler ran from 11-23 until Friday 12-04: the 临期 instant and the due time passed.
    desk.at("2026-12-04 08:30");
    let changes = desk.fire();
    assert_eq!(
        changes.iter().map(|c| (c.ticket, c.event.as_str())).collect::<Vec<_>>(),
        [(id, "overdue")],
        "a clock found overdue gets the overdue alarm only"
    );
    assert_eq!((desk.sms("due_soon").len(), desk.sms("overdue").len()), (0, 1));
    desk.assert_consistent();
}

#[test]
fn an_overdue_alarm_raised_days_after_the_deadline_is_on_the_timeline_but_sends_no_stale_reminder() {
    let mut desk = Desk::new("2026-11-23 09:00");
    let id = walk_in_dispatched_to_daliang(&mut desk);
    // Due Wed 12-02 23:59; the first firing after a long stop is on Mon 12-07, past the 72 hours
    // of sms.toml's overdue_reminder_hours.
    desk.at("2026-12-07 09:00");
    let changes = desk.fire();
    assert_eq!(changes.iter().map(|c| (c.ticket, c.event.as_str())).collect::<Vec<_>>(), [(id, "overdue")]);
    assert_eq!(desk.sms("overdue").len(), 0, "no flood of stale 催办 after a migration or a long stop");
    desk.assert_consistent();
}

#[test]
fn an_extension_makes_the_clock_pending_again() {
    // A 12345 order received Monday 11-23: its 5-working-day reply clock is due Monday 11-30.
    let mut desk = Desk::new("2026-11-23 09:30");
    let id = desk.register("12345", "FS12345-20261123-0042", "2026-11-23 09:30");
    desk.act(id, A::Triage { kind: Kind::Complaint, category: Some("家用电器".into()), dispute_type: None });
    desk.act(id, A::Dispatch { unit: "大良分局".into() });
    desk.act(id, A::Sign);
    desk.act(id, A::Contact { note: "已联系消费者".into() });
    desk.act(id, A::Accept);
    desk.at("2026-11-30 09:00");
    let changes = desk.fire();
    assert_eq!(changes.iter().map(|c| c.event.as_str()).collect::<Vec<_>>(), ["due_soon"]);
    let first = desk.store().event(changes[0].seq).unwrap().unwrap();
    assert!(matches!(&first.body, EventBody::DeadlineAlarm { clock, .. } if clock == "hotline_reply"));

    desk.at("2026-11-30 10:00");
    desk.act(
        id,
        A::Extend {
            clock: "hotline_reply".into(),
            working_days: 3,
            reason: "消费者申请空调检测".into(),
            approver: "梁科长".into(),
        },
    );
    // Due Thursday 12-03 now; with 8 days' window, 20% is 1.6 days: 临期 again once one working
    // day is left, from Wednesday 12-02. Meanwhile nothing to raise.
    assert_eq!(desk.alarm_entries(id), [at("2026-12-02 00:00")]);
    assert_eq!(desk.fire(), [], "running again after the extension: nothing raised");
    desk.at("2026-12-02 09:00");
    let changes = desk.fire();
    assert_eq!(changes.len(), 1);
    let again = desk.store().event(changes[0].seq).unwrap().unwrap();
    let EventBody::DeadlineAlarm { clock, state, due_at } = &again.body else { panic!("{again:?}") };
    assert_eq!(
        (clock.as_str(), *state, *due_at),
        ("hotline_reply", ClockState::DueSoon, at("2026-12-03 23:59:59"))
    );
    assert_eq!(desk.sms("due_soon").len(), 2, "one 催办 per alarm");
    desk.assert_consistent();
}

#[test]
fn a_closed_ticket_leaves_no_alarm_entry() {
    let mut desk = Desk::new("2026-11-23 09:00");
    let id = walk_in_dispatched_to_daliang(&mut desk);
    desk.at("2026-11-25 15:00");
    desk.act(id, A::Accept);
    assert!(!desk.alarm_entries(id).is_empty(), "mediation has its 45-day clock");
    desk.act(
        id,
        A::Settle {
            agreement: "商家同意退货退款3299元".into(), amount_recovered: Some(Fen(329_900))
        },
    );
    desk.act(id, A::Resolve { result: "调解成功，商家退款".into(), amount_recovered: Some(Fen(329_900)) });
    desk.act(id, A::WriteBack { note: None });
    desk.act(id, A::Close);
    assert_eq!(desk.alarm_entries(id), []);
    // A 12345 order returned to its channel as misrouted: terminal at once.
    let other = desk.register("12345", "FS12345-20261125-0107", "2026-11-25 14:40");
    assert!(!desk.alarm_entries(other).is_empty());
    desk.act(other, A::ReturnToChannel { reason: "not_our_duty".into(), note: None });
    assert_eq!(desk.alarm_entries(other), []);
    desk.at("2027-03-01 09:00");
    assert_eq!(desk.fire(), [], "nothing is raised on finished tickets");
    desk.assert_consistent();
}

#[test]
fn a_suspended_ticket_has_no_alarm_until_it_resumes() {
    let mut desk = Desk::new("2026-11-23 09:00");
    let id = walk_in_dispatched_to_daliang(&mut desk);
    desk.at("2026-11-25 15:00");
    desk.act(id, A::Accept);
    let before = desk.alarm_entries(id);
    desk.act(id, A::Suspend { reason: "消费者申请空调质量检测".into() });
    assert_eq!(desk.alarm_entries(id), [], "a suspended clock raises nothing");
    desk.at("2026-12-07 10:00");
    desk.act(id, A::Resume);
    let after = desk.alarm_entries(id);
    assert_eq!(after.len(), 1);
    assert!(after > before, "the suspension moved the mediation clock's alarm later");
    desk.assert_consistent();
}

#[test]
fn a_store_written_before_alarms_gets_them_when_reopened() {
    let mut desk = Desk::new("2026-11-23 09:00");
    let id = walk_in_dispatched_to_daliang(&mut desk);
    desk.engine = None;
    migrate::rewrite_as_before_alarms(desk.dir.path(), &config()).unwrap();
    {
        let store = Store::open(desk.dir.path(), &Default::default()).unwrap();
        assert_eq!(store.alarms().count(), 0, "the old binary wrote no alarm index");
    }
    desk.at("2026-12-01 09:00");
    assert_eq!(desk.alarm_entries(id), [at("2026-12-01 00:00")], "indexed when the engine opened the store");
    desk.assert_consistent();
    assert_eq!(desk.fire().len(), 1);
    desk.at("2026-12-01 10:00");
    assert_eq!(desk.fire(), [], "the reindex runs once, and forgets no raised alarm");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scheduler_raises_alarms_through_the_engine_handle_and_stops_on_request() {
    let mut desk = Desk::new("2026-11-23 09:00");
    let id = walk_in_dispatched_to_daliang(&mut desk);
    let now = Clock::Fixed(at("2026-12-01 09:00"));
    desk.engine = None;
    let engine = Engine::open(desk.dir.path(), config(), now).unwrap();
    let (handle, thread) = EngineHandle::spawn(engine);
    let mut changes = handle.subscribe();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let scheduler = tokio::spawn(run_scheduler(handle.clone(), now, stopped));

    let first = next_change(&mut changes).await;
    assert_eq!((first.ticket, first.event.as_str(), first.actor.as_str()), (id, "due_soon", SCHEDULER));

    // The scheduler now sleeps until 12-02 (a minute at most); a ticket received Thursday 11-19
    // comes in, its acceptance clock already past due (11-30): it wakes at once for it.
    let command = Command::Register(Box::new(complaint("wechat", "WX20261119-5521", "2026-11-19 16:00")));
    let late =
        handle.execute(Envelope { actor: "sync:wechat".into(), command }).await.unwrap().ticket().unwrap();
    let registered = next_change(&mut changes).await;
    assert_eq!((registered.ticket, registered.event.as_str()), (late, "registered"));
    let alarm = next_change(&mut changes).await;
    assert_eq!((alarm.ticket, alarm.event.as_str()), (late, "overdue"));

    stop.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(5), scheduler).await.expect("stops when told").unwrap();
    drop(changes);
    drop(handle);
    thread.join().unwrap();
}

async fn next_change(changes: &mut tokio::sync::broadcast::Receiver<Change>) -> Change {
    tokio::time::timeout(Duration::from_secs(10), changes.recv())
        .await
        .expect("a change within 10 s")
        .unwrap()
}
