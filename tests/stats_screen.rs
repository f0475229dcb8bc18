//! The console's statistics screen: drawn into ratatui's `TestBackend` at 80×24, 120×40 and
//! 200×60, in Chinese and English, from a fixed month of Chinese figures at a fixed "now", kept
//! as reviewed insta snapshots; its keys (period, sections, drill-down and back); against a real
//! engine, the tickets a figure opens (`stats_screen/drill_engine.rs`); last, the real binary in
//! a pseudo-terminal opens the screen and drills down.

mod console_fixture;
#[allow(dead_code)]
mod console_pty;
#[path = "stats_screen/drill_engine.rs"]
mod drill_engine;
#[path = "console_fixture/statistics.rs"]
mod statistics_fixture;

use chrono::NaiveDate;
use console_fixture::*;
use crossterm::event::KeyCode;
use rightsdesk::domain::role::{Person, Role};
use rightsdesk::engine::stats::{StatsDrill, StatsQuery};
use rightsdesk::engine::window::{Scope as ViewScope, WindowQuery};
use rightsdesk::stats::figures::{Breakdown, DayCount, KeyCount};
use rightsdesk::stats::{Dimension, KpiPart, Kpis, Period, Ratio, Scope, Selector, Statistics};
use rightsdesk::tui::action::Action;
use rightsdesk::tui::app::{App, Effect, Screen};
use rightsdesk::tui::i18n::Lang;
use rightsdesk::tui::link::{Ask, ListId, Reply};
use rightsdesk::tui::stats::PeriodChoice;
use statistics_fixture::{hot_words, merchant, rows};

const SIZES: [(u16, u16); 3] = [(80, 24), (120, 40), (200, 60)];

fn lang_code(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "zh",
        Lang::En => "en",
    }
}

fn nov(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).expect("a date")
}

fn ratio(numerator: u64, denominator: u64) -> Ratio {
    Ratio { numerator, denominator }
}

/// November 2026 to the fixture's "now" (Saturday the 28th), against 4–31 October.
fn november() -> Statistics {
    let period = Period::new(nov(1), nov(28)).expect("a period");
    let daily = [
        9, 4, 14, 12, 11, 13, 6, 5, 15, 12, 10, 14, 11, 5, 4, 16, 13, 12, 11, 14, 6, 3, 15, 12, 13, 11, 10, 4,
    ];
    let by_day =
        daily.iter().enumerate().map(|(i, n)| DayCount { date: nov(i as u32 + 1), count: *n }).collect();
    let kpis = Kpis {
        first_check_on_time: ratio(241, 262),
        resolved_on_time: ratio(176, 198),
        mediation_success: ratio(88, 121),
        amount_recovered_fen: 48_652_000,
        first_contact_minutes: 9_840,
        contacted: 240,
        contacted_in_time: ratio(219, 251),
    };
    let previous_kpis = Kpis {
        first_check_on_time: ratio(230, 259),
        resolved_on_time: ratio(170, 186),
        mediation_success: ratio(80, 117),
        amount_recovered_fen: 39_100_000,
        first_contact_minutes: 11_200,
        contacted: 232,
        contacted_in_time: ratio(196, 240),
    };
    let breakdown = |dimension, items: &[(&str, u64, u64)]| Breakdown { dimension, rows: rows(items) };
    Statistics {
        period,
        previous_period: period.previous(),
        scope: Scope::default(),
        as_of: now(),
        total: 295,
        previous_total: 268,
        by_day,
        breakdowns: vec![
            breakdown(
                Dimension::Channel,
                &[
                    ("12345", 118, 102),
                    ("12315", 87, 80),
                    ("wechat", 41, 37),
                    ("walkin", 28, 30),
                    ("mayor", 21, 19),
                ],
            ),
            breakdown(Dimension::Kind, &[("complaint", 201, 180), ("report", 52, 49), ("enquiry", 42, 39)]),
            breakdown(
                Dimension::Category,
                &[("预付式消费", 64, 41), ("餐饮服务", 38, 40), ("家用电器", 27, 22), ("装修建材", 19, 23)],
            ),
            Breakdown {
                dimension: Dimension::DisputeType,
                rows: vec![
                    KeyCount { key: Some("合同".into()), count: 97, previous: 81 },
                    KeyCount { key: Some("质量".into()), count: 63, previous: 66 },
                    KeyCount { key: Some("售后服务".into()), count: 41, previous: 40 },
                    KeyCount { key: None, count: 94, previous: 81 },
                ],
            },
            breakdown(
                Dimension::Town,
                &[
                    ("大良街道", 79, 70),
                    ("容桂街道", 61, 58),
                    ("伦教街道", 42, 45),
                    ("北滘镇", 39, 29),
                    ("乐从镇", 37, 34),
                    ("陈村镇", 19, 16),
                    ("均安镇", 18, 16),
                ],
            ),
            breakdown(
                Dimension::BusinessDistrict,
                &[
                    ("大良清晖商圈", 37, 25),
                    ("容桂天佑城商圈", 28, 29),
                    ("乐从家具城", 24, 20),
                    ("北滘新城商圈", 21, 9),
                ],
            ),
            breakdown(Dimension::Industry, &[("体育健身", 31, 12), ("餐饮", 29, 30), ("家居建材", 26, 25)]),
        ],
        kpis,
        previous_kpis,
        hot_words: hot_words(&[
            ("预付卡", 43, 21),
            ("退费", 39, 37),
            ("健身", 24, 9),
            ("七天无理由", 21, 22),
            ("短斤缺两", 8, 3),
        ]),
        merchants_at_risk: vec![
            merchant("91440606MA4UH1234X", "顺德区力健健身有限公司", 9, 2, 7.4),
            merchant("91440606MA51K5678Y", "佛山市顺德区美家装饰工程有限公司", 6, 5, 4.1),
        ],
        pledge_candidates: vec![],
        warnings: vec![],
    }
}

/// The console on the statistics screen with November's figures answered.
fn stats_app(lang: Lang, w: u16, h: u16) -> App {
    let mut app = queue_app(lang, w, h);
    ch(&mut app, 't');
    assert_eq!(app.screen, Screen::Stats, "t opens the statistics screen");
    let asked = asked_stats(&mut app).expect("the screen asks for its figures");
    app.on_reply(Reply::Stats { query: asked, figures: Ok(Box::new(november())) });
    app
}

fn asked_stats(app: &mut App) -> Option<StatsQuery> {
    app.take_effects().into_iter().find_map(|e| match e {
        Effect::Ask(Ask::Stats(q)) => Some(q),
        _ => None,
    })
}

fn asked_window(app: &mut App) -> Option<WindowQuery> {
    app.take_effects().into_iter().find_map(|e| match e {
        Effect::Ask(Ask::Window { list: ListId::Drill, query }) => Some(query),
        _ => None,
    })
}

fn shots(name: &str, build: impl Fn(&mut App)) {
    for (w, h) in SIZES {
        for lang in [Lang::Zh, Lang::En] {
            let mut app = stats_app(lang, w, h);
            build(&mut app);
            insta::assert_snapshot!(format!("{name}_{w}x{h}_{}", lang_code(lang)), screen(&app, w, h));
        }
    }
}

#[test]
fn the_statistics_screen_shows_the_period_against_the_previous_kpis_trend_and_a_breakdown() {
    shots("stats", |_| {});
}

#[test]
fn tab_moves_between_sections_and_the_cursor_marks_the_figure_enter_would_open() {
    // KPIs → trend → channel → kind → category → dispute type → town; two rows down: 伦教街道.
    shots("stats_town", |app| {
        for _ in 0..6 {
            press(app, KeyCode::Tab);
        }
        press(app, KeyCode::Down);
        press(app, KeyCode::Down);
    });
}

#[test]
fn while_the_figures_are_computed_the_screen_says_so_and_never_waits() {
    let (w, h) = (80, 24);
    for lang in [Lang::Zh, Lang::En] {
        let mut app = queue_app(lang, w, h);
        ch(&mut app, 't');
        insta::assert_snapshot!(format!("stats_computing_{w}x{h}_{}", lang_code(lang)), screen(&app, w, h));
    }
}

#[test]
fn a_period_key_asks_today_then_this_week_then_this_month_each_against_the_one_before() {
    let mut app = stats_app(Lang::Zh, 120, 40);
    let mut asked = Vec::new();
    for _ in 0..3 {
        ch(&mut app, 'p');
        asked.push(asked_stats(&mut app).and_then(|q| q.period).expect("a period asked"));
    }
    assert_eq!(
        asked,
        vec![
            Period { from: nov(28), to: nov(28) },
            Period { from: nov(23), to: nov(28) },
            Period { from: nov(1), to: nov(28) }
        ]
    );
}

#[test]
fn a_custom_range_is_typed_as_two_dates_and_a_bad_date_is_refused() {
    let mut app = stats_app(Lang::Zh, 120, 40);
    ch(&mut app, 'r');
    for _ in 0..10 {
        press(&mut app, KeyCode::Backspace);
    }
    type_text(&mut app, "2026-10-01");
    press(&mut app, KeyCode::Tab);
    for _ in 0..10 {
        press(&mut app, KeyCode::Backspace);
    }
    type_text(&mut app, "2026-10-3x");
    press(&mut app, KeyCode::Enter);
    assert!(app.popup.is_some(), "a date that is not one keeps the form open");
    insta::assert_snapshot!("stats_range_bad_date_120x40_zh", typing(&app, 120, 40));
    press(&mut app, KeyCode::Backspace);
    type_text(&mut app, "1");
    press(&mut app, KeyCode::Enter);
    let q = asked_stats(&mut app).expect("the range is asked");
    let october = Period {
        from: NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
        to: NaiveDate::from_ymd_opt(2026, 10, 31).unwrap(),
    };
    assert_eq!(q.period, Some(october));
    assert_eq!(app.stats.choice, PeriodChoice::Custom(october));
}

#[test]
fn the_scope_is_picked_from_the_organisation_by_pinyin_and_asked_for_that_unit() {
    let mut app = stats_app(Lang::Zh, 120, 40);
    ch(&mut app, 'f');
    type_text(&mut app, "lunjiao");
    insta::assert_snapshot!("stats_scope_picker_120x40_zh", typing(&app, 120, 40));
    press(&mut app, KeyCode::Enter);
    let q = asked_stats(&mut app).expect("the scope is asked");
    assert!(q.unit.is_some() || q.town.is_some(), "{q:?}");
    let name = match (&q.unit, &q.town) {
        (Some(u), _) => app.config.org.unit(u).map(|u| u.name.clone()).unwrap_or_default(),
        (_, Some(t)) => t.clone(),
        _ => unreachable!(),
    };
    assert!(name.contains("伦教"), "{name}");
}

#[test]
fn enter_on_a_figure_opens_its_tickets_as_a_list_and_esc_comes_back_to_the_same_figure() {
    let mut app = stats_app(Lang::Zh, 120, 40);
    let asked = app.stats.asked.clone().expect("asked");
    // The channel tab, second row: 12315.
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::StatsTickets);
    let q = asked_window(&mut app).expect("the list is asked as a window");
    assert_eq!(
        q.view.drill.as_deref(),
        Some(&StatsDrill {
            query: asked,
            previous: false,
            selector: Selector::Key { dimension: Dimension::Channel, key: Some("12315".into()) },
        })
    );
    assert_eq!(q.view.scope, ViewScope::All, "closed tickets count in a figure too");
    assert!(q.limit < 200, "a window, not the whole list: {}", q.limit);
    let behind: Vec<_> = queue_rows().into_iter().filter(|r| r.channel == "12315").collect();
    app.on_reply(Reply::Window { list: ListId::Drill, view: q.view.clone(), window: window(behind) });
    feed_preview(&mut app);
    insta::assert_snapshot!("stats_drill_120x40_zh", screen(&app, 120, 40));
    // A ticket of the list opens as everywhere, and Esc goes back step by step.
    press(&mut app, KeyCode::Enter);
    assert!(app.detail.is_some());
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen, Screen::StatsTickets);
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen, Screen::Stats);
    assert_eq!((app.stats.section, app.stats.cursors[2]), (2, 1), "the cursor is where it was");
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen, Screen::Queue);
}

#[test]
fn every_kind_of_figure_drills_into_its_own_selector() {
    let mut app = stats_app(Lang::En, 120, 40);
    let mut opened = Vec::new();
    // Section by section: the first row of each.
    for _ in 0..11 {
        app.run(Action::Open);
        opened.push(asked_window(&mut app).and_then(|q| q.view.drill).map(|d| d.selector));
        press(&mut app, KeyCode::Esc);
        app.run(Action::FocusNext);
    }
    let key = |dimension, k: &str| Some(Selector::Key { dimension, key: Some(k.into()) });
    assert_eq!(
        opened,
        vec![
            Some(Selector::Total),
            Some(Selector::Day(nov(1))),
            key(Dimension::Channel, "12345"),
            key(Dimension::Kind, "complaint"),
            key(Dimension::Category, "预付式消费"),
            key(Dimension::DisputeType, "合同"),
            key(Dimension::Town, "大良街道"),
            key(Dimension::BusinessDistrict, "大良清晖商圈"),
            key(Dimension::Industry, "体育健身"),
            Some(Selector::Word("预付卡".into())),
            Some(Selector::Merchant("91440606MA4UH1234X".into())),
        ]
    );
    // A rate opens the tickets it is over.
    app.stats.section = 0;
    app.run(Action::MoveDown);
    app.run(Action::Open);
    let first_check = asked_window(&mut app).and_then(|q| q.view.drill).map(|d| d.selector);
    assert_eq!(first_check, Some(Selector::Kpi(KpiPart::FirstCheckDue)));
}

#[test]
fn a_units_staff_are_not_offered_the_statistics_and_a_refusal_is_shown_not_hidden() {
    let mut app = queue_app(Lang::Zh, 80, 24);
    app.on_reply(Reply::You(Person {
        login: "lb_station".into(),
        name: "伦教分局 值班".into(),
        role: Role::Unit("lunjiao".into()),
        acting_as: None,
    }));
    assert!(!app.offers(Action::Stats));
    ch(&mut app, 't');
    let asked = asked_stats(&mut app).expect("asked all the same: the engine decides");
    let refusal = "the statistics need the role clerk, chief or viewer (you are unit lunjiao)";
    app.on_reply(Reply::Stats { query: asked, figures: Err(refusal.into()) });
    let text = screen(&app, 80, 24);
    assert!(text.contains("the statistics need the role"), "{text}");
}

// ---- the real binary in a pseudo-terminal ----

#[test]
fn in_a_terminal_t_opens_the_statistics_enter_lists_a_figures_tickets_and_esc_comes_back() {
    const NOW: &str = "2026-11-27T10:00:00+08:00";
    let _terminal = console_pty::one_at_a_time();
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let walkins = [
        ("LF-101", "健身房预付卡退费难", "2026-11-20 09:30", "容桂"),
        ("LF-102", "空调安装后漏水拒不处理", "2026-11-25 14:10", "大良"),
        ("LF-103", "美容院办卡后拒绝退款", "2026-11-26 10:00", "乐从"),
    ];
    for (id, title, received, town) in walkins {
        console_pty::register_walkin(&data, NOW, id, title, received, town);
    }
    let _serve = console_pty::Serve::start(&data, NOW, &[]);
    let mut c =
        console_pty::Console::spawn(&["--data", data.to_str().unwrap()], &[("RIGHTSDESK_NOW", NOW)], 120, 40);
    c.wait_for("the queue", 60, |s| s.contains("健身房预付卡退费难"));
    c.send("t");
    let s = c.wait_for("the month's figures", 30, |s| s.contains("统计分析") && s.contains("受理 3"));
    assert!(s.contains("11-01–11-27"), "this month so far:\n{s}");
    // KPIs → trend → channel: the walk-ins are the first row.
    c.send("\t");
    c.send("\t");
    c.wait_for("the channel tab", 10, |s| s.contains("渠道 1/"));
    c.send("\r");
    let s = c.wait_for("the tickets behind 来访", 30, |s| {
        s.contains("统计明细") && walkins.iter().all(|(_, title, _, _)| s.contains(title))
    });
    assert!(s.contains("3 件"), "three tickets:\n{s}");
    assert!(!s.contains("18023450868"), "the phone stays masked:\n{s}");
    c.send("\x1b");
    c.wait_for("back on the figures", 10, |s| s.contains("统计分析") && s.contains("渠道 1/"));
    c.send("q");
    c.wait_for("back on the queue", 10, |s| !s.contains("统计分析") && s.contains("健身房预付卡退费难"));
    c.send("q");
    assert_eq!(c.exit_code(20), 0);
    assert!(c.restored(), "the terminal is left as the shell had it");
}

#[test]
fn the_figure_under_the_cursor_is_drawn_selected_and_bad_news_in_the_warning_colour() {
    let mut app = stats_app(Lang::Zh, 120, 40);
    for _ in 0..6 {
        press(&mut app, KeyCode::Tab);
    }
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down);
    let term = draw(&app, 120, 40);
    let b = term.backend().buffer();
    let selected = app.theme.style("selected").bg;
    let (x, y) = find(b, "伦教街道").expect("the town row");
    assert_eq!(Some(b[(x, y)].bg), selected, "the cursor's row");
    let (x, y) = find(b, "大良街道").expect("another town row");
    assert_ne!(Some(b[(x, y)].bg), selected, "a row without the cursor");
    // The KPIs have no focus now: their first row is not drawn selected.
    let (x, y) = find(b, "受理总量").expect("the total");
    assert_ne!(Some(b[(x, y)].bg), selected);
    // 北滘镇 rose from 29 to 39: more complaints is drawn as a warning.
    let (_, y) = find(b, "北滘镇").expect("北滘镇");
    let x = find_on_row(b, "↑10", y).expect("its change");
    assert_eq!(Some(b[(x, y)].fg), app.theme.style("warn").fg);
    let (_, y) = find(b, "伦教街道").unwrap();
    let x = find_on_row(b, "↓3", y).expect("its change");
    // On the cursor's row the selection colours the whole line; elsewhere a fall is green.
    assert_eq!(Some(b[(x, y)].bg), selected);
    // A fall off the cursor's row: the average time to first contact, 48.3 → 41.0 minutes.
    let (_, y) = find(b, "平均首次联系").expect("the first-contact KPI");
    let x = find_on_row(b, "↓7.3", y).expect("its change");
    assert_eq!(Some(b[(x, y)].fg), app.theme.style("ok").fg);
    // A higher on-time rate is good news; a lower one is not.
    let (_, y) = find(b, "按时初查率").expect("the first-check KPI");
    let x = find_on_row(b, "↑3.2", y).expect("its change");
    assert_eq!(Some(b[(x, y)].fg), app.theme.style("ok").fg);
    let (_, y) = find(b, "按期办结率").expect("the resolution KPI");
    let x = find_on_row(b, "↓2.5", y).expect("its change");
    assert_eq!(Some(b[(x, y)].fg), app.theme.style("warn").fg);
}

/// The column where `needle` starts on row `y`.
fn find_on_row(b: &ratatui::buffer::Buffer, needle: &str, y: u16) -> Option<u16> {
    let cells = cells_of_row(b, y);
    let line: String = cells.iter().map(|(_, s)| s.as_str()).collect();
    let at = line.find(needle)?;
    let mut bytes = 0;
    cells.iter().find_map(|(x, s)| {
        let here = bytes == at;
        bytes += s.len();
        here.then_some(*x)
    })
}

#[test]
fn the_palette_runs_the_statistics_actions_by_name_and_shows_their_keys() {
    let mut app = stats_app(Lang::En, 120, 40);
    ch(&mut app, ':');
    type_text(&mut app, "stats");
    insta::assert_snapshot!("stats_palette_120x40_en", typing(&app, 120, 40));
    let _ = app.take_effects();
    // The second line: stats_period, from this month to today.
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.stats.choice, PeriodChoice::Today);
    let asked = asked_stats(&mut app).and_then(|q| q.period);
    assert_eq!(asked, Some(Period { from: nov(28), to: nov(28) }));
}

#[test]
fn every_shipped_keymap_opens_the_statistics_and_drills_down_on_a_key() {
    use rightsdesk::tui::action::Context;
    use rightsdesk::tui::keymap::Keymap;
    let expect = [("default", "t"), ("vim", "g s"), ("emacs", "C-c t")];
    for (name, key) in expect {
        let map = Keymap::load(name, None).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(map.key_for(Context::List, Action::Stats).as_deref(), Some(key), "{name}");
        assert_eq!(map.key_for(Context::Stats, Action::Open).as_deref(), Some("Enter"), "{name}");
        for a in
            [Action::StatsPeriod, Action::StatsRange, Action::StatsScope, Action::FocusNext, Action::Back]
        {
            assert!(map.key_for(Context::Stats, a).is_some(), "{name}: {a:?}");
        }
    }
}
