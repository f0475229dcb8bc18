//! Part of the `serve` suite: `--consoles N` consoles working at once for `--paced-secs S`
//! (the figures a jump host of clerks asks for: 20 consoles, a command every 100 ms each).
//!
//! Each console is two connections, as the real console has: one subscribed (its change feed,
//! read on a thread of its own) and one asking, which sends a note on an open ticket every
//! `--pace-ms` (on schedule: a late reply does not shift the next send). Measured:
//! - `paced_round_trip_*`: a note sent until its reply (written and flushed), every note.
//! - `paced_fanout_*`: from a note's reply to the last of the N subscribers receiving its change
//!   (so "every console has it"); `paced_fanout_incomplete`: changes some subscriber never got.
//! - `paced_serve_rss_*`: serve's resident set sampled every second: first, last and the slope
//!   over the second half of the run (MiB a minute), to see whether memory stays flat.

use super::serve::{Samples, note, signed_ms};
use crate::serve_process::ServeProcess;
use crate::{Figure, fig};
use rightsdesk::domain::ticket::TicketId;
use rightsdesk::engine::Outcome;
use rightsdesk::remote::{Client, Hello, Notice};
use std::collections::HashMap;
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long after the run the subscribers may take to receive the last changes.
const FANOUT_GRACE: Duration = Duration::from_secs(10);

pub fn run(
    dir: &Path,
    serve: &ServeProcess,
    open: &[TicketId],
    consoles: usize,
    pace: Duration,
    secs: u64,
) -> Result<Vec<Figure>, String> {
    eprintln!("{consoles} consoles, a note every {} ms each, for {secs} s", pace.as_millis());
    let as_console = Hello { as_user: None, console: true };
    let (received_tx, received) = mpsc::channel::<(u64, Instant)>();
    for _ in 0..consoles {
        let mut feed = Client::attach(dir).map_err(|e| e.to_string())?.ok_or("serve's socket is gone")?;
        feed.subscribe().map_err(|e| e.to_string())?;
        let tx = received_tx.clone();
        std::thread::spawn(move || {
            while let Ok(notice) = feed.next_notice() {
                if let Notice::Change(c) = notice
                    && tx.send((c.seq, Instant::now())).is_err()
                {
                    return;
                }
            }
        });
    }
    drop(received_tx);
    let (replied_tx, replied) = mpsc::channel::<(Vec<u64>, Instant, Duration)>();
    let started = Instant::now();
    let end = started + Duration::from_secs(secs);
    let mut senders = Vec::new();
    for c in 0..consoles {
        let mut asking = Client::attach_with(dir, &as_console)
            .map_err(|e| e.to_string())?
            .ok_or("serve's socket is gone")?;
        let tx = replied_tx.clone();
        let tickets: Vec<TicketId> = open.iter().skip(c).step_by(consoles.max(1)).copied().collect();
        senders.push(std::thread::spawn(move || -> Result<usize, String> {
            // Each console starts at its own offset within the pace, as clerks do not type in step.
            let mut next = started + pace.mul_f64(c as f64 / consoles.max(1) as f64);
            let mut refused = 0;
            let mut i = 0;
            while next < end {
                if let Some(wait) = next.checked_duration_since(Instant::now()) {
                    std::thread::sleep(wait);
                }
                let ticket = tickets[i % tickets.len().max(1)];
                let sent = Instant::now();
                let outcome = note(&mut asking, ticket, "desk-bench", i)?;
                let took = sent.elapsed();
                let seqs = match outcome {
                    Ok(Outcome::Applied(changes)) => changes.iter().map(|c| c.seq).collect(),
                    _ => {
                        refused += 1;
                        Vec::new()
                    }
                };
                let _ = tx.send((seqs, Instant::now(), took));
                i += 1;
                next += pace;
            }
            Ok(refused)
        }));
    }
    drop(replied_tx);
    let mut rss = Vec::new();
    while Instant::now() < end {
        rss.push((started.elapsed().as_secs_f64(), serve.status_mb("VmRSS").unwrap_or(f64::NAN)));
        std::thread::sleep(Duration::from_secs(1).min(end.saturating_duration_since(Instant::now())));
    }
    let mut refused = 0;
    for s in senders {
        refused += s.join().map_err(|_| "a console thread panicked".to_string())??;
    }
    let mut round_trip = Samples::default();
    let mut reply_at: HashMap<u64, Instant> = HashMap::new();
    for (seqs, at, took) in replied.try_iter() {
        round_trip.push(took);
        reply_at.extend(seqs.into_iter().map(|s| (s, at)));
    }
    let mut heard: HashMap<u64, (usize, Instant)> = HashMap::new();
    let deadline = Instant::now() + FANOUT_GRACE;
    let complete = |heard: &HashMap<u64, (usize, Instant)>| {
        reply_at.keys().all(|s| heard.get(s).is_some_and(|(n, _)| *n >= consoles))
    };
    while !complete(&heard) {
        let Some(wait) = deadline.checked_duration_since(Instant::now()) else { break };
        let Ok((seq, at)) = received.recv_timeout(wait) else { break };
        let entry = heard.entry(seq).or_insert((0, at));
        entry.0 += 1;
        entry.1 = entry.1.max(at);
    }
    let mut fanout = Samples::default();
    let mut incomplete = 0;
    for (seq, reply) in &reply_at {
        match heard.get(seq) {
            Some((n, last)) if *n >= consoles => fanout.values.push(signed_ms(*last, *reply)),
            _ => incomplete += 1,
        }
    }
    let half: Vec<&(f64, f64)> = rss.iter().skip(rss.len() / 2).collect();
    let slope = match (half.first(), half.last()) {
        (Some(a), Some(b)) if b.0 > a.0 => (b.1 - a.1) / (b.0 - a.0) * 60.0,
        _ => f64::NAN,
    };
    Ok(vec![
        fig("paced_consoles", consoles as f64, 0, "consoles"),
        fig("paced_secs", secs as f64, 0, "s"),
        fig("paced_commands", round_trip.values.len() as f64, 0, "commands"),
        fig("paced_refused", refused as f64, 0, "commands"),
        fig("paced_round_trip_ms", round_trip.p(0.5), 2, "ms"),
        fig("paced_round_trip_p99_ms", round_trip.p(0.99), 2, "ms"),
        fig("paced_round_trip_max_ms", round_trip.p(1.0), 2, "ms"),
        fig("paced_fanout_ms", fanout.p(0.5), 2, "ms"),
        fig("paced_fanout_p99_ms", fanout.p(0.99), 2, "ms"),
        fig("paced_fanout_max_ms", fanout.p(1.0), 2, "ms"),
        fig("paced_fanout_incomplete", incomplete as f64, 0, "changes"),
        fig("paced_serve_rss_first_mb", rss.first().map_or(f64::NAN, |r| r.1), 1, "MiB"),
        fig("paced_serve_rss_last_mb", rss.last().map_or(f64::NAN, |r| r.1), 1, "MiB"),
        fig("paced_serve_rss_slope_mb_per_min", slope, 2, "MiB/min"),
    ])
}
