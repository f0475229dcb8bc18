//! Time as the bureau sees it: every instant is shown in China time (+08:00), whatever the
//! machine's `TZ`, and "now" has exactly one source so tests and demos can fix it.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Asia/Shanghai has had no daylight saving since 1991, so a fixed offset is exact.
pub fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("+08:00 is a valid offset")
}

/// An instant, stored as UTC milliseconds and shown in China time.
///
/// Human-readable formats (JSON, TOML) carry RFC 3339 with `+08:00`; binary formats (the
/// store) carry epoch milliseconds, which keeps records small and comparisons cheap.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    pub fn from_millis(ms: i64) -> Self {
        Timestamp(ms)
    }
    pub fn millis(self) -> i64 {
        self.0
    }
    pub fn from_datetime<Tz: TimeZone>(dt: DateTime<Tz>) -> Self {
        Timestamp(dt.timestamp_millis())
    }
    /// A wall-clock time in China.
    pub fn from_china(naive: NaiveDateTime) -> Self {
        Timestamp::from_datetime(
            naive.and_local_timezone(china()).single().expect("fixed offset is unambiguous"),
        )
    }
    /// The instant that ends a China-time day (23:59:59), the due instant of a day-based deadline.
    pub fn end_of_china_day(date: NaiveDate) -> Self {
        Timestamp::from_china(date.and_hms_opt(23, 59, 59).expect("valid time"))
    }
    pub fn china(self) -> DateTime<FixedOffset> {
        Utc.timestamp_millis_opt(self.0).single().unwrap_or_default().with_timezone(&china())
    }
    pub fn china_date(self) -> NaiveDate {
        self.china().date_naive()
    }
    pub fn rfc3339(self) -> String {
        self.china().to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
    }
    /// Parses RFC 3339, or a China wall-clock time `YYYY-MM-DD HH:MM[:SS]`, or a bare date
    /// (taken as 00:00 China time).
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
            return Some(Timestamp::from_datetime(dt));
        }
        for fmt in [
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%d %H:%M",
            "%Y/%m/%d %H:%M:%S",
            "%Y/%m/%d %H:%M",
            "%Y-%m-%dT%H:%M:%S",
        ] {
            if let Ok(naive) = NaiveDateTime::parse_from_str(text, fmt) {
                return Some(Timestamp::from_china(naive));
            }
        }
        for fmt in ["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日"] {
            if let Ok(date) = NaiveDate::parse_from_str(text, fmt) {
                return Some(Timestamp::from_china(date.and_hms_opt(0, 0, 0)?));
            }
        }
        None
    }
    pub fn plus_seconds(self, secs: i64) -> Self {
        Timestamp(self.0 + secs * 1000)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.china().format("%Y-%m-%d %H:%M"))
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.rfc3339())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.serialize_str(&self.china().to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false))
        } else {
            s.serialize_i64(self.0)
        }
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if d.is_human_readable() {
            let text = String::deserialize(d)?;
            Timestamp::parse(&text).ok_or_else(|| serde::de::Error::custom(format!("not a time: {text:?}")))
        } else {
            Ok(Timestamp(i64::deserialize(d)?))
        }
    }
}

/// The process's one source of "now": `RIGHTSDESK_NOW` (RFC 3339) when set, else the system clock.
#[derive(Clone, Copy, Debug)]
pub enum Clock {
    System,
    Fixed(Timestamp),
}

#[derive(Debug, thiserror::Error)]
#[error("RIGHTSDESK_NOW={0:?} is not an RFC 3339 time (e.g. 2026-11-28T09:30:00+08:00)")]
pub struct BadNow(pub String);

impl Clock {
    pub fn from_env() -> Result<Self, BadNow> {
        match std::env::var("RIGHTSDESK_NOW") {
            Ok(text) if !text.trim().is_empty() => DateTime::parse_from_rfc3339(text.trim())
                .map(|dt| Clock::Fixed(Timestamp::from_datetime(dt)))
                .map_err(|_| BadNow(text)),
            _ => Ok(Clock::System),
        }
    }
    pub fn now(&self) -> Timestamp {
        match self {
            Clock::System => Timestamp::from_datetime(Utc::now()),
            Clock::Fixed(t) => *t,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_in_china_time_whatever_the_input_offset() {
        let t = Timestamp::parse("2026-11-28T02:00:00Z").unwrap();
        assert_eq!(t.rfc3339(), "2026-11-28T10:00:00+08:00");
        assert_eq!(t.to_string(), "2026-11-28 10:00");
    }

    #[test]
    fn wall_clock_text_is_read_as_china_time() {
        let t = Timestamp::parse("2026-09-30 16:45:00").unwrap();
        assert_eq!(t.rfc3339(), "2026-09-30T16:45:00+08:00");
        assert_eq!(
            Timestamp::parse("2026年09月30日").unwrap().china_date(),
            NaiveDate::from_ymd_opt(2026, 9, 30).unwrap()
        );
    }

    #[test]
    fn json_carries_rfc3339_and_binary_carries_millis() {
        let t = Timestamp::parse("2026-10-15T23:59:59+08:00").unwrap();
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"2026-10-15T23:59:59+08:00\"");
        let bytes = postcard::to_allocvec(&t).unwrap();
        assert_eq!(postcard::from_bytes::<Timestamp>(&bytes).unwrap(), t);
    }
}
