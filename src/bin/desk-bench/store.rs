//! The `store` suite: `desk-bench store [--tickets N] [--json] [--data DIR] [--keep]` fills a
//! fresh store with N generated historical tickets (about 5% still open) through the engine,
//! then measures what a clerk waits for: reopening, the open queue, a phone lookup.

use crate::{Args, Figure, fig, ms, proc_status_mb, remove, temp_dir};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rightsdesk::config::{self, Config};
use rightsdesk::domain::ticket::Ticket;
use rightsdesk::engine::{Command, Engine, Envelope, ListFilter, Outcome};
use rightsdesk::generate::Generator;
use rightsdesk::time::{Clock, Timestamp};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::sync_channel;
use std::time::{Duration, Instant};

/// The fixed "now" of every run, so that runs on different days measure the same store.
pub const NOW: &str = "2026-11-28T10:00:00+08:00";
const YEARS_OF_HISTORY: i64 = 3;
const OPEN_SHARE: f64 = 0.05;
/// Chunks queued between the generator thread and the engine: enough to keep the engine fed,
/// few enough that memory stays flat.
const QUEUED_CHUNKS: usize = 4;
const PROGRESS_EVERY: usize = 100_000;
const PHONE_LOOKUPS: usize = 100;

/// The store directory, and whether the run created it (then the whole directory goes at the end;
/// otherwise only what the run put in it).
pub fn data_dir(args: &Args, what: &str) -> Result<(PathBuf, bool), String> {
    match &args.data {
        Some(dir) if args.reuse && dir.join(FILLED).exists() => Ok((dir.clone(), false)),
        Some(dir) if dir.exists() => {
            let mut entries =
                std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
            if entries.next().is_some() {
                return Err(format!(
                    "{} is not empty; give an empty or new directory (the benchmark measures a fresh store)",
                    dir.display()
                ));
            }
            Ok((dir.clone(), false))
        }
        Some(dir) => Ok((dir.clone(), true)),
        None => Ok((temp_dir(what)?, true)),
    }
}

pub fn run(args: &Args) -> Result<Vec<Figure>, String> {
    let n = args.tickets.unwrap_or(1_000_000);
    let burst = args.burst.max(1);
    let config: Arc<Config> = Arc::new(config::load(None).map_err(|e| e.to_string())?);
    let now = Timestamp::parse(NOW).ok_or("the fixed now does not parse")?;
    let (dir, created) = data_dir(args, "store")?;
    let result = run_store(args, n, burst, &config, now, &dir);
    if args.keep {
        eprintln!("store kept in {}", dir.display());
    } else {
        remove(&dir, created);
    }
    result
}

/// What a backfill did: tickets written and where the time went.
pub struct Backfilled {
    pub applied: usize,
    /// Tickets generated (all of them, unless the engine stopped taking them).
    pub made: usize,
    /// Time in the engine: `execute_all`, the last flush and the checkpoint.
    pub engine_busy: Duration,
    pub gen_busy: Duration,
    pub wall: Duration,
    /// Phone numbers the generator gave several tickets.
    pub phones: Vec<String>,
}

/// Fills the store in `dir` with `n` generated historical tickets as of `now` (about 5% still
/// open) through the engine, `burst` tickets per `execute_all`, and closes it durable: the last
/// flush, then a checkpoint. The `store` and `serve` suites start from this.
/// What a kept store was filled with (`ui --keep`), for `--reuse`: `TICKETS SEED APPLIED`.
pub const FILLED: &str = "desk-bench-filled";

/// The tickets of a store an earlier run filled with `n` tickets of `seed`, if `dir` holds one.
pub fn filled_before(dir: &Path, n: usize, seed: u64) -> Option<u64> {
    let text = std::fs::read_to_string(dir.join(FILLED)).ok()?;
    let mut parts = text.split_whitespace().map(|p| p.parse::<u64>().ok());
    match (parts.next()??, parts.next()??, parts.next()??) {
        (tickets, s, applied) if tickets == n as u64 && s == seed => Some(applied),
        _ => None,
    }
}

pub fn record_filled(dir: &Path, n: usize, seed: u64, applied: u64) -> Result<(), String> {
    std::fs::write(dir.join(FILLED), format!("{n} {seed} {applied}\n")).map_err(|e| format!("{FILLED}: {e}"))
}

pub fn backfill(
    seed: u64,
    n: usize,
    burst: usize,
    config: &Arc<Config>,
    now: Timestamp,
    dir: &Path,
) -> Result<Backfilled, String> {
    let generator = Generator::new(seed, &config.org, &config.channels);
    let phones = generator.repeat_phones();

    // Generation runs on its own thread and is timed on its own, so that what the store figures
    // measure is the engine and the store.
    let (tx, rx) = sync_channel::<Vec<Ticket>>(QUEUED_CHUNKS);
    let gen_config = config.clone();
    let producer = std::thread::spawn(move || {
        let mut g = generator;
        let mut mix = StdRng::seed_from_u64(seed ^ 0x6f70_656e);
        let day = 86_400;
        let days = YEARS_OF_HISTORY * 365 + 1;
        let first_day = now.plus_seconds(-days * day);
        let mut busy = Duration::ZERO;
        let mut made = 0;
        while made < n {
            let started = Instant::now();
            let size = burst.min(n - made);
            let mut chunk = Vec::with_capacity(size);
            for i in made..made + size {
                let channel = g.channel_mix().to_string();
                let open = mix.random_bool(OPEN_SHARE);
                let received = if open {
                    // Open tickets are mostly recent: an age of about two weeks on average.
                    let u: f64 = mix.random();
                    let age = (-(1.0 - u).ln() * 10.0 * day as f64).min(120.0 * day as f64) as i64;
                    let at = now.plus_seconds(-age - 3600);
                    g.received_between(&channel, at.plus_seconds(-3600), at)
                } else {
                    // Closed tickets in order of receipt over three years, as a migration exports them;
                    // the last two weeks hold open tickets only.
                    let d = (i as i64 * (days - 14)) / n.max(1) as i64;
                    let from = first_day.plus_seconds(d * day);
                    g.received_between(&channel, from, from.plus_seconds(day))
                };
                chunk.push(g.historical_ticket_as_of(&channel, received, open, &gen_config.sla, now));
            }
            busy += started.elapsed();
            made += size;
            if tx.send(chunk).is_err() {
                break;
            }
        }
        (made, busy)
    });

    let mut engine = Engine::open(dir, config.clone(), Clock::Fixed(now)).map_err(|e| e.to_string())?;
    let wall = Instant::now();
    let mut engine_busy = Duration::ZERO;
    let (mut applied, mut duplicates, mut failed) = (0usize, 0usize, 0usize);
    let mut first_error = None;
    let mut next_progress = PROGRESS_EVERY;
    for chunk in rx {
        let envelopes: Vec<Envelope> = chunk
            .into_iter()
            .map(|t| Envelope { actor: "import".into(), command: Command::Backfill(Box::new(t)) })
            .collect();
        let started = Instant::now();
        let results = engine.execute_all(envelopes);
        engine_busy += started.elapsed();
        for r in results {
            match r {
                Ok(Outcome::Applied(_)) => applied += 1,
                Ok(Outcome::Duplicate(_)) => duplicates += 1,
                Ok(Outcome::Ingested(_) | Outcome::Updated(_)) => unreachable!("backfill only"),
                Err(e) => {
                    failed += 1;
                    first_error.get_or_insert_with(|| e.to_string());
                }
            }
        }
        let done = applied + duplicates + failed;
        if done >= next_progress {
            let rate = done as f64 / engine_busy.as_secs_f64().max(1e-9);
            eprintln!("backfilled {done} of {n} ({rate:.0} tickets/s in the engine)");
            next_progress += PROGRESS_EVERY;
        }
    }
    // Durable at the end: the last flush, then a checkpoint (sled writes its snapshot only
    // while opening; without it the next start replays the whole backfill). Both count.
    let started = Instant::now();
    engine.store().flush().map_err(|e| format!("final flush: {e}"))?;
    engine.close_with_checkpoint().map_err(|e| format!("checkpoint: {e}"))?;
    engine_busy += started.elapsed();
    let wall = wall.elapsed();
    let (made, gen_busy) = producer.join().map_err(|_| "the generator thread panicked".to_string())?;
    if let Some(e) = first_error {
        return Err(format!("{failed} of {made} tickets were not backfilled; the first: {e}"));
    }
    eprintln!("backfilled {applied} tickets ({duplicates} duplicates)");
    Ok(Backfilled { applied, made, engine_busy, gen_busy, wall, phones })
}

fn run_store(
    args: &Args,
    n: usize,
    burst: usize,
    config: &Arc<Config>,
    now: Timestamp,
    dir: &Path,
) -> Result<Vec<Figure>, String> {
    let Backfilled { applied, made, engine_busy, gen_busy, wall, phones, .. } =
        backfill(args.seed, n, burst, config, now, dir)?;
    let wall_seconds = wall.as_secs_f64();
    let store_bytes = dir_size(dir);
    // What a clerk waits for when starting on this store, and when starting again.
    let started = Instant::now();
    let engine = Engine::open(dir, config.clone(), Clock::Fixed(now)).map_err(|e| e.to_string())?;
    let reopen_ms = ms(started.elapsed());
    drop(engine);
    let started = Instant::now();
    let engine = Engine::open(dir, config.clone(), Clock::Fixed(now)).map_err(|e| e.to_string())?;
    let reopen_again_ms = ms(started.elapsed());

    let reader = engine.reader();
    let started = Instant::now();
    let queue = reader.list(&ListFilter::default()).map_err(|e| e.to_string())?;
    let open_ms = ms(started.elapsed());
    // The same list again, as a console refreshing its queue sees it (sled's cache warm).
    let started = Instant::now();
    let again = reader.list(&ListFilter::default()).map_err(|e| e.to_string())?;
    let open_again_ms = ms(started.elapsed());
    debug_assert_eq!(again.len(), queue.len());
    let overdue = queue.iter().filter(|s| s.is_overdue()).count();

    let mut lookups = Vec::with_capacity(PHONE_LOOKUPS);
    let mut found_first = 0;
    for (i, phone) in phones.iter().cycle().take(PHONE_LOOKUPS).enumerate() {
        let started = Instant::now();
        let ids = reader.by_phone(phone).map_err(|e| e.to_string())?;
        lookups.push(ms(started.elapsed()));
        if i == 0 {
            found_first = ids.len();
        }
    }
    lookups.sort_by(f64::total_cmp);
    let phone_ms = lookups.get(lookups.len() / 2).copied().unwrap_or(0.0);

    let engine_seconds = engine_busy.as_secs_f64().max(1e-9);
    let gen_seconds = gen_busy.as_secs_f64().max(1e-9);
    Ok(vec![
        fig("tickets", applied as f64, 0, "tickets"),
        fig("backfill_rate", applied as f64 / engine_seconds, 0, "tickets/s"),
        fig("backfill_seconds", engine_seconds, 2, "s"),
        fig("backfill_wall_seconds", wall_seconds, 2, "s"),
        fig("store_bytes", store_bytes as f64, 0, "bytes"),
        fig("store_bytes_per_ticket", store_bytes as f64 / applied.max(1) as f64, 0, "bytes"),
        fig("reopen_ms", reopen_ms, 1, "ms"),
        fig("reopen_again_ms", reopen_again_ms, 1, "ms"),
        fig("open_by_deadline_ms", open_ms, 1, "ms"),
        fig("open_by_deadline_again_ms", open_again_ms, 1, "ms"),
        fig("open_tickets", queue.len() as f64, 0, "tickets"),
        fig("open_overdue", overdue as f64, 0, "tickets"),
        fig("phone_lookup_ms", phone_ms, 3, "ms"),
        fig("phone_lookup_found", found_first as f64, 0, "tickets"),
        fig("peak_rss_mb", proc_status_mb(None, "VmHWM").unwrap_or(0.0), 1, "MiB"),
        fig("gen_rate", made as f64 / gen_seconds, 0, "tickets/s"),
        fig("gen_seconds", gen_seconds, 2, "s"),
    ])
}

/// Bytes of every file under `dir`: what the store takes on disk.
pub fn dir_size(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_size(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}
