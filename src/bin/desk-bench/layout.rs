//! The `layout` suite: `desk-bench layout [--tickets N] [--json]` measures what sled 0.34 alone
//! costs an import under candidate store layouts, with nothing of rightsdesk around it, so that
//! a layout change can be judged before it is built. Each layout writes N rows into a fresh
//! sled tree as an import does (groups of 512 rows per batch, a flush per 4,096 rows, a 32 MiB
//! cache), with values of about the size an imported 12345 row encodes to, and reports the CPU
//! (user + system, every thread of this process) a row cost and the rows a second:
//!
//! - `six`: today's layout, six records a row: the event with its chain link (~730 bytes), the
//!   ticket (the seq of its creation), the row summary (~250 bytes), the external id, the
//!   deadline key and the alarm key;
//! - `run_keys`: the events of a group as one run record, plus the external id, deadline and
//!   alarm keys of each row;
//! - `run_external`: the run record plus the external id of each row;
//! - `run_only`: the run record alone (external ids, deadlines and alarms kept in it too).

use crate::{Figure, fig, temp_dir};
use std::time::{Duration, Instant};

const GROUP: u64 = 512;
const FLUSH_EVERY: u64 = 4096;
const EVENT_BYTES: usize = 700;
const LINK_BYTES: usize = 32;
const ROW_BYTES: usize = 250;
const DAY_MS: u64 = 86_400_000;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Layout {
    Six,
    RunKeys,
    RunExternal,
    RunOnly,
}

impl Layout {
    const ALL: [Layout; 4] = [Layout::Six, Layout::RunKeys, Layout::RunExternal, Layout::RunOnly];

    fn names(self) -> (&'static str, &'static str) {
        match self {
            Layout::Six => ("six_cpu_us_per_row", "six_rate"),
            Layout::RunKeys => ("run_keys_cpu_us_per_row", "run_keys_rate"),
            Layout::RunExternal => ("run_external_cpu_us_per_row", "run_external_rate"),
            Layout::RunOnly => ("run_only_cpu_us_per_row", "run_only_rate"),
        }
    }
}

pub fn run(args: &crate::Args) -> Result<Vec<Figure>, String> {
    let n = args.tickets.unwrap_or(1_000_000) as u64;
    let mut figures = vec![fig("rows", n as f64, 0, "rows")];
    for layout in Layout::ALL {
        let dir = temp_dir("layout")?;
        let measured = write_rows(layout, n, &dir);
        let _ = std::fs::remove_dir_all(&dir);
        let (cpu, wall) = measured?;
        let (cpu_name, rate_name) = layout.names();
        eprintln!("{cpu_name}: {:.1} µs", cpu.as_secs_f64() * 1e6 / n.max(1) as f64);
        figures.push(fig(cpu_name, cpu.as_secs_f64() * 1e6 / n.max(1) as f64, 1, "µs"));
        figures.push(fig(rate_name, n as f64 / wall.as_secs_f64().max(1e-9), 0, "rows/s"));
    }
    Ok(figures)
}

fn write_rows(layout: Layout, n: u64, dir: &std::path::Path) -> Result<(Duration, Duration), String> {
    let err = |e: sled::Error| e.to_string();
    let db = sled::Config::new()
        .path(dir)
        .cache_capacity(32 << 20)
        .flush_every_ms(Some(1000))
        .open()
        .map_err(err)?;
    let tree = db.open_tree("desk").map_err(err)?;
    let event = vec![7u8; EVENT_BYTES + LINK_BYTES];
    let row = vec![5u8; ROW_BYTES];
    let (cpu_before, started) = (cpu_time(), Instant::now());
    let mut first = 1;
    while first <= n {
        let end = (first + GROUP).min(n + 1);
        let mut batch = sled::Batch::default();
        if layout == Layout::Six {
            for id in first..end {
                batch.insert(key(b'e', id), event.clone());
                batch.insert(key(b't', id), id.to_be_bytes().to_vec());
                batch.insert(key(b'r', id), row.clone());
            }
        } else {
            let mut run = Vec::with_capacity(((end - first) as usize) * event.len());
            for _ in first..end {
                run.extend_from_slice(&event);
            }
            batch.insert(key(b'R', first), run);
        }
        for id in first..end {
            if layout != Layout::RunOnly {
                batch.insert(format!("x12345\0SD{id:010}").into_bytes(), id.to_be_bytes().to_vec());
            }
            if matches!(layout, Layout::Six | Layout::RunKeys) {
                // Rows come in order of receipt, so their deadlines rise as the ids do.
                let due = (id * DAY_MS / 913) ^ (1 << 63);
                batch.insert([key(b'd', due), id.to_be_bytes().to_vec()].concat(), Vec::new());
                batch.insert([key(b'a', due - 3_600_000), id.to_be_bytes().to_vec()].concat(), Vec::new());
            }
        }
        tree.apply_batch(batch).map_err(err)?;
        if (end - 1) % FLUSH_EVERY < GROUP {
            db.flush().map_err(err)?;
        }
        first = end;
    }
    db.flush().map_err(err)?;
    let wall = started.elapsed();
    let cpu = cpu_time().saturating_sub(cpu_before);
    Ok((cpu, wall))
}

fn key(tag: u8, n: u64) -> Vec<u8> {
    let mut k = vec![tag];
    k.extend_from_slice(&n.to_be_bytes());
    k
}

/// User + system time of this process so far.
fn cpu_time() -> Duration {
    // SAFETY: an all-zero rusage is a valid value of the plain C struct, and getrusage only
    // writes into the one it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let time = |t: libc::timeval| Duration::new(t.tv_sec.max(0) as u64, (t.tv_usec.max(0) as u32) * 1000);
    time(usage.ru_utime) + time(usage.ru_stime)
}
