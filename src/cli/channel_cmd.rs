//! `rightsdesk channel try ID [--limit N] [--sim URL]`: pulls the first page of one channel with
//! its profile and prints how each item maps, or why it would be quarantined, writing nothing
//! (no store is opened), so an integrator sees a new profile at work before the first sync.
//! Personal data is masked, as on every screen.

use super::context::Context;
use super::{Failure, OK};
use crate::domain::mask;
use crate::domain::ticket::NewTicket;
use crate::sync::http::{HttpChannel, SecretSource, SyncError, point_at_simulator};
use crate::sync::mapping;
use clap::Subcommand;
use serde_json::Value;

#[derive(Subcommand, Debug)]
pub enum ChannelCommand {
    /// Pull one page and show how each item maps (or why it would be quarantined); writes nothing.
    Try {
        /// The channel id (e.g. rmw).
        id: String,
        /// Show at most this many items of the page.
        #[arg(long, value_name = "N", default_value_t = 10)]
        limit: usize,
        /// Try against a running simulator (`rightsdesk sim`) with its demo credentials.
        #[arg(long, value_name = "URL")]
        sim: Option<String>,
    },
}

pub fn run(ctx: &Context, command: ChannelCommand) -> Result<i32, Failure> {
    let ChannelCommand::Try { id, limit, sim } = command;
    let channel =
        ctx.config.channels.get(&id).ok_or_else(|| {
            Failure::usage(format!("no channel {id} (see `rightsdesk config show channels`)"))
        })?;
    let profile = channel.sync.as_ref().ok_or_else(|| {
        Failure::new(format!("channel {id} has no [channel.{id}.sync] profile: it is entered by hand"))
    })?;
    let (profile, secrets) = match &sim {
        Some(sim) => (point_at_simulator(profile, sim, &id), SecretSource::Simulator),
        None => (profile.clone(), SecretSource::Environment),
    };
    let client = crate::sync::tls::client(None, "the channels").map_err(|e| Failure::new(e.to_string()))?;
    let http = match HttpChannel::new(&id, &profile, client, &secrets) {
        Ok(http) => http,
        Err(SyncError::NoSecret { what, .. }) => {
            return Err(Failure::new(format!("channel {id} is not configured: {what}")));
        }
        Err(e) => return Err(Failure::new(format!("channel {id}: {e}"))),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::new(format!("cannot start the async runtime: {e}")))?;
    let now = ctx.clock.now();
    let body = runtime
        .block_on(http.fetch_page(None, now))
        .map_err(|e| Failure::new(format!("channel {id}: the first page could not be read: {e}")))?;
    let items = mapping::at_path(&body, &profile.list.items).and_then(Value::as_array).ok_or_else(|| {
        Failure::new(format!(
            "channel {id}: no item list at {:?} in the page (list.items)",
            profile.list.items
        ))
    })?;
    println!(
        "{id}: {} item(s) on the first page{}",
        items.len(),
        if items.len() > limit { format!(", the first {limit} shown") } else { String::new() }
    );
    for (n, item) in items.iter().take(limit).enumerate() {
        let mapped = mapping::map_items(&profile, &id, std::slice::from_ref(item), now);
        match (mapped.tickets.first(), mapped.malformed.first()) {
            (Some(ticket), _) => print_ticket(n + 1, ticket),
            (None, Some(bad)) => println!("{:>3}. would be quarantined: {}", n + 1, bad.reason),
            (None, None) => println!("{:>3}. skipped", n + 1),
        }
    }
    Ok(OK)
}

/// One mapped item, field by field, personal data masked.
fn print_ticket(n: usize, t: &NewTicket) {
    let or_dash = |v: Option<String>| v.filter(|s| !s.is_empty()).unwrap_or_else(|| "—".into());
    println!("{n:>3}. {}  maps to:", t.intake.channel_ticket_id);
    let rows = [
        ("kind", or_dash(t.kind.map(|k| k.zh().to_string()))),
        ("received_at", or_dash(t.intake.received_at.map(|r| r.rfc3339()))),
        ("town", or_dash(t.intake.town.clone())),
        ("title", or_dash(Some(t.dispute.title.clone()))),
        ("complainant", or_dash(t.complainant.name.as_deref().map(mask::name))),
        ("phone", or_dash(t.complainant.phone.as_deref().map(mask::phone))),
        ("respondent", or_dash(t.respondent.name.clone())),
        ("credit_code", or_dash(t.respondent.credit_code.clone())),
        ("amount", or_dash(t.dispute.amount.map(|a| a.yuan_text()))),
        ("category", or_dash(t.dispute.category.clone())),
        ("dispute_type", or_dash(t.dispute.dispute_type.clone())),
    ];
    for (field, value) in rows {
        println!("       {field:<13} {value}");
    }
}
