//! The terminal backend: crossterm's, with fewer bytes for wide characters.
//!
//! ratatui's crossterm backend moves the cursor before every cell that does not follow the
//! previous one drawn. A wide character (every Chinese one) covers two cells and the buffer's
//! diff skips the second, so each one cost a cursor move (`ESC [ row ; col H`, 6–8 bytes) on top
//! of its own 3: most of what a step through a Chinese list wrote over SSH. Telling the backend
//! about the covered cell — an empty symbol, printed as nothing — lets the terminal's own cursor
//! advance do the move.
//!
//! A frame goes to the terminal in one write: `Stdout` buffers a kilobyte and writes each one
//! full, so a frame of a few kilobytes (a page of Chinese rows, the preview) went out in several
//! writes, each waking the terminal (or sshd) to read and show a part of it. The console's
//! writer holds a whole frame; ratatui flushes it at the end of each draw.

use ratatui::backend::{Backend, ClearType, CrosstermBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};
use std::io::{self, Write};
use unicode_width::UnicodeWidthStr;

pub struct Console<W: Write> {
    inner: CrosstermBackend<W>,
}

/// More than the largest frame: a 120×40 screen redrawn whole with colours is about 20 KB.
const FRAME_BYTES: usize = 64 * 1024;

impl<W: Write> Console<W> {
    pub fn new(writer: W) -> Console<W> {
        Console { inner: CrosstermBackend::new(writer) }
    }
}

impl<W: Write> Console<io::BufWriter<W>> {
    /// A backend that writes each frame to `writer` in one write (see the module's comment).
    pub fn buffered(writer: W) -> Console<io::BufWriter<W>> {
        Console::new(io::BufWriter::with_capacity(FRAME_BYTES, writer))
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

    /// What the terminal was sent, kept where the test can read it, and in how many writes.
    #[derive(Clone, Default)]
    struct Sent(std::rc::Rc<std::cell::RefCell<Vec<u8>>>, std::rc::Rc<std::cell::Cell<usize>>);

    impl Write for Sent {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.borrow_mut().extend_from_slice(buf);
            self.1.set(self.1.get() + 1);
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

    #[test]
    fn a_frame_reaches_the_terminal_in_one_write_however_large() {
        let sent = Sent::default();
        let options = TerminalOptions { viewport: Viewport::Fixed(Rect::new(0, 0, 120, 40)) };
        let mut term = Terminal::with_options(Console::buffered(sent.clone()), options).expect("a terminal");
        let page: Vec<String> = (0..40)
            .map(|i| format!("{i:>3} 容桂街道 健身房预付卡退费难 商家失联 {}", "退".repeat(i)))
            .collect();
        term.draw(|f| f.render_widget(Paragraph::new(page.join("\n")), f.area())).expect("drawn");
        assert!(sent.0.borrow().len() > 4 * 1024, "a frame of several kilobytes: {}", sent.0.borrow().len());
        assert_eq!(sent.1.get(), 1, "written at once when the frame is flushed");
    }
}
