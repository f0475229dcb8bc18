//! Run 1 of the suite: tickets released at a steady rate; visibility latency, and memory
//! during a soak.

use super::{Rig, client, wall_ms};
use crate::sim_process::SimProcess;
use crate::{Args, Figure, fig, proc_status_mb};
use rightsdesk::config::Config;
use rightsdesk::domain::ticket::TicketId;
use rightsdesk::time::Timestamp;
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

const SAMPLE_EVERY: Duration = Duration::from_secs(10);

/// One memory sample of a soak: seconds since the workers started, then MiB.
struct Sample {
    at: f64,
    rss: Option<f64>,
    sim_rss: Option<f64>,
}

pub struct SteadyFigures {
    rate: u64,
    seconds: u64,
    poll: Duration,
    /// Visibility latencies in ms, sorted.
    latencies: Vec<f64>,
    unseen: usize,
    lagged: u64,
    /// Empty without a soak.
    samples: Vec<Sample>,
}

impl SteadyFigures {
    pub fn figures(&self) -> Vec<Figure> {
        let poll_ms = self.poll.as_secs_f64() * 1000.0;
        let mut figures = vec![
            fig("steady_rate", self.rate as f64, 0, "tickets/min"),
            fig("steady_seconds", self.seconds as f64, 0, "s"),
            fig("poll_interval_ms", poll_ms, 0, "ms"),
            fig("latency_goal_ms", poll_ms + 200.0, 0, "ms"),
            fig("latency_tickets", self.latencies.len() as f64, 0, "tickets"),
            fig("latency_p50_ms", percentile(&self.latencies, 0.50), 0, "ms"),
            fig("latency_p99_ms", percentile(&self.latencies, 0.99), 0, "ms"),
            fig("latency_max_ms", self.latencies.last().copied().unwrap_or(f64::NAN), 0, "ms"),
            fig("latency_unseen", self.unseen as f64, 0, "tickets"),
            fig("subscriber_lagged", self.lagged as f64, 0, "changes"),
        ];
        if self.samples.is_empty() {
            return figures;
        }
        let series = |f: fn(&Sample) -> Option<f64>| -> Vec<(f64, f64)> {
            self.samples.iter().filter_map(|s| Some((s.at, f(s)?))).collect()
        };
        let half = self.seconds as f64 / 2.0;
        for (prefix, points) in [("", series(|s| s.rss)), ("sim_", series(|s| s.sim_rss))] {
            let first = points.first().map_or(f64::NAN, |p| p.1);
            let last = points.last().map_or(f64::NAN, |p| p.1);
            let max = points.iter().map(|p| p.1).fold(f64::NAN, f64::max);
            let second_half: Vec<(f64, f64)> = points.iter().copied().filter(|p| p.0 >= half).collect();
            let names: [&'static str; 4] = if prefix.is_empty() {
                ["rss_start_mb", "rss_end_mb", "rss_max_mb", "rss_slope_mb_per_min"]
            } else {
                ["sim_rss_start_mb", "sim_rss_end_mb", "sim_rss_max_mb", "sim_rss_slope_mb_per_min"]
            };
            figures.push(fig(names[0], first, 1, "MiB"));
            figures.push(fig(names[1], last, 1, "MiB"));
            figures.push(fig(names[2], max, 1, "MiB"));
            figures.push(fig(names[3], slope_per_minute(&second_half), 2, "MiB/min"));
        }
        figures.push(fig("soak_samples", self.samples.len() as f64, 0, "samples"));
        figures
    }
}

/// Nearest rank: the smallest value with at least `p` of the values at or below it.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Least-squares slope of (seconds, MiB) points, in MiB a minute.
fn slope_per_minute(points: &[(f64, f64)]) -> f64 {
    let n = points.len() as f64;
    if points.len() < 2 {
        return f64::NAN;
    }
    let (mx, my) = (points.iter().map(|p| p.0).sum::<f64>() / n, points.iter().map(|p| p.1).sum::<f64>() / n);
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    if sxx > 0.0 { sxy / sxx * 60.0 } else { f64::NAN }
}

/// Run 1: tickets released at a steady rate; visibility latency, and memory during a soak.
pub async fn run(args: &Args, config: &Arc<Config>, binary: &Path) -> Result<SteadyFigures, String> {
    let soak = args.soak > 0;
    let seconds = if soak { args.soak } else { args.latency_secs.max(1) };
    let rate = args.rate.max(1);
    // Enough for the run, its grace and the simulator's head start, never running dry.
    let tickets = (rate * (seconds + 60) / 60) as usize + 14;
    eprintln!(
        "steady: the simulator releases {rate} tickets/min; {seconds} s{}",
        if soak { " of soak, memory sampled every 10 s" } else { " (no soak)" }
    );
    let sim = SimProcess::start(binary, args.seed, tickets, rate)?;
    let client = client()?;
    let mut rig = Rig::open(config, "steady")?;
    let result = drive_steady(&mut rig, config, &sim, &client, seconds, soak).await;
    rig.close().await;
    drop(sim);
    let (latencies, unseen, lagged, samples) = result?;
    Ok(SteadyFigures { rate, seconds, poll: config_poll(config), latencies, unseen, lagged, samples })
}

/// The longest configured poll interval of the remote channels.
fn config_poll(config: &Config) -> Duration {
    let ms = config.channels.all().filter_map(|c| c.sync.as_ref()).map(|p| p.poll_interval_ms).max();
    Duration::from_millis(ms.unwrap_or(0))
}

type Steady = (Vec<f64>, usize, u64, Vec<Sample>);

async fn drive_steady(
    rig: &mut Rig,
    config: &Config,
    sim: &SimProcess,
    client: &reqwest::Client,
    seconds: u64,
    soak: bool,
) -> Result<Steady, String> {
    // Subscribed before the first pull, so no registration goes unseen.
    let mut changes = rig.engine.subscribe();
    let mut stop = rig.stop.subscribe();
    let subscriber = tokio::spawn(async move {
        let (mut seen, mut lagged) = (Vec::<(TicketId, i64)>::new(), 0u64);
        loop {
            tokio::select! {
                biased;
                change = changes.recv() => match change {
                    Ok(c) if c.event == "registered" => seen.push((c.ticket, wall_ms())),
                    Ok(_) => {}
                    Err(RecvError::Lagged(n)) => lagged += n,
                    Err(RecvError::Closed) => break,
                },
                _ = stop.changed() => break,
            }
        }
        (seen, lagged)
    });

    let sample = |at: f64| Sample { at, rss: proc_status_mb(None, "VmRSS"), sim_rss: sim.rss_mb() };
    let mut samples = Vec::new();
    if soak {
        samples.push(sample(0.0));
    }
    let window_start = wall_ms();
    let origin = tokio::time::Instant::now();
    rig.start(config, &sim.base, client)?;
    let end = origin + Duration::from_secs(seconds);
    let mut tick = origin;
    loop {
        tick += SAMPLE_EVERY;
        let tick_at = tick.min(end);
        tokio::time::sleep_until(tick_at).await;
        let at = (tick_at - origin).as_secs_f64();
        if soak {
            samples.push(sample(at));
        }
        let rss = proc_status_mb(None, "VmRSS").map(|r| format!(", rss {r:.1} MiB")).unwrap_or_default();
        eprintln!("steady: {at:.0} of {seconds} s, {} tickets registered{rss}", rig.registered());
        if tick_at >= end {
            break;
        }
    }
    let window_end = wall_ms();
    // The last releases of the run get a poll interval and a bit to arrive.
    tokio::time::sleep(config_poll(config) + Duration::from_secs(3)).await;
    rig.stop_workers().await;
    let (seen, lagged) = subscriber.await.map_err(|e| format!("the subscriber task failed: {e}"))?;

    let ledger: Value = async {
        client.get(format!("{}/_sim/ledger", sim.base)).send().await?.error_for_status()?.json().await
    }
    .await
    .map_err(|e| format!("cannot read the simulator's ledger: {e}"))?;
    let mut released = released_between(&ledger, window_start, window_end)?;
    let store = rig.engine.reader().store();
    let mut latencies = Vec::with_capacity(seen.len());
    for (id, seen_at) in seen {
        let ticket =
            store.ticket(id).map_err(|e| e.to_string())?.ok_or(format!("ticket {id} is not stored"))?;
        let key = (ticket.intake.channel.clone(), ticket.intake.channel_ticket_id.clone());
        if let Some(at) = released.remove(&key) {
            latencies.push((seen_at - at) as f64);
        }
    }
    latencies.sort_by(f64::total_cmp);
    Ok((latencies, released.len(), lagged, samples))
}

/// The instant (epoch ms) each ticket was released, by (channel, channel ticket id), for those
/// released within `[from, to]`.
fn released_between(ledger: &Value, from: i64, to: i64) -> Result<HashMap<(String, String), i64>, String> {
    let stale = "the simulator's ledger has no release times (started_at, released_ms): the rightsdesk \
                 binary is older than desk-bench; rebuild both with `cargo build --release`";
    let started = ledger["started_at"].as_str().and_then(Timestamp::parse).ok_or(stale)?.millis();
    let mut released = HashMap::new();
    for g in ledger["generated"].as_array().ok_or(stale)? {
        let (Some(channel), Some(id), Some(ms)) =
            (g["channel"].as_str(), g["channel_ticket_id"].as_str(), g["released_ms"].as_i64())
        else {
            return Err(stale.into());
        };
        let at = started + ms;
        if (from..=to).contains(&at) {
            released.insert((channel.to_string(), id.to_string()), at);
        }
    }
    Ok(released)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let values: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&values, 0.5), 50.0);
        assert_eq!(percentile(&values, 0.99), 99.0);
        assert_eq!(percentile(&[7.0], 0.99), 7.0);
        assert!(percentile(&[], 0.5).is_nan());
    }

    #[test]
    fn the_slope_is_per_minute() {
        let points = [(0.0, 100.0), (30.0, 101.0), (60.0, 102.0)];
        assert!((slope_per_minute(&points) - 2.0).abs() < 1e-9);
        assert!(slope_per_minute(&points[..1]).is_nan());
    }
}
