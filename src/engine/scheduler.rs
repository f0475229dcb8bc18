//! The deadline scheduler: raises the alarms whose time has come (`Command::FireAlarms`), then
//! sleeps until the next one in the alarm index — at most a minute, so that a changed system
//! clock or a missed wake-up costs little — and wakes early when a change brings an earlier
//! alarm (a new ticket, a dispatch), or to stop. `rightsdesk serve` runs it beside the sync
//! workers.

use super::protocol::{Command, Envelope, Outcome};
use super::service::EngineHandle;
use crate::time::{Clock, Timestamp};
use std::time::Duration;
use tokio::sync::{broadcast, watch};
use tokio::time::Instant;

/// The actor of the scheduler's commands and events.
pub const SCHEDULER: &str = "scheduler";

/// The longest sleep between two looks at the alarm index.
const MAX_SLEEP: Duration = Duration::from_secs(60);
/// After a failed command, or when the index keeps an alarm that raises nothing.
const RETRY: Duration = Duration::from_secs(5);

/// Runs until `stop` turns true (or its sender is dropped).
pub async fn run_scheduler(engine: EngineHandle, clock: Clock, mut stop: watch::Receiver<bool>) {
    let mut changes = engine.subscribe();
    tracing::info!("deadline scheduler started");
    while !*stop.borrow() {
        let command = Envelope { actor: SCHEDULER.into(), command: Command::FireAlarms };
        let wait = match engine.execute(command).await {
            Ok(outcome) => {
                let raised = match &outcome {
                    Outcome::Applied(changes) => changes.len(),
                    _ => 0,
                };
                if raised > 0 {
                    tracing::info!(raised, "deadline alarms raised");
                }
                match wait_for_next(&engine, clock) {
                    // More alarms have come than one command takes: go on at once. One that
                    // raised nothing would come back forever; wait instead of spinning.
                    Some(Duration::ZERO) if raised == 0 => RETRY,
                    Some(wait) => wait,
                    None => RETRY,
                }
            }
            Err(e) => {
                tracing::warn!(error = %e.for_log(), "deadline alarms not raised; trying again");
                RETRY
            }
        };
        if wait.is_zero() {
            tokio::task::yield_now().await;
            continue;
        }
        let mut deadline = Instant::now() + wait;
        loop {
            tokio::select! {
                _ = tokio::time::sleep_until(deadline) => break,
                changed = stop.changed() => {
                    if changed.is_err() {
                        tracing::info!("deadline scheduler stopped");
                        return;
                    }
                    if *stop.borrow() {
                        break;
                    }
                }
                change = changes.recv() => match change {
                    Ok(c) if c.actor == SCHEDULER => {}
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {
                        if let Some(wait) = wait_for_next(&engine, clock) {
                            deadline = deadline.min(Instant::now() + wait);
                        }
                    }
                    // Cannot happen while we hold the handle; sleep out the wait.
                    Err(broadcast::error::RecvError::Closed) => tokio::time::sleep_until(deadline).await,
                },
            }
        }
    }
    tracing::info!("deadline scheduler stopped");
}

/// How long until the next alarm in the index, at most `MAX_SLEEP`; None when the index
/// cannot be read.
fn wait_for_next(engine: &EngineHandle, clock: Clock) -> Option<Duration> {
    match engine.reader().next_alarm() {
        Ok(Some(at)) => Some(until(clock.now(), at).min(MAX_SLEEP)),
        Ok(None) => Some(MAX_SLEEP),
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the alarm index");
            None
        }
    }
}

fn until(now: Timestamp, at: Timestamp) -> Duration {
    Duration::from_millis(u64::try_from(at.millis().saturating_sub(now.millis())).unwrap_or(0))
}
