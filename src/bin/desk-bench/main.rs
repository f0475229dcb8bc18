//! desk-bench: performance figures of rightsdesk, one suite at a time.
//!
//! `desk-bench SUITE [--tickets N] [--json] …` prints one figure a line as `name: value unit`
//! on stdout, or one JSON object with `--json`; progress goes to stderr. Benchmarks print
//! figures: they never fail because something was slow.
//!
//! - `store` (see `store.rs`): a fresh store filled with generated historical tickets, then
//!   what a clerk waits for.
//! - `sync` (see `sync.rs`): ingest over HTTP from the simulator, how soon a new ticket reaches
//!   subscribers, and memory over a soak.
//! - `import` (see `import.rs`): the real `rightsdesk import` of a generated million-row CSV
//!   export: rows a second, peak memory, reopening the store after it.
//! - `layout` (see `layout.rs`): sled alone under candidate store layouts for an import: the
//!   CPU a row costs with six records a row, and with a group's rows kept as one record.
//! - `serve` (see `serve.rs`): the real `rightsdesk serve` on a filled store, and what clients
//!   of its socket wait for: attaching, reading, commands alone and at once, changes pushed.
//! - `stats` (see `stats.rs`): statistics, hot words and merchant rankings on a filled store,
//!   as the server answers them: the first question, a month, a year, after a new ticket.
//! - `ui` (see `ui.rs`): the real console in a pseudo-terminal, attached to the real serve on a
//!   filled store: start, keys, search, bytes a step writes, memory.

#[global_allocator]
static ALLOCATOR: rightsdesk::Allocator = rightsdesk::Allocator;

/// mimalloc's options as the rightsdesk binary sets them, so that what is measured in-process
/// (a backfill) runs as it would there: set as the program is loaded, before Rust's runtime
/// first allocates (`rightsdesk::allocator`).
#[cfg(target_os = "linux")]
#[used]
#[unsafe(link_section = ".init_array")]
static TUNE_ALLOCATOR: extern "C" fn() = rightsdesk::allocator::tune_at_load;

mod consoles;
mod import;
mod layout;
mod pty;
mod serve;
mod serve_process;
mod sim_process;
mod stats;
mod store;
mod sync;
mod ui;
mod ui_timing;

use clap::{Parser, ValueEnum};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Suite {
    Store,
    Sync,
    Ui,
    Stats,
    Serve,
    Import,
    Layout,
}

#[derive(Parser)]
#[command(name = "desk-bench", about = "Performance figures of rightsdesk, one suite at a time")]
pub struct Args {
    suite: Suite,
    /// Tickets to generate (store, import, ui, layout: 1,000,000; sync: 100,000 for the ingest run;
    /// serve: 100,000).
    #[arg(long)]
    pub tickets: Option<usize>,
    /// One JSON object instead of `name: value unit` lines.
    #[arg(long)]
    pub json: bool,
    /// store, serve, import, ui: the store directory (must be empty or absent); default: a new
    /// directory under the system temp dir. sync always uses fresh temporary stores.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// store, serve, import, ui: keep the store after the run.
    #[arg(long)]
    pub keep: bool,
    /// ui: measure again the `--data` store an earlier `ui --keep` run filled (with the same
    /// `--tickets` and `--seed`) instead of filling a new one: a 1,000,000-ticket run without
    /// the minutes of filling.
    #[arg(long, requires = "data")]
    pub reuse: bool,
    /// Generator seed: the same seed gives the same tickets.
    #[arg(long, default_value_t = 20261128)]
    pub seed: u64,
    /// store: tickets per `execute_all` call, i.e. per flush.
    #[arg(long, default_value_t = 1024)]
    pub burst: usize,
    /// sync: seconds of steady traffic for the memory soak (RSS sampled every 10 s); 0 skips
    /// the soak and measures visibility latency over `--latency-secs` only.
    #[arg(long, default_value_t = 600, value_name = "SECS")]
    pub soak: u64,
    /// sync: length of the steady run when `--soak 0`.
    #[arg(long, default_value_t = 60, value_name = "SECS")]
    pub latency_secs: u64,
    /// sync: tickets the simulator releases per minute during the steady run.
    #[arg(long, default_value_t = 600, value_name = "PER_MIN")]
    pub rate: u64,
    /// serve: clients sending commands at once, each its own connection.
    #[arg(long, default_value_t = 8)]
    pub clients: usize,
    /// serve: consoles working at once in the paced run (each subscribed, each sending a note
    /// every --pace-ms).
    #[arg(long, default_value_t = 20)]
    pub consoles: usize,
    /// serve: the paced run's pace, per console.
    #[arg(long, default_value_t = 100, value_name = "MS")]
    pub pace_ms: u64,
    /// serve: the paced run's length; 0 skips it.
    #[arg(long, default_value_t = 60, value_name = "SECS")]
    pub paced_secs: u64,
}

pub struct Figure {
    name: &'static str,
    value: f64,
    decimals: usize,
    unit: &'static str,
}

pub fn fig(name: &'static str, value: f64, decimals: usize, unit: &'static str) -> Figure {
    Figure { name, value, decimals, unit }
}

fn main() -> ExitCode {
    let args = Args::parse();
    let name = match args.suite {
        Suite::Store => "store",
        Suite::Sync => "sync",
        Suite::Ui => "ui",
        Suite::Stats => "stats",
        Suite::Serve => "serve",
        Suite::Import => "import",
        Suite::Layout => "layout",
    };
    let result = match args.suite {
        Suite::Store => store::run(&args),
        Suite::Sync => sync::run(&args),
        Suite::Serve => serve::run(&args),
        Suite::Import => import::run(&args),
        Suite::Layout => layout::run(&args),
        Suite::Ui => ui::run(&args),
        Suite::Stats => stats::run(&args),
    };
    match result {
        Ok(figures) => {
            print(name, &figures, args.json);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("desk-bench: {e}");
            ExitCode::from(1)
        }
    }
}

fn print(suite: &str, figures: &[Figure], json: bool) {
    if json {
        let mut object = serde_json::Map::new();
        object.insert("suite".into(), suite.into());
        let mut units = serde_json::Map::new();
        for f in figures {
            let value = if !f.value.is_finite() {
                serde_json::Value::Null
            } else if f.decimals == 0 {
                serde_json::Value::from(f.value.round() as i64)
            } else {
                let scale = 10f64.powi(f.decimals as i32);
                serde_json::Value::from((f.value * scale).round() / scale)
            };
            object.insert(f.name.into(), value);
            units.insert(f.name.into(), f.unit.into());
        }
        object.insert("units".into(), units.into());
        println!("{}", serde_json::Value::Object(object));
    } else {
        for f in figures {
            println!("{}: {:.*} {}", f.name, f.decimals, f.value, f.unit);
        }
    }
}

/// A new, not yet existing directory under the system temp dir, named after `what`.
pub fn temp_dir(what: &str) -> Result<PathBuf, String> {
    let base = std::env::temp_dir();
    let pid = std::process::id();
    (0..1000)
        .map(|i| base.join(format!("desk-bench-{what}-{pid}-{i}")))
        .find(|p| !p.exists())
        .ok_or_else(|| format!("no free directory name under {}", base.display()))
}

/// What the suites that run the real `rightsdesk` on a store of their own start from.
pub struct StoreRun {
    pub config: std::sync::Arc<rightsdesk::config::Config>,
    /// The instant the store is filled as of (`RIGHTSDESK_NOW` of the processes started).
    pub now: rightsdesk::time::Timestamp,
    /// The `rightsdesk` beside the bench.
    pub binary: PathBuf,
    pub dir: PathBuf,
}

/// Runs `suite` on the built-in configuration, the fixed now, the binary and the store
/// directory of `--data` (or a new one), then removes the store unless `--keep`.
pub fn with_store(
    args: &Args,
    what: &str,
    suite: impl FnOnce(&StoreRun) -> Result<Vec<Figure>, String>,
) -> Result<Vec<Figure>, String> {
    let config = std::sync::Arc::new(rightsdesk::config::load(None).map_err(|e| e.to_string())?);
    let now = rightsdesk::time::Timestamp::parse(store::NOW).ok_or("the fixed now does not parse")?;
    let binary = sim_process::binary()?;
    let (dir, created) = store::data_dir(args, what)?;
    let run = StoreRun { config, now, binary, dir };
    let result = suite(&run);
    if args.keep {
        eprintln!("store kept in {}", run.dir.display());
    } else {
        remove(&run.dir, created);
    }
    result
}

/// Removes the store directory (the whole of it when the run created it, else only what the run
/// put in it).
pub fn remove(dir: &Path, created: bool) {
    let result = if created {
        std::fs::remove_dir_all(dir)
    } else {
        std::fs::read_dir(dir).and_then(|entries| {
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() { std::fs::remove_dir_all(&path)? } else { std::fs::remove_file(&path)? }
            }
            Ok(())
        })
    };
    if let Err(e) = result {
        eprintln!("desk-bench: could not remove {}: {e}", dir.display());
    }
}

/// `rightsdesk --data DATA` as the bench runs the real binary: "now" fixed at `now`, and none of
/// the user's `RIGHTSDESK_*` settings counting.
pub fn rightsdesk_on(binary: &Path, data: &Path, now: &str) -> std::process::Command {
    let mut command = std::process::Command::new(binary);
    command.arg("--data").arg(data);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("RIGHTSDESK_") {
            command.env_remove(&name);
        }
    }
    command.env("RIGHTSDESK_NOW", now);
    command
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// A `kB` line of a Linux `/proc/PID/status` (`VmRSS`, `VmHWM`) in MiB; None where there is
/// no such file (another OS, or the process is gone).
pub fn proc_status_mb(pid: Option<u32>, field: &str) -> Option<f64> {
    let path = match pid {
        Some(pid) => format!("/proc/{pid}/status"),
        None => "/proc/self/status".to_string(),
    };
    let status = std::fs::read_to_string(path).ok()?;
    let value = status.lines().find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))?;
    let kb: f64 = value.trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kb / 1024.0)
}
