//! The engine on a thread of its own, for async callers (sync workers, the units API, the
//! server's socket): commands queue up while a burst is written, and each burst costs one
//! flush however many tasks sent into it.

use super::{Change, Engine, EngineError, Envelope, MAX_GROUP, Outcome, Reader};
use std::sync::mpsc;
use std::thread::JoinHandle;
use tokio::sync::{broadcast, oneshot};

struct Job {
    envelope: Envelope,
    reply: oneshot::Sender<Result<Outcome, EngineError>>,
}

/// A cheap, cloneable way to the engine thread.
#[derive(Clone)]
pub struct EngineHandle {
    jobs: mpsc::Sender<Job>,
    reader: Reader,
    changes: broadcast::Sender<Change>,
}

#[derive(Debug, thiserror::Error)]
#[error("the engine has stopped")]
pub struct EngineStopped;

impl EngineHandle {
    /// Moves the engine onto its own thread. The thread ends when every handle is dropped.
    pub fn spawn(mut engine: Engine) -> (EngineHandle, JoinHandle<()>) {
        let (jobs, inbox) = mpsc::channel::<Job>();
        let (changes, _) = broadcast::channel(4096);
        let reader = engine.reader();
        let published = engine.subscribe();
        let fanout = changes.clone();
        let thread = std::thread::Builder::new()
            .name("engine".into())
            .spawn(move || {
                while let Ok(first) = inbox.recv() {
                    let mut burst = vec![first];
                    while burst.len() < MAX_GROUP {
                        match inbox.try_recv() {
                            Ok(job) => burst.push(job),
                            Err(_) => break,
                        }
                    }
                    let (envelopes, replies): (Vec<_>, Vec<_>) =
                        burst.into_iter().map(|j| (j.envelope, j.reply)).unzip();
                    let results = engine.execute_all(envelopes);
                    for (reply, result) in replies.into_iter().zip(results) {
                        // A caller that gave up waiting is no reason to stop.
                        let _ = reply.send(result);
                    }
                    for change in published.try_iter() {
                        let _ = fanout.send(change);
                    }
                }
            })
            .expect("the engine thread starts");
        (EngineHandle { jobs, reader, changes }, thread)
    }

    /// Runs one command; it is on disk when this returns Ok.
    pub async fn execute(&self, envelope: Envelope) -> Result<Outcome, EngineError> {
        let (reply, answer) = oneshot::channel();
        if self.jobs.send(Job { envelope, reply }).is_err() {
            return Err(EngineError::NotSaved(EngineStopped.to_string()));
        }
        answer.await.unwrap_or_else(|_| Err(EngineError::NotSaved(EngineStopped.to_string())))
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
