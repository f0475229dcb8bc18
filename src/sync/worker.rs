//! The sync workers: one loop per remote channel (pull from the stored cursor, write the page
//! with its new cursor, back off with jitter, open a circuit after repeated failures) and the
//! outbox loop (deliver due effects with their idempotency keys, retry, give up after N).

use super::http::{Channel, SmsGateway, SyncError};
use crate::domain::effect::EffectKind;
use crate::engine::{
    ChannelHealth, Command, DeliveryResult, EngineError, EngineHandle, Envelope, Ingest, Outcome,
};
use crate::store::outbox::OutboxEntry;
use crate::time::{Clock, Timestamp};
use rand::Rng;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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
                tracing::warn!(channel = %id, failures, error = %e, "pull failed");
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

/// At most this many deliveries are in flight at once: a slow receiver must not hold up the
/// rest of the outbox.
const IN_FLIGHT: usize = 16;

/// Delivers the outbox's pending effects once, several at a time. Backoff between attempts is
/// kept in memory (`not_before`) so it works whatever the clock: after a restart every pending
/// entry is tried again at once, which the receivers' idempotency keys make harmless. No new
/// delivery starts after `deadline`.
pub async fn deliver_pending(
    engine: &EngineHandle,
    channels: &HashMap<String, Arc<dyn Channel>>,
    sms: Option<&Arc<SmsGateway>>,
    clock: Clock,
    options: &SyncOptions,
    not_before: &mut HashMap<u64, Instant>,
    deadline: Option<tokio::time::Instant>,
) -> Result<usize, EngineError> {
    let far = Timestamp::from_millis(i64::MAX / 2);
    let due: Vec<OutboxEntry> = engine.reader().store().outbox_due(far, 512)?;
    let mut attempted = 0;
    let mut flights = tokio::task::JoinSet::new();
    for entry in due {
        if !engine.is_durable(entry.id) || not_before.get(&entry.id).is_some_and(|t| *t > Instant::now()) {
            continue;
        }
        if deadline.is_some_and(|d| tokio::time::Instant::now() >= d) {
            break;
        }
        while flights.len() >= IN_FLIGHT {
            if let Some(done) = flights.join_next().await {
                settle(engine, options, not_before, done).await?;
            }
        }
        attempted += 1;
        let channel = channels.get(&entry.effect.channel).cloned();
        let sms = sms.cloned();
        flights.spawn(async move {
            let now = clock.now();
            let actor = format!("sync:{}", entry.effect.channel);
            let sent: Result<(), SyncError> = match (entry.effect.kind, channel, sms) {
                (EffectKind::SignFor, Some(ch), _) => ch.sign_for(&entry.effect, &actor, now).await,
                (EffectKind::WriteBack, Some(ch), _) => ch.write_back(&entry.effect, &actor, now).await,
                (EffectKind::Sms, _, Some(gateway)) => gateway.send(&entry.effect).await,
                (EffectKind::Sms, _, None) => Err(SyncError::Network("no SMS gateway configured".into())),
                (_, None, _) => {
                    Err(SyncError::Network(format!("no sync worker for channel {}", entry.effect.channel)))
                }
            };
            (entry, sent, now)
        });
    }
    while let Some(done) = flights.join_next().await {
        settle(engine, options, not_before, done).await?;
    }
    Ok(attempted)
}

type Flight = Result<(OutboxEntry, Result<(), SyncError>, Timestamp), tokio::task::JoinError>;

/// Records how one delivery went.
async fn settle(
    engine: &EngineHandle,
    options: &SyncOptions,
    not_before: &mut HashMap<u64, Instant>,
    done: Flight,
) -> Result<(), EngineError> {
    let Ok((entry, sent, now)) = done else {
        // A panicked delivery task leaves its entry pending; the next round tries it again.
        return Ok(());
    };
    let result = match sent {
        Ok(()) => {
            not_before.remove(&entry.id);
            DeliveryResult::Delivered
        }
        Err(e) if entry.attempts + 1 >= options.max_attempts || !e.is_retryable() => {
            not_before.remove(&entry.id);
            DeliveryResult::GaveUp { error: e.to_string() }
        }
        Err(e) => {
            let delay = backoff(options, entry.attempts + 1);
            not_before.insert(entry.id, Instant::now() + delay);
            DeliveryResult::Failed {
                error: e.to_string(),
                retry_at: now.plus_seconds(delay.as_secs() as i64),
            }
        }
    };
    engine
        .execute(Envelope { actor: "outbox".into(), command: Command::Delivery { outbox: entry.id, result } })
        .await?;
    Ok(())
}

/// Delivers the outbox until `stop` says so: a round whenever the last one did something, else
/// every half second.
pub async fn run_outbox(
    engine: EngineHandle,
    channels: HashMap<String, Arc<dyn Channel>>,
    sms: Option<Arc<SmsGateway>>,
    clock: Clock,
    options: SyncOptions,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut not_before = HashMap::new();
    loop {
        if *stop.borrow() {
            return;
        }
        // As for pulls: a stop does not wait for a slow receiver. A delivery given up here
        // stays pending and is repeated at the next start under the same idempotency key.
        let round = tokio::select! {
            round = deliver_pending(&engine, &channels, sms.as_ref(), clock, &options, &mut not_before, None) => round,
            _ = stop.changed() => return,
        };
        if let Err(e) = &round {
            tracing::error!(error = %e, "outbox round failed");
        }
        if matches!(round, Ok(0) | Err(_)) {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                _ = stop.changed() => return,
            }
        } else if *stop.borrow() {
            return;
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
    /// Channels with a profile that cannot be used (a missing secret …): never caught up.
    pub unusable: Vec<String>,
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
        let (channels, sms) = (self.channels.clone(), self.sms.clone());
        tasks.spawn(run_outbox(engine.clone(), channels, sms, clock, self.options.clone(), stop.clone()));
    }
}

/// What `sync --once` achieved before its deadline.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct OnceReport {
    pub not_caught_up: Vec<String>,
    pub pending: usize,
    pub dead: usize,
    pub health: Vec<Health>,
}

/// Pulls every channel until it is caught up, then delivers the outbox until nothing is
/// pending, all within `timeout`.
pub async fn sync_once(
    engine: EngineHandle,
    channels: HashMap<String, Arc<dyn Channel>>,
    sms: Option<Arc<SmsGateway>>,
    clock: Clock,
    options: SyncOptions,
    timeout: Duration,
) -> Result<OnceReport, EngineError> {
    // A day at most: a deadline beyond what the clock can add would panic.
    let deadline = tokio::time::Instant::now() + timeout.min(Duration::from_secs(86_400));
    let health: HealthBoard = Arc::new(Mutex::new(BTreeMap::new()));
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
    not_caught_up.sort();
    let mut not_before = HashMap::new();
    loop {
        let attempted = deliver_pending(
            &engine,
            &channels,
            sms.as_ref(),
            clock,
            &options,
            &mut not_before,
            Some(deadline),
        )
        .await?;
        let pending = engine.reader().store().outbox_due(Timestamp::from_millis(i64::MAX / 2), 1)?.len();
        if pending == 0 || tokio::time::Instant::now() >= deadline {
            break;
        }
        if attempted == 0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let (mut pending, mut dead) = (0, 0);
    for entry in engine.reader().store().outbox_entries() {
        match entry?.state {
            crate::store::outbox::DeliveryState::Pending => pending += 1,
            crate::store::outbox::DeliveryState::Dead => dead += 1,
            crate::store::outbox::DeliveryState::Delivered => {}
        }
    }
    let health = health.lock().map(|b| b.values().cloned().collect()).unwrap_or_default();
    Ok(OnceReport { not_caught_up, pending, dead, health })
}
