//! `rightsdesk sync [--once] [--timeout SECS] [--sim URL]`: the sync workers in the foreground.

use super::args::SyncArgs;
use super::context::Context;
use super::{Failure, OK, PARTIAL};
use crate::engine::EngineHandle;
use crate::remote::Client;
use crate::sync::http::{Channel, HttpChannel, SecretSource, SmsGateway, SyncError, point_at_simulator};
use crate::sync::worker::{self, Missing, OnceReport, SyncOptions, SyncSide, board_with_not_configured};
use std::collections::{BTreeMap, HashMap};
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
    Ok(print_once(&report))
}

/// The channels with a sync profile, as HTTP adapters (pointed at the simulator with `sim`),
/// and the SMS gateway. A channel whose secret is not provided is not configured (named on
/// stderr, not a failure); one whose profile cannot be used is named as a failure.
pub(super) fn connect(ctx: &Context, sim: Option<&str>) -> SyncSide {
    let secrets = if sim.is_some() { SecretSource::Simulator } else { SecretSource::Environment };
    let mut channels: HashMap<String, Arc<dyn Channel>> = HashMap::new();
    let mut unusable = Vec::new();
    let mut not_configured = BTreeMap::new();
    let mut missing = Missing::default();
    let client = match crate::sync::tls::client(None, "the channels") {
        Ok(client) => client,
        Err(e) => {
            // Without an HTTP client nothing can be synced; every channel is named below.
            eprintln!("sync: {e}");
            reqwest::Client::new()
        }
    };
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
            Err(SyncError::NoSecret { what, .. }) => {
                eprintln!("{}: not configured: {what}", channel.id);
                tracing::info!(channel = %channel.id, "not configured: no secret");
                missing.channels.insert(channel.id.clone(), format!("is not configured: {what}"));
                not_configured.insert(channel.id.clone(), what);
            }
            Err(e) => {
                eprintln!("{}: cannot sync: {e}", channel.id);
                tracing::warn!(channel = %channel.id, error = %e, "cannot sync");
                missing.channels.insert(channel.id.clone(), format!("cannot sync: {e}"));
                unusable.push(channel.id.clone());
            }
        }
    }
    let sms = sms_gateway(ctx, sim, &client, &mut missing);
    let health = board_with_not_configured(&not_configured);
    SyncSide { channels, sms, options: SyncOptions::default(), health, unusable, not_configured, missing }
}

/// The SMS gateway of `sms.toml` (or the simulator's); without one, SMS wait in the outbox and
/// `missing` says why.
fn sms_gateway(
    ctx: &Context,
    sim: Option<&str>,
    client: &reqwest::Client,
    missing: &mut Missing,
) -> Option<Arc<SmsGateway>> {
    let sms = &ctx.config.sms;
    let url = match (sim, &sms.gateway_url) {
        (Some(sim), _) => {
            return Some(Arc::new(SmsGateway::new(sim, "sim-sms-token".into(), client.clone())));
        }
        (None, Some(url)) => url,
        (None, None) => {
            missing.sms = Some("no SMS gateway configured (gateway_url in sms.toml)".into());
            return None;
        }
    };
    let token = sms.token_env.as_deref().and_then(|v| std::env::var(v).ok()).filter(|t| !t.trim().is_empty());
    let Some(token) = token else {
        let var = sms.token_env.as_deref().unwrap_or("token_env in sms.toml");
        eprintln!("sms: not configured: {var} is not set; SMS wait in the outbox");
        missing.sms = Some(format!("the SMS gateway is not configured: {var} is not set"));
        return None;
    };
    let client = match &sms.ca_file {
        Some(ca_file) => match crate::sync::tls::client(Some(ca_file), "the SMS gateway") {
            Ok(client) => client,
            Err(e) => {
                eprintln!("sms: cannot send: {e}");
                missing.sms = Some(format!("the SMS gateway cannot be used: {e}"));
                return None;
            }
        },
        None => client.clone(),
    };
    Some(Arc::new(SmsGateway::new(url, token, client)))
}

async fn run_async(ctx: &Context, args: &SyncArgs, engine: EngineHandle) -> Result<i32, Failure> {
    let side = connect(ctx, args.sim.as_deref());
    if args.once {
        let timeout = Duration::from_secs(args.timeout);
        let report = worker::sync_once(engine, &side, ctx.clock, timeout).await?;
        return Ok(print_once(&report));
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

/// What `sync --once` prints, and its exit status: 3 when a configured channel did not catch
/// up (or one cannot be used); a channel that is not configured is named, not a failure.
fn print_once(report: &OnceReport) -> i32 {
    for h in &report.health {
        if let Some(why) = &h.not_configured {
            println!("{:<10} not configured: {why}", h.channel);
            continue;
        }
        println!(
            "{:<10} {:>6} new {:>6} again {:>4} quarantined{}",
            h.channel,
            h.registered,
            h.duplicates,
            h.quarantined,
            h.last_error.as_deref().map(|e| format!("  last error: {e}")).unwrap_or_default()
        );
    }
    println!(
        "outbox: {} pending, {} waiting for configuration, {} dead",
        report.pending, report.waiting, report.dead
    );
    let behind = &report.not_caught_up;
    if behind.is_empty() {
        return OK;
    }
    eprintln!("not caught up: {}", behind.join(" "));
    PARTIAL
}
