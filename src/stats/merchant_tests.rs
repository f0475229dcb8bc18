//! Merchants at risk and pledge candidates on hand-built tickets of the fortnight of
//! `tests.rs`, the points worked out by hand from `config/stats.toml`.

use super::tests::{NOW, at, clock, complaint, config, fortnight, ids, table_of};
use super::*;
use crate::domain::credit_code::with_check_char;
use crate::domain::ticket::{Satisfaction, Ticket};

fn about(mut t: Ticket, name: &str, code: Option<&str>, phone: &str) -> Ticket {
    t.respondent.name = Some(name.into());
    t.respondent.credit_code = code.map(str::to_string);
    t.complainant.phone = Some(phone.into());
    t
}

/// 美佳电器 under two names and one credit code: three complaints this fortnight from two
/// channels (one about safety, two from the same phone, one overdue), one the fortnight before.
/// A gym known only by its name: two complaints by walk-in. A shop with one: not ranked.
fn risky() -> Vec<Ticket> {
    let code = with_check_char("91440606MA4W5XQ7B").unwrap();
    let meijia = |t, name| about(t, name, Some(code.as_str()), "13612345678");
    let mut safety =
        meijia(complaint(1, "12315", "2026-04-28T09:00:00+08:00"), "佛山市顺德区容桂美佳电器商行");
    safety.dispute.dispute_type = Some("安全".into());
    let again = meijia(complaint(2, "12345", "2026-05-06T09:00:00+08:00"), "美佳电器");
    let mut overdue = about(
        complaint(3, "12315", "2026-05-06T09:00:00+08:00"),
        "容桂美佳电器",
        Some(&code.to_lowercase()),
        "13900001111",
    );
    overdue.clocks = vec![clock("complaint_acceptance", "2026-05-06T09:00:00+08:00", None)];
    let before = meijia(complaint(4, "12315", "2026-04-20T09:00:00+08:00"), "美佳电器");
    let gym = |id, day: &str, phone| {
        about(complaint(id, "walkin", &format!("{day}T10:00:00+08:00")), "大良某某健身会所", None, phone)
    };
    let lone =
        about(complaint(7, "12315", "2026-05-07T10:00:00+08:00"), "伦教某某家具店", None, "13700000000");
    vec![
        safety,
        again,
        overdue,
        before,
        gym(5, "2026-05-07", "13800000001"),
        gym(6, "2026-05-08", "13800000002"),
        lone,
    ]
}

#[test]
fn merchants_at_risk_are_grouped_by_credit_code_and_scored_by_the_configured_points() {
    let table = table_of(&risky());
    let s = compute(&table, fortnight(), &Scope::default(), at(NOW), &config().stats);
    let ranked: Vec<(&str, f64, u64)> =
        s.merchants_at_risk.iter().map(|m| (m.name.as_str(), m.score, m.tickets)).collect();
    // 美佳: 3 tickets + 0.5 × 2 more than before + 1 overdue + 2 for safety + 1 repeat
    // complainant + 0.5 for a second channel = 8.5. The gym: 2 + 0.5 × 2 = 3.
    assert_eq!(ranked, vec![("佛山市顺德区容桂美佳电器商行", 8.5, 3), ("大良某某健身会所", 3.0, 2)]);
    let meijia = &s.merchants_at_risk[0];
    assert_eq!(meijia.names.len(), 3, "every name variant under the one code: {:?}", meijia.names);
    assert_eq!(meijia.ids, ids(&[1, 2, 3]));
    assert_eq!(
        meijia.reasons,
        vec![
            "本期 3 件（上期 1）",
            "增加 2 件",
            "超期或逾期办结 1 件",
            "涉安全 1 件",
            "重复投诉人 1 名",
            "来自 2 个渠道"
        ]
    );
    assert_eq!(s.merchants_at_risk[1].reasons, vec!["本期 2 件（上期 0）"]);
}

/// Four appliance shops of 大良中心商圈 (9 + 1 tickets): one with a single complaint, settled
/// and followed up satisfied; one with a single complaint whose consumer was not satisfied.
fn peers() -> Vec<Ticket> {
    let mut out = Vec::new();
    let mut id = 0;
    let mut shop = |name: &str, n: usize, satisfaction: Option<Satisfaction>| {
        for _ in 0..n {
            id += 1;
            let mut t = about(complaint(id, "12315", "2026-05-07T10:00:00+08:00"), name, None, "13600000000");
            t.intake.business_district = Some("大良中心商圈".into());
            t.workflow.satisfaction = satisfaction;
            if satisfaction == Some(Satisfaction::Satisfied) {
                t.clocks = vec![clock(
                    "complaint_mediation",
                    "2026-05-07T10:00:00+08:00",
                    Some("2026-05-08T10:00:00+08:00"),
                )];
            }
            out.push(t);
        }
    };
    shop("大良某某电器城", 4, None);
    shop("大良某某家电店", 4, None);
    shop("大良某某电器商行", 1, Some(Satisfaction::Satisfied));
    shop("大良某某电器经营部", 1, Some(Satisfaction::Unsatisfied));
    out
}

#[test]
fn a_pledge_candidate_has_far_fewer_complaints_than_its_peers_and_all_handled_well() {
    let table = table_of(&peers());
    let s = compute(&table, fortnight(), &Scope::default(), at(NOW), &config().stats);
    let names: Vec<&str> = s.pledge_candidates.iter().map(|c| c.name.as_str()).collect();
    // Average 10 / 4 = 2.5; 1 is 0.4 of it. The unsatisfied follow-up rules the other out.
    assert_eq!(names, vec!["大良某某电器商行"]);
    let c = &s.pledge_candidates[0];
    assert_eq!((c.peers, c.peer_average, c.satisfied, c.settled), (4, 2.5, 1, 1));
    assert_eq!(c.industry.as_deref(), Some("批发和零售业"));
    assert_eq!(
        c.reasons,
        vec!["同行业同商圈 4 家平均 2.5 件，本店 1 件", "无超期", "调解成功 1 件", "回访满意 1 件"]
    );
}

#[test]
fn too_few_peers_make_no_pledge_candidate() {
    let mut few = peers();
    few.retain(|t| t.respondent.name.as_deref() != Some("大良某某家电店"));
    few.retain(|t| t.respondent.name.as_deref() != Some("大良某某电器城"));
    let table = table_of(&few);
    let s = compute(&table, fortnight(), &Scope::default(), at(NOW), &config().stats);
    assert!(s.pledge_candidates.is_empty(), "{:?}", s.pledge_candidates);
}

/// Four weeks of baseline (10 to 7 May) and the last three days of the fortnight (8 to 10 May):
/// 家用电器 steady at 10 a day then 11, 33 where 30 were expected; a beauty salon with one
/// complaint in four weeks then six in three days; a shop with four in three days.
fn surge() -> Vec<Ticket> {
    let mut out = Vec::new();
    let mut id = 0;
    let mut add = |day: chrono::NaiveDate, category: &str, merchant: &str| {
        id += 1;
        let mut t = complaint(id, "12315", &format!("{day}T10:00:00+08:00"));
        t.dispute.category = Some(category.into());
        t.respondent.name = Some(merchant.into());
        out.push(t);
    };
    let first: chrono::NaiveDate = "2026-04-10".parse().unwrap();
    for d in 0..28 {
        for i in 0..10 {
            add(first + chrono::Duration::days(d), "家用电器", &format!("家电店{i}"));
        }
    }
    add("2026-04-20".parse().unwrap(), "美容美发洗浴", "容桂某某美容院");
    for d in 28..31 {
        let day = first + chrono::Duration::days(d);
        for i in 0..11 {
            add(day, "家用电器", &format!("家电店{i}"));
        }
        add(day, "美容美发洗浴", "容桂某某美容院");
        add(day, "美容美发洗浴", "容桂某某美容院");
        if d < 30 {
            add(day, "服装鞋帽", "大良某某服装店");
            add(day, "服装鞋帽", "大良某某服装店");
        }
    }
    out
}

#[test]
fn a_planted_surge_raises_a_warning_and_noise_does_not() {
    let table = table_of(&surge());
    let s = compute(&table, fortnight(), &Scope::default(), at(NOW), &config().stats);
    let raised: Vec<(warnings::Subject, &str, u64)> =
        s.warnings.iter().map(|w| (w.subject, w.key.as_str(), w.count)).collect();
    // The salon: 6 where max(1/28, 0.1) × 3 = 0.3 were expected; P(X ≥ 6) ≈ 1e-6 < 0.001.
    assert!(raised.contains(&(warnings::Subject::Merchant, "容桂某某美容院", 6)), "{raised:?}");
    assert!(raised.contains(&(warnings::Subject::Category, "美容美发洗浴", 6)), "{raised:?}");
    // 33 appliance tickets where 30 were expected is noise; 4 for the clothes shop is too few.
    assert!(!raised.iter().any(|(_, k, _)| *k == "家用电器" || *k == "大良某某服装店"), "{raised:?}");
    let salon = s.warnings.iter().find(|w| w.key == "容桂某某美容院").unwrap();
    assert_eq!((salon.from.to_string(), salon.to.to_string()), ("2026-05-08".into(), "2026-05-10".into()));
    assert_eq!(salon.expected, 0.3);
    assert_eq!(salon.ids.len(), 6);
}
