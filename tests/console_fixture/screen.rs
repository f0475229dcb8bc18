//! The screen drawn into ratatui's `TestBackend`, as text for snapshots, and ways to find text and
//! cells on it.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use rightsdesk::tui::app::App;
use rightsdesk::tui::ui;

/// Draws the screen. The frame drawn must not put anything in a cell that a wide character to
/// its left covers: a terminal never shows it (ratatui does not even send it).
pub fn draw(app: &App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    let frame = term.draw(|f| ui::draw(f, app)).unwrap();
    nothing_under_wide_characters(frame.buffer);
    term
}

pub fn nothing_under_wide_characters(buffer: &Buffer) {
    for y in 0..buffer.area.height {
        let mut covered = 0usize;
        for x in 0..buffer.area.width {
            let symbol = buffer[(x, y)].symbol();
            if covered > 0 {
                assert_eq!(symbol, " ", "row {y} column {x}: {symbol:?} is drawn under a wide character");
                covered -= 1;
                continue;
            }
            covered = unicode_width::UnicodeWidthStr::width(symbol).max(1) - 1;
        }
    }
}

/// The screen as text, one line per row, `|` after the last cell; the cells hidden under a
/// wide character are left out (each must be blank: anything else was drawn over by it).
pub fn text_of(buffer: &Buffer) -> String {
    let w = buffer.area.width as usize;
    let mut out = String::new();
    for (y, cells) in buffer.content.chunks(w).enumerate() {
        let mut skip = 0usize;
        for (x, c) in cells.iter().enumerate() {
            if skip > 0 {
                assert_eq!(c.symbol(), " ", "row {y} col {x}: text under a wide character");
                skip -= 1;
                continue;
            }
            out.push_str(c.symbol());
            skip = (unicode_width::UnicodeWidthStr::width(c.symbol()).max(1)) - 1;
        }
        out.push_str("|\n");
    }
    out
}

/// The screen as text.
pub fn screen(app: &App, w: u16, h: u16) -> String {
    text_of(draw(app, w, h).backend().buffer())
}

/// The screen as text and where the terminal cursor is, for screens that take typing.
pub fn typing(app: &App, w: u16, h: u16) -> String {
    let mut term = draw(app, w, h);
    let mut s = text_of(term.backend().buffer());
    let p = term.get_cursor_position().unwrap();
    s.push_str(&format!("cursor at column {}, row {}\n", p.x, p.y));
    s
}

/// The visible cells of row `y`: (column, symbol), the cells under wide characters left out.
pub fn cells_of_row(buffer: &Buffer, y: u16) -> Vec<(u16, String)> {
    let mut out = Vec::new();
    let mut skip = 0usize;
    for x in 0..buffer.area.width {
        let c = &buffer[(x, y)];
        if skip > 0 {
            skip -= 1;
            continue;
        }
        out.push((x, c.symbol().to_string()));
        skip = unicode_width::UnicodeWidthStr::width(c.symbol()).max(1) - 1;
    }
    out
}

/// Where `needle` is first drawn: (column, row) of its first cell.
pub fn find(buffer: &Buffer, needle: &str) -> Option<(u16, u16)> {
    find_in(buffer, needle, 0, buffer.area.width)
}

/// Where `needle` is first drawn between columns `from` and `to` (exclusive).
pub fn find_in(buffer: &Buffer, needle: &str, from: u16, to: u16) -> Option<(u16, u16)> {
    for y in 0..buffer.area.height {
        let cells: Vec<(u16, String)> =
            cells_of_row(buffer, y).into_iter().filter(|(x, _)| *x >= from && *x < to).collect();
        let line: String = cells.iter().map(|(_, s)| s.as_str()).collect();
        if let Some(at) = line.find(needle) {
            let mut bytes = 0;
            for (x, s) in &cells {
                if bytes == at {
                    return Some((*x, y));
                }
                bytes += s.len();
            }
        }
    }
    None
}

/// The text of row `y` between columns `from` and `to` (exclusive).
pub fn row_text(buffer: &Buffer, y: u16, from: u16, to: u16) -> String {
    cells_of_row(buffer, y).into_iter().filter(|(x, _)| *x >= from && *x < to).map(|(_, s)| s).collect()
}
