//! Import: turns a CSV, JSON-lines or XLSX file into [`NewTicket`]s, or says clearly why not.
//!
//! Pure parsing: the store is not touched, so the CLI can refuse a whole file (or keep only the
//! good rows with `--skip-bad`) before anything is written. Row-level problems become
//! [`RowError`]s naming the physical line of the file; file-level problems are [`ImportError`]s.

pub(crate) mod columns;
mod delimited;
pub mod intake;
pub(crate) mod jsonl;
pub(crate) mod row;
mod xlsx;

pub use columns::COLUMNS;
pub use intake::{IntakeFields, IntakeRefused, UnknownField, validate_intake};
pub use row::RowRules;

use crate::domain::ticket::NewTicket;
use crate::time::Timestamp;
use std::fmt;
use std::path::{Path, PathBuf};

/// One ticket read from the file, with the line it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportRow {
    pub line: usize,
    pub ticket: NewTicket,
}

/// A row that cannot become a ticket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    /// The physical line of the file (the header is line 1); for XLSX the sheet row.
    pub line: usize,
    pub reason: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

impl std::error::Error for RowError {}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    JsonLines,
    Xlsx,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Csv => "CSV",
            Format::JsonLines => "JSON lines",
            Format::Xlsx => "XLSX",
        })
    }
}

/// The outcome of reading a whole file.
#[derive(Clone, Debug, PartialEq)]
pub struct Parsed {
    pub format: Format,
    /// `UTF-8`, `UTF-8 with BOM` or `GB18030` (which covers GBK); XLSX is always `UTF-8`.
    pub encoding: &'static str,
    /// Good rows, in file order.
    pub rows: Vec<ImportRow>,
    /// Rows that cannot become tickets, in file order.
    pub rejected: Vec<RowError>,
    /// Headers (or JSON keys) that are not a known field, for the CLI to warn about.
    pub ignored_columns: Vec<String>,
}

pub const ENCODING_UTF8: &str = "UTF-8";
pub const ENCODING_UTF8_BOM: &str = "UTF-8 with BOM";
pub const ENCODING_GB18030: &str = "GB18030";

/// A problem with the file as a whole: nothing in it is imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {}: {source}; check the path and its permissions", path.display())]
    Io { path: PathBuf, source: std::io::Error },

    #[error(
        "{} has no tickets (it is empty, blank or holds only a header); check that you exported the right file",
        path.display()
    )]
    Empty { path: PathBuf },

    #[error(
        "{} is neither UTF-8 nor GB18030/GBK text ({detail}); save it again as CSV (UTF-8) — in Excel \
         \"CSV UTF-8 (逗号分隔)\" — and import that",
        path.display()
    )]
    Encoding { path: PathBuf, detail: String },

    #[error("{}: the first row is empty; the first row must be the header with the column names", path.display())]
    NoHeader { path: PathBuf },

    #[error(
        "{}: no column of the first row is a known field (found: {}); the first row must be the header — \
         `rightsdesk import --help` lists the column names",
        path.display(),
        found.join(", ")
    )]
    UnknownColumns { path: PathBuf, found: Vec<String> },

    #[error(
        "{} has no {column} column (accepted headers: {}); add it, or rename the column that holds it",
        path.display(),
        accepted.join(", ")
    )]
    MissingColumn { path: PathBuf, column: &'static str, accepted: Vec<&'static str> },

    #[error(
        "{}: columns \"{first}\" and \"{second}\" both hold {field}; rename or delete one of them",
        path.display()
    )]
    DuplicateColumn { path: PathBuf, field: &'static str, first: String, second: String },

    #[error("{} cannot be read as CSV ({detail}); save it again as CSV (UTF-8) and retry", path.display())]
    Csv { path: PathBuf, detail: String },

    #[error(
        "{} is a JSON array, not JSON lines; write one object per line (e.g. `jq -c '.[]' FILE > FILE.jsonl`)",
        path.display()
    )]
    JsonArray { path: PathBuf },

    #[error(
        "{} cannot be read as an XLSX workbook ({detail}); it may be truncated or not a workbook — \
         download or save it again as .xlsx, or as CSV (UTF-8)",
        path.display()
    )]
    Xlsx { path: PathBuf, detail: String },
}

/// Reads `path`, taking the format from its extension or, failing that, from its content.
///
/// `channel` goes into every ticket; `now` bounds `received_at` (at most one day ahead).
pub fn parse_file(path: &Path, channel: &str, now: Timestamp) -> Result<Parsed, ImportError> {
    let bytes = std::fs::read(path).map_err(|source| ImportError::Io { path: path.to_path_buf(), source })?;
    let format = detect_format(path, &bytes);
    parse_bytes(&bytes, format, channel, now, &path.display().to_string())
}

/// Parses bytes already read; `name_for_errors` names the file in [`ImportError`]s.
pub fn parse_bytes(
    bytes: &[u8],
    format: Format,
    channel: &str,
    now: Timestamp,
    name_for_errors: &str,
) -> Result<Parsed, ImportError> {
    let path = PathBuf::from(name_for_errors);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ImportError::Empty { path });
    }
    let mut rows = row::Builder::new(channel, now);
    let (encoding, ignored_columns) = match format {
        Format::Csv | Format::JsonLines => {
            let (text, encoding) = decode(bytes, &path)?;
            if text.trim().is_empty() {
                return Err(ImportError::Empty { path });
            }
            let ignored = if format == Format::Csv {
                delimited::read(&text, &path, &mut rows)?
            } else {
                jsonl::read(&text, &path, &mut rows)?
            };
            (encoding, ignored)
        }
        Format::Xlsx => (ENCODING_UTF8, xlsx::read(bytes, &path, &mut rows)?),
    };
    let (rows, rejected) = rows.finish();
    if rows.is_empty() && rejected.is_empty() {
        return Err(ImportError::Empty { path });
    }
    Ok(Parsed { format, encoding, rows, rejected, ignored_columns })
}

/// The format a file is in: a zip is always a workbook (no CSV or JSON starts with `PK\x03\x04`),
/// otherwise the extension decides, and an unknown extension falls back to the first character.
pub fn detect_format(path: &Path, bytes: &[u8]) -> Format {
    if bytes.starts_with(b"PK\x03\x04") {
        return Format::Xlsx;
    }
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("csv" | "tsv") => Format::Csv,
        Some("jsonl" | "ndjson" | "json") => Format::JsonLines,
        Some("xlsx" | "xlsm" | "xls") => Format::Xlsx,
        _ => sniff(bytes),
    }
}

fn sniff(bytes: &[u8]) -> Format {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => Format::JsonLines,
        _ => Format::Csv,
    }
}

/// UTF-8 (with or without BOM), else GB18030 when it decodes cleanly; anything else is refused
/// rather than imported as mojibake.
fn decode(bytes: &[u8], path: &Path) -> Result<(String, &'static str), ImportError> {
    let refuse = |detail: String| ImportError::Encoding { path: path.to_path_buf(), detail };
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(refuse("it starts with a UTF-16 byte-order mark".into()));
    }
    // GB18030 maps NUL to NUL, so UTF-16 without a BOM and binary files would "decode": a text
    // export never holds NUL bytes.
    if bytes.contains(&0) {
        return Err(refuse("it contains NUL bytes, as UTF-16 text or a binary file does".into()));
    }
    if let Some(body) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return match std::str::from_utf8(body) {
            Ok(text) => Ok((text.to_owned(), ENCODING_UTF8_BOM)),
            Err(e) => Err(refuse(format!(
                "it has a UTF-8 byte-order mark but invalid UTF-8 at byte {}",
                e.valid_up_to() + 3
            ))),
        };
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok((text.to_owned(), ENCODING_UTF8));
    }
    match encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(bytes) {
        Some(text) => Ok((text.into_owned(), ENCODING_GB18030)),
        None => Err(refuse("it is not valid UTF-8 and has byte sequences GB18030 does not define".into())),
    }
}
