//! Where the console's time goes, for `desk-bench ui` and for a clerk who reports a slow
//! console: the steps from the process's start to the first full frame, and for every wake-up
//! of the event loop what woke it, the time spent on it in the console's state, in building the
//! frame and in writing it. Debug events under the target `rightsdesk::tui::timing`
//! (`RIGHTSDESK_LOG=info,rightsdesk::tui::timing=debug`), into the console's log file like
//! every log, never on the terminal; with the default filter each costs one check.

use std::sync::OnceLock;
use std::time::Instant;

pub const TARGET: &str = "rightsdesk::tui::timing";

static STARTED: OnceLock<Instant> = OnceLock::new();

/// The process began (called first thing): the steps are counted from here.
pub fn process_started() {
    STARTED.get_or_init(Instant::now);
}

/// Milliseconds since `process_started` (since the first call, if it was not called).
pub fn since_start_ms() -> f64 {
    STARTED.get_or_init(Instant::now).elapsed().as_secs_f64() * 1000.0
}

/// A step of the start reached.
pub fn step(what: &str) {
    tracing::debug!(target: TARGET, at_ms = since_start_ms(), step = what);
}

/// Microseconds since `from`.
pub fn micros(from: Instant) -> u64 {
    u64::try_from(from.elapsed().as_micros()).unwrap_or(u64::MAX)
}
