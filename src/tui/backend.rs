//! The terminal backend: crossterm's, with fewer bytes for wide characters.
//!
//! ratatui's crossterm backend moves the cursor before every cell that does not follow the
//! previous one drawn. A wide character (every Chinese one) covers two cells and the buffer's
//! diff skips the second, so each one cost a cursor move (`ESC [ row ; col H`, 6–8 bytes) on top
//! of its own 3: most of what a step through a Chinese list wrote over SSH. Telling the backend
//! about the covered cell — an empty symbol, printed as nothing — lets the terminal's own cursor
//! advance do the move.

use ratatui::backend::{Backend, ClearType, CrosstermBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};
use std::io::{self, Write};
use unicode_width::UnicodeWidthStr;

pub struct Console<W: Write> {
    inner: CrosstermBackend<W>,
}

impl<W: Write> Console<W> {
    pub fn new(writer: W) -> Console<W> {
        Console { inner: CrosstermBackend::new(writer) }
    }
}

/// The cells to draw, each wide character followed by an empty cell for the column it covers.
fn with_covered_cells<'a>(content: impl Iterator<Item = (u16, u16, &'a Cell)>) -> Vec<(u16, u16, Cell)> {
    let mut cells = Vec::new();
    for (x, y, cell) in content {
        let width = cell.symbol().width();
        cells.push((x, y, cell.clone()));
        if width == 2 {
            let mut covered = cell.clone();
            covered.set_symbol("");
            cells.push((x + 1, y, covered));
        }
    }
    cells
}

impl<W: Write> Backend for Console<W> {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let cells = with_covered_cells(content);
        self.inner.draw(cells.iter().map(|(x, y, c)| (*x, *y, c)))
    }

    fn append_lines(&mut self, n: u16) -> io::Result<()> {
        self.inner.append_lines(n)
    }

    fn hide_cursor(&mut self) -> io::Result<()> {
        self.inner.hide_cursor()
    }

    fn show_cursor(&mut self) -> io::Result<()> {
        self.inner.show_cursor()
    }

    fn get_cursor_position(&mut self) -> io::Result<Position> {
        self.inner.get_cursor_position()
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        self.inner.set_cursor_position(position)
    }

    fn clear(&mut self) -> io::Result<()> {
        self.inner.clear()
    }

    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        self.inner.clear_region(clear_type)
    }

    fn size(&self) -> io::Result<Size> {
        self.inner.size()
    }

    fn window_size(&mut self) -> io::Result<WindowSize> {
        self.inner.window_size()
    }

    fn flush(&mut self) -> io::Result<()> {
        Backend::flush(&mut self.inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;
    use ratatui::widgets::Paragraph;
    use ratatui::{Terminal, TerminalOptions, Viewport};

    /// What the terminal was sent, kept where the test can read it.
    #[derive(Clone, Default)]
    struct Sent(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

    impl Write for Sent {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.borrow_mut().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn frame_bytes(text: &str) -> Vec<u8> {
        let sent = Sent::default();
        let options = TerminalOptions { viewport: Viewport::Fixed(Rect::new(0, 0, 20, 1)) };
        let mut term = Terminal::with_options(Console::new(sent.clone()), options).expect("a terminal");
        // The first draw fills the screen; the second writes only what changed.
        term.draw(|f| f.render_widget(Paragraph::new("                    "), f.area())).expect("drawn");
        sent.0.borrow_mut().clear();
        term.draw(|f| f.render_widget(Paragraph::new(text), f.area())).expect("drawn");
        sent.0.borrow().clone()
    }

    #[test]
    fn chinese_text_is_written_with_one_cursor_move_not_one_per_character() {
        let bytes = frame_bytes("健身房预付卡退费难");
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("健身房预付卡退费难"), "{text:?}");
        assert_eq!(text.matches('H').count(), 1, "one move to the start: {text:?}");
    }
}
