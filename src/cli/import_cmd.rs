//! `rightsdesk import FILE --channel ID [--skip-bad] [--map H=F]… [--profile NAME] [--dry-run]`.
//!
//! The file is read twice, row by row, so a migration of a million rows runs in constant
//! memory: first every row is checked and nothing is written (one bad row rejects the whole
//! file, the store unchanged, unless `--skip-bad`); then the good rows go to the engine in
//! batches, each flushed. A crash part way is finished by running the same import again:
//! re-importing adds nothing.

use super::args::{Format, ImportArgs};
use super::context::Context;
use super::import_show;
use super::progress::Progress;
use super::{Failure, OK, PARTIAL, output};
use crate::engine::{Command, EngineError, Envelope, Outcome};
use crate::import::profile::{IMPORTS_FILE, load_profile};
use crate::import::{self, FileInfo, ImportRow, ReadOptions, RowError};
use crate::remote::Desk;
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
pub(super) struct Rejected {
    pub line: usize,
    pub reason: String,
}

/// Imports at least this large end with a store checkpoint (see `Engine::close_with_checkpoint`).
const CHECKPOINT_AFTER: usize = 10_000;

/// Rows handed to the engine at once: one flush each. Large enough that the flush is a small
/// part of the time, small enough that the batch is a few MB.
const BATCH_ROWS: usize = 4096;

/// Commands per sled batch when this process writes the store itself. sled keeps every node it
/// copied while applying a batch until the batch ends: groups of 512 bound that garbage (and
/// the memory of an import) for about the same CPU (README: `desk-bench import`).
const IMPORT_GROUP: usize = 512;

/// sled's page cache during an import, in MiB, when the configured one is larger. A bulk load
/// writes at the end of each key space and hardly reads, so a small cache costs it nothing,
/// while its memory counts against the import's peak (README: `desk-bench import`).
const IMPORT_CACHE_MB: u64 = 32;

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
    let options = read_options(ctx, args)?;
    let now = ctx.clock.now();
    if args.dry_run {
        return import_show::dry_run(args, &options, now);
    }

    // Freed memory goes back after the binaries' usual 100 ms, not at once as serve has it: with
    // the store's bulk layout the import's peak is well below its goal either way, and returning
    // it at once cost about 11% more CPU a row (README, import: 1,000,000 rows).

    // Pass 1: every row checked, nothing written.
    let mut rejected: Vec<RowError> = Vec::new();
    let mut good = 0usize;
    let mut progress = Progress::new("checking", None);
    let info = import::read_file(&args.file, &args.channel, now, &options, |row| {
        match row {
            Ok(_) => good += 1,
            Err(e) => rejected.push(e),
        }
        progress.set(good + rejected.len());
    });
    progress.finish();
    let info = info?;
    // The engine refuses a registration only for an unknown channel (checked above), or
    // without a channel_ticket_id or received_at, which the row check requires: a row that
    // passed it is registered, so pass 1 need not run the engine's rules on every row.
    if !rejected.is_empty() && !args.skip_bad {
        for r in &rejected {
            eprintln!("{file}: line {}: {}", r.line, r.reason);
        }
        return Err(Failure::new(format!(
            "{file}: {} bad row(s); nothing was imported. Fix them, or pass --skip-bad to import the good rows",
            rejected.len()
        )));
    }

    // Pass 2: the good rows, in batches. The file is read and checked on a thread of its own
    // while the engine writes the batch before: two cores, two halves of the work.
    let mut desk = ctx.open_desk_for_bulk_load(IMPORT_CACHE_MB)?;
    let mut writer = BatchWriter::new(&mut desk, format!("import:{}", ctx.actor));
    let mut progress = Progress::new("importing", Some(good));
    let (batches, from_reader) = std::sync::mpsc::sync_channel::<Vec<ImportRow>>(2);
    let joined = std::thread::scope(|scope| {
        let reader = scope.spawn(|| {
            let mut rejected_again = 0usize;
            let mut batch = Vec::with_capacity(BATCH_ROWS);
            let read = import::read_file(&args.file, &args.channel, now, &options, |row| match row {
                Ok(row) => {
                    batch.push(row);
                    if batch.len() == BATCH_ROWS {
                        // The writer stopped (the store failed): the rest is not read for nothing.
                        let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH_ROWS));
                        let _ = batches.send(full);
                    }
                }
                Err(_) => rejected_again += 1,
            });
            let _ = batches.send(batch);
            drop(batches);
            (read, rejected_again)
        });
        for batch in from_reader {
            for row in batch {
                writer.push(row);
            }
            writer.write_batch();
            progress.set(writer.seen);
        }
        reader.join()
    });
    progress.finish();
    let (second, rejected_again) = joined.map_err(|_| {
        Failure::new(format!("{file}: reading the file failed part way; import it again to finish"))
    })?;
    second?;
    let BatchWriter { registered, duplicates, refused, failure, .. } = writer;
    if let Some(failure) = failure {
        return Err(failure);
    }
    if rejected_again != rejected.len() {
        eprintln!(
            "{file}: the file changed while it was imported ({} bad row(s) when checked, {rejected_again} when \
             written); import it again to be sure every row is in",
            rejected.len()
        );
    }
    // A bulk load: have sled write its snapshot now rather than at the next start.
    desk.finish(registered >= CHECKPOINT_AFTER)?;
    let refused_by_engine = refused.len();
    rejected.extend(refused);
    rejected.sort_by_key(|r| r.line);
    let report = ImportReport {
        file: file.clone(),
        format: format!("{:?}", info.format),
        encoding: info.encoding,
        rows: good + rejected.len() - refused_by_engine,
        registered,
        already_registered: duplicates,
        rejected: rejected.iter().map(|r| Rejected { line: r.line, reason: r.reason.clone() }).collect(),
        ignored_columns: info.ignored_columns.clone(),
    };
    print_report(&report, &info, args.format);
    if refused_by_engine > 0 && !args.skip_bad {
        return Err(Failure::new(format!(
            "{file}: {refused_by_engine} row(s) refused when written; the others are saved. Fix them and \
             import the file again: it adds only what is missing"
        )));
    }
    // Some rows were left out: a partial import (INTERFACES.md, exit status 3).
    Ok(if rejected.is_empty() { OK } else { PARTIAL })
}

fn print_report(report: &ImportReport, info: &FileInfo, format: Format) {
    let file = &report.file;
    if format == Format::Json {
        output::print_json(report);
        return;
    }
    for r in &report.rejected {
        eprintln!("{file}: line {}: {} (skipped)", r.line, r.reason);
    }
    if !info.ignored_columns.is_empty() {
        eprintln!("{file}: ignored columns: {}", info.ignored_columns.join(", "));
    }
    println!(
        "{file} ({}, {}): {} row(s): {} registered, {} already registered, {} skipped",
        report.format,
        report.encoding,
        report.rows,
        report.registered,
        report.already_registered,
        report.rejected.len()
    );
}

/// The mapping of `--profile` (from imports.toml in the config directory), then `--map`.
fn read_options(ctx: &Context, args: &ImportArgs) -> Result<ReadOptions, Failure> {
    let mut options = match &args.profile {
        None => ReadOptions::default(),
        Some(name) => {
            let Some(dir) = &ctx.config_dir else {
                return Err(Failure::usage(format!(
                    "--profile {name}: no config directory; pass --config DIR with an {IMPORTS_FILE} in it"
                )));
            };
            let path = dir.join(IMPORTS_FILE);
            let text = std::fs::read_to_string(&path).map_err(|e| {
                Failure::usage(format!("--profile {name}: cannot read {}: {e}", path.display()))
            })?;
            load_profile(&text, name, &ctx.config.org)
                .map_err(|e| Failure::new(format!("{}:{e}", path.display())))?
        }
    };
    for pair in &args.map {
        let Some((header, field)) = pair.split_once('=') else {
            return Err(Failure::usage(format!(
                "--map {pair:?}: write HEADER=FIELD, e.g. --map 来电人=complainant_name"
            )));
        };
        options.map_column(header, field).map_err(|e| {
            let names: Vec<&str> = import::COLUMNS.iter().map(|c| c.0).collect();
            Failure::usage(format!("--map {pair:?}: {e}; the fields: {}, or - for none", names.join(", ")))
        })?;
    }
    Ok(options)
}

/// Hands rows to the engine a batch at a time and counts what became of them.
struct BatchWriter<'a> {
    desk: &'a mut Desk,
    actor: String,
    batch: Vec<ImportRow>,
    seen: usize,
    registered: usize,
    duplicates: usize,
    /// Rows the engine refused (not expected after the check; kept and reported).
    refused: Vec<RowError>,
    /// The store failed: nothing more is written.
    failure: Option<Failure>,
}

impl<'a> BatchWriter<'a> {
    fn new(desk: &'a mut Desk, actor: String) -> Self {
        BatchWriter {
            desk,
            actor,
            batch: Vec::with_capacity(BATCH_ROWS),
            seen: 0,
            registered: 0,
            duplicates: 0,
            refused: Vec::new(),
            failure: None,
        }
    }

    fn push(&mut self, row: ImportRow) {
        self.seen += 1;
        if self.failure.is_some() {
            return;
        }
        self.batch.push(row);
        if self.batch.len() == BATCH_ROWS {
            self.write_batch();
        }
    }

    fn write_batch(&mut self) {
        if self.batch.is_empty() || self.failure.is_some() {
            return;
        }
        let rows = std::mem::take(&mut self.batch);
        let lines: Vec<usize> = rows.iter().map(|r| r.line).collect();
        let envelopes = rows
            .into_iter()
            .map(|row| Envelope {
                actor: self.actor.clone(),
                command: Command::Register(Box::new(row.ticket)),
            })
            .collect();
        let results = match self.desk.execute_bulk(envelopes, IMPORT_GROUP) {
            Ok(results) => results,
            Err(e) => return self.fail(e),
        };
        for (line, result) in lines.into_iter().zip(results) {
            match result {
                Ok(Outcome::Applied(_)) => self.registered += 1,
                Ok(Outcome::Duplicate(_)) => self.duplicates += 1,
                Ok(Outcome::Ingested(_) | Outcome::Updated(_)) => {}
                Err(e @ (EngineError::Store(_) | EngineError::NotSaved(_) | EngineError::Server(_))) => {
                    return self.fail(e);
                }
                Err(e) => self.refused.push(RowError { line, reason: e.to_string() }),
            }
        }
        self.batch = Vec::with_capacity(BATCH_ROWS);
    }

    fn fail(&mut self, e: EngineError) {
        self.failure = Some(Failure::new(format!(
            "{e}. {} row(s) were saved before; importing the file again adds only what is missing",
            self.registered
        )));
    }
}
