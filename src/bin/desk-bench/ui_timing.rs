//! The console's own account of its time (`src/tui/timing.rs`), read from its log file after it
//! quit: the steps of its start, and for each key how long the console itself took from reading
//! the key to having written the frame. What the ui suite measures from outside minus this is
//! the terminal, the scheduler and the bench's reading.

use crate::{Figure, fig};
use std::path::Path;

/// The filter the console is started with: its timing events only.
pub const LOG_FILTER: &str = "warn,rightsdesk::tui::timing=debug";

/// The steps the start's figures are taken from, as the console names them.
const STEPS: &[(&str, &str)] = &[
    ("server found", "start_console_server_found_ms"),
    ("terminal ready, first windows asked", "start_console_asked_ms"),
    ("window", "start_console_first_window_ms"),
    ("first rows drawn", "start_console_first_rows_ms"),
];

/// One line's `name=value` (a quoted value without its quotes).
fn field<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=");
    let at = line.find(&key)? + key.len();
    let rest = &line[at..];
    match rest.strip_prefix('"') {
        Some(quoted) => quoted.split('"').next(),
        None => rest.split_whitespace().next(),
    }
}

/// Every log file the console wrote under `logs` (one a day), in order.
fn lines(logs: &Path) -> Vec<String> {
    let mut files: Vec<_> =
        std::fs::read_dir(logs).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default();
    files.sort();
    files
        .iter()
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .flat_map(|t| t.lines().map(String::from).collect::<Vec<_>>())
        .collect()
}

/// The start's steps (ms since the console's `main`, printed as they came) and the console's
/// own time per navigation key (reading the key to the frame written): its p50 and p99 over
/// the `keys` keys drawn after the first rows.
pub fn figures(logs: &Path, keys: usize, percentile: fn(&[f64], f64) -> f64) -> Vec<Figure> {
    let lines = lines(logs);
    let mut figures = Vec::new();
    let mut seen = Vec::new();
    for line in &lines {
        let (Some(step), Some(at)) = (field(line, "step"), field(line, "at_ms")) else { continue };
        if seen.contains(&step) {
            continue;
        }
        seen.push(step);
        eprintln!("  console start: {at:>8} ms  {step}");
        if let (Some((_, name)), Ok(ms)) = (STEPS.iter().find(|(s, _)| *s == step), at.parse::<f64>()) {
            figures.push(fig(name, ms, 1, "ms"));
        }
    }
    // The keys' frames: handled + drawn, the first `keys` after the first rows were drawn.
    let key_ms: Vec<f64> = lines
        .iter()
        .skip_while(|l| field(l, "step") != Some("first rows drawn"))
        .filter(|l| field(l, "woke_by") == Some("key"))
        .filter_map(|l| {
            let handled: f64 = field(l, "handled_us")?.parse().ok()?;
            let frame: f64 = field(l, "frame_us")?.parse().ok()?;
            Some((handled + frame) / 1000.0)
        })
        .take(keys)
        .collect();
    if !key_ms.is_empty() {
        figures.push(fig("nav_console_key_p50_ms", percentile(&key_ms, 0.5), 2, "ms"));
        figures.push(fig("nav_console_key_p99_ms", percentile(&key_ms, 0.99), 2, "ms"));
    }
    figures
}

#[cfg(test)]
mod tests {
    use super::field;

    #[test]
    fn a_field_is_read_quoted_or_not() {
        let line =
            r#"2026-11-29T20:05:01.123Z DEBUG rightsdesk::tui::timing: at_ms=12.5 step="server found""#;
        assert_eq!(field(line, "at_ms"), Some("12.5"));
        assert_eq!(field(line, "step"), Some("server found"));
        assert_eq!(field(line, "woke_by"), None);
    }
}
