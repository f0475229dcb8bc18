//! `rightsdesk serve [--sim URL] [--units-listen ADDR]`: the process that owns the store while
//! it runs. It runs the engine, a sync worker per remote channel, the outbox, the deadline
//! scheduler, the early-warning scheduler, the units API and the socket every other command attaches to, until SIGTERM or SIGINT; then it stops the
//! workers, lets the engine finish its last burst and closes the store with a checkpoint.

use super::context::Context;
use super::sim_cmd::shutdown_signal;
use super::sync_cmd;
use super::{Failure, OK};
use crate::engine::{Command, EngineHandle, Envelope};
use crate::remote::Client;
use crate::remote::server;
use crate::sync::worker::HealthBoard;
use crate::units_api::{self, hash_token, new_token};
use clap::Args;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Point every remote channel, the SMS gateway and the simulated units at a running
    /// simulator (`rightsdesk sim`): demo credentials, and the units API and a fresh token per
    /// unit registered with it.
    #[arg(long, value_name = "URL")]
    pub sim: Option<String>,
    /// Where the units API listens. Keep it on 127.0.0.1 unless a proxy with TLS is in front.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:7900")]
    pub units_listen: SocketAddr,
    /// How often the early warnings (维权预警) are evaluated, in seconds: each surge found is
    /// raised once, as an event (the first evaluation that long after the start).
    #[arg(long, value_name = "SECONDS", default_value_t = 600,
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub warnings_every: u64,
}

/// How long stopping may take before the remaining tasks are dropped (their effects are in the
/// outbox, so nothing is lost; a delivery in flight is repeated at the next start).
const STOP_GRACE: Duration = Duration::from_secs(5);

/// sled's page cache for serve, at most (less if `store_cache_mb` says so). serve keeps the
/// open tickets, the catalogue and the statistics' facts in memory, so the cache serves what
/// commands read and write; the scan at its start would fill a bigger one with tickets nobody
/// reads again (at 1,000,000 tickets, 128 MiB of them: serve's largest single part after the
/// facts and the catalogue). The least the store is given anywhere: 8 rather than 32 MiB kept
/// serve 26 MiB smaller at 1,000,000 tickets, while a ticket's detail through serve took 0.8
/// rather than 0.6 ms at 100,000 (README, "The allocator and sled's cache").
const SERVE_CACHE_MB: u64 = 8;

pub fn run(ctx: &Context, args: &ServeArgs) -> Result<i32, Failure> {
    if let Some(client) = Client::attach(&ctx.data_dir)? {
        return Err(Failure::new(format!(
            "a server ({}, pid {}) already runs for {}",
            client.server,
            client.server_pid,
            ctx.data_dir.display()
        )));
    }
    crate::allocator::return_freed_memory_at_once();
    let engine = ctx.open_engine_with_cache(SERVE_CACHE_MB)?;
    let (engine, thread) = EngineHandle::spawn(engine);
    let reader = engine.reader().clone();
    reader.store_derived_lazily();
    let preload = reader.preload();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::new(format!("cannot start the async runtime: {e}")))?;
    let status = runtime.block_on(serve(ctx, args, engine));
    runtime.shutdown_timeout(STOP_GRACE);
    preload.stop();
    reader.store_derived();
    drop(reader);
    // Every handle is gone with the runtime: the engine finishes its last burst and comes back.
    let engine = thread.join().map_err(|_| Failure::new("the engine stopped abnormally"))?;
    // Everything acknowledged is flushed already; the checkpoint only makes the next start
    // quicker. A query still running past the grace period holds the store and prevents it.
    if let Err(e) = engine.close_with_checkpoint() {
        tracing::warn!(error = %e, "stopped without a checkpoint");
        eprintln!(
            "stopped without a checkpoint ({e}): nothing is lost; the next start replays a little more"
        );
    }
    tracing::info!("server stopped");
    status
}

async fn serve(ctx: &Context, args: &ServeArgs, engine: EngineHandle) -> Result<i32, Failure> {
    let units = tokio::net::TcpListener::bind(args.units_listen).await.map_err(|e| {
        Failure::new(format!(
            "units API: cannot listen on {}: {e} (try another --units-listen)",
            args.units_listen
        ))
    })?;
    let units_addr = units.local_addr()?;
    // The socket last: once it answers, the server is ready for clients.
    let side = sync_cmd::connect(ctx, args.sim.as_deref());
    if let Some(sim) = &args.sim {
        register_units(ctx, &engine, sim, units_addr).await?;
    }
    let (listener, socket) = server::bind(&ctx.data_dir)?;
    let (syncing, cannot_sync) = (side.channels.len(), side.unusable.len());
    let not_configured = side.not_configured.len();
    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    let mut tasks = tokio::task::JoinSet::new();
    side.spawn(&mut tasks, &engine, ctx.clock, &stop);
    tasks.spawn(crate::engine::run_scheduler(engine.clone(), ctx.clock, stop.clone()));
    let warnings_every = Duration::from_secs(args.warnings_every);
    tasks.spawn(crate::engine::warnings::run_warnings(engine.clone(), warnings_every, stop.clone()));
    tasks.spawn(publish_health(engine.clone(), side.health.clone(), stop.clone()));
    tasks.spawn(store_derived(engine.reader().clone(), stop.clone()));
    let gate = crate::remote::sessions::Gate::new(&ctx.config, ctx.config_dir.as_deref());
    tasks.spawn(watch_users_file(gate.clone(), stop.clone()));
    let hosting = server::Hosting { gate, data_dir: ctx.data_dir.clone() };
    tasks.spawn(server::serve(listener, engine.clone(), ctx.clock, side, hosting, stop.clone()));
    let mut units_stop = stop.clone();
    let units_api =
        axum::serve(units, units_api::router(engine.clone())).with_graceful_shutdown(async move {
            let _ = units_stop.changed().await;
        });
    tasks.spawn(async move {
        if let Err(e) = units_api.await {
            tracing::error!(error = %e, "units API stopped");
        }
    });
    drop(engine);
    eprintln!(
        "serving {}: socket {}, units API http://{units_addr}, {} channel(s){}; SIGTERM or Ctrl-C stops",
        ctx.data_dir.display(),
        socket.display(),
        syncing,
        match (cannot_sync, not_configured) {
            (0, 0) => String::new(),
            (0, n) => format!(" ({n} not configured)"),
            (c, 0) => format!(" ({c} cannot sync)"),
            (c, n) => format!(" ({c} cannot sync, {n} not configured)"),
        }
    );
    tracing::info!(units = %units_addr, "server running");
    shutdown_signal().await;
    eprintln!("stopping…");
    let _ = stop_tx.send(true);
    let _ = tokio::time::timeout(STOP_GRACE, async { while tasks.join_next().await.is_some() {} }).await;
    tasks.abort_all();
    if let Err(e) = std::fs::remove_file(&socket) {
        tracing::warn!(error = %e, "could not remove the socket file");
    }
    Ok(OK)
}

/// Gives every unit a fresh units-API token and tells the simulator where the API is and what
/// the tokens are, so its simulated units can work their tickets (demo and tests only).
async fn register_units(
    ctx: &Context,
    engine: &EngineHandle,
    sim: &str,
    units: SocketAddr,
) -> Result<(), Failure> {
    let mut tokens = BTreeMap::new();
    let mut envelopes = Vec::new();
    for unit in ctx.config.org.units() {
        let token = new_token();
        envelopes.push(Envelope {
            actor: "serve --sim".into(),
            command: Command::SetUnitToken { unit: unit.id.clone(), token_hash: Some(hash_token(&token)) },
        });
        tokens.insert(unit.id.clone(), token);
    }
    for result in engine.execute_all(envelopes).await {
        result?;
    }
    let url = format!("{}/_sim/units", sim.trim_end_matches('/'));
    let body = serde_json::json!({ "base_url": format!("http://{units}"), "tokens": tokens });
    let client = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| Failure::new(format!("cannot build an HTTP client: {e}")))?;
    let sent = client.post(&url).json(&body).send().await.and_then(|r| r.error_for_status());
    sent.map_err(|e| Failure::new(format!("{url}: cannot register the units API with the simulator: {e}")))?;
    Ok(())
}

/// Publishes each channel's health to subscribers when it changes (checked twice a second, as
/// often as a screen would want it).
async fn publish_health(
    engine: EngineHandle,
    board: HealthBoard,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut published = BTreeMap::new();
    loop {
        let now = board.lock().map(|b| b.clone()).unwrap_or_default();
        for (channel, health) in now {
            if published.get(&channel) != Some(&health) {
                engine.publish_health(health.clone());
                published.insert(channel, health);
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(500)) => {}
            _ = stop.changed() => return,
        }
    }
}

/// How often the store's copies of the catalogue and the statistics' facts are brought up to
/// date with what changed: a start after a crash derives at most this much again.
const STORE_DERIVED_EVERY: Duration = Duration::from_secs(300);

/// Brings the store's derived copies up to date now and then (see `Reader::store_derived`),
/// off the async workers: it opens and closes their database; and lets go of the word
/// segmenter when no new ticket needed it meanwhile.
async fn store_derived(reader: crate::engine::Reader, mut stop: tokio::sync::watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(STORE_DERIVED_EVERY) => {}
            _ = stop.changed() => return,
        }
        let reader = reader.clone();
        let stored = tokio::task::spawn_blocking(move || {
            reader.store_derived();
            reader.let_go_of_idle_segmenter();
        });
        if let Err(e) = stored.await {
            tracing::warn!(error = %e, "the derived copies were not stored");
        }
    }
}

/// How often `users.toml` is looked at: a clerk added by the chief can attach within this.
const USERS_POLL: Duration = Duration::from_secs(2);

/// Applies edits of `users.toml` while serving: who may attach and as what follows the file
/// without a restart; a file with an error is reported and the people read before stay.
async fn watch_users_file(gate: crate::remote::sessions::Gate, mut stop: tokio::sync::watch::Receiver<bool>) {
    use crate::remote::sessions::Refresh;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(USERS_POLL) => {}
            _ = stop.changed() => return,
        }
        match gate.refresh() {
            Refresh::Unchanged | Refresh::Read(false) => {}
            Refresh::Read(true) => {
                tracing::info!("users.toml read again: connections are checked against it");
                eprintln!("users.toml changed: applied; consoles whose access changed attach again");
            }
            Refresh::Failed(why) => {
                tracing::warn!(problem = %why, "users.toml not applied");
                eprintln!("users.toml not applied, the people read before stay admitted: {why}");
            }
        }
    }
}
