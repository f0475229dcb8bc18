//! Builders the statistics-screen and wall snapshots share for their hand-written figures.

use rightsdesk::stats::figures::KeyCount;
use rightsdesk::stats::hot_words::HotWord;
use rightsdesk::stats::merchants::MerchantRisk;

/// Breakdown rows from (key, count, count in the period before).
pub fn rows(items: &[(&str, u64, u64)]) -> Vec<KeyCount> {
    items.iter().map(|(k, n, p)| KeyCount { key: Some((*k).into()), count: *n, previous: *p }).collect()
}

/// Hot words from (word, tickets, tickets in the period before).
pub fn hot_words(items: &[(&str, u64, u64)]) -> Vec<HotWord> {
    items.iter().map(|(w, n, p)| HotWord { word: (*w).into(), count: *n, previous: *p }).collect()
}

/// A merchant at risk under one name, with two unresolved tickets, one repeat complainant and
/// three channels.
pub fn merchant(code: &str, name: &str, tickets: u64, previous: u64, score: f64) -> MerchantRisk {
    MerchantRisk {
        merchant: code.into(),
        name: name.into(),
        names: vec![name.into()],
        score,
        tickets,
        previous,
        unresolved: 2,
        repeat_complainants: 1,
        channels: 3,
        reasons: vec![],
        ids: vec![],
        watched: false,
    }
}
