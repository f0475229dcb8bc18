//! `rightsdesk import FILE --channel ID [--skip-bad]`: strict by default — one bad row rejects
//! the whole file and the store is unchanged.

use super::args::{Format, ImportArgs};
use super::context::Context;
use super::{Failure, OK, output};
use crate::domain::lifecycle::{self, Rules};
use crate::engine::{Command, EngineError, Envelope, Outcome};
use crate::import::{self, RowError};
use serde::Serialize;

#[derive(Serialize)]
struct ImportReport {
    file: String,
    format: String,
    encoding: &'static str,
    rows: usize,
    registered: usize,
    already_registered: usize,
    rejected: Vec<Rejected>,
    ignored_columns: Vec<String>,
}

#[derive(Serialize)]
struct Rejected {
    line: usize,
    reason: String,
}

/// Imports at least this large end with a store checkpoint (see `Engine::close_with_checkpoint`).
const CHECKPOINT_AFTER: usize = 10_000;

pub fn run(ctx: &Context, args: &ImportArgs) -> Result<i32, Failure> {
    let config = &ctx.config;
    let file = args.file.display().to_string();
    if config.channels.get(&args.channel).is_none() {
        return Err(Failure::usage(format!(
            "unknown channel {:?}; known channels: {}",
            args.channel,
            config.channels.ids().join(", ")
        )));
    }
    let now = ctx.clock.now();
    let parsed = import::parse_file(&args.file, &args.channel, now)?;
    let rules = Rules { sla: &config.sla, channels: &config.channels, org: &config.org };
    let mut rejected: Vec<RowError> = parsed.rejected;
    // Everything the engine would refuse is found before anything is written.
    let mut good = Vec::with_capacity(parsed.rows.len());
    for row in parsed.rows {
        match lifecycle::register(row.ticket.clone(), rules, now) {
            Ok(_) => good.push(row),
            Err(e) => rejected.push(RowError { line: row.line, reason: e.to_string() }),
        }
    }
    rejected.sort_by_key(|r| r.line);
    if !rejected.is_empty() && !args.skip_bad {
        for r in &rejected {
            eprintln!("{file}: line {}: {}", r.line, r.reason);
        }
        return Err(Failure::new(format!(
            "{file}: {} bad row(s); nothing was imported. Fix them, or pass --skip-bad to import the good rows",
            rejected.len()
        )));
    }
    let total = good.len() + rejected.len();
    let mut desk = ctx.open_desk()?;
    let actor = format!("import:{}", ctx.actor);
    let envelopes = good
        .iter()
        .map(|row| Envelope {
            actor: actor.clone(),
            command: Command::Register(Box::new(row.ticket.clone())),
        })
        .collect();
    let (mut registered, mut duplicates) = (0, 0);
    let results = desk.execute_all(envelopes).map_err(|e| {
        Failure::new(format!(
            "{file}: {e}. Part of the file may be saved; importing it again adds only what is missing"
        ))
    })?;
    for (row, result) in good.iter().zip(results) {
        match result {
            Ok(Outcome::Applied(_)) => registered += 1,
            Ok(Outcome::Duplicate(_)) => duplicates += 1,
            Ok(Outcome::Ingested(_) | Outcome::Updated(_)) => unreachable!("import only registers"),
            Err(e @ (EngineError::Store(_) | EngineError::NotSaved(_) | EngineError::Server(_))) => {
                return Err(e.into());
            }
            Err(e) => rejected.push(RowError { line: row.line, reason: e.to_string() }),
        }
    }
    // A bulk load: have sled write its snapshot now rather than at the next start.
    desk.finish(registered >= CHECKPOINT_AFTER)?;
    let report = ImportReport {
        file: file.clone(),
        format: format!("{:?}", parsed.format),
        encoding: parsed.encoding,
        rows: total,
        registered,
        already_registered: duplicates,
        rejected: rejected.iter().map(|r| Rejected { line: r.line, reason: r.reason.clone() }).collect(),
        ignored_columns: parsed.ignored_columns,
    };
    if args.format == Format::Json {
        output::print_json(&report);
    } else {
        for r in &rejected {
            eprintln!("{file}: line {}: {} (skipped)", r.line, r.reason);
        }
        if !report.ignored_columns.is_empty() {
            eprintln!("{file}: ignored columns: {}", report.ignored_columns.join(", "));
        }
        println!(
            "{file} ({}, {}): {} row(s): {registered} registered, {duplicates} already registered, {} skipped",
            report.format,
            report.encoding,
            total,
            rejected.len()
        );
    }
    Ok(OK)
}
