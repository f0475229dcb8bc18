//! A desk is how a command or a console reaches the engine: through the server's socket when
//! `serve` runs for the data directory, else an engine of its own. Both answer the same
//! `Command`s and `Query`s, so callers cannot tell the difference.

use super::client::Client;
use crate::config::Config;
use crate::domain::event::Event;
use crate::domain::role::Person;
use crate::domain::ticket::TicketId;
use crate::engine::stats::StatsQuery;
use crate::engine::view::TicketDetail;
use crate::engine::{Answer, Engine, EngineError, Envelope, Origin, Outcome, Query, Reader};
use crate::stats::{Selector, Statistics};
use crate::store::StoreError;
use crate::store::outbox::{OutboxEntry, QuarantineEntry};
use crate::time::Clock;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long a command waits for a server that holds the store to open its socket.
const SERVER_STARTING: Duration = Duration::from_secs(15);

/// Commands sent in one frame when attached.
const FRAME_COMMANDS: usize = 2048;

pub enum Desk {
    /// This process owns the store; its user acts as a chief (they own the files anyway).
    Own { engine: Box<Engine>, reader: Reader, origin: Origin },
    /// A server owns it; this process speaks to it over the socket.
    Attached(Box<Client>),
}

impl Desk {
    /// Attaches to the server of `data_dir` if one runs, else opens the store. A server that
    /// holds the store but is still starting (its socket not yet open: it may be telling a
    /// simulator about its units) is waited for, up to 15 s. `actor` is who acts on an own
    /// store (the login, or `--as`); a server decides who a client is by itself, and hears of
    /// `as_user` (a chief's `--as`) only to check it.
    pub fn open(
        data_dir: &Path,
        config: Arc<Config>,
        clock: Clock,
        actor: &str,
        as_user: Option<&str>,
    ) -> Result<Desk, EngineError> {
        let patience = Instant::now() + SERVER_STARTING;
        let hello = super::client::Hello { as_user: as_user.map(str::to_string), console: false };
        loop {
            if let Some(client) = Client::attach_with(data_dir, &hello)? {
                tracing::debug!(server = %client.server, pid = client.server_pid, "attached to the server");
                return Ok(Desk::Attached(Box::new(client)));
            }
            match Engine::open(data_dir, config.clone(), clock) {
                Ok(engine) => {
                    let reader = engine.reader();
                    let origin = Origin::Person(Arc::new(Person::owner(actor)));
                    return Ok(Desk::Own { engine: Box::new(engine), reader, origin });
                }
                Err(EngineError::Store(StoreError::InUse { holder, .. }))
                    if holder.contains(" serve") && Instant::now() < patience =>
                {
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(e) => return Err(e),
            }
        }
    }

    pub fn is_attached(&self) -> bool {
        matches!(self, Desk::Attached(_))
    }

    pub fn execute(&mut self, envelope: Envelope) -> Result<Outcome, EngineError> {
        self.execute_all(vec![envelope])?.pop().unwrap_or_else(|| unreachable!("one result per command"))
    }

    /// Commands in order, one result each; the outer error is a lost connection to the server.
    pub fn execute_all(
        &mut self,
        envelopes: Vec<Envelope>,
    ) -> Result<Vec<Result<Outcome, EngineError>>, EngineError> {
        match self {
            Desk::Own { engine, origin, .. } => {
                Ok(engine.execute_from(envelopes.into_iter().map(|e| (origin.clone(), e)).collect()))
            }
            Desk::Attached(client) => {
                // Frames of bounded size however large an import is.
                let mut results = Vec::with_capacity(envelopes.len());
                let mut rest = envelopes.into_iter().peekable();
                while rest.peek().is_some() {
                    results.extend(client.execute_all(rest.by_ref().take(FRAME_COMMANDS).collect())?);
                }
                Ok(results)
            }
        }
    }

    /// `execute_all` for a bulk load: an own engine writes groups of at most `group` commands
    /// (see `Engine::execute_from_in_groups`); a server groups what it is sent as it always does.
    pub fn execute_bulk(
        &mut self,
        envelopes: Vec<Envelope>,
        group: usize,
    ) -> Result<Vec<Result<Outcome, EngineError>>, EngineError> {
        match self {
            Desk::Own { engine, origin, .. } => Ok(engine
                .execute_from_in_groups(envelopes.into_iter().map(|e| (origin.clone(), e)).collect(), group)),
            Desk::Attached(_) => self.execute_all(envelopes),
        }
    }

    pub fn query(&mut self, query: Query) -> Result<Answer, EngineError> {
        match self {
            Desk::Own { reader, .. } => Ok(reader.query(&query)?),
            Desk::Attached(client) => client.query(query)?,
        }
    }

    pub fn window(
        &mut self,
        q: crate::engine::window::WindowQuery,
    ) -> Result<crate::engine::window::Window, EngineError> {
        match self.query(Query::Window(q))? {
            Answer::Window(w) => Ok(*w),
            other => Err(mismatch(&other)),
        }
    }

    pub fn detail(&mut self, ticket: TicketId, reveal: bool) -> Result<Option<TicketDetail>, EngineError> {
        match self.query(Query::Detail { ticket, reveal })? {
            Answer::Detail(d) => Ok(d.map(|d| *d)),
            other => Err(mismatch(&other)),
        }
    }

    /// A ticket by number or `CHANNEL:CHANNEL_TICKET_ID`.
    pub fn resolve(&mut self, text: &str) -> Result<Option<TicketId>, EngineError> {
        match self.query(Query::Resolve(text.to_string()))? {
            Answer::Resolve(id) => Ok(id),
            other => Err(mismatch(&other)),
        }
    }

    pub fn by_phone(&mut self, phone: &str) -> Result<Vec<TicketId>, EngineError> {
        match self.query(Query::ByPhone(phone.to_string()))? {
            Answer::ByPhone(ids) => Ok(ids),
            other => Err(mismatch(&other)),
        }
    }

    pub fn event(&mut self, seq: u64) -> Result<Option<Event>, EngineError> {
        match self.query(Query::EventsAfter { seq: seq.saturating_sub(1), limit: 1 })? {
            Answer::EventsAfter(events) => Ok(events.into_iter().find(|e| e.seq == seq)),
            other => Err(mismatch(&other)),
        }
    }

    pub fn outbox(&mut self, all: bool) -> Result<Vec<OutboxEntry>, EngineError> {
        match self.query(Query::Outbox { all })? {
            Answer::Outbox(entries) => Ok(entries),
            other => Err(mismatch(&other)),
        }
    }

    pub fn quarantine(&mut self, all: bool) -> Result<Vec<QuarantineEntry>, EngineError> {
        match self.query(Query::Quarantine { all })? {
            Answer::Quarantine(entries) => Ok(entries),
            other => Err(mismatch(&other)),
        }
    }

    pub fn quarantine_item(&mut self, id: u64) -> Result<Option<QuarantineEntry>, EngineError> {
        match self.query(Query::QuarantineItem(id))? {
            Answer::QuarantineItem(entry) => Ok(entry.map(|e| *e)),
            other => Err(mismatch(&other)),
        }
    }

    pub fn statistics(&mut self, q: StatsQuery) -> Result<Statistics, EngineError> {
        match self.query(Query::Stats(q))? {
            Answer::Stats(s) => Ok(*s),
            other => Err(mismatch(&other)),
        }
    }

    pub fn statistics_tickets(
        &mut self,
        query: StatsQuery,
        previous: bool,
        selector: Selector,
    ) -> Result<Vec<TicketId>, EngineError> {
        match self.query(Query::StatsTickets { query, previous, selector })? {
            Answer::StatsTickets(ids) => Ok(ids),
            other => Err(mismatch(&other)),
        }
    }

    /// Done. An own engine after a bulk load writes its checkpoint (see
    /// `Engine::close_with_checkpoint`); a server checkpoints when it stops.
    pub fn finish(self, checkpoint: bool) -> Result<(), EngineError> {
        match self {
            Desk::Own { engine, reader, .. } if checkpoint => {
                drop(reader);
                engine.close_with_checkpoint()
            }
            _ => Ok(()),
        }
    }

    pub fn client(&mut self) -> Option<&mut Client> {
        match self {
            Desk::Attached(client) => Some(client),
            Desk::Own { .. } => None,
        }
    }
}

fn mismatch(answer: &Answer) -> EngineError {
    let name = serde_json::to_value(answer)
        .ok()
        .and_then(|v| v.as_object().and_then(|o| o.keys().next().cloned()))
        .unwrap_or_default();
    EngineError::Server(format!("answered {name}, not what was asked"))
}
