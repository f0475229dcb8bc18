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

/// The machine's monotonic clock in microseconds: one clock for every process on it, so
/// `desk-bench` can place the console's reading of a key and its writing of the frame between
/// its own writing of that key and reading of that frame.
pub fn monotonic_us() -> u64 {
    let mut t = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes one timespec, which lives for the call.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut t) };
    let (secs, nanos) = (u64::try_from(t.tv_sec).unwrap_or(0), u64::try_from(t.tv_nsec).unwrap_or(0));
    secs * 1_000_000 + nanos / 1_000
}

/// Microseconds since `from`.
pub fn micros(from: Instant) -> u64 {
    u64::try_from(from.elapsed().as_micros()).unwrap_or(u64::MAX)
}
