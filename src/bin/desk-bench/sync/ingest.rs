//! Run 2 of the suite: every ticket available at once; pull until all are stored, then wait
//! for the sign-fors.

use super::{Rig, STALL, client};
use crate::sim_process::SimProcess;
use crate::{Args, Figure, fig};
use rightsdesk::config::Config;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

const DEFAULT_TICKETS: usize = 100_000;
const PROGRESS_EVERY: Duration = Duration::from_secs(5);

fn ratio(count: f64, seconds: f64) -> f64 {
    if seconds > 0.0 { count / seconds } else { f64::NAN }
}

pub struct IngestFigures {
    tickets: usize,
    channels: usize,
    stored: u64,
    seconds: Option<f64>,
    signed: u64,
    sign_seconds: Option<f64>,
    sim_rss: Option<f64>,
}

impl IngestFigures {
    pub fn figures(&self) -> Vec<Figure> {
        let seconds = self.seconds.unwrap_or(f64::NAN);
        let sign_seconds = self.sign_seconds.unwrap_or(f64::NAN);
        vec![
            fig("ingest_tickets", self.tickets as f64, 0, "tickets"),
            fig("ingest_channels", self.channels as f64, 0, "channels"),
            fig("ingest_stored", self.stored as f64, 0, "tickets"),
            fig("ingest_rate", ratio(self.stored as f64, seconds), 0, "tickets/s"),
            fig("ingest_seconds", seconds, 2, "s"),
            fig("signfor_delivered", self.signed as f64, 0, "sign-fors"),
            fig("signfor_rate", ratio(self.signed as f64, sign_seconds), 0, "sign-fors/s"),
            fig("signfor_seconds", sign_seconds, 2, "s"),
            fig("ingest_sim_rss_mb", self.sim_rss.unwrap_or(f64::NAN), 1, "MiB"),
        ]
    }
}

/// Run 2: every ticket available at once; pull until all are stored, then wait for the
/// sign-fors.
pub async fn run(args: &Args, config: &Arc<Config>, binary: &Path) -> Result<IngestFigures, String> {
    let n = args.tickets.unwrap_or(DEFAULT_TICKETS).max(1);
    eprintln!("ingest: the simulator generates {n} tickets, all available at once");
    let sim = SimProcess::start(binary, args.seed, n, 0)?;
    let client = client()?;
    let mut rig = Rig::open(config, "ingest")?;
    let started = rig.start(config, &sim.base, &client);
    let result = match started {
        Ok(()) => Ok(drive_ingest(&rig, n).await),
        Err(e) => Err(e),
    };
    let sim_rss = sim.rss_mb();
    rig.stop_workers().await;
    let channels = rig.channels;
    rig.close().await;
    drop(sim);
    result.map(|mut f| {
        f.channels = channels;
        f.sim_rss = sim_rss;
        f
    })
}

async fn drive_ingest(rig: &Rig, n: usize) -> IngestFigures {
    let tally = &rig.tally;
    let seconds_since_first_pull =
        |us: u64| tally.first_pull().map(|first| us.saturating_sub(first) as f64 / 1e6);
    let (mut last, mut changed, mut reported) = (0, Instant::now(), Instant::now());
    let stored_at = loop {
        let stored = rig.registered();
        if stored >= n as u64 {
            break Some(tally.now_us());
        }
        if stored != last {
            (last, changed) = (stored, Instant::now());
        } else if changed.elapsed() > STALL {
            eprintln!("ingest: nothing stored for {} s; stopping at {stored} of {n}", STALL.as_secs());
            break None;
        }
        if reported.elapsed() >= PROGRESS_EVERY {
            eprintln!("ingest: {stored} of {n} stored, {} signed for", tally.signed.load(Ordering::Relaxed));
            reported = Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let stored = rig.registered();
    eprintln!("ingest: {stored} stored; waiting for the sign-fors");
    let (mut last, mut changed) = (0, Instant::now());
    loop {
        let signed = tally.signed.load(Ordering::Relaxed);
        if signed >= stored {
            break;
        }
        if signed != last {
            (last, changed) = (signed, Instant::now());
        } else if changed.elapsed() > STALL {
            eprintln!("ingest: no sign-for for {} s; stopping at {signed} of {stored}", STALL.as_secs());
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let signed = tally.signed.load(Ordering::Relaxed);
    IngestFigures {
        tickets: n,
        channels: 0,
        stored,
        seconds: stored_at.and_then(seconds_since_first_pull),
        signed,
        sign_seconds: seconds_since_first_pull(tally.last_sign_us.load(Ordering::Relaxed)),
        sim_rss: None,
    }
}
