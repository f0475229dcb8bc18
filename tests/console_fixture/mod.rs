//! The console built the way the binary builds it — shipped config, keymap, theme and views —
//! but with no terminal and no server: answers are fed by hand, with Chinese data, at a fixed
//! "now" (2026-11-28 10:00 China time), and the screen is drawn into ratatui's `TestBackend`.

#![allow(dead_code)]

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use rightsdesk::domain::org::UnitKind;
use rightsdesk::domain::sla::{ClockState, ClockView};
use rightsdesk::domain::suggest::{Reason, Suggestion};
use rightsdesk::domain::ticket::{Attachment, Dispute, Fen, Note, Respondent, TicketId, Workflow};
use rightsdesk::engine::matters::Duplicate;
use rightsdesk::engine::view::{ClockBasis, PersonView, TicketDetail, TicketSummary, TimelineEntry};
use rightsdesk::engine::window::{Counts, Window};
use rightsdesk::engine::{ChannelHealth, Circuit};
use rightsdesk::remote::Notice;
use rightsdesk::search::{Field, Highlight};
use rightsdesk::time::Timestamp;
use rightsdesk::tui::app::App;
use rightsdesk::tui::i18n::Lang;
use rightsdesk::tui::link::{ListId, Reply};
use rightsdesk::tui::theme::ColorMode;
use rightsdesk::tui::ui;
use std::sync::Arc;

mod screen;
pub use screen::*;

pub const ME: &str = "chenli";

/// The fixed "now" of every screen: Saturday 2026-11-28 10:00 China time.
pub fn now() -> Timestamp {
    at("2026-11-28T10:00:00+08:00")
}

pub fn at(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap_or_else(|| panic!("not a time: {s}"))
}

fn hours(h: i64) -> Timestamp {
    now().plus_seconds(h * 3600)
}

fn clock(rule: &str, due_at: Timestamp, state: ClockState, provisional: bool) -> ClockView {
    ClockView { name: rule.into(), due_at, state, provisional, late: false }
}

/// A queue row: (id, channel, channel ticket id, kind, status, received, title, town,
/// respondent, unit, owner, clocks).
#[allow(clippy::too_many_arguments)]
fn row(
    id: u64,
    channel: &str,
    ctid: &str,
    kind: &str,
    status: &str,
    received: &str,
    title: &str,
    town: Option<&str>,
    respondent: Option<&str>,
    unit: Option<&str>,
    owner: Option<&str>,
    clocks: Vec<ClockView>,
) -> TicketSummary {
    let provisional = clocks.iter().any(|c| c.provisional && c.state != ClockState::Met);
    TicketSummary {
        id,
        channel: channel.into(),
        channel_ticket_id: ctid.into(),
        kind: kind.into(),
        status: status.into(),
        received_at: Some(at(received)),
        title: title.into(),
        town: town.map(Into::into),
        respondent_name: respondent.map(Into::into),
        business_district: None,
        category: None,
        unit: unit.map(Into::into),
        owner: owner.map(Into::into),
        flags: [
            provisional.then(|| "provisional_deadline".to_string()),
            (respondent == Some(WATCHED)).then(|| rightsdesk::engine::marks::WATCHED_FLAG.to_string()),
        ]
        .into_iter()
        .flatten()
        .collect(),
        clocks,
    }
}

/// The merchant a chief has on the watch list: its tickets carry the watched flag.
pub const WATCHED: &str = "佛山市顺德区力健健身有限公司";

/// Long titles: 16 and 18 Chinese characters, wider than most title columns.
pub const TITLE_16: &str = "电动车专卖店销售翻新电池冒充新品";
pub const TITLE_18: &str = "家具城定制衣柜尺寸不符且拖延交货两月";

/// The open queue, nearest deadline first: overdue, due soon, running, provisional, met.
pub fn queue_rows() -> Vec<TicketSummary> {
    use ClockState::*;
    vec![
        row(
            1041,
            "12345",
            "GD20261120-0031",
            "complaint",
            "dispatched",
            "2026-11-20T09:12:00+08:00",
            "健身房预付卡退费难",
            Some("容桂"),
            Some("佛山市顺德区力健健身有限公司"),
            Some("ronggui"),
            Some(ME),
            vec![clock("complaint_acceptance", hours(-42), Overdue, false)],
        ),
        row(
            1037,
            "12315",
            "1500220261119007711",
            "complaint",
            "signed",
            "2026-11-19T15:40:00+08:00",
            "空调安装后漏水拒不处理",
            Some("大良"),
            Some("佛山市顺德区美佳电器有限公司"),
            Some("daliang"),
            None,
            vec![clock("complaint_acceptance", hours(-6), Overdue, false)],
        ),
        row(
            1052,
            "wechat",
            "WX-88213",
            "report",
            "registered",
            "2026-11-27T20:05:00+08:00",
            "外卖食品变质",
            Some("乐从"),
            Some("乐从镇好味道餐饮店"),
            None,
            None,
            vec![clock("report_verification", hours(3), DueSoon, false)],
        ),
        row(
            1049,
            "station",
            "ST-RG01-0219",
            "complaint",
            "mediating",
            "2026-11-18T11:30:00+08:00",
            TITLE_16,
            Some("容桂"),
            Some("容桂悦城电动车行"),
            Some("ronggui-01"),
            None,
            vec![clock("complaint_mediation", hours(20), DueSoon, false)],
        ),
        row(
            1050,
            "12345",
            "GD20261125-0102",
            "complaint",
            "mediation_ended",
            "2026-11-25T08:50:00+08:00",
            TITLE_18,
            Some("乐从"),
            Some("佛山市顺德区乐从镇森美家具有限公司"),
            Some("lecong"),
            Some(ME),
            vec![clock("hotline_reply", hours(50), Running, false)],
        ),
        row(
            1055,
            "walkin",
            "WALKIN-20261128-093012",
            "complaint",
            "triaged",
            "2026-11-28T09:30:00+08:00",
            "美容院办卡后闭店跑路",
            Some("大良"),
            Some("大良丽人坊美容养生馆"),
            None,
            Some(ME),
            vec![clock("complaint_acceptance", at("2027-01-06T17:30:00+08:00"), Running, true)],
        ),
        row(
            1046,
            "12315",
            "1500220261124003318",
            "complaint",
            "settled",
            "2026-11-24T14:22:00+08:00",
            "商场购买的羽绒服掉毛严重",
            Some("大良"),
            Some("顺德新一城购物广场某服饰店"),
            Some("daliang-03"),
            None,
            vec![clock("complaint_acceptance", hours(-60), Met, false)],
        ),
        row(
            1053,
            "mayor",
            "SZXX-2026-4471",
            "enquiry",
            "accepted",
            "2026-11-27T16:00:00+08:00",
            "网购手机屏幕有坏点商家拒绝退货",
            Some("伦教"),
            Some("佛山市顺德区伦教讯达通讯器材店"),
            Some("wjk"),
            None,
            vec![clock("complaint_mediation", hours(24 * 40), Running, false)],
        ),
        row(
            1054,
            "letter",
            "LETTER-20261127-1",
            "report",
            "refused",
            "2026-11-27T10:10:00+08:00",
            "超市销售过期牛奶",
            Some("容桂"),
            Some("容桂华润万家超市"),
            None,
            None,
            vec![],
        ),
        row(
            1056,
            "12345",
            "GD20261128-0007",
            "suggestion",
            "returned_to_channel",
            "2026-11-28T08:02:00+08:00",
            "建议商场增设母婴室",
            None,
            None,
            None,
            None,
            vec![clock("hotline_return", hours(1), DueSoon, false)],
        ),
    ]
}

pub fn window(rows: Vec<TicketSummary>) -> Window {
    Window { seq: 9, total: rows.len(), offset: 0, rows, highlights: vec![], anchor_at: None }
}

/// The search `卡` as the server answers it: the rows whose title has it, the character marked.
pub fn search_window() -> Window {
    let rows: Vec<TicketSummary> = queue_rows().into_iter().filter(|r| r.title.contains('卡')).collect();
    let highlights = rows
        .iter()
        .map(|r| Highlight {
            field: Some(Field::Title),
            chars: vec![r.title.chars().position(|c| c == '卡').unwrap()],
        })
        .collect();
    Window { highlights, ..window(rows) }
}

/// The search `退费`: one row, the two characters matched.
pub fn title_search_window() -> Window {
    let rows: Vec<TicketSummary> = queue_rows().into_iter().filter(|r| r.id == 1041).collect();
    Window { highlights: vec![Highlight { field: Some(Field::Title), chars: vec![6, 7] }], ..window(rows) }
}

/// The overdue list: every ticket overdue or due soon, by time left.
pub fn overdue_rows() -> Vec<TicketSummary> {
    queue_rows()
        .into_iter()
        .filter(|r| r.is_overdue() || r.is_due_soon())
        .chain(std::iter::once(row(
            1021,
            "8180",
            "8180-20261116-0090",
            "complaint",
            "contacted",
            "2026-11-16T10:00:00+08:00",
            "驾校培训费退费纠纷",
            Some("乐从"),
            Some("佛山市顺德区通达驾驶培训有限公司"),
            Some("lecong"),
            None,
            vec![clock("first_contact", hours(-30), ClockState::Overdue, false)],
        )))
        .chain(std::iter::once(row(
            1058,
            "12345",
            "GD20261126-0044",
            "complaint",
            "signed",
            "2026-11-26T14:10:00+08:00",
            "培训机构收费后停课",
            Some("乐从"),
            Some("乐从镇启明教育咨询中心"),
            Some("lecong"),
            None,
            vec![clock("hotline_reply", hours(5), ClockState::DueSoon, false)],
        )))
        .collect()
}

/// The overdue list as the server orders it: nearest deadline first.
pub fn overdue_by_time_left() -> Vec<TicketSummary> {
    let mut rows = overdue_rows();
    rows.sort_by_key(|r| r.most_urgent().map(|c| c.due_at.millis()));
    rows
}

/// The same list ordered by unit, as the server answers `group_by_unit`.
pub fn grouped_rows() -> Vec<TicketSummary> {
    let mut rows = overdue_rows();
    rows.sort_by_key(|r| (r.unit.clone().unwrap_or_else(|| "\u{10FFFF}".into()), r.id));
    rows
}

pub fn counts() -> Counts {
    let mut by_channel: std::collections::BTreeMap<String, usize> =
        rightsdesk::config::load(None).unwrap().channels.all().map(|c| (c.id.clone(), 0)).collect();
    for (c, n) in [("12345", 3), ("12315", 2), ("wechat", 1), ("station", 1), ("walkin", 1), ("mayor", 1)] {
        by_channel.insert(c.into(), n);
    }
    by_channel.insert("letter".into(), 1);
    Counts { seq: 9, views: vec![10, 2, 3, 5, 1, 0, 0, 0, 2, 1, 3], by_channel, quarantined: 2 }
}

/// Sync health: 12345 fine, 12315 lagging, the WeChat channel failing with its circuit open.
pub fn health() -> Vec<ChannelHealth> {
    let mut ok = ChannelHealth::new("12345");
    ok.last_success = Some(now().plus_seconds(-40));
    ok.caught_up_at = ok.last_success;
    ok.caught_up = true;
    ok.registered = 128;
    let mut lag = ChannelHealth::new("12315");
    lag.last_success = Some(now().plus_seconds(-25 * 60));
    lag.caught_up_at = Some(now().plus_seconds(-25 * 60));
    lag.registered = 64;
    let mut bad = ChannelHealth::new("wechat");
    bad.last_success = Some(at("2026-11-28T07:15:00+08:00"));
    bad.last_error = Some("连接超时（10秒）：http://127.0.0.1:7800/wechat".into());
    bad.failures = 7;
    bad.circuit = Circuit::Open;
    bad.registered = 12;
    vec![ok, lag, bad]
}

/// The detail of ticket 1041 as the server sends it, personal data masked.
pub fn detail_1041(revealed: bool) -> TicketDetail {
    let config = rightsdesk::config::load(None).unwrap();
    let summary = queue_rows().into_iter().find(|r| r.id == 1041).unwrap();
    let basis = |rule: &str| ClockBasis {
        rule: rule.into(),
        name: config.sla.clock_name(rule),
        basis: config.sla.rule(rule).map(|r| r.basis.clone()).unwrap_or_default(),
    };
    let entry = |seq: u64, t: &str, actor: &str, action: &str, detail: &str, after: &str| TimelineEntry {
        seq,
        at: at(t),
        actor: actor.into(),
        action: action.into(),
        detail: detail.into(),
        before: None,
        after: after.into(),
    };
    let (name, phone) = if revealed { ("霍秀英", "18022340868") } else { ("霍**", "180****0868") };
    TicketDetail {
        summary: TicketSummary { category: Some("预付式消费".into()), ..summary },
        order_no: None,
        region_code: Some("440606".into()),
        caller_number: Some(phone.into()),
        complainant: PersonView {
            name: Some(name.into()),
            phone: Some(phone.into()),
            address: Some(if revealed { "容桂街道容奇大道中38号" } else { "容桂街道容奇大道****" }.into()),
            id_verified: false,
            proxy: false,
        },
        respondent: Respondent {
            name: Some("佛山市顺德区力健健身有限公司".into()),
            credit_code: Some("91440606MA4UJ8KX2P".into()),
            address: Some("容桂街道桂洲大道中15号".into()),
            premises: Some("容桂悦城购物中心3楼B12".into()),
            ..Respondent::default()
        },
        dispute: Dispute {
            title: "健身房预付卡退费难".into(),
            request: Some("退还剩余课时费3600元".into()),
            facts: Some(
                "2026年5月办理年卡并购买私教课30节，健身房9月起停业装修，至今未重开，多次要求退费未果。"
                    .into(),
            ),
            amount: Some(Fen(360_000)),
            category: Some("预付式消费".into()),
            dispute_type: Some("合同".into()),
            ..Dispute::default()
        },
        workflow: Workflow { unit: Some("ronggui".into()), owner: Some(ME.into()), ..Workflow::default() },
        notes: vec![Note {
            at: at("2026-11-21T10:15:00+08:00"),
            actor: ME.into(),
            text: "投诉人来电催问，已告知正在处理".into(),
        }],
        attachments: vec![Attachment {
            name: "付款凭证.jpg".into(), uri: "gd://GD20261120-0031/1".into()
        }],
        created_at: at("2026-11-20T09:13:00+08:00"),
        updated_at: at("2026-11-21T10:15:00+08:00"),
        timeline: vec![
            entry(
                1,
                "2026-11-20T09:13:00+08:00",
                "sync:12345",
                "registered",
                "由12345热线派来",
                "registered",
            ),
            entry(2, "2026-11-20T09:40:00+08:00", ME, "triaged", "投诉；预付式消费；合同", "triaged"),
            entry(
                3,
                "2026-11-20T09:41:00+08:00",
                ME,
                "dispatched",
                "派往 容桂分局（短信已发）",
                "dispatched",
            ),
            entry(
                4,
                "2026-11-21T10:15:00+08:00",
                ME,
                "noted",
                "投诉人来电催问，已告知正在处理",
                "dispatched",
            ),
        ],
        actions: ["sign", "recall", "redispatch", "refuse", "suspend", "extend", "note", "remind"]
            .map(String::from)
            .to_vec(),
        bases: vec![basis("complaint_acceptance")],
        undelivered: vec![rightsdesk::store::outbox::OutboxEntry {
            id: 88,
            effect: rightsdesk::domain::effect::Effect {
                kind: rightsdesk::domain::effect::EffectKind::Sms,
                key: "sms:dispatch:5120".into(),
                ticket: rightsdesk::domain::ticket::TicketId(1041),
                channel: "12345".into(),
                channel_ticket_id: "SD2026112600123".into(),
                to: Some("0757-22312345".into()),
                text: "【顺德区市场监管局】请签收工单1041".into(),
                amount_recovered: None,
                at: at("2026-11-26 15:02"),
            },
            state: rightsdesk::store::outbox::DeliveryState::Waiting,
            attempts: 0,
            next_at: at("2026-11-26 15:02"),
            last_error: Some("no SMS gateway configured (sms.toml)".into()),
            delivered_at: None,
        }],
    }
}

/// `detail` reopened: waiting for triage again, with what that state offers.
pub fn reopened(mut detail: TicketDetail) -> TicketDetail {
    detail.summary.status = "reopened".into();
    detail.actions =
        ["triage", "dispatch", "refuse", "split", "merge", "suspend", "note"].map(String::from).to_vec();
    detail
}

/// The preview of a row: its summary, the rest as ticket 1041's.
pub fn preview_of(row: &TicketSummary) -> TicketDetail {
    let mut d = detail_1041(false);
    if row.id != 1041 {
        d.dispute.title = row.title.clone();
        d.summary = row.clone();
    }
    d
}

pub fn suggestions() -> Vec<Suggestion> {
    vec![
        Suggestion {
            unit: "ronggui-01".into(),
            name: "容桂悦城购物中心消费维权服务站".into(),
            kind: UnitKind::Station,
            score: 90,
            reasons: vec![Reason::Venue { venue: "容桂悦城购物中心".into() }, Reason::Load { open: 6 }],
        },
        Suggestion {
            unit: "ronggui".into(),
            name: "容桂分局".into(),
            kind: UnitKind::Branch,
            score: 70,
            reasons: vec![
                Reason::Town { town: "容桂".into() },
                Reason::History { tickets: 3 },
                Reason::Load { open: 41 },
            ],
        },
        Suggestion {
            unit: "xbk".into(),
            name: "消费者权益保护科".into(),
            kind: UnitKind::Section,
            score: 40,
            reasons: vec![Reason::Handles { what: "预付式消费".into() }],
        },
    ]
}

pub fn duplicates() -> Vec<Duplicate> {
    let mut a = queue_rows().into_iter().find(|r| r.id == 1041).unwrap();
    a.id = 987;
    a.channel = "12315".into();
    a.status = "accepted".into();
    a.title = "力健健身预付卡无法退费".into();
    let mut b = a.clone();
    b.id = 1012;
    b.channel = "walkin".into();
    b.status = "closed".into();
    b.title = "健身房停业后拒绝退还会员费".into();
    vec![
        Duplicate { summary: a, reasons: vec!["same_respondent".into(), "similar_title".into()] },
        Duplicate { summary: b, reasons: vec!["same_phone".into()] },
    ]
}

/// The console as the binary starts it, in `lang` and colour `mode`, for a `w`×`h` terminal.
pub fn bare_app(lang: Lang, mode: ColorMode, w: u16, h: u16) -> App {
    let config = Arc::new(rightsdesk::config::load(None).expect("the shipped config loads"));
    let (keymap, theme, _env_lang, views) =
        rightsdesk::tui::setup(None, mode).expect("the shipped setup loads");
    let mut app = App::new(config, keymap, theme, lang, ME.into(), views, now());
    app.server = "serve pid 4242".into();
    resize(&mut app, w, h);
    let _ = app.start();
    app
}

/// What the event loop does on a resize.
pub fn resize(app: &mut App, w: u16, h: u16) {
    ui::fit(app, Rect::new(0, 0, w, h));
}

/// The queue with its rows, counts, channel health and the first row's preview.
pub fn queue_app_in(lang: Lang, mode: ColorMode, w: u16, h: u16) -> App {
    let mut app = bare_app(lang, mode, w, h);
    app.on_reply(Reply::Window {
        list: ListId::Queue,
        view: app.list().spec.clone(),
        window: window(queue_rows()),
    });
    app.on_reply(Reply::Counts(counts()));
    for h in health() {
        app.on_reply(Reply::Notice(Notice::Health(h)));
    }
    feed_preview(&mut app);
    app
}

pub fn queue_app(lang: Lang, w: u16, h: u16) -> App {
    queue_app_in(lang, ColorMode::TrueColor, w, h)
}

/// Answers the preview the console asked for (the selected ticket's).
pub fn feed_preview(app: &mut App) {
    if let Some(row) = app.list().current().cloned() {
        app.on_reply(Reply::Preview(Some(Box::new(preview_of(&row)))));
    }
    let _ = app.take_effects();
}

pub fn press(app: &mut App, code: KeyCode) {
    app.on_key(KeyEvent::new(code, KeyModifiers::NONE));
}

pub fn ch(app: &mut App, c: char) {
    press(app, KeyCode::Char(c));
}

pub fn ctrl(app: &mut App, c: char) {
    app.on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
}

pub fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        ch(app, c);
    }
}

pub fn select(app: &mut App, id: u64) {
    while app.list().selected != Some(TicketId(id)) {
        let before = app.list().cursor;
        press(app, KeyCode::Down);
        assert_ne!(before, app.list().cursor, "ticket {id} is not in the list");
    }
    feed_preview(app);
}

/// Two items a channel sent that could not be read.
pub fn quarantine() -> Vec<rightsdesk::store::outbox::QuarantineEntry> {
    use rightsdesk::store::outbox::{QuarantineEntry, QuarantineState};
    vec![
        QuarantineEntry {
            id: 7,
            channel: "12345".into(),
            at: at("2026-11-28T08:12:00+08:00"),
            reason: "字段 slsj（受理时间）无法解析：\"2026-13-01 25:00\"".into(),
            raw: "{}".into(),
            state: QuarantineState::Held,
        },
        QuarantineEntry {
            id: 9,
            channel: "wechat".into(),
            at: at("2026-11-28T09:40:00+08:00"),
            reason: "missing field `title`\nat line 1".into(),
            raw: "{}".into(),
            state: QuarantineState::Held,
        },
    ]
}
