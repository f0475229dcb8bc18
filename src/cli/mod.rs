//! The command-line edge: parse, run, print, and turn every failure into a message that says
//! what went wrong and what to do, with the exit status of INTERFACES.md.

mod args;
mod audit_cmd;
mod channel_cmd;
mod config_cmd;
mod context;
mod import_cmd;
mod import_show;
mod outbox_cmd;
pub mod output;
mod progress;
mod report_cmd;
mod serve_cmd;
mod setup_cmd;
mod sim_cmd;
mod stats_cmd;
mod status_cmd;
mod sync_cmd;
mod ticket_cmd;
mod unit_cmd;
mod watch_cmd;

pub use args::Cli;
use args::TopCommand;
use clap::Parser;
use context::Context;

/// Exit statuses (INTERFACES.md).
pub const OK: i32 = 0;
pub const FAILED: i32 = 1;
pub const USAGE: i32 = 2;
pub const PARTIAL: i32 = 3;

/// A failure already explained to the user: the message and the exit status.
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    pub status: i32,
}

impl Failure {
    pub fn new(message: impl Into<String>) -> Failure {
        Failure { message: message.into(), status: FAILED }
    }
    pub fn usage(message: impl Into<String>) -> Failure {
        Failure { message: message.into(), status: USAGE }
    }
}

impl<E: std::error::Error> From<E> for Failure {
    fn from(e: E) -> Failure {
        Failure::new(e.to_string())
    }
}

pub fn main() -> i32 {
    crate::private::owner_only_from_now();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let status = if e.use_stderr() { USAGE } else { OK };
            let _ = e.print();
            return status;
        }
    };
    match run(cli) {
        Ok(status) => status,
        Err(f) => {
            eprintln!("error: {}", f.message);
            f.status
        }
    }
}

fn run(cli: Cli) -> Result<i32, Failure> {
    let Some(command) = cli.command else {
        return console(cli.data.as_deref(), cli.config.as_deref(), cli.actor.as_deref(), cli.demo);
    };
    if cli.demo {
        return Err(Failure::usage("--demo opens the console: give it without a command"));
    }
    let cli = Cli { command: Some(command), ..cli };
    let command = cli.command.as_ref().unwrap_or_else(|| unreachable!("set above"));
    if !matches!(command, TopCommand::Sim(_) | TopCommand::Sync(_) | TopCommand::Serve(_)) {
        quiet_on_closed_pipe();
    }
    if let TopCommand::Setup(args) = command {
        return setup_cmd::run(args);
    }
    if let TopCommand::Config { command } = command {
        return config_cmd::run(command, cli.config.as_deref(), cli.data.as_deref());
    }
    if let TopCommand::Sim(args) = command {
        // The simulator runs on the built-in configuration, yet a `--config` given to it is
        // checked as for every command: a mistake there is refused, never ignored.
        if let Some(dir) = cli.config.as_deref() {
            crate::config::load(Some(dir))
                .map_err(|e| Failure::new(format!("configuration problems:\n{e}")))?;
        }
        return sim_cmd::run(args);
    }
    let ctx = Context::new(cli.data.as_deref(), cli.config.as_deref(), cli.actor.as_deref())?;
    let config = cli.config.clone();
    match cli.command.unwrap_or_else(|| unreachable!("set above")) {
        TopCommand::Import(args) => import_cmd::run(&ctx, &args),
        TopCommand::Tickets { command } => ticket_cmd::run_tickets(&ctx, command),
        TopCommand::Ticket { command } => ticket_cmd::run_ticket(&ctx, command),
        TopCommand::Sync(args) => sync_cmd::run(&ctx, &args),
        TopCommand::Channel { command } => channel_cmd::run(&ctx, command),
        TopCommand::Outbox { command } => outbox_cmd::run_outbox(&ctx, command),
        TopCommand::Quarantine { command } => outbox_cmd::run_quarantine(&ctx, command),
        TopCommand::Unit { command } => unit_cmd::run(&ctx, command),
        TopCommand::Serve(args) => serve_cmd::run(&ctx, &args),
        TopCommand::Status { format } => status_cmd::run(&ctx, format),
        TopCommand::Audit { command } => audit_cmd::run(&ctx, command),
        TopCommand::Watch { command } => watch_cmd::run(&ctx, command),
        TopCommand::Stats(args) => stats_cmd::run(&ctx, &args),
        TopCommand::Report(args) => report_cmd::run(&ctx, &args),
        TopCommand::Wall { every } => wall(&ctx, config.as_deref(), every),
        TopCommand::Config { .. } => unreachable!("handled above"),
        TopCommand::Sim(_) | TopCommand::Setup(_) => unreachable!("handled above"),
    }
}

/// `rightsdesk` without a command: the console (see `tui::launch` for how it finds its server).
fn console(
    data: Option<&std::path::Path>,
    config: Option<&std::path::Path>,
    actor: Option<&str>,
    demo: bool,
) -> Result<i32, Failure> {
    crate::tui::timing::process_started();
    let ctx = Context::new(data, config, actor)?;
    // The console is a client of the server, whoever runs it.
    context::init_client_logging();
    crate::tui::timing::step("configuration loaded, logging on");
    let opts = crate::tui::Options {
        data_dir: ctx.data_dir.clone(),
        config_dir: context::config_dir(config),
        config: ctx.config.clone(),
        clock: ctx.clock,
        me: ctx.actor.clone(),
        as_user: ctx.as_user.clone(),
        demo,
        data_given: data.is_some(),
    };
    crate::tui::run(opts).map_err(|e| Failure::new(e.to_string()))
}

/// `rightsdesk wall`: the wall display, a client of the server like the console.
fn wall(ctx: &Context, config: Option<&std::path::Path>, every: u64) -> Result<i32, Failure> {
    context::init_client_logging();
    let opts = crate::tui::wall::Options {
        data_dir: ctx.data_dir.clone(),
        config_dir: context::config_dir(config),
        clock: ctx.clock,
        as_user: ctx.as_user.clone(),
        every: std::time::Duration::from_secs(every),
    };
    crate::tui::wall::run(opts).map_err(|e| Failure::new(e.to_string()))
}

/// `rightsdesk tickets list | head` must end quietly when `head` stops reading, as every Unix
/// tool does, instead of panicking on the write. Only for commands that just print: the
/// network commands keep Rust's default (SIGPIPE ignored) so a dropped peer is an error, not
/// the end of the process.
fn quiet_on_closed_pipe() {
    // SAFETY: restoring the default disposition of a signal has no preconditions; it happens
    // before any thread is started.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
