//! The `ui` suite: `desk-bench ui [--tickets N] [--json]`: what a clerk at the console waits for,
//! measured as the clerk sees it: the real `rightsdesk` console in a 120×40 pseudo-terminal (see
//! `pty`), its output read by a vt100 parser, attached to the real `rightsdesk serve`.
//!
//! A fresh store is filled with N generated historical tickets (default 1,000,000, about 5%
//! open) as of a fixed instant by the store suite's code (`store::backfill`). Before serve opens
//! it, the windows the console will ask for are asked in-process (`Reader::query`, what serve
//! runs for them): `*_server_ms`, where the time goes on the server's side; then a statistics
//! question (`facts_built_in_process_s`), so that the store holds the copies of the catalogue and
//! of the statistics' facts a bureau's store holds after serve's first start (which derives and
//! stores both by one scan of every ticket), and serve reads them as every later start does.
//! Serve's memory after that first, scanning, start is the stats suite's
//! `serve_rss_catalogue_and_facts_built`. Then serve starts
//! (see `serve_process`, same fixed clock, no channel workers), settles (no change pushed for a
//! second), and the console is started with `--data DIR` on the same fixed clock, zh-CN,
//! `TERM=xterm-256color`, and a config directory of its own (empty: the shipped views):
//!
//! 1. `start_to_first_frame_ms`: spawning the console → the table's rows on screen (the status
//!    line shows `1/TOTAL` and no row is still loading). `bytes_first_frame`: what it wrote by then.
//! 2. `nav_key_*`: 500 keys — `j` ×6, `k` ×2, PageDown, `j`, fifty times — each written to the
//!    pty, then the screen read until the cursor moved (the status line's position changed) and
//!    the table shows its rows; the next key only once the console has written nothing for
//!    50 ms, the new ticket's preview drawn (`nav_preview_*`: key → the console's last write
//!    before that rest, the preview's; the screen cannot tell the new preview from the one it
//!    replaces, which stays until it comes). p50, p99 and max, nearest rank.
//! 3. `bytes_step_down_*`: bytes the console writes for one `j`, read until it has written
//!    nothing for 200 ms: with the preview off (`p`), then on (the preview of the next ticket
//!    included); the median of 20 steps from the top of the list (Home), the cursor moving
//!    within the screen. `bytes_scroll_down_*`: the same for 20 steps from the screen's last
//!    row, each scrolling the table by one row.
//! 4. `search_open_*`: `/` in the open queue, then `ronggui` and `预付卡` typed one character at a
//!    time (as an input method delivers them), each keystroke → the prompt shows it and the
//!    table the new results; Esc between words. `*_median_ms` over the keystrokes,
//!    `*_first_rows_ms` the median to the first frame with result rows (the server answers rows
//!    and total in one window, so today the two coincide), `*_max_ms` the slowest keystroke.
//! 5. `search_all_*`: the same in a second console whose only saved view is
//!    `filter = { scope = "all" }` (a `views.toml` in its `--config` directory): every ticket.
//!    `start_all_to_first_frame_ms`: that console's start to its first rows.
//! 6. `console_rss_mb` / `console_peak_rss_mb`: the first console's `VmRSS` / `VmHWM` at the end;
//!    `console_all_peak_rss_mb` the second's; `serve_rss_mb` / `serve_peak_rss_mb` serve's at
//!    the end, `serve_rss_open_mb` its `VmRSS` after the first console, before any view of
//!    every ticket.
//! 7. `serve_rss_after_new_ticket_mb`: serve's `VmRSS` once a walk-in was registered and a
//!    statistics question asked through it (`rightsdesk ticket register`, `rightsdesk stats`):
//!    the new ticket's hot words load the word segmenter, as a bureau's serve taking new
//!    tickets holds it. Each run registers one walk-in more in the store.
//!    `serve_peak_rss_after_new_ticket_mb`: its `VmHWM` then, the segmenter's loading included.
//!
//! The consoles log their own account of their time (`src/tui/timing.rs`, see `ui_timing`):
//! `start_console_*_ms`, the steps of the first console's start on its own clock (from its
//! `main`), and `nav_console_key_p50_ms` / `_p99_ms`, its time from reading a navigation key to
//! having written the frame; the rest of a key's time is the terminal, the scheduler and this
//! bench's reading: `nav_key_to_console_*` the way in (the key written to the pty → the
//! console's event loop has it), `nav_frame_to_bench_*` the way out (the frame written → this
//! bench has read the screen showing it), both on the machine's monotonic clock, which the
//! console logs too. The slowest keys are printed with their steps.
//!
//! Benchmarks print figures: nothing here fails because something was slow.

use crate::pty::Pty;
use crate::serve_process::ServeProcess;
use crate::store::{self, NOW};
use crate::ui_timing;
use crate::{Args, Figure, fig, ms, proc_status_mb, remove, temp_dir, with_store};
use rightsdesk::config::Config;
use rightsdesk::engine::window::{Scope, ViewSpec, WindowQuery};
use rightsdesk::engine::{Answer, Engine, Query};
use rightsdesk::remote::{Client, Notice};
use rightsdesk::time::{Clock, Timestamp};
use rightsdesk::tui::timing::monotonic_us;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

const COLS: u16 = 120;
const ROWS: u16 = 40;
/// The console's layout at 120×40: a 24-cell sidebar; beside it the table, 58 cells wide when
/// the preview (the remaining 38) is shown.
const SIDEBAR: u16 = 24;
const TABLE_WITH_PREVIEW: u16 = 58;
/// Rows of tickets the table shows at 120×40 (what the console asks windows for: 3 screens).
const LIST_ROWS: usize = 34;
const STATUS_ROW: u16 = ROWS - 2;
const LOADING: &str = "载入中";
const PAGE_DOWN: &str = "\x1b[6~";
const ESC: &str = "\x1b";
const HOME: &str = "\x1b[H";
const NAV_ROUND: &[&str] = &["j", "j", "j", "j", "j", "j", "k", "k", PAGE_DOWN, "j"];
const NAV_ROUNDS: usize = 50;
const BYTE_STEPS: usize = 20;
/// Searches typed: a town's pinyin and a Chinese word.
const WORDS: &[&str] = &["ronggui", "预付卡"];
const QUIET: Duration = Duration::from_millis(200);
/// How long one screen update may take before the run gives up (an all-tickets search on a
/// slow machine can take seconds).
const PATIENCE: Duration = Duration::from_secs(300);
const SETTLE_AT_MOST: Duration = Duration::from_secs(60);
/// How long the console must have written nothing before the next navigation key.
const NAV_REST: Duration = Duration::from_millis(50);

pub fn run(args: &Args) -> Result<Vec<Figure>, String> {
    let n = args.tickets.unwrap_or(1_000_000);
    let configs = temp_dir("ui-config")?;
    let result = with_store(args, "ui", |r| run_ui(args, n, &r.config, r.now, &r.binary, &r.dir, &configs));
    remove(&configs, true);
    result
}

fn run_ui(
    args: &Args,
    n: usize,
    config: &Arc<Config>,
    now: Timestamp,
    binary: &Path,
    dir: &Path,
    configs: &Path,
) -> Result<Vec<Figure>, String> {
    let applied = match store::filled_before(dir, n, args.seed).filter(|_| args.reuse) {
        Some(applied) => {
            eprintln!("measuring the store an earlier run filled in {}", dir.display());
            applied
        }
        None if args.reuse => {
            return Err(format!(
                "{} holds no store filled with --tickets {n} --seed {}",
                dir.display(),
                args.seed
            ));
        }
        None => {
            let applied = store::backfill(args.seed, n, args.burst.max(1), config, now, dir)?.applied;
            store::record_filled(dir, n, args.seed, applied as u64)?;
            applied as u64
        }
    };
    let mut figures = vec![fig("tickets", applied as f64, 0, "tickets")];
    figures.extend(in_process(config, now, dir)?);

    let open_config = configs.join("open");
    let all_config = configs.join("all");
    std::fs::create_dir_all(&open_config).map_err(|e| format!("{}: {e}", open_config.display()))?;
    std::fs::create_dir_all(&all_config).map_err(|e| format!("{}: {e}", all_config.display()))?;
    let views = "[[view]]\nname = \"全部工单\"\nen = \"All tickets\"\nfilter = { scope = \"all\" }\n";
    std::fs::write(all_config.join("views.toml"), views).map_err(|e| format!("views.toml: {e}"))?;

    let serve = ServeProcess::start(binary, dir, NOW)?;
    figures.push(fig("serve_start_ms", ms(serve.started_in), 1, "ms"));
    settle_serve(dir)?;
    // As a bureau's serve has been running: its start's scan of every ticket is over.
    eprintln!("waiting for serve's start-up scan (catalogue and statistics) to end");
    let scan = serve.wait_until_idle(Duration::from_secs(300));
    figures.push(fig("serve_start_scan_s", scan.as_secs_f64(), 1, "s"));
    let measured = measure(binary, dir, &open_config, &all_config, &serve);
    figures.push(fig("serve_rss_mb", serve.status_mb("VmRSS").unwrap_or(f64::NAN), 1, "MiB"));
    figures.push(fig("serve_peak_rss_mb", serve.status_mb("VmHWM").unwrap_or(f64::NAN), 1, "MiB"));
    match new_ticket_and_statistics(binary, dir) {
        Ok(()) => {
            let rss = serve.status_mb("VmRSS").unwrap_or(f64::NAN);
            figures.push(fig("serve_rss_after_new_ticket_mb", rss, 1, "MiB"));
            let peak = serve.status_mb("VmHWM").unwrap_or(f64::NAN);
            figures.push(fig("serve_peak_rss_after_new_ticket_mb", peak, 1, "MiB"));
        }
        Err(e) => eprintln!("desk-bench: {e}"),
    }
    if let Err(e) = serve.stop() {
        eprintln!("desk-bench: {e}");
    }
    figures.extend(measured?);
    Ok(order(figures))
}

/// The windows the console asks for, asked in-process before serve opens the store: what the
/// server spends on them.
fn in_process(config: &Arc<Config>, now: Timestamp, dir: &Path) -> Result<Vec<Figure>, String> {
    let engine = Engine::open(dir, config.clone(), Clock::Fixed(now)).map_err(|e| e.to_string())?;
    let reader = engine.reader();
    let window = |view: ViewSpec| -> Result<(Duration, usize), String> {
        let query = Query::Window(WindowQuery { view, offset: 0, limit: 3 * LIST_ROWS, anchor: None });
        let started = Instant::now();
        let answer = reader.query(&query).map_err(|e| e.to_string())?;
        let took = started.elapsed();
        match answer {
            Answer::Window(w) => Ok((took, w.total)),
            _ => Err("a window query answered with something else".into()),
        }
    };
    let mut figures = Vec::new();
    let (first, open_total) = window(ViewSpec::default())?;
    figures.push(fig("open_tickets", open_total as f64, 0, "tickets"));
    figures.push(fig("window_open_server_first_ms", ms(first), 1, "ms"));
    figures.push(fig("window_open_server_ms", ms(window(ViewSpec::default())?.0), 3, "ms"));
    let all = ViewSpec { scope: Scope::All, ..ViewSpec::default() };
    eprintln!("the all-tickets view in-process");
    let (first, _) = window(all.clone())?;
    figures.push(fig("window_all_server_first_ms", ms(first), 1, "ms"));
    for (scope, name) in [(Scope::Open, "search_open_server_ms"), (Scope::All, "search_all_server_ms")] {
        let mut samples = Vec::new();
        for word in WORDS {
            let mut typed = String::new();
            for c in word.chars() {
                typed.push(c);
                let view = ViewSpec { scope, search: Some(typed.clone()), ..ViewSpec::default() };
                let (took, total) = window(view)?;
                eprintln!("in-process {scope:?} search {typed:?}: {total} matches in {:.1} ms", ms(took));
                samples.push(ms(took));
            }
        }
        figures.push(fig(name, percentile(&samples, 0.5), 1, "ms"));
    }
    // As a bureau's store has them after serve's first start (which derives and stores both
    // by one scan): the catalogue is stored by now, the statistics' facts by a first question.
    // serve then reads both copies as every later start does.
    eprintln!("the statistics' facts in-process (stored for serve to read)");
    let started = Instant::now();
    let question = rightsdesk::engine::stats::StatsQuery { period: None, unit: None, town: None };
    reader.statistics(&question).map_err(|e| e.to_string())?;
    figures.push(fig("facts_built_in_process_s", started.elapsed().as_secs_f64(), 1, "s"));
    drop(reader);
    engine.close_with_checkpoint().map_err(|e| format!("closing the store: {e}"))?;
    Ok(figures)
}

/// Waits until serve has pushed no change for a second (the deadline scheduler raises the
/// alarms that have come when it starts): a console must not redraw for them while measured.
/// A walk-in registered and a statistics question asked through serve, as the real commands do
/// (`rightsdesk ticket register`, `rightsdesk stats`): the new ticket's hot words load the word
/// segmenter, which a bureau's serve taking new tickets holds (until 5 minutes unused).
fn new_ticket_and_statistics(binary: &Path, dir: &Path) -> Result<(), String> {
    let register = [
        "ticket",
        "register",
        "--channel",
        "walkin",
        "--title",
        "容桂某健身房预付卡闭店不退款",
        "--facts",
        "消费者反映健身房突然闭店，剩余课时费无法退还，商家拒绝退款。",
    ];
    for args in [&register[..], &["stats"]] {
        let out = crate::rightsdesk_on(binary, dir, NOW)
            .args(["--as", "desk-bench"])
            .args(args)
            .stdin(std::process::Stdio::null())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
        if !out.status.success() {
            return Err(format!("{args:?}: {}", String::from_utf8_lossy(&out.stderr).trim()));
        }
    }
    Ok(())
}

fn settle_serve(dir: &Path) -> Result<(), String> {
    let mut subscriber =
        Client::attach(dir).map_err(|e| e.to_string())?.ok_or("serve's socket is gone".to_string())?;
    subscriber.subscribe().map_err(|e| e.to_string())?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        while let Ok(notice) = subscriber.next_notice() {
            if matches!(notice, Notice::Change(_) | Notice::Lagged(_)) && tx.send(()).is_err() {
                return;
            }
        }
    });
    let started = Instant::now();
    let mut changes = 0;
    while started.elapsed() < SETTLE_AT_MOST && rx.recv_timeout(Duration::from_secs(1)).is_ok() {
        changes += 1;
    }
    eprintln!("serve settled after {changes} changes");
    Ok(())
}

fn console(binary: &Path, dir: &Path, config_dir: &Path) -> Result<(Pty, Instant), String> {
    let mut command = crate::rightsdesk_on(binary, dir, NOW);
    command
        .arg("--config")
        .arg(config_dir)
        .env("TERM", "xterm-256color")
        .env("LANG", "zh_CN.UTF-8")
        // Its own account of its time, in a log of its own (see `ui_timing`).
        .env("RIGHTSDESK_LOG", ui_timing::LOG_FILTER)
        .env("XDG_STATE_HOME", state_home(config_dir))
        .env_remove("NO_COLOR")
        .env_remove("COLORTERM");
    let started = Instant::now();
    Ok((Pty::spawn(command, COLS, ROWS)?, started))
}

/// Where the console started with `config_dir` keeps its state (its log among it).
fn state_home(config_dir: &Path) -> std::path::PathBuf {
    config_dir.join("state")
}

/// The console's log directory under `state_home` (the per-user state directory's layout).
fn console_logs(config_dir: &Path) -> std::path::PathBuf {
    state_home(config_dir).join("rightsdesk").join("logs")
}

fn status(s: &vt100::Screen) -> String {
    Pty::line(s, STATUS_ROW, 0, COLS).trim().to_string()
}

/// The cursor's position and the list's total from the status line (`12/50000 …`).
fn position(s: &vt100::Screen) -> Option<(usize, usize)> {
    let line = status(s);
    let first = line.split_whitespace().next()?;
    let (at, total) = first.split_once('/')?;
    Some((at.parse().ok()?, total.parse().ok()?))
}

/// Some row of the table is still being asked for.
fn table_loading(s: &vt100::Screen, preview: bool) -> bool {
    let width = if preview { TABLE_WITH_PREVIEW } else { COLS - SIDEBAR };
    s.rows(SIDEBAR, width).take(STATUS_ROW as usize).any(|l| l.contains(LOADING))
}

fn anything_loading(s: &vt100::Screen) -> bool {
    s.contents().contains(LOADING)
}

/// The table shows the first rows of a non-empty list.
fn first_rows(s: &vt100::Screen) -> bool {
    matches!(position(s), Some((1, total)) if total > 0) && !table_loading(s, true)
}

fn measure(
    binary: &Path,
    dir: &Path,
    open_config: &Path,
    all_config: &Path,
    serve: &ServeProcess,
) -> Result<Vec<Figure>, String> {
    let mut figures = Vec::new();
    eprintln!("the console on the open queue");
    let (mut c, started) = console(binary, dir, open_config)?;
    let shown = c.wait("the first rows", PATIENCE, first_rows)?;
    figures.push(fig("start_to_first_frame_ms", ms(shown - started), 1, "ms"));
    figures.push(fig("bytes_first_frame", c.bytes as f64, 0, "bytes"));
    c.wait("the preview", PATIENCE, |s| !anything_loading(s))?;
    c.settle(Duration::from_millis(500), SETTLE_AT_MOST);

    eprintln!("{} navigation keys", NAV_ROUNDS * NAV_ROUND.len());
    let (mut keys, mut previews, mut sent_seen) = (Vec::new(), Vec::new(), Vec::new());
    for key in NAV_ROUND.iter().cycle().take(NAV_ROUNDS * NAV_ROUND.len()) {
        let before = position(c.parser.screen());
        let sent_us = monotonic_us();
        let sent = Instant::now();
        c.send(key)?;
        let moved = c.wait("the cursor to move", PATIENCE, |s| {
            position(s) != before && position(s).is_some() && !table_loading(s, true)
        })?;
        keys.push(ms(moved - sent));
        sent_seen.push((sent_us, monotonic_us()));
        // A clerk stepping one row at a time: the next key once the console has rested (the
        // new ticket's preview drawn; the console shows the last one until it comes, so the
        // screen cannot tell), and its last write before resting is the preview's.
        c.settle(NAV_REST, PATIENCE);
        previews.push(ms(c.last_output.saturating_duration_since(sent)));
    }
    figures.extend([
        fig("nav_key_p50_ms", percentile(&keys, 0.5), 2, "ms"),
        fig("nav_key_p99_ms", percentile(&keys, 0.99), 2, "ms"),
        fig("nav_key_max_ms", percentile(&keys, 1.0), 2, "ms"),
        fig("nav_preview_p50_ms", percentile(&previews, 0.5), 2, "ms"),
        fig("nav_preview_p99_ms", percentile(&previews, 0.99), 2, "ms"),
    ]);

    eprintln!("bytes of one step down, without and with the preview");
    c.send("p")?;
    c.wait("the preview hidden", PATIENCE, |s| !s.contents().contains("预览"))?;
    c.settle(QUIET, SETTLE_AT_MOST);
    let (plain, plain_scroll) = step_bytes(&mut c, false)?;
    c.send("p")?;
    c.wait("the preview back", PATIENCE, |s| s.contents().contains("预览") && !anything_loading(s))?;
    c.settle(QUIET, SETTLE_AT_MOST);
    let (with_preview, preview_scroll) = step_bytes(&mut c, true)?;
    figures.extend([
        fig("bytes_step_down_no_preview", percentile(&plain, 0.5), 0, "bytes"),
        fig("bytes_step_down_preview", percentile(&with_preview, 0.5), 0, "bytes"),
        fig("bytes_scroll_down_no_preview", percentile(&plain_scroll, 0.5), 0, "bytes"),
        fig("bytes_scroll_down_preview", percentile(&preview_scroll, 0.5), 0, "bytes"),
    ]);

    eprintln!("searching the open queue");
    let open = search(&mut c)?;
    figures.extend([
        fig("search_open_median_ms", percentile(&open.results, 0.5), 1, "ms"),
        fig("search_open_first_rows_ms", percentile(&open.first_rows, 0.5), 1, "ms"),
        fig("search_open_max_ms", percentile(&open.results, 1.0), 1, "ms"),
        fig("search_open_keys", open.results.len() as f64, 0, "keys"),
    ]);
    figures.push(fig("console_rss_mb", proc_status_mb(Some(c.pid), "VmRSS").unwrap_or(f64::NAN), 1, "MiB"));
    figures.push(fig(
        "console_peak_rss_mb",
        proc_status_mb(Some(c.pid), "VmHWM").unwrap_or(f64::NAN),
        1,
        "MiB",
    ));
    quit(c);
    figures.extend(ui_timing::figures(&console_logs(open_config), &sent_seen, percentile));
    // Before any view of every ticket: what serve holds for the open queue.
    figures.push(fig("serve_rss_open_mb", serve.status_mb("VmRSS").unwrap_or(f64::NAN), 1, "MiB"));

    eprintln!("the console on every ticket (scope = all)");
    let (mut c, started) = console(binary, dir, all_config)?;
    let shown = c.wait("the first rows of every ticket", PATIENCE, first_rows)?;
    figures.push(fig("start_all_to_first_frame_ms", ms(shown - started), 1, "ms"));
    c.wait("the preview", PATIENCE, |s| !anything_loading(s))?;
    c.settle(Duration::from_millis(500), SETTLE_AT_MOST);
    eprintln!("searching every ticket (serve RSS now {:.0} MiB)", serve.status_mb("VmRSS").unwrap_or(0.0));
    let all = search(&mut c)?;
    figures.extend([
        fig("search_all_median_ms", percentile(&all.results, 0.5), 1, "ms"),
        fig("search_all_first_rows_ms", percentile(&all.first_rows, 0.5), 1, "ms"),
        fig("search_all_max_ms", percentile(&all.results, 1.0), 1, "ms"),
        fig("search_all_keys", all.results.len() as f64, 0, "keys"),
    ]);
    figures.push(fig(
        "console_all_peak_rss_mb",
        proc_status_mb(Some(c.pid), "VmHWM").unwrap_or(f64::NAN),
        1,
        "MiB",
    ));
    quit(c);
    Ok(figures)
}

/// Bytes written for `BYTE_STEPS` steps down from the top of the list, the cursor moving
/// within the screen; then for `BYTE_STEPS` steps from the screen's last row, each scrolling the
/// table by a row. Each step is read until the console is quiet.
fn step_bytes(c: &mut Pty, preview: bool) -> Result<(Vec<f64>, Vec<f64>), String> {
    let done = move |s: &vt100::Screen, before: Option<(usize, usize)>| {
        position(s) != before && !table_loading(s, preview) && (!preview || !anything_loading(s))
    };
    c.send(HOME)?;
    c.wait("the top of the list", PATIENCE, |s| position(s).is_some_and(|(at, _)| at == 1) && done(s, None))?;
    c.settle(QUIET, SETTLE_AT_MOST);
    let step = |c: &mut Pty| -> Result<f64, String> {
        let before = position(c.parser.screen());
        let from = c.bytes;
        c.send("j")?;
        c.wait("one step down", PATIENCE, |s| done(s, before))?;
        c.settle(QUIET, SETTLE_AT_MOST);
        Ok((c.bytes - from) as f64)
    };
    let within: Vec<f64> = (0..BYTE_STEPS).map(|_| step(c)).collect::<Result<_, _>>()?;
    while position(c.parser.screen()).is_some_and(|(at, _)| at < LIST_ROWS) {
        step(c)?;
    }
    let scrolling: Vec<f64> = (0..BYTE_STEPS).map(|_| step(c)).collect::<Result<_, _>>()?;
    Ok((within, scrolling))
}

struct Searched {
    /// Keystroke → the prompt shows it and the table the new results.
    results: Vec<f64>,
    /// Keystroke → the first frame with result rows.
    first_rows: Vec<f64>,
}

/// Types each of `WORDS` after `/`, one character a keystroke, each waited for; Esc after each.
fn search(c: &mut Pty) -> Result<Searched, String> {
    let mut out = Searched { results: Vec::new(), first_rows: Vec::new() };
    for word in WORDS {
        let Some((_, total)) = position(c.parser.screen()) else {
            return Err(format!("no position on the status line:\n{}", c.parser.screen().contents()));
        };
        c.send("/")?;
        c.wait("the search prompt", PATIENCE, |s| status(s).starts_with('/'))?;
        c.settle(QUIET, SETTLE_AT_MOST);
        let mut typed = String::new();
        for ch in word.chars() {
            typed.push(ch);
            let prompt = format!("/{typed}");
            let sent = Instant::now();
            c.send(&ch.to_string())?;
            let rows = c.wait("the first result rows", PATIENCE, |s| {
                status(s).starts_with(&prompt) && !table_loading(s, true)
            })?;
            // Rows and total come in one answer: the title's count is on the same frame.
            let done = c.wait("the results", PATIENCE, |s| {
                status(s).starts_with(&prompt) && !table_loading(s, true) && title_total(s).is_some()
            })?;
            out.first_rows.push(ms(rows - sent));
            out.results.push(ms(done - sent));
            eprintln!(
                "  {prompt}: {} matches, {:.1} ms",
                title_total(c.parser.screen()).unwrap_or(0),
                ms(done - sent)
            );
            c.settle(QUIET, SETTLE_AT_MOST);
        }
        c.send(ESC)?;
        c.wait("the view without the search", PATIENCE, |s| {
            position(s).is_some_and(|(at, t)| at == 1 && t == total) && !table_loading(s, true)
        })?;
        c.settle(QUIET, SETTLE_AT_MOST);
    }
    Ok(out)
}

/// The count in the table's title (`┌ 1234 件 ─…`).
fn title_total(s: &vt100::Screen) -> Option<usize> {
    let line = Pty::line(s, 1, SIDEBAR, TABLE_WITH_PREVIEW);
    let at = line.find('件')?;
    line[..at].trim_end().rsplit(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
}

fn quit(mut c: Pty) {
    if c.send("q").is_ok() {
        match c.wait_exit(Duration::from_secs(20)) {
            Some(0) => {}
            other => eprintln!("desk-bench: the console ended with {other:?} after q"),
        }
    }
}

/// The nearest-rank percentile `q` (0.5 the median, 1.0 the largest); NaN without samples.
fn percentile(values: &[f64], q: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len().max(1));
    sorted.get(rank - 1).copied().unwrap_or(f64::NAN)
}

/// The figures in the order the suite's description gives them.
fn order(figures: Vec<Figure>) -> Vec<Figure> {
    const ORDER: &[&str] = &[
        "tickets",
        "open_tickets",
        "serve_start_ms",
        "start_to_first_frame_ms",
        "bytes_first_frame",
        "start_console_server_found_ms",
        "start_console_asked_ms",
        "start_console_first_window_ms",
        "start_console_first_rows_ms",
        "nav_key_p50_ms",
        "nav_key_p99_ms",
        "nav_key_max_ms",
        "nav_preview_p50_ms",
        "nav_preview_p99_ms",
        "nav_console_key_p50_ms",
        "nav_console_key_p99_ms",
        "nav_key_to_console_p50_ms",
        "nav_key_to_console_p99_ms",
        "nav_frame_to_bench_p50_ms",
        "nav_frame_to_bench_p99_ms",
        "bytes_step_down_no_preview",
        "bytes_step_down_preview",
        "bytes_scroll_down_no_preview",
        "bytes_scroll_down_preview",
        "search_open_median_ms",
        "search_open_first_rows_ms",
        "search_open_max_ms",
        "search_open_keys",
        "start_all_to_first_frame_ms",
        "search_all_median_ms",
        "search_all_first_rows_ms",
        "search_all_max_ms",
        "search_all_keys",
        "console_rss_mb",
        "console_peak_rss_mb",
        "console_all_peak_rss_mb",
        "serve_rss_open_mb",
        "serve_rss_mb",
        "serve_peak_rss_mb",
        "serve_rss_after_new_ticket_mb",
        "serve_peak_rss_after_new_ticket_mb",
        "window_open_server_first_ms",
        "window_open_server_ms",
        "search_open_server_ms",
        "window_all_server_first_ms",
        "search_all_server_ms",
        "facts_built_in_process_s",
    ];
    let mut figures = figures;
    figures.sort_by_key(|f| ORDER.iter().position(|&n| n == f.name).unwrap_or(ORDER.len()));
    figures
}
