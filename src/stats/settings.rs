//! `config/stats.toml`: the hot words' dictionary and stop words.

use crate::domain::ConfigProblem;
use serde::Deserialize;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatsSettings {
    pub hot_words: HotWordSettings,
    pub merchant_score: MerchantScore,
    pub pledge: PledgeSettings,
    pub warnings: WarningSettings,
}

/// The early-warning test (see `config/stats.toml` and `warnings.rs`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WarningSettings {
    pub recent_days: u32,
    pub baseline_days: u32,
    pub min_count: u64,
    pub p_value: f64,
    pub min_daily_rate: f64,
}

/// The points of a merchant at risk (see `config/stats.toml`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MerchantScore {
    pub per_ticket: f64,
    pub per_rise: f64,
    pub per_unresolved: f64,
    pub per_repeat_complainant: f64,
    pub per_extra_channel: f64,
    pub min_tickets: u64,
    pub top: usize,
    /// Extra points per ticket of a dispute type.
    #[serde(default)]
    pub severity: std::collections::BTreeMap<String, f64>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PledgeSettings {
    pub max_share: f64,
    pub min_peers: usize,
    pub top: usize,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HotWordSettings {
    /// Words the segmenter keeps whole, and counts.
    pub words: Vec<String>,
    /// Words never counted.
    pub stop_words: Vec<String>,
    /// A deployment's additions to `words`, without repeating the shipped list.
    #[serde(default)]
    pub more_words: Vec<String>,
    /// A deployment's additions to `stop_words`.
    #[serde(default)]
    pub more_stop_words: Vec<String>,
    /// Tokens shorter than this (in characters) are not counted.
    pub min_chars: usize,
    /// How many words a period's list shows.
    pub top: usize,
}

impl StatsSettings {
    pub fn checked(self) -> Result<StatsSettings, ConfigProblem> {
        let m = &self.merchant_score;
        let weights = [
            ("merchant_score.per_ticket", m.per_ticket),
            ("merchant_score.per_rise", m.per_rise),
            ("merchant_score.per_unresolved", m.per_unresolved),
            ("merchant_score.per_repeat_complainant", m.per_repeat_complainant),
            ("merchant_score.per_extra_channel", m.per_extra_channel),
            ("pledge.max_share", self.pledge.max_share),
        ];
        for (key, w) in
            weights.into_iter().chain(m.severity.values().map(|w| ("merchant_score.severity", *w)))
        {
            if !w.is_finite() || w < 0.0 {
                return Err(ConfigProblem::new(key, "must be a number, 0 or more"));
            }
        }
        let w = &self.warnings;
        if w.recent_days == 0 || w.baseline_days == 0 {
            return Err(ConfigProblem::new("warnings.recent_days", "both windows need at least one day"));
        }
        if !(w.p_value > 0.0 && w.p_value < 1.0) {
            return Err(ConfigProblem::new("warnings.p_value", "must be between 0 and 1"));
        }
        if !(w.min_daily_rate.is_finite() && w.min_daily_rate > 0.0) {
            return Err(ConfigProblem::new("warnings.min_daily_rate", "must be more than 0"));
        }
        let h = &self.hot_words;
        if h.min_chars == 0 {
            return Err(ConfigProblem::new("hot_words.min_chars", "must be at least 1"));
        }
        if h.top == 0 {
            return Err(ConfigProblem::new("hot_words.top", "must be at least 1"));
        }
        let blank = |list: &[String], key: &str| {
            list.iter()
                .any(|w| w.trim().is_empty() || w.chars().any(char::is_whitespace))
                .then(|| ConfigProblem::new(key, "a word is empty or has a blank in it"))
        };
        for (list, key) in [
            (&h.words, "hot_words.words"),
            (&h.stop_words, "hot_words.stop_words"),
            (&h.more_words, "hot_words.more_words"),
            (&h.more_stop_words, "hot_words.more_stop_words"),
        ] {
            if let Some(p) = blank(list, key) {
                return Err(p);
            }
        }
        Ok(self)
    }

    /// Every dictionary word, shipped and added.
    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.hot_words.words.iter().chain(&self.hot_words.more_words).map(String::as_str)
    }

    /// Every stop word, shipped and added.
    pub fn stop_words(&self) -> impl Iterator<Item = &str> {
        self.hot_words.stop_words.iter().chain(&self.hot_words.more_stop_words).map(String::as_str)
    }
}
