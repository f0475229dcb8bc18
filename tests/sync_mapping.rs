//! Channel payloads in their four native shapes map to the same tickets; bad items are kept with
//! their reason, never dropped; each paging style gives the cursor to continue from.

use rightsdesk::config;
use rightsdesk::domain::channel_profile::SyncProfile;
use rightsdesk::domain::ticket::{Fen, Kind};
use rightsdesk::sync::mapping::{map_page, next_cursor, parse_body};
use rightsdesk::time::Timestamp;
use serde_json::{Value, json};

fn now() -> Timestamp {
    Timestamp::parse("2026-11-28T12:00:00+08:00").unwrap()
}

fn profile(channel: &str) -> SyncProfile {
    let config = config::load(None).unwrap();
    config.channels.get(channel).and_then(|c| c.sync.clone()).expect("a remote channel has a sync profile")
}

#[test]
fn every_remote_channel_ships_a_profile_and_no_manual_one_does() {
    let config = config::load(None).unwrap();
    for channel in config.channels.all() {
        assert_eq!(channel.sync.is_some(), channel.is_remote(), "{}", channel.id);
    }
}

#[test]
fn a_pinyin_hotline_order_maps_to_a_ticket() {
    let body = json!({"code": 0, "msg": "ok", "data": {"total": 1, "page": 1, "rows": [{
        "gdbh": "SD2026112800017", "sllx": "投诉", "slsj": "2026-11-28 09:12:00", "zj": "大良街道",
        "tsrxm": "梁志成", "tsrdh": "13926001234", "tsrdz": "大良街道府又社区",
        "btsrmc": "佛山市顺德区大良某某电器商行", "tyshxydm": "", "btsrdz": "大良街道清晖路12号",
        "bt": "空调安装后漏水商家拒绝维修", "sq": "免费维修", "nr": "11月购买空调，安装三天后漏水，商家拒绝上门",
        "je": "3299.00", "splb": "家用电器", "wtlx": "售后服务"}]}});
    let page = map_page(&profile("12345"), "12345", &body, now()).unwrap();
    assert!(page.malformed.is_empty(), "{:?}", page.malformed);
    let t = &page.tickets[0];
    assert_eq!(t.intake.channel, "12345");
    assert_eq!(t.intake.channel_ticket_id, "SD2026112800017");
    assert_eq!(t.kind, Some(Kind::Complaint));
    assert_eq!(t.intake.received_at.unwrap().rfc3339(), "2026-11-28T09:12:00+08:00");
    assert_eq!(t.complainant.phone.as_deref(), Some("13926001234"));
    assert_eq!(t.dispute.amount, Some(Fen(329_900)));
    assert_eq!(t.respondent.credit_code, None, "an empty string is no value");
}

#[test]
fn a_nested_12315_case_with_epoch_milliseconds_maps_to_a_ticket() {
    let body = json!({"items": [{"id": "1440606202611280017", "type": "report", "received_at": 1795831200000i64,
        "consumer": {"name": "陈女士", "mobile": "13500001111", "address": "容桂街道"},
        "business": {"name": "容桂某某超市", "uscc": null, "address": "容桂华口市场"},
        "subject": "超市销售过期牛奶", "appeal": "依法查处", "description": "购买的牛奶已过保质期三天",
        "amount": 12.5, "region": {"town": "容桂"}, "category": "一般食品", "issue": "食品安全"}],
        "next_cursor": "c-2"});
    let profile = profile("12315");
    let page = map_page(&profile, "12315", &body, now()).unwrap();
    let t = &page.tickets[0];
    assert_eq!(t.kind, Some(Kind::Report));
    assert_eq!(t.intake.received_at.unwrap().rfc3339(), "2026-11-28T10:00:00+08:00");
    assert_eq!(t.intake.town.as_deref(), Some("容桂"));
    assert_eq!(t.complainant.phone.as_deref(), Some("13500001111"));
    assert_eq!(t.dispute.amount, Some(Fen(1250)));
    let items = body["items"].as_array().unwrap();
    assert_eq!(next_cursor(&profile, Some("c-1"), &body, items).as_deref(), Some("c-2"));
}

#[test]
fn flat_messages_paged_by_time_continue_after_the_last_one() {
    let items = json!([
        {"msg_id": "WX1", "kind": "enquiry", "received_at": "2026-11-28T09:00:00+08:00", "town": "北滘",
         "title": "网购家电七天无理由退货怎么办理", "content": "网购空调未拆封想退货"},
        {"msg_id": "WX2", "kind": "complaint", "received_at": "2026-11-28T09:05:00+08:00", "town": "北滘镇",
         "name": "何先生", "phone": "13600002222", "merchant": "北滘某某家电城", "title": "冰箱噪音大", "content": "新买冰箱噪音很大"}
    ]);
    let profile = profile("wechat");
    let page = map_page(&profile, "wechat", &items, now()).unwrap();
    assert_eq!(page.tickets.len(), 2);
    assert_eq!(
        page.tickets[1].intake.town.as_deref(),
        Some("北滘镇"),
        "aliases are resolved at registration"
    );
    let cursor = next_cursor(&profile, None, &items, items.as_array().unwrap());
    assert_eq!(cursor.as_deref(), Some("2026-11-28T09:05:00+08:00|WX2"));
}

#[test]
fn chinese_keyed_letters_map_to_a_ticket() {
    let body = json!({"result": {"list": [{"信件编号": "XJ-2026-0099", "类型": "建议", "来信时间": "2026/11/28 08:30",
        "镇街": "乐从", "姓名": "黎先生", "标题": "建议家具城增设退换货服务点", "内容": "乐从家具城售后网点少，建议统一设置退换货服务点"}],
        "next": ""}});
    let profile = profile("email");
    let page = map_page(&profile, "email", &body, now()).unwrap();
    assert_eq!(page.tickets[0].kind, Some(Kind::Suggestion));
    assert_eq!(page.tickets[0].intake.received_at.unwrap().rfc3339(), "2026-11-28T08:30:00+08:00");
    let items = body["result"]["list"].as_array().unwrap();
    assert_eq!(
        next_cursor(&profile, Some("t9"), &body, items).as_deref(),
        Some("t9"),
        "an empty next keeps the cursor"
    );
}

#[test]
fn bad_items_are_kept_with_their_reason_and_the_rest_of_the_page_goes_through() {
    let body = r#"{"code":0,"data":{"rows":[
        {"gdbh":"SD1","sllx":"投诉","slsj":"2026-11-28 09:00:00","bt":"\udc80坏标题","nr":"x"},
        {"gdbh":"SD2","sllx":"投诉","slsj":"2026-11-28 09:01:00","bt":"金额不对","je":{}},
        {"sllx":"投诉","slsj":"2026-11-28 09:02:00","bt":"没有编号"},
        {"gdbh":"SD4","sllx":"投诉","slsj":"2026-11-28 09:03:00","bt":"正常工单","nr":"商家拒绝退款"},
        {"gdbh":"SD4","sllx":"投诉","slsj":"2026-11-28 09:03:00","bt":"正常工单","nr":"商家拒绝退款"}
    ]}}"#;
    let value: Value = parse_body(body.as_bytes()).expect("one bad item does not make the page unreadable");
    let page = map_page(&profile("12345"), "12345", &value, now()).unwrap();
    assert_eq!(page.tickets.len(), 1);
    assert_eq!(page.tickets[0].intake.channel_ticket_id, "SD4");
    assert_eq!(page.repeated, 1, "an item repeated within a page is not a fault of its own");
    let reasons: Vec<&str> = page.malformed.iter().map(|m| m.reason.as_str()).collect();
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    assert!(reasons[0].contains("lone surrogate"), "{reasons:?}");
    assert!(reasons.iter().any(|r| r.contains("amount is an object")), "{reasons:?}");
    assert!(reasons.iter().any(|r| r.contains("channel_ticket_id")), "{reasons:?}");
    assert!(page.malformed.iter().all(|m| !m.raw.is_empty()), "each keeps its raw payload");
}

#[test]
fn a_page_number_moves_on_only_after_a_full_page() {
    let profile = profile("8180");
    let full: Vec<Value> = (0..profile.page_size).map(|i| json!({"gdbh": i})).collect();
    assert_eq!(next_cursor(&profile, Some("3"), &json!({}), &full).as_deref(), Some("4"));
    assert_eq!(next_cursor(&profile, Some("3"), &json!({}), &full[..5]).as_deref(), Some("3"));
    assert_eq!(next_cursor(&profile, None, &json!({}), &[]).as_deref(), Some("1"));
}

#[test]
fn two_items_with_the_same_broken_id_are_two_bad_items_not_a_repeat() {
    let body = json!({"code": 0, "data": {"rows": [
        {"gdbh": [1, 2, 3], "sllx": "投诉", "slsj": "2026-11-28 09:00:00", "bt": "甲"},
        {"gdbh": [1, 2, 3], "sllx": "投诉", "slsj": "2026-11-28 09:01:00", "bt": "乙"}
    ]}});
    let page = map_page(&profile("12345"), "12345", &body, now()).unwrap();
    assert_eq!((page.malformed.len(), page.repeated), (2, 0));
}
