//! `rightsdesk sync [--once] [--timeout SECS] [--sim URL]`: the sync workers in the foreground.

use super::args::SyncArgs;
use super::context::Context;
use super::{Failure, OK, PARTIAL};
use crate::engine::EngineHandle;
use crate::remote::Client;
use crate::sync::http::{Channel, HttpChannel, SecretSource, SmsGateway, point_at_simulator};
use crate::sync::worker::{self, HealthBoard, OnceReport, SyncOptions, SyncSide};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

pub fn run(ctx: &Context, args: &SyncArgs) -> Result<i32, Failure> {
    if let Some(client) = Client::attach(&ctx.data_dir)? {
        return through_server(client, args);
    }
    let engine = ctx.open_engine()?;
    let (engine, thread) = EngineHandle::spawn(engine);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::new(format!("cannot start the async runtime: {e}")))?;
    let status = runtime.block_on(run_async(ctx, args, engine));
    runtime.shutdown_timeout(Duration::from_secs(2));
    // Every handle is gone now, so the engine thread finishes its last burst and ends.
    let _ = thread.join();
    status
}

/// A server already syncs every channel; `--once` asks it to catch up now and waits.
fn through_server(mut client: Client, args: &SyncArgs) -> Result<i32, Failure> {
    if !args.once {
        return Err(Failure::new(format!(
            "a server ({}, pid {}) runs for this data directory and already syncs every channel: \
             use `rightsdesk sync --once` to wait until it has caught up",
            client.server, client.server_pid
        )));
    }
    if args.sim.is_some() {
        eprintln!("--sim ignored: the server syncs with the channels it was started with");
    }
    let report = client.sync_once(args.timeout)??;
    Ok(print_once(&report, Vec::new()))
}

/// The channels with a sync profile, as HTTP adapters (pointed at the simulator with `sim`),
/// and the SMS gateway; the channels that cannot be synced are named on stderr.
pub(super) fn connect(ctx: &Context, sim: Option<&str>) -> SyncSide {
    let client = reqwest::Client::new();
    let secrets = if sim.is_some() { SecretSource::Simulator } else { SecretSource::Environment };
    let mut channels: HashMap<String, Arc<dyn Channel>> = HashMap::new();
    let mut unusable = Vec::new();
    for channel in ctx.config.channels.all() {
        let Some(profile) = &channel.sync else { continue };
        let profile = match sim {
            Some(sim) => point_at_simulator(profile, sim, &channel.id),
            None => profile.clone(),
        };
        match HttpChannel::new(&channel.id, &profile, client.clone(), &secrets) {
            Ok(http) => {
                channels.insert(channel.id.clone(), Arc::new(http));
            }
            Err(e) => {
                eprintln!("{}: cannot sync: {e}", channel.id);
                unusable.push(channel.id.clone());
            }
        }
    }
    let sms = match (sim, &ctx.config.sms.gateway_url) {
        (Some(sim), _) => Some(Arc::new(SmsGateway::new(sim, "sim-sms-token".into(), client.clone()))),
        (None, Some(url)) => {
            let token = ctx.config.sms.token_env.as_deref().and_then(|v| std::env::var(v).ok());
            match token {
                Some(token) => Some(Arc::new(SmsGateway::new(url, token, client.clone()))),
                None => {
                    eprintln!(
                        "sms: no token (set the variable named by token_env in sms.toml); SMS wait in the outbox"
                    );
                    None
                }
            }
        }
        (None, None) => None,
    };
    SyncSide { channels, sms, options: SyncOptions::default(), health: HealthBoard::default(), unusable }
}

async fn run_async(ctx: &Context, args: &SyncArgs, engine: EngineHandle) -> Result<i32, Failure> {
    let side = connect(ctx, args.sim.as_deref());
    if args.once {
        let timeout = Duration::from_secs(args.timeout);
        let (channels, sms, options) = (side.channels, side.sms, side.options);
        let report = worker::sync_once(engine, channels, sms, ctx.clock, options, timeout).await?;
        return Ok(print_once(&report, side.unusable));
    }
    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    let mut tasks = tokio::task::JoinSet::new();
    side.spawn(&mut tasks, &engine, ctx.clock, &stop);
    drop(engine);
    eprintln!("syncing {} channel(s); Ctrl-C stops", tasks.len() - 1);
    let _ = tokio::signal::ctrl_c().await;
    let _ = stop_tx.send(true);
    while tasks.join_next().await.is_some() {}
    Ok(OK)
}

/// What `sync --once` prints, and its exit status: 3 when a channel did not catch up.
fn print_once(report: &OnceReport, unusable: Vec<String>) -> i32 {
    for h in &report.health {
        println!(
            "{:<10} {:>6} new {:>6} again {:>4} quarantined{}",
            h.channel,
            h.registered,
            h.duplicates,
            h.quarantined,
            h.last_error.as_deref().map(|e| format!("  last error: {e}")).unwrap_or_default()
        );
    }
    println!("outbox: {} pending, {} dead", report.pending, report.dead);
    let mut behind = report.not_caught_up.clone();
    behind.extend(unusable);
    behind.sort();
    if behind.is_empty() {
        return OK;
    }
    eprintln!("not caught up: {}", behind.join(" "));
    PARTIAL
}
