//! The shipped organisation and channels, the credit-code check and the intake checks.

use chrono::NaiveDate;
use rightsdesk::domain::channel::{ChannelMode, Channels, ChannelsFile, STANDARD_CHANNELS};
use rightsdesk::domain::credit_code::{self, CreditCodeCheck};
use rightsdesk::domain::org::{OrgFile, Organisation, UnitKind};
use rightsdesk::domain::ticket::{Flag, Kind, NewTicket};
use rightsdesk::domain::validate::{intake_flags, normalise_new_ticket};
use std::collections::{BTreeSet, HashSet};

const RULES: [&str; 8] = [
    "complaint_acceptance",
    "complaint_mediation",
    "report_verification",
    "report_notification",
    "hotline_reply",
    "hotline_return",
    "odr_settlement",
    "first_contact",
];

fn org_file() -> OrgFile {
    toml::from_str(include_str!("../config/org.toml")).expect("shipped org.toml parses")
}

fn org() -> Organisation {
    org_file().build().expect("shipped org.toml is consistent")
}

fn channels_file() -> ChannelsFile {
    toml::from_str(include_str!("../config/channels.toml")).expect("shipped channels.toml parses")
}

fn channels() -> Channels {
    channels_file().build(&RULES).expect("shipped channels.toml is consistent")
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn today() -> NaiveDate {
    date(2026, 5, 20)
}

// ───────────────────────────── organisation ─────────────────────────────

#[test]
fn the_district_is_shunde() {
    let org = org();
    assert_eq!(org.district_name(), "佛山市顺德区市场监督管理局");
    assert_eq!(org.region_code(), "440606");
}

#[test]
fn there_are_exactly_143_stations_and_10_branches() {
    let org = org();
    assert_eq!(org.units().filter(|u| u.kind == UnitKind::Station).count(), 143);
    assert_eq!(org.units().filter(|u| u.kind == UnitKind::Branch).count(), 10);
    let sections = org.units().filter(|u| u.kind == UnitKind::Section).count();
    assert!((8..=12).contains(&sections), "{sections} sections");
    assert!(org.unit("xbk").is_some_and(|u| u.name == "消费者权益保护科"));
}

#[test]
fn the_ten_towns_are_the_canonical_names() {
    let org = org();
    let mut towns = org.towns();
    towns.sort_unstable();
    let mut expected = ["大良", "容桂", "伦教", "勒流", "陈村", "均安", "杏坛", "龙江", "乐从", "北滘"];
    expected.sort_unstable();
    assert_eq!(towns, expected);
}

#[test]
fn every_station_is_under_an_existing_branch_of_its_town() {
    let org = org();
    for s in org.units().filter(|u| u.kind == UnitKind::Station) {
        let branch_id = s.branch.as_deref().expect("a station has a branch");
        let branch = org.unit(branch_id).expect("the branch exists");
        assert_eq!(branch.kind, UnitKind::Branch, "{}", s.id);
        assert_eq!(s.town, branch.town, "{}", s.id);
        assert!(s.venue.is_some() && s.district.is_some(), "{}", s.id);
    }
}

#[test]
fn each_town_has_its_number_of_stations() {
    let org = org();
    let expected = [
        ("大良", 22),
        ("容桂", 20),
        ("伦教", 10),
        ("勒流", 12),
        ("陈村", 12),
        ("均安", 10),
        ("杏坛", 11),
        ("龙江", 16),
        ("乐从", 17),
        ("北滘", 13),
    ];
    for (town, count) in expected {
        let branch = org.branch_of_town(town).expect("every town has a branch");
        let stations = org.stations_of_branch(&branch.id);
        assert_eq!(stations.len(), count, "{town}");
        assert!(stations.iter().all(|s| org.town_of_unit(&s.id) == Some(town)), "{town}");
    }
}

#[test]
fn units_come_sections_then_branches_then_stations_in_id_order() {
    let org = org();
    let units: Vec<_> = org.units().collect();
    let rank = |k: UnitKind| match k {
        UnitKind::Section => 0,
        UnitKind::Branch => 1,
        UnitKind::Station => 2,
    };
    for w in units.windows(2) {
        let (a, b) = ((rank(w[0].kind), &w[0].id), (rank(w[1].kind), &w[1].id));
        assert!(a < b, "{a:?} before {b:?}");
    }
}

#[test]
fn town_aliases_resolve_to_the_canonical_name() {
    let org = org();
    let cases = [
        ("大良街道", "大良"),
        ("大良", "大良"),
        (" 大良 ", "大良"),
        ("大良街道办事处", "大良"),
        ("容桂街道", "容桂"),
        ("北滘镇", "北滘"),
        ("佛山市顺德区乐从镇", "乐从"),
        ("顺德区龙江镇", "龙江"),
        ("广东省佛山市顺德区伦教街道", "伦教"),
        ("杏坛镇人民政府", "杏坛"),
    ];
    for (text, town) in cases {
        assert_eq!(org.resolve_town(text), Some(town), "{text}");
    }
    assert_eq!(org.resolve_town("火星镇"), None);
    assert_eq!(org.resolve_town("南海区桂城街道"), None);
    assert_eq!(org.branch_of_town("北滘镇").map(|b| b.id.as_str()), Some("beijiao"));
}

#[test]
fn units_are_found_by_id_name_or_alias() {
    let org = org();
    assert_eq!(org.find_unit("daliang-01").map(|u| u.kind), Some(UnitKind::Station));
    assert_eq!(org.find_unit("容桂分局").map(|u| u.id.as_str()), Some("ronggui"));
    assert_eq!(org.find_unit("北滘镇").map(|u| u.id.as_str()), Some("beijiao"));
    assert_eq!(org.find_unit("消保科").map(|u| u.id.as_str()), Some("xbk"));
    let station = org.unit("lecong-01").expect("乐从 has stations");
    assert_eq!(org.find_unit(&station.name).map(|u| u.id.as_str()), Some("lecong-01"));
    assert!(org.find_unit("火星镇").is_none());
}

#[test]
fn no_two_units_share_a_name_or_a_phone() {
    let org = org();
    let mut names = HashSet::new();
    let mut phones = HashSet::new();
    for u in org.units() {
        assert!(names.insert(u.name.as_str()), "name {} twice", u.name);
        assert!(phones.insert(u.phone.as_str()), "phone {} twice", u.phone);
        assert!(u.phone.starts_with("0757-") && u.phone.len() == 13, "{}: {}", u.id, u.phone);
    }
}

#[test]
fn the_trades_of_the_towns_show_in_their_stations() {
    let org = org();
    let venues = |branch: &str, word: &str| {
        org.stations_of_branch(branch)
            .iter()
            .filter(|s| s.venue.as_deref().is_some_and(|v| v.contains(word)))
            .count()
    };
    assert!(venues("lecong", "家具") >= 5);
    assert!(venues("longjiang", "家具") >= 3);
    assert!(venues("beijiao", "家电") + venues("beijiao", "电器") >= 3);
    assert!(venues("ronggui", "家电") + venues("ronggui", "电器") >= 3);
    assert!(venues("chencun", "花") + venues("chencun", "园艺") >= 3);
    assert!(venues("lunjiao", "木工机械") >= 2);
    for b in org.units().filter(|u| u.kind == UnitKind::Branch) {
        assert!(venues(&b.id, "农贸市场") >= 1, "{} has a 农贸市场", b.name);
        assert!(venues(&b.id, "汽车") >= 1, "{} has a car market", b.name);
    }
}

// ───────────────────────────── organisation: build errors ─────────────────────────────

#[test]
fn a_station_under_an_unknown_branch_names_its_key() {
    let mut file = org_file();
    file.station.get_mut("daliang-03").expect("shipped station").branch = "dalaing".into();
    let err = file.build().expect_err("unknown branch");
    assert_eq!(err.key, "station.daliang-03.branch");
    assert!(err.message.contains("dalaing"), "{}", err.message);
}

#[test]
fn an_alias_shared_by_two_branches_names_its_key() {
    let mut file = org_file();
    let ronggui = file.branch.get_mut("ronggui").expect("shipped branch");
    ronggui.aliases.push("大良街道".into());
    let index = ronggui.aliases.len() - 1;
    let err = file.build().expect_err("duplicate alias");
    assert_eq!(err.key, format!("branch.ronggui.aliases[{index}]"));
    assert!(err.message.contains("branch.daliang"), "{}", err.message);
}

#[test]
fn an_empty_name_names_its_key() {
    let mut file = org_file();
    file.section.get_mut("xbk").expect("shipped section").name = "  ".into();
    assert_eq!(file.build().expect_err("empty name").key, "section.xbk.name");
}

#[test]
fn a_badly_shaped_phone_names_its_key() {
    for bad in ["22223333", "0757-222", "0757 22223333", "电话待定"] {
        let mut file = org_file();
        file.station.get_mut("beijiao-13").expect("shipped station").phone = bad.into();
        assert_eq!(file.build().expect_err(bad).key, "station.beijiao-13.phone", "{bad}");
    }
}

#[test]
fn an_unknown_field_in_the_org_file_is_refused() {
    let text = include_str!("../config/org.toml").replace("venue_kind = \"mall\"", "venue_type = \"mall\"");
    assert!(toml::from_str::<OrgFile>(&text).is_err());
}

// ───────────────────────────── channels ─────────────────────────────

#[test]
fn all_17_channels_are_present_with_their_modes() {
    let channels = channels();
    assert_eq!(channels.ids().len(), 17);
    for (id, mode) in STANDARD_CHANNELS {
        let ch = channels.get(id).unwrap_or_else(|| panic!("channel {id} missing"));
        assert_eq!(ch.id, id);
        assert_eq!(ch.mode, mode, "{id}");
        assert!(!ch.name.is_empty(), "{id}");
    }
    let manual: Vec<&str> =
        channels.all().filter(|c| c.mode == ChannelMode::Manual).map(|c| c.id.as_str()).collect();
    assert_eq!(manual, ["letter", "phone", "walkin"]);
}

#[test]
fn channels_run_the_deadline_rules_of_their_kind() {
    let channels = channels();
    let rules = |id: &str| -> BTreeSet<&str> {
        channels.get(id).map(|c| c.rules.iter().map(String::as_str).collect()).unwrap_or_default()
    };
    let standard: BTreeSet<&str> = [
        "complaint_acceptance",
        "complaint_mediation",
        "report_verification",
        "report_notification",
        "first_contact",
    ]
    .into();
    let mut hotline = standard.clone();
    hotline.extend(["hotline_reply", "hotline_return"]);
    assert_eq!(rules("12345"), hotline);
    assert_eq!(rules("12315-odr"), ["odr_settlement", "first_contact"].into());
    for (id, _) in STANDARD_CHANNELS.iter().filter(|(id, _)| !["12345", "12315-odr"].contains(id)) {
        assert_eq!(rules(id), standard, "{id}");
    }
}

#[test]
fn a_channel_with_an_unknown_rule_names_its_key() {
    let mut file = channels_file();
    file.channel.get_mut("12345").expect("shipped channel").rules[2] = "x".into();
    let err = file.build(&RULES).expect_err("unknown rule");
    assert_eq!(err.key, "channel.12345.rules[2]");
    assert_eq!(
        err.to_string(),
        format!("channel.12345.rules[2]: unknown deadline rule 'x' (known: {})", RULES.join(", "))
    );
}

// ───────────────────────────── credit codes ─────────────────────────────

#[test]
fn valid_credit_codes_pass() {
    // Check characters computed apart from this crate; the last is a code published by a company
    // registered in Shunde, an independent check of the weights.
    for code in [
        "91440606MA4UWLX12B",
        "92440606MA4XH3N1CL",
        "91440606315286736K",
        "914406067763049251",
        "91440606722473344C",
    ] {
        assert_eq!(credit_code::check(code), CreditCodeCheck::Valid, "{code}");
    }
    assert_eq!(credit_code::check(" 91440606ma4uwlx12b "), CreditCodeCheck::Valid);
}

#[test]
fn a_wrong_check_char_is_detected_with_the_expected_one() {
    assert_eq!(credit_code::check("91440606MA4UWLX12A"), CreditCodeCheck::BadCheckChar { expected: 'B' });
    assert_eq!(credit_code::check("914406067763049250"), CreditCodeCheck::BadCheckChar { expected: '1' });
}

#[test]
fn a_badly_shaped_credit_code_is_detected() {
    for code in [
        "91440606MA4UWLX12",   // 17 characters
        "91440606MA4UWLX12BB", // 19
        "",
        "91440606MA4UWLI12B",
        "91440606MA4UWLO12B",
        "91440606MA4UWLZ12B",
        "91440606MA4UWLS12B",
        "91440606MA4UWLV12B",
        "9144060６MA4UWLX12B中",
    ] {
        assert_eq!(credit_code::check(code), CreditCodeCheck::BadShape, "{code}");
    }
}

#[test]
fn completing_17_characters_gives_a_valid_code() {
    assert_eq!(credit_code::with_check_char("91440606MA4UWLX12").as_deref(), Some("91440606MA4UWLX12B"));
    assert_eq!(credit_code::with_check_char("9144060677630492").as_deref(), None);
    assert_eq!(credit_code::with_check_char("91440606MA4UWLI12"), None);
}

// ───────────────────────────── intake checks ─────────────────────────────

fn complete_complaint() -> NewTicket {
    let mut t = NewTicket { kind: Some(Kind::Complaint), ..NewTicket::default() };
    t.intake.channel = "walkin".into();
    t.intake.channel_ticket_id = "W-001".into();
    t.intake.town = Some("大良".into());
    t.complainant.name = Some("陈女士".into());
    t.complainant.phone = Some("13800138000".into());
    t.complainant.address = Some("大良街道某小区".into());
    t.respondent.name = Some("某家具有限公司".into());
    t.respondent.address = Some("乐从镇某家具城".into());
    t.respondent.credit_code = Some("91440606MA4UWLX12B".into());
    t.dispute.title = "沙发开裂".into();
    t.dispute.request = Some("退货退款".into());
    t.dispute.facts = Some("购买两个月后皮面开裂，商家拒绝维修".into());
    t.dispute.purchase_date = Some(date(2026, 3, 1));
    t
}

fn flags(t: &NewTicket) -> BTreeSet<Flag> {
    intake_flags(t, &org(), today())
}

#[test]
fn a_complete_complaint_has_no_flags() {
    assert_eq!(flags(&complete_complaint()), BTreeSet::new());
}

#[test]
fn a_complaint_missing_materials_is_flagged_for_each() {
    let mut t = complete_complaint();
    t.complainant.phone = None;
    t.complainant.address = Some("   ".into());
    t.respondent.address = None;
    t.dispute.request = Some(String::new());
    let expected: BTreeSet<Flag> = [
        Flag::MissingComplainantPhone,
        Flag::MissingComplainantAddress,
        Flag::MissingRespondentAddress,
        Flag::MissingRequest,
    ]
    .into();
    assert_eq!(flags(&t), expected);
}

#[test]
fn a_ticket_without_kind_is_assumed_a_complaint_and_needs_its_materials() {
    let t = NewTicket { dispute: complete_complaint().dispute, ..NewTicket::default() };
    let f = flags(&t);
    assert!(f.contains(&Flag::KindAssumed));
    assert!(f.contains(&Flag::MissingComplainantName));
    assert!(f.contains(&Flag::MissingRespondentAddress));
    assert!(!f.contains(&Flag::MissingFacts));
}

#[test]
fn a_report_needs_only_the_respondent_name_and_the_facts() {
    let anonymous = NewTicket { kind: Some(Kind::Report), ..NewTicket::default() };
    assert_eq!(flags(&anonymous), [Flag::MissingRespondentName, Flag::MissingFacts].into());
    let mut t = anonymous;
    t.respondent.name = Some("某美容店".into());
    t.dispute.facts = Some("无证经营医疗美容".into());
    assert_eq!(flags(&t), BTreeSet::new());
}

#[test]
fn an_enquiry_or_suggestion_needs_only_the_facts() {
    for kind in [Kind::Enquiry, Kind::Suggestion] {
        let mut t = NewTicket { kind: Some(kind), ..NewTicket::default() };
        assert_eq!(flags(&t), [Flag::MissingFacts].into(), "{kind}");
        t.dispute.facts = Some("预付卡商家跑路怎么办".into());
        assert_eq!(flags(&t), BTreeSet::new(), "{kind}");
    }
}

#[test]
fn an_alias_town_is_normalised_and_not_flagged() {
    let org = org();
    let mut t = complete_complaint();
    t.intake.town = Some(" 佛山市顺德区容桂街道 ".into());
    assert!(!intake_flags(&t, &org, today()).contains(&Flag::UnknownTown));
    normalise_new_ticket(&mut t, &org);
    assert_eq!(t.intake.town.as_deref(), Some("容桂"));
    assert_eq!(intake_flags(&t, &org, today()), BTreeSet::new());
}

#[test]
fn an_unknown_town_is_kept_and_flagged() {
    let org = org();
    let mut t = complete_complaint();
    t.intake.town = Some(" 火星镇 ".into());
    normalise_new_ticket(&mut t, &org);
    assert_eq!(t.intake.town.as_deref(), Some("火星镇"));
    assert_eq!(intake_flags(&t, &org, today()), [Flag::UnknownTown].into());
}

#[test]
fn a_purchase_more_than_three_years_ago_is_possibly_time_barred() {
    let mut t = complete_complaint();
    t.dispute.purchase_date = Some(date(2022, 5, 19));
    assert_eq!(flags(&t), [Flag::PossiblyTimeBarred].into());
    // Exactly three years is still in time.
    t.dispute.purchase_date = Some(date(2023, 5, 20));
    assert_eq!(flags(&t), BTreeSet::new());
    t.dispute.purchase_date = Some(date(2023, 5, 19));
    assert_eq!(flags(&t), [Flag::PossiblyTimeBarred].into());
    // The bar counts from when the harm was known, when that is given.
    t.dispute.harm_known_date = Some(date(2025, 12, 1));
    assert_eq!(flags(&t), BTreeSet::new());
}

#[test]
fn a_bad_credit_code_is_flagged_not_refused() {
    let mut t = complete_complaint();
    t.respondent.credit_code = Some("91440606MA4UWLX12A".into());
    assert_eq!(flags(&t), [Flag::BadCreditCode].into());
    t.respondent.credit_code = Some("12345".into());
    assert_eq!(flags(&t), [Flag::BadCreditCode].into());
}

#[test]
fn normalising_trims_blanks_to_none_and_tidies_codes_and_phones() {
    let org = org();
    let mut t = complete_complaint();
    t.intake.order_no = Some("  ".into());
    t.intake.caller_number = Some("0757 - 2222 3333".into());
    t.complainant.name = Some(" 陈女士\u{3000}".into());
    t.complainant.phone = Some("138-0013-8000（手机）".into());
    t.respondent.credit_code = Some(" 91440606ma4uwlx12b ".into());
    t.respondent.platform = Some("\t".into());
    t.dispute.title = "  沙发开裂 ".into();
    t.dispute.category = Some(String::new());
    normalise_new_ticket(&mut t, &org);
    assert_eq!(t.intake.order_no, None);
    assert_eq!(t.intake.caller_number.as_deref(), Some("0757-22223333"));
    assert_eq!(t.complainant.name.as_deref(), Some("陈女士"));
    assert_eq!(t.complainant.phone.as_deref(), Some("138-0013-8000"));
    assert_eq!(t.respondent.credit_code.as_deref(), Some("91440606MA4UWLX12B"));
    assert_eq!(t.respondent.platform, None);
    assert_eq!(t.dispute.title, "沙发开裂");
    assert_eq!(t.dispute.category, None);
    assert_eq!(intake_flags(&t, &org, today()), BTreeSet::new());
}
