//! The frames of the server's socket (`DATA/serve.sock`): one JSON object a line, each way.
//!
//! A client opens with `hello`, naming the protocol version it speaks; the server answers
//! `welcome`, or `refused` with the reason (another version) and closes. After that every
//! request carries an `id` and gets exactly one reply with the same `id`; a client that sent
//! `subscribe` also receives `change` and `channel_health` frames, in order, between replies.
//! The payloads are the engine's own serde types (`Envelope`, `Outcome`, `Query`, `Answer`,
//! `Change`), so the socket adds no second vocabulary.

use crate::engine::{Answer, Change, ChannelHealth, EngineError, Envelope, Outcome, Query};
use crate::sync::worker::OnceReport;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Bumped whenever a frame or a payload type changes incompatibly.
pub const PROTOCOL: u32 = 3;

/// The socket's file name inside the data directory.
pub const SOCKET_NAME: &str = "serve.sock";

/// A request frame is at most this long: a client cannot make the server buffer without end.
pub const MAX_REQUEST_BYTES: usize = 64 << 20;

/// The longest path a Unix socket can have (`sun_path` less its terminating zero).
pub const MAX_SOCKET_PATH: usize = 107;

pub fn socket_path(data_dir: &Path) -> PathBuf {
    data_dir.join(SOCKET_NAME)
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Request {
    Hello {
        protocol: u32,
        client: String,
        /// Whom a chief acts for (`--as`). Who the client is comes from the socket, never
        /// from here.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        as_user: Option<String>,
        /// A console (listed by `status`, shown to colleagues), not a one-off command.
        #[serde(default)]
        console: bool,
    },
    /// Commands, written in order; one result each.
    Execute {
        id: u64,
        envelopes: Vec<Envelope>,
    },
    Query {
        id: u64,
        query: Query,
    },
    /// From now on, push every `Change` and channel health update on this connection.
    Subscribe {
        id: u64,
    },
    /// Pull every channel until caught up and drain the outbox, as `sync --once` does.
    SyncOnce {
        id: u64,
        timeout_secs: u64,
    },
    /// The sync health of every channel, as the server's workers see it.
    Health {
        id: u64,
    },
    /// Uptime, channels, the outbox and who is attached (`rightsdesk status`).
    Status {
        id: u64,
    },
    /// The ticket this console now has open (None: none). No reply; subscribers hear of it as
    /// `presence`.
    Viewing {
        ticket: Option<crate::domain::ticket::TicketId>,
    },
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reply {
    Welcome {
        protocol: u32,
        server: String,
        pid: u32,
        /// Who the server takes the client to be, and in what role.
        #[serde(default)]
        you: Option<crate::domain::role::Person>,
    },
    Refused {
        reason: String,
    },
    Executed {
        id: u64,
        results: Vec<Result<Outcome, WireError>>,
    },
    Answer {
        id: u64,
        answer: Result<Answer, WireError>,
    },
    Subscribed {
        id: u64,
    },
    Synced {
        id: u64,
        report: Result<OnceReport, WireError>,
    },
    Health {
        id: u64,
        channels: Vec<ChannelHealth>,
    },
    Status {
        id: u64,
        status: Result<Box<super::sessions::StatusReport>, WireError>,
    },
    /// The consoles attached and what each has open, whenever that changes (to subscribers).
    Presence(Vec<super::sessions::Attached>),
    /// A request the server could not read; the connection is closed after it.
    BadRequest {
        reason: String,
    },
    Change(Change),
    ChannelHealth(ChannelHealth),
    /// The subscriber fell behind and `missed` changes were dropped: catch up from the event
    /// log (`Query::EventsAfter`) from the last `seq` seen.
    Lagged {
        missed: u64,
    },
}

/// An engine error as it crosses the socket: the kind that matters to a caller, and the words.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WireError {
    /// A rule, a missing ticket or entry: nothing was written, and trying again will not help.
    Refused(String),
    /// Someone else changed the ticket after the person saw it: nothing was written; reload
    /// and decide again.
    Conflict(crate::engine::Conflict),
    /// The write failed: nothing was written, and trying again may help.
    NotSaved(String),
    /// The store failed.
    Failed(String),
}

impl From<&EngineError> for WireError {
    fn from(e: &EngineError) -> WireError {
        match e {
            EngineError::Rule(_)
            | EngineError::NoTicket(_)
            | EngineError::NoOutboxEntry(_)
            | EngineError::NoQuarantineEntry(_)
            | EngineError::NotDead { .. }
            | EngineError::BadMergeTarget { .. }
            | EngineError::Forbidden(_)
            | EngineError::Watch(_)
            | EngineError::Refused(_) => WireError::Refused(e.to_string()),
            EngineError::Conflict(c) => WireError::Conflict(c.clone()),
            EngineError::NotSaved(text) => WireError::NotSaved(text.clone()),
            EngineError::Store(_) | EngineError::Server(_) => WireError::Failed(e.to_string()),
        }
    }
}

impl From<WireError> for EngineError {
    fn from(e: WireError) -> EngineError {
        match e {
            WireError::Refused(text) => EngineError::Refused(text),
            WireError::Conflict(c) => EngineError::Conflict(c),
            WireError::NotSaved(text) => EngineError::NotSaved(text),
            WireError::Failed(text) => EngineError::Server(text),
        }
    }
}

/// What this binary calls itself in the handshake.
pub fn identity() -> String {
    format!("rightsdesk {}", env!("CARGO_PKG_VERSION"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ticket::TicketId;

    #[test]
    fn a_refusal_keeps_its_kind_and_words_across_the_socket() {
        let e = EngineError::NoTicket(TicketId(42));
        let wire = WireError::from(&e);
        let line = serde_json::to_string(&wire).unwrap();
        let back: EngineError = serde_json::from_str::<WireError>(&line).unwrap().into();
        assert!(matches!(back, EngineError::Refused(ref t) if t == "no ticket #42"), "{back:?}");
    }

    #[test]
    fn frames_are_one_line_of_json_each() {
        let frame = Request::Query { id: 7, query: Query::Resolve("12345:GD-2026-001".into()) };
        let line = serde_json::to_string(&frame).unwrap();
        assert!(!line.contains('\n'));
        assert_eq!(line, r#"{"query":{"id":7,"query":{"resolve":"12345:GD-2026-001"}}}"#);
    }
}
