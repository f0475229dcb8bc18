//! `outbox list|retry` and `quarantine list|show|retry|drop`: what an operator needs to see and
//! unblock the sync side.

use super::args::{Format, OutboxCommand, QuarantineCommand};
use super::context::Context;
use super::output::{fit, pad, print_json};
use super::{Failure, OK};
use crate::engine::{Command, Envelope, QuarantineAction};
use crate::store::outbox::{DeliveryState, OutboxEntry, QuarantineEntry, QuarantineState};
use serde::Serialize;

/// The JSON of INTERFACES.md: `id`, `channel`, `kind`, `attempts`, `state`, and more.
#[derive(Serialize)]
struct OutboxItem<'a> {
    id: u64,
    channel: &'a str,
    kind: &'static str,
    ticket: u64,
    channel_ticket_id: &'a str,
    key: &'a str,
    to: Option<&'a str>,
    attempts: u32,
    state: DeliveryState,
    next_at: crate::time::Timestamp,
    last_error: Option<&'a str>,
}

impl<'a> OutboxItem<'a> {
    fn of(e: &'a OutboxEntry) -> Self {
        OutboxItem {
            id: e.id,
            channel: &e.effect.channel,
            kind: e.effect.kind.code(),
            ticket: e.effect.ticket.0,
            channel_ticket_id: &e.effect.channel_ticket_id,
            key: &e.effect.key,
            // The unit's number is not personal data; it is shown so an operator can check it.
            to: e.effect.to.as_deref(),
            attempts: e.attempts,
            state: e.state,
            next_at: e.next_at,
            last_error: e.last_error.as_deref(),
        }
    }
}

#[derive(Serialize)]
struct QuarantineItem<'a> {
    id: u64,
    channel: &'a str,
    reason: &'a str,
    attempts: u32,
    state: QuarantineState,
    at: crate::time::Timestamp,
    bytes: usize,
}

impl<'a> QuarantineItem<'a> {
    fn of(e: &'a QuarantineEntry) -> Self {
        QuarantineItem {
            id: e.id,
            channel: &e.channel,
            reason: &e.reason,
            attempts: u32::from(e.state == QuarantineState::Retried),
            state: e.state,
            at: e.at,
            bytes: e.raw.len(),
        }
    }
}

pub fn run_outbox(ctx: &Context, command: OutboxCommand) -> Result<i32, Failure> {
    let mut desk = ctx.open_desk()?;
    match command {
        OutboxCommand::List { all, format } => {
            let entries: Vec<OutboxEntry> = desk.outbox(all)?;
            let items: Vec<OutboxItem> = entries.iter().map(OutboxItem::of).collect();
            if format == Format::Json {
                print_json(&items);
            } else {
                println!(
                    "{} {} {} {} {} 次数 / 最近错误",
                    pad("编号", 8),
                    pad("类别", 10),
                    pad("渠道", 10),
                    pad("工单", 8),
                    pad("状态", 8),
                );
                for i in &items {
                    let state =
                        serde_json::to_value(i.state).ok().and_then(|v| v.as_str().map(str::to_string));
                    println!(
                        "{} {} {} {} {} {} {}",
                        pad(&i.id.to_string(), 8),
                        pad(i.kind, 10),
                        pad(i.channel, 10),
                        pad(&format!("#{}", i.ticket), 8),
                        pad(&state.unwrap_or_default(), 8),
                        i.attempts,
                        fit(i.last_error.unwrap_or(""), 60)
                    );
                }
                eprintln!("{} entr{}", items.len(), if items.len() == 1 { "y" } else { "ies" });
            }
        }
        OutboxCommand::Retry { id } => {
            desk.execute(Envelope {
                actor: ctx.actor.clone(),
                command: Command::RetryOutbox { outbox: id },
            })?;
            println!("outbox entry {id} will be sent again");
        }
    }
    Ok(OK)
}

pub fn run_quarantine(ctx: &Context, command: QuarantineCommand) -> Result<i32, Failure> {
    let mut desk = ctx.open_desk()?;
    let actor = ctx.actor.clone();
    let act = |desk: &mut crate::remote::Desk, id: u64, action: QuarantineAction| {
        desk.execute(Envelope { actor: actor.clone(), command: Command::Quarantine { id, action } })
    };
    match command {
        QuarantineCommand::List { all, format } => {
            let entries: Vec<QuarantineEntry> = desk.quarantine(all)?;
            let items: Vec<QuarantineItem> = entries.iter().map(QuarantineItem::of).collect();
            if format == Format::Json {
                print_json(&items);
            } else {
                for i in &items {
                    println!(
                        "{} {} {} {}",
                        pad(&i.id.to_string(), 8),
                        pad(i.channel, 10),
                        i.at,
                        fit(i.reason, 70)
                    );
                }
                eprintln!("{} held", items.len());
            }
        }
        QuarantineCommand::Show { id, format } => {
            let entry = desk.quarantine_item(id)?.ok_or_else(|| {
                Failure::new(format!("no quarantined item {id} (see `rightsdesk quarantine list`)"))
            })?;
            if format == Format::Json {
                print_json(&entry);
            } else {
                println!("#{} {} {}  [{:?}]", entry.id, entry.channel, entry.at, entry.state);
                println!("reason: {}", entry.reason);
                println!("{}", entry.raw);
            }
        }
        QuarantineCommand::Retry { id } => {
            act(&mut desk, id, QuarantineAction::Retry)?;
            println!("quarantined item {id} handed back: the next pull of its channel reads it again");
        }
        QuarantineCommand::Drop { id } => {
            act(&mut desk, id, QuarantineAction::Drop)?;
            println!("quarantined item {id} dropped");
        }
    }
    Ok(OK)
}
