//! `rightsdesk wall`: the read-only wall display (数字大屏). Full screen, its pages turning by
//! themselves, nothing to press but `q`. Two threads talk to the server: one asks, one listens
//! for pushed changes. A change (or, failing a push, a one-second poll) asks the cheap live
//! counts again; the month's statistics, a pass over every ticket's facts, are asked once a
//! rotation only.

pub mod digits;
pub mod pages;

use super::ConsoleError;
use super::theme::ColorMode;
use super::{launch, terminal};
use crate::engine::stats::StatsQuery;
use crate::engine::window::{Counts, ViewSpec};
use crate::engine::{Answer, Query};
use crate::remote::client::Notice;
use crate::remote::{Client, Hello};
use crate::stats::Statistics;
use crate::time::Clock;
use crossterm::event::{Event, EventStream, KeyCode, KeyEventKind, KeyModifiers};
use futures_util::StreamExt;
use pages::Wall;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;

/// What the wall needs to start.
pub struct Options {
    pub data_dir: PathBuf,
    pub config_dir: Option<PathBuf>,
    pub clock: Clock,
    pub as_user: Option<String>,
    /// How long each page stays.
    pub every: Duration,
}

/// How often the live counts are asked when no change was pushed.
const POLL: Duration = Duration::from_secs(1);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Want {
    Counts,
    Stats,
}

enum Fetched {
    Counts(Counts),
    Stats(Box<Statistics>),
    Failed(String),
    Connected(bool),
}

/// Runs the wall until `q`; 0 then.
pub fn run(opts: Options) -> Result<i32, ConsoleError> {
    let mode = ColorMode::detect();
    let (_, _, lang, _) = super::setup(opts.config_dir.as_deref(), mode)?;
    terminal::check(pages::MIN_WIDTH, pages::MIN_HEIGHT)?;
    let (server, pid) = launch::ensure_server(&opts.data_dir, opts.config_dir.as_deref())?;
    tracing::info!(%server, pid, "wall attached");
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let (wants, asked) = mpsc::channel();
    // Not a console: a wall watches, nobody works at it.
    let hello = Hello { as_user: opts.as_user.clone(), console: false };
    let (dir, listen_dir, listen_wants) = (opts.data_dir.clone(), opts.data_dir.clone(), wants.clone());
    std::thread::Builder::new()
        .name("wall-ask".into())
        .spawn(move || ask_loop(dir, hello, asked, tx))
        .map_err(ConsoleError::Runtime)?;
    std::thread::Builder::new()
        .name("wall-listen".into())
        .spawn(move || listen_loop(listen_dir, listen_wants))
        .map_err(ConsoleError::Runtime)?;
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(ConsoleError::Runtime)?;
    let mut wall = Wall::new(lang, opts.clock.now());
    wall.colour = mode != ColorMode::None;
    runtime.block_on(event_loop(&mut wall, wants, rx, opts.every, opts.clock))
}

async fn event_loop(
    wall: &mut Wall,
    wants: mpsc::Sender<Want>,
    mut fetched: tokio::sync::mpsc::UnboundedReceiver<Fetched>,
    every: Duration,
    clock: Clock,
) -> Result<i32, ConsoleError> {
    let io = |e| ConsoleError::Terminal(terminal::TerminalError::Io(e));
    let _guard = terminal::Guard::enter()?;
    let mut term = Terminal::new(CrosstermBackend::new(std::io::stdout())).map_err(io)?;
    let mut events = EventStream::new();
    let signal = |kind| tokio::signal::unix::signal(kind).map_err(ConsoleError::Runtime);
    let mut hangup = signal(tokio::signal::unix::SignalKind::hangup())?;
    let mut term_sig = signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut rotate = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let _ = wants.send(Want::Counts);
    let _ = wants.send(Want::Stats);
    let mut dirty = true;
    loop {
        if dirty {
            let _ = term.draw(|f| pages::draw(f, wall));
            dirty = false;
        }
        tokio::select! {
            event = events.next() => match event {
                Some(Ok(Event::Key(k))) if k.kind != KeyEventKind::Release => {
                    let ctrl_c = k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL);
                    if ctrl_c || matches!(k.code, KeyCode::Char('q') | KeyCode::Char('Q')) {
                        return Ok(0);
                    }
                }
                Some(Ok(Event::Resize(..))) => { let _ = term.autoresize(); dirty = true; }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return Ok(0),
            },
            Some(f) = fetched.recv() => {
                match f {
                    // A refused statistics question stays on the footer until one is answered.
                    Fetched::Counts(c) => wall.counts = Some(c),
                    Fetched::Stats(s) => { wall.stats = Some(*s); wall.failure = None; }
                    Fetched::Failed(e) => wall.failure = Some(e),
                    Fetched::Connected(c) => wall.connected = c,
                }
                dirty = true;
            }
            _ = rotate.tick() => {
                wall.next_page();
                let _ = wants.send(Want::Stats);
                dirty = true;
            }
            _ = tick.tick() => {
                let now = clock.now();
                // The clock on screen shows minutes.
                dirty |= now.millis() / 60_000 != wall.now.millis() / 60_000;
                wall.now = now;
            }
            _ = hangup.recv() => return Ok(0),
            _ = term_sig.recv() => return Ok(0),
        }
    }
}

/// The open tickets (view 0) and the overdue ones (view 1), with the open ones by channel.
pub fn live_views() -> Vec<ViewSpec> {
    vec![ViewSpec::default(), ViewSpec { overdue: true, ..ViewSpec::default() }]
}

fn ask_loop(data_dir: PathBuf, hello: Hello, wants: mpsc::Receiver<Want>, out: UnboundedSender<Fetched>) {
    let mut client: Option<Client> = None;
    let mut connected = true;
    loop {
        let first = match wants.recv_timeout(POLL) {
            Ok(w) => w,
            Err(mpsc::RecvTimeoutError::Timeout) => Want::Counts,
            Err(mpsc::RecvTimeoutError::Disconnected) => return,
        };
        // A burst of pushed changes costs one question.
        let mut batch = vec![first];
        batch.extend(wants.try_iter());
        if client.is_none() {
            client = Client::attach_with(&data_dir, &hello).ok().flatten();
            if client.is_some() != connected {
                connected = client.is_some();
                if out.send(Fetched::Connected(connected)).is_err() {
                    return;
                }
            }
        }
        let Some(c) = client.as_mut() else { continue };
        let mut questions = vec![Want::Counts];
        if batch.contains(&Want::Stats) {
            questions.push(Want::Stats);
        }
        for want in questions {
            let query = match want {
                Want::Counts => Query::Counts(live_views()),
                Want::Stats => Query::Stats(StatsQuery::default()),
            };
            let fetched = match c.query(query) {
                Err(_) => {
                    // Lost: attach again on the next question, and ask the statistics again then.
                    client = None;
                    break;
                }
                Ok(Err(e)) => Fetched::Failed(e.to_string()),
                Ok(Ok(Answer::Counts(counts))) => Fetched::Counts(counts),
                // The wall shows the warnings the server raised (events, each once), not the
                // statistics' own evaluation of the period.
                Ok(Ok(Answer::Stats(mut s))) => match c.query(Query::Warnings) {
                    Ok(Ok(Answer::Warnings(live))) => {
                        show_raised(&mut s, &live);
                        Fetched::Stats(s)
                    }
                    Ok(Err(e)) => Fetched::Failed(e.to_string()),
                    Ok(Ok(_)) => Fetched::Failed("the server answered with something else".into()),
                    Err(_) => {
                        client = None;
                        break;
                    }
                },
                Ok(Ok(_)) => Fetched::Failed("the server answered with something else".into()),
            };
            if out.send(fetched).is_err() {
                return;
            }
        }
    }
}

/// The statistics with the warnings the server raised (live, newest first) in place of the
/// period's own evaluation: the wall shows what is on the record.
fn show_raised(s: &mut Statistics, live: &crate::domain::early_warning::LiveWarnings) {
    s.warnings = live.live.iter().rev().map(|l| l.warning.as_warning()).collect();
}

fn listen_loop(data_dir: PathBuf, wants: mpsc::Sender<Want>) {
    loop {
        let client =
            Client::attach(&data_dir).ok().flatten().and_then(|mut c| c.subscribe().ok().map(|()| c));
        let Some(mut client) = client else {
            std::thread::sleep(POLL);
            continue;
        };
        while let Ok(notice) = client.next_notice() {
            if !matches!(notice, Notice::Health(_)) && wants.send(Want::Counts).is_err() {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::early_warning::{LiveWarnings, RaisedWarning};
    use crate::domain::ticket::TicketId;
    use crate::stats::warnings::Subject;
    use crate::time::Timestamp;

    fn raised(subject: Subject, key: &str) -> RaisedWarning {
        let day = |d| chrono::NaiveDate::from_ymd_opt(2026, 11, d).expect("a day");
        RaisedWarning {
            subject,
            key: key.into(),
            count: 8,
            expected: 0.3,
            p_value: 1e-9,
            from: day(25),
            to: day(27),
            tickets: vec![TicketId(3), TicketId(4)],
        }
    }

    #[test]
    fn the_wall_shows_the_raised_warnings_newest_first_not_the_periods_own() {
        let config = crate::config::load(None).expect("built-in configuration");
        let now = Timestamp::from_millis(0);
        let empty = crate::stats::FactTable::new();
        let period = crate::stats::Period::month_to_date(now);
        let mut s =
            crate::stats::compute(&empty, period, &crate::stats::Scope::default(), now, &config.stats);
        s.warnings = vec![raised(Subject::Word, "会员费").as_warning()];
        let mut live = LiveWarnings::default();
        live.raised(raised(Subject::Merchant, "顺德区悦享健身会所"), 16, Timestamp::from_millis(0));
        live.raised(raised(Subject::Word, "预付卡"), 17, Timestamp::from_millis(0));
        show_raised(&mut s, &live);
        let keys: Vec<&str> = s.warnings.iter().map(|w| w.key.as_str()).collect();
        assert_eq!(keys, ["预付卡", "顺德区悦享健身会所"]);
        assert_eq!(s.warnings[1].ids, vec![TicketId(3), TicketId(4)]);
    }
}
