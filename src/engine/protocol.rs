//! The engine's message protocol: `Command` in, `Change` out, `Query` for reading. Serde types,
//! so the same protocol can cross the server's socket.

use crate::domain::action::TicketAction;
use crate::domain::status::Status;
use crate::domain::ticket::{NewTicket, Ticket, TicketId};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

/// Something to do, and who does it (a clerk's login, `unit:<id>`, `sync:<channel>`, `import`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    pub actor: String,
    pub command: Command,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    /// A new ticket from a channel or a clerk. Idempotent on (channel, channel_ticket_id).
    Register(Box<NewTicket>),
    /// A lifecycle action on one ticket.
    Act { ticket: TicketId, action: TicketAction },
    /// A lifecycle action decided on the ticket as the person last saw it: `seen` is the
    /// store's sequence number their screen was cut at. Refused as a `Conflict` when someone
    /// else has changed the ticket since (a note, a reveal or an alarm does not count), so that
    /// nobody overwrites a colleague's decision unseen. The console sends this.
    Guarded { ticket: TicketId, action: TicketAction, seen: u64 },
    /// A historical ticket migrated as it stands (its id is assigned anew). Idempotent like
    /// `Register`.
    Backfill(Box<Ticket>),
    /// A page from a channel: tickets, malformed items and the new cursor, in one batch.
    Ingest(Box<Ingest>),
    /// A delivery worker's report on an outbox entry.
    Delivery { outbox: u64, result: DeliveryResult },
    /// An operator sends a dead outbox entry again.
    RetryOutbox { outbox: u64 },
    /// An operator drops a quarantined payload or hands it back for another try.
    Quarantine { id: u64, action: QuarantineAction },
    /// Sets a unit's units-API token (only its hex SHA-256 is given and kept), or revokes it
    /// with None.
    SetUnitToken { unit: String, token_hash: Option<String> },
    /// The deadline scheduler (actor `scheduler`) raises the alarms whose instant has come:
    /// 临期 and 超期 events with their 催办 SMS. Raises each alarm once however often it runs.
    FireAlarms,
    /// The warning scheduler (actor `warnings`) reports the surges it found now: the engine
    /// raises those not live and clears the live ones that are over, each an event, by the
    /// rule of `domain::early_warning`. Raises each warning once however often it runs.
    RaiseWarnings { found: Vec<crate::stats::warnings::Warning> },
    /// A chief puts a merchant on the watch list (关注经营者), with a reason.
    WatchMerchant {
        merchant: crate::domain::watch::WatchTarget,
        /// The name it goes by, for the list (given with a credit code).
        name: Option<String>,
        reason: String,
    },
    /// A chief takes a merchant off the watch list, with a reason.
    UnwatchMerchant { merchant: crate::domain::watch::WatchTarget, reason: String },
}

impl Command {
    /// The command's name, as a refusal names it.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Register(_) => "register",
            Command::Act { action, .. } | Command::Guarded { action, .. } => action.name(),
            Command::Backfill(_) => "backfill",
            Command::Ingest(_) => "ingest",
            Command::Delivery { .. } => "a delivery result",
            Command::RetryOutbox { .. } => "outbox retry",
            Command::Quarantine { .. } => "a quarantine action",
            Command::SetUnitToken { .. } => "a unit token",
            Command::FireAlarms => "alarm firing",
            Command::RaiseWarnings { .. } => "warning raising",
            Command::WatchMerchant { .. } => "watch a merchant",
            Command::UnwatchMerchant { .. } => "unwatch a merchant",
        }
    }
}

/// Who sends a command, as the engine checks it. Decided by the process that owns the engine,
/// never read from a client's frame (it is not serde): whatever a socket client sends, the
/// server runs it as the `Person` behind the socket.
#[derive(Clone, Debug, PartialEq)]
pub enum Origin {
    /// This process's own workers (sync, delivery, the scheduler) and in-process tools that own
    /// the store (a backfill, the demo's backlog): trusted, actor as given.
    Internal,
    /// A person: checked against their role, recorded as `Person::actor` whatever the envelope
    /// claims.
    Person(std::sync::Arc<crate::domain::role::Person>),
}

/// Someone else changed a ticket after the person acting last saw it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error(
    "#{ticket} changed since you saw it: {actor} {event} at {}; reload and decide again",
    at.china().format("%Y-%m-%d %H:%M:%S")
)]
pub struct Conflict {
    pub ticket: TicketId,
    pub seq: u64,
    pub actor: String,
    /// The event's name (`dispatched` …).
    pub event: String,
    pub at: Timestamp,
}

/// What a command did, published to subscribers in sequence order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub seq: u64,
    pub ticket: TicketId,
    /// The event's name (`registered`, `dispatched` …).
    pub event: String,
    pub before: Option<Status>,
    pub after: Status,
    pub at: Timestamp,
    pub actor: String,
}

/// The result of one command.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Written and flushed; one change per event (a split or a merge touches two tickets).
    Applied(Vec<Change>),
    /// The channel ticket was already registered, as this ticket: nothing written.
    Duplicate(TicketId),
    /// A page from a channel was written.
    Ingested(IngestReport),
    /// An outbox or quarantine entry was updated (with the ticket changes it caused).
    Updated(Vec<Change>),
}

impl Outcome {
    /// The ticket the command was about (for a split: the original).
    pub fn ticket(&self) -> Option<TicketId> {
        match self {
            Outcome::Applied(changes) => changes.first().map(|c| c.ticket),
            Outcome::Duplicate(id) => Some(*id),
            Outcome::Ingested(report) => report.registered.first().or(report.duplicates.first()).copied(),
            Outcome::Updated(changes) => changes.first().map(|c| c.ticket),
        }
    }
}

/// A read-only question to the store.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Query {
    /// The tickets matching a filter, nearest deadline first.
    List(crate::engine::reader::ListFilter),
    /// One ticket with its clocks and timeline; personal data masked unless `reveal`.
    Detail { ticket: TicketId, reveal: bool },
    /// A ticket by number or `CHANNEL:CHANNEL_TICKET_ID`.
    Resolve(String),
    /// Every ticket of one phone number.
    ByPhone(String),
    /// Events after a sequence number, for a reader catching up: at most `limit`, and never more
    /// than `MAX_EVENTS_PER_ANSWER` (ask again from the last `seq` received).
    EventsAfter { seq: u64, limit: usize },
    /// The outbox: entries still to deliver or dead, or every entry with `all`.
    Outbox { all: bool },
    /// The quarantine: items held, or every item with `all`.
    Quarantine { all: bool },
    /// One quarantined item with its raw payload.
    QuarantineItem(u64),
    /// A window of a view (the rows on screen, the total): what a console shows.
    Window(crate::engine::window::WindowQuery),
    /// Each view's count, the open tickets per channel and the quarantine's size: a sidebar.
    Counts(Vec<crate::engine::window::ViewSpec>),
    /// Units to dispatch a ticket to, best first, each with its reasons.
    Suggest(TicketId),
    /// Tickets that may be the same matter as a ticket or a draft (same phone, merchant or
    /// title, within 30 days, on any channel).
    Duplicates(crate::engine::matters::Probe),
    /// The audit trail: the hash chain's head, its verification, the log of who did what.
    Audit(crate::engine::audit::AuditQuery),
    /// A period's figures against the period before (`rightsdesk stats`, the statistics
    /// screen, reports).
    Stats(crate::engine::stats::StatsQuery),
    /// The tickets behind one figure of those statistics (of the period before with
    /// `previous`), by number.
    StatsTickets { query: crate::engine::stats::StatsQuery, previous: bool, selector: crate::stats::Selector },
    /// The merchant watch list.
    Watched,
    /// The early warnings raised and not cleared.
    Warnings,
}

/// The most events one `EventsAfter` answers with: a client catching up on a large store must
/// not make the server build an answer of gigabytes.
pub const MAX_EVENTS_PER_ANSWER: usize = 10_000;

/// The answer to a `Query`, variant for variant.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    List(Vec<crate::engine::view::TicketSummary>),
    Detail(Option<Box<crate::engine::view::TicketDetail>>),
    Resolve(Option<TicketId>),
    ByPhone(Vec<TicketId>),
    EventsAfter(Vec<crate::domain::event::Event>),
    Outbox(Vec<crate::store::outbox::OutboxEntry>),
    Quarantine(Vec<crate::store::outbox::QuarantineEntry>),
    QuarantineItem(Option<Box<crate::store::outbox::QuarantineEntry>>),
    Window(Box<crate::engine::window::Window>),
    Counts(crate::engine::window::Counts),
    Suggest(Vec<crate::domain::suggest::Suggestion>),
    Duplicates(Vec<crate::engine::matters::Duplicate>),
    Audit(crate::engine::audit::AuditAnswer),
    Stats(Box<crate::stats::Statistics>),
    StatsTickets(Vec<TicketId>),
    Watched(crate::domain::watch::WatchList),
    Warnings(crate::domain::early_warning::LiveWarnings),
}

/// A remote channel's sync health, published to subscribers whenever it changes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChannelHealth {
    pub channel: String,
    pub last_success: Option<Timestamp>,
    /// When the channel last had nothing more to give; its lag is the time since, while it is
    /// not caught up.
    pub caught_up_at: Option<Timestamp>,
    pub last_error: Option<String>,
    pub failures: u32,
    pub circuit: Circuit,
    pub caught_up: bool,
    pub registered: u64,
    pub duplicates: u64,
    pub quarantined: u64,
    /// Why the channel is not synced at all (its secret is not provided): not configured is
    /// not a failure. None for a configured channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_configured: Option<String>,
}

impl ChannelHealth {
    pub fn new(channel: &str) -> ChannelHealth {
        ChannelHealth {
            channel: channel.to_string(),
            last_success: None,
            caught_up_at: None,
            last_error: None,
            failures: 0,
            circuit: Circuit::Closed,
            caught_up: false,
            registered: 0,
            duplicates: 0,
            quarantined: 0,
            not_configured: None,
        }
    }

    /// How far behind the channel is at `now`: zero while caught up, else the time since it
    /// last was (or None if it never was).
    pub fn lag_seconds(&self, now: Timestamp) -> Option<i64> {
        if self.caught_up {
            return Some(0);
        }
        self.caught_up_at.map(|t| (now.millis() - t.millis()).max(0) / 1000)
    }
}

/// A channel's circuit breaker.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Circuit {
    Closed,
    Open,
    HalfOpen,
}

/// A page pulled from a channel, written as one batch with the cursor to resume from: a crash
/// can neither lose a ticket of the page nor forget to sign for it, and the page is not pulled
/// twice.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ingest {
    pub channel: String,
    /// Where the next pull starts; None keeps the stored cursor.
    pub cursor: Option<String>,
    pub tickets: Vec<NewTicket>,
    /// Items of the page that could not become tickets.
    pub malformed: Vec<Malformed>,
    /// Quarantined items read again with this page (marked released in the same batch).
    #[serde(default)]
    pub released: Vec<u64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Malformed {
    pub reason: String,
    pub raw: String,
}

/// A delivery worker's report on one outbox entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryResult {
    Delivered,
    Failed {
        error: String,
        retry_at: Timestamp,
    },
    /// Too many attempts: the entry is dead until an operator retries it.
    GaveUp {
        error: String,
    },
    /// Not sent: something it needs is not configured (`reason` says what). Not an attempt.
    Waiting {
        reason: String,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuarantineAction {
    Drop,
    /// Handed back to the channel's adapter for another try.
    Retry,
}

/// What an ingest did with the page.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct IngestReport {
    pub registered: Vec<TicketId>,
    pub duplicates: Vec<TicketId>,
    pub quarantined: Vec<u64>,
    /// Items already held that came again (counted on their entry, not held anew).
    #[serde(default)]
    pub seen_again: Vec<u64>,
    /// One per registered ticket, for subscribers.
    pub changes: Vec<Change>,
}
