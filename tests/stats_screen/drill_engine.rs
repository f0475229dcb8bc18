//! Against a real engine with a hand-built set of tickets: the list a figure of the statistics
//! opens holds exactly the tickets behind that figure, served in windows like any view, and a
//! unit's staff get none of the other units' tickets.

use chrono::NaiveDate;
use rightsdesk::config::{self, Config};
use rightsdesk::domain::role::{Person, Role};
use rightsdesk::domain::ticket::{Complainant, Dispute, Intake, Kind, NewTicket, Respondent, TicketId};
use rightsdesk::engine::authority;
use rightsdesk::engine::stats::{StatsDrill, StatsQuery};
use rightsdesk::engine::window::{Scope as ViewScope, Sort, ViewSpec, WindowQuery};
use rightsdesk::engine::{Answer, Command, Engine, EngineError, Envelope, Origin, Query};
use rightsdesk::stats::{Dimension, Period, Selector};
use rightsdesk::time::{Clock, Timestamp};
use std::collections::BTreeSet;
use std::sync::Arc;

fn config() -> Arc<Config> {
    Arc::new(config::load(None).expect("built-in configuration"))
}

/// Tuesday 2026-05-12 10:00 China time.
fn may_now() -> Timestamp {
    Timestamp::parse("2026-05-12T10:00:00+08:00").unwrap()
}

/// One ticket: (channel, external id, kind, received, town, merchant, title).
fn ticket(
    channel: &str,
    ext: &str,
    kind: Kind,
    received: &str,
    town: &str,
    merchant: &str,
    title: &str,
) -> NewTicket {
    NewTicket {
        kind: Some(kind),
        intake: Intake {
            channel: channel.into(),
            channel_ticket_id: ext.into(),
            received_at: Some(Timestamp::parse(received).unwrap()),
            town: Some(town.into()),
            ..Intake::default()
        },
        complainant: Complainant {
            name: Some("陈美玲".into()),
            phone: Some("13612345678".into()),
            ..Complainant::default()
        },
        respondent: Respondent {
            name: Some(merchant.to_string()).filter(|m| !m.is_empty()),
            ..Respondent::default()
        },
        dispute: Dispute {
            title: title.into(), request: Some("退还预付款".into()), ..Dispute::default()
        },
        ..NewTicket::default()
    }
}

/// Eight tickets: six in 1–12 May, two in the fortnight before.
fn may_tickets() -> Vec<NewTicket> {
    use Kind::*;
    vec![
        ticket(
            "12345",
            "GD0501",
            Complaint,
            "2026-05-01 09:12",
            "大良",
            "顺德区力健健身有限公司",
            "健身房预付卡停业不退",
        ),
        ticket("12315", "T0503", Complaint, "2026-05-03 14:40", "容桂", "容桂美味餐厅", "餐厅饭菜有异物"),
        ticket(
            "12345",
            "GD0506",
            Report,
            "2026-05-06 10:05",
            "大良",
            "顺德区力健健身有限公司",
            "健身会所预付卡跑路",
        ),
        ticket("wechat", "WX0508", Complaint, "2026-05-08 16:20", "伦教", "伦教家具店", "沙发开裂要求退货"),
        ticket("12345", "GD0511", Enquiry, "2026-05-11 11:00", "北滘", "", "网购七天无理由退货"),
        ticket("12315", "T0512", Complaint, "2026-05-12 08:30", "大良", "大良清晖路水果店", "水果店短斤缺两"),
        ticket(
            "12345",
            "GD0425",
            Complaint,
            "2026-04-25 09:00",
            "大良",
            "顺德区力健健身有限公司",
            "预付卡办卡后门店关闭",
        ),
        ticket("12315", "T0428", Complaint, "2026-04-28 15:00", "容桂", "容桂美味餐厅", "餐厅收费不明码标价"),
    ]
}

fn engine_with_may(dir: &std::path::Path) -> (Engine, Vec<TicketId>) {
    let mut engine = Engine::open(dir, config(), Clock::Fixed(may_now())).unwrap();
    let clerk = Origin::Person(Arc::new(Person {
        login: "chenli".into(),
        name: "陈丽".into(),
        role: Role::Clerk,
        acting_as: None,
    }));
    let ids = may_tickets()
        .into_iter()
        .map(|t| {
            let envelope = Envelope { actor: "chenli".into(), command: Command::Register(Box::new(t)) };
            engine.execute_from(vec![(clerk.clone(), envelope)]).pop().unwrap().unwrap().ticket().unwrap()
        })
        .collect();
    (engine, ids)
}

fn clerk() -> Person {
    Person { login: "chenli".into(), name: "陈丽".into(), role: Role::Clerk, acting_as: None }
}

fn drill_view(selector: Selector) -> ViewSpec {
    let query = StatsQuery {
        period: Some(
            Period::new(
                NaiveDate::from_ymd_opt(2026, 5, 1).unwrap(),
                NaiveDate::from_ymd_opt(2026, 5, 12).unwrap(),
            )
            .unwrap(),
        ),
        unit: None,
        town: None,
    };
    ViewSpec {
        scope: ViewScope::All,
        sort: Sort::Received,
        drill: Some(Box::new(StatsDrill { query, previous: false, selector })),
        ..ViewSpec::default()
    }
}

/// Every ticket of a drill-down's list, window by window as the console scrolls.
fn listed(
    engine: &Engine,
    person: &Person,
    view: &ViewSpec,
    window: usize,
) -> Result<Vec<TicketId>, EngineError> {
    let mut ids = Vec::new();
    loop {
        let q = WindowQuery { view: view.clone(), offset: ids.len(), limit: window, anchor: None };
        let Answer::Window(w) = authority::answer(&engine.reader(), person, Query::Window(q))? else {
            panic!("a window")
        };
        assert!(w.rows.len() <= window, "never more than the window asked");
        ids.extend(w.rows.iter().map(|r| TicketId(r.id)));
        if ids.len() >= w.total || w.rows.is_empty() {
            assert_eq!(ids.len(), w.total, "the total is the whole list");
            return Ok(ids);
        }
    }
}

#[test]
fn the_drill_down_list_holds_exactly_the_tickets_behind_the_figure() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, ids) = engine_with_may(dir.path());
    let id = |i: usize| ids[i];
    let set = |v: Vec<TicketId>| v.into_iter().collect::<BTreeSet<_>>();
    let cases: Vec<(Selector, Vec<TicketId>)> = vec![
        (Selector::Total, vec![id(0), id(1), id(2), id(3), id(4), id(5)]),
        (
            Selector::Key { dimension: Dimension::Channel, key: Some("12345".into()) },
            vec![id(0), id(2), id(4)],
        ),
        (Selector::Key { dimension: Dimension::Channel, key: Some("12315".into()) }, vec![id(1), id(5)]),
        (Selector::Key { dimension: Dimension::Kind, key: Some("report".into()) }, vec![id(2)]),
        (Selector::Day(NaiveDate::from_ymd_opt(2026, 5, 8).unwrap()), vec![id(3)]),
        (Selector::Word("预付卡".into()), vec![id(0), id(2)]),
    ];
    for (selector, expected) in cases {
        let got = listed(&engine, &clerk(), &drill_view(selector.clone()), 2).unwrap();
        assert_eq!(set(got.clone()), set(expected), "{selector:?}");
        assert_eq!(got.len(), set(got.clone()).len(), "{selector:?}: no ticket twice");
        // The same tickets the statistics' own drill-down names.
        let Answer::StatsTickets(behind) = authority::answer(
            &engine.reader(),
            &clerk(),
            Query::StatsTickets {
                query: drill_view(selector.clone()).drill.unwrap().query,
                previous: false,
                selector: selector.clone(),
            },
        )
        .unwrap() else {
            panic!("ids")
        };
        assert_eq!(set(got), set(behind), "{selector:?}");
    }
    // Many drill-downs later (the server keeps only the last few), the first is found again.
    for day in 1..=12 {
        listed(
            &engine,
            &clerk(),
            &drill_view(Selector::Day(NaiveDate::from_ymd_opt(2026, 5, day).unwrap())),
            3,
        )
        .unwrap();
    }
    let again = listed(&engine, &clerk(), &drill_view(Selector::Total), 4).unwrap();
    assert_eq!(set(again), set(ids[..6].to_vec()));
}

#[test]
fn a_merchant_at_risk_opens_its_complaints_and_reports_of_the_period() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, ids) = engine_with_may(dir.path());
    let reader = engine.reader();
    let Answer::Stats(s) =
        authority::answer(&reader, &clerk(), Query::Stats(drill_view(Selector::Total).drill.unwrap().query))
            .unwrap()
    else {
        panic!("figures")
    };
    let lijian = s.merchants_at_risk.iter().find(|m| m.name.contains("力健")).cloned();
    let key = match lijian {
        Some(m) => m.merchant,
        // Below the score's minimum the merchant is not ranked; its key is its name.
        None => "顺德区力健健身有限公司".into(),
    };
    let got = listed(&engine, &clerk(), &drill_view(Selector::Merchant(key)), 10).unwrap();
    assert_eq!(got.into_iter().collect::<BTreeSet<_>>(), [ids[0], ids[2]].into_iter().collect());
}

#[test]
fn a_drill_down_a_unit_staff_asks_for_holds_none_of_the_other_units_tickets() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, _) = engine_with_may(dir.path());
    let staff = Person {
        login: "lb_station".into(),
        name: "伦教分局 值班".into(),
        role: Role::Unit("lunjiao".into()),
        acting_as: None,
    };
    let q = Query::Stats(StatsQuery::default());
    assert!(matches!(authority::answer(&engine.reader(), &staff, q), Err(EngineError::Forbidden(_))));
    // Nothing is dispatched to the unit: its drill-down of every ticket is empty.
    let got = listed(&engine, &staff, &drill_view(Selector::Total), 5).unwrap();
    assert_eq!(got, Vec::<TicketId>::new());
}
