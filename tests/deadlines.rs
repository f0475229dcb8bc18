//! Deadlines (时限) computed with the shipped calendar and rules: `config/holidays/*.toml` and
//! `config/sla.toml`, loaded exactly as shipped.

use chrono::{Datelike, NaiveDate};
use proptest::prelude::*;
use rightsdesk::domain::calendar::{Calendar, HolidayYear, HolidayYearFile, WorkingHours};
use rightsdesk::domain::sla::{
    ClockContext, ClockRecord, ClockState, ClockUnit, Milestone, SlaError, SlaFile, SlaPolicy,
};
use rightsdesk::domain::ticket::Kind;
use rightsdesk::time::Timestamp;

const SLA: &str = include_str!("../config/sla.toml");
const Y2025: &str = include_str!("../config/holidays/2025.toml");
const Y2026: &str = include_str!("../config/holidays/2026.toml");

/// A stand-in for the 2027 notice, which is not out yet: New Year's Day off, nothing else.
const Y2027_STANDIN: &str = r#"
year = 2027
days_off = ["2027-01-01"]
makeup_workdays = []
"#;

fn year(text: &str) -> HolidayYear {
    toml::from_str::<HolidayYearFile>(text).unwrap().build("").unwrap()
}

fn shipped() -> (SlaPolicy, WorkingHours) {
    toml::from_str::<SlaFile>(SLA).unwrap().build().unwrap()
}

fn policy() -> SlaPolicy {
    shipped().0
}

fn cal() -> Calendar {
    Calendar::new(vec![year(Y2025), year(Y2026)], shipped().1)
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// China wall-clock time.
fn at(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap()
}

fn all_rules() -> Vec<String> {
    policy().rules.keys().cloned().collect()
}

fn ctx(kind: Kind, rules: &[String]) -> ClockContext<'_> {
    ClockContext { kind, channel_rules: rules, real_name: true }
}

fn clock<'a>(clocks: &'a [ClockRecord], rule: &str) -> &'a ClockRecord {
    clocks.iter().find(|c| c.rule == rule).unwrap_or_else(|| panic!("no clock {rule} in {clocks:?}"))
}

/// Starts the clocks of `kind` at `received`, as registration does.
fn received(kind: Kind, when: &str) -> Vec<ClockRecord> {
    let rules = all_rules();
    let mut clocks = vec![];
    policy().on_milestone(&ctx(kind, &rules), &mut clocks, Milestone::Received, at(when));
    clocks
}

fn due_of(clocks: &[ClockRecord], rule: &str, now: &str) -> Timestamp {
    policy().due(clock(clocks, rule), &cal(), at(now)).unwrap().at
}

fn state_of(record: &ClockRecord, now: &str) -> ClockState {
    policy().evaluate(record, &cal(), at(now)).unwrap().state
}

// ---- the calendar data --------------------------------------------------------------------

#[test]
fn shipped_holiday_files_cover_2025_and_2026_with_their_sources() {
    let c = cal();
    assert_eq!(c.known_years(), vec![2025, 2026]);
    assert!(!c.knows_year(2027));
    for y in [2025, 2026] {
        assert!(c.year(y).unwrap().source.as_deref().unwrap().contains("gov.cn"));
    }
    // Every day inside the ranges, weekends included.
    assert_eq!(c.year(2025).unwrap().days_off().count(), 1 + 8 + 3 + 5 + 3 + 8);
    assert_eq!(c.year(2026).unwrap().days_off().count(), 3 + 9 + 3 + 5 + 3 + 3 + 7);
    assert_eq!(c.year(2025).unwrap().makeup_workdays().count(), 5);
    assert_eq!(c.year(2026).unwrap().makeup_workdays().count(), 6);
}

#[test]
fn make_up_workdays_are_working_days_even_on_weekends() {
    let c = cal();
    for d in ["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"] {
        assert!(c.is_working_day(date(d)), "{d}");
    }
    for d in ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"] {
        assert!(c.is_working_day(date(d)), "{d}");
    }
    // An ordinary weekend and ordinary weekday.
    assert!(!c.is_working_day(date("2026-03-07")));
    assert!(c.is_working_day(date("2026-03-09")));
}

#[test]
fn holidays_on_weekdays_are_days_off() {
    let c = cal();
    for d in
        ["2025-01-01", "2025-01-28", "2025-02-04", "2025-06-02", "2025-10-08", "2026-02-23", "2026-10-07"]
    {
        assert!(!c.is_working_day(date(d)), "{d}");
    }
}

#[test]
fn a_year_without_data_is_counted_monday_to_friday() {
    let c = cal();
    assert!(
        c.is_working_day(date("2027-01-01")),
        "a Friday in an unknown year is not guessed to be a holiday"
    );
    assert!(!c.is_working_day(date("2027-01-02")));
}

// ---- day-based deadlines ------------------------------------------------------------------

#[test]
fn complaint_received_2026_09_30_is_due_for_acceptance_on_2026_10_15() {
    // 10-01..10-07 off; 10-08 Thu (1), 10-09 (2), 10-10 Sat make-up (3), 10-12..10-15 (4..7).
    let clocks = received(Kind::Complaint, "2026-09-30 16:45");
    let due = policy().due(clock(&clocks, "complaint_acceptance"), &cal(), at("2026-09-30 17:00")).unwrap();
    assert_eq!(due.at.rfc3339(), "2026-10-15T23:59:59+08:00");
    assert!(!due.provisional);
}

#[test]
fn spring_festival_2026_is_skipped_and_both_saturday_make_up_days_count() {
    // 02-13 Fri (1), 02-14 Sat make-up (2), 02-15..02-23 off, 02-24..02-27 (3..6), 02-28 Sat make-up (7).
    let clocks = received(Kind::Complaint, "2026-02-12 10:00");
    assert_eq!(due_of(&clocks, "complaint_acceptance", "2026-02-12 10:00"), at("2026-02-28 23:59:59"));
}

#[test]
fn spring_festival_2025_is_skipped_and_make_up_days_count() {
    // 01-26 Sun make-up (1), 01-27 (2), 01-28..02-04 off, 02-05..02-07 (3..5), 02-08 Sat make-up (6), 02-10 (7).
    let clocks = received(Kind::Complaint, "2025-01-24 09:00");
    assert_eq!(due_of(&clocks, "complaint_acceptance", "2025-01-24 09:00"), at("2025-02-10 23:59:59"));
}

#[test]
fn make_up_sunday_2025_09_28_is_counted() {
    let c = cal();
    assert_eq!(c.add_working_days(date("2025-09-26"), 1, &[]).date, date("2025-09-28"));
    // National Day 2025: 10-01..10-08 off; 10-09 (1), 10-10 (2), 10-11 Sat make-up (3), 10-13..10-16 (4..7).
    let clocks = received(Kind::Complaint, "2025-09-30 11:00");
    assert_eq!(due_of(&clocks, "complaint_acceptance", "2025-09-30 11:00"), at("2025-10-16 23:59:59"));
}

#[test]
fn deadline_that_would_land_on_a_day_off_moves_to_the_next_working_day() {
    // 12345 reply, 5 days from Friday 2026-04-24: Mon–Thu (1..4), then 05-01 would be the 5th by
    // weekdays alone, but 05-01..05-05 are off, so 05-06.
    let clocks = received(Kind::Enquiry, "2026-04-24 15:00");
    assert_eq!(due_of(&clocks, "hotline_reply", "2026-04-24 15:00"), at("2026-05-06 23:59:59"));
    // No extra counting: the first working day after the holiday is the due day.
    let c = cal();
    assert_eq!(c.add_working_days(date("2026-10-01"), 0, &[]).date, date("2026-10-08"));
    assert_eq!(c.add_working_days(date("2026-10-08"), 0, &[]).date, date("2026-10-08"));
}

#[test]
fn complaint_received_on_a_saturday_counts_from_monday() {
    // 2026-03-07 Sat: 03-09 Mon (1) .. 03-13 (5), 03-16 (6), 03-17 (7).
    let clocks = received(Kind::Complaint, "2026-03-07 20:30");
    assert_eq!(due_of(&clocks, "complaint_acceptance", "2026-03-07 20:30"), at("2026-03-17 23:59:59"));
}

#[test]
fn the_day_of_receipt_is_not_counted_even_late_at_night_or_at_dawn() {
    let early = received(Kind::Complaint, "2026-03-02 00:00:01");
    let late = received(Kind::Complaint, "2026-03-02 23:59:00");
    let now = "2026-03-02 23:59:30";
    assert_eq!(due_of(&early, "complaint_acceptance", now), due_of(&late, "complaint_acceptance", now));
    assert_eq!(due_of(&early, "complaint_acceptance", now), at("2026-03-11 23:59:59"));
}

#[test]
fn suspension_excludes_the_days_after_suspension_through_the_day_of_resumption() {
    // Received Mon 03-02, due 03-11 without suspension. Suspended Tue 03-03 10:00, resumed Thu
    // 03-05 15:00: 03-03 counts, 03-04 and 03-05 do not, so two days later: 03-13.
    let p = policy();
    let mut clocks = received(Kind::Complaint, "2026-03-02 09:00");
    assert_eq!(due_of(&clocks, "complaint_acceptance", "2026-03-02 09:00"), at("2026-03-11 23:59:59"));
    p.pause(&mut clocks, at("2026-03-03 10:00"));
    p.resume(&mut clocks, at("2026-03-05 15:00"));
    assert_eq!(due_of(&clocks, "complaint_acceptance", "2026-03-06 09:00"), at("2026-03-13 23:59:59"));
}

#[test]
fn suspension_on_the_same_day_as_resumption_excludes_nothing() {
    let p = policy();
    let mut clocks = received(Kind::Complaint, "2026-03-02 09:00");
    p.pause(&mut clocks, at("2026-03-04 09:00"));
    p.resume(&mut clocks, at("2026-03-04 16:00"));
    assert_eq!(due_of(&clocks, "complaint_acceptance", "2026-03-05 09:00"), at("2026-03-11 23:59:59"));
}

#[test]
fn mediation_suspended_for_testing_gains_the_working_days_of_the_suspension() {
    let p = policy();
    let rules = all_rules();
    let c = cal();
    let mut clocks = received(Kind::Complaint, "2026-03-02 09:00");
    p.on_milestone(&ctx(Kind::Complaint, &rules), &mut clocks, Milestone::Accepted, at("2026-03-02 10:00"));
    let plain = p.due(clock(&clocks, "complaint_mediation"), &c, at("2026-03-02 10:00")).unwrap().at;
    // Testing from Wed 03-04 to Wed 03-11: 03-05, 03-06, 03-09, 03-10, 03-11 are not counted.
    p.pause(&mut clocks, at("2026-03-04 11:00"));
    p.resume(&mut clocks, at("2026-03-11 09:00"));
    let suspended = p.due(clock(&clocks, "complaint_mediation"), &c, at("2026-03-12 09:00")).unwrap().at;
    let expected = c.add_working_days(plain.china_date(), 5, &[]).date;
    assert_eq!(suspended, Timestamp::end_of_china_day(expected));
}

#[test]
fn while_suspended_the_clock_is_paused_and_due_as_if_resumed_now() {
    let p = policy();
    let mut clocks = received(Kind::Complaint, "2026-03-02 09:00");
    p.pause(&mut clocks, at("2026-03-03 10:00"));
    // Still suspended on Thu 03-05: as if resumed then, 03-04 and 03-05 are not counted.
    let view = p.evaluate(clock(&clocks, "complaint_acceptance"), &cal(), at("2026-03-05 11:00")).unwrap();
    assert_eq!(view.state, ClockState::Paused);
    assert_eq!(view.due_at, at("2026-03-13 23:59:59"));
    // Long past the original due day, still paused, not overdue.
    assert_eq!(state_of(clock(&clocks, "complaint_acceptance"), "2026-03-20 11:00"), ClockState::Paused);
    // A second pause while paused does not open another stretch.
    p.pause(&mut clocks, at("2026-03-06 10:00"));
    assert_eq!(clock(&clocks, "complaint_acceptance").pauses.len(), 1);
}

// ---- every rule's start and stop ----------------------------------------------------------

/// Starts `rule` with `start` and checks that each of `stops` meets it.
fn starts_and_stops(rule: &str, kind: Kind, start: Milestone, stops: &[Milestone]) {
    let p = policy();
    let rules = vec![rule.to_string()];
    let ctx = ctx(kind, &rules);
    for stop in stops {
        let mut clocks = vec![];
        p.on_milestone(&ctx, &mut clocks, start, at("2026-03-02 09:00"));
        assert_eq!(clocks.len(), 1, "{rule} starts on {start:?}");
        assert_eq!(state_of(&clocks[0], "2026-03-02 09:05"), ClockState::Running);
        // Unrelated milestones leave it running.
        p.on_milestone(&ctx, &mut clocks, Milestone::FollowedUp, at("2026-03-02 09:10"));
        assert!(clocks[0].stopped_at.is_none());
        p.on_milestone(&ctx, &mut clocks, *stop, at("2026-03-02 09:20"));
        assert_eq!(clocks[0].stopped_at, Some(at("2026-03-02 09:20")), "{rule} stops on {stop:?}");
        let view = p.evaluate(&clocks[0], &cal(), at("2026-03-02 09:30")).unwrap();
        assert_eq!((view.state, view.late, view.name.as_str()), (ClockState::Met, false, rule));
    }
}

#[test]
fn complaint_acceptance_starts_on_received_and_stops_on_accepted_or_refused() {
    starts_and_stops(
        "complaint_acceptance",
        Kind::Complaint,
        Milestone::Received,
        &[Milestone::Accepted, Milestone::Refused],
    );
}

#[test]
fn complaint_mediation_starts_on_accepted_and_stops_on_settled_or_mediation_ended() {
    starts_and_stops(
        "complaint_mediation",
        Kind::Complaint,
        Milestone::Accepted,
        &[Milestone::Settled, Milestone::MediationEnded],
    );
}

#[test]
fn report_verification_starts_on_received_and_stops_on_filing_decided() {
    starts_and_stops("report_verification", Kind::Report, Milestone::Received, &[Milestone::FilingDecided]);
}

#[test]
fn report_notification_starts_on_filing_decided_and_stops_on_reporter_told() {
    starts_and_stops(
        "report_notification",
        Kind::Report,
        Milestone::FilingDecided,
        &[Milestone::ReporterTold],
    );
}

#[test]
fn hotline_reply_starts_on_received_and_stops_on_written_back_or_returned() {
    for kind in Kind::ALL {
        starts_and_stops(
            "hotline_reply",
            kind,
            Milestone::Received,
            &[Milestone::WrittenBack, Milestone::ReturnedToChannel],
        );
    }
}

#[test]
fn hotline_return_starts_on_received_and_stops_on_triaged_dispatched_or_returned() {
    for kind in Kind::ALL {
        starts_and_stops(
            "hotline_return",
            kind,
            Milestone::Received,
            &[Milestone::Triaged, Milestone::Dispatched, Milestone::ReturnedToChannel],
        );
    }
}

#[test]
fn odr_settlement_starts_on_received_and_stops_on_settled_or_resolved() {
    starts_and_stops(
        "odr_settlement",
        Kind::Complaint,
        Milestone::Received,
        &[Milestone::Settled, Milestone::Resolved],
    );
}

#[test]
fn first_contact_starts_on_dispatched_and_stops_on_first_contact() {
    for kind in Kind::ALL {
        starts_and_stops("first_contact", kind, Milestone::Dispatched, &[Milestone::FirstContact]);
    }
}

#[test]
fn shipped_rules_have_the_documented_windows_and_a_basis() {
    let p = policy();
    let expected = [
        ("complaint_acceptance", ClockUnit::WorkingDays, 7, 0),
        ("complaint_mediation", ClockUnit::WorkingDays, 45, 0),
        ("report_verification", ClockUnit::WorkingDays, 15, 15),
        ("report_notification", ClockUnit::WorkingDays, 5, 0),
        ("hotline_reply", ClockUnit::WorkingDays, 5, 10),
        ("hotline_return", ClockUnit::WorkingDays, 2, 0),
        ("odr_settlement", ClockUnit::WorkingDays, 10, 0),
        ("first_contact", ClockUnit::WorkingHours, 1, 0),
    ];
    assert_eq!(p.rules.len(), expected.len());
    for (id, unit, amount, ext) in expected {
        let r = p.rule(id).unwrap();
        assert_eq!((r.id.as_str(), r.unit, r.amount, r.max_extension), (id, unit, amount, ext));
        assert!(!r.basis.is_empty() && !r.name.is_empty(), "{id}");
    }
    assert!(p.rule("complaint_acceptance").unwrap().basis.contains("第121号"));
    assert!(p.rule("complaint_acceptance").unwrap().basis.contains("第四十六条"));
    assert!(p.rule("report_notification").unwrap().real_name_only);
    assert!(p.rule("first_contact").unwrap().restart);
}

#[test]
fn receipt_starts_only_the_clocks_of_the_kind() {
    let names = |clocks: Vec<ClockRecord>| clocks.into_iter().map(|c| c.rule).collect::<Vec<_>>();
    assert_eq!(
        names(received(Kind::Complaint, "2026-03-02 09:00")),
        vec!["complaint_acceptance", "hotline_reply", "hotline_return", "odr_settlement"]
    );
    assert_eq!(
        names(received(Kind::Report, "2026-03-02 09:00")),
        vec!["hotline_reply", "hotline_return", "report_verification"]
    );
    assert_eq!(names(received(Kind::Enquiry, "2026-03-02 09:00")), vec!["hotline_reply", "hotline_return"]);
}

#[test]
fn a_rule_the_channel_does_not_list_never_starts() {
    let p = policy();
    let rules = vec!["odr_settlement".to_string(), "first_contact".to_string()];
    let mut clocks = vec![];
    p.on_milestone(&ctx(Kind::Complaint, &rules), &mut clocks, Milestone::Received, at("2026-03-02 09:00"));
    assert_eq!(clocks.iter().map(|c| c.rule.as_str()).collect::<Vec<_>>(), vec!["odr_settlement"]);
}

#[test]
fn an_anonymous_report_has_no_first_contact_clock_nobody_can_be_called() {
    let p = policy();
    let rules = all_rules();
    let anonymous = ClockContext { kind: Kind::Report, channel_rules: &rules, real_name: false };
    let mut clocks = vec![];
    p.on_milestone(&anonymous, &mut clocks, Milestone::Dispatched, at("2026-03-02 09:00"));
    assert!(clocks.iter().all(|c| c.rule != "first_contact"), "{clocks:?}");
}

#[test]
fn reporter_is_told_only_when_real_name() {
    let p = policy();
    let rules = all_rules();
    let anonymous = ClockContext { kind: Kind::Report, channel_rules: &rules, real_name: false };
    let mut clocks = vec![];
    p.on_milestone(&anonymous, &mut clocks, Milestone::FilingDecided, at("2026-03-02 09:00"));
    assert!(clocks.is_empty());
    p.on_milestone(&ctx(Kind::Report, &rules), &mut clocks, Milestone::FilingDecided, at("2026-03-02 09:00"));
    // Filing decided Mon 03-02: told by Mon 03-09.
    assert_eq!(due_of(&clocks, "report_notification", "2026-03-02 09:00"), at("2026-03-09 23:59:59"));
}

#[test]
fn accepting_a_complaint_stops_acceptance_and_starts_mediation() {
    let p = policy();
    let rules = all_rules();
    let mut clocks = received(Kind::Complaint, "2026-03-02 09:00");
    p.on_milestone(&ctx(Kind::Complaint, &rules), &mut clocks, Milestone::Accepted, at("2026-03-04 10:00"));
    assert_eq!(clock(&clocks, "complaint_acceptance").stopped_at, Some(at("2026-03-04 10:00")));
    let mediation = clock(&clocks, "complaint_mediation");
    assert_eq!(mediation.started_at, at("2026-03-04 10:00"));
    // A second receipt (a duplicate event) does not restart a clock without `restart`.
    p.on_milestone(&ctx(Kind::Complaint, &rules), &mut clocks, Milestone::Received, at("2026-03-05 10:00"));
    assert_eq!(clock(&clocks, "complaint_acceptance").started_at, at("2026-03-02 09:00"));
}

// ---- extensions ---------------------------------------------------------------------------

#[test]
fn report_verification_is_15_working_days_extendable_by_15() {
    let p = policy();
    let mut clocks = received(Kind::Report, "2026-03-02 09:00");
    assert_eq!(due_of(&clocks, "report_verification", "2026-03-02 09:00"), at("2026-03-23 23:59:59"));
    p.extend(&mut clocks, "report_verification", 15).unwrap();
    // 03-24..03-27 (4), 03-30..04-03 (9), 04-04..04-06 off (Qingming), 04-07..04-10 (13), 04-13, 04-14.
    assert_eq!(due_of(&clocks, "report_verification", "2026-03-20 09:00"), at("2026-04-14 23:59:59"));
}

#[test]
fn extension_beyond_the_maximum_is_refused_and_says_what_is_left() {
    let p = policy();
    let mut clocks = received(Kind::Report, "2026-03-02 09:00");
    p.extend(&mut clocks, "report_verification", 10).unwrap();
    match p.extend(&mut clocks, "report_verification", 6) {
        Err(SlaError::ExtensionTooLong { clock, asked, allowed }) => {
            assert_eq!((clock.as_str(), asked, allowed), ("report_verification", 6, 5));
        }
        other => panic!("expected ExtensionTooLong, got {other:?}"),
    }
    assert_eq!(clock(&clocks, "report_verification").extension, 10);
    p.extend(&mut clocks, "report_verification", 5).unwrap();
    assert!(matches!(
        p.extend(&mut clocks, "report_verification", 1),
        Err(SlaError::ExtensionTooLong { .. })
    ));
}

#[test]
fn extension_of_a_stopped_clock_is_refused() {
    let p = policy();
    let rules = all_rules();
    let mut clocks = received(Kind::Report, "2026-03-02 09:00");
    p.on_milestone(&ctx(Kind::Report, &rules), &mut clocks, Milestone::FilingDecided, at("2026-03-05 09:00"));
    assert!(
        matches!(p.extend(&mut clocks, "report_verification", 5), Err(SlaError::NotRunning(c)) if c == "report_verification")
    );
}

#[test]
fn extension_of_a_rule_without_extensions_or_of_a_missing_clock_is_refused() {
    let p = policy();
    let mut clocks = received(Kind::Complaint, "2026-03-02 09:00");
    assert!(matches!(p.extend(&mut clocks, "complaint_acceptance", 1), Err(SlaError::NoExtension(_))));
    assert!(matches!(p.extend(&mut clocks, "report_verification", 1), Err(SlaError::UnknownClock(_))));
    // 12345 reply: up to 10.
    p.extend(&mut clocks, "hotline_reply", 10).unwrap();
    assert!(matches!(
        p.extend(&mut clocks, "hotline_reply", 1),
        Err(SlaError::ExtensionTooLong { allowed: 0, .. })
    ));
}

// ---- first contact (working hours) --------------------------------------------------------

fn dispatched(when: &str) -> Vec<ClockRecord> {
    let rules = all_rules();
    let mut clocks = vec![];
    policy().on_milestone(&ctx(Kind::Complaint, &rules), &mut clocks, Milestone::Dispatched, at(when));
    clocks
}

#[test]
fn first_contact_dispatched_at_11_30_is_due_at_14_30_across_lunch() {
    let clocks = dispatched("2026-03-04 11:30");
    assert_eq!(due_of(&clocks, "first_contact", "2026-03-04 11:30"), at("2026-03-04 14:30"));
}

#[test]
fn first_contact_dispatched_friday_17_20_is_due_monday_09_20() {
    // 10 minutes before closing on Friday, 50 from Monday's 08:30 opening.
    let clocks = dispatched("2026-03-06 17:20");
    assert_eq!(due_of(&clocks, "first_contact", "2026-03-06 17:20"), at("2026-03-09 09:20"));
}

#[test]
fn first_contact_dispatched_friday_16_40_is_due_monday_08_40() {
    let clocks = dispatched("2026-03-06 16:40");
    assert_eq!(due_of(&clocks, "first_contact", "2026-03-06 16:40"), at("2026-03-09 08:40"));
}

#[test]
fn first_contact_dispatched_outside_hours_starts_at_the_next_opening() {
    assert_eq!(
        due_of(&dispatched("2026-03-04 07:00"), "first_contact", "2026-03-04 07:00"),
        at("2026-03-04 09:30")
    );
    assert_eq!(
        due_of(&dispatched("2026-03-04 12:30"), "first_contact", "2026-03-04 12:30"),
        at("2026-03-04 15:00")
    );
    // Dispatched on the eve of Spring Festival 2026 after hours: the next working day is 02-24.
    assert_eq!(
        due_of(&dispatched("2026-02-14 18:00"), "first_contact", "2026-02-14 18:00"),
        at("2026-02-24 09:30")
    );
}

#[test]
fn first_contact_ending_exactly_at_closing_time_is_due_at_closing() {
    assert_eq!(
        due_of(&dispatched("2026-03-04 11:00"), "first_contact", "2026-03-04 11:00"),
        at("2026-03-04 12:00")
    );
}

#[test]
fn first_contact_restarts_on_redispatch() {
    let p = policy();
    let rules = all_rules();
    let ctx = ctx(Kind::Complaint, &rules);
    let mut clocks = dispatched("2026-03-04 09:00");
    p.on_milestone(&ctx, &mut clocks, Milestone::Dispatched, at("2026-03-04 15:00"));
    assert_eq!(clocks.len(), 1);
    assert_eq!(due_of(&clocks, "first_contact", "2026-03-04 15:00"), at("2026-03-04 16:00"));
    // Met, then dispatched to another unit: a fresh running hour for the new unit.
    p.on_milestone(&ctx, &mut clocks, Milestone::FirstContact, at("2026-03-04 15:30"));
    assert_eq!(state_of(clock(&clocks, "first_contact"), "2026-03-04 15:31"), ClockState::Met);
    p.on_milestone(&ctx, &mut clocks, Milestone::Dispatched, at("2026-03-05 10:00"));
    let record = clock(&clocks, "first_contact");
    assert_eq!((record.started_at, record.stopped_at), (at("2026-03-05 10:00"), None));
    assert_eq!(due_of(&clocks, "first_contact", "2026-03-05 10:00"), at("2026-03-05 11:00"));
}

#[test]
fn first_contact_pause_excludes_exactly_the_suspended_minutes() {
    let p = policy();
    let mut clocks = dispatched("2026-03-04 09:00");
    p.pause(&mut clocks, at("2026-03-04 09:20"));
    p.resume(&mut clocks, at("2026-03-04 09:50"));
    assert_eq!(due_of(&clocks, "first_contact", "2026-03-04 10:00"), at("2026-03-04 10:30"));
}

#[test]
fn first_contact_suspended_over_days_resumes_with_the_minutes_left() {
    // 10 minutes used before the suspension, 50 after resuming Monday 10:00.
    let p = policy();
    let mut clocks = dispatched("2026-03-04 11:30");
    p.pause(&mut clocks, at("2026-03-04 11:40"));
    p.resume(&mut clocks, at("2026-03-09 10:00"));
    assert_eq!(due_of(&clocks, "first_contact", "2026-03-09 10:00"), at("2026-03-09 10:50"));
    // Still suspended on Tuesday 15:00: due as if resumed then.
    let mut clocks = dispatched("2026-03-04 11:30");
    p.pause(&mut clocks, at("2026-03-04 11:40"));
    assert_eq!(due_of(&clocks, "first_contact", "2026-03-10 15:00"), at("2026-03-10 15:50"));
}

// ---- unknown years ------------------------------------------------------------------------

#[test]
fn clock_crossing_into_2027_without_data_is_provisional_and_counted_on_weekends_alone() {
    // Thu 2026-12-24: 12-25 (1), 12-28..12-31 (2..5), 2027-01-01 Fri (6: no data, so a weekday),
    // 01-04 Mon (7).
    let clocks = received(Kind::Complaint, "2026-12-24 10:00");
    let due = policy().due(clock(&clocks, "complaint_acceptance"), &cal(), at("2026-12-24 10:00")).unwrap();
    assert_eq!(due.at, at("2027-01-04 23:59:59"));
    assert!(due.provisional);
    let view =
        policy().evaluate(clock(&clocks, "complaint_acceptance"), &cal(), at("2026-12-24 10:00")).unwrap();
    assert!(view.provisional);
}

#[test]
fn adding_the_2027_year_file_makes_the_clock_final() {
    let clocks = received(Kind::Complaint, "2026-12-24 10:00");
    let with_2027 = Calendar::new(vec![year(Y2025), year(Y2026), year(Y2027_STANDIN)], shipped().1);
    let due =
        policy().due(clock(&clocks, "complaint_acceptance"), &with_2027, at("2026-12-24 10:00")).unwrap();
    // New Year's Day off moves the 7th day to Tuesday 01-05.
    assert_eq!(due.at, at("2027-01-05 23:59:59"));
    assert!(!due.provisional);
}

#[test]
fn a_clock_inside_a_known_year_is_not_provisional_even_if_started_in_an_unknown_one() {
    // The start day is not counted, so its year does not matter.
    let c = cal();
    let due = c.add_working_days(date("2024-12-31"), 1, &[]);
    assert_eq!((due.date, due.provisional), (date("2025-01-02"), false));
    assert!(c.add_working_days(date("2024-12-30"), 1, &[]).provisional);
}

// ---- due soon, overdue, met ---------------------------------------------------------------

#[test]
fn acceptance_is_running_until_two_days_left_then_due_soon_then_overdue_after_23_59_59() {
    // Received Mon 03-02, due Wed 03-11. 20% of 7 = 1.4 days.
    let clocks = received(Kind::Complaint, "2026-03-02 09:00");
    let c = clock(&clocks, "complaint_acceptance");
    assert_eq!(state_of(c, "2026-03-02 09:00"), ClockState::Running);
    assert_eq!(state_of(c, "2026-03-09 17:00"), ClockState::Running, "03-10 and 03-11 left");
    assert_eq!(state_of(c, "2026-03-10 08:00"), ClockState::DueSoon, "only 03-11 left");
    assert_eq!(state_of(c, "2026-03-11 23:59:59"), ClockState::DueSoon);
    assert_eq!(state_of(c, "2026-03-12 00:00:00"), ClockState::Overdue);
}

#[test]
fn mediation_is_due_soon_when_less_than_a_fifth_of_45_days_is_left() {
    let p = policy();
    let rules = all_rules();
    let mut clocks = received(Kind::Complaint, "2026-03-02 09:00");
    p.on_milestone(&ctx(Kind::Complaint, &rules), &mut clocks, Milestone::Accepted, at("2026-03-02 10:00"));
    let record = clock(&clocks, "complaint_mediation");
    let c = cal();
    let due = p.due(record, &c, at("2026-03-02 10:00")).unwrap().at.china_date();
    // 9 working days left (= 20% of 45): running; 8 left: due soon.
    let nine_left =
        (1..60).map(|k| due - chrono::Days::new(k)).find(|d| c.working_days_between(*d, due) == 9).unwrap();
    let eight_left = c.add_working_days(nine_left, 1, &[]).date;
    let noon = |d: NaiveDate| Timestamp::from_china(d.and_hms_opt(12, 0, 0).unwrap());
    assert_eq!(p.evaluate(record, &c, noon(nine_left)).unwrap().state, ClockState::Running);
    assert_eq!(p.evaluate(record, &c, noon(eight_left)).unwrap().state, ClockState::DueSoon);
}

#[test]
fn hour_clock_due_soon_follows_the_fraction_to_the_second() {
    let p = policy();
    let clocks = dispatched("2026-03-04 09:00");
    let record = clock(&clocks, "first_contact");
    let c = cal();
    // 20% of 60 minutes = 12 minutes.
    assert_eq!(p.evaluate(record, &c, at("2026-03-04 09:48")).unwrap().state, ClockState::Running);
    assert_eq!(p.evaluate(record, &c, at("2026-03-04 09:48:01")).unwrap().state, ClockState::DueSoon);
    assert_eq!(p.evaluate(record, &c, at("2026-03-04 10:00")).unwrap().state, ClockState::DueSoon);
    assert_eq!(p.evaluate(record, &c, at("2026-03-04 10:00:01")).unwrap().state, ClockState::Overdue);
}

#[test]
fn one_hour_clock_is_due_soon_only_in_its_last_fifth_whatever_the_minimum_days() {
    let clocks = dispatched("2026-03-04 09:00");
    assert_eq!(state_of(clock(&clocks, "first_contact"), "2026-03-04 09:00"), ClockState::Running);
    assert_eq!(state_of(clock(&clocks, "first_contact"), "2026-03-04 09:47"), ClockState::Running);
    assert_eq!(state_of(clock(&clocks, "first_contact"), "2026-03-04 09:49"), ClockState::DueSoon);
    assert_eq!(state_of(clock(&clocks, "first_contact"), "2026-03-04 10:01"), ClockState::Overdue);
}

#[test]
fn met_after_the_due_time_is_met_late() {
    let p = policy();
    let rules = all_rules();
    let mut clocks = received(Kind::Complaint, "2026-03-02 09:00");
    p.on_milestone(&ctx(Kind::Complaint, &rules), &mut clocks, Milestone::Refused, at("2026-03-12 09:00"));
    let view = p.evaluate(clock(&clocks, "complaint_acceptance"), &cal(), at("2026-03-13 09:00")).unwrap();
    assert_eq!((view.state, view.late), (ClockState::Met, true));
    // Met on the due day itself is on time.
    let mut clocks = received(Kind::Complaint, "2026-03-02 09:00");
    p.on_milestone(
        &ctx(Kind::Complaint, &rules),
        &mut clocks,
        Milestone::Accepted,
        at("2026-03-11 23:59:59"),
    );
    let view = p.evaluate(clock(&clocks, "complaint_acceptance"), &cal(), at("2026-04-30 09:00")).unwrap();
    assert_eq!((view.state, view.late), (ClockState::Met, false));
}

#[test]
fn a_clock_whose_rule_was_removed_from_config_has_no_due_date() {
    let mut clocks = received(Kind::Complaint, "2026-03-02 09:00");
    clocks[0].rule = "retired_rule".into();
    assert!(policy().due(&clocks[0], &cal(), at("2026-03-03 09:00")).is_none());
    assert!(policy().evaluate(&clocks[0], &cal(), at("2026-03-03 09:00")).is_none());
}

#[test]
fn clock_view_serialises_with_snake_case_state_and_china_time() {
    let clocks = received(Kind::Complaint, "2026-09-30 16:45");
    let view =
        policy().evaluate(clock(&clocks, "complaint_acceptance"), &cal(), at("2026-10-14 09:00")).unwrap();
    let json = serde_json::to_value(&view).unwrap();
    assert_eq!(json["name"], "complaint_acceptance");
    assert_eq!(json["due_at"], "2026-10-15T23:59:59+08:00");
    assert_eq!(json["state"], "due_soon");
}

// ---- retargeting after triage ------------------------------------------------------------

#[test]
fn retarget_after_triage_turns_a_complaint_into_a_report() {
    let p = policy();
    let rules = all_rules();
    let mut clocks = received(Kind::Complaint, "2026-03-02 09:00");
    p.pause(&mut clocks, at("2026-03-02 10:00"));
    p.resume(&mut clocks, at("2026-03-02 11:00"));
    let hotline_before = clock(&clocks, "hotline_reply").clone();
    p.retarget(&ctx(Kind::Report, &rules), &mut clocks, at("2026-03-02 09:00"));
    let mut names: Vec<_> = clocks.iter().map(|c| c.rule.as_str()).collect();
    names.sort();
    assert_eq!(names, vec!["hotline_reply", "hotline_return", "report_verification"]);
    // The new clock runs from receipt, not from triage; clocks that still apply keep their facts.
    assert_eq!(clock(&clocks, "report_verification").started_at, at("2026-03-02 09:00"));
    assert_eq!(clock(&clocks, "hotline_reply"), &hotline_before);
    assert_eq!(due_of(&clocks, "report_verification", "2026-03-03 09:00"), at("2026-03-23 23:59:59"));
}

#[test]
fn retarget_keeps_clocks_of_rules_no_longer_configured() {
    let p = policy();
    let rules = all_rules();
    let mut clocks = received(Kind::Complaint, "2026-03-02 09:00");
    clocks[0].rule = "retired_rule".into();
    p.retarget(&ctx(Kind::Enquiry, &rules), &mut clocks, at("2026-03-02 09:00"));
    assert!(clocks.iter().any(|c| c.rule == "retired_rule"));
    assert!(!clocks.iter().any(|c| c.rule == "odr_settlement"));
}

// ---- config problems ----------------------------------------------------------------------

fn year_problem(days_off: &[&str], makeup: &[&str]) -> (String, String) {
    let file = HolidayYearFile {
        year: 2026,
        source: None,
        days_off: days_off.iter().map(|s| s.to_string()).collect(),
        makeup_workdays: makeup.iter().map(|s| s.to_string()).collect(),
    };
    let p = file.build("").unwrap_err();
    (p.key, p.message)
}

#[test]
fn holiday_file_with_a_bad_date_names_the_entry() {
    let (key, message) = year_problem(&["2026-01-01", "2026-02-30"], &[]);
    assert_eq!(key, "days_off[1]");
    assert!(message.contains("2026-02-30"), "{message}");
    assert_eq!(year_problem(&["2026-10-01..10-07"], &[]).0, "days_off[0]");
    assert_eq!(year_problem(&[], &["next sunday"]).0, "makeup_workdays[0]");
}

#[test]
fn holiday_file_with_a_reversed_range_names_the_entry() {
    let (key, message) = year_problem(&["2026-01-01", "2026-02-01", "2026-10-07..2026-10-01"], &[]);
    assert_eq!(key, "days_off[2]");
    assert!(message.contains("ends before it starts"), "{message}");
}

#[test]
fn holiday_file_with_a_date_of_another_year_names_the_entry() {
    assert_eq!(year_problem(&["2025-10-01"], &[]).0, "days_off[0]");
    assert_eq!(year_problem(&["2026-12-31..2027-01-01"], &[]).0, "days_off[0]");
    assert_eq!(year_problem(&[], &["2027-01-03"]).0, "makeup_workdays[0]");
}

#[test]
fn holiday_file_with_a_day_both_off_and_worked_or_a_weekday_make_up_is_refused() {
    assert_eq!(year_problem(&["2026-02-14..2026-02-16"], &["2026-02-14"]).0, "makeup_workdays[0]");
    assert_eq!(year_problem(&[], &["2026-02-28", "2026-03-02"]).0, "makeup_workdays[1]");
}

#[test]
fn holiday_file_problems_carry_the_callers_prefix() {
    let file =
        HolidayYearFile { year: 2026, source: None, days_off: vec!["x".into()], makeup_workdays: vec![] };
    assert_eq!(file.build("holidays").unwrap_err().key, "holidays.days_off[0]");
    let file = HolidayYearFile { year: 26, source: None, days_off: vec![], makeup_workdays: vec![] };
    assert_eq!(file.build("").unwrap_err().key, "year");
}

#[test]
fn holiday_file_with_an_unknown_key_does_not_parse() {
    assert!(toml::from_str::<HolidayYearFile>("year = 2026\ndays_off = []\nmakeup_workday = []\n").is_err());
}

fn sla_problem(edit: impl Fn(&mut toml::Table)) -> String {
    let mut table: toml::Table = toml::from_str(SLA).unwrap();
    edit(&mut table);
    let file: SlaFile = toml::Value::Table(table).try_into().unwrap();
    file.build().unwrap_err().key
}

fn rule_table<'a>(t: &'a mut toml::Table, id: &str) -> &'a mut toml::Table {
    t["rule"].as_table_mut().unwrap()[id].as_table_mut().unwrap()
}

#[test]
fn sla_config_problems_name_the_key() {
    assert_eq!(
        sla_problem(|t| {
            rule_table(t, "complaint_acceptance").insert("amount".into(), 0.into());
        }),
        "rule.complaint_acceptance.amount"
    );
    assert_eq!(
        sla_problem(|t| {
            rule_table(t, "hotline_reply").insert("start_on".into(), toml::Value::Array(vec![]));
        }),
        "rule.hotline_reply.start_on"
    );
    assert_eq!(
        sla_problem(|t| {
            rule_table(t, "first_contact").insert("stop_on".into(), toml::Value::Array(vec![]));
        }),
        "rule.first_contact.stop_on"
    );
    assert_eq!(
        sla_problem(|t| {
            rule_table(t, "odr_settlement").insert("basis".into(), "".into());
        }),
        "rule.odr_settlement.basis"
    );
    assert_eq!(
        sla_problem(|t| {
            t["due_soon"].as_table_mut().unwrap().insert("fraction".into(), 1.5.into());
        }),
        "due_soon.fraction"
    );
    assert_eq!(
        sla_problem(|t| {
            t["due_soon"].as_table_mut().unwrap().insert("fraction".into(), (-0.1).into());
        }),
        "due_soon.fraction"
    );
    assert_eq!(
        sla_problem(|t| {
            t["working_hours"].as_table_mut().unwrap().insert(
                "periods".into(),
                toml::Value::Array(vec!["08:30-12:00".into(), "14:00-25:00".into()]),
            );
        }),
        "working_hours.periods[1]"
    );
}

#[test]
fn sla_rule_with_a_misspelt_key_or_milestone_does_not_parse() {
    let mut table: toml::Table = toml::from_str(SLA).unwrap();
    rule_table(&mut table, "report_verification").insert("max_extention".into(), 15.into());
    assert!(toml::Value::Table(table).try_into::<SlaFile>().is_err());
    let mut table: toml::Table = toml::from_str(SLA).unwrap();
    rule_table(&mut table, "report_verification")
        .insert("stop_on".into(), toml::Value::Array(vec!["filing_decision".into()]));
    assert!(toml::Value::Table(table).try_into::<SlaFile>().is_err());
}

// ---- fingerprint, bounds ------------------------------------------------------------------

#[test]
fn fingerprint_is_stable_and_changes_with_any_holiday_or_hour() {
    let base = cal().fingerprint();
    assert_eq!(base, cal().fingerprint());
    let edited = Y2026.replace("\"2026-02-28\", ", "").replace("\"2026-02-28\",", "");
    assert_ne!(edited, Y2026);
    assert_ne!(Calendar::new(vec![year(Y2025), year(&edited)], shipped().1).fingerprint(), base);
    let hours = WorkingHours::parse(&["08:30-12:00".into(), "14:30-17:30".into()], "p").unwrap();
    assert_ne!(Calendar::new(vec![year(Y2025), year(Y2026)], hours).fingerprint(), base);
    assert_ne!(Calendar::new(vec![year(Y2026)], shipped().1).fingerprint(), base);
}

#[test]
fn absurd_inputs_saturate_instead_of_hanging() {
    let c = cal();
    let far = c.add_working_days(date("2026-03-02"), u32::MAX, &[]);
    assert!(far.provisional);
    assert!(far.date.year() < 2040);
    let far = c.add_working_minutes(at("2026-03-02 09:00"), u32::MAX, &[]);
    assert!(far.provisional);
    let end = c.add_working_days(NaiveDate::MAX, 5, &[]);
    assert_eq!(end.date, NaiveDate::MAX);
    assert!(end.provisional);
    let huge_skip = [(date("2026-03-03"), NaiveDate::MAX)];
    assert!(c.add_working_days(date("2026-03-02"), 1, &huge_skip).provisional);
    assert!(c.working_days_between(date("1900-01-01"), date("2200-12-31")) > 70_000);
    let corrupt = [(at("2026-03-02 10:00"), Timestamp::from_millis(i64::MAX))];
    assert!(c.add_working_minutes(at("2026-03-02 09:00"), 120, &corrupt).provisional);
    let _ = c.add_working_minutes(Timestamp::from_millis(i64::MIN), 60, &[]);
    let _ = c.working_minutes_between(Timestamp::from_millis(i64::MIN), Timestamp::from_millis(i64::MAX));
}

#[test]
fn working_minutes_between_counts_office_hours_only() {
    let c = cal();
    assert_eq!(c.working_minutes_between(at("2026-03-04 11:30"), at("2026-03-04 14:30")), 60);
    // Friday 17:20 to Monday 09:20 is one working hour.
    assert_eq!(c.working_minutes_between(at("2026-03-06 17:20"), at("2026-03-09 09:20")), 60);
    // A whole working week is 5 × 420 minutes.
    assert_eq!(c.working_minutes_between(at("2026-03-09 00:00"), at("2026-03-14 00:00")), 5 * 420);
    // Spring Festival 2026: Fri 02-13 closing to Tue 02-24 opening has only Sat 02-14 (make-up).
    assert_eq!(c.working_minutes_between(at("2026-02-13 17:30"), at("2026-02-24 08:30")), 420);
    assert_eq!(c.working_minutes_between(at("2026-03-04 15:00"), at("2026-03-04 09:00")), 0);
}

fn any_date() -> impl Strategy<Value = NaiveDate> {
    (0i64..(3 * 366)).prop_map(|k| date("2024-07-01") + chrono::Days::new(k as u64))
}

fn any_instant() -> impl Strategy<Value = Timestamp> {
    (any_date(), 0u32..(24 * 60 * 60))
        .prop_map(|(d, s)| Timestamp::from_china(d.and_hms_opt(s / 3600, s / 60 % 60, s % 60).unwrap()))
}

proptest! {
    // A failing case's seed is kept, committed, and replayed first on every run after.
    #![proptest_config(proptest::test_runner::Config {
        failure_persistence: Some(Box::new(proptest::test_runner::FileFailurePersistence::Direct(
            "tests/proptest-regressions/deadlines.txt",
        ))),
        ..proptest::test_runner::Config::default()
    })]

    #[test]
    fn due_date_is_a_working_day_after_start_and_exactly_n_working_days_later(start in any_date(), n in 1u32..80) {
        let c = cal();
        let due = c.add_working_days(start, n, &[]);
        prop_assert!(c.is_working_day(due.date));
        prop_assert!(due.date > start);
        prop_assert_eq!(c.working_days_between(start, due.date), n);
        let crosses_unknown = (start.year() + 1..=due.date.year()).chain([start.succ_opt().unwrap().year()]).any(|y| !c.knows_year(y));
        prop_assert_eq!(due.provisional, crosses_unknown);
    }

    #[test]
    fn due_date_is_monotonic_in_n(start in any_date(), n in 0u32..80) {
        let c = cal();
        let a = c.add_working_days(start, n, &[]).date;
        let b = c.add_working_days(start, n + 1, &[]).date;
        prop_assert!(a >= start);
        // n = 0 means "start, or the next working day", which is also day 1 when start is a
        // day off, so only from n = 1 on does each extra day move the date.
        if n == 0 {
            prop_assert!(b >= a);
        } else {
            prop_assert!(b > a);
        }
    }

    #[test]
    fn skipped_days_only_ever_push_the_due_date_later(start in any_date(), n in 1u32..40, from in 0u64..60, len in 0u64..30) {
        let c = cal();
        let skip_from = start + chrono::Days::new(from);
        let skip = [(skip_from, skip_from + chrono::Days::new(len))];
        let plain = c.add_working_days(start, n, &[]).date;
        let skipped = c.add_working_days(start, n, &skip).date;
        prop_assert!(skipped >= plain);
        prop_assert!(c.is_working_day(skipped));
        prop_assert!(skipped < skip[0].0 || skipped > skip[0].1);
    }

    #[test]
    fn working_minutes_land_in_office_hours_and_count_back_exactly(start in any_instant(), minutes in 1u32..3000) {
        let c = cal();
        let due = c.add_working_minutes(start, minutes, &[]).at;
        prop_assert!(due > start);
        prop_assert_eq!(c.working_minutes_between(start, due), minutes);
        // Due strictly after an opening and no later than the closing of the same period.
        let midnight = Timestamp::from_china(due.china_date().and_hms_opt(0, 0, 0).unwrap()).millis();
        let ms = due.millis() - midnight;
        prop_assert!(c.is_working_day(due.china_date()));
        prop_assert!(c.hours().periods().iter().any(|&(o, cl)| i64::from(o) * 60_000 < ms && ms <= i64::from(cl) * 60_000));
    }
}
