//! The compact open rows give back exactly the stored rows, and judge their clocks as the
//! tickets' summaries do.

use super::*;
use crate::engine::view::TicketSummary;
use proptest::prelude::*;

fn at(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap()
}

fn config() -> Config {
    crate::config::load(None).expect("the built-in configuration loads")
}

fn clock(rule: &str, started: &str) -> ClockRecord {
    ClockRecord { rule: rule.into(), started_at: at(started), stopped_at: None, pauses: vec![], extension: 0 }
}

/// A 12345 complaint against a 容桂 mall shop, dispatched, one clock met and one paused once.
fn dispatched_row(id: u64) -> Row {
    let mut acceptance = clock("complaint_acceptance", "2026-11-20 09:12");
    acceptance.stopped_at = Some(at("2026-11-23 10:00"));
    let mut mediation = clock("complaint_mediation", "2026-11-23 10:00");
    mediation.pauses = vec![Pause { from: at("2026-11-24 09:00"), to: Some(at("2026-11-25 15:30")) }];
    mediation.extension = 5;
    Row {
        id: TicketId(id),
        kind: Kind::Complaint,
        status: Status::Dispatched,
        channel: "12345".into(),
        channel_ticket_id: "GD20261120-00417".into(),
        received_at: Some(at("2026-11-20 09:12")),
        title: "购买的羽绒服洗后严重缩水，商家拒绝退货".into(),
        town: Some("容桂街道".into()),
        respondent_name: Some("顺德区容桂天佑城某服装店".into()),
        category: Some("服装鞋帽".into()),
        unit: Some("station-rg-tianyou".into()),
        owner: Some("chen.li".into()),
        flags: [Flag::MissingComplainantAddress, Flag::ReturnedByUnit].into_iter().collect(),
        clocks: vec![acceptance, mediation],
        earliest_due: Some(at("2026-12-18 23:59")),
        updated_at: at("2026-11-25 15:30"),
        business_district: Some("天佑城".into()),
    }
}

/// A walk-in registered with little known yet: no town, no respondent, no receipt time.
fn bare_row(id: u64) -> Row {
    Row {
        id: TicketId(id),
        kind: Kind::Enquiry,
        status: Status::Registered,
        channel: "walkin".into(),
        channel_ticket_id: String::new(),
        received_at: None,
        title: "咨询预付卡退费".into(),
        town: None,
        respondent_name: None,
        category: None,
        unit: None,
        owner: None,
        flags: BTreeSet::new(),
        clocks: vec![],
        earliest_due: None,
        updated_at: at("2026-11-29 16:05"),
        business_district: None,
    }
}

#[test]
fn an_open_row_kept_compact_gives_back_the_stored_row() {
    let mut set = OpenRows::default();
    let (full, bare) = (dispatched_row(41), bare_row(42));
    let mut empty_respondent = bare_row(43);
    empty_respondent.respondent_name = Some(String::new());
    for row in [&full, &bare, &empty_respondent] {
        set.put(row);
    }
    assert_eq!(set.len(), 3);
    for row in [&full, &bare, &empty_respondent] {
        let kept = set.get(row.id).expect("kept");
        assert_eq!(&kept.to_row(), row);
        // What the views filter and order by reads the same from both.
        assert_eq!(kept.title(), row.title());
        assert_eq!(kept.channel_ticket_id(), row.channel_ticket_id());
        assert_eq!(kept.respondent(), row.respondent());
        assert_eq!((kept.channel(), kept.town(), kept.unit()), (row.channel(), row.town(), row.unit()));
        assert_eq!((kept.owner(), kept.category()), (row.owner(), row.category()));
        assert_eq!((kept.returned(), kept.status()), (row.returned(), row.status()));
        assert_eq!((kept.earliest_due(), kept.received_at()), (row.earliest_due(), row.received_at()));
    }
}

#[test]
fn a_ticket_put_again_replaces_its_row_and_a_removed_one_leaves_the_others_findable() {
    let mut set = OpenRows::load((1..=5).map(|id| Ok::<_, ()>(dispatched_row(id)))).unwrap();
    let mut answered = dispatched_row(2);
    answered.status = Status::Signed;
    answered.unit = Some("branch-ronggui".into());
    set.put(&answered);
    assert_eq!(set.len(), 5);
    assert_eq!(set.get(TicketId(2)).unwrap().to_row(), answered);
    // The last row moves into the removed one's place and must still be found by its number.
    set.remove(TicketId(1));
    set.remove(TicketId(9));
    assert_eq!(set.len(), 4);
    assert!(set.get(TicketId(1)).is_none());
    for id in 2..=5 {
        assert_eq!(set.get(TicketId(id)).unwrap().id(), TicketId(id));
    }
    let mut ids: Vec<u64> = set.iter().map(|r| r.id().0).collect();
    ids.sort();
    assert_eq!(ids, [2, 3, 4, 5]);
}

#[test]
fn an_open_rows_risk_is_what_its_summary_shows() {
    let config = config();
    let mut set = OpenRows::default();
    let row = dispatched_row(7);
    set.put(&row);
    let kept = set.get(row.id).unwrap();
    // 45 working days of mediation from 11-23, extended by 5, paused a day and a half.
    let expected = [
        ("2026-11-26 10:00", (false, false)),
        ("2027-01-20 09:00", (false, true)),
        ("2027-03-15 09:00", (true, false)),
    ];
    for (now, risk) in expected {
        let now = at(now);
        let summary = TicketSummary::of(&row, &config, now);
        assert_eq!((summary.is_overdue(), summary.is_due_soon()), risk, "the summary at {now:?}");
        assert_eq!(kept.risk(&config, now), risk, "the open row at {now:?}");
    }
}

fn rule() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("complaint_acceptance"),
        Just("complaint_mediation"),
        Just("report_verification"),
        Just("hotline_reply"),
        Just("no_longer_configured"),
    ]
    .prop_map(String::from)
}

fn clock_record() -> impl Strategy<Value = ClockRecord> {
    (
        rule(),
        0i64..(60 * 1440),
        prop::option::of(0i64..(30 * 1440)),
        prop::option::of((0i64..(20 * 1440), prop::option::of(0i64..(5 * 1440)))),
        0u32..6,
    )
        .prop_map(|(rule, start, stop, pause, extension)| {
            let started_at = at("2026-10-15 00:00").plus_seconds(start * 60);
            let pauses = pause
                .map(|(from, len)| {
                    let from = started_at.plus_seconds(from * 60);
                    vec![Pause { from, to: len.map(|l| from.plus_seconds(l * 60)) }]
                })
                .unwrap_or_default();
            ClockRecord {
                rule,
                started_at,
                stopped_at: stop.map(|s| started_at.plus_seconds(s * 60)),
                pauses,
                extension,
            }
        })
}

fn name() -> impl Strategy<Value = Option<String>> {
    prop::option::of(
        prop_oneof![
            Just("容桂街道"),
            Just("乐从镇"),
            Just(""),
            Just("chen.li"),
            Just("station-lc-furniture")
        ]
        .prop_map(String::from),
    )
}

fn row() -> impl Strategy<Value = Row> {
    (
        (
            1u64..1_000_000,
            prop::sample::select(Kind::ALL.to_vec()),
            prop::sample::select(vec![
                Status::Registered,
                Status::Dispatched,
                Status::Answered,
                Status::Suspended,
            ]),
        ),
        ("[0-9A-Z-]{0,20}", "\\PC{0,40}", prop::option::of("\\PC{0,20}")),
        (name(), name(), name(), name(), name()),
        (
            prop::collection::btree_set(prop::sample::select(Flag::ALL.to_vec()), 0..4),
            prop::collection::vec(clock_record(), 0..4),
        ),
        (prop::option::of(0i64..(90 * 1440)), prop::option::of(0i64..(90 * 1440))),
    )
        .prop_map(
            |(
                (id, kind, status),
                (cti, title, respondent),
                (town, category, unit, owner, district),
                (flags, clocks),
                (received, due),
            )| {
                let base = at("2026-09-01 00:00");
                Row {
                    id: TicketId(id),
                    kind,
                    status,
                    channel: "12315".into(),
                    channel_ticket_id: cti,
                    received_at: received.map(|m| base.plus_seconds(m * 60)),
                    title,
                    town,
                    respondent_name: respondent,
                    category,
                    unit,
                    owner,
                    flags,
                    clocks,
                    earliest_due: due.map(|m| base.plus_seconds(m * 60)),
                    updated_at: base,
                    business_district: district,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        // A failing case's seed is kept, committed, and replayed first on every run after.
        failure_persistence: Some(Box::new(proptest::test_runner::FileFailurePersistence::Direct(
            "tests/proptest-regressions/open_set_tests.txt",
        ))),
        ..ProptestConfig::default()
    })]

    /// Whatever the row, the set gives it back unchanged and judges its clocks at any instant
    /// as the ticket's summary does.
    #[test]
    fn a_compact_open_row_is_the_stored_row(rows in prop::collection::vec(row(), 1..6), probe in 0i64..(120 * 1440)) {
        let config = config();
        let mut set = OpenRows::default();
        for row in &rows {
            set.put(row);
        }
        let now = at("2026-10-01 00:00").plus_seconds(probe * 60);
        // The last row put for a number is the one kept.
        let last: HashMap<TicketId, &Row> = rows.iter().map(|r| (r.id, r)).collect();
        prop_assert_eq!(set.len(), last.len());
        for (id, row) in last {
            let kept = set.get(id).unwrap();
            prop_assert_eq!(&kept.to_row(), row);
            let summary = TicketSummary::of(row, &config, now);
            prop_assert_eq!(kept.risk(&config, now), (summary.is_overdue(), summary.is_due_soon()));
        }
    }
}
