//! From a channel's page (its native JSON) to tickets, malformed items and the next cursor.
//! Pure: the same page always maps the same way, so it is tested without a network.

use super::profile::{Paging, SyncProfile, TimeFormat};
use crate::domain::ticket::NewTicket;
use crate::engine::Malformed;
use crate::import::columns::Field;
use crate::import::jsonl::set_from_json;
use crate::import::row::{Builder, RawRow};
use crate::time::Timestamp;
use serde_json::Value;
use std::collections::HashSet;

/// What one page gave.
#[derive(Debug, Default)]
pub struct MappedPage {
    pub tickets: Vec<NewTicket>,
    pub malformed: Vec<Malformed>,
    /// Items of the page repeated within it (some channels do): counted, not quarantined.
    pub repeated: usize,
    /// Items on the page, good or bad.
    pub items: usize,
}

/// The whole response could not be read: the page is retried, nothing is recorded.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("the response is not JSON: {0}")]
    NotJson(String),
    #[error("no item list at {0:?} in the response")]
    NoItems(String),
}

/// The value at a dotted path (`data.rows`, `consumer.mobile`); the whole value for "".
pub fn at_path<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    if path.is_empty() {
        return Some(value);
    }
    path.split('.').try_fold(value, |v, key| v.get(key))
}

/// Parses a response body. A lone UTF-16 surrogate escape or invalid UTF-8 in one item must not
/// make the whole page unreadable, so they become U+FFFD and the item carrying one is
/// quarantined.
pub fn parse_body(body: &[u8]) -> Result<Value, PageError> {
    let text = String::from_utf8_lossy(body);
    let cleaned = replace_lone_surrogates(&text);
    serde_json::from_str(&cleaned).map_err(|e| PageError::NotJson(e.to_string()))
}

fn replace_lone_surrogates(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let escape_at = |i: usize| -> Option<u16> {
        if bytes.get(i) == Some(&b'\\') && bytes.get(i + 1) == Some(&b'u') {
            std::str::from_utf8(bytes.get(i + 2..i + 6)?).ok().and_then(|h| u16::from_str_radix(h, 16).ok())
        } else {
            None
        }
    };
    while i < bytes.len() {
        // A backslash escaping a backslash is not the start of an escape.
        if bytes[i] == b'\\' && bytes.get(i + 1) == Some(&b'\\') {
            out.push_str("\\\\");
            i += 2;
            continue;
        }
        if let Some(unit) = escape_at(i) {
            let high = (0xD800..0xDC00).contains(&unit);
            let low = (0xDC00..0xE000).contains(&unit);
            if high && escape_at(i + 6).is_some_and(|next| (0xDC00..0xE000).contains(&next)) {
                out.push_str(&text[i..i + 12]);
                i += 12;
                continue;
            }
            if high || low {
                out.push_str("\\ufffd");
                i += 6;
                continue;
            }
        }
        let ch = text[i..].chars().next().unwrap_or('\u{fffd}');
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

/// Maps the items of a page. Items are checked as strictly as an imported file's rows; a bad
/// one is kept with its reason and raw payload.
pub fn map_page(
    profile: &SyncProfile,
    channel: &str,
    body: &Value,
    now: Timestamp,
) -> Result<MappedPage, PageError> {
    let items = at_path(body, &profile.list.items)
        .and_then(Value::as_array)
        .ok_or_else(|| PageError::NoItems(profile.list.items.clone()))?;
    Ok(map_items(profile, channel, items, now))
}

/// Maps items already taken out of a page (or out of the quarantine, for another try).
pub fn map_items(profile: &SyncProfile, channel: &str, items: &[Value], now: Timestamp) -> MappedPage {
    let mut page = MappedPage { items: items.len(), ..MappedPage::default() };
    let mut builder = Builder::new(channel, now);
    let mut seen = HashSet::new();
    // The raw payload of each item handed to the builder, by its place on the page.
    let mut raw_of = std::collections::HashMap::new();
    for (index, item) in items.iter().enumerate() {
        let raw_json = item.to_string();
        if raw_json.contains('\u{fffd}') {
            page.malformed.push(Malformed {
                reason: "text with invalid UTF-8 or a lone surrogate".into(),
                raw: raw_json,
            });
            continue;
        }
        let id_path = profile.fields.get(Field::ChannelTicketId.name()).map(String::as_str).unwrap_or("");
        // Only a usable id makes a repeat: two items with a broken id (an array, say) are two
        // bad items, each kept in the quarantine.
        let usable_id = at_path(item, id_path).and_then(|v| match v {
            Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        });
        if let Some(id) = usable_id
            && !seen.insert(id)
        {
            page.repeated += 1;
            continue;
        }
        let mut raw = RawRow::new(index + 1);
        for (ours, theirs) in &profile.fields {
            let Some(field) = Field::from_header(ours) else { continue };
            let Some(value) = at_path(item, theirs) else { continue };
            match (field, value) {
                (Field::Kind, Value::String(s)) => {
                    raw.set(field, profile.kinds.get(s).map(String::as_str).unwrap_or(s));
                }
                (f, Value::Number(n)) if f.is_time() && profile.time_format == TimeFormat::EpochMs => {
                    match n.as_i64() {
                        Some(ms) => raw.set(f, &Timestamp::from_millis(ms).rfc3339()),
                        None => raw.problem(format!("{} is not a whole number of milliseconds", f.name())),
                    }
                }
                (f, Value::String(text)) if f.is_time() => {
                    match super::body::read_pattern_time(&profile.time_format, text) {
                        Some(rfc3339) => raw.set(f, &rfc3339),
                        None => set_from_json(&mut raw, field, value),
                    }
                }
                _ => set_from_json(&mut raw, field, value),
            }
        }
        raw_of.insert(index + 1, raw_json);
        builder.push(raw);
    }
    let (rows, rejected) = builder.finish();
    page.tickets = rows.into_iter().map(|r| r.ticket).collect();
    for r in rejected {
        let raw = raw_of.remove(&r.line).unwrap_or_default();
        page.malformed.push(Malformed { reason: r.reason, raw });
    }
    page
}

/// Where the next pull starts, after a page with `items` items.
pub fn next_cursor(
    profile: &SyncProfile,
    current: Option<&str>,
    body: &Value,
    items: &[Value],
) -> Option<String> {
    match &profile.list.paging {
        // A full page moves on; a short one is read again next time (new items land there).
        Paging::Page { total, .. } => {
            let page: u64 = current.and_then(|c| c.parse().ok()).unwrap_or(1);
            let size = u64::from(profile.page_size);
            let full = match total.as_deref().and_then(|path| at_path(body, path)).and_then(Value::as_u64) {
                Some(published) => published >= page * size,
                None => items.len() as u64 >= size,
            };
            Some(if full { page + 1 } else { page }.to_string())
        }
        Paging::Cursor { next, .. } => at_path(body, next)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .or_else(|| current.map(str::to_string)),
        // The greatest (time, id) seen, not the last row: pages may come reordered or padded
        // with repeats, and the cursor must never step back.
        Paging::Since { .. } => {
            let time_path = profile.fields.get(Field::ReceivedAt.name())?;
            let id_path = profile.fields.get(Field::ChannelTicketId.name())?;
            let position = |time: &str, id: &str| Timestamp::parse(time).map(|t| (t, id.to_string()));
            let current_position =
                current.and_then(|c| c.split_once('|')).and_then(|(t, id)| position(t, id));
            let greatest = items
                .iter()
                .filter_map(|item| {
                    let time = at_path(item, time_path)?.as_str()?;
                    let id = at_path(item, id_path)?.as_str()?;
                    Some((position(time, id)?, format!("{time}|{id}")))
                })
                .chain(current_position.map(|p| (p, current.unwrap_or_default().to_string())))
                .max_by(|a, b| a.0.cmp(&b.0));
            greatest.map(|(_, text)| text)
        }
    }
}
