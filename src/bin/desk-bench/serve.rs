//! The `serve` suite: `desk-bench serve [--tickets N] [--clients C] [--json]`: whether many
//! clerks on one jump host can work through one `rightsdesk serve` over `DATA/serve.sock`.
//!
//! A fresh store is filled with N generated historical tickets (default 100,000, about 5% open)
//! as of a fixed instant, by the store suite's code (`store::backfill`). The open queue and one
//! ticket's detail are then read in-process (`Reader::query`, what the server runs for a query)
//! before the store is closed and the real `rightsdesk serve` (see `serve_process`) opens it,
//! without channel workers (no secrets in its environment) and on the same fixed clock. Every
//! figure below is measured by blocking `Client`s of this process on the same cores as serve:
//!
//! 1. `attach_*`: `Client::attach` (connect and the hello/welcome handshake), then closing.
//! 2. `list_*`: `Query::List` with the default filter (what `tickets list` shows), through the
//!    socket and in-process; each first read once (`*_first_ms`: the store just opened), then
//!    the median of 10. `detail_*`: `Query::Detail` of the queue's first ticket.
//! 3. `command_*`: a clerk's note (`TicketAction::Note`) on an open ticket, one command a
//!    request, from one client; then `concurrent_*`: `--clients` threads (default 8), each with
//!    its own `Client`, sending notes back to back. Throughput = commands / wall time; more
//!    than one client's shows the engine committing several clients' commands in one flush.
//! 4. `visibility_*`: a subscriber client (attached before any load, reading on a thread of its
//!    own) receives the `Change` of a note another client sent: the time from that client
//!    getting its reply to the subscriber getting the change. Negative when the subscriber was
//!    first.
//! 5. `serve_rss_*`: serve's `VmRSS` after it settled and after the load; `serve_peak_rss_mb`
//!    its `VmHWM`.
//!
//! At the end serve gets SIGTERM; `stop_ms` is the time until it exited (its workers stopped and
//! the store closed with a checkpoint). Percentiles are nearest-rank.

use crate::serve_process::ServeProcess;
use crate::store::{self, NOW};
use crate::{Args, Figure, fig, ms, with_store};
use rightsdesk::config::Config;
use rightsdesk::domain::action::TicketAction;
use rightsdesk::domain::ticket::TicketId;
use rightsdesk::engine::{Answer, Command, Engine, Envelope, ListFilter, Outcome, Query};
use rightsdesk::remote::{Client, Notice};
use rightsdesk::time::{Clock, Timestamp};
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier, mpsc};
use std::time::{Duration, Instant};

const ATTACHES: usize = 200;
const LISTS: usize = 10;
const DETAILS: usize = 200;
const COMMANDS: usize = 500;
const COMMANDS_PER_CLIENT: usize = 250;
const VISIBILITY_COMMANDS: usize = 500;
/// Serve has settled when its subscribers saw no change for this long (the deadline scheduler
/// raises the alarms that have come when it starts).
const QUIET: Duration = Duration::from_secs(1);
const SETTLE_AT_MOST: Duration = Duration::from_secs(60);
/// Serve's scan of every ticket at its start: about 40 s at 1,000,000 tickets on 2 cores.
const SCAN_AT_MOST: Duration = Duration::from_secs(300);
/// How long the subscriber may take to see the last change of the visibility run.
const VISIBILITY_GRACE: Duration = Duration::from_secs(10);

pub fn run(args: &Args) -> Result<Vec<Figure>, String> {
    let n = args.tickets.unwrap_or(100_000);
    with_store(args, "serve", |r| run_serve(args, n, &r.config, r.now, &r.binary, &r.dir))
}

fn run_serve(
    args: &Args,
    n: usize,
    config: &Arc<Config>,
    now: Timestamp,
    binary: &Path,
    dir: &Path,
) -> Result<Vec<Figure>, String> {
    let filled = store::backfill(args.seed, n, args.burst.max(1), config, now, dir)?;
    let mut figures = vec![fig("tickets", filled.applied as f64, 0, "tickets")];

    // In-process, before serve: what a command that opens the store itself reads.
    let engine = Engine::open(dir, config.clone(), Clock::Fixed(now)).map_err(|e| e.to_string())?;
    let reader = engine.reader();
    let list = Query::List(ListFilter::default());
    let local = |query: &Query| reader.query(query).map_err(|e| e.to_string());
    let (first, queue) = timed(|| local(&list));
    let Answer::List(queue) = queue? else { return Err("a list query answered with something else".into()) };
    let local_list_first = first;
    let local_list = repeat(LISTS, || local(&list).map(drop))?;
    let open: Vec<TicketId> = queue.iter().map(|s| TicketId(s.id)).collect();
    let Some(&probe) = open.first() else {
        return Err("no open ticket in the store: use more --tickets".into());
    };
    let detail = Query::Detail { ticket: probe, reveal: false };
    let local_detail = repeat(DETAILS, || local(&detail).map(drop))?;
    let list_bytes = serde_json::to_vec(&Answer::List(queue)).map(|v| v.len()).unwrap_or(0);
    drop(reader);
    engine.close_with_checkpoint().map_err(|e| format!("closing the store: {e}"))?;

    let serve = ServeProcess::start(binary, dir, NOW)?;
    figures.push(fig("serve_start_ms", ms(serve.started_in), 1, "ms"));
    figures.push(fig(
        "serve_channels_syncing",
        serve.channels_syncing.map_or(f64::NAN, |c| c as f64),
        0,
        "channels",
    ));
    figures.push(fig("serve_channels_not_syncing", serve.channels_not_syncing as f64, 0, "channels"));
    let measured = measure(args, dir, &serve, &open, &list, &detail);
    let stopped = serve.stop();
    let mut measured = measured?;
    figures.append(&mut measured);
    figures.extend([
        fig("list_in_process_first_ms", ms(local_list_first), 1, "ms"),
        fig("list_in_process_ms", local_list.p(0.5), 1, "ms"),
        fig("list_tickets", open.len() as f64, 0, "tickets"),
        fig("list_answer_bytes", list_bytes as f64, 0, "bytes"),
        fig("detail_in_process_ms", local_detail.p(0.5), 3, "ms"),
        fig("stop_ms", ms(stopped?), 1, "ms"),
    ]);
    Ok(order(figures))
}

/// Everything measured while serve runs.
fn measure(
    args: &Args,
    dir: &Path,
    serve: &ServeProcess,
    open: &[TicketId],
    list: &Query,
    detail: &Query,
) -> Result<Vec<Figure>, String> {
    let mut figures = Vec::new();
    let attach =
        || Client::attach(dir).map_err(|e| e.to_string())?.ok_or("serve's socket is gone".to_string());

    // A subscriber for the whole run, as a console would be: first to see serve settle.
    let mut subscriber = attach()?;
    subscriber.subscribe().map_err(|e| e.to_string())?;
    let lagged = Arc::new(AtomicU64::new(0));
    let seen = spawn_subscriber(subscriber, lagged.clone());
    let settled = Instant::now();
    let mut startup_changes = 0;
    while settled.elapsed() < SETTLE_AT_MOST && seen.recv_timeout(QUIET).is_ok() {
        startup_changes += 1;
    }
    figures.push(fig("startup_changes", startup_changes as f64, 0, "changes"));
    eprintln!("waiting for serve's start-up scan (catalogue and statistics) to end");
    let scan = serve.wait_until_idle(SCAN_AT_MOST);
    figures.push(fig("serve_start_scan_s", scan.as_secs_f64(), 1, "s"));
    figures.push(fig("serve_rss_before_mb", serve.status_mb("VmRSS").unwrap_or(f64::NAN), 1, "MiB"));

    eprintln!("attaching {ATTACHES} times");
    let attaches = repeat(ATTACHES, || attach().map(drop))?;
    figures.push(fig("attach_ms", attaches.p(0.5), 3, "ms"));
    figures.push(fig("attach_p99_ms", attaches.p(0.99), 3, "ms"));

    let mut clerk = attach()?;
    let mut ask = |query: &Query| match clerk.query(query.clone()) {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(format!("the server refused {query:?}: {e}")),
        Err(e) => Err(e.to_string()),
    };
    eprintln!("the open queue and one ticket through the socket");
    let (first, listed) = timed(|| ask(list));
    listed?;
    let lists = repeat(LISTS, || ask(list))?;
    let details = repeat(DETAILS, || ask(detail))?;
    figures.extend([
        fig("list_socket_first_ms", ms(first), 1, "ms"),
        fig("list_socket_ms", lists.p(0.5), 1, "ms"),
        fig("detail_socket_ms", details.p(0.5), 3, "ms"),
        fig("detail_socket_p99_ms", details.p(0.99), 3, "ms"),
    ]);

    eprintln!("{COMMANDS} notes from one client");
    let mut errors = Errors::default();
    let started = Instant::now();
    let mut one = Samples::default();
    for i in 0..COMMANDS {
        let (took, outcome) = timed(|| note(&mut clerk, open[i % open.len()], "clerk-0", i));
        errors.count(outcome?);
        one.push(took);
    }
    let one_rate = COMMANDS as f64 / started.elapsed().as_secs_f64().max(1e-9);
    figures.extend([
        fig("command_ms", one.p(0.5), 2, "ms"),
        fig("command_p99_ms", one.p(0.99), 2, "ms"),
        fig("command_rate", one_rate, 0, "commands/s"),
    ]);

    let clients = args.clients.max(1);
    eprintln!("{COMMANDS_PER_CLIENT} notes from each of {clients} clients at once");
    let (rate, many, more_errors) = concurrent(dir, clients, open)?;
    errors.merge(more_errors);
    figures.extend([
        fig("concurrent_clients", clients as f64, 0, "clients"),
        fig("concurrent_rate", rate, 0, "commands/s"),
        fig("concurrent_ms", many.p(0.5), 2, "ms"),
        fig("concurrent_p99_ms", many.p(0.99), 2, "ms"),
    ]);

    eprintln!("{VISIBILITY_COMMANDS} notes seen by the subscriber");
    while seen.try_recv().is_ok() {}
    let mut replied: HashMap<u64, Instant> = HashMap::new();
    for i in 0..VISIBILITY_COMMANDS {
        let outcome = note(&mut clerk, open[i % open.len()], "clerk-0", i)?;
        let at = Instant::now();
        if let Ok(Outcome::Applied(changes)) = &outcome {
            replied.extend(changes.iter().map(|c| (c.seq, at)));
        }
        errors.count(outcome);
    }
    let mut visibility = Samples::default();
    let wanted = replied.len();
    let deadline = Instant::now() + VISIBILITY_GRACE;
    while !replied.is_empty() {
        let Some(wait) = deadline.checked_duration_since(Instant::now()) else { break };
        let Ok((seq, at)) = seen.recv_timeout(wait) else { break };
        if let Some(reply) = replied.remove(&seq) {
            visibility.values.push(signed_ms(at, reply));
        }
    }
    figures.extend([
        fig("visibility_ms", visibility.p(0.5), 3, "ms"),
        fig("visibility_p99_ms", visibility.p(0.99), 3, "ms"),
        fig("visibility_max_ms", visibility.p(1.0), 3, "ms"),
        fig("visibility_changes", wanted as f64, 0, "changes"),
        fig("visibility_unseen", replied.len() as f64, 0, "changes"),
        fig("subscriber_lagged", lagged.load(Ordering::Relaxed) as f64, 0, "changes"),
        fig("command_errors", errors.failed as f64, 0, "commands"),
        fig("serve_rss_after_mb", serve.status_mb("VmRSS").unwrap_or(f64::NAN), 1, "MiB"),
        fig("serve_peak_rss_mb", serve.status_mb("VmHWM").unwrap_or(f64::NAN), 1, "MiB"),
    ]);
    if let Some(e) = errors.first {
        eprintln!("{} notes were refused; the first: {e}", errors.failed);
    }
    if args.paced_secs > 0 && args.consoles > 0 {
        let pace = Duration::from_millis(args.pace_ms.max(1));
        figures.extend(crate::consoles::run(dir, serve, open, args.consoles, pace, args.paced_secs)?);
    }
    Ok(figures)
}

/// `clients` threads, each attached on its own, sending `COMMANDS_PER_CLIENT` notes back to
/// back once all are attached: commands a second over all of them, and every latency.
fn concurrent(dir: &Path, clients: usize, open: &[TicketId]) -> Result<(f64, Samples, Errors), String> {
    let start = Barrier::new(clients + 1);
    std::thread::scope(|scope| {
        let threads: Vec<_> = (0..clients)
            .map(|c| {
                let start = &start;
                scope.spawn(move || -> Result<(Samples, Errors), String> {
                    let client = Client::attach(dir).map_err(|e| e.to_string());
                    start.wait();
                    let mut client = client?.ok_or("serve's socket is gone")?;
                    let actor = format!("clerk-{}", c + 1);
                    let (mut samples, mut errors) = (Samples::default(), Errors::default());
                    for i in 0..COMMANDS_PER_CLIENT {
                        // Each client its own tickets, as clerks work their own queues.
                        let ticket = open[(i * clients + c) % open.len()];
                        let (took, outcome) = timed(|| note(&mut client, ticket, &actor, i));
                        errors.count(outcome?);
                        samples.push(took);
                    }
                    Ok((samples, errors))
                })
            })
            .collect();
        start.wait();
        let started = Instant::now();
        let (mut all, mut errors) = (Samples::default(), Errors::default());
        for thread in threads {
            let (samples, e) = thread.join().map_err(|_| "a client thread panicked".to_string())??;
            all.values.extend(samples.values);
            errors.merge(e);
        }
        let rate = all.values.len() as f64 / started.elapsed().as_secs_f64().max(1e-9);
        Ok((rate, all, errors))
    })
}

/// One note through the socket: the outer error is a lost connection, the inner the engine's.
pub(crate) fn note(
    client: &mut Client,
    ticket: TicketId,
    actor: &str,
    i: usize,
) -> Result<Result<Outcome, String>, String> {
    let text = format!("desk-bench: 电话回访消费者，第 {i} 次");
    let envelope = Envelope {
        actor: actor.to_string(),
        command: Command::Act { ticket, action: TicketAction::Note { text } },
    };
    let mut results = client.execute_all(vec![envelope]).map_err(|e| e.to_string())?;
    let result = results.pop().ok_or("no result for a command")?;
    Ok(result.map_err(|e| e.to_string()))
}

/// Reads the subscriber's pushed frames on a thread of its own until the connection closes:
/// each change's `seq` with the instant it arrived.
fn spawn_subscriber(mut subscriber: Client, lagged: Arc<AtomicU64>) -> mpsc::Receiver<(u64, Instant)> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        while let Ok(notice) = subscriber.next_notice() {
            match notice {
                Notice::Change(change) => {
                    if tx.send((change.seq, Instant::now())).is_err() {
                        return;
                    }
                }
                Notice::Lagged(missed) => {
                    lagged.fetch_add(missed, Ordering::Relaxed);
                }
                Notice::Health(_) | Notice::Presence(_) => {}
            }
        }
    });
    rx
}

#[derive(Default)]
struct Errors {
    failed: usize,
    first: Option<String>,
}

impl Errors {
    fn count(&mut self, outcome: Result<Outcome, String>) {
        if let Err(e) = outcome {
            self.failed += 1;
            self.first.get_or_insert(e);
        }
    }

    fn merge(&mut self, other: Errors) {
        self.failed += other.failed;
        if self.first.is_none() {
            self.first = other.first;
        }
    }
}

/// Durations in ms.
#[derive(Default)]
pub(crate) struct Samples {
    pub(crate) values: Vec<f64>,
}

impl Samples {
    pub(crate) fn push(&mut self, d: Duration) {
        self.values.push(ms(d));
    }

    /// The nearest-rank percentile `q` (0.5 the median, 1.0 the largest); NaN without samples.
    pub(crate) fn p(&self, q: f64) -> f64 {
        let mut sorted = self.values.clone();
        sorted.sort_by(f64::total_cmp);
        let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len().max(1));
        sorted.get(rank - 1).copied().unwrap_or(f64::NAN)
    }
}

fn timed<T>(f: impl FnOnce() -> T) -> (Duration, T) {
    let started = Instant::now();
    let value = f();
    (started.elapsed(), value)
}

/// `times` timed calls of `f`, stopping at its first error.
fn repeat(times: usize, mut f: impl FnMut() -> Result<(), String>) -> Result<Samples, String> {
    let mut samples = Samples::default();
    for _ in 0..times {
        let (took, result) = timed(&mut f);
        result?;
        samples.push(took);
    }
    Ok(samples)
}

/// `at − since` in ms, negative when `at` came first.
pub(crate) fn signed_ms(at: Instant, since: Instant) -> f64 {
    match at.checked_duration_since(since) {
        Some(d) => ms(d),
        None => -ms(since - at),
    }
}

/// The figures in the order the suite's description gives them.
fn order(figures: Vec<Figure>) -> Vec<Figure> {
    const ORDER: &[&str] = &[
        "tickets",
        "serve_start_ms",
        "serve_channels_syncing",
        "serve_channels_not_syncing",
        "startup_changes",
        "attach_ms",
        "attach_p99_ms",
        "list_tickets",
        "list_answer_bytes",
        "list_socket_first_ms",
        "list_socket_ms",
        "list_in_process_first_ms",
        "list_in_process_ms",
        "detail_socket_ms",
        "detail_socket_p99_ms",
        "detail_in_process_ms",
    ];
    let mut figures = figures;
    figures.sort_by_key(|f| ORDER.iter().position(|&n| n == f.name).unwrap_or(ORDER.len()));
    figures
}
