//! `due_soon_at` against `evaluate`, and the pending alarms of a ticket.

use super::*;
use crate::domain::calendar::{Calendar, HolidayYearFile, WorkingHours};
use crate::domain::sla::{ClockRecord, ClockUnit, DueSoonPolicy, Pause, SlaFile};
use crate::domain::status::Status;
use proptest::prelude::*;

fn at(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap()
}

/// The shipped 2025 and 2026 holiday data (春节, 国庆 and their 调休 Saturdays and Sundays).
fn calendar() -> Calendar {
    let years =
        [include_str!("../../config/holidays/2025.toml"), include_str!("../../config/holidays/2026.toml")]
            .map(|text| toml::from_str::<HolidayYearFile>(text).unwrap().build("").unwrap());
    Calendar::new(years.to_vec(), WorkingHours::default_bureau())
}

fn policy(unit: ClockUnit, amount: u32, fraction: f64, min_working_days: f64) -> SlaPolicy {
    let unit = match unit {
        ClockUnit::WorkingDays => "working_days",
        ClockUnit::WorkingHours => "working_hours",
    };
    let text = format!(
        r#"
        [due_soon]
        fraction = {fraction:?}
        min_working_days = {min_working_days:?}
        [working_hours]
        periods = ["08:30-12:00", "14:00-17:30"]
        [rule.x]
        name = "测试时限"
        basis = "测试依据"
        kinds = ["complaint"]
        unit = "{unit}"
        amount = {amount}
        max_extension = 30
        start_on = ["received"]
        stop_on = ["accepted"]
        "#
    );
    toml::from_str::<SlaFile>(&text).unwrap().build().unwrap().0
}

fn record(started_at: Timestamp, pauses: Vec<Pause>, extension: u32) -> ClockRecord {
    ClockRecord { rule: "x".into(), started_at, stopped_at: None, pauses, extension }
}

fn state(p: &SlaPolicy, r: &ClockRecord, cal: &Calendar, now: Timestamp) -> ClockState {
    p.evaluate(r, cal, now).unwrap().state
}

#[test]
fn a_seven_day_clock_over_national_day_is_due_soon_from_the_make_up_saturday() {
    // Received Thursday 2026-09-24; 中秋 25–27 and 国庆 1–7 are off, Saturday 10-10 is a
    // make-up workday (调休): the 7th working day is Monday 10-12.
    let p = policy(ClockUnit::WorkingDays, 7, 0.2, 1.0);
    let cal = calendar();
    let r = record(at("2026-09-24 16:20"), vec![], 0);
    assert_eq!(p.due(&r, &cal, r.started_at).unwrap().at, at("2026-10-12 23:59:59"));
    let soon = p.due_soon_at(&r, &cal, r.started_at).unwrap();
    // 20% of 7 days is 1.4: due soon with 1 working day left, i.e. from the make-up Saturday
    // (on Friday 10-09 the Saturday and the Monday are still ahead).
    assert_eq!(soon, at("2026-10-10 00:00"));
    assert_eq!(state(&p, &r, &cal, at("2026-10-09 23:59:59")), ClockState::Running);
    assert_eq!(state(&p, &r, &cal, soon), ClockState::DueSoon);
}

#[test]
fn a_first_contact_hour_is_due_soon_in_its_last_twelve_working_minutes() {
    // Dispatched 11:40: 20 minutes before lunch, 40 after; due 14:40, due soon from 14:28.
    let p = policy(ClockUnit::WorkingHours, 1, 0.2, 1.0);
    let cal = calendar();
    let r = record(at("2026-03-02 11:40"), vec![], 0);
    assert_eq!(p.due(&r, &cal, r.started_at).unwrap().at, at("2026-03-02 14:40"));
    let soon = p.due_soon_at(&r, &cal, r.started_at).unwrap();
    assert_eq!(state(&p, &r, &cal, soon), ClockState::DueSoon);
    assert_eq!(state(&p, &r, &cal, Timestamp::from_millis(soon.millis() - 1)), ClockState::Running);
    assert!(soon > at("2026-03-02 14:27") && soon <= at("2026-03-02 14:28:01"), "{soon:?}");
}

#[test]
fn a_policy_that_never_calls_a_clock_due_soon_has_no_due_soon_instant() {
    let p = policy(ClockUnit::WorkingDays, 5, 0.0, 0.0);
    let r = record(at("2026-03-02 09:00"), vec![], 0);
    assert_eq!(p.due_soon_at(&r, &calendar(), r.started_at), None);
}

#[test]
fn a_short_clock_already_due_soon_at_its_start_is_due_soon_from_its_start() {
    // One working day with a minimum of 1.5 days: due soon as soon as it starts.
    let p = policy(ClockUnit::WorkingDays, 1, 0.2, 1.5);
    let r = record(at("2026-03-02 09:00"), vec![], 0);
    assert_eq!(p.due_soon_at(&r, &calendar(), r.started_at), Some(r.started_at));
}

#[test]
fn pending_alarms_follow_the_due_instant_and_forget_nothing_raised() {
    let p = policy(ClockUnit::WorkingDays, 7, 0.2, 1.0);
    let cal = calendar();
    let mut t = blank_ticket();
    t.status = Status::Dispatched;
    t.clocks = vec![record(at("2026-03-02 09:00"), vec![], 0)];
    let mut memory = AlarmMemory::default();
    let first = pending(&t, &memory, &p, &cal);
    assert_eq!(first.iter().map(|a| a.state).collect::<Vec<_>>(), [ClockState::DueSoon, ClockState::Overdue]);
    let due_at = first[0].due_at;
    memory.remember(first[0].fired());
    assert_eq!(next_alarm(&t, &memory, &p, &cal), Some(Timestamp::from_millis(due_at.millis() + 1)));
    // Found overdue: only "overdue" is raised, and nothing after it.
    let late = due_now(&t, &AlarmMemory::default(), &p, &cal, at("2026-04-01 09:00"));
    assert_eq!(late.iter().map(|a| a.state).collect::<Vec<_>>(), [ClockState::Overdue]);
    memory.remember(late[0].fired());
    assert_eq!(next_alarm(&t, &memory, &p, &cal), None);
    // Extended by 5 days: a new due instant, both alarms pending again.
    t.clocks[0].extension = 5;
    assert_eq!(pending(&t, &memory, &p, &cal).len(), 2);
    t.status = Status::Closed;
    assert_eq!(next_alarm(&t, &memory, &p, &cal), None);
}

fn blank_ticket() -> Ticket {
    Ticket::blank(crate::domain::ticket::TicketId(1), at("2026-03-02 09:00"))
}

fn unit() -> impl Strategy<Value = ClockUnit> {
    prop_oneof![Just(ClockUnit::WorkingDays), Just(ClockUnit::WorkingHours)]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        // A failing case's seed is kept, committed, and replayed first on every run after.
        failure_persistence: Some(Box::new(proptest::test_runner::FileFailurePersistence::Direct(
            "tests/proptest-regressions/alarm_tests.txt",
        ))),
        ..ProptestConfig::default()
    })]

    /// Whatever the rule, start, pauses and extension, `evaluate` shows a running clock due soon
    /// exactly from `due_soon_at` to its due instant.
    #[test]
    fn due_soon_at_agrees_with_evaluate(
        unit in unit(),
        amount in 1u32..46,
        extension in 0u32..6,
        fraction in prop_oneof![Just(0.0), Just(0.2), Just(0.5), Just(0.9)],
        min_days in prop_oneof![Just(0.0), Just(1.0), Just(2.5)],
        // Minutes from 2025-12-20, so that windows cross 元旦, 春节 and their 调休 days.
        start_minute in 0i64..(300 * 1440),
        pause in prop::option::of((0i64..(20 * 1440), 0i64..(10 * 1440))),
        probes in prop::collection::vec(0.0f64..1.3, 8),
    ) {
        let p = policy(unit, amount, fraction, min_days);
        let cal = calendar();
        let start = at("2025-12-20 00:00").plus_seconds(start_minute * 60 + 17);
        let pauses = pause
            .map(|(from, len)| {
                let from = start.plus_seconds(from * 60);
                vec![Pause { from, to: Some(from.plus_seconds(len * 60)) }]
            })
            .unwrap_or_default();
        let r = record(start, pauses, extension);
        let due = p.due(&r, &cal, start).unwrap().at;
        let soon = p.due_soon_at(&r, &cal, start);
        if let Some(s) = soon {
            prop_assert!(s >= start && s <= due, "{s:?} outside {start:?}..={due:?}");
            prop_assert_eq!(state(&p, &r, &cal, s), ClockState::DueSoon);
            if s > start {
                prop_assert_eq!(state(&p, &r, &cal, Timestamp::from_millis(s.millis() - 1)), ClockState::Running);
            }
        }
        let span = (due.millis() - start.millis()) as f64;
        for f in probes {
            let now = Timestamp::from_millis(start.millis() + (span * f) as i64);
            let want = if now > due {
                ClockState::Overdue
            } else if soon.is_some_and(|s| now >= s) {
                ClockState::DueSoon
            } else {
                ClockState::Running
            };
            prop_assert_eq!(state(&p, &r, &cal, now), want, "at {:?}", now);
        }
    }
}

#[test]
fn the_due_soon_policy_is_part_of_the_basis() {
    let a = policy(ClockUnit::WorkingDays, 7, 0.2, 1.0);
    let mut b = a.clone();
    b.due_soon = DueSoonPolicy { fraction: 0.3, min_working_days: 1.0 };
    let cal = calendar();
    assert_ne!(basis(&a, &cal), basis(&b, &cal));
    assert_eq!(basis(&a, &cal), basis(&a.clone(), &cal));
}
