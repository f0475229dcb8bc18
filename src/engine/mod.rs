//! The engine: the only writer. Commands are checked against the domain, their events,
//! projections and index changes are written in one atomic batch, flushed once for the whole
//! burst (group commit), and only then reported as changes.

mod alarms;
pub mod audit;
pub mod authority;
mod batch;
mod catalogue;
mod deadlines;
pub mod marks;
pub mod matters;
mod open_set;
mod outbox;
mod pipeline;
pub mod protocol;
pub mod quarantine;
pub mod reader;
mod scheduler;
pub mod service;
pub mod stats;
pub mod view;
mod view_drill;
mod view_order;
mod view_search;
pub mod warnings;
pub mod watch;
pub mod window;

pub use alarms::MAX_ALARM_TICKETS;
pub use catalogue::Loaded as CatalogueLoad;
pub use protocol::{
    Answer, Change, ChannelHealth, Circuit, Command, Conflict, DeliveryResult, Envelope, Ingest,
    IngestReport, Malformed, Origin, Outcome, QuarantineAction, Query,
};
pub use reader::{ListFilter, Preload, Reader, StatusFilter};
pub use scheduler::{SCHEDULER, run_scheduler};
pub use service::EngineHandle;

use crate::config::Config;
use crate::domain::lifecycle::LifecycleError;
use crate::domain::ticket::TicketId;
use crate::store::{Store, StoreError, StoreOptions};
use crate::time::Clock;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};

/// The right to write the store. Only the engine makes one (its field is private to this
/// module), and `WriteSet::new` and `Store::apply` ask for it: nothing outside the engine can
/// build or apply a write set.
///
/// ```compile_fail
/// let access = rightsdesk::engine::WriteAccess(());
/// ```
/// ```compile_fail
/// let set = rightsdesk::store::WriteSet::default();
/// ```
pub struct WriteAccess(());

#[cfg(not(test))]
const WRITE: WriteAccess = WriteAccess(());
/// The store's own tests write through it too.
#[cfg(test)]
pub(crate) const WRITE: WriteAccess = WriteAccess(());

/// Largest burst written as one batch; sled's batches grow expensive beyond a few hundred.
pub const MAX_GROUP: usize = 1024;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Rule(#[from] LifecycleError),
    /// The person's role does not allow it.
    #[error(transparent)]
    Forbidden(#[from] crate::domain::role::Forbidden),
    /// Someone else changed the ticket since the person saw it: nothing was written.
    #[error(transparent)]
    Conflict(#[from] Conflict),
    /// A watch-list command that does not hold (a bad credit code, no reason, not watched).
    #[error(transparent)]
    Watch(#[from] crate::domain::watch::WatchError),
    #[error("no ticket #{0}")]
    NoTicket(TicketId),
    #[error("no outbox entry {0}")]
    NoOutboxEntry(u64),
    #[error("no quarantined item {0}")]
    NoQuarantineEntry(u64),
    #[error("outbox entry {id} is {state}: only a dead entry can be retried")]
    NotDead { id: u64, state: &'static str },
    #[error("cannot merge into #{target}: {why}")]
    BadMergeTarget { target: TicketId, why: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The write of the group this command was in failed; nothing of it was saved.
    #[error("not saved: {0}")]
    NotSaved(String),
    /// The server refused the command (a rule, a missing ticket …); its words.
    #[error("{0}")]
    Refused(String),
    /// The server could not be reached or failed.
    #[error("server: {0}")]
    Server(String),
}

impl EngineError {
    /// The error as a log line may carry it: no clerk's free text, no server's words.
    pub fn for_log(&self) -> String {
        match self {
            EngineError::Rule(e) => e.for_log(),
            EngineError::Refused(_) => "refused by the server".into(),
            EngineError::Server(_) => "the server could not be reached or failed".into(),
            other => other.to_string(),
        }
    }
}

pub struct Engine {
    store: Store,
    config: Arc<Config>,
    clock: Clock,
    next_seq: u64,
    next_id: u64,
    next_outbox: u64,
    next_quarantine: u64,
    /// Outbox entries below this id are on disk. Delivery workers read the store, which shows
    /// a batch before its flush: an effect must not leave the building (a channel told "signed
    /// for") while a crash could still take back the event that caused it.
    durable_outbox: Arc<AtomicU64>,
    /// Changes of a group whose flush failed, published once a later flush succeeds.
    unpublished: Vec<Change>,
    subscribers: Vec<Sender<Change>>,
}

impl Engine {
    pub fn open(dir: &Path, config: Arc<Config>, clock: Clock) -> Result<Engine, EngineError> {
        let options = StoreOptions { cache_bytes: config.settings.store_cache_mb.max(8) << 20 };
        let store = Store::open(dir, &options)?;
        let next_outbox = store.last_outbox_id()? + 1;
        let mut engine = Engine {
            next_seq: store.last_seq()? + 1,
            next_id: store.last_ticket_id()? + 1,
            next_outbox,
            durable_outbox: Arc::new(AtomicU64::new(next_outbox)),
            unpublished: Vec::new(),
            next_quarantine: store.last_quarantine_id()? + 1,
            store,
            config,
            clock,
            subscribers: Vec::new(),
        };
        deadlines::reindex_if_rules_changed(&mut engine)?;
        engine.store.index_retried_quarantine_once(&WRITE)?;
        quarantine::index_sightings_once(&engine.store, &engine.config)?;
        tracing::info!(dir = %dir.display(), last_seq = engine.next_seq - 1, tickets = engine.next_id - 1, "engine open");
        Ok(engine)
    }

    /// Closes the engine: returns once the store can be opened again (see `Store::close`).
    /// No other handle on the store (no `Reader`) may be alive.
    pub fn close(self) -> Result<(), EngineError> {
        Ok(self.store.close()?)
    }

    /// Closes the engine and opens the store once more, so that sled writes its snapshot now:
    /// sled 0.34 writes one only while opening, so without this the next start replays all
    /// that was written since the last one (about 1 s after a 1M-ticket backfill). Worth it
    /// after a bulk load. No other handle on the store (no `Reader`) may be alive.
    pub fn close_with_checkpoint(self) -> Result<(), EngineError> {
        let dir = self.store.dir().to_path_buf();
        let options = StoreOptions { cache_bytes: self.config.settings.store_cache_mb.max(8) << 20 };
        self.close()?;
        Store::open(&dir, &options)?.close()?;
        Ok(())
    }

    pub fn reader(&self) -> Reader {
        Reader::new(self.store.clone(), self.config.clone(), self.clock)
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn config(&self) -> &Arc<Config> {
        &self.config
    }

    /// Changes from now on, in sequence order.
    pub fn subscribe(&mut self) -> Receiver<Change> {
        let (tx, rx) = channel();
        self.subscribers.push(tx);
        rx
    }

    /// Runs one command; it is on disk when this returns Ok.
    pub fn execute(&mut self, envelope: Envelope) -> Result<Outcome, EngineError> {
        self.execute_all(vec![envelope]).pop().unwrap_or_else(|| unreachable!("one result per command"))
    }

    /// Runs a burst of commands from this process itself (`Origin::Internal`): each is checked
    /// on its own (a refused one changes nothing), the accepted ones are written in groups of
    /// at most `MAX_GROUP`, one flush for the burst.
    pub fn execute_all(&mut self, envelopes: Vec<Envelope>) -> Vec<Result<Outcome, EngineError>> {
        self.execute_all_in_groups(envelopes, MAX_GROUP)
    }

    /// `execute_all` with groups of at most `group` commands (at least one): a bulk load keeps
    /// its groups small, as sled holds every node it copied while writing a batch until the
    /// batch ends, and still pays one flush for the whole burst.
    pub fn execute_all_in_groups(
        &mut self,
        envelopes: Vec<Envelope>,
        group: usize,
    ) -> Vec<Result<Outcome, EngineError>> {
        self.execute_from_in_groups(envelopes.into_iter().map(|e| (Origin::Internal, e)).collect(), group)
    }

    /// Runs a burst of commands, each checked against who sent it (see `authority`).
    pub fn execute_from(&mut self, sent: Vec<(Origin, Envelope)>) -> Vec<Result<Outcome, EngineError>> {
        self.execute_from_in_groups(sent, MAX_GROUP)
    }

    /// `execute_from` with groups of at most `group` commands (see `execute_all_in_groups`).
    pub fn execute_from_in_groups(
        &mut self,
        sent: Vec<(Origin, Envelope)>,
        group: usize,
    ) -> Vec<Result<Outcome, EngineError>> {
        let group_size = group.clamp(1, MAX_GROUP);
        let mut results = Vec::with_capacity(sent.len());
        let mut published = Vec::new();
        let mut commands = sent.into_iter().peekable();
        let mut groups = Vec::new();
        while commands.peek().is_some() {
            groups.push(commands.by_ref().take(group_size).collect::<Vec<_>>());
        }
        let written = if pipeline::suits(&groups) {
            pipeline::run(self, groups)
        } else {
            groups
                .into_iter()
                .map(|group| (group.len(), batch::run_group(self, group).map_err(|e| e.to_string())))
                .collect()
        };
        for (n, group) in written {
            match group {
                Ok((outcomes, changes)) => {
                    for outcome in &outcomes {
                        if let Err(
                            e @ (EngineError::Rule(_)
                            | EngineError::Forbidden(_)
                            | EngineError::NoTicket(_)
                            | EngineError::Watch(_)
                            | EngineError::BadMergeTarget { .. }),
                        ) = outcome
                        {
                            // Only what names states, actions, ids and limits: no free text.
                            tracing::info!(refused = %e.for_log(), "command refused");
                        }
                    }
                    tracing::debug!(commands = n, events = changes.len(), "group written");
                    results.extend(outcomes);
                    published.extend(changes);
                }
                Err(text) => {
                    tracing::error!(error = %text, commands = n, "group not written");
                    // The batch never reached the store: every command of the group failed.
                    results.extend((0..n).map(|_| Err(EngineError::NotSaved(text.clone()))));
                }
            }
        }
        // A duplicate is acknowledged too, so it must be durable as well: its original may sit
        // in a group whose flush failed earlier.
        if results.iter().any(Result::is_ok) {
            if let Err(e) = self.store.flush() {
                // Not known to be durable, so not acknowledged. The batch is in sled, and a
                // later flush may still write it: its changes are published with that flush.
                self.unpublished.extend(published);
                let text = format!(
                    "written but not flushed to disk ({e}); a later write may still save it: look before doing it again"
                );
                return results
                    .into_iter()
                    .map(|r| r.and(Err(EngineError::NotSaved(text.clone()))))
                    .collect();
            }
            self.durable_outbox.store(self.next_outbox, Ordering::Release);
            let mut changes = std::mem::take(&mut self.unpublished);
            changes.extend(published);
            self.publish(changes);
        }
        results
    }

    fn counters(&self) -> batch::Counters {
        batch::Counters {
            seq: self.next_seq,
            id: self.next_id,
            outbox: self.next_outbox,
            quarantine: self.next_quarantine,
        }
    }

    fn set_counters(&mut self, next: batch::Counters) {
        self.next_seq = next.seq;
        self.next_id = next.id;
        self.next_outbox = next.outbox;
        self.next_quarantine = next.quarantine;
    }

    /// Outbox entries with an id below the returned value are durable (see `durable_outbox`).
    pub fn durable_outbox(&self) -> Arc<AtomicU64> {
        self.durable_outbox.clone()
    }

    fn publish(&mut self, changes: Vec<Change>) {
        self.subscribers.retain(|s| changes.iter().all(|c| s.send(c.clone()).is_ok()));
    }
}
