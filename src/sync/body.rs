//! What rightsdesk sends a channel: the JSON body of a sign-for or write-back from the profile's
//! templates, with times in the profile's own format.

use super::profile::{Endpoint, SyncProfile, TimeFormat};
use crate::domain::effect::Effect;
use crate::time::Timestamp;
use serde_json::{Map, Value};

/// The JSON body of a sign-for or write-back from the endpoint's templates. Values are text,
/// except a template that is exactly `{now_ms}` (always a number), or exactly `{now}` or
/// `{amount}` in an `epoch_ms` profile (a number, the amount in yuan; `null` when none).
pub fn effect_body(
    profile: &SyncProfile,
    endpoint: &Endpoint,
    effect: &Effect,
    actor: &str,
    now: Timestamp,
) -> Value {
    let epoch = profile.time_format == TimeFormat::EpochMs;
    let mut body = Map::new();
    for (key, template) in &endpoint.body {
        let value = match template.trim() {
            "{now_ms}" => Value::from(now.millis()),
            "{now}" if epoch => Value::from(now.millis()),
            "{amount}" if epoch => match effect.amount_recovered {
                Some(fen) => {
                    serde_json::Number::from_f64(fen.0 as f64 / 100.0).map_or(Value::Null, Value::Number)
                }
                None => Value::Null,
            },
            _ => Value::String(fill(template, |name| match name {
                "result" => Some(effect.text.clone()),
                "amount" => Some(effect.amount_recovered.map(|f| f.yuan_text()).unwrap_or_default()),
                "now" => Some(time_text(&profile.time_format, now)),
                "now_ms" => Some(now.millis().to_string()),
                "actor" => Some(actor.to_string()),
                _ => None,
            })),
        };
        body.insert(key.clone(), value);
    }
    Value::Object(body)
}

/// A time as the channel writes it.
pub fn time_text(format: &TimeFormat, now: Timestamp) -> String {
    match format {
        TimeFormat::China => now.china().format("%Y-%m-%d %H:%M:%S").to_string(),
        TimeFormat::EpochMs => now.millis().to_string(),
        TimeFormat::Rfc3339 => now.rfc3339(),
        TimeFormat::Pattern(pattern) => now.china().format(pattern).to_string(),
    }
}

/// A channel's time text read with the profile's pattern, as RFC 3339; None when the profile
/// has no pattern or the text does not fit it (the import's own reading then has its say).
pub fn read_pattern_time(format: &TimeFormat, text: &str) -> Option<String> {
    let TimeFormat::Pattern(pattern) = format else { return None };
    let text = text.trim();
    let local = chrono::NaiveDateTime::parse_from_str(text, pattern)
        .ok()
        .or_else(|| chrono::NaiveDate::parse_from_str(text, pattern).ok()?.and_hms_opt(0, 0, 0))?;
    Some(Timestamp::from_china(local).rfc3339())
}

/// Replaces each `{name}` that `value` knows, in one pass: a value is never scanned again, so
/// a result text holding "{actor}" stays as written. Unknown placeholders are kept.
fn fill(template: &str, value: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}').and_then(|close| Some((close, value(&after[..close])?))) {
            Some((close, v)) => {
                out.push_str(&v);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_replaces_known_placeholders_once() {
        let f = |n: &str| match n {
            "result" => Some("已办结{actor}".to_string()),
            "actor" => Some("张三".to_string()),
            _ => None,
        };
        assert_eq!(fill("{result} by {actor} {x} {", f), "已办结{actor} by 张三 {x} {");
    }

    #[test]
    fn outgoing_times_follow_the_profiles_pattern_in_china_time() {
        let now = Timestamp::parse("2026-11-28T01:30:00Z").unwrap();
        let slash = TimeFormat::Pattern("%Y/%m/%d %H:%M:%S".into());
        assert_eq!(time_text(&slash, now), "2026/11/28 09:30:00");
        assert_eq!(time_text(&TimeFormat::China, now), "2026-11-28 09:30:00");
        assert_eq!(
            read_pattern_time(&slash, "2026/11/28 09:30:00").as_deref(),
            Some("2026-11-28T09:30:00+08:00")
        );
        assert_eq!(read_pattern_time(&slash, "昨天"), None);
    }
}
