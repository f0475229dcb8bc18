//! Column rules of the ticket table with Chinese text: every row lines up under its header, a
//! status is never cut (not by its own length, not because the title fills its column), and
//! nothing spills over a border.

use super::console_fixture::*;
use ratatui::buffer::Buffer;
use rightsdesk::domain::status::Status;
use rightsdesk::engine::view::TicketSummary;
use rightsdesk::tui::app::App;
use rightsdesk::tui::i18n::{Lang, Msg};
use rightsdesk::tui::link::{ListId, Reply};

const SIZES: [(u16, u16); 5] = [(80, 24), (120, 40), (60, 16), (100, 30), (160, 50)];

/// The rows of the ticket table from the row showing `first`: (row, text inside its borders).
fn table_rows(b: &Buffer, first: &str) -> Vec<(u16, String)> {
    let mut out = Vec::new();
    for y in 0..b.area.height {
        let cells = cells_of_row(b, y);
        let borders: Vec<u16> = cells.iter().filter(|(_, s)| s == "│").map(|(x, _)| *x).collect();
        if borders.len() < 4 {
            if out.is_empty() {
                continue;
            }
            break;
        }
        let text = row_text(b, y, borders[2] + 1, borders[3]);
        if out.is_empty() && !text.contains(first) {
            continue;
        }
        if text.trim().is_empty() {
            break;
        }
        out.push((y, text));
    }
    out
}

fn buffer(app: &App, w: u16, h: u16) -> Buffer {
    draw(app, w, h).backend().buffer().clone()
}

/// Where the title and status columns start on this screen.
fn title_and_status(b: &Buffer, lang: Lang) -> (u16, u16) {
    (find(b, Msg::ColTitle.text(lang)).unwrap().0, find(b, Msg::ColStatus.text(lang)).unwrap().0)
}

/// Cells of the title column: up to the column after it (respondent, town or status).
fn title_width(b: &Buffer, lang: Lang) -> usize {
    let (title_x, y) = find(b, Msg::ColTitle.text(lang)).unwrap();
    let next = [Msg::ColRespondent, Msg::ColTown, Msg::ColStatus]
        .iter()
        .filter_map(|m| find_in(b, m.text(lang), title_x + 1, b.area.width).filter(|p| p.1 == y))
        .map(|p| p.0)
        .min()
        .unwrap();
    (next - title_x - 1) as usize
}

fn queue_with(lang: Lang, w: u16, h: u16, rows: Vec<TicketSummary>) -> App {
    let mut app = queue_app(lang, w, h);
    app.on_reply(Reply::Window { list: ListId::Queue, view: app.list().spec.clone(), window: window(rows) });
    feed_preview(&mut app);
    app
}

#[test]
fn wide_characters_never_break_column_alignment() {
    for (w, h) in SIZES {
        for lang in [Lang::Zh, Lang::En] {
            let app = queue_app(lang, w, h);
            let b = buffer(&app, w, h);
            let (title_x, status_x) = title_and_status(&b, lang);
            let rows = table_rows(&b, "健身房");
            assert_eq!(rows.len(), queue_rows().len().min(app.list().height), "{w}×{h}: every row that fits");
            for (y, _) in rows {
                let starts: Vec<u16> = cells_of_row(&b, y).iter().map(|(x, _)| *x).collect();
                // A column starts on a cell of its own after a blank one: no wide character
                // straddles its edge, and no row is pushed right.
                for x in [title_x, status_x] {
                    assert!(
                        starts.contains(&x),
                        "{w}×{h} {lang:?} row {y}: a wide character covers column {x}"
                    );
                    assert_eq!(
                        b[(x - 1, y)].symbol(),
                        " ",
                        "{w}×{h} {lang:?} row {y}: nothing before column {x}"
                    );
                }
            }
        }
    }
}

/// A title of exactly `cells` cells: Chinese, with a digit in front when `cells` is odd.
fn title_of_width(cells: usize) -> String {
    let han: String = "投诉人反映商家销售的产品存在严重质量问题要求退货退款并赔偿损失商家至今拒不处理"
        .chars()
        .take(cells / 2)
        .collect();
    if cells % 2 == 1 { format!("3{han}") } else { han }
}

#[test]
fn a_status_is_shown_whole_even_when_the_title_fills_its_column() {
    for (w, h) in SIZES {
        for lang in [Lang::Zh, Lang::En] {
            let b = buffer(&queue_app(lang, w, h), w, h);
            let (title_x, status_x) = title_and_status(&b, lang);
            let title_w = title_width(&b, lang);
            let mut rows = Vec::new();
            for (i, (cells, status)) in [
                (title_w, "settled"),
                (title_w - 1, "mediation_ended"),
                (title_w + 1, "refused"),
                (title_w + 2, "returned_to_channel"),
            ]
            .into_iter()
            .enumerate()
            {
                let mut r = queue_rows()[i].clone();
                r.title = title_of_width(cells);
                r.status = status.into();
                rows.push(r);
            }
            let b = buffer(&queue_with(lang, w, h, rows.clone()), w, h);
            let first: String = rows[0].title.chars().take(3).collect();
            let shown = table_rows(&b, &first);
            assert_eq!(shown.len(), 4);
            for ((y, line), r) in shown.iter().zip(&rows) {
                let status_cell = row_text(&b, *y, status_x, status_x + 10);
                assert!(!status_cell.contains('…'), "{w}×{h} {lang:?}: status cut: {line:?}");
                let title = row_text(&b, *y, title_x, title_x + title_w as u16);
                if unicode_width::UnicodeWidthStr::width(r.title.as_str()) <= title_w {
                    assert_eq!(title.trim_end(), r.title, "{w}×{h}: a title that fits is shown whole");
                } else {
                    assert!(title.trim_end().ends_with('…'), "{w}×{h}: a cut title says so: {title:?}");
                }
            }
        }
    }
}

#[test]
fn every_status_and_kind_fits_its_column_in_both_languages() {
    let codes: Vec<&str> = Status::ALL.iter().map(|s| s.code()).collect();
    let kinds = ["complaint", "report", "enquiry", "suggestion"];
    let rows: Vec<TicketSummary> = codes
        .iter()
        .enumerate()
        .map(|(i, code)| {
            let mut r = queue_rows()[i % 10].clone();
            r.id = 2000 + i as u64;
            r.status = code.to_string();
            r.kind = kinds[i % 4].into();
            r.channel = ["12315-odr", "mayor", "upper", "dept", "miniapp", "station"][i % 6].into();
            r
        })
        .collect();
    // 210 columns: the full table, with its kind column.
    for (w, h) in [(80, 40), (210, 40)] {
        for lang in [Lang::Zh, Lang::En] {
            let b = buffer(&queue_with(lang, w, h, rows.clone()), w, h);
            let (title_x, status_x) = title_and_status(&b, lang);
            let (due_x, _) = find(&b, Msg::ColDue.text(lang)).unwrap();
            for (y, line) in table_rows(&b, &rows[0].title) {
                let before_title = row_text(&b, y, due_x, title_x);
                assert!(!before_title.contains('…'), "{w} {lang:?}: a channel or kind cut: {line:?}");
                let status = row_text(&b, y, status_x, status_x + 11);
                assert!(!status.contains('…'), "{w} {lang:?}: a status cut: {line:?}");
            }
        }
    }
}

/// A queue of `n` rows, each title numbered.
fn many_rows(n: usize) -> Vec<TicketSummary> {
    (0..n)
        .map(|i| {
            let mut r = queue_rows()[i % 10].clone();
            r.id = 3000 + i as u64;
            r.title = format!("第{i}号 {}", r.title);
            r
        })
        .collect()
}

fn cursor_row_shown(app: &App, w: u16, h: u16) -> bool {
    let b = buffer(app, w, h);
    let title = &app.list().current().unwrap().title;
    let (from, to) = {
        let (_, y) = find(&b, Msg::ColDue.text(app.lang)).unwrap();
        let cells = cells_of_row(&b, y + 1);
        let borders: Vec<u16> = cells.iter().filter(|(_, s)| s == "│").map(|(x, _)| *x).collect();
        (borders[2] + 1, borders[3])
    };
    let prefix: String = title.chars().take(4).collect();
    find_in(&b, &prefix, from, to).is_some()
}

#[test]
fn the_selected_row_stays_on_screen_when_the_banner_or_the_preview_takes_room() {
    // The banner takes a line from the table while the cursor is on its last row.
    let mut app = queue_with(Lang::Zh, 80, 24, many_rows(40));
    let last = app.list().height - 1;
    for _ in 0..last {
        press(&mut app, crossterm::event::KeyCode::Down);
    }
    feed_preview(&mut app);
    assert!(cursor_row_shown(&app, 80, 24));
    app.on_reply(Reply::Connected(false));
    assert!(cursor_row_shown(&app, 80, 24), "the banner hid the selected row");
    // 80×40: the preview under the table; turned on again, it takes the table's lower rows.
    let mut app = queue_with(Lang::Zh, 80, 40, many_rows(40));
    ch(&mut app, 'p');
    resize(&mut app, 80, 40);
    let _ = app.take_effects();
    let last = app.list().height - 1;
    for _ in 0..last {
        press(&mut app, crossterm::event::KeyCode::Down);
    }
    assert!(cursor_row_shown(&app, 80, 40));
    ch(&mut app, 'p');
    feed_preview(&mut app);
    assert!(cursor_row_shown(&app, 80, 40), "the preview hid the selected row");
}

#[test]
fn odd_characters_from_a_channel_do_not_move_the_columns() {
    // Emoji with a presentation selector, a joined emoji, a combining accent, full-width digits,
    // a tab and an escape: as channels send them.
    let odd = [
        "空调❤\u{fe0f}漏水拒不处理",
        "👨\u{200d}👩\u{200d}👧亲子乐园退费",
        "Cafe\u{301} 咖啡馆预付卡１２３",
        "外卖\t变质\u{1b}[31m红色",
    ];
    let rows: Vec<TicketSummary> = odd
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let mut r = queue_rows()[i].clone();
            r.title = t.to_string();
            r.respondent_name = Some(format!("{t}公司"));
            r
        })
        .collect();
    for (w, h) in [(80, 24), (120, 40), (210, 40)] {
        for lang in [Lang::Zh, Lang::En] {
            let b = buffer(&queue_with(lang, w, h, rows.clone()), w, h);
            let (_, status_x) = title_and_status(&b, lang);
            let (_, header_y) = find(&b, Msg::ColStatus.text(lang)).unwrap();
            for y in header_y + 1..header_y + 1 + rows.len() as u16 {
                let starts: Vec<u16> = cells_of_row(&b, y).iter().map(|(x, _)| *x).collect();
                assert!(starts.contains(&status_x), "{w}×{h} row {y}: {:?}", row_text(&b, y, 0, w));
                let status = row_text(&b, y, status_x, status_x + 4);
                assert!(
                    !status.trim().is_empty(),
                    "{w}×{h} row {y}: status pushed off: {:?}",
                    row_text(&b, y, 0, w)
                );
            }
        }
    }
}
