//! Early warnings as events: the warning scheduler evaluates the statistics' surge test on a
//! schedule and sends what it found (`Command::RaiseWarnings`, the server's own command); the
//! engine raises each surge once and clears it when it is over, by the rule of
//! `domain::early_warning`, keeping the live warnings in the same batch as their events. A
//! restart or a second evaluation raises nothing new. `rightsdesk serve` runs the scheduler.

use super::EngineError;
use super::batch::Overlay;
use super::protocol::{Command, Envelope, Outcome};
use super::service::EngineHandle;
use crate::domain::event::EventBody;
use crate::stats::warnings::Warning;
use crate::time::Timestamp;
use std::time::Duration;
use tokio::sync::watch;

/// The actor of the warning scheduler's commands and events.
pub const WARNINGS: &str = "warnings";

/// Raises the surges `found` at `now` that are not live, and clears the live ones that are over.
pub(super) fn raise(
    overlay: &mut Overlay,
    actor: &str,
    found: Vec<Warning>,
    now: Timestamp,
) -> Result<Outcome, EngineError> {
    let mut live = overlay.live_warnings()?;
    let judgement = live.judge(&found, now.china_date());
    let mut changes = Vec::new();
    for warning in judgement.raise {
        let change =
            overlay.record_store_wide(now, actor, EventBody::WarningRaised(Box::new(warning.clone())));
        live.raised(warning, change.seq, now);
        changes.push(change);
    }
    for (subject, key) in judgement.clear {
        let change =
            overlay.record_store_wide(now, actor, EventBody::WarningCleared { subject, key: key.clone() });
        live.cleared(subject, &key, change.seq);
        changes.push(change);
    }
    if !changes.is_empty() {
        overlay.warnings = Some(live);
    }
    Ok(Outcome::Applied(changes))
}

/// Evaluates the warnings now and sends what was found; the number of events written.
pub async fn evaluate_once(engine: &EngineHandle) -> Result<usize, EngineError> {
    let reader = engine.reader().clone();
    let found = tokio::task::spawn_blocking(move || reader.current_warnings())
        .await
        .map_err(|e| EngineError::Server(format!("the warning evaluation failed: {e}")))??;
    let command = Envelope { actor: WARNINGS.into(), command: Command::RaiseWarnings { found } };
    match engine.execute(command).await? {
        Outcome::Applied(changes) => Ok(changes.len()),
        _ => Ok(0),
    }
}

/// Evaluates every `every` until `stop` turns true (or its sender is dropped). The first
/// evaluation comes `every` after the start, not at once: a starting server has its catalogue
/// to load and its channels to catch up with first, and the statistics' facts of a large store
/// take a moment more (live warnings are kept across a restart anyway).
pub async fn run_warnings(engine: EngineHandle, every: Duration, mut stop: watch::Receiver<bool>) {
    tracing::info!(every_secs = every.as_secs(), "warning scheduler started");
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            changed = stop.changed() => if changed.is_err() { break },
        }
        if *stop.borrow() {
            break;
        }
        match evaluate_once(&engine).await {
            Ok(0) => {}
            Ok(events) => tracing::info!(events, "early warnings raised or cleared"),
            Err(e) => tracing::warn!(error = %e.for_log(), "early warnings not evaluated; trying again"),
        }
    }
    tracing::info!("warning scheduler stopped");
}
