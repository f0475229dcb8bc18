//! Roles checked in the engine: what a clerk, a chief, a unit's staff and a viewer may do, the
//! server's own commands refused from every person, a person recorded as who they are, and two
//! clerks on one ticket: the first applies, the second hears who did what, never a silent
//! overwrite.

use rightsdesk::config::{self, Config};
use rightsdesk::domain::action::TicketAction as A;
use rightsdesk::domain::role::{Person, Role};
use rightsdesk::domain::ticket::{Complainant, Dispute, Intake, Kind, NewTicket, TicketId};
use rightsdesk::engine::authority;
use rightsdesk::engine::{
    Answer, Command, Engine, EngineError, Envelope, ListFilter, Origin, Outcome, Query, StatusFilter,
};
use rightsdesk::time::{Clock, Timestamp};
use std::sync::Arc;

fn config() -> Arc<Config> {
    Arc::new(config::load(None).expect("built-in configuration"))
}

fn now() -> Timestamp {
    Timestamp::parse("2026-11-25T10:00:00+08:00").unwrap()
}

fn person(login: &str, name: &str, role: Role) -> Origin {
    Origin::Person(Arc::new(Person { login: login.into(), name: name.into(), role, acting_as: None }))
}

fn clerk(login: &str, name: &str) -> Origin {
    person(login, name, Role::Clerk)
}

fn complaint(ext: &str, phone: &str, title: &str) -> NewTicket {
    NewTicket {
        kind: Some(Kind::Complaint),
        intake: Intake {
            channel: "12345".into(),
            channel_ticket_id: ext.into(),
            received_at: Some(Timestamp::parse("2026-11-24 14:30").unwrap()),
            town: Some("伦教".into()),
            ..Intake::default()
        },
        complainant: Complainant {
            name: Some("黄志强".into()),
            phone: Some(phone.into()),
            ..Complainant::default()
        },
        dispute: Dispute { title: title.into(), request: Some("退款".into()), ..Dispute::default() },
        ..NewTicket::default()
    }
}

fn run(engine: &mut Engine, origin: &Origin, command: Command) -> Result<Outcome, EngineError> {
    // The envelope's actor is what a client would claim; a person is recorded as who they are.
    let envelope = Envelope { actor: "somebody-else".into(), command };
    engine.execute_from(vec![(origin.clone(), envelope)]).pop().unwrap()
}

/// A registered, triaged ticket dispatched to `unit`.
fn at_unit(engine: &mut Engine, ext: &str, unit: &str) -> TicketId {
    let chenli = clerk("chenli", "陈丽");
    let id =
        run(engine, &chenli, Command::Register(Box::new(complaint(ext, "13712345678", "预付卡商家跑路"))))
            .unwrap()
            .ticket()
            .unwrap();
    let triage = A::Triage { kind: Kind::Complaint, category: None, dispute_type: None };
    run(engine, &chenli, Command::Act { ticket: id, action: triage }).unwrap();
    run(engine, &chenli, Command::Act { ticket: id, action: A::DispatchWithoutSms { unit: unit.into() } })
        .unwrap();
    id
}

fn last_actor(engine: &Engine, id: TicketId) -> String {
    let t = engine.store().ticket(id).unwrap().unwrap();
    engine.store().event(*t.events.last().unwrap()).unwrap().unwrap().actor
}

#[test]
fn a_clerks_command_is_recorded_with_the_clerks_login_whatever_it_claims() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = Engine::open(dir.path(), config(), Clock::Fixed(now())).unwrap();
    let id = at_unit(&mut engine, "SD2026112400001", "lunjiao");
    assert_eq!(last_actor(&engine, id), "chenli");
    let mut chief =
        Person { login: "wangfang".into(), name: "王芳".into(), role: Role::Chief, acting_as: None };
    chief.acting_as = Some("chenli".into());
    let chief = Origin::Person(Arc::new(chief));
    run(&mut engine, &chief, Command::Act { ticket: id, action: A::Note { text: "已电话督促".into() } })
        .unwrap();
    assert_eq!(last_actor(&engine, id), "wangfang acting as chenli");
}

#[test]
fn only_a_chief_extends_refuses_reopens_or_reveals_and_the_refusal_names_the_role() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = Engine::open(dir.path(), config(), Clock::Fixed(now())).unwrap();
    let id = at_unit(&mut engine, "SD2026112400002", "lunjiao");
    let chenli = clerk("chenli", "陈丽");
    let before = engine.store().last_seq().unwrap();
    for action in [A::Reveal, A::Refuse { reason: "other".into(), note: None }] {
        let refused = run(&mut engine, &chenli, Command::Act { ticket: id, action }).unwrap_err();
        assert!(matches!(refused, EngineError::Forbidden(_)), "{refused:?}");
        assert!(refused.to_string().contains("needs the role chief; chenli is a clerk"), "{refused}");
    }
    assert_eq!(engine.store().last_seq().unwrap(), before, "nothing written");
    let chief = person("wangfang", "王芳", Role::Chief);
    run(&mut engine, &chief, Command::Act { ticket: id, action: A::Reveal }).unwrap();
}

#[test]
fn the_servers_own_commands_are_refused_from_every_person_whatever_the_role() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = Engine::open(dir.path(), config(), Clock::Fixed(now())).unwrap();
    let id = at_unit(&mut engine, "SD2026112400003", "lunjiao");
    let snapshot = engine.store().ticket(id).unwrap().unwrap();
    let ingest = rightsdesk::engine::Ingest {
        channel: "12345".into(),
        cursor: Some("99999999".into()),
        tickets: vec![complaint("SD-FORGED", "13800000000", "伪造工单")],
        malformed: vec![],
        released: vec![],
    };
    let internal = [
        Command::Ingest(Box::new(ingest)),
        Command::Delivery { outbox: 1, result: rightsdesk::engine::DeliveryResult::Delivered },
        Command::Backfill(Box::new(snapshot)),
        Command::FireAlarms,
    ];
    let chief = person("wangfang", "王芳", Role::Chief);
    let before = engine.store().last_seq().unwrap();
    for command in internal {
        let name = command.name();
        let refused = run(&mut engine, &chief, command).unwrap_err();
        assert!(refused.to_string().contains("is the server's own"), "{name}: {refused}");
    }
    assert_eq!(engine.store().last_seq().unwrap(), before);
    assert!(engine.store().cursor("12345").unwrap().is_none(), "no cursor moved");
}

#[test]
fn a_unit_acts_only_on_the_tickets_it_holds_even_after_a_redispatch_between_look_and_act() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = Engine::open(dir.path(), config(), Clock::Fixed(now())).unwrap();
    let mine = at_unit(&mut engine, "SD2026112400004", "lunjiao");
    let theirs = at_unit(&mut engine, "SD2026112400005", "daliang");
    let lunjiao = person("lb_station", "伦教分局 值班", Role::Unit("lunjiao".into()));
    run(&mut engine, &lunjiao, Command::Act { ticket: mine, action: A::Sign }).unwrap();
    let refused = run(&mut engine, &lunjiao, Command::Act { ticket: theirs, action: A::Sign }).unwrap_err();
    assert!(refused.to_string().contains("not in hand at unit lunjiao"), "{refused}");
    let dispatch =
        run(&mut engine, &lunjiao, Command::Act { ticket: mine, action: A::Recall { reason: "x".into() } });
    assert!(dispatch.unwrap_err().to_string().contains("needs the role clerk or chief"));
    // The bureau takes the ticket away and, in the same burst, the old unit's step arrives:
    // the engine checks the ticket as the burst left it.
    let chenli = clerk("chenli", "陈丽");
    let redispatch = A::Redispatch { unit: "daliang".into(), reason: "辖区错误".into() };
    let results = engine.execute_from(vec![
        (
            chenli,
            Envelope { actor: "chenli".into(), command: Command::Act { ticket: mine, action: redispatch } },
        ),
        (
            lunjiao.clone(),
            Envelope {
                actor: "lb_station".into(),
                command: Command::Act { ticket: mine, action: A::Contact { note: "已联系".into() } },
            },
        ),
    ]);
    assert!(results[0].is_ok(), "{:?}", results[0]);
    assert!(matches!(results[1], Err(EngineError::Forbidden(_))), "{:?}", results[1]);
}

#[test]
fn a_viewer_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = Engine::open(dir.path(), config(), Clock::Fixed(now())).unwrap();
    let id = at_unit(&mut engine, "SD2026112400006", "lunjiao");
    let wall = person("wall", "大屏", Role::Viewer);
    let before = engine.store().last_seq().unwrap();
    let commands = [
        Command::Register(Box::new(complaint("SD-W", "13800000001", "看板录入"))),
        Command::Act { ticket: id, action: A::Note { text: "看看".into() } },
        Command::Act { ticket: id, action: A::Sign },
        Command::SetUnitToken { unit: "lunjiao".into(), token_hash: None },
        Command::RetryOutbox { outbox: 1 },
    ];
    for command in commands {
        assert!(matches!(run(&mut engine, &wall, command), Err(EngineError::Forbidden(_))));
    }
    assert_eq!(engine.store().last_seq().unwrap(), before);
}

#[test]
fn a_viewer_may_ask_everything_the_wall_shows() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = Engine::open(dir.path(), config(), Clock::Fixed(now())).unwrap();
    at_unit(&mut engine, "SD2026112400016", "lunjiao");
    let reader = engine.reader();
    let wall = Person { login: "wall".into(), name: "大屏".into(), role: Role::Viewer, acting_as: None };
    let counts = Query::Counts(rightsdesk::tui::wall::live_views());
    match authority::answer(&reader, &wall, counts).unwrap() {
        Answer::Counts(c) => assert_eq!(c.views, vec![1, 0], "one open ticket, none overdue"),
        other => panic!("{other:?}"),
    }
    let stats = Query::Stats(rightsdesk::engine::stats::StatsQuery::default());
    match authority::answer(&reader, &wall, stats).unwrap() {
        Answer::Stats(s) => assert_eq!(s.total, 1),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_unit_lists_and_reads_only_its_tickets_and_no_longer_a_closed_one_it_held() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = Engine::open(dir.path(), config(), Clock::Fixed(now())).unwrap();
    let mine = at_unit(&mut engine, "SD2026112400007", "lunjiao");
    let theirs = at_unit(&mut engine, "SD2026112400008", "daliang");
    let reader = engine.reader();
    let staff = Person {
        login: "lb_station".into(),
        name: "伦教分局 值班".into(),
        role: Role::Unit("lunjiao".into()),
        acting_as: None,
    };
    let all = Query::List(ListFilter { status: StatusFilter::All, ..ListFilter::default() });
    match authority::answer(&reader, &staff, all).unwrap() {
        Answer::List(rows) => assert_eq!(rows.iter().map(|r| r.id).collect::<Vec<_>>(), vec![mine.0]),
        other => panic!("{other:?}"),
    }
    assert!(authority::answer(&reader, &staff, Query::Detail { ticket: mine, reveal: true }).is_ok());
    let other = authority::answer(&reader, &staff, Query::Detail { ticket: theirs, reveal: false });
    assert!(matches!(other, Err(EngineError::Forbidden(_))));
    assert!(matches!(
        authority::answer(&reader, &staff, Query::ByPhone("13712345678".into())),
        Err(EngineError::Forbidden(_))
    ));
    match authority::answer(&reader, &staff, Query::Resolve(theirs.0.to_string())).unwrap() {
        Answer::Resolve(found) => assert_eq!(found, None, "another unit's ticket is not found"),
        other => panic!("{other:?}"),
    }
    // The unit answers it, the bureau writes back and closes: the unit reads it no longer.
    let lunjiao = person("lb_station", "伦教分局 值班", Role::Unit("lunjiao".into()));
    let wangfang = person("wangfang", "王芳", Role::Chief);
    let steps = [
        (&lunjiao, A::Sign),
        (&lunjiao, A::Accept),
        (&lunjiao, A::Settle { agreement: "商家退还预付款".into(), amount_recovered: None }),
        (&lunjiao, A::Resolve { result: "调解成功，商家退款".into(), amount_recovered: None }),
        (&wangfang, A::WriteBack { note: None }),
        (&wangfang, A::Close),
    ];
    for (who, action) in steps {
        let name = action.name();
        run(&mut engine, who, Command::Act { ticket: mine, action })
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    let t = engine.store().ticket(mine).unwrap().unwrap();
    assert_eq!(t.status, rightsdesk::domain::status::Status::Closed);
    let staff_detail =
        authority::answer(&engine.reader(), &staff, Query::Detail { ticket: mine, reveal: true });
    assert!(matches!(staff_detail, Err(EngineError::Forbidden(_))), "{staff_detail:?}");
    let clerk_reveal = authority::answer(
        &engine.reader(),
        &Person { login: "chenli".into(), name: "陈丽".into(), role: Role::Clerk, acting_as: None },
        Query::Detail { ticket: theirs, reveal: true },
    );
    assert!(clerk_reveal.unwrap_err().to_string().contains("reveal needs the role chief"));
}

#[test]
fn two_clerks_dispatching_one_ticket_at_once_make_one_dispatch_and_one_conflict() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = Engine::open(dir.path(), config(), Clock::Fixed(now())).unwrap();
    let chenli = clerk("chenli", "陈丽");
    let lina = clerk("lina", "李娜");
    let id = run(
        &mut engine,
        &chenli,
        Command::Register(Box::new(complaint("SD2026112400009", "13712345678", "装修押金不退"))),
    )
    .unwrap()
    .ticket()
    .unwrap();
    let triage = A::Triage { kind: Kind::Complaint, category: None, dispute_type: None };
    run(&mut engine, &chenli, Command::Act { ticket: id, action: triage }).unwrap();
    // Both screens were cut here.
    let seen = engine.store().last_seq().unwrap();
    let dispatch = |unit: &str| Command::Guarded {
        ticket: id,
        action: A::DispatchWithoutSms { unit: unit.into() },
        seen,
    };
    let results = engine.execute_from(vec![
        (chenli.clone(), Envelope { actor: "chenli".into(), command: dispatch("lunjiao") }),
        (lina.clone(), Envelope { actor: "lina".into(), command: dispatch("daliang") }),
    ]);
    assert!(results[0].is_ok(), "{:?}", results[0]);
    let Err(EngineError::Conflict(conflict)) = &results[1] else { panic!("{:?}", results[1]) };
    assert_eq!((conflict.actor.as_str(), conflict.event.as_str()), ("chenli", "dispatched"));
    let said = conflict.to_string();
    assert!(said.contains("chenli dispatched at 2026-11-25 10:00:00") && said.contains("reload"), "{said}");
    let t = engine.store().ticket(id).unwrap().unwrap();
    assert_eq!(t.workflow.unit.as_deref(), Some("lunjiao"), "the first dispatch stands");
    // A note by a colleague is no conflict; a decision on what one has reloaded is none either.
    run(&mut engine, &lina, Command::Act { ticket: id, action: A::Note { text: "消费者来电催问".into() } })
        .unwrap();
    let seen = engine.store().last_seq().unwrap() - 1;
    let remind = Command::Guarded { ticket: id, action: A::Remind { note: None }, seen };
    run(&mut engine, &chenli, remind).unwrap();
}
