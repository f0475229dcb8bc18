//! The server's side of `DATA/serve.sock`: every connection is a client (a CLI command, a
//! console) speaking the frames of `wire.rs` to the one engine this process owns.

use super::sessions::{Attached, Gate, Sessions, StatusReport};
use super::wire::{self, MAX_REQUEST_BYTES, PROTOCOL, Reply, Request, WireError};
use crate::domain::role::{self, Need, Person};
use crate::engine::{ChannelHealth, EngineHandle, Envelope, Origin, authority};
use crate::sync::worker;
pub use crate::sync::worker::SyncSide;
use crate::time::Clock;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{Semaphore, broadcast, mpsc, watch};

#[derive(Clone)]
struct Shared {
    engine: EngineHandle,
    clock: Clock,
    sync: SyncSide,
    gate: Gate,
    sessions: Sessions,
    data_dir: String,
    started: std::time::Instant,
    started_at: crate::time::Timestamp,
}

/// Who may attach (`users.toml`) and where the data is, for `status`.
pub struct Hosting {
    pub gate: Gate,
    pub data_dir: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum SocketError {
    #[error(
        "{path}: the socket path is {len} bytes, more than a Unix socket allows ({}): use a shorter --data directory",
        wire::MAX_SOCKET_PATH
    )]
    PathTooLong { path: String, len: usize },
    #[error("{path}: cannot listen: {source}")]
    Bind { path: String, source: io::Error },
}

/// Binds `DATA/serve.sock`. A socket file left by a server that was killed is replaced: this
/// process holds the store's lock, so no other server can be using it.
pub fn bind(data_dir: &Path) -> Result<(UnixListener, PathBuf), SocketError> {
    let path = wire::socket_path(data_dir);
    let shown = path.display().to_string();
    let len = path.as_os_str().len();
    if len > wire::MAX_SOCKET_PATH {
        return Err(SocketError::PathTooLong { path: shown, len });
    }
    match std::fs::remove_file(&path) {
        Ok(()) => tracing::info!("replaced a socket file left by an earlier server"),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(source) => return Err(SocketError::Bind { path: shown, source }),
    }
    let listener =
        UnixListener::bind(&path).map_err(|source| SocketError::Bind { path: shown.clone(), source })?;
    // The server's user and group only: clerks of a shared jump host are put in that group.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o660))
        .map_err(|source| SocketError::Bind { path: shown, source })?;
    Ok((listener, path))
}

/// Accepts clients until `stop`; then gives the connections `DRAIN` to answer what they were
/// asked before they are cut.
pub async fn serve(
    listener: UnixListener,
    engine: EngineHandle,
    clock: Clock,
    sync: SyncSide,
    hosting: Hosting,
    mut stop: watch::Receiver<bool>,
) {
    let shared = Shared {
        engine,
        clock,
        sync,
        gate: hosting.gate,
        sessions: Sessions::default(),
        data_dir: hosting.data_dir.display().to_string(),
        started: std::time::Instant::now(),
        started_at: clock.now(),
    };
    let mut clients = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    // Who connected: the kernel says, the client has no say (a uid is not
                    // personal data).
                    let uid = stream.peer_cred().map(|c| c.uid()).ok();
                    tracing::info!(?uid, "client attached");
                    clients.spawn(connection(stream, uid, shared.clone(), stop.clone()));
                }
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            _ = stop.changed() => break,
            Some(_) = clients.join_next(), if !clients.is_empty() => {}
        }
    }
    drop(listener);
    let _ = tokio::time::timeout(DRAIN, async { while clients.join_next().await.is_some() {} }).await;
    clients.shutdown().await;
}

/// How long a closing connection may take to answer what it was already asked.
const DRAIN: Duration = Duration::from_secs(4);
/// Queries, syncs and health requests answered at once on one connection; more wait their turn
/// (a client that sends without reading cannot make the server pile up work).
const IN_FLIGHT_PER_CLIENT: usize = 16;
/// Commands in one `execute` frame, at most: a huge frame would hold the engine for every
/// other clerk. The bundled client sends 2048.
pub const MAX_COMMANDS_PER_FRAME: usize = 4096;

async fn connection(stream: UnixStream, uid: Option<u32>, shared: Shared, mut stop: watch::Receiver<bool>) {
    let (read, mut write) = stream.into_split();
    let (replies, mut outgoing) = mpsc::channel::<Reply>(1024);
    let mut writer = tokio::spawn(async move {
        while let Some(reply) = outgoing.recv().await {
            let line = match serde_json::to_vec(&reply) {
                Ok(line) => line,
                Err(e) => {
                    // Cannot happen with these types; if it did, the client must not wait on.
                    tracing::error!(error = %e, "a reply could not be encoded; closing the connection");
                    break;
                }
            };
            if write.write_all(&line).await.is_err() || write.write_all(b"\n").await.is_err() {
                break;
            }
        }
    });
    // The commands of one connection reach the engine in the order they were sent, as the
    // person behind the socket.
    let (commands, mut queued) = mpsc::channel::<(u64, Origin, Vec<Envelope>)>(16);
    let mut executor = {
        let (engine, replies) = (shared.engine.clone(), replies.clone());
        tokio::spawn(async move {
            while let Some((id, origin, envelopes)) = queued.recv().await {
                let results = engine.execute_from(&origin, envelopes).await;
                let results = results.into_iter().map(|r| r.map_err(|e| (&e).into())).collect();
                if replies.send(Reply::Executed { id, results }).await.is_err() {
                    break;
                }
            }
        })
    };
    let permits = Arc::new(Semaphore::new(IN_FLIGHT_PER_CLIENT));
    let mut answers = tokio::task::JoinSet::new();
    let mut subscriptions = tokio::task::JoinSet::new();
    let mut lines = BufReader::new(read);
    // Who the connection is, once it said hello: (the person, their session).
    let mut welcomed: Option<(Arc<Person>, u64)> = None;
    // For whom the client asked to act, to admit it again when `users.toml` changes.
    let mut acting_for: Option<String> = None;
    let mut users = shared.gate.users_changed();
    'connection: loop {
        // Only `stop` may cut a read short: the bytes a cut read had taken would be lost. A
        // change of `users.toml` is looked at with the same read still pending.
        let read = read_request(&mut lines);
        tokio::pin!(read);
        let request = loop {
            tokio::select! {
                r = &mut read => break r,
                _ = stop.changed() => break 'connection,
                Ok(()) = users.changed(), if welcomed.is_some() => {
                    if let Some(reason) = readmit(&shared.gate, uid, acting_for.as_deref(), welcomed.as_ref()) {
                        tracing::info!(?uid, "client disconnected: its access changed in users.toml");
                        let _ = replies.send(Reply::Refused { reason }).await;
                        break 'connection;
                    }
                }
            }
        };
        let request = match request {
            Ok(Some(r)) => r,
            Ok(None) => break,
            Err(reason) => {
                let _ = replies.send(Reply::BadRequest { reason }).await;
                break;
            }
        };
        match (&welcomed, request) {
            (None, Request::Hello { protocol, client, as_user, console }) => {
                if protocol != PROTOCOL {
                    let reason = format!(
                        "this server ({}) speaks protocol {PROTOCOL}; {client} speaks {protocol}: use the same rightsdesk version as the server",
                        wire::identity()
                    );
                    let _ = replies.send(Reply::Refused { reason }).await;
                    break;
                }
                users.mark_unchanged();
                acting_for = as_user.clone();
                let person = match shared.gate.admit(uid, as_user.as_deref()) {
                    Ok(p) => Arc::new(p),
                    Err(reason) => {
                        tracing::info!(?uid, "client refused: not admitted");
                        let _ = replies.send(Reply::Refused { reason }).await;
                        break;
                    }
                };
                let session = shared.sessions.add(&person, console, shared.clock.now());
                welcomed = Some((person.clone(), session));
                let welcome = Reply::Welcome {
                    protocol: PROTOCOL,
                    server: wire::identity(),
                    pid: std::process::id(),
                    you: Some((*person).clone()),
                };
                if replies.send(welcome).await.is_err() {
                    break;
                }
            }
            (None, _) => {
                let reason = "say hello first: {\"hello\":{\"protocol\":N,\"client\":\"…\"}}".to_string();
                let _ = replies.send(Reply::Refused { reason }).await;
                break;
            }
            (Some(_), Request::Hello { .. }) => {
                let _ = replies.send(Reply::BadRequest { reason: "hello twice".into() }).await;
                break;
            }
            (Some((person, _)), Request::Execute { id, envelopes }) => {
                if envelopes.len() > MAX_COMMANDS_PER_FRAME {
                    let reason = format!(
                        "{} commands in one frame; at most {MAX_COMMANDS_PER_FRAME}",
                        envelopes.len()
                    );
                    let _ = replies.send(Reply::BadRequest { reason }).await;
                    break;
                }
                if commands.send((id, Origin::Person(person.clone()), envelopes)).await.is_err() {
                    break;
                }
            }
            (Some((person, _)), Request::Subscribe { id }) => {
                subscriptions.spawn(subscribe(id, shared.clone(), person.clone(), replies.clone()));
            }
            (Some((_, session)), Request::Viewing { ticket }) => shared.sessions.viewing(*session, ticket),
            (Some((person, _)), request) => {
                // A console keeps its connection for a working day: answered requests must not
                // pile up in the set.
                while answers.try_join_next().is_some() {}
                let Ok(permit) = permits.clone().acquire_owned().await else { break };
                let (shared, replies, person) = (shared.clone(), replies.clone(), person.clone());
                answers.spawn(async move {
                    answer(request, shared, person, replies).await;
                    drop(permit);
                });
            }
        }
    }
    // The client has gone or the server stops. What was asked is still answered (a command
    // handed over is written either way, and its client should hear so), within `DRAIN`.
    subscriptions.shutdown().await;
    drop(commands);
    let drained = tokio::time::timeout(DRAIN, async {
        let _ = (&mut executor).await;
        while answers.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!("a closing connection still had requests in hand; they were cut");
    }
    executor.abort();
    answers.shutdown().await;
    if let Some((_, session)) = welcomed {
        shared.sessions.remove(session);
    }
    drop(replies);
    if tokio::time::timeout(DRAIN, &mut writer).await.is_err() {
        writer.abort();
    }
}

/// Why a connection may not go on under the `users.toml` read now (None: it may, as the same
/// person). A person whose role or name changed is sent away too: the client attaches again
/// and is admitted as the file says now, so nothing acts on a role it no longer has.
fn readmit(
    gate: &Gate,
    uid: Option<u32>,
    acting_for: Option<&str>,
    welcomed: Option<&(Arc<Person>, u64)>,
) -> Option<String> {
    let (person, _) = welcomed?;
    match gate.admit(uid, acting_for) {
        Ok(now) if now == **person => None,
        Ok(now) => Some(format!(
            "users.toml changed: {} is now {} here; attach again to go on as such",
            now.login, now.role
        )),
        Err(reason) => Some(reason),
    }
}

/// One line, or None at the end of the stream, or why it cannot be read.
async fn read_request<R: tokio::io::AsyncBufRead + Unpin>(lines: &mut R) -> Result<Option<Request>, String> {
    let mut buf = Vec::new();
    let n = lines
        .take(MAX_REQUEST_BYTES as u64 + 1)
        .read_until(b'\n', &mut buf)
        .await
        .map_err(|e| format!("cannot read the request: {e}"))?;
    if n == 0 {
        return Ok(None);
    }
    if n > MAX_REQUEST_BYTES {
        return Err(format!("a request longer than {MAX_REQUEST_BYTES} bytes"));
    }
    serde_json::from_slice(&buf).map(Some).map_err(|e| format!("not a request frame: {e}"))
}

async fn answer(request: Request, shared: Shared, person: Arc<Person>, replies: mpsc::Sender<Reply>) {
    let engine = &shared.engine;
    let reply = match request {
        // Handled by the connection itself.
        Request::Hello { .. }
        | Request::Execute { .. }
        | Request::Subscribe { .. }
        | Request::Viewing { .. } => {
            return;
        }
        Request::Query { id, query } => {
            let reader = engine.reader().clone();
            let answered =
                tokio::task::spawn_blocking(move || authority::answer(&reader, &person, query)).await;
            let answer = match answered {
                Ok(Ok(a)) => Ok(a),
                Ok(Err(e)) => Err(WireError::from(&e)),
                Err(e) => Err(WireError::Failed(format!("the query failed: {e}"))),
            };
            Reply::Answer { id, answer }
        }
        Request::SyncOnce { id, timeout_secs } => {
            let s = &shared.sync;
            let timeout = Duration::from_secs(timeout_secs.min(MAX_SYNC_ONCE_SECS));
            let report = match role::may(&person, "sync --once", Need::Clerk) {
                Ok(()) => worker::sync_once(engine.clone(), s, shared.clock, timeout)
                    .await
                    .map_err(|e| WireError::from(&e)),
                Err(refused) => Err(WireError::Refused(refused.to_string())),
            };
            Reply::Synced { id, report }
        }
        Request::Status { id } => {
            let shared = shared.clone();
            let built = tokio::task::spawn_blocking(move || {
                status(&shared).map(|mut report| {
                    report.attached = visible(shared.engine.reader(), &person, report.attached);
                    report
                })
            })
            .await;
            let status = match built {
                Ok(Ok(report)) => Ok(Box::new(report)),
                Ok(Err(e)) => Err(WireError::Failed(e.to_string())),
                Err(e) => Err(WireError::Failed(format!("the status failed: {e}"))),
            };
            Reply::Status { id, status }
        }
        Request::Health { id } => {
            let channels =
                shared.sync.health.lock().map(|b| b.values().cloned().collect()).unwrap_or_default();
            Reply::Health { id, channels }
        }
    };
    let _ = replies.send(reply).await;
}

/// The longest `sync_once` a client may ask for.
const MAX_SYNC_ONCE_SECS: u64 = 3600;

/// What `rightsdesk status` shows.
fn status(shared: &Shared) -> Result<StatusReport, crate::store::StoreError> {
    use crate::store::outbox::{DeliveryState, QuarantineState};
    let store = shared.engine.reader().store();
    let (mut outbox_pending, mut outbox_dead) = (0, 0);
    for entry in store.outbox_entries() {
        match entry?.state {
            DeliveryState::Delivered => {}
            DeliveryState::Dead => outbox_dead += 1,
            _ => outbox_pending += 1,
        }
    }
    let mut quarantine_held = 0;
    for entry in store.quarantine_entries() {
        if entry?.state == QuarantineState::Held {
            quarantine_held += 1;
        }
    }
    Ok(StatusReport {
        server: wire::identity(),
        pid: std::process::id(),
        data_dir: shared.data_dir.clone(),
        started_at: shared.started_at,
        uptime_secs: shared.started.elapsed().as_secs(),
        last_seq: store.last_seq()?,
        channels: shared.sync.health.lock().map(|b| b.values().cloned().collect()).unwrap_or_default(),
        outbox_pending,
        outbox_dead,
        quarantine_held,
        attached: shared.sessions.all(),
    })
}

/// The consoles `person` may see: a unit's staff see no one at another unit's ticket.
fn visible(reader: &crate::engine::Reader, person: &Person, attached: Vec<Attached>) -> Vec<Attached> {
    attached
        .into_iter()
        .filter(|a| a.viewing.is_none_or(|t| authority::may_hear(reader, person, t)))
        .collect()
}

async fn subscribe(id: u64, shared: Shared, person: Arc<Person>, replies: mpsc::Sender<Reply>) {
    let changes = shared.engine.subscribe();
    let health = shared.engine.subscribe_health();
    let consoles = shared.sessions.watch_consoles();
    let reader = shared.engine.reader().clone();
    drop(shared);
    if replies.send(Reply::Subscribed { id }).await.is_ok() {
        forward(changes, health, consoles, reader, person, replies).await;
    }
}

/// Pushes changes (those the person may hear of), health updates and who has which ticket
/// open to one subscriber until it goes away.
async fn forward(
    mut changes: broadcast::Receiver<crate::engine::Change>,
    mut health: broadcast::Receiver<ChannelHealth>,
    mut consoles: watch::Receiver<Vec<Attached>>,
    reader: crate::engine::Reader,
    person: Arc<Person>,
    replies: mpsc::Sender<Reply>,
) {
    use broadcast::error::RecvError;
    loop {
        let frame = tokio::select! {
            c = changes.recv() => match c {
                Ok(change) if authority::may_hear(&reader, &person, change.ticket) => Reply::Change(change),
                Ok(_) => continue,
                Err(RecvError::Lagged(missed)) => Reply::Lagged { missed },
                Err(RecvError::Closed) => return,
            },
            h = health.recv() => match h {
                Ok(h) => Reply::ChannelHealth(h),
                Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => return,
            },
            seen = consoles.changed() => match seen {
                Ok(()) => Reply::Presence(visible(&reader, &person, consoles.borrow_and_update().clone())),
                Err(_) => return,
            },
        };
        if replies.send(frame).await.is_err() {
            return;
        }
    }
}
