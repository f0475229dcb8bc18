//! What differs by channel: how often each sends a ticket, the shape of its ticket ids, which
//! ones are hotlines and which carry the region code.

use super::Generator;
use crate::time::Timestamp;
use rand::distr::weighted::WeightedIndex;

/// Channel weights per thousand tickets, after the channel mix of public reports: the two hotlines
/// bring most, the district hotline and the online channels follow, walk-ins and letters are few.
const CHANNEL_WEIGHTS: &[(&str, u32)] = &[
    ("12345", 330),
    ("12315", 300),
    ("8180", 80),
    ("wechat", 60),
    ("miniapp", 50),
    ("station", 45),
    ("walkin", 35),
    ("12315-odr", 25),
    ("phone", 20),
    ("mayor", 12),
    ("letter", 8),
    ("email", 8),
    ("upper", 8),
    ("council", 7),
    ("dept", 6),
    ("rmw", 4),
    ("media", 2),
];

/// For a channel the table does not know (one a deployment added).
const OTHER_CHANNEL_WEIGHT: u32 = 2;

/// Draws channel ids in the proportions of `CHANNEL_WEIGHTS`; None without any channel.
pub(super) fn channel_pick(channel_ids: &[String]) -> Option<WeightedIndex<u32>> {
    let channel_weights: Vec<u32> = channel_ids
        .iter()
        .map(|id| {
            CHANNEL_WEIGHTS.iter().find(|(c, _)| c == id).map(|(_, w)| *w).unwrap_or(OTHER_CHANNEL_WEIGHT)
        })
        .collect();
    WeightedIndex::new(channel_weights).ok()
}

pub(super) fn is_hotline(channel: &str) -> bool {
    matches!(channel, "12345" | "8180" | "phone")
}

impl Generator {
    /// Each channel's own id shape, so a clerk recognises the source at a glance; unique per
    /// channel because every id carries the day and that day's sequence number.
    pub(super) fn channel_ticket_id(
        &mut self,
        channel: &str,
        at: Timestamp,
        station: Option<usize>,
    ) -> String {
        let date = at.china_date();
        let counter = self.counters.entry((channel.to_string(), date)).or_insert(0);
        *counter += 1;
        let n = *counter;
        let ymd = date.format("%Y%m%d");
        match channel {
            "12345" => format!("SD{ymd}{n:05}"),
            "12315" => format!("1{}{ymd}{n:04}", self.region_code),
            "12315-odr" => format!("ODR{ymd}{n:06}"),
            "8180" => format!("8180-{}-{n:04}", date.format("%y%m%d")),
            "mayor" => format!("SZXX{ymd}{n:04}"),
            "rmw" => format!("RMW{ymd}{n:04}"),
            "wechat" => format!("WX{ymd}{n:05}"),
            "miniapp" => format!("MP{ymd}{n:05}"),
            "email" => format!("YX{ymd}{n:04}"),
            "upper" => format!("FSJB{ymd}{n:03}"),
            "dept" => format!("BMZB{ymd}{n:03}"),
            "media" => format!("YQ{ymd}{n:03}"),
            "council" => format!("XWH{ymd}{n:03}"),
            "station" => {
                let id = station.map(|s| self.stations[s].id.as_str()).unwrap_or("zd");
                format!("ZD-{id}-{ymd}-{n:03}")
            }
            "walkin" => format!("LF{ymd}{n:03}"),
            "letter" => format!("LX{ymd}{n:03}"),
            "phone" => format!("LD{ymd}{n:03}"),
            other => format!("{}-{ymd}-{n:04}", other.to_ascii_uppercase()),
        }
    }

    pub(super) fn region_for(&mut self, channel: &str) -> Option<String> {
        matches!(channel, "12345" | "12315" | "12315-odr").then(|| self.region_code.clone())
    }
}
