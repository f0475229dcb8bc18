//! The console's line to the server: one thread asks (window, counts, detail, commands) on one
//! connection, another listens for pushed changes and channel health on a second. Asks that a
//! newer ask makes pointless — a window of the same list, a preview — are dropped unanswered, so
//! a search typed fast costs one answer, not one per key. A lost server is reported and
//! reattached every second.

use crate::domain::role::Person;
use crate::domain::suggest::Suggestion;
use crate::domain::ticket::TicketId;
use crate::engine::matters::{Duplicate, Probe};
use crate::engine::stats::StatsQuery;
use crate::engine::view::TicketDetail;
use crate::engine::window::{Counts, ViewSpec, Window, WindowQuery};
use crate::engine::{Answer, ChannelHealth, EngineError, Envelope, Outcome, Query};
use crate::remote::client::Notice;
use crate::remote::{Client, Hello};
use crate::stats::Statistics;
use crate::store::outbox::QuarantineEntry;
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;

/// Which list a window is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ListId {
    Queue,
    Overdue,
    /// The tickets behind a figure of the statistics screen.
    Drill,
}

/// Why commands were sent: what the console does with their results.
#[derive(Clone, Debug, PartialEq)]
pub enum Purpose {
    /// A lifecycle action on tickets (the flash message names it).
    Act { name: String, tickets: Vec<TicketId> },
    /// The intake form was saved.
    Intake,
}

#[derive(Clone, Debug)]
pub enum Ask {
    Window {
        list: ListId,
        query: WindowQuery,
    },
    Counts(Vec<ViewSpec>),
    Detail {
        ticket: TicketId,
        reveal: bool,
    },
    Preview(TicketId),
    Execute {
        envelopes: Vec<Envelope>,
        purpose: Purpose,
    },
    Suggest(TicketId),
    Duplicates(Probe),
    Quarantine,
    Health,
    /// The ticket the console now has open (None: none), for colleagues to see.
    Viewing(Option<TicketId>),
    /// The figures of the statistics screen.
    Stats(StatsQuery),
}

impl Ask {
    /// A later ask of the same slot makes this one pointless.
    fn slot(&self) -> Option<(u8, Option<ListId>)> {
        match self {
            Ask::Window { list, .. } => Some((0, Some(*list))),
            Ask::Counts(_) => Some((1, None)),
            Ask::Preview(_) => Some((2, None)),
            Ask::Duplicates(Probe::Draft(_)) => Some((3, None)),
            Ask::Stats(_) => Some((4, None)),
            _ => None,
        }
    }
}

#[derive(Debug)]
pub enum Reply {
    Window {
        list: ListId,
        /// The view asked about: a late answer for a view the list has since left is dropped.
        view: ViewSpec,
        window: Window,
    },
    Counts(Counts),
    Detail {
        ticket: TicketId,
        detail: Option<Box<TicketDetail>>,
        revealed: bool,
    },
    Preview(Option<Box<TicketDetail>>),
    Executed {
        results: Vec<Result<Outcome, String>>,
        purpose: Purpose,
    },
    Suggest(TicketId, Vec<Suggestion>),
    Duplicates(Vec<Duplicate>),
    Quarantine(Vec<QuarantineEntry>),
    Health(Vec<ChannelHealth>),
    /// A question the server could not answer.
    Failed(String),
    Notice(Notice),
    /// The connection was lost (false) or is back (true).
    Connected(bool),
    /// The server answers but will not admit this console, and why (e.g. `users.toml` no longer
    /// names the clerk): a reason on the banner, not a silent "reconnecting".
    Refused(String),
    /// Who the server takes this console's user to be (at every attach).
    You(Person),
    /// The figures asked for `query`, or why the server would not give them.
    Stats {
        query: StatsQuery,
        figures: Result<Box<Statistics>, String>,
    },
}

impl Reply {
    /// What answer this is, for the timing log.
    pub fn name(&self) -> &'static str {
        match self {
            Reply::Window { .. } => "window",
            Reply::Counts(_) => "counts",
            Reply::Detail { .. } => "detail",
            Reply::Preview(_) => "preview",
            Reply::Executed { .. } => "executed",
            Reply::Suggest(..) => "suggestion",
            Reply::Duplicates(_) => "duplicates",
            Reply::Quarantine(_) => "quarantine",
            Reply::Health(_) => "health",
            Reply::Failed(_) => "failed",
            Reply::Notice(_) => "notice",
            Reply::Connected(_) => "connected",
            Reply::Refused(_) => "refused",
            Reply::You(_) => "you",
            Reply::Stats { .. } => "stats",
        }
    }
}

/// The asking side, held by the console.
pub struct Link {
    asks: mpsc::Sender<Ask>,
}

impl Link {
    /// Starts both threads for the server of `data_dir`; replies arrive on `replies`.
    pub fn start(data_dir: PathBuf, hello: Hello, replies: UnboundedSender<Reply>) -> Link {
        let (asks, rx) = mpsc::channel();
        let (dir, out) = (data_dir.clone(), replies.clone());
        // The listening connection acts for whom the console does, but is not a second console.
        let listening = Hello { as_user: hello.as_user.clone(), console: false };
        std::thread::Builder::new()
            .name("console-ask".into())
            .spawn(move || ask_loop(dir, hello, rx, out))
            .expect("a thread can be started");
        std::thread::Builder::new()
            .name("console-listen".into())
            .spawn(move || listen_loop(data_dir, listening, replies))
            .expect("a thread can be started");
        Link { asks }
    }

    pub fn ask(&self, ask: Ask) {
        // The thread ends only with the process.
        let _ = self.asks.send(ask);
    }
}

fn ask_loop(data_dir: PathBuf, hello: Hello, asks: mpsc::Receiver<Ask>, out: UnboundedSender<Reply>) {
    let mut client: Option<Client> = None;
    // The ticket open on screen, told again to a server reattached.
    let mut viewing: Option<TicketId> = None;
    while let Ok(first) = asks.recv() {
        // Everything waiting, with the superseded asks dropped.
        let mut batch = vec![first];
        batch.extend(asks.try_iter());
        let mut kept: Vec<Ask> = Vec::new();
        for ask in batch.into_iter().rev() {
            if let Some(slot) = ask.slot()
                && kept.iter().any(|k| k.slot() == Some(slot))
            {
                continue;
            }
            kept.push(ask);
        }
        kept.reverse();
        for ask in kept {
            if let Ask::Viewing(ticket) = ask {
                viewing = ticket;
                if let Some(c) = client.as_mut()
                    && c.viewing(ticket).is_err()
                {
                    client = None;
                }
                continue;
            }
            loop {
                if client.is_none() {
                    client = Client::attach_with(&data_dir, &hello).ok().flatten();
                    let Some(c) = client.as_mut() else {
                        std::thread::sleep(Duration::from_secs(1));
                        continue;
                    };
                    if let Some(you) = c.you.clone()
                        && out.send(Reply::You(you)).is_err()
                    {
                        return;
                    }
                    if viewing.is_some() && c.viewing(viewing).is_err() {
                        client = None;
                        continue;
                    }
                }
                let c = client.as_mut().expect("attached above");
                match answer(c, &ask) {
                    Ok(reply) => {
                        if out.send(reply).is_err() {
                            return;
                        }
                        break;
                    }
                    Err(Lost) => client = None,
                }
            }
        }
    }
}

struct Lost;

fn answer(c: &mut Client, ask: &Ask) -> Result<Reply, Lost> {
    let query = |c: &mut Client, q: Query| -> Result<Result<Answer, EngineError>, Lost> {
        c.query(q).map_err(|_| Lost)
    };
    let failed = |e: EngineError| Reply::Failed(e.to_string());
    Ok(match ask {
        Ask::Window { list, query: q } => match query(c, Query::Window(q.clone()))? {
            Ok(Answer::Window(w)) => Reply::Window { list: *list, view: q.view.clone(), window: *w },
            Ok(_) => Reply::Failed("unexpected answer".into()),
            Err(e) => failed(e),
        },
        Ask::Counts(views) => match query(c, Query::Counts(views.clone()))? {
            Ok(Answer::Counts(counts)) => Reply::Counts(counts),
            Ok(_) => Reply::Failed("unexpected answer".into()),
            Err(e) => failed(e),
        },
        Ask::Detail { ticket, reveal } => match query(c, Query::Detail { ticket: *ticket, reveal: *reveal })?
        {
            Ok(Answer::Detail(d)) => Reply::Detail { ticket: *ticket, detail: d, revealed: *reveal },
            Ok(_) => Reply::Failed("unexpected answer".into()),
            Err(e) => failed(e),
        },
        Ask::Preview(ticket) => match query(c, Query::Detail { ticket: *ticket, reveal: false })? {
            Ok(Answer::Detail(d)) => Reply::Preview(d),
            Ok(_) => Reply::Failed("unexpected answer".into()),
            Err(e) => failed(e),
        },
        Ask::Suggest(ticket) => match query(c, Query::Suggest(*ticket))? {
            Ok(Answer::Suggest(s)) => Reply::Suggest(*ticket, s),
            Ok(_) => Reply::Failed("unexpected answer".into()),
            Err(e) => failed(e),
        },
        Ask::Duplicates(probe) => match query(c, Query::Duplicates(probe.clone()))? {
            Ok(Answer::Duplicates(d)) => Reply::Duplicates(d),
            Ok(_) => Reply::Failed("unexpected answer".into()),
            Err(e) => failed(e),
        },
        Ask::Quarantine => match query(c, Query::Quarantine { all: false })? {
            Ok(Answer::Quarantine(q)) => Reply::Quarantine(q),
            Ok(_) => Reply::Failed("unexpected answer".into()),
            Err(e) => failed(e),
        },
        Ask::Health => Reply::Health(c.health().map_err(|_| Lost)?),
        Ask::Stats(q) => Reply::Stats {
            query: q.clone(),
            figures: match query(c, Query::Stats(q.clone()))? {
                Ok(Answer::Stats(s)) => Ok(s),
                Ok(_) => Err("unexpected answer".into()),
                Err(e) => Err(e.to_string()),
            },
        },
        Ask::Viewing(_) => unreachable!("told without an answer, in ask_loop"),
        Ask::Execute { envelopes, purpose } => {
            let results = c.execute_all(envelopes.clone()).map_err(|_| Lost)?;
            Reply::Executed {
                results: results.into_iter().map(|r| r.map_err(|e| e.to_string())).collect(),
                purpose: purpose.clone(),
            }
        }
    })
}

fn listen_loop(data_dir: PathBuf, hello: Hello, out: UnboundedSender<Reply>) {
    let mut connected = true;
    let mut refused: Option<String> = None;
    loop {
        let attached = Client::attach_with(&data_dir, &hello);
        let why = match &attached {
            Err(crate::remote::ClientError::Refused { reason, .. }) => Some(reason.clone()),
            _ => None,
        };
        let client = attached.ok().flatten().and_then(|mut c| c.subscribe().ok().map(|()| c));
        let Some(mut client) = client else {
            if connected {
                connected = false;
                if out.send(Reply::Connected(false)).is_err() {
                    return;
                }
            }
            if why.is_some() && why != refused {
                refused.clone_from(&why);
                if out.send(Reply::Refused(why.unwrap_or_default())).is_err() {
                    return;
                }
            }
            std::thread::sleep(Duration::from_secs(1));
            continue;
        };
        refused = None;
        // Attached again after the server sent it away: `users.toml` may have changed the
        // clerk's role, and the console offers what the role allows.
        if let Some(you) = client.you.clone()
            && out.send(Reply::You(you)).is_err()
        {
            return;
        }
        if !connected {
            connected = true;
            if out.send(Reply::Connected(true)).is_err() {
                return;
            }
        }
        if let Ok(channels) = client.health() {
            for h in channels {
                if out.send(Reply::Notice(Notice::Health(h))).is_err() {
                    return;
                }
            }
        }
        while let Ok(notice) = client.next_notice() {
            if out.send(Reply::Notice(notice)).is_err() {
                return;
            }
        }
    }
}
