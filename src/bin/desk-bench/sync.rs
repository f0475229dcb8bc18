//! The `sync` suite: `desk-bench sync [--tickets N] [--soak SECS] [--rate PER_MIN] [--json]`.
//!
//! rightsdesk's sync as `rightsdesk sync --sim URL` runs it — the engine on its own thread
//! (`EngineHandle`) over a fresh temporary store, one `run_channel` task per remote channel
//! (14) pointed at the simulator with its demo credentials, and the outbox delivering sign-fors
//! — against the real simulator in a process of its own (`sim_process`), both on the same
//! cores, no faults. Two runs, each with a new simulator and a new store:
//!
//! 1. **Steady** (first, so its memory figures start from a fresh process): the simulator
//!    releases `--rate` tickets a minute (default 600) spread over the channels, the workers
//!    pull at the channels' configured poll intervals, and a subscriber (`EngineHandle::subscribe`)
//!    notes when it sees each `registered` change. Visibility latency of a ticket = that moment
//!    − the moment the simulator made it available (its ledger's `started_at` + `released_ms`).
//!    Both are read from the system clock (the same machine, so comparable); `RIGHTSDESK_NOW`
//!    is ignored by the whole suite and removed from the simulator's environment. Only tickets
//!    released after the workers started count; the run lasts `--soak` seconds (or
//!    `--latency-secs` with `--soak 0`), then the poll interval plus 3 s of grace for the last
//!    releases; a ticket released within the run but not seen by then is `latency_unseen`.
//!    During a soak the bench's resident set (`VmRSS` of `/proc/self/status`) and the
//!    simulator's are sampled every 10 s; the slope is a least-squares fit over the samples of
//!    the second half, in MiB a minute.
//! 2. **Ingest**: the simulator holds `--tickets` tickets (default 100,000), all available at
//!    once. `ingest_rate` = tickets / (last one stored − first pull), "stored" being the sync
//!    health board's count of registered tickets (checked every 10 ms); `signfor_rate` =
//!    sign-fors answered 2xx by the simulator / (last one − first pull).
//!
//! The simulator is the `rightsdesk` binary next to desk-bench: under `cargo run` it is built
//! first (see `sim_process::binary`); otherwise `cargo build --release` builds both.

mod ingest;
mod steady;

use crate::sim_process;
use crate::{Args, Figure, fig, proc_status_mb, remove, temp_dir};
use rightsdesk::config::{self, Config};
use rightsdesk::domain::effect::Effect;
use rightsdesk::engine::{Engine, EngineHandle};
use rightsdesk::sync::http::{
    BoxFuture, Channel, HttpChannel, Pulled, SecretSource, SmsGateway, SyncError, point_at_simulator,
};
use rightsdesk::sync::profile::SyncProfile;
use rightsdesk::sync::worker::{self, HealthBoard, SyncOptions};
use rightsdesk::time::{Clock, Timestamp};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Waiting this long with nothing new stored or delivered ends a run (figures of what was done).
const STALL: Duration = Duration::from_secs(60);

pub fn run(args: &Args) -> Result<Vec<Figure>, String> {
    if args.data.is_some() || args.keep {
        return Err("sync makes its own temporary stores: --data and --keep are for store".into());
    }
    if std::env::var_os("RIGHTSDESK_NOW").is_some() {
        eprintln!("RIGHTSDESK_NOW is ignored: sync measures on the system clock, simulator included");
    }
    let config = Arc::new(config::load(None).map_err(|e| e.to_string())?);
    let binary = sim_process::binary()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let result = runtime.block_on(async {
        let steady = steady::run(args, &config, &binary).await?;
        let ingest = ingest::run(args, &config, &binary).await?;
        let mut figures = ingest.figures();
        figures.extend(steady.figures());
        figures.push(fig("peak_rss_mb", proc_status_mb(None, "VmHWM").unwrap_or(f64::NAN), 1, "MiB"));
        Ok(figures)
    });
    runtime.shutdown_timeout(Duration::from_secs(2));
    result
}

/// The system clock in epoch ms, through the project's one clock.
fn wall_ms() -> i64 {
    Clock::System.now().millis()
}

/// What the counting channels saw, in µs after `origin`.
struct Tally {
    origin: Instant,
    first_pull_us: AtomicU64,
    signed: AtomicU64,
    last_sign_us: AtomicU64,
}

impl Tally {
    fn new() -> Tally {
        Tally {
            origin: Instant::now(),
            first_pull_us: AtomicU64::new(u64::MAX),
            signed: AtomicU64::new(0),
            last_sign_us: AtomicU64::new(0),
        }
    }

    fn now_us(&self) -> u64 {
        self.origin.elapsed().as_micros() as u64
    }

    fn first_pull(&self) -> Option<u64> {
        Some(self.first_pull_us.load(Ordering::Relaxed)).filter(|&t| t != u64::MAX)
    }
}

/// A channel that notes its first pull and each sign-for the remote accepted.
struct Counted {
    inner: HttpChannel,
    tally: Arc<Tally>,
}

impl Channel for Counted {
    fn id(&self) -> &str {
        self.inner.id()
    }

    fn profile(&self) -> &SyncProfile {
        Channel::profile(&self.inner)
    }

    fn poll_interval(&self) -> Duration {
        self.inner.poll_interval()
    }

    fn pull<'a>(
        &'a self,
        cursor: Option<&'a str>,
        now: Timestamp,
    ) -> BoxFuture<'a, Result<Pulled, SyncError>> {
        self.tally.first_pull_us.fetch_min(self.tally.now_us(), Ordering::Relaxed);
        self.inner.pull(cursor, now)
    }

    fn sign_for<'a>(
        &'a self,
        effect: &'a Effect,
        actor: &'a str,
        now: Timestamp,
    ) -> BoxFuture<'a, Result<(), SyncError>> {
        Box::pin(async move {
            let sent = self.inner.sign_for(effect, actor, now).await;
            if sent.is_ok() {
                self.tally.signed.fetch_add(1, Ordering::Relaxed);
                self.tally.last_sign_us.fetch_max(self.tally.now_us(), Ordering::Relaxed);
            }
            sent
        })
    }

    fn write_back<'a>(
        &'a self,
        effect: &'a Effect,
        actor: &'a str,
        now: Timestamp,
    ) -> BoxFuture<'a, Result<(), SyncError>> {
        self.inner.write_back(effect, actor, now)
    }
}

/// rightsdesk's side of a run: the engine over a fresh store, and once started, the workers.
struct Rig {
    engine: EngineHandle,
    thread: std::thread::JoinHandle<Engine>,
    dir: PathBuf,
    tally: Arc<Tally>,
    health: HealthBoard,
    stop: tokio::sync::watch::Sender<bool>,
    tasks: tokio::task::JoinSet<()>,
    channels: usize,
}

impl Rig {
    fn open(config: &Arc<Config>, what: &str) -> Result<Rig, String> {
        let dir = temp_dir(&format!("sync-{what}"))?;
        let engine = Engine::open(&dir, config.clone(), Clock::System).map_err(|e| e.to_string())?;
        let (engine, thread) = EngineHandle::spawn(engine);
        Ok(Rig {
            engine,
            thread,
            dir,
            tally: Arc::new(Tally::new()),
            health: HealthBoard::default(),
            stop: tokio::sync::watch::channel(false).0,
            tasks: tokio::task::JoinSet::new(),
            channels: 0,
        })
    }

    /// One `run_channel` per remote channel and `run_outbox`, as `sync --sim URL` wires them.
    fn start(&mut self, config: &Config, sim: &str, client: &reqwest::Client) -> Result<(), String> {
        let mut channels: HashMap<String, Arc<dyn Channel>> = HashMap::new();
        for channel in config.channels.all() {
            let Some(profile) = &channel.sync else { continue };
            let profile = point_at_simulator(profile, sim, &channel.id);
            let http = HttpChannel::new(&channel.id, &profile, client.clone(), &SecretSource::Simulator)
                .map_err(|e| format!("channel {}: {e}", channel.id))?;
            channels.insert(channel.id.clone(), Arc::new(Counted { inner: http, tally: self.tally.clone() }));
        }
        self.channels = channels.len();
        let sms = Arc::new(SmsGateway::new(sim, "sim-sms-token".into(), client.clone()));
        let options = SyncOptions::default();
        for channel in channels.values().cloned() {
            self.tasks.spawn(worker::run_channel(
                channel,
                self.engine.clone(),
                Clock::System,
                options.clone(),
                self.health.clone(),
                self.stop.subscribe(),
            ));
        }
        self.tasks.spawn(worker::run_outbox(
            self.engine.clone(),
            channels,
            Some(sms),
            worker::Missing::default(),
            Clock::System,
            options,
            self.stop.subscribe(),
        ));
        Ok(())
    }

    /// Items stored so far (registered, or quarantined as unreadable), over every channel.
    fn registered(&self) -> u64 {
        self.health.lock().map(|b| b.values().map(|h| h.registered + h.quarantined).sum()).unwrap_or(0)
    }

    async fn stop_workers(&mut self) {
        let _ = self.stop.send(true);
        while self.tasks.join_next().await.is_some() {}
    }

    /// Stops everything and removes the store.
    async fn close(mut self) {
        self.stop_workers().await;
        let Rig { engine, thread, dir, .. } = self;
        drop(engine);
        // Every handle is gone, so the engine thread finishes its last burst and ends.
        let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        remove(&dir, true);
    }
}

fn client() -> Result<reqwest::Client, String> {
    // No proxy: the simulator is on this machine, and a proxy would be measured too.
    reqwest::Client::builder().no_proxy().build().map_err(|e| format!("HTTP client: {e}"))
}
