//! Every page of `rightsdesk wall` drawn into ratatui's `TestBackend` at 80×24, 120×40 and
//! 200×60 from a fixed month of Chinese statistics and live counts, at a fixed "now", kept as
//! reviewed insta snapshots (lines end in `|`; the cell under a wide character is left out).

#[allow(dead_code)]
#[path = "console_fixture/screen.rs"]
mod screen;
#[path = "console_fixture/statistics.rs"]
mod statistics_fixture;

use chrono::NaiveDate;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Color;
use rightsdesk::domain::ticket::TicketId;
use rightsdesk::engine::window::Counts;
use rightsdesk::stats::figures::{Breakdown, DayCount};
use rightsdesk::stats::warnings::{Subject, Warning};
use rightsdesk::stats::{Dimension, Kpis, Period, Scope, Statistics};
use rightsdesk::time::Timestamp;
use rightsdesk::tui::i18n::Lang;
use rightsdesk::tui::wall::pages::{self, Page, Wall};
use statistics_fixture::{hot_words, merchant, rows};

const SIZES: [(u16, u16); 3] = [(80, 24), (120, 40), (200, 60)];

/// Wednesday 2026-05-06 10:30 China time.
fn now() -> Timestamp {
    Timestamp::parse("2026-05-06T10:30:00+08:00").expect("a time")
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 5, d).expect("a date")
}

/// May 2026 so far: the holiday (1–5 May) and today's morning.
fn statistics() -> Statistics {
    let period = Period::new(day(1), day(6)).expect("a period");
    let by_day = [41, 18, 15, 22, 37, 12].iter().enumerate();
    let by_day = by_day.map(|(i, n)| DayCount { date: day(i as u32 + 1), count: *n }).collect();
    let warning = |subject, key: &str, count, expected, ids: &[u64]| Warning {
        subject,
        key: key.into(),
        count,
        expected,
        p_value: 0.0004,
        from: day(4),
        to: day(6),
        ids: ids.iter().map(|i| TicketId(*i)).collect(),
    };
    Statistics {
        period,
        previous_period: period.previous(),
        scope: Scope::default(),
        as_of: now(),
        total: 145,
        previous_total: 118,
        by_day,
        breakdowns: vec![
            Breakdown {
                dimension: Dimension::Channel,
                rows: rows(&[
                    ("12345", 58, 47),
                    ("12315", 44, 40),
                    ("wechat", 21, 12),
                    ("walkin", 14, 11),
                    ("mayor", 8, 8),
                ]),
            },
            Breakdown {
                dimension: Dimension::Town,
                rows: rows(&[
                    ("大良街道", 39, 30),
                    ("容桂街道", 31, 28),
                    ("伦教街道", 22, 25),
                    ("北滘镇", 19, 9),
                    ("乐从镇", 17, 14),
                    ("陈村镇", 9, 6),
                    ("均安镇", 8, 6),
                ]),
            },
            Breakdown {
                dimension: Dimension::BusinessDistrict,
                rows: rows(&[
                    ("大良清晖商圈", 27, 15),
                    ("容桂天佑城商圈", 18, 19),
                    ("乐从家具城", 14, 10),
                    ("北滘新城商圈", 11, 4),
                ]),
            },
        ],
        kpis: Kpis::default(),
        previous_kpis: Kpis::default(),
        hot_words: hot_words(&[
            ("预付卡", 23, 11),
            ("退费", 19, 17),
            ("健身", 14, 6),
            ("七天无理由", 11, 12),
            ("短斤缺两", 8, 3),
            ("质量问题", 7, 7),
            ("外卖", 6, 2),
            ("装修", 5, 6),
        ]),
        merchants_at_risk: vec![
            merchant("91440606MA4UH1234X", "顺德区力健健身有限公司", 9, 2, 7.4),
            merchant("91440606MA51K5678Y", "佛山市顺德区美家装饰工程有限公司", 6, 5, 4.1),
            merchant("92440606MA4W9012Z", "大良清晖路小蔡水果店", 4, 0, 3.2),
        ],
        pledge_candidates: vec![],
        warnings: vec![
            warning(Subject::Word, "预付卡", 12, 2.5, &[1201, 1214, 1233]),
            warning(Subject::Merchant, "顺德区力健健身有限公司", 7, 0.8, &[1201, 1214]),
            warning(Subject::BusinessDistrict, "大良清晖商圈", 15, 5.1, &[1190]),
        ],
    }
}

fn counts() -> Counts {
    let by_channel =
        [("12345", 63), ("12315", 41), ("wechat", 17), ("walkin", 9), ("mayor", 6), ("letter", 2)];
    Counts {
        seq: 5120,
        views: vec![138, 7],
        by_channel: by_channel.iter().map(|(c, n)| ((*c).to_string(), *n)).collect(),
        quarantined: 0,
    }
}

fn wall_on(page: Page, lang: Lang) -> Wall {
    let mut wall = Wall::new(lang, now());
    wall.counts = Some(counts());
    wall.stats = Some(statistics());
    wall.page = Page::ALL.iter().position(|p| *p == page).expect("a page");
    wall
}

fn screen(wall: &Wall, w: u16, h: u16) -> String {
    let mut term = Terminal::new(TestBackend::new(w, h)).expect("a test terminal");
    let frame = term.draw(|f| pages::draw(f, wall)).expect("drawn");
    screen::nothing_under_wide_characters(frame.buffer);
    screen::text_of(term.backend().buffer())
}

fn shots(name: &str, page: Page) {
    for (w, h) in SIZES {
        let text = screen(&wall_on(page, Lang::Zh), w, h);
        insta::assert_snapshot!(format!("wall_{name}_{w}x{h}"), text);
    }
}

#[test]
fn the_live_page_shows_open_overdue_and_today_in_big_figures_and_the_channels() {
    shots("live", Page::Live);
}

#[test]
fn the_trend_page_shows_tickets_a_day_and_the_hot_words_with_their_change() {
    shots("trend", Page::Trend);
}

#[test]
fn the_alerts_page_shows_the_warnings_and_the_merchants_at_risk() {
    shots("alerts", Page::Alerts);
}

#[test]
fn the_places_page_ranks_towns_and_business_districts() {
    shots("places", Page::Places);
}

#[test]
fn the_live_page_in_english_at_the_smallest_size() {
    let text = screen(&wall_on(Page::Live, Lang::En), 80, 24);
    insta::assert_snapshot!("wall_live_80x24_en", text);
}

#[test]
fn before_the_first_answer_every_page_says_it_is_loading() {
    let mut wall = Wall::new(Lang::Zh, now());
    for _ in Page::ALL {
        let text = screen(&wall, 80, 24);
        assert!(text.contains("正在读取"), "{text}");
        wall.next_page();
    }
}

#[test]
fn the_pages_turn_in_order_and_come_back_to_the_first() {
    let mut wall = Wall::new(Lang::Zh, now());
    let seen: Vec<Page> = (0..5)
        .map(|_| {
            let p = wall.page();
            wall.next_page();
            p
        })
        .collect();
    assert_eq!(seen, [Page::Live, Page::Trend, Page::Alerts, Page::Places, Page::Live]);
}

#[test]
fn a_terminal_too_small_gets_a_message_not_a_broken_page() {
    let text = screen(&wall_on(Page::Live, Lang::Zh), 50, 12);
    assert!(text.contains("终端太小 50x12 < 60x16"), "{text}");
}

#[test]
fn under_no_color_every_page_keeps_its_text_and_drops_its_colours() {
    for page in Page::ALL {
        let mut wall = wall_on(page, Lang::Zh);
        wall.colour = false;
        let mut term = Terminal::new(TestBackend::new(120, 40)).expect("a test terminal");
        term.draw(|f| pages::draw(f, &wall)).expect("drawn");
        let buffer = term.backend().buffer();
        let coloured = buffer.content.iter().filter(|c| c.fg != Color::Reset || c.bg != Color::Reset).count();
        assert_eq!(coloured, 0, "{page:?}");
        let mut with_colour = Terminal::new(TestBackend::new(120, 40)).expect("a test terminal");
        with_colour.draw(|f| pages::draw(f, &wall_on(page, Lang::Zh))).expect("drawn");
        let drawn = with_colour.backend().buffer();
        assert!(drawn.content.iter().any(|c| c.fg != Color::Reset), "{page:?} has colours otherwise");
        assert_eq!(screen::text_of(buffer), screen::text_of(drawn));
    }
}
