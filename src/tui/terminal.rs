//! The terminal: checked before anything is drawn, restored on every way out — `q`, an error,
//! a panic, SIGTERM, SIGHUP (a dropped SSH session).

use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use crossterm::terminal::{self, EnterAlternateScreen, LeaveAlternateScreen};
use crossterm::{cursor, execute};
use std::io::{IsTerminal, Write};

#[derive(Debug, thiserror::Error)]
pub enum TerminalError {
    #[error(
        "the console needs a terminal: stdin and stdout are not both a TTY (for scripts use `rightsdesk tickets list`)"
    )]
    NoTty,
    #[error(
        "TERM=dumb cannot draw the console: run it in a terminal emulator (TERM=xterm-256color, screen, tmux …)"
    )]
    Dumb,
    #[error(
        "the terminal is {width}×{height}; the console needs at least {min_w}×{min_h}: enlarge the window"
    )]
    TooSmall { width: u16, height: u16, min_w: u16, min_h: u16 },
    #[error("cannot set up the terminal: {0}")]
    Io(#[from] std::io::Error),
}

/// Refuses, with a message, the terminals the console cannot work in.
pub fn check(min_w: u16, min_h: u16) -> Result<(), TerminalError> {
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        return Err(TerminalError::NoTty);
    }
    if std::env::var("TERM").is_ok_and(|t| t == "dumb") {
        return Err(TerminalError::Dumb);
    }
    let (width, height) = terminal::size()?;
    if width < min_w || height < min_h {
        return Err(TerminalError::TooSmall { width, height, min_w, min_h });
    }
    Ok(())
}

/// Raw mode, the alternate screen and bracketed paste while it lives.
pub struct Guard;

impl Guard {
    pub fn enter() -> Result<Guard, TerminalError> {
        terminal::enable_raw_mode()?;
        let guard = Guard;
        execute!(std::io::stdout(), EnterAlternateScreen, EnableBracketedPaste, cursor::Hide)?;
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
        Ok(guard)
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        restore();
    }
}

/// Puts the terminal back as the shell had it. Safe to call twice.
pub fn restore() {
    let mut out = std::io::stdout();
    let _ = execute!(out, DisableBracketedPaste, LeaveAlternateScreen, cursor::Show);
    let _ = terminal::disable_raw_mode();
    let _ = out.flush();
}

/// Copies to the clipboard of the terminal the clerk sits at (OSC 52), which works through SSH
/// and tmux (with `set-clipboard on`).
pub fn copy_osc52(text: &str) {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    let mut out = std::io::stdout();
    let _ = write!(out, "\x1b]52;c;{encoded}\x07");
    let _ = out.flush();
}
