//! The engine on a thread of its own, for async callers (sync workers, the units API, the
//! server's socket): commands queue up while a burst is written, and each burst costs one
//! flush however many tasks sent into it.

use super::{Change, ChannelHealth, Engine, EngineError, Envelope, MAX_GROUP, Origin, Outcome, Reader};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::thread::JoinHandle;
use tokio::sync::{broadcast, oneshot};

/// Commands from one caller, answered together.
struct Job {
    envelopes: Vec<(Origin, Envelope)>,
    reply: oneshot::Sender<Vec<Result<Outcome, EngineError>>>,
}

/// A cheap, cloneable way to the engine thread.
#[derive(Clone)]
pub struct EngineHandle {
    jobs: mpsc::Sender<Job>,
    reader: Reader,
    changes: broadcast::Sender<Change>,
    health: broadcast::Sender<ChannelHealth>,
    durable_outbox: Arc<AtomicU64>,
}

#[derive(Debug, thiserror::Error)]
#[error("the engine has stopped")]
pub struct EngineStopped;

impl EngineHandle {
    /// Moves the engine onto its own thread. The thread ends when every handle is dropped, and
    /// hands the engine back (to close it with a checkpoint).
    pub fn spawn(mut engine: Engine) -> (EngineHandle, JoinHandle<Engine>) {
        let (jobs, inbox) = mpsc::channel::<Job>();
        let (changes, _) = broadcast::channel(4096);
        let (health, _) = broadcast::channel(256);
        let reader = engine.reader();
        let durable_outbox = engine.durable_outbox();
        let published = engine.subscribe();
        let fanout = changes.clone();
        let thread = std::thread::Builder::new()
            .name("engine".into())
            .spawn(move || {
                // A job that would not fit the burst's group waits for the next burst: the
                // commands of one job (a unit's way to `resolved`) are written as one batch.
                let mut carried: Option<Job> = None;
                while let Some(first) = carried.take().or_else(|| inbox.recv().ok()) {
                    let mut size = first.envelopes.len();
                    let mut burst = vec![first];
                    while size < MAX_GROUP {
                        match inbox.try_recv() {
                            Ok(job) if size + job.envelopes.len() > MAX_GROUP => {
                                carried = Some(job);
                                break;
                            }
                            Ok(job) => {
                                size += job.envelopes.len();
                                burst.push(job);
                            }
                            Err(_) => break,
                        }
                    }
                    let mut sizes = Vec::with_capacity(burst.len());
                    let mut replies = Vec::with_capacity(burst.len());
                    let mut envelopes = Vec::with_capacity(size);
                    for job in burst {
                        sizes.push(job.envelopes.len());
                        replies.push(job.reply);
                        envelopes.extend(job.envelopes);
                    }
                    let mut results = engine.execute_from(envelopes).into_iter();
                    for (reply, n) in replies.into_iter().zip(sizes) {
                        // A caller that gave up waiting is no reason to stop.
                        let _ = reply.send(results.by_ref().take(n).collect());
                    }
                    for change in published.try_iter() {
                        let _ = fanout.send(change);
                    }
                }
                engine
            })
            .expect("the engine thread starts");
        (EngineHandle { jobs, reader, changes, health, durable_outbox }, thread)
    }

    /// Runs one command; it is on disk when this returns Ok.
    pub async fn execute(&self, envelope: Envelope) -> Result<Outcome, EngineError> {
        self.execute_all(vec![envelope])
            .await
            .pop()
            .unwrap_or_else(|| Err(EngineError::NotSaved(EngineStopped.to_string())))
    }

    /// Runs commands of this process's own workers in order, as `Engine::execute_all` does:
    /// one result each.
    pub async fn execute_all(&self, envelopes: Vec<Envelope>) -> Vec<Result<Outcome, EngineError>> {
        self.execute_from(&Origin::Internal, envelopes).await
    }

    /// Runs commands in order as sent by `origin` (a person through the socket or the units
    /// API is checked against their role): one result each.
    pub async fn execute_from(
        &self,
        origin: &Origin,
        envelopes: Vec<Envelope>,
    ) -> Vec<Result<Outcome, EngineError>> {
        let n = envelopes.len();
        let envelopes = envelopes.into_iter().map(|e| (origin.clone(), e)).collect();
        let stopped = || (0..n).map(|_| Err(EngineError::NotSaved(EngineStopped.to_string()))).collect();
        let (reply, answer) = oneshot::channel();
        if self.jobs.send(Job { envelopes, reply }).is_err() {
            return stopped();
        }
        answer.await.unwrap_or_else(|_| stopped())
    }

    /// Whether an outbox entry is on disk and may be delivered.
    pub fn is_durable(&self, outbox: u64) -> bool {
        outbox < self.durable_outbox.load(Ordering::Acquire)
    }

    /// Tells subscribers how a channel's sync is going.
    pub fn publish_health(&self, health: ChannelHealth) {
        // Nobody listening is fine.
        let _ = self.health.send(health);
    }

    /// Channel health updates from now on.
    pub fn subscribe_health(&self) -> broadcast::Receiver<ChannelHealth> {
        self.health.subscribe()
    }

    pub fn reader(&self) -> &Reader {
        &self.reader
    }

    /// Changes from now on. A subscriber that falls more than 4096 changes behind is told so
    /// (`RecvError::Lagged`) and can resume from the event log by sequence number.
    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.changes.subscribe()
    }
}
