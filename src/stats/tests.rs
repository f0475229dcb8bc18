//! Statistics on a small hand-built bureau around the 2026 Labour Day holiday (1–5 May off,
//! Saturday 9 May a make-up workday), where the test works out every figure by hand.

use super::*;
use crate::config::Config;
use crate::domain::sla::ClockRecord;
use crate::domain::status::Status;
use crate::domain::ticket::{Fen, Kind, Ticket, TicketId};
use crate::time::Timestamp;
use chrono::NaiveDate;

pub(super) fn at(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap_or_else(|| panic!("bad time {s}"))
}

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

pub(super) fn config() -> Config {
    crate::config::load(None).expect("the built-in configuration loads")
}

pub(super) fn clock(rule: &str, started: &str, stopped: Option<&str>) -> ClockRecord {
    ClockRecord {
        rule: rule.into(),
        started_at: at(started),
        stopped_at: stopped.map(at),
        pauses: vec![],
        extension: 0,
    }
}

pub(super) fn complaint(id: u64, channel: &str, received: &str) -> Ticket {
    let mut t = Ticket::blank(TicketId(id), at(received));
    t.kind = Kind::Complaint;
    t.intake.channel = channel.into();
    t.intake.received_at = Some(at(received));
    t.intake.town = Some("容桂".into());
    t.dispute.category = Some("家用电器".into());
    t.dispute.dispute_type = Some("质量".into());
    t.respondent.name = Some("佛山市顺德区容桂美佳电器商行".into());
    t
}

/// Now: Friday 15 May 2026, 10:00 China time.
pub(super) const NOW: &str = "2026-05-15T10:00:00+08:00";

/// A: received Wed 29 Apr; 7 working days (30 Apr, 6, 7, 8, 9 (make-up), 11, 12 May) make the
/// acceptance due 12 May — a count that ignored the holiday would have said 8 May. Accepted 12
/// May: on time. Contacted 40 working minutes after dispatch. Mediated: agreement, 2517 元.
fn ticket_a() -> Ticket {
    let mut t = complaint(1, "12315", "2026-04-29T10:00:00+08:00");
    t.status = Status::Closed;
    t.workflow.unit = Some("ronggui".into());
    t.workflow.resolved_at = Some(at("2026-05-14T15:00:00+08:00"));
    t.workflow.closed_at = Some(at("2026-05-14T16:00:00+08:00"));
    t.workflow.amount_recovered = Some(Fen(251_700));
    t.clocks = vec![
        clock("complaint_acceptance", "2026-04-29T10:00:00+08:00", Some("2026-05-12T16:00:00+08:00")),
        clock("first_contact", "2026-04-29T10:00:00+08:00", Some("2026-04-29T10:40:00+08:00")),
        clock("complaint_mediation", "2026-05-12T16:00:00+08:00", Some("2026-05-14T15:00:00+08:00")),
    ];
    t
}

/// B: received the same day, accepted 13 May: a day late. Dispatched 11:30, contacted 14:45:
/// 30 minutes before the lunch break and 45 after, 75 working minutes, past the hour.
/// Mediation ended without agreement; resolved.
fn ticket_b() -> Ticket {
    let mut t = complaint(2, "12345", "2026-04-29T11:00:00+08:00");
    t.status = Status::Resolved;
    t.workflow.unit = Some("ronggui-01".into());
    t.workflow.resolved_at = Some(at("2026-05-14T17:00:00+08:00"));
    t.workflow.mediation_end_reason = Some("被投诉人拒绝调解".into());
    t.dispute.dispute_type = Some("售后服务".into());
    t.clocks = vec![
        clock("complaint_acceptance", "2026-04-29T11:00:00+08:00", Some("2026-05-13T09:00:00+08:00")),
        clock("first_contact", "2026-04-29T11:30:00+08:00", Some("2026-04-29T14:45:00+08:00")),
        clock("complaint_mediation", "2026-05-13T09:00:00+08:00", Some("2026-05-14T11:00:00+08:00")),
    ];
    t
}

/// C: received Wed 6 May, never accepted: due 14 May (7, 8, 9, 11, 12, 13, 14), overdue now.
/// Dispatched 17:00 and never contacted: the hour ran out at 09:00 the next morning.
fn ticket_c() -> Ticket {
    let mut t = complaint(3, "12315", "2026-05-06T09:00:00+08:00");
    t.status = Status::Signed;
    t.workflow.unit = Some("daliang".into());
    t.intake.town = Some("大良".into());
    t.intake.business_district = Some("大良中心商圈".into());
    t.dispute.category = Some("预付式消费".into());
    t.dispute.dispute_type = Some("合同".into());
    t.clocks = vec![
        clock("complaint_acceptance", "2026-05-06T09:00:00+08:00", None),
        clock("first_contact", "2026-05-06T17:00:00+08:00", None),
    ];
    t
}

/// D: a walk-in on Fri 8 May, acceptance due 18 May: not decided yet. Dispatched 16:50,
/// contacted 08:50 on the make-up Saturday: 40 minutes to the 17:30 close and 20 after the
/// 08:30 opening, the hour exactly (due at 08:50): in time.
fn ticket_d() -> Ticket {
    let mut t = complaint(4, "walkin", "2026-05-08T16:00:00+08:00");
    t.status = Status::Contacted;
    t.workflow.unit = Some("daliang".into());
    t.intake.town = Some("大良".into());
    t.intake.business_district = Some("大良中心商圈".into());
    t.dispute.category = Some("预付式消费".into());
    t.dispute.dispute_type = Some("合同".into());
    t.clocks = vec![
        clock("complaint_acceptance", "2026-05-08T16:00:00+08:00", None),
        clock("first_contact", "2026-05-08T16:50:00+08:00", Some("2026-05-09T08:50:00+08:00")),
    ];
    t
}

/// M: a duplicate merged into A: counted in the volume, in no KPI (its clock ran out unmet).
fn ticket_m() -> Ticket {
    let mut t = complaint(5, "12315", "2026-05-07T09:00:00+08:00");
    t.status = Status::Merged;
    t.clocks = vec![clock("complaint_acceptance", "2026-05-07T09:00:00+08:00", None)];
    t
}

/// P: the period before: a report from 12315 on 20 April, settled with 30,000 元 recovered.
fn ticket_p() -> Ticket {
    let mut t = complaint(6, "12315", "2026-04-20T09:00:00+08:00");
    t.kind = Kind::Report;
    t.status = Status::Closed;
    t.workflow.resolved_at = Some(at("2026-04-24T09:00:00+08:00"));
    t.workflow.amount_recovered = Some(Fen(3_000_000));
    t.clocks =
        vec![clock("report_verification", "2026-04-20T09:00:00+08:00", Some("2026-04-23T09:00:00+08:00"))];
    t
}

/// The facts of `tickets` as of `NOW`, without hot words.
pub(super) fn table_of(tickets: &[Ticket]) -> FactTable {
    let config = config();
    let rules = Rules { sla: &config.sla, calendar: &config.calendar, segmenter: None };
    let mut table = FactTable::new();
    for t in tickets {
        table.put(t, rules, at(NOW));
    }
    table
}

fn bureau() -> FactTable {
    table_of(&[ticket_a(), ticket_b(), ticket_c(), ticket_d(), ticket_m(), ticket_p()])
}

/// Monday 27 April to Sunday 10 May (14 days); the period before: 13 to 26 April.
pub(super) fn fortnight() -> Period {
    Period::new(d("2026-04-27"), d("2026-05-10")).unwrap()
}

pub(super) fn ids(list: &[u64]) -> Vec<TicketId> {
    list.iter().map(|n| TicketId(*n)).collect()
}

fn stats() -> Statistics {
    compute(&bureau(), fortnight(), &Scope::default(), at(NOW), &config().stats)
}

#[test]
fn first_check_on_time_counts_working_days_across_the_labour_day_holiday() {
    let s = stats();
    // A on time; B a day late; C overdue; D not due yet; M merged.
    assert_eq!(s.kpis.first_check_on_time, Ratio { numerator: 1, denominator: 3 });
    assert_eq!(s.kpis.first_check_on_time.percent(), Some(33.3));
    let table = bureau();
    let due =
        drill(&table, fortnight(), false, &Scope::default(), &Selector::Kpi(KpiPart::FirstCheckDue), at(NOW));
    assert_eq!(due, ids(&[1, 2, 3]));
}

#[test]
fn resolved_on_time_needs_every_legal_clock_met_and_counts_overdue_open_tickets() {
    let s = stats();
    // A finished with every clock in time; B finished but accepted late; C open and overdue.
    assert_eq!(s.kpis.resolved_on_time, Ratio { numerator: 1, denominator: 3 });
}

#[test]
fn mediation_success_is_agreements_among_mediations_concluded() {
    let s = stats();
    assert_eq!(s.kpis.mediation_success, Ratio { numerator: 1, denominator: 2 });
    assert_eq!(s.kpis.mediation_success.percent(), Some(50.0));
}

#[test]
fn first_contact_counts_working_minutes_and_the_make_up_saturday() {
    let s = stats();
    // Contacted: A 40, B 75, D 60 working minutes; in time: A and D of A, B, C, D decided.
    assert_eq!(s.kpis.contacted, 3);
    assert_eq!(s.kpis.first_contact_minutes, 175);
    assert_eq!(s.kpis.average_first_contact_minutes(), Some(58.3));
    assert_eq!(s.kpis.contacted_in_time, Ratio { numerator: 2, denominator: 4 });
}

#[test]
fn amount_recovered_is_summed_in_wan_yuan_per_period() {
    let s = stats();
    assert_eq!(s.kpis.amount_recovered_fen, 251_700);
    assert_eq!(s.kpis.amount_recovered_wan(), 0.25);
    assert_eq!(s.previous_kpis.amount_recovered_fen, 3_000_000);
    assert_eq!(s.previous_kpis.amount_recovered_wan(), 3.0);
}

#[test]
fn volumes_are_counted_by_received_day_against_the_previous_period() {
    let s = stats();
    assert_eq!((s.total, s.previous_total), (5, 1));
    let channel: Vec<(Option<&str>, u64, u64)> =
        s.breakdown(Dimension::Channel).iter().map(|k| (k.key.as_deref(), k.count, k.previous)).collect();
    assert_eq!(channel, vec![(Some("12315"), 3, 1), (Some("12345"), 1, 0), (Some("walkin"), 1, 0)]);
    assert_eq!(s.by_day.len(), 14);
    let busy: Vec<(NaiveDate, u64)> =
        s.by_day.iter().filter(|d| d.count > 0).map(|d| (d.date, d.count)).collect();
    assert_eq!(
        busy,
        vec![(d("2026-04-29"), 2), (d("2026-05-06"), 1), (d("2026-05-07"), 1), (d("2026-05-08"), 1)]
    );
}

#[test]
fn breakdowns_group_towns_districts_industries_and_leave_no_value_as_none() {
    let s = stats();
    let rows = |dim| -> Vec<(Option<String>, u64)> {
        s.breakdown(dim).iter().map(|k| (k.key.clone(), k.count)).collect()
    };
    assert_eq!(rows(Dimension::Town), vec![(Some("容桂".into()), 3), (Some("大良".into()), 2)]);
    assert_eq!(rows(Dimension::BusinessDistrict), vec![(None, 3), (Some("大良中心商圈".into()), 2)]);
    assert_eq!(
        rows(Dimension::Industry),
        vec![(Some("批发和零售业".into()), 3), (Some("居民服务、修理和其他服务业".into()), 2)]
    );
    // A key seen only in the period before stays, at 0, so that its fall shows.
    let kinds: Vec<_> =
        s.breakdown(Dimension::Kind).iter().map(|k| (k.key.clone(), k.count, k.previous)).collect();
    assert_eq!(kinds, vec![(Some("complaint".into()), 5, 0), (Some("report".into()), 0, 1)]);
}

#[test]
fn every_figure_drills_down_to_the_tickets_behind_it() {
    let table = bureau();
    let scope = Scope::default();
    let now = at(NOW);
    let drill = |previous, sel: Selector| drill(&table, fortnight(), previous, &scope, &sel, now);
    assert_eq!(drill(false, Selector::Total), ids(&[1, 2, 3, 4, 5]));
    assert_eq!(drill(true, Selector::Total), ids(&[6]));
    assert_eq!(drill(false, Selector::Day(d("2026-04-29"))), ids(&[1, 2]));
    let channel = |c: &str| Selector::Key { dimension: Dimension::Channel, key: Some(c.into()) };
    assert_eq!(drill(false, channel("12315")), ids(&[1, 3, 5]));
    assert_eq!(drill(false, channel("mayor")), ids(&[]));
    let none = Selector::Key { dimension: Dimension::BusinessDistrict, key: None };
    assert_eq!(drill(false, none), ids(&[1, 2, 5]));
    assert_eq!(drill(false, Selector::Kpi(KpiPart::ContactedInTime)), ids(&[1, 4]));
    assert_eq!(drill(false, Selector::Kpi(KpiPart::Recovered)), ids(&[1]));
    // The counts and the drill-downs agree, figure by figure.
    let s = compute(&table, fortnight(), &scope, now, &config().stats);
    for b in &s.breakdowns {
        for row in &b.rows {
            let sel = Selector::Key { dimension: b.dimension, key: row.key.clone() };
            assert_eq!(drill(false, sel.clone()).len() as u64, row.count, "{:?} {:?}", b.dimension, row.key);
            assert_eq!(drill(true, sel).len() as u64, row.previous, "{:?} {:?}", b.dimension, row.key);
        }
    }
}

#[test]
fn a_unit_scope_keeps_only_the_tickets_of_its_units() {
    let table = bureau();
    // A branch with its stations: 容桂分局 and 容桂's first station.
    let ronggui = Scope { units: Some(vec!["ronggui".into(), "ronggui-01".into()]), town: None };
    let s = compute(&table, fortnight(), &ronggui, at(NOW), &config().stats);
    assert_eq!(s.total, 2);
    assert_eq!(s.kpis.first_check_on_time, Ratio { numerator: 1, denominator: 2 });
    let daliang_town = Scope { units: None, town: Some("大良".into()) };
    assert_eq!(compute(&table, fortnight(), &daliang_town, at(NOW), &config().stats).total, 2);
    let unknown = Scope { units: Some(vec!["nowhere".into()]), town: None };
    assert_eq!(compute(&table, fortnight(), &unknown, at(NOW), &config().stats).total, 0);
}

#[test]
fn a_merchant_is_known_by_its_credit_code_under_any_name() {
    let config = config();
    let rules = Rules { sla: &config.sla, calendar: &config.calendar, segmenter: None };
    let code = crate::domain::credit_code::with_check_char("91440606MA4W5XQ7B").unwrap();
    let mut one = ticket_a();
    one.respondent.name = Some("美佳电器".into());
    one.respondent.credit_code = Some(code.to_lowercase());
    let mut other = ticket_b();
    other.respondent.name = Some("佛山市顺德区容桂美佳电器商行".into());
    other.respondent.credit_code = Some(code.clone());
    let mut table = FactTable::new();
    table.put(&one, rules, at(NOW));
    table.put(&other, rules, at(NOW));
    let merchant = |id| table.get(TicketId(id)).and_then(|f| f.merchant).map(|s| table.name(s).to_string());
    assert_eq!(merchant(1), Some(code.clone()));
    assert_eq!(merchant(2), Some(code));
}

fn with_text(mut t: Ticket, title: &str, facts: &str) -> Ticket {
    t.dispute.title = title.into();
    t.dispute.facts = Some(facts.into());
    t
}

fn worded_bureau(segmenter: &hot_words::Segmenter) -> FactTable {
    let config = config();
    let rules = Rules { sla: &config.sla, calendar: &config.calendar, segmenter: Some(segmenter) };
    let tickets = [
        with_text(
            ticket_a(),
            "健身房停业预付卡无法退费",
            "消费者反映在凤城时代广场办理预付卡，健身房突然停业，预付卡余额不退",
        ),
        with_text(ticket_b(), "美容院预付卡退费难", "办理美容贷后美容院停业，要求退还预付卡余额"),
        with_text(ticket_c(), "水果档短斤缺两", "在大良菜市场购买水果短斤缺两"),
        with_text(ticket_d(), "私教课预付卡到期不给延期", "健身私教课预付卡到期，门店拒绝延期"),
        with_text(ticket_p(), "预付卡商家跑路", "理发店预付卡跑路"),
    ];
    let mut table = FactTable::new();
    for t in &tickets {
        table.put(t, rules, at(NOW));
    }
    table
}

#[test]
fn hot_words_count_tickets_not_occurrences_against_the_period_before() {
    let mut config = config();
    config.stats.hot_words.top = 5;
    let segmenter = hot_words::Segmenter::new(&config.stats, &config.org);
    let table = worded_bureau(&segmenter);
    let s = compute(&table, fortnight(), &Scope::default(), at(NOW), &config.stats);
    let top: Vec<(&str, u64, i64)> =
        s.hot_words.iter().map(|w| (w.word.as_str(), w.count, w.change())).collect();
    // 预付卡: A (three times), B and D this period, P before: 3 tickets, +2. Then 停业 and 余额,
    // A and B, new; ties go to the larger rise, then to the word.
    assert_eq!(top[0], ("预付卡", 3, 2), "{top:?}");
    assert_eq!(top[1..3], [("余额", 2, 2), ("停业", 2, 2)], "{top:?}");
    assert!(top.len() <= 5);
    assert!(!top.iter().any(|(w, ..)| ["消费者", "反映", "要求", "凤城时代广场"].contains(w)), "{top:?}");
    let behind =
        drill(&table, fortnight(), false, &Scope::default(), &Selector::Word("预付卡".into()), at(NOW));
    assert_eq!(behind, ids(&[1, 2, 4]));
    assert_eq!(
        drill(&table, fortnight(), true, &Scope::default(), &Selector::Word("预付卡".into()), at(NOW)),
        ids(&[6])
    );
}

#[test]
fn a_word_added_in_the_config_is_kept_whole_and_counted() {
    let mut config = config();
    let before = hot_words::Segmenter::new(&config.stats, &config.org);
    assert!(!before.words(&["办理美容贷后美容院停业"]).contains(&"美容贷".to_string()));
    config.stats.hot_words.more_words.push("美容贷".into());
    config.stats.hot_words.more_stop_words.push("停业".into());
    let after = hot_words::Segmenter::new(&config.stats, &config.org);
    let words = after.words(&["办理美容贷后美容院停业"]);
    assert!(words.contains(&"美容贷".to_string()), "{words:?}");
    assert!(!words.contains(&"停业".to_string()), "{words:?}");
}
