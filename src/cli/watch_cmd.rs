//! `watch add|remove|list`: the merchant watch list (关注经营者). Putting a merchant on watch or
//! taking it off is a chief's, with a reason; both are events with their actor. A watched
//! merchant's tickets, old and new, are flagged in the console's queues.

use super::args::Format;
use super::context::Context;
use super::output::{pad, print_json};
use super::{Failure, OK};
use crate::domain::watch::{WatchList, WatchTarget};
use crate::engine::{Answer, Command, Envelope, Query};
use clap::{Args, Subcommand};
use serde_json::json;

#[derive(Subcommand, Debug)]
pub enum WatchCommand {
    /// Put a merchant on the watch list (a chief's): by its credit code, or by its name when
    /// its tickets give none.
    Add {
        #[command(flatten)]
        merchant: MerchantArgs,
        /// Why it is watched (recorded in the audit trail).
        #[arg(long)]
        reason: String,
    },
    /// Take a merchant off the watch list (a chief's).
    Remove {
        #[command(flatten)]
        merchant: MerchantArgs,
        #[arg(long)]
        reason: String,
    },
    /// The watched merchants.
    List {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

/// A merchant: its 统一社会信用代码 (with --name, the name it goes by), or its name alone.
#[derive(Args, Debug)]
#[group(required = true, multiple = true)]
pub struct MerchantArgs {
    #[arg(long, value_name = "CODE")]
    pub credit_code: Option<String>,
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
}

impl MerchantArgs {
    /// The merchant named, and a display name that goes with a code.
    fn target(&self) -> (WatchTarget, Option<String>) {
        match (&self.credit_code, &self.name) {
            (Some(code), name) => (WatchTarget::CreditCode(code.clone()), name.clone()),
            (None, Some(name)) => (WatchTarget::Name(name.clone()), None),
            (None, None) => unreachable!("clap requires one of them"),
        }
    }
}

pub fn run(ctx: &Context, command: WatchCommand) -> Result<i32, Failure> {
    let mut desk = ctx.open_desk()?;
    match command {
        WatchCommand::Add { merchant, reason } => {
            let (target, name) = merchant.target();
            let command = Command::WatchMerchant { merchant: target, name, reason };
            desk.execute(Envelope { actor: ctx.actor.clone(), command })?;
            println!("on the watch list: {}", shown(&merchant));
        }
        WatchCommand::Remove { merchant, reason } => {
            let (target, _) = merchant.target();
            let command = Command::UnwatchMerchant { merchant: target, reason };
            desk.execute(Envelope { actor: ctx.actor.clone(), command })?;
            println!("off the watch list: {}", shown(&merchant));
        }
        WatchCommand::List { format } => {
            let Answer::Watched(list) = desk.query(Query::Watched)? else {
                return Err(Failure::new("the server answered with something else"));
            };
            match format {
                Format::Json => print_json(&as_json(&list)),
                Format::Table | Format::Csv => print_table(&list),
            }
        }
    }
    Ok(OK)
}

fn shown(m: &MerchantArgs) -> String {
    match (&m.credit_code, &m.name) {
        (Some(code), Some(name)) => format!("{name} ({code})"),
        (Some(code), None) => code.clone(),
        (None, Some(name)) => name.clone(),
        (None, None) => String::new(),
    }
}

/// One object per watched merchant: `merchant` (the key), `by` (`credit_code` or `name`),
/// `name`, `reason`, `actor`, `since`.
fn as_json(list: &WatchList) -> serde_json::Value {
    json!(
        list.merchants
            .values()
            .map(|w| json!({
                "merchant": w.merchant,
                "by": if w.by_code { "credit_code" } else { "name" },
                "name": w.name,
                "reason": w.reason,
                "actor": w.actor,
                "since": w.since,
            }))
            .collect::<Vec<_>>()
    )
}

fn print_table(list: &WatchList) {
    if list.is_empty() {
        eprintln!("no merchant is on the watch list");
        return;
    }
    println!("{} {} {} {} 原因", pad("经营者", 24), pad("名称", 24), pad("关注人", 10), pad("起始", 16));
    for w in list.merchants.values() {
        println!(
            "{} {} {} {} {}",
            pad(&w.merchant, 24),
            pad(w.name.as_deref().unwrap_or("-"), 24),
            pad(&w.actor, 10),
            pad(&w.since.china().format("%Y-%m-%d %H:%M").to_string(), 16),
            w.reason
        );
    }
}
