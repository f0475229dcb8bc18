//! Import: turns a CSV, JSON-lines or XLSX file into [`NewTicket`]s, or says clearly why not.
//!
//! Pure parsing: the store is not touched, so the CLI can refuse a whole file (or keep only the
//! good rows with `--skip-bad`) before anything is written. Row-level problems become
//! [`RowError`]s naming the physical line of the file; file-level problems are [`ImportError`]s.

pub(crate) mod columns;
mod delimited;
pub mod intake;
pub(crate) mod jsonl;
pub mod profile;
pub(crate) mod row;
mod source;
mod xlsx;

pub use columns::{COLUMNS, columns_help};
pub use intake::{IntakeFields, IntakeRefused, UnknownField, validate_intake};
pub use row::RowRules;

use crate::domain::ticket::NewTicket;
use crate::time::Timestamp;
use columns::Field;
use source::Source;
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

    #[error(
        "{}: no column is headed \"{header}\", which --map or the profile maps; the columns are: {}",
        path.display(),
        found.join(", ")
    )]
    MappedColumnMissing { path: PathBuf, header: String, found: Vec<String> },

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

/// How to read a file beyond its own header: columns mapped by hand (`--map`, a profile's
/// `columns`) and a profile's rules for dates, kinds and the default town.
#[derive(Clone, Debug, Default)]
pub struct ReadOptions {
    /// A column's header → the field it holds; `None`: deliberately not imported.
    map: Vec<(String, Option<Field>)>,
    pub rules: RowRules,
}

/// The field name that maps a column to nothing.
pub const NOT_IMPORTED: &str = "-";

impl ReadOptions {
    /// Maps the column headed `header` to `field`, a snake_case field name (or a Chinese alias),
    /// or [`NOT_IMPORTED`]. A later mapping of the same header replaces an earlier one.
    pub fn map_column(&mut self, header: &str, field: &str) -> Result<(), UnknownField> {
        let target = match field.trim() {
            NOT_IMPORTED => None,
            name => Some(Field::from_header(name).ok_or_else(|| UnknownField(name.to_owned()))?),
        };
        let header = header.trim().to_owned();
        self.map.retain(|(h, _)| *h != header);
        self.map.push((header, target));
        Ok(())
    }

    /// The field a header feeds: the mapping when there is one, else the known names.
    pub(crate) fn field_of(&self, header: &str) -> Option<Field> {
        let header = header.trim().trim_start_matches('\u{feff}').trim();
        match self.map.iter().find(|(h, _)| h == header) {
            Some((_, field)) => *field,
            None => Field::from_header(header),
        }
    }

    pub(crate) fn mapped_headers(&self) -> impl Iterator<Item = &str> {
        self.map.iter().map(|(h, _)| h.as_str())
    }
}

/// What a file is, as read: format, encoding and what each column feeds.
#[derive(Clone, Debug, PartialEq)]
pub struct FileInfo {
    pub format: Format,
    pub encoding: &'static str,
    /// Each column's header and the field it feeds (`None`: not imported), in file order.
    pub columns: Vec<(String, Option<&'static str>)>,
    /// Headers (or JSON keys) that feed no field, reported, never used.
    pub ignored_columns: Vec<String>,
}

/// Reads `path` row by row, handing each row (or the reason it cannot be a ticket) to `on_row`
/// in file order, without holding the file: CSV and JSON lines are streamed (an XLSX workbook
/// is a zip and is read whole). The format comes from the extension or, failing that, the
/// content; `channel` goes into every ticket; `now` bounds `received_at`.
pub fn read_file(
    path: &Path,
    channel: &str,
    now: Timestamp,
    options: &ReadOptions,
    on_row: impl FnMut(Result<ImportRow, RowError>),
) -> Result<FileInfo, ImportError> {
    let source = Source::File(path);
    let head = source.head(4096).map_err(|e| ImportError::Io { path: path.to_path_buf(), source: e })?;
    let format = detect_format(path, &head);
    read_source(source, format, channel, now, options, path, on_row)
}

/// Reads `path` whole into [`Parsed`] (tests and small files).
pub fn parse_file(path: &Path, channel: &str, now: Timestamp) -> Result<Parsed, ImportError> {
    let (mut rows, mut rejected) = (Vec::new(), Vec::new());
    let info = read_file(path, channel, now, &ReadOptions::default(), |row| match row {
        Ok(row) => rows.push(row),
        Err(e) => rejected.push(e),
    })?;
    Ok(parsed(info, rows, rejected))
}

/// Parses bytes already read; `name_for_errors` names the file in [`ImportError`]s.
pub fn parse_bytes(
    bytes: &[u8],
    format: Format,
    channel: &str,
    now: Timestamp,
    name_for_errors: &str,
) -> Result<Parsed, ImportError> {
    let (mut rows, mut rejected) = (Vec::new(), Vec::new());
    let path = PathBuf::from(name_for_errors);
    let options = ReadOptions::default();
    let info = read_source(Source::Bytes(bytes), format, channel, now, &options, &path, |row| match row {
        Ok(row) => rows.push(row),
        Err(e) => rejected.push(e),
    })?;
    Ok(parsed(info, rows, rejected))
}

fn parsed(info: FileInfo, rows: Vec<ImportRow>, rejected: Vec<RowError>) -> Parsed {
    Parsed {
        format: info.format,
        encoding: info.encoding,
        rows,
        rejected,
        ignored_columns: info.ignored_columns,
    }
}

fn read_source(
    source: Source,
    format: Format,
    channel: &str,
    now: Timestamp,
    options: &ReadOptions,
    path: &Path,
    mut on_row: impl FnMut(Result<ImportRow, RowError>),
) -> Result<FileInfo, ImportError> {
    let io = |e: std::io::Error| ImportError::Io { path: path.to_path_buf(), source: e };
    let mut any_row = false;
    let mut rows = row::Builder::streaming(channel, now, options.rules.clone(), |row| {
        any_row = true;
        on_row(row)
    });
    let (encoding, read) = match format {
        Format::Csv | Format::JsonLines => {
            let (encoding, blank) = source::detect_encoding(source, path)?;
            if blank {
                return Err(ImportError::Empty { path: path.to_path_buf() });
            }
            let text = source.text(encoding).map_err(io)?;
            let read = if format == Format::Csv {
                delimited::read(text, source, encoding, path, options, &mut rows)?
            } else {
                jsonl::read(text, path, options, &mut rows)?
            };
            (encoding, read)
        }
        Format::Xlsx => {
            let bytes = source.all().map_err(io)?;
            if bytes.iter().all(u8::is_ascii_whitespace) {
                return Err(ImportError::Empty { path: path.to_path_buf() });
            }
            (ENCODING_UTF8, xlsx::read(&bytes, path, options, &mut rows)?)
        }
    };
    drop(rows);
    if !any_row {
        return Err(ImportError::Empty { path: path.to_path_buf() });
    }
    Ok(FileInfo { format, encoding, columns: read.columns, ignored_columns: read.ignored })
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
