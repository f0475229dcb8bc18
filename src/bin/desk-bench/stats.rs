//! The `stats` suite: `desk-bench stats [--tickets N] [--json] [--data DIR] [--keep]` fills a
//! fresh store with N generated historical tickets (three years, as the `store` suite does), then
//! measures the statistics as the server answers them: the first question (which builds every
//! ticket's facts, hot words cut, by one scan of the store), a month and a year with their hot
//! words, merchants at risk and pledge candidates, the tickets behind each one's total as the
//! statistics screen's drill-down list (first window, next window), the next question after a
//! new ticket (and the wall's live counts, which it asks on every change), and the full-year
//! workbook by the real `rightsdesk report` alone: first without the store's copy of the facts
//! (it derives and stores them, as the first run after an import does), then again (it reads
//! them). Then the real `rightsdesk serve` on the same store: its start-up scan and memory, the
//! first statistics question through its socket, and the same workbook through it.

use crate::serve_process::ServeProcess;
use crate::{Args, Figure, fig, ms, proc_status_mb};
use rightsdesk::engine::stats::{StatsDrill, StatsQuery};
use rightsdesk::engine::window::{Scope as ViewScope, Sort, ViewSpec, WindowQuery};
use rightsdesk::engine::{Command, Engine, Envelope};
use rightsdesk::generate::Generator;
use rightsdesk::stats::{Period, Selector};
use rightsdesk::time::Clock;
use std::path::Path;
use std::time::Instant;

/// Each warm question is asked this many times; the figure is the median.
const REPEATS: usize = 5;

pub fn run(args: &Args) -> Result<Vec<Figure>, String> {
    let n = args.tickets.unwrap_or(1_000_000);
    crate::with_store(args, "stats", |run| {
        let filled = crate::store::backfill(args.seed, n, args.burst.max(1), &run.config, run.now, &run.dir)?;
        let mut engine =
            Engine::open(&run.dir, run.config.clone(), Clock::Fixed(run.now)).map_err(|e| e.to_string())?;
        let reader = engine.reader();
        let today = run.now.china_date();
        let day = |s: &str| s.parse::<chrono::NaiveDate>().map_err(|e| e.to_string());
        // The last whole month and the last 365 days before the fixed now (2026-11-28).
        let month = Period::new(day("2026-10-01")?, day("2026-10-31")?).map_err(|e| e.to_string())?;
        let year = Period::new(today - chrono::Duration::days(365), today - chrono::Duration::days(1))
            .map_err(|e| e.to_string())?;
        let ask = |period: Period| StatsQuery { period: Some(period), unit: None, town: None };

        let rss_before = proc_status_mb(None, "VmRSS");
        let started = Instant::now();
        let first = reader.statistics(&ask(month)).map_err(|e| e.to_string())?;
        let first_ms = ms(started.elapsed());
        let rss_after = proc_status_mb(None, "VmRSS");

        let median = |period: Period| -> Result<(f64, u64, usize), String> {
            let mut times = Vec::with_capacity(REPEATS);
            let mut last = None;
            for _ in 0..REPEATS {
                let started = Instant::now();
                last = Some(reader.statistics(&ask(period)).map_err(|e| e.to_string())?);
                times.push(started.elapsed());
            }
            times.sort();
            let s = last.ok_or("no answer")?;
            Ok((ms(times[REPEATS / 2]), s.total, s.hot_words.len()))
        };
        let (month_ms, month_total, month_words) = median(month)?;
        let (year_ms, year_total, _) = median(year)?;

        // The statistics screen's drill-down: the tickets behind a period's total as a list the
        // server keeps — the first window (the tickets found, the view built) and the next one.
        let drill = |period: Period| -> Result<(f64, f64, usize), String> {
            let view = ViewSpec {
                scope: ViewScope::All,
                sort: Sort::Received,
                drill: Some(Box::new(StatsDrill {
                    query: ask(period),
                    previous: false,
                    selector: Selector::Total,
                })),
                ..ViewSpec::default()
            };
            let window = |offset: usize| {
                let q = WindowQuery { view: view.clone(), offset, limit: 3 * 37, anchor: None };
                reader.window(&q).map_err(|e| e.to_string())
            };
            let started = Instant::now();
            let first = window(0)?;
            let first_ms = ms(started.elapsed());
            let started = Instant::now();
            window(3 * 37)?;
            Ok((first_ms, ms(started.elapsed()), first.total))
        };
        // A server loads its catalogue of every ticket as it starts: loaded here first too.
        let every = ViewSpec { scope: ViewScope::All, ..ViewSpec::default() };
        reader
            .window(&WindowQuery { view: every, offset: 0, limit: 1, anchor: None })
            .map_err(|e| e.to_string())?;
        let (drill_month_first, drill_month_next, drill_month_total) = drill(month)?;
        let (drill_year_first, drill_year_next, drill_year_total) = drill(year)?;
        if (drill_month_total as u64, drill_year_total as u64) != (month_total, year_total) {
            return Err(format!(
                "the drill-down lists {drill_month_total} and {drill_year_total} tickets, the totals say {month_total} and {year_total}"
            ));
        }

        // A new ticket, then the next question: only that ticket's facts are derived again.
        let mut g = Generator::new(args.seed ^ 0x006e_6577, &run.config.org, &run.config.channels);
        let fresh = g.new_ticket("12345", run.now.plus_seconds(-60));
        engine
            .execute(Envelope { actor: "bench".into(), command: Command::Register(Box::new(fresh)) })
            .map_err(|e| e.to_string())?;
        // The wall asks its live counts on every pushed change: the first answer after the ticket.
        let live = rightsdesk::tui::wall::live_views();
        let started = Instant::now();
        let counts = reader.counts(&live).map_err(|e| e.to_string())?;
        let wall_counts_after_new = started.elapsed();
        let started = Instant::now();
        let after = reader.statistics(&ask(Period::month_to_date(run.now))).map_err(|e| e.to_string())?;
        let after_new = started.elapsed();
        eprintln!("wall: {} open, {} overdue", counts.views[0], counts.views[1]);
        eprintln!(
            "month {month_total} tickets, {month_words} hot words (top: {:?}); year {year_total}; this month {}",
            first.hot_words.iter().take(5).map(|w| &w.word).collect::<Vec<_>>(),
            after.total
        );
        let per_ticket_us = first_ms * 1000.0 / filled.applied.max(1) as f64;
        let mut figures = vec![
            fig("tickets", filled.applied as f64, 0, "tickets"),
            fig("facts_build_first_question", first_ms / 1000.0, 2, "s"),
            fig("facts_build_per_ticket", per_ticket_us, 1, "us"),
            fig("stats_month_with_hot_words", month_ms, 1, "ms"),
            fig("stats_month_tickets", month_total as f64, 0, "tickets"),
            fig("stats_year_with_hot_words", year_ms, 1, "ms"),
            fig("stats_year_tickets", year_total as f64, 0, "tickets"),
            fig("stats_drill_month_first_window", drill_month_first, 1, "ms"),
            fig("stats_drill_month_next_window", drill_month_next, 1, "ms"),
            fig("stats_drill_year_first_window", drill_year_first, 1, "ms"),
            fig("stats_drill_year_next_window", drill_year_next, 1, "ms"),
            fig("stats_after_a_new_ticket", ms(after_new), 1, "ms"),
            fig("wall_live_counts_after_a_new_ticket", ms(wall_counts_after_new), 1, "ms"),
        ];
        if let (Some(before), Some(after)) = (rss_before, rss_after) {
            figures.push(fig("facts_memory", after - before, 0, "MiB"));
        }
        drop(reader);
        engine.close_with_checkpoint().map_err(|e| e.to_string())?;
        // The full-year report by the real binary on the store, alone: first with the store's
        // copy of the facts dropped (the first run after an import derives every ticket's facts
        // and stores them), then again (it reads them).
        forget_stored_facts(&run.dir)?;
        let book = run.dir.join("year.xlsx");
        let report_alone = || -> Result<f64, String> {
            let started = Instant::now();
            let out = std::process::Command::new(&run.binary)
                .arg("--data")
                .arg(&run.dir)
                .args(["report", "--from", &year.from.to_string(), "--to", &year.to.to_string(), "--xlsx"])
                .arg(&book)
                .env("RIGHTSDESK_NOW", crate::store::NOW)
                .output()
                .map_err(|e| format!("cannot run rightsdesk report: {e}"))?;
            let took = started.elapsed();
            if !out.status.success() {
                return Err(format!("rightsdesk report failed: {}", String::from_utf8_lossy(&out.stderr)));
            }
            Ok(took.as_secs_f64())
        };
        figures.push(fig("year_report_xlsx_alone_facts_derived_and_stored", report_alone()?, 2, "s"));
        figures.push(fig("year_report_xlsx_alone_facts_read", report_alone()?, 2, "s"));
        figures.extend(through_serve(&run.binary, &run.dir, year)?);
        Ok(figures)
    })
}

/// The real `rightsdesk serve` on the store: how long its start-up scan takes (the catalogue;
/// the facts are read from the store), its memory then, the first statistics question through
/// its socket, and the full-year workbook through it.
fn through_serve(binary: &Path, dir: &Path, year: Period) -> Result<Vec<Figure>, String> {
    let serve = ServeProcess::start(binary, dir, crate::store::NOW)?;
    // Its start-up scan (catalogue; the facts read from the store the lone reports filled).
    let scan = serve.wait_until_idle(std::time::Duration::from_secs(600));
    let rss_scanned = serve.status_mb("VmRSS");
    let started = Instant::now();
    let rightsdesk = |args: &[&str]| -> Result<(), String> {
        let out = std::process::Command::new(binary)
            .arg("--data")
            .arg(dir)
            .args(args)
            .env("RIGHTSDESK_NOW", crate::store::NOW)
            .output()
            .map_err(|e| format!("cannot run rightsdesk {}: {e}", args[0]))?;
        if !out.status.success() {
            return Err(format!("rightsdesk {} failed: {}", args[0], String::from_utf8_lossy(&out.stderr)));
        }
        Ok(())
    };
    let (from, to) = (year.from.to_string(), year.to.to_string());
    rightsdesk(&["stats", "--from", "2026-10-01", "--to", "2026-10-31", "--format", "json"])?;
    let first = started.elapsed();
    let rss_built = serve.status_mb("VmRSS");
    let started = Instant::now();
    rightsdesk(&["stats", "--from", "2026-10-01", "--to", "2026-10-31", "--format", "json"])?;
    let month = started.elapsed();
    let book = dir.join("year-through-serve.xlsx");
    let book_arg = book.to_string_lossy().into_owned();
    let started = Instant::now();
    rightsdesk(&["report", "--from", &from, "--to", &to, "--xlsx", &book_arg])?;
    let report = started.elapsed();
    let rss_after = serve.status_mb("VmRSS");
    let peak = serve.status_mb("VmHWM");
    serve.stop()?;
    let mut figures = vec![
        fig("serve_start_scan_s", scan.as_secs_f64(), 1, "s"),
        fig("serve_first_stats_question_after_start_scan", first.as_secs_f64(), 2, "s"),
        fig("serve_stats_month_process", ms(month), 1, "ms"),
        fig("year_report_xlsx_through_serve", report.as_secs_f64(), 2, "s"),
    ];
    for (name, value) in [
        ("serve_rss_after_start_scan", rss_scanned),
        ("serve_rss_catalogue_and_facts_built", rss_built),
        ("serve_rss_after_year_report", rss_after),
        ("serve_peak_rss", peak),
    ] {
        if let Some(mb) = value {
            figures.push(fig(name, mb, 0, "MiB"));
        }
    }
    Ok(figures)
}

/// Drops the store's copy of the statistics' facts, as a store fresh from an import has none.
fn forget_stored_facts(dir: &Path) -> Result<(), String> {
    let store = rightsdesk::store::Store::open(dir, &Default::default()).map_err(|e| e.to_string())?;
    store.fact_tree().and_then(|tree| tree.clear()).map_err(|e| e.to_string())?;
    store.close().map_err(|e| e.to_string())
}
