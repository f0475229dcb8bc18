//! The outbox loop: delivers due effects (sign-fors, write-backs, SMS) with their idempotency
//! keys, retries with backoff, and gives up after N real attempts. An effect that cannot be sent
//! because something is not configured (its channel has no secret, there is no SMS gateway)
//! is not attempted: it waits, with the reason, and goes out once the configuration is fixed.

use super::http::{Channel, SmsGateway, SyncError};
use super::worker::{SyncOptions, backoff};
use crate::domain::effect::EffectKind;
use crate::engine::{Command, DeliveryResult, EngineError, EngineHandle, Envelope};
use crate::store::outbox::{DeliveryState, OutboxEntry};
use crate::time::{Clock, Timestamp};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What the outbox cannot reach in this process, and why: the reason an effect waits.
#[derive(Clone, Debug, Default)]
pub struct Missing {
    /// Channel id → why it has no worker (its secret is not provided, its profile is unusable).
    pub channels: BTreeMap<String, String>,
    /// Why there is no SMS gateway (None: there is one, or nobody said why not).
    pub sms: Option<String>,
}

impl Missing {
    /// Why `entry` cannot be sent with what this process has, if it cannot.
    fn reason(
        &self,
        entry: &OutboxEntry,
        channels: &HashMap<String, Arc<dyn Channel>>,
        sms: Option<&Arc<SmsGateway>>,
    ) -> Option<String> {
        let channel = &entry.effect.channel;
        match entry.effect.kind {
            EffectKind::Sms if sms.is_none() => Some(format!(
                "waiting: {}",
                self.sms.as_deref().unwrap_or("no SMS gateway configured (gateway_url in sms.toml)")
            )),
            EffectKind::SignFor | EffectKind::WriteBack if !channels.contains_key(channel) => {
                Some(match self.channels.get(channel) {
                    Some(why) => format!("waiting: channel {channel} {why}"),
                    None => format!("waiting: channel {channel} has no sync profile"),
                })
            }
            _ => None,
        }
    }
}

/// At most this many deliveries are in flight at once: a slow receiver must not hold up the
/// rest of the outbox.
const IN_FLIGHT: usize = 16;

/// At most this many entries are taken up in one round.
const ROUND: usize = 512;

/// How long an entry found waiting is left unread: what this process lacks does not change
/// while it runs, and reading thousands of waiting SMS every half second would be waste.
const WAITING_RECHECK: Duration = Duration::from_secs(60);

/// Delivers the outbox's due effects once, several at a time. Backoff between attempts is kept
/// in memory (`not_before`) so it works whatever the clock: after a restart every pending entry
/// is tried again at once, which the receivers' idempotency keys make harmless. An entry that
/// cannot be sent is marked waiting once (no attempt) and skipped, so waiting entries never
/// crowd out the ones that can go. No new delivery starts after `deadline`.
#[allow(clippy::too_many_arguments)]
pub async fn deliver_pending(
    engine: &EngineHandle,
    channels: &HashMap<String, Arc<dyn Channel>>,
    sms: Option<&Arc<SmsGateway>>,
    missing: &Missing,
    clock: Clock,
    options: &SyncOptions,
    not_before: &mut HashMap<u64, Instant>,
    deadline: Option<tokio::time::Instant>,
) -> Result<usize, EngineError> {
    let mut due = Vec::new();
    let mut waits = Vec::new();
    let store = engine.reader().store();
    for id in store.outbox_open_ids() {
        let id = id?;
        // Backing off, waiting, or not yet flushed: skipped without reading the entry.
        if !engine.is_durable(id) || not_before.get(&id).is_some_and(|t| *t > Instant::now()) {
            continue;
        }
        let Some(entry) = store.outbox_entry(id)? else { continue };
        if let Some(reason) = missing.reason(&entry, channels, sms) {
            let already = entry.state == DeliveryState::Waiting && entry.last_error.as_ref() == Some(&reason);
            if !already {
                let result = DeliveryResult::Waiting { reason };
                let command = Command::Delivery { outbox: id, result };
                waits.push(Envelope { actor: "outbox".into(), command });
            }
            not_before.insert(id, Instant::now() + WAITING_RECHECK);
            continue;
        }
        due.push(entry);
        if due.len() >= ROUND {
            break;
        }
    }
    let marked = waits.len();
    for result in engine.execute_all(waits).await {
        result?;
    }
    let mut attempted = 0;
    let mut flights = tokio::task::JoinSet::new();
    for entry in due {
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
                // `Missing::reason` kept these out of the round.
                (kind, _, _) => Err(SyncError::Invalid(format!("nothing to send a {kind:?} with"))),
            };
            (entry, sent, now)
        });
    }
    while let Some(done) = flights.join_next().await {
        settle(engine, options, not_before, done).await?;
    }
    Ok(attempted + marked)
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
            tracing::warn!(outbox = entry.id, error = %e.for_log(), "delivery given up");
            DeliveryResult::GaveUp { error: e.to_string() }
        }
        Err(e) => {
            let delay = backoff(options, entry.attempts + 1);
            not_before.insert(entry.id, Instant::now() + delay);
            tracing::debug!(outbox = entry.id, error = %e.for_log(), "delivery failed; will retry");
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
    missing: Missing,
    clock: Clock,
    options: SyncOptions,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut not_before = HashMap::new();
    loop {
        if *stop.borrow() {
            return;
        }
        // A stop does not wait for a slow receiver: a delivery given up here stays pending and
        // is repeated at the next start under the same idempotency key.
        let round = tokio::select! {
            round = deliver_pending(
                &engine,
                &channels,
                sms.as_ref(),
                &missing,
                clock,
                &options,
                &mut not_before,
                None,
            ) => round,
            _ = stop.changed() => return,
        };
        if let Err(e) = &round {
            tracing::error!(error = %e.for_log(), "outbox round failed");
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
