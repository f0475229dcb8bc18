//! The client's side of `DATA/serve.sock`, blocking: a CLI command asks one thing at a time.

use super::wire::{self, PROTOCOL, Reply, Request};
use crate::engine::{Answer, Change, ChannelHealth, EngineError, Envelope, Outcome, Query};
use crate::sync::worker::OnceReport;
use std::collections::VecDeque;
use std::io::{self, BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("{path}: cannot reach the server: {source}")]
    Connect { path: String, source: io::Error },
    #[error("{path}: {reason}")]
    Refused { path: String, reason: String },
    #[error("{path}: the server closed the connection (was it stopped?)")]
    Closed { path: String },
    #[error(
        "{path}: the server did not answer the handshake within {secs} s (is it stopped or overloaded? see store.holder for its pid)"
    )]
    NoAnswer { path: String, secs: u64 },
    #[error("{path}: {what}")]
    Protocol { path: String, what: String },
}

impl From<ClientError> for EngineError {
    fn from(e: ClientError) -> EngineError {
        EngineError::Server(e.to_string())
    }
}

/// A pushed frame for a subscribed client.
#[derive(Clone, Debug, PartialEq)]
pub enum Notice {
    Change(Change),
    Health(ChannelHealth),
    /// `missed` changes were dropped: catch up from the event log.
    Lagged(u64),
    /// The consoles attached and the ticket each has open.
    Presence(Vec<super::sessions::Attached>),
}

/// What a client says of itself when it attaches. Who it is, the server finds out for itself.
#[derive(Clone, Debug, Default)]
pub struct Hello {
    /// Whom a chief acts for (`--as`); the server refuses it from anyone else.
    pub as_user: Option<String>,
    /// A console, listed by `status` and shown to colleagues.
    pub console: bool,
}

pub struct Client {
    path: PathBuf,
    reader: BufReader<UnixStream>,
    writer: UnixStream,
    next_id: u64,
    /// Who answered the handshake (`rightsdesk 0.1.0`) and its process id.
    pub server: String,
    pub server_pid: u32,
    /// Who the server takes this client to be (its Unix user, as `users.toml` names it).
    pub you: Option<crate::domain::role::Person>,
    pushed: VecDeque<Notice>,
    timed_out: bool,
}

/// How long a server may take to answer the handshake.
const HANDSHAKE: Duration = Duration::from_secs(5);

impl Client {
    /// Attaches to the server of `data_dir`, or None when no server is running there (no socket,
    /// or a socket left by a server that is gone).
    pub fn attach(data_dir: &Path) -> Result<Option<Client>, ClientError> {
        Client::attach_with(data_dir, &Hello::default())
    }

    /// `attach`, saying what `hello` says.
    pub fn attach_with(data_dir: &Path, hello: &Hello) -> Result<Option<Client>, ClientError> {
        let path = wire::socket_path(data_dir);
        if path.as_os_str().len() > wire::MAX_SOCKET_PATH {
            // No server can listen there (`serve` says why when it tries).
            return Ok(None);
        }
        let stream = match UnixStream::connect(&path) {
            Ok(s) => s,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::NotFound
                        | io::ErrorKind::ConnectionRefused
                        | io::ErrorKind::AddrNotAvailable
                ) =>
            {
                return Ok(None);
            }
            Err(source) => return Err(ClientError::Connect { path: path.display().to_string(), source }),
        };
        let shown = path.display().to_string();
        let writer =
            stream.try_clone().map_err(|source| ClientError::Connect { path: shown.clone(), source })?;
        let mut client = Client {
            path,
            reader: BufReader::new(stream),
            writer,
            next_id: 1,
            server: String::new(),
            server_pid: 0,
            you: None,
            pushed: VecDeque::new(),
            timed_out: false,
        };
        // A live server answers at once; one that is frozen must not hang the command.
        let _ = client.writer.set_read_timeout(Some(HANDSHAKE));
        client.send(&Request::Hello {
            protocol: PROTOCOL,
            client: wire::identity(),
            as_user: hello.as_user.clone(),
            console: hello.console,
        })?;
        let welcome = client.receive().map_err(|e| match e {
            ClientError::Closed { path } if client.timed_out => {
                ClientError::NoAnswer { path, secs: HANDSHAKE.as_secs() }
            }
            other => other,
        });
        // Later requests may rightly take long (an import, `sync --once`).
        let _ = client.writer.set_read_timeout(None);
        match welcome? {
            Reply::Welcome { server, pid, you, .. } => {
                client.server = server;
                client.server_pid = pid;
                client.you = you;
                Ok(Some(client))
            }
            Reply::Refused { reason } => Err(ClientError::Refused { path: shown, reason }),
            other => Err(client.unexpected(&other)),
        }
    }

    pub fn execute_all(
        &mut self,
        envelopes: Vec<Envelope>,
    ) -> Result<Vec<Result<Outcome, EngineError>>, ClientError> {
        let n = envelopes.len();
        let id = self.request(|id| Request::Execute { id, envelopes })?;
        match self.reply_to(id)? {
            Reply::Executed { results, .. } if results.len() == n => {
                Ok(results.into_iter().map(|r| r.map_err(EngineError::from)).collect())
            }
            other => Err(self.unexpected(&other)),
        }
    }

    pub fn query(&mut self, query: Query) -> Result<Result<Answer, EngineError>, ClientError> {
        let id = self.request(|id| Request::Query { id, query })?;
        match self.reply_to(id)? {
            Reply::Answer { answer, .. } => Ok(answer.map_err(EngineError::from)),
            other => Err(self.unexpected(&other)),
        }
    }

    pub fn sync_once(&mut self, timeout_secs: u64) -> Result<Result<OnceReport, EngineError>, ClientError> {
        let id = self.request(|id| Request::SyncOnce { id, timeout_secs })?;
        match self.reply_to(id)? {
            Reply::Synced { report, .. } => Ok(report.map_err(EngineError::from)),
            other => Err(self.unexpected(&other)),
        }
    }

    pub fn health(&mut self) -> Result<Vec<ChannelHealth>, ClientError> {
        let id = self.request(|id| Request::Health { id })?;
        match self.reply_to(id)? {
            Reply::Health { channels, .. } => Ok(channels),
            other => Err(self.unexpected(&other)),
        }
    }

    /// Uptime, channels, the outbox and who is attached.
    pub fn status(&mut self) -> Result<Result<super::sessions::StatusReport, EngineError>, ClientError> {
        let id = self.request(|id| Request::Status { id })?;
        match self.reply_to(id)? {
            Reply::Status { status, .. } => Ok(status.map(|s| *s).map_err(EngineError::from)),
            other => Err(self.unexpected(&other)),
        }
    }

    /// Tells the server which ticket this console has open (no reply).
    pub fn viewing(&mut self, ticket: Option<crate::domain::ticket::TicketId>) -> Result<(), ClientError> {
        self.send(&Request::Viewing { ticket })
    }

    /// From now on the server pushes changes and health; read them with `next_notice`.
    pub fn subscribe(&mut self) -> Result<(), ClientError> {
        let id = self.request(|id| Request::Subscribe { id })?;
        match self.reply_to(id)? {
            Reply::Subscribed { .. } => Ok(()),
            other => Err(self.unexpected(&other)),
        }
    }

    /// The next pushed frame, waiting for it.
    pub fn next_notice(&mut self) -> Result<Notice, ClientError> {
        loop {
            if let Some(n) = self.pushed.pop_front() {
                return Ok(n);
            }
            let reply = self.receive()?;
            if let Some(other) = self.keep_pushed(reply) {
                return Err(self.unexpected(&other));
            }
        }
    }

    fn request(&mut self, make: impl FnOnce(u64) -> Request) -> Result<u64, ClientError> {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&make(id))?;
        Ok(id)
    }

    fn reply_to(&mut self, id: u64) -> Result<Reply, ClientError> {
        loop {
            let reply = self.receive()?;
            let Some(reply) = self.keep_pushed(reply) else { continue };
            match reply_id(&reply) {
                Some(got) if got == id => return Ok(reply),
                _ => return Err(self.unexpected(&reply)),
            }
        }
    }

    /// Keeps a pushed frame for `next_notice`; gives back anything else.
    fn keep_pushed(&mut self, reply: Reply) -> Option<Reply> {
        match reply {
            Reply::Change(c) => self.pushed.push_back(Notice::Change(c)),
            Reply::ChannelHealth(h) => self.pushed.push_back(Notice::Health(h)),
            Reply::Lagged { missed } => self.pushed.push_back(Notice::Lagged(missed)),
            Reply::Presence(people) => self.pushed.push_back(Notice::Presence(people)),
            other => return Some(other),
        }
        None
    }

    fn send(&mut self, request: &Request) -> Result<(), ClientError> {
        let mut line = serde_json::to_vec(request).map_err(|e| self.protocol(e.to_string()))?;
        line.push(b'\n');
        self.writer.write_all(&line).map_err(|_| ClientError::Closed { path: self.shown() })
    }

    fn receive(&mut self) -> Result<Reply, ClientError> {
        let mut line = Vec::new();
        match self.reader.read_until(b'\n', &mut line) {
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
                self.timed_out = true;
                Err(ClientError::Closed { path: self.shown() })
            }
            Ok(0) | Err(_) => Err(ClientError::Closed { path: self.shown() }),
            Ok(_) => {
                serde_json::from_slice(&line).map_err(|e| self.protocol(format!("unreadable reply: {e}")))
            }
        }
    }

    fn unexpected(&self, reply: &Reply) -> ClientError {
        match reply {
            Reply::BadRequest { reason } | Reply::Refused { reason } => {
                ClientError::Refused { path: self.shown(), reason: reason.clone() }
            }
            _ => self.protocol("a reply that does not answer the request".into()),
        }
    }

    fn protocol(&self, what: String) -> ClientError {
        ClientError::Protocol { path: self.shown(), what }
    }

    fn shown(&self) -> String {
        self.path.display().to_string()
    }
}

fn reply_id(reply: &Reply) -> Option<u64> {
    match reply {
        Reply::Executed { id, .. }
        | Reply::Answer { id, .. }
        | Reply::Subscribed { id }
        | Reply::Synced { id, .. }
        | Reply::Health { id, .. }
        | Reply::Status { id, .. } => Some(*id),
        _ => None,
    }
}
