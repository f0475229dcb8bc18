//! A progress line on stderr for long imports, drawn only when stderr is a terminal (never in a
//! pipe, a log or CI). Hand-rolled: one line redrawn in place is all it takes, and a crate for
//! it would bring a terminal library into every build.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

const REDRAW_EVERY: Duration = Duration::from_millis(200);

pub struct Progress {
    enabled: bool,
    label: &'static str,
    total: Option<usize>,
    started: Instant,
    last_drawn: Option<Instant>,
}

impl Progress {
    /// A progress line for `label` ("checking", "importing"); `total` rows when known.
    pub fn new(label: &'static str, total: Option<usize>) -> Progress {
        let enabled = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
        Progress { enabled, label, total, started: Instant::now(), last_drawn: None }
    }

    /// `done` rows so far; redrawn at most five times a second.
    pub fn set(&mut self, done: usize) {
        if !self.enabled || !done.is_multiple_of(256) {
            return;
        }
        if self.last_drawn.is_some_and(|at| at.elapsed() < REDRAW_EVERY) {
            return;
        }
        self.last_drawn = Some(Instant::now());
        let rate = done as f64 / self.started.elapsed().as_secs_f64().max(1e-3);
        let line = match self.total {
            Some(total) if total > 0 => {
                let share = (done as f64 / total as f64).min(1.0);
                let filled = (share * 30.0) as usize;
                format!(
                    "{} [{}{}] {:>3.0}% {}/{} rows, {} rows/s",
                    self.label,
                    "#".repeat(filled),
                    "-".repeat(30 - filled),
                    share * 100.0,
                    thousands(done),
                    thousands(total),
                    thousands(rate as usize)
                )
            }
            _ => format!("{} {} rows, {} rows/s", self.label, thousands(done), thousands(rate as usize)),
        };
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K{line}");
        let _ = err.flush();
    }

    /// Clears the line, so what is printed next starts clean.
    pub fn finish(&mut self) {
        if self.enabled && self.last_drawn.is_some() {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
    }
}

/// 1234567 → "1,234,567".
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn thousands_are_grouped_by_three() {
        assert_eq!(super::thousands(0), "0");
        assert_eq!(super::thousands(999), "999");
        assert_eq!(super::thousands(1_000_000), "1,000,000");
    }
}
