//! `rightsdesk sim`: runs the simulator of every remote party until SIGINT or SIGTERM.

use super::{Failure, OK};
use crate::config;
use crate::sim::{FaultSpec, SimOptions, Simulator, UnitDelay};
use crate::time::Clock;
use clap::Args;
use std::io::Write;
use std::net::SocketAddr;

#[derive(Args, Debug)]
pub struct SimArgs {
    /// Address to listen on; port 0 picks a free one (printed on stdout).
    #[arg(long, default_value = "127.0.0.1:7800", value_name = "ADDR")]
    pub listen: SocketAddr,
    /// Seed of the generated tickets: the same seed gives the same tickets everywhere.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub seed: u64,
    /// How many tickets to publish over the run.
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub tickets: usize,
    /// Tickets published per minute; 0 publishes them all at start.
    #[arg(long, default_value_t = 600, value_name = "PER_MIN")]
    pub rate: u64,
    /// Faults, e.g. 5xx=0.2,timeout=0.05,slow=0.1,reset=0.02,malformed=0.05,dup=0.1,reorder=0.1;
    /// CHANNEL: before an entry limits it to that channel (or sms).
    #[arg(long, default_value = "", value_name = "SPEC", value_parser = parse_faults)]
    pub faults: FaultSpec,
    /// How long a simulated unit takes before each step on a ticket.
    #[arg(long, default_value = "50ms..200ms", value_name = "MIN..MAX", value_parser = UnitDelay::parse)]
    pub unit_delay: UnitDelay,
}

fn parse_faults(text: &str) -> Result<FaultSpec, String> {
    FaultSpec::parse(text).map_err(|e| e.to_string())
}

pub fn run(args: &SimArgs) -> Result<i32, Failure> {
    init_logging();
    let clock = Clock::from_env()?;
    // The built-in channels and organisation only: the simulator plays the outside world as
    // shipped, whatever a deployment's config directory says.
    let config = config::load(None).map_err(|e| Failure::new(format!("built-in configuration: {e}")))?;
    let opts = SimOptions {
        seed: args.seed,
        tickets: args.tickets,
        rate_per_min: args.rate,
        faults: args.faults.clone(),
        unit_delay: args.unit_delay,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::new(format!("cannot start the async runtime: {e}")))?;
    let simulator = Simulator::new(&opts, clock, &config.org, &config.channels)
        .map_err(|e| Failure::new(format!("cannot build the HTTP client of the simulated units: {e}")))?;
    let result = runtime.block_on(async {
        let bound = simulator.bind(args.listen).await.map_err(|e| {
            Failure::new(format!("cannot listen on {}: {e} (try another --listen)", args.listen))
        })?;
        let addr = bound.local_addr()?;
        // The one line on stdout: tests and scripts read the port from it.
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on http://{addr}")?;
        out.flush()?;
        drop(out);
        tracing::info!(%addr, "simulator listening");
        bound.run(shutdown_signal()).await.map_err(|e| Failure::new(format!("simulator stopped: {e}")))
    });
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    result.map(|()| OK)
}

/// SIGINT (Ctrl-C) or SIGTERM.
pub(super) async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            // Without a SIGTERM handler the default action (exit) still stops the process.
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("stopping on a signal");
}

/// The simulator has no data directory: logs go to stderr, filtered by RIGHTSDESK_LOG.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("RIGHTSDESK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init();
}
