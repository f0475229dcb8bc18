//! `import --dry-run`: how the file's columns map and what its first rows become, with every
//! row checked, writing nothing. Names, phones and addresses are masked, as on every screen.

use super::args::{Format, ImportArgs};
use super::import_cmd::Rejected;
use super::{Failure, OK, output};
use crate::domain::mask;
use crate::domain::ticket::NewTicket;
use crate::import::{self, ImportRow, ReadOptions, RowError};
use crate::time::Timestamp;
use serde::Serialize;

/// Rows shown in full.
const FIRST_ROWS: usize = 5;
/// Rejected rows listed (all are counted).
const REJECTED_SHOWN: usize = 50;

#[derive(Serialize)]
struct DryRun {
    file: String,
    format: String,
    encoding: &'static str,
    columns: Vec<Column>,
    ignored_columns: Vec<String>,
    date_format: Option<String>,
    default_town: Option<String>,
    kinds: Vec<(String, &'static str)>,
    rows: usize,
    good: usize,
    rejected_count: usize,
    rejected: Vec<Rejected>,
    first_rows: Vec<ShownRow>,
}

#[derive(Serialize)]
struct Column {
    header: String,
    field: Option<&'static str>,
}

#[derive(Serialize)]
struct ShownRow {
    line: usize,
    fields: Vec<(&'static str, String)>,
}

pub fn dry_run(args: &ImportArgs, options: &ReadOptions, now: Timestamp) -> Result<i32, Failure> {
    let file = args.file.display().to_string();
    let (mut good, mut rejected_count) = (0usize, 0usize);
    let mut first_rows = Vec::new();
    let mut rejected: Vec<RowError> = Vec::new();
    let info = import::read_file(&args.file, &args.channel, now, options, |row| match row {
        Ok(ImportRow { line, ticket }) => {
            good += 1;
            if first_rows.len() < FIRST_ROWS {
                first_rows.push(ShownRow { line, fields: shown_fields(&ticket) });
            }
        }
        Err(e) => {
            rejected_count += 1;
            if rejected.len() < REJECTED_SHOWN {
                rejected.push(e);
            }
        }
    })?;
    let rules = &options.rules;
    let report = DryRun {
        file: file.clone(),
        format: format!("{:?}", info.format),
        encoding: info.encoding,
        columns: info
            .columns
            .iter()
            .map(|(header, field)| Column { header: header.clone(), field: *field })
            .collect(),
        ignored_columns: info.ignored_columns.clone(),
        date_format: rules.date_format.clone(),
        default_town: rules.default_town.clone(),
        kinds: rules.kinds.iter().map(|(word, kind)| (word.clone(), kind.code())).collect(),
        rows: good + rejected_count,
        good,
        rejected_count,
        rejected: rejected.into_iter().map(|r| Rejected { line: r.line, reason: r.reason }).collect(),
        first_rows,
    };
    if args.format == Format::Json {
        output::print_json(&report);
        return Ok(OK);
    }
    println!("{file} ({}, {}): columns", report.format, report.encoding);
    let width = report.columns.iter().map(|c| unicode_width::UnicodeWidthStr::width(c.header.as_str())).max();
    for c in &report.columns {
        let field = c.field.unwrap_or("(not imported)");
        println!("  {} → {field}", output::pad(&c.header, width.unwrap_or(0)));
    }
    if let Some(format) = &report.date_format {
        println!("  dates written as {format}");
    }
    for (word, kind) in &report.kinds {
        println!("  kind {word} = {kind}");
    }
    if let Some(town) = &report.default_town {
        println!("  town when none is given: {town}");
    }
    for row in &report.first_rows {
        println!("line {}:", row.line);
        for (field, value) in &row.fields {
            println!("  {field}: {value}");
        }
    }
    for r in &report.rejected {
        println!("line {}: {} (would be rejected)", r.line, r.reason);
    }
    if report.rejected_count > report.rejected.len() {
        println!("… and {} more rejected row(s)", report.rejected_count - report.rejected.len());
    }
    if !report.ignored_columns.is_empty() {
        println!("ignored columns: {}", report.ignored_columns.join(", "));
    }
    println!(
        "{} row(s): {} good, {} rejected. Dry run: nothing was written",
        report.rows, report.good, report.rejected_count
    );
    Ok(OK)
}

/// The fields a row gives, personal data masked.
fn shown_fields(t: &NewTicket) -> Vec<(&'static str, String)> {
    let masked = |v: &Option<String>, f: fn(&str) -> String| v.as_deref().map(f);
    let plain = |v: &Option<String>| v.clone();
    let i = &t.intake;
    let c = &t.complainant;
    let r = &t.respondent;
    let d = &t.dispute;
    let fields: Vec<(&'static str, Option<String>)> = vec![
        ("channel_ticket_id", Some(i.channel_ticket_id.clone())),
        ("kind", t.kind.map(|k| k.code().to_string())),
        ("received_at", i.received_at.map(|t| t.rfc3339())),
        ("order_no", plain(&i.order_no)),
        ("caller_number", masked(&i.caller_number, mask::phone)),
        ("town", plain(&i.town)),
        ("business_district", plain(&i.business_district)),
        ("complainant_name", masked(&c.name, mask::name)),
        ("complainant_phone", masked(&c.phone, mask::phone)),
        ("complainant_address", masked(&c.address, mask::address)),
        ("respondent_name", plain(&r.name)),
        ("credit_code", plain(&r.credit_code)),
        ("respondent_address", plain(&r.address)),
        ("title", Some(d.title.clone())),
        ("request", plain(&d.request)),
        ("facts", plain(&d.facts)),
        ("amount", d.amount.map(|a| a.to_string())),
        ("category", plain(&d.category)),
        ("dispute_type", plain(&d.dispute_type)),
    ];
    fields.into_iter().filter_map(|(k, v)| v.filter(|v| !v.is_empty()).map(|v| (k, v))).collect()
}
