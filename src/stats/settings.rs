//! `config/stats.toml`: the hot words' dictionary and stop words.

use crate::domain::ConfigProblem;
use serde::Deserialize;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatsSettings {
    pub hot_words: HotWordSettings,
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
