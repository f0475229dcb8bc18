//! The sync workers: one loop per remote channel (pull from the stored cursor, write the page
//! with its new cursor, back off with jitter, open a circuit after repeated failures), and
//! `sync --once`. The outbox loop is in `delivery`.

pub use super::delivery::{Missing, deliver_pending, run_outbox};
use super::http::{Channel, SmsGateway, SyncError};
use crate::engine::{ChannelHealth, Command, EngineError, EngineHandle, Envelope, Ingest, Outcome};
use crate::store::outbox::DeliveryState;
use crate::time::Clock;
use rand::Rng;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct SyncOptions {
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// Consecutive failures that open a channel's circuit.
    pub circuit_failures: u32,
    /// How long an open circuit waits before one trial pull (half-open).
    pub circuit_open_for: Duration,
    /// Delivery attempts before an outbox entry is dead.
    pub max_attempts: u32,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            backoff_base: Duration::from_millis(200),
            backoff_max: Duration::from_secs(30),
            circuit_failures: 5,
            circuit_open_for: Duration::from_secs(30),
            max_attempts: 8,
        }
    }
}

/// Exponential backoff with full jitter: spreads retries of many workers apart.
pub fn backoff(options: &SyncOptions, failures: u32) -> Duration {
    let cap = options.backoff_base.saturating_mul(1u32 << failures.min(16)).min(options.backoff_max);
    let millis = cap.as_millis().max(1) as u64;
    Duration::from_millis(rand::rng().random_range(millis / 2..=millis))
}

/// A channel's sync health, as `sync`, `serve` and the console show it.
pub use crate::engine::{ChannelHealth as Health, Circuit};

pub type HealthBoard = Arc<Mutex<BTreeMap<String, Health>>>;

#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error(transparent)]
    Sync(#[from] SyncError),
    #[error(transparent)]
    Engine(#[from] EngineError),
}

impl WorkerError {
    /// The error without a remote's words or anyone's free text (see `SyncError::for_log`).
    pub fn for_log(&self) -> String {
        match self {
            WorkerError::Sync(e) => e.for_log(),
            WorkerError::Engine(e) => e.for_log(),
        }
    }
}

/// One pull and its write. Returns whether the channel is caught up (its page was not full).
pub async fn pull_once(
    channel: &dyn Channel,
    engine: &EngineHandle,
    clock: Clock,
    health: &HealthBoard,
) -> Result<bool, WorkerError> {
    let id = channel.id().to_string();
    let cursor = engine.reader().store().cursor(&id).map_err(EngineError::from)?;
    let pulled = channel.pull(cursor.as_deref(), clock.now()).await?;
    let mut page = pulled.page;
    let released = read_again(channel, engine, clock, &mut page).map_err(EngineError::from)?;
    let ingest = Ingest {
        channel: id.clone(),
        cursor: pulled.next_cursor,
        tickets: page.tickets,
        malformed: page.malformed,
        released,
    };
    let outcome = engine
        .execute(Envelope { actor: format!("sync:{id}"), command: Command::Ingest(Box::new(ingest)) })
        .await?;
    if let Outcome::Ingested(report) = outcome
        && let Ok(mut board) = health.lock()
    {
        let h = board.entry(id.clone()).or_insert_with(|| ChannelHealth::new(&id));
        h.registered += report.registered.len() as u64;
        h.duplicates += report.duplicates.len() as u64;
        h.quarantined += report.quarantined.len() as u64;
    }
    Ok(!pulled.full)
}

/// Quarantined items of this channel that an operator handed back (`quarantine retry`): read
/// again with today's profile and added to the page, so they are registered or held anew in
/// the same batch that marks them released.
fn read_again(
    channel: &dyn Channel,
    engine: &EngineHandle,
    clock: Clock,
    page: &mut crate::sync::mapping::MappedPage,
) -> Result<Vec<u64>, crate::store::StoreError> {
    let mut released = Vec::new();
    let mut items = Vec::new();
    for entry in engine.reader().store().quarantine_retried(channel.id())? {
        released.push(entry.id);
        match crate::sync::mapping::parse_body(entry.raw.as_bytes()) {
            Ok(item) => items.push(item),
            Err(e) => page.malformed.push(crate::engine::Malformed { reason: e.to_string(), raw: entry.raw }),
        }
    }
    if !items.is_empty() {
        let again = crate::sync::mapping::map_items(channel.profile(), channel.id(), &items, clock.now());
        page.tickets.extend(again.tickets);
        page.malformed.extend(again.malformed);
    }
    Ok(released)
}

fn note(health: &HealthBoard, channel: &str, f: impl FnOnce(&mut Health)) {
    if let Ok(mut board) = health.lock() {
        f(board.entry(channel.to_string()).or_insert_with(|| ChannelHealth::new(channel)));
    }
}

/// Pulls one channel until `stop` says so: immediately again after a full page, after the poll
/// interval once caught up, after a backoff on failure; a circuit opens after repeated failures
/// and lets one trial pull through after a while.
pub async fn run_channel(
    channel: Arc<dyn Channel>,
    engine: EngineHandle,
    clock: Clock,
    options: SyncOptions,
    health: HealthBoard,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let id = channel.id().to_string();
    let mut failures = 0u32;
    loop {
        if *stop.borrow() {
            return;
        }
        // A slow or silent channel must not hold up a stop: the pull is given up as soon as
        // `stop` says so. Nothing is lost: a page is written with its cursor in one command,
        // which the engine finishes whether or not anyone still waits for its answer, and a
        // page never written is pulled again from the same cursor at the next start.
        let pulled = tokio::select! {
            pulled = pull_once(channel.as_ref(), &engine, clock, &health) => pulled,
            _ = stop.changed() => return,
        };
        let wait = match pulled {
            Ok(caught_up) => {
                failures = 0;
                note(&health, &id, |h| {
                    h.last_success = Some(clock.now());
                    h.failures = 0;
                    h.circuit = Circuit::Closed;
                    h.caught_up = caught_up;
                    if caught_up {
                        h.caught_up_at = h.last_success;
                    }
                });
                if caught_up { channel.poll_interval() } else { Duration::ZERO }
            }
            Err(e) => {
                failures += 1;
                tracing::warn!(channel = %id, failures, error = %e.for_log(), "pull failed");
                let open = failures >= options.circuit_failures;
                note(&health, &id, |h| {
                    h.last_error = Some(e.to_string());
                    h.failures = failures;
                    h.circuit = if open { Circuit::Open } else { Circuit::Closed };
                    h.caught_up = false;
                });
                if open { options.circuit_open_for } else { backoff(&options, failures) }
            }
        };
        if !wait.is_zero() {
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = stop.changed() => return,
            }
            if failures >= options.circuit_failures {
                note(&health, &id, |h| h.circuit = Circuit::HalfOpen);
            }
        }
    }
}

/// The outside world as the workers reach it: the channels, the SMS gateway, how to retry,
/// and the board where each channel's health is kept.
#[derive(Clone)]
pub struct SyncSide {
    pub channels: HashMap<String, Arc<dyn Channel>>,
    pub sms: Option<Arc<SmsGateway>>,
    pub options: SyncOptions,
    pub health: HealthBoard,
    /// Channels with a profile that cannot be used (a secret file others can read, a base URL
    /// that is no URL …): a failure, never caught up.
    pub unusable: Vec<String>,
    /// Channels not configured (their secret is not provided) → what is missing: not synced,
    /// not a failure; their effects wait.
    pub not_configured: BTreeMap<String, String>,
    /// What the outbox cannot reach and why (the channels above, the unusable ones, the SMS
    /// gateway).
    pub missing: Missing,
}

impl SyncSide {
    /// A pull loop per channel and the outbox loop, in `tasks`, until `stop`.
    pub fn spawn(
        &self,
        tasks: &mut tokio::task::JoinSet<()>,
        engine: &EngineHandle,
        clock: Clock,
        stop: &tokio::sync::watch::Receiver<bool>,
    ) {
        for channel in self.channels.values().cloned() {
            let (engine, options, health) = (engine.clone(), self.options.clone(), self.health.clone());
            tasks.spawn(run_channel(channel, engine, clock, options, health, stop.clone()));
        }
        let (channels, sms, missing) = (self.channels.clone(), self.sms.clone(), self.missing.clone());
        let options = self.options.clone();
        tasks.spawn(run_outbox(engine.clone(), channels, sms, missing, clock, options, stop.clone()));
    }
}

/// What `sync --once` achieved before its deadline.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct OnceReport {
    /// Configured channels that did not catch up, and channels whose profile is unusable.
    pub not_caught_up: Vec<String>,
    pub pending: usize,
    pub dead: usize,
    /// Effects waiting for configuration (no secret for their channel, no SMS gateway).
    #[serde(default)]
    pub waiting: usize,
    /// Channels not configured (their secret is not provided): not synced, not a failure.
    #[serde(default)]
    pub not_configured: Vec<String>,
    pub health: Vec<Health>,
}

/// The board of a side that has just started: the channels that are not configured are on it,
/// with the reason, before any pull.
pub fn board_with_not_configured(not_configured: &BTreeMap<String, String>) -> HealthBoard {
    let board: BTreeMap<String, Health> = not_configured
        .iter()
        .map(|(id, why)| {
            let mut h = ChannelHealth::new(id);
            h.not_configured = Some(why.clone());
            (id.clone(), h)
        })
        .collect();
    Arc::new(Mutex::new(board))
}

/// Pulls every configured channel until it is caught up, then delivers the outbox until nothing
/// that can be sent is pending, all within `timeout`.
pub async fn sync_once(
    engine: EngineHandle,
    side: &SyncSide,
    clock: Clock,
    timeout: Duration,
) -> Result<OnceReport, EngineError> {
    let (channels, sms, options, missing) = (&side.channels, side.sms.as_ref(), &side.options, &side.missing);
    // A day at most: a deadline beyond what the clock can add would panic.
    let deadline = tokio::time::Instant::now() + timeout.min(Duration::from_secs(86_400));
    let health = board_with_not_configured(&side.not_configured);
    let mut pulls = tokio::task::JoinSet::new();
    for channel in channels.values() {
        let (channel, engine, health, options) =
            (channel.clone(), engine.clone(), health.clone(), options.clone());
        pulls.spawn(async move {
            let id = channel.id().to_string();
            let mut failures = 0;
            loop {
                if tokio::time::Instant::now() >= deadline {
                    return (id, false);
                }
                match pull_once(channel.as_ref(), &engine, clock, &health).await {
                    Ok(true) => {
                        note(&health, &id, |h| {
                            h.caught_up = true;
                            h.last_success = Some(clock.now());
                            h.caught_up_at = h.last_success;
                        });
                        return (id, true);
                    }
                    Ok(false) => failures = 0,
                    Err(e) => {
                        failures += 1;
                        tracing::warn!(channel = %id, failures, error = %e.for_log(), "pull failed");
                        note(&health, &id, |h| {
                            h.last_error = Some(e.to_string());
                            h.failures = failures;
                        });
                        let wait = backoff(&options, failures);
                        tokio::time::sleep_until((tokio::time::Instant::now() + wait).min(deadline)).await;
                    }
                }
            }
        });
    }
    let mut not_caught_up = Vec::new();
    while let Some(joined) = pulls.join_next().await {
        match joined {
            Ok((_, true)) => {}
            Ok((id, false)) => not_caught_up.push(id),
            Err(e) => tracing::error!(error = %e, "a pull task failed"),
        }
    }
    not_caught_up.extend(side.unusable.iter().cloned());
    not_caught_up.sort();
    let mut not_before = HashMap::new();
    loop {
        let attempted =
            deliver_pending(&engine, channels, sms, missing, clock, options, &mut not_before, Some(deadline))
                .await?;
        // Waiting entries cannot go out in this process: only pending ones are worth waiting for.
        let mut sendable = false;
        for entry in engine.reader().store().outbox_open() {
            if entry?.state == DeliveryState::Pending {
                sendable = true;
                break;
            }
        }
        if !sendable || tokio::time::Instant::now() >= deadline {
            break;
        }
        if attempted == 0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let (mut pending, mut waiting, mut dead) = (0, 0, 0);
    for entry in engine.reader().store().outbox_entries() {
        match entry?.state {
            DeliveryState::Pending => pending += 1,
            DeliveryState::Waiting => waiting += 1,
            DeliveryState::Dead => dead += 1,
            DeliveryState::Delivered => {}
        }
    }
    let health = health.lock().map(|b| b.values().cloned().collect()).unwrap_or_default();
    let not_configured = side.not_configured.keys().cloned().collect();
    Ok(OnceReport { not_caught_up, pending, dead, waiting, not_configured, health })
}
