//! CSV (and tab-separated) text, already decoded.

use super::columns::{Header, ReadColumns, is_banner};
use super::row::{Builder, RawRow};
use super::source::{Source, tail_from_line};
use super::{ImportError, ReadOptions};
use std::io::Read;
use std::path::Path;

/// The longest last record checked for an open quote: one longer holds a field beyond any
/// field's limit and is rejected for that anyway.
const TAIL_LIMIT: usize = 8 << 20;

/// Reads the header and every record of `text`, streamed; `source` is read again for the
/// delimiter and, at the end, for the last record.
pub(super) fn read(
    text: Box<dyn Read + '_>,
    source: Source,
    encoding: &'static str,
    path: &Path,
    options: &ReadOptions,
    out: &mut Builder,
) -> Result<ReadColumns, ImportError> {
    let io = |e: std::io::Error| ImportError::Io { path: path.to_path_buf(), source: e };
    let mut head = Vec::new();
    source.text(encoding).map_err(io)?.take(64 * 1024).read_to_end(&mut head).map_err(io)?;
    let delimiter = delimiter(&String::from_utf8_lossy(&head));
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .buffer_capacity(1 << 20)
        .from_reader(text);
    let mut records = reader.records().peekable();
    let header = loop {
        let record = match records.next() {
            None => return Err(ImportError::Empty { path: path.to_path_buf() }),
            Some(Err(e)) => return Err(ImportError::Csv { path: path.to_path_buf(), detail: e.to_string() }),
            Some(Ok(record)) => record,
        };
        if !(is_banner(record.iter()) && records.peek().is_some()) {
            break record;
        }
    };
    let names: Vec<String> = header.iter().map(str::to_owned).collect();
    let header = Header::read(&names, path, options)?;
    let width = header.fields.len();
    let mut last_line = 1;
    while let Some(result) = records.next() {
        let record = match result {
            Ok(record) => record,
            Err(e) => {
                // With `flexible` and text input the reader has no error left to give, but a
                // bad record must still name its line rather than end the file.
                let line = e.position().map_or(last_line + 1, |p| p.line() as usize);
                out.reject(line, format!("not a readable CSV record ({e})"));
                continue;
            }
        };
        let line = record.position().map_or(last_line + 1, |p| p.line() as usize);
        last_line = line;
        // Spreadsheets save rows they once formatted as `,,,,`: nothing there to import.
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        // The reader runs an unclosed quote to the end of the file without complaint, taking
        // every later row into one field; only the last record can be such a field.
        if records.peek().is_none() {
            let tail = tail_from_line(source, encoding, line, TAIL_LIMIT).map_err(io)?;
            if tail.is_some_and(|tail| ends_inside_quotes(&tail, delimiter)) {
                out.reject(
                    line,
                    "a quote opened in this record is never closed, so it runs to the end of the file".into(),
                );
                continue;
            }
        }
        if record.len() != width {
            let mut reason = format!("{} fields, the header has {width}", record.len());
            let breaks: usize = record.iter().map(|f| f.matches('\n').count()).sum();
            if breaks > 0 {
                reason.push_str(&format!(
                    " (the record runs to line {}: is a quote left open?)",
                    line + breaks
                ));
            }
            out.reject(line, reason);
            continue;
        }
        let mut raw = RawRow::new(line);
        for (field, value) in header.fields.iter().zip(record.iter()) {
            if let Some(field) = field {
                raw.set(*field, value);
            }
        }
        out.push(raw);
    }
    Ok(header.into_read())
}

/// Whether `raw` (a record and all that follows it) ends inside a quoted field, read by the
/// csv crate's rules: a quote opens a field only at its start, `""` inside is a literal quote.
fn ends_inside_quotes(raw: &str, delimiter: u8) -> bool {
    let bytes = raw.as_bytes();
    let mut in_quotes = false;
    let mut at_field_start = true;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if in_quotes {
            if b == b'"' {
                if bytes.get(i + 1) == Some(&b'"') {
                    i += 1;
                } else {
                    in_quotes = false;
                }
            }
        } else if b == b'"' && at_field_start {
            in_quotes = true;
        }
        at_field_start = !in_quotes && (b == delimiter || b == b'\n' || b == b'\r');
        i += 1;
    }
    in_quotes
}

/// Tab when the header line has more tabs than commas (a `.tsv`, or Excel's "Unicode text"
/// re-encoded), else comma.
fn delimiter(text: &str) -> u8 {
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    if first.matches('\t').count() > first.matches(',').count() { b'\t' } else { b',' }
}

#[cfg(test)]
mod tests {
    use super::ends_inside_quotes;

    #[test]
    fn an_open_quote_is_told_from_quotes_inside_text() {
        assert!(ends_inside_quotes("A,\"open\nB,c\n", b','));
        assert!(!ends_inside_quotes("A,\"closed \"\"x\"\" \"\n", b','));
        assert!(!ends_inside_quotes("A,5\"屏幕,c\n", b','));
        assert!(ends_inside_quotes("A\t\"x", b'\t'));
    }
}
