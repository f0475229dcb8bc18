//! The console (TUI): ratatui + crossterm on tokio. One `select!` over the terminal's events,
//! the server's replies and pushed changes, a clock tick and the signals that end a session;
//! the screen is drawn only when something changed. The state and its rules are in `app`,
//! drawing in `ui`, the socket in `link`.

pub mod action;
pub mod app;
pub mod backend;
mod demo;
pub mod dispatch;
pub mod forms;
pub mod i18n;
pub mod input;
pub mod intake;
pub mod keymap;
pub mod launch;
pub mod link;
pub mod list;
pub mod picker;
mod rest;
pub mod stats;
pub mod terminal;
pub mod text;
pub mod theme;
pub mod timing;
pub mod ui;
pub mod views;
pub mod wall;

use crate::config::Config;
use crate::time::Clock;
use app::{App, Effect};
use crossterm::event::{Event, EventStream, KeyEventKind};
use futures_util::StreamExt;
use i18n::Lang;
use keymap::Keymap;
use ratatui::Terminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use theme::{ColorMode, Theme};

/// What the console needs to start.
pub struct Options {
    pub data_dir: PathBuf,
    pub config_dir: Option<PathBuf>,
    pub config: Arc<Config>,
    pub clock: Clock,
    pub me: String,
    /// `--as`: a server honours it for a chief only.
    pub as_user: Option<String>,
    pub demo: bool,
    /// `--data` was given (the demo keeps its store there).
    pub data_given: bool,
}

/// `console.toml`: the console's own settings.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ConsoleSettings {
    language: Option<String>,
    theme: Option<String>,
    ascii_borders: Option<bool>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    #[error(transparent)]
    Terminal(#[from] terminal::TerminalError),
    #[error(transparent)]
    Launch(#[from] launch::LaunchError),
    #[error(transparent)]
    Demo(#[from] demo::DemoError),
    #[error("{0}")]
    Config(String),
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
}

fn read(dir: Option<&Path>, name: &str) -> Result<Option<(String, String)>, ConsoleError> {
    let Some(dir) = dir else { return Ok(None) };
    let path = dir.join(name);
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(Some((path.display().to_string(), text))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(ConsoleError::Config(format!("{}: cannot read: {e}", path.display()))),
    }
}

/// Keymap, theme, language and saved views from the config directory (over the shipped ones).
pub fn setup(
    config_dir: Option<&Path>,
    mode: ColorMode,
) -> Result<(Keymap, Theme, Lang, Vec<views::SavedView>), ConsoleError> {
    let settings: ConsoleSettings = match read(config_dir, "console.toml")? {
        Some((file, text)) => {
            toml::from_str(&text).map_err(|e| ConsoleError::Config(format!("{file}: {}", e.message())))?
        }
        None => ConsoleSettings::default(),
    };
    let user_keys = read(config_dir, "keymap.toml")?;
    let keymap = Keymap::load("default", user_keys.as_ref().map(|(f, t)| (f.as_str(), t.as_str())))
        .map_err(|e| ConsoleError::Config(e.to_string()))?;
    let user_theme = read(config_dir, "theme.toml")?;
    let theme = Theme::load(
        settings.theme.as_deref().unwrap_or("dark"),
        user_theme.as_ref().map(|(f, t)| (f.as_str(), t.as_str())),
        mode,
        settings.ascii_borders.unwrap_or(false),
    )
    .map_err(|e| ConsoleError::Config(e.to_string()))?;
    let lang = match settings.language.as_deref() {
        Some(l) => Lang::parse(l)
            .ok_or_else(|| ConsoleError::Config(format!("console.toml: language {l:?}: use zh or en")))?,
        None => Lang::from_env(),
    };
    let views = match read(config_dir, "views.toml")? {
        Some((file, text)) => views::parse(&file, &text),
        None => views::parse("built-in config/views.toml", views::SHIPPED),
    }
    .map_err(ConsoleError::Config)?;
    Ok((keymap, theme, lang, views))
}

/// Runs the console until the clerk quits; 0 when they did.
pub fn run(opts: Options) -> Result<i32, ConsoleError> {
    let (keymap, theme, lang, views) = setup(opts.config_dir.as_deref(), ColorMode::detect())?;
    timing::step("keymap, theme and views read");
    terminal::check(ui::MIN_WIDTH, ui::MIN_HEIGHT)?;
    let demo = if opts.demo {
        eprintln!("rightsdesk --demo: starting the simulator and the server …");
        let data = opts.data_given.then_some(opts.data_dir.as_path());
        Some(demo::Demo::start(data, opts.config.clone(), opts.clock)?)
    } else {
        None
    };
    let data_dir = demo.as_ref().map_or(opts.data_dir.clone(), |d| d.data_dir.clone());
    let (server, pid) = launch::ensure_server(&data_dir, opts.config_dir.as_deref())?;
    tracing::info!(%server, pid, "console attached");
    timing::step("server found");
    let mut app =
        App::new(opts.config.clone(), keymap, theme, lang, opts.me.clone(), views, opts.clock.now());
    app.server = format!("{server} pid {pid}");
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(ConsoleError::Runtime)?;
    let hello = crate::remote::Hello { as_user: opts.as_user.clone(), console: true };
    let status = runtime.block_on(event_loop(&mut app, &data_dir, hello, opts.clock));
    drop(demo);
    status
}

async fn event_loop(
    app: &mut App,
    data_dir: &Path,
    hello: crate::remote::Hello,
    clock: Clock,
) -> Result<i32, ConsoleError> {
    let (tx, mut replies) = tokio::sync::mpsc::unbounded_channel();
    let link = link::Link::start(data_dir.to_path_buf(), hello, tx);
    let _guard = terminal::Guard::enter()?;
    let backend = backend::Console::new(std::io::stdout());
    let mut term =
        Terminal::new(backend).map_err(|e| ConsoleError::Terminal(terminal::TerminalError::Io(e)))?;
    // crossterm reads the terminal through its `use-dev-tty` source (level-triggered poll), not
    // its default mio one: that one is edge-triggered and hands out one event per wake-up, so a
    // key arriving with a resize signal stayed unread until the next key (see Cargo.toml).
    let mut events = EventStream::new();
    let mut hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
        .map_err(ConsoleError::Runtime)?;
    let mut term_sig = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(ConsoleError::Runtime)?;
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    let size = term.size().map_err(|e| ConsoleError::Terminal(terminal::TerminalError::Io(e)))?;
    ui::fit(app, ratatui::layout::Rect::new(0, 0, size.width, size.height));
    // The first windows are asked at once: the first frame has nothing to show before them.
    for ask in apply(app.start(), &mut term) {
        link.ask(ask);
    }
    timing::step("terminal ready, first windows asked");
    let mut dirty = true;
    let mut drawn_size = size;
    // What woke the loop and how long its state took over it, for the timing log.
    let (mut cause, mut handled_us) = ("start", 0);
    let mut first_rows_drawn = false;
    // Asks for the server wait until the frame they follow from is on the terminal: the
    // server's work for them (a step's preview, the next rows) and the reading of its answer
    // would otherwise compete with drawing that frame for the cores.
    let mut held: Vec<link::Ask> = Vec::new();
    let mut resting = rest::Resting::default();
    loop {
        if dirty {
            let drawing = Instant::now();
            // The size is asked of the terminal here, not taken from a Resize event: after a
            // burst of resizes the last event may already be stale. The list's height follows
            // the layout: a banner or the preview can take rows.
            if let Ok(size) = term.size() {
                ui::fit(app, ratatui::layout::Rect::new(0, 0, size.width, size.height));
                held.extend(apply(app.take_effects(), &mut term));
                drawn_size = size;
            }
            let mut build_us = 0;
            let _ = term.draw(|f| {
                let building = Instant::now();
                ui::draw(f, app);
                build_us = timing::micros(building);
            });
            dirty = false;
            tracing::debug!(
                target: timing::TARGET,
                woke_by = cause,
                handled_us,
                build_us,
                frame_us = timing::micros(drawing),
                "drawn"
            );
            if !first_rows_drawn && app.queue.loaded {
                first_rows_drawn = true;
                timing::step("first rows drawn");
            }
        }
        for ask in resting.send_now(std::mem::take(&mut held), Instant::now()) {
            link.ask(ask);
        }
        let preview_due = resting.due().map(tokio::time::Instant::from_std);
        let woke = tokio::select! {
            event = events.next() => Woke::Terminal(event),
            Some(reply) = replies.recv() => Woke::Reply(reply),
            _ = tokio::time::sleep_until(preview_due.unwrap_or_else(tokio::time::Instant::now)), if preview_due.is_some() => {
                if let Some(ask) = resting.take_due(Instant::now()) {
                    link.ask(ask);
                }
                continue;
            }
            _ = tick.tick() => Woke::Tick,
            _ = hangup.recv() => return Ok(0),
            _ = term_sig.recv() => return Ok(0),
        };
        let handling = Instant::now();
        cause = match woke {
            Woke::Terminal(event) => match event {
                Some(Ok(Event::Key(k))) if k.kind != KeyEventKind::Release => {
                    app.on_key(k);
                    dirty = true;
                    "key"
                }
                Some(Ok(Event::Paste(text))) => {
                    app.on_paste(&text);
                    dirty = true;
                    "paste"
                }
                // Drawing asks the terminal its size (and clears on a change).
                Some(Ok(Event::Resize(..))) => {
                    dirty = true;
                    "resize"
                }
                Some(Ok(_)) => "other event",
                // The terminal is gone (a dropped session): nothing more can be shown.
                Some(Err(_)) | None => return Ok(0),
            },
            Woke::Reply(reply) => {
                let name = reply.name();
                if !first_rows_drawn {
                    timing::step(name);
                }
                app.on_reply(reply);
                dirty = true;
                name
            }
            Woke::Tick => {
                dirty |= app.tick(clock.now());
                // A resize whose signal went astray still reaches the screen within a tick.
                dirty |= term.size().is_ok_and(|size| size != drawn_size);
                "tick"
            }
        };
        let effects = app.take_effects();
        if !effects.is_empty() {
            dirty = true;
        }
        held.extend(apply(effects, &mut term));
        handled_us = timing::micros(handling);
        if app.quit {
            return Ok(0);
        }
    }
}

/// What woke the event loop.
// One at a time, on the stack for one turn of the loop: boxing the reply would only add an
// allocation per answer.
#[allow(clippy::large_enum_variant)]
enum Woke {
    Terminal(Option<std::io::Result<Event>>),
    Reply(link::Reply),
    Tick,
}

/// Does what the state asked for outside itself, but the asks for the server: those are
/// returned, to be sent once the frame is drawn.
fn apply<B: ratatui::backend::Backend>(effects: Vec<Effect>, term: &mut Terminal<B>) -> Vec<link::Ask> {
    let mut asks = Vec::new();
    for e in effects {
        match e {
            Effect::Ask(ask) => asks.push(ask),
            Effect::Copy(text) => terminal::copy_osc52(&text),
            // Ctrl-L: the screen cleared and drawn whole again. ratatui's `clear` first asks the
            // terminal where its cursor is and waits up to two seconds for the answer (a slow
            // SSH link makes the clerk wait for it; a terminal that never answers gets no
            // clear); a resize to the same area clears and forgets the last frame, asking
            // nothing.
            Effect::Clear => {
                let area = term.get_frame().area();
                let _ = term.resize(area);
            }
            Effect::SaveDraft(d) => {
                if let Err(e) = intake::save_draft(&d) {
                    tracing::warn!(error = %e, "the intake draft could not be kept");
                }
            }
            Effect::DeleteDraft => intake::delete_draft(),
        }
    }
    asks
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::backend::TestBackend;

    #[test]
    fn asks_for_the_server_wait_for_the_frame_while_a_clear_comes_before_it() {
        let mut term = Terminal::new(TestBackend::new(20, 5)).expect("a terminal");
        term.draw(|f| f.render_widget(ratatui::widgets::Paragraph::new("容桂 健身房"), f.area()))
            .expect("drawn");
        let effects = vec![Effect::Ask(link::Ask::Health), Effect::Clear, Effect::Ask(link::Ask::Quarantine)];
        let held = apply(effects, &mut term);
        assert!(
            matches!(held.as_slice(), [link::Ask::Health, link::Ask::Quarantine]),
            "returned in order, to be sent after the draw: {held:?}"
        );
        assert_eq!(
            term.backend().buffer(),
            &ratatui::buffer::Buffer::empty(ratatui::layout::Rect::new(0, 0, 20, 5))
        );
    }
}
