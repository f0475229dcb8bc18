//! Colour rules checked on the cells: the due cell of an overdue, due-soon or provisional row, the
//! selected row, search matches, and a terminal without colour (NO_COLOR).

use super::console_fixture::*;
use crossterm::event::KeyCode;
use ratatui::buffer::{Buffer, Cell};
use ratatui::style::{Color, Modifier};
use rightsdesk::tui::app::App;
use rightsdesk::tui::i18n::Lang;
use rightsdesk::tui::link::{ListId, Reply};
use rightsdesk::tui::theme::ColorMode;

const W: u16 = 120;
const H: u16 = 40;

fn buffer_of(app: &App) -> Buffer {
    draw(app, W, H).backend().buffer().clone()
}

/// The cell of the due column in the row that shows `title`.
fn due_cell<'b>(b: &'b Buffer, lang: Lang, title: &str) -> &'b Cell {
    let header = if lang == Lang::Zh { "时限" } else { "Due" };
    let (x, header_y) = find(b, header).expect("the table has a due column");
    let (from, to) = table_span(b, header_y);
    let (_, y) = find_in(b, title, from, to).unwrap_or_else(|| panic!("{title} is in the table"));
    &b[(x, y)]
}

#[test]
fn an_overdue_row_is_drawn_in_the_overdue_colour() {
    let app = queue_app(Lang::Zh, W, H);
    let b = buffer_of(&app);
    let overdue = app.theme.style("overdue");
    // 1037 is overdue by 6 hours and not selected.
    let cell = due_cell(&b, Lang::Zh, "空调安装后漏水拒不处理");
    assert_eq!(cell.symbol(), "-");
    assert_eq!(Some(cell.fg), overdue.fg);
    assert!(cell.modifier.contains(Modifier::BOLD));
}

#[test]
fn a_due_soon_row_is_drawn_in_the_due_soon_colour() {
    let app = queue_app(Lang::En, W, H);
    let b = buffer_of(&app);
    let cell = due_cell(&b, Lang::En, "外卖食品变质");
    assert_eq!(cell.symbol(), "3");
    assert_eq!(Some(cell.fg), app.theme.style("due_soon").fg);
    assert_ne!(app.theme.style("due_soon").fg, app.theme.style("overdue").fg);
}

#[test]
fn a_provisional_clock_is_marked_and_drawn_in_the_provisional_style() {
    let app = queue_app(Lang::Zh, W, H);
    let b = buffer_of(&app);
    let provisional = app.theme.style("provisional");
    let cell = due_cell(&b, Lang::Zh, "美容院办卡后闭店跑路");
    assert_eq!(Some(cell.fg), provisional.fg);
    assert!(cell.modifier.contains(Modifier::ITALIC));
    let (from, to) = table_span(&b, find(&b, "时限").unwrap().1);
    let (x, y) = find_in(&b, "美容院办卡后闭店跑路", from, to).unwrap();
    let before_title = row_text(&b, y, from, x);
    assert!(before_title.contains("39天?"), "the provisional due time is marked: {before_title:?}");
}

/// The table's inner columns (inside its border) on row `y`.
fn table_span(b: &Buffer, y: u16) -> (u16, u16) {
    let cells = cells_of_row(b, y);
    let borders: Vec<u16> = cells.iter().filter(|(_, s)| s == "│").map(|(x, _)| *x).collect();
    // Sidebar │ │, table │ │, preview │ │: the table is inside the 3rd and 4th vertical lines.
    (borders[2] + 1, borders[3])
}

#[test]
fn the_selected_row_is_drawn_in_the_selected_style_and_follows_the_cursor() {
    let mut app = queue_app(Lang::Zh, W, H);
    let selected = app.theme.style("selected");
    for title in ["健身房预付卡退费难", "空调安装后漏水拒不处理"] {
        let b = buffer_of(&app);
        let (from, to) = table_span(&b, find(&b, "时限").unwrap().1);
        let (_, y) = find_in(&b, title, from, to).unwrap();
        // Every cell shown (a wide character's second cell is not: it takes the first's style).
        for (x, _) in cells_of_row(&b, y).into_iter().filter(|(x, _)| (from..to).contains(x)) {
            assert_eq!(Some(b[(x, y)].bg), selected.bg, "{title}: column {x}");
        }
        // The row above is not selected.
        assert_ne!(Some(b[(from + 20, y - 1)].bg), selected.bg);
        press(&mut app, KeyCode::Down);
        feed_preview(&mut app);
    }
}

#[test]
fn search_matches_are_drawn_in_the_match_style() {
    let mut app = queue_app(Lang::Zh, W, H);
    ch(&mut app, '/');
    type_text(&mut app, "卡");
    app.on_reply(Reply::Window {
        list: ListId::Queue,
        view: app.list().spec.clone(),
        window: search_window(),
    });
    let b = buffer_of(&app);
    let m = app.theme.style("match");
    // 美容院办卡后闭店跑路: not the selected row.
    let (from, to) = table_span(&b, find(&b, "时限").unwrap().1);
    let (x, y) = find_in(&b, "办卡", from, to).expect("the second match is on screen");
    let x = x + 2;
    assert_eq!(Some(b[(x, y)].fg), m.fg);
    assert!(b[(x, y)].modifier.contains(Modifier::UNDERLINED));
    for other in [x - 2, x + 2] {
        assert_ne!(Some(b[(other, y)].fg), m.fg, "only the match is marked (column {other})");
    }
}

#[test]
fn without_colour_no_cell_is_coloured_but_the_selection_is_reversed() {
    let mut app = queue_app_in(Lang::Zh, ColorMode::None, W, H);
    app.on_reply(Reply::Connected(false));
    let b = buffer_of(&app);
    for c in b.content.iter() {
        assert_eq!((c.fg, c.bg), (Color::Reset, Color::Reset), "{:?}", c.symbol());
    }
    let (from, to) = table_span(&b, find(&b, "时限").unwrap().1);
    let (_, y) = find_in(&b, "健身房预付卡退费难", from, to).unwrap();
    for (x, _) in cells_of_row(&b, y).into_iter().filter(|(x, _)| (from..to).contains(x)) {
        assert!(b[(x, y)].modifier.contains(Modifier::REVERSED), "column {x}");
    }
    let (_, y2) = find_in(&b, "空调安装后漏水拒不处理", from, to).unwrap();
    assert!(!b[(from + 20, y2)].modifier.contains(Modifier::REVERSED));
    let overdue = due_cell(&b, Lang::Zh, "空调安装后漏水拒不处理");
    assert!(overdue.modifier.contains(Modifier::BOLD), "overdue stays bold without colour");
}
