//! The `import` suite: `desk-bench import [--tickets N] [--json] [--data DIR] [--keep]` writes a
//! CSV export of N generated tickets (default 1,000,000; Chinese headers, 15 columns, as a
//! bureau's old system exports its history), then runs the real `rightsdesk import` on it, as a
//! process of its own on a fresh store, and measures:
//!
//! - `check_*`: `import --dry-run` (pass 1 alone: reading, decoding, checking every row);
//! - `import_*`: the import itself (both passes, the batches written and flushed, the
//!   checkpoint at the end), rows a second, and its peak resident memory (`wait4`'s maxrss);
//! - `*_cpu_us_per_row`: the CPU time (user + system, all threads, from `wait4`) a row cost:
//!   unlike the rate, it hardly moves with what else runs on the machine;
//! - `load_average`: the 1-minute load average when the import started, to read the rates by;
//! - `reimport_*`: the same import again, which adds nothing;
//! - `reopen_ms`: opening the store afterwards, as the next command does (the `store` suite's
//!   `reopen_ms` is the same after a backfill).

use crate::{Args, Figure, fig, ms, remove, temp_dir, with_store};
use rightsdesk::config::Config;
use rightsdesk::engine::Engine;
use rightsdesk::generate::Generator;
use rightsdesk::time::{Clock, Timestamp};
use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

const NOW: &str = crate::store::NOW;
const CHANNEL: &str = "12345";
const YEARS_OF_HISTORY: i64 = 3;
const HEADER: [&str; 15] = [
    "工单编号",
    "类型",
    "受理时间",
    "镇街",
    "投诉人",
    "联系电话",
    "投诉人地址",
    "被投诉人",
    "统一社会信用代码",
    "被投诉人地址",
    "标题",
    "诉求",
    "事实与理由",
    "涉案金额",
    "商品服务类别",
];

pub fn run(args: &Args) -> Result<Vec<Figure>, String> {
    let n = args.tickets.unwrap_or(1_000_000);
    let work = temp_dir("import-file")?;
    let result =
        with_store(args, "import", |r| run_import(args, n, &r.config, r.now, &r.binary, &r.dir, &work));
    if args.keep {
        eprintln!("export kept in {}", work.display());
    } else {
        remove(&work, true);
    }
    result
}

fn run_import(
    args: &Args,
    n: usize,
    config: &Arc<Config>,
    now: Timestamp,
    binary: &Path,
    dir: &Path,
    work: &Path,
) -> Result<Vec<Figure>, String> {
    std::fs::create_dir_all(work).map_err(|e| format!("cannot create {}: {e}", work.display()))?;
    let file = work.join("history-export.csv");
    let started = Instant::now();
    write_export(args.seed, n, config, now, &file)?;
    let generate_seconds = started.elapsed().as_secs_f64();
    let csv_bytes = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
    eprintln!("wrote {n} rows ({:.0} MB) in {generate_seconds:.1} s", csv_bytes as f64 / 1e6);

    let path = file.to_str().ok_or("the export path is not UTF-8")?;
    eprintln!("import --dry-run (pass 1 alone)");
    let check = run_cli(binary, dir, &["import", path, "--channel", CHANNEL, "--dry-run"])?;
    eprintln!("import");
    let load_average = load_average();
    let import = run_cli(binary, dir, &["import", path, "--channel", CHANNEL])?;
    if !import.stdout.contains(&format!("{n} registered")) {
        return Err(format!("the import did not register every row: {}", import.stdout.trim()));
    }
    eprintln!("import again");
    let again = run_cli(binary, dir, &["import", path, "--channel", CHANNEL])?;
    if !again.stdout.contains("0 registered") {
        return Err(format!("importing again added tickets: {}", again.stdout.trim()));
    }
    let store_bytes = crate::store::dir_size(dir);
    let started = Instant::now();
    let engine = Engine::open(dir, config.clone(), Clock::Fixed(now)).map_err(|e| e.to_string())?;
    let reopen_ms = ms(started.elapsed());
    drop(engine);

    let rate = |d: Duration| n as f64 / d.as_secs_f64().max(1e-9);
    let per_row = |d: Duration| d.as_secs_f64() * 1e6 / n.max(1) as f64;
    Ok(vec![
        fig("rows", n as f64, 0, "rows"),
        fig("csv_bytes", csv_bytes as f64, 0, "bytes"),
        fig("check_rate", rate(check.wall), 0, "rows/s"),
        fig("check_seconds", check.wall.as_secs_f64(), 2, "s"),
        fig("check_peak_rss_mb", check.peak_rss_mb, 1, "MiB"),
        fig("check_cpu_us_per_row", per_row(check.cpu), 1, "µs"),
        fig("import_rate", rate(import.wall), 0, "rows/s"),
        fig("import_seconds", import.wall.as_secs_f64(), 2, "s"),
        fig("import_peak_rss_mb", import.peak_rss_mb, 1, "MiB"),
        fig("import_cpu_us_per_row", per_row(import.cpu), 1, "µs"),
        fig("load_average", load_average, 2, ""),
        fig("reimport_rate", rate(again.wall), 0, "rows/s"),
        fig("reimport_seconds", again.wall.as_secs_f64(), 2, "s"),
        fig("reimport_peak_rss_mb", again.peak_rss_mb, 1, "MiB"),
        fig("store_bytes", store_bytes as f64, 0, "bytes"),
        fig("reopen_ms", reopen_ms, 1, "ms"),
        fig("generate_seconds", generate_seconds, 2, "s"),
    ])
}

/// A history export: generated tickets of the 12345 hotline over three years, in order of
/// receipt, each with a unique order number.
fn write_export(seed: u64, n: usize, config: &Config, now: Timestamp, file: &Path) -> Result<(), String> {
    let out = std::fs::File::create(file).map_err(|e| format!("cannot create {}: {e}", file.display()))?;
    let mut csv = csv::Writer::from_writer(BufWriter::with_capacity(1 << 20, out));
    let io = |e: csv::Error| format!("cannot write {}: {e}", file.display());
    csv.write_record(HEADER).map_err(io)?;
    let mut generator = Generator::new(seed, &config.org, &config.channels);
    let day = 86_400;
    let days = YEARS_OF_HISTORY * 365;
    let first_day = now.plus_seconds(-(days + 1) * day);
    for i in 0..n {
        let from = first_day.plus_seconds((i as i64 * days / n.max(1) as i64) * day);
        let received = generator.received_between(CHANNEL, from, from.plus_seconds(day));
        let t = generator.new_ticket(CHANNEL, received);
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let row: [String; 15] = [
            format!("SD{:010}", i + 1),
            t.kind.map(|k| k.zh().to_string()).unwrap_or_default(),
            received.china().format("%Y-%m-%d %H:%M:%S").to_string(),
            text(&t.intake.town),
            text(&t.complainant.name),
            text(&t.complainant.phone),
            text(&t.complainant.address),
            text(&t.respondent.name),
            text(&t.respondent.credit_code),
            text(&t.respondent.address),
            t.dispute.title.clone(),
            text(&t.dispute.request),
            text(&t.dispute.facts),
            t.dispute.amount.map(|a| a.yuan_text()).unwrap_or_default(),
            text(&t.dispute.category),
        ];
        csv.write_record(&row).map_err(io)?;
    }
    let mut inner = csv.into_inner().map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    inner.flush().map_err(|e| format!("cannot write {}: {e}", file.display()))
}

struct Run {
    wall: Duration,
    /// User + system time of every thread of the process.
    cpu: Duration,
    peak_rss_mb: f64,
    stdout: String,
}

/// The 1-minute load average (0 where the system does not say).
fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| text.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(0.0)
}

/// Runs `rightsdesk --data DIR ARGS…` with the bench's fixed now, and its peak resident memory
/// as the kernel counted it (`wait4`), not sampled.
fn run_cli(binary: &Path, dir: &Path, args: &[&str]) -> Result<Run, String> {
    let out = std::env::temp_dir().join(format!("desk-bench-import-out-{}", std::process::id()));
    let stdout = std::fs::File::create(&out).map_err(|e| e.to_string())?;
    let started = Instant::now();
    let child = Command::new(binary)
        .arg("--data")
        .arg(dir)
        .args(args)
        .env("RIGHTSDESK_NOW", NOW)
        .env_remove("RIGHTSDESK_DATA")
        .env_remove("RIGHTSDESK_CONFIG")
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
    let (status, maxrss_kb, cpu) = wait_with_rusage(child.id())?;
    let wall = started.elapsed();
    let stdout = std::fs::read_to_string(&out).unwrap_or_default();
    let _ = std::fs::remove_file(&out);
    if status != 0 {
        return Err(format!("rightsdesk {} exited with {status}: {}", args.join(" "), stdout.trim()));
    }
    Ok(Run { wall, cpu, peak_rss_mb: maxrss_kb as f64 / 1024.0, stdout })
}

/// Waits for the child and returns its exit status, maximum resident set (KiB) and CPU time.
fn wait_with_rusage(pid: u32) -> Result<(i32, i64, Duration), String> {
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero rusage is a valid value of the plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: `status` and `usage` are valid for writes; `pid` is our own child, not yet
        // waited for (std's Child is never waited on, so it is reaped exactly once, here).
        let r = unsafe { libc::wait4(pid as libc::pid_t, &mut status, 0, &mut usage) };
        if r == pid as libc::pid_t {
            break;
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(format!("wait4: {e}"));
        }
    }
    let code = if libc::WIFEXITED(status) { libc::WEXITSTATUS(status) } else { -1 };
    let time = |t: libc::timeval| Duration::new(t.tv_sec.max(0) as u64, (t.tv_usec.max(0) as u32) * 1000);
    Ok((code, usage.ru_maxrss, time(usage.ru_utime) + time(usage.ru_stime)))
}
