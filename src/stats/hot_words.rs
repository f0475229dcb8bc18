//! Hot words (投诉高频词): the words of a ticket's title and complaint text, cut by jieba with
//! the trade's dictionary on top of its own, less the stop words. A word counts once per
//! ticket however often the ticket repeats it, so one long letter cannot make a word hot.

use super::settings::StatsSettings;
use crate::domain::org::Organisation;
use jieba_rs::Jieba;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashSet};

/// A word of a period: in how many tickets, and the change in tickets from the period before.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HotWord {
    pub word: String,
    pub count: u64,
    pub previous: u64,
}

impl HotWord {
    /// Tickets this period less tickets the period before.
    pub fn change(&self) -> i64 {
        i64::try_from(self.count).unwrap_or(i64::MAX) - i64::try_from(self.previous).unwrap_or(i64::MAX)
    }
}

/// Cuts text into the words worth counting.
pub struct Segmenter {
    jieba: Jieba,
    stop: HashSet<String>,
    min_chars: usize,
}

impl Segmenter {
    /// jieba's dictionary, the words of `stats.toml`, and every name of the organisation kept
    /// whole (凤城时代广场 is one place, not 凤城 + 时代 + 广场) and stopped.
    pub fn new(settings: &StatsSettings, org: &Organisation) -> Segmenter {
        let mut jieba = Jieba::new();
        for w in settings.words() {
            jieba.add_word(w, None, None);
        }
        let mut stop: HashSet<String> = settings.stop_words().map(str::to_string).collect();
        for p in Segmenter::places(org) {
            jieba.add_word(p, None, None);
            stop.insert(p.to_string());
        }
        Segmenter { jieba, stop, min_chars: settings.hot_words.min_chars }
    }

    /// Every name of a place, mall or unit of the organisation (kept whole and stopped), in
    /// order.
    pub fn places(org: &Organisation) -> BTreeSet<&str> {
        let mut places: BTreeSet<&str> = BTreeSet::new();
        places.insert(org.district_name());
        for u in org.units() {
            places.insert(&u.name);
            places.extend(u.aliases.iter().map(String::as_str));
            places.extend(u.town.as_deref());
            places.extend(u.venue.as_deref());
            places.extend(u.district.as_deref());
        }
        places
            .into_iter()
            .map(str::trim)
            .filter(|p| !p.is_empty() && !p.contains(char::is_whitespace))
            .collect()
    }

    /// The distinct words of `texts`, in order of first appearance.
    pub fn words(&self, texts: &[&str]) -> Vec<String> {
        let mut seen: HashSet<&str> = HashSet::new();
        let mut out = Vec::new();
        for text in texts {
            for token in self.jieba.cut(text, true) {
                let w = token.word.trim();
                if self.counts(w) && seen.insert(w) {
                    out.push(w.to_string());
                }
            }
        }
        out
    }

    fn counts(&self, w: &str) -> bool {
        w.chars().count() >= self.min_chars
            && w.chars().any(char::is_alphabetic)
            && !w.chars().any(|c| c.is_ascii_digit())
            && !self.stop.contains(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segmenter() -> Segmenter {
        let config = crate::config::load(None).expect("the built-in configuration loads");
        Segmenter::new(&config.stats, &config.org)
    }

    #[test]
    fn the_trade_dictionary_keeps_its_words_whole() {
        let words = segmenter().words(&["容桂某某水果档短斤缺两，摊贩占道经营"]);
        assert!(words.contains(&"短斤缺两".to_string()), "{words:?}");
        assert!(words.contains(&"占道经营".to_string()), "{words:?}");
    }

    #[test]
    fn boilerplate_places_and_numbers_are_not_words() {
        let words = segmenter().words(&[
            "消费者反映凤城时代广场某健身房停业，要求商家退还预付卡余额3888元",
            "大良街道新桂中路2号",
        ]);
        for stopped in ["消费者", "反映", "要求", "商家", "凤城时代广场", "大良", "3888", "2号"]
        {
            assert!(!words.iter().any(|w| w == stopped), "{stopped} in {words:?}");
        }
        assert!(words.contains(&"预付卡".to_string()), "{words:?}");
        assert!(words.contains(&"停业".to_string()), "{words:?}");
    }

    #[test]
    fn a_word_counts_once_per_ticket_however_often_it_is_written() {
        let words = segmenter().words(&["预付卡退费难", "预付卡无法使用，预付卡余额不退"]);
        assert_eq!(words.iter().filter(|w| *w == "预付卡").count(), 1, "{words:?}");
    }
}
