//! JSON lines: one object per line, keys named like CSV headers.

use super::columns::{FIELD_COUNT, Field, ReadColumns, missing_column};
use super::row::{Builder, RawRow};
use super::{ImportError, ReadOptions};
use serde_json::Value;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// Reads every non-blank line, streamed; returns the keys and the fields they feed.
pub(super) fn read(
    text: Box<dyn Read + '_>,
    path: &Path,
    options: &ReadOptions,
    out: &mut Builder,
) -> Result<ReadColumns, ImportError> {
    let io = |e: std::io::Error| ImportError::Io { path: path.to_path_buf(), source: e };
    let mut reader = BufReader::with_capacity(1 << 20, text);
    let mut ignored: Vec<String> = Vec::new();
    let mut columns: Vec<(String, Option<&'static str>)> = Vec::new();
    let mut objects = 0usize;
    let mut key_seen = [false; FIELD_COUNT];
    let mut buf = Vec::new();
    let mut line_no = 0;
    let mut first = true;
    loop {
        buf.clear();
        if reader.read_until(b'\n', &mut buf).map_err(io)? == 0 {
            break;
        }
        line_no += 1;
        let line = String::from_utf8_lossy(&buf);
        let line = line.strip_suffix('\n').unwrap_or(&line);
        if line.trim().is_empty() {
            continue;
        }
        if std::mem::take(&mut first) && line.trim_start().starts_with('[') {
            return Err(ImportError::JsonArray { path: path.to_path_buf() });
        }
        let map = match serde_json::from_str::<Value>(line) {
            Ok(Value::Object(map)) => map,
            Ok(other) => {
                out.reject(line_no, format!("{} is not a JSON object", describe(&other)));
                continue;
            }
            Err(e) => {
                out.reject(line_no, format!("not valid JSON: {} (column {})", json_message(&e), e.column()));
                continue;
            }
        };
        objects += 1;
        let mut raw = RawRow::new(line_no);
        let mut key_of: [Option<&str>; FIELD_COUNT] = [None; FIELD_COUNT];
        for (key, value) in &map {
            if !columns.iter().any(|(k, _)| k == key) {
                columns.push((key.clone(), options.field_of(key).map(Field::name)));
            }
            let Some(field) = options.field_of(key) else {
                if !ignored.contains(key) {
                    ignored.push(key.clone());
                }
                continue;
            };
            key_seen[field as usize] = true;
            if let Some(other) = key_of[field as usize] {
                raw.problem(format!("both \"{other}\" and \"{key}\" hold {}", field.name()));
                continue;
            }
            key_of[field as usize] = Some(key);
            set_from_json(&mut raw, field, value);
        }
        out.push(raw);
    }
    // A key no object has is a file-level mistake (a renamed export column), not 1 000 row errors.
    if objects > 0 {
        for required in [Field::ChannelTicketId, Field::ReceivedAt] {
            if !key_seen[required as usize] {
                return Err(missing_column(required, path));
            }
        }
    }
    if let Some(missing) = options.mapped_headers().find(|h| !columns.iter().any(|(k, _)| k == h)) {
        return Err(ImportError::MappedColumnMissing {
            path: path.to_path_buf(),
            header: missing.to_owned(),
            found: columns.into_iter().map(|(k, _)| k).collect(),
        });
    }
    Ok(ReadColumns { columns, ignored })
}

/// Sets a field from a JSON value: text and numbers as their text, a boolean for a flag, a
/// list of strings for attachments; anything else is a problem of the row. Channel payloads
/// (the sync adapters) go through here too.
pub(crate) fn set_from_json(raw: &mut RawRow, field: Field, value: &Value) {
    match value {
        Value::Null => {}
        Value::String(s) => raw.set(field, s),
        Value::Number(n) => raw.set(field, &n.to_string()),
        Value::Bool(b) if field.is_bool() => raw.set(field, if *b { "true" } else { "false" }),
        Value::Array(items) if field == Field::Attachments && items.iter().all(Value::is_string) => {
            let uris: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
            raw.set(field, &uris.join(";"));
        }
        other => raw.problem(format!("{} is {}, expected text", field.name(), describe(other))),
    }
}

fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// serde_json's message without its "at line 1 column N": the line is the file's, given apart.
fn json_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}
