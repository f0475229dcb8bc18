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

/// One frame the console drew, as its timing log tells it.
struct Drawn {
    woke_by: String,
    /// Reading the key (handled) and drawing its frame, ms.
    console_ms: f64,
    /// The machine's monotonic clock, µs: the loop woke for it; the frame was written.
    woke_at_us: u64,
    written_at_us: u64,
    /// The steps of the frame, µs: the state's update, the layout's fit, building, diff + write.
    steps: [u64; 4],
}

fn drawn(line: &str) -> Option<Drawn> {
    let num = |name| field(line, name).and_then(|v| v.parse::<u64>().ok());
    let (handled, frame) = (num("handled_us")?, num("frame_us")?);
    Some(Drawn {
        woke_by: field(line, "woke_by")?.to_string(),
        console_ms: (handled + frame) as f64 / 1000.0,
        woke_at_us: num("woke_at_us").unwrap_or(0),
        written_at_us: num("written_at_us").unwrap_or(0),
        steps: [
            handled,
            num("fit_us").unwrap_or(0),
            num("build_us").unwrap_or(0),
            num("diff_write_us").unwrap_or(0),
        ],
    })
}

fn ms_between(from_us: u64, to_us: u64) -> f64 {
    to_us.saturating_sub(from_us) as f64 / 1000.0
}

/// The start's steps (ms since the console's `main`, printed as they came) and the console's
/// own time per navigation key (reading the key to the frame written): its p50 and p99 over
/// the keys drawn after the first rows. `sent_seen` holds, for each navigation key in order,
/// when the bench wrote it and when it read the screen showing its result (the machine's
/// monotonic clock, µs, as the console logs its own): the key's time is split into the way in
/// (written to the pty → the console's loop has it), the console's own, and the way out (the
/// frame written → the bench has read it), and the slowest keys are printed with the steps.
pub fn figures(logs: &Path, sent_seen: &[(u64, u64)], percentile: fn(&[f64], f64) -> f64) -> Vec<Figure> {
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
    // The keys' frames, the first `sent_seen.len()` after the first rows were drawn, each with
    // the frame drawn before it (what the console was busy with when the key came).
    let mut keys: Vec<(Drawn, Option<Drawn>)> = Vec::new();
    let mut before: Option<Drawn> = None;
    for line in lines.iter().skip_while(|l| field(l, "step") != Some("first rows drawn")) {
        let Some(d) = drawn(line) else { continue };
        if d.woke_by == "key" {
            keys.push((d, before.take()));
            if keys.len() == sent_seen.len() {
                break;
            }
        } else {
            before = Some(d);
        }
    }
    if keys.is_empty() {
        return figures;
    }
    let own: Vec<f64> = keys.iter().map(|(d, _)| d.console_ms).collect();
    figures.push(fig("nav_console_key_p50_ms", percentile(&own, 0.5), 2, "ms"));
    figures.push(fig("nav_console_key_p99_ms", percentile(&own, 0.99), 2, "ms"));
    if keys.iter().any(|(d, _)| d.woke_at_us == 0) {
        return figures; // a console that does not log the clock's instants
    }
    let pairs: Vec<_> = keys.iter().zip(sent_seen).collect();
    let way_in: Vec<f64> = pairs.iter().map(|((d, _), (sent, _))| ms_between(*sent, d.woke_at_us)).collect();
    let way_out: Vec<f64> =
        pairs.iter().map(|((d, _), (_, seen))| ms_between(d.written_at_us, *seen)).collect();
    figures.push(fig("nav_key_to_console_p50_ms", percentile(&way_in, 0.5), 2, "ms"));
    figures.push(fig("nav_key_to_console_p99_ms", percentile(&way_in, 0.99), 2, "ms"));
    figures.push(fig("nav_frame_to_bench_p50_ms", percentile(&way_out, 0.5), 2, "ms"));
    figures.push(fig("nav_frame_to_bench_p99_ms", percentile(&way_out, 0.99), 2, "ms"));
    let mut slowest: Vec<_> = pairs.iter().enumerate().collect();
    slowest.sort_by_key(|(_, (_, (sent, seen)))| std::cmp::Reverse(seen.saturating_sub(*sent)));
    eprintln!(
        "  slowest keys: total = in + console + out ms (handled/fit/build/diff+write µs); the frame before"
    );
    for (i, ((d, prev), (sent, seen))) in slowest.into_iter().take(8) {
        let prev = prev.as_ref().map_or(String::from("-"), |p| {
            format!(
                "{} ({:.2} ms, written {:+.2} ms from the key's sending)",
                p.woke_by,
                p.console_ms,
                (p.written_at_us as f64 - *sent as f64) / 1000.0
            )
        });
        eprintln!(
            "  key {i:>3}: {:.2} = {:.2} + {:.2} + {:.2} ({:?}); {prev}",
            ms_between(*sent, *seen),
            ms_between(*sent, d.woke_at_us),
            d.console_ms,
            ms_between(d.written_at_us, *seen),
            d.steps,
        );
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
