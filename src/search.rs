//! Matching a clerk's search text against a ticket's row: fuzzy over the text as written
//! (number, channel ticket id, title, respondent, town, business district, unit, category), and
//! pinyin — full or initials — over the Chinese names (towns, malls, respondents, units), so
//! `rg` and `ronggui` find 容桂. Pure: the reader runs it where the data is.
//!
//! Polyphones: a place is read as the place is (乐从 is lecong, 勒流 is leliu). The shipped
//! organisation's ids are the pinyin of its towns, so every town and unit name also matches its
//! id; `PLACE_READINGS` covers the characters whose common reading differs inside a name.

use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;
use pinyin::ToPinyin;
use serde::{Deserialize, Serialize};

/// Which field of a row a match was found in, for highlighting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Number,
    ChannelTicketId,
    Title,
    Respondent,
    Town,
    District,
    Unit,
    Category,
}

/// A match in one field: the character positions to highlight.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Highlight {
    pub field: Option<Field>,
    pub chars: Vec<usize>,
}

/// One field's text and its pinyin, kept once per row so a query costs no conversion.
#[derive(Clone, Debug)]
struct Indexed {
    field: Field,
    text: String,
    /// Lower-case pinyin of the whole text and, for each of its bytes, the character of `text`
    /// it came from.
    full: String,
    full_from: Vec<u32>,
    initials: String,
    initials_from: Vec<u32>,
    /// Extra ASCII readings matched as a whole (a town's id, e.g. `lecong`).
    aliases: Vec<String>,
}

/// What a row offers the search, built once per row version.
#[derive(Clone, Debug, Default)]
pub struct Haystack {
    fields: Vec<Indexed>,
}

/// Readings of characters as they are read in place names, where the common reading differs.
const PLACE_READINGS: &[(char, &str)] =
    &[('乐', "le"), ('勒', "le"), ('滘', "jiao"), ('涌', "chong"), ('吕', "lv"), ('藏', "zang")];

fn reading(c: char) -> Option<&'static str> {
    if let Some((_, r)) = PLACE_READINGS.iter().find(|(p, _)| *p == c) {
        return Some(r);
    }
    c.to_pinyin().map(|p| p.plain())
}

impl Indexed {
    fn new(field: Field, text: &str, with_pinyin: bool, aliases: Vec<String>) -> Indexed {
        let mut full = String::new();
        let mut full_from = Vec::new();
        let mut initials = String::new();
        let mut initials_from = Vec::new();
        if with_pinyin {
            for (i, c) in text.chars().enumerate() {
                let i = i as u32;
                match reading(c) {
                    Some(p) => {
                        full.push_str(p);
                        full_from.extend(std::iter::repeat_n(i, p.len()));
                        if let Some(first) = p.chars().next() {
                            initials.push(first);
                            initials_from.push(i);
                        }
                    }
                    None if c.is_ascii_alphanumeric() => {
                        let l = c.to_ascii_lowercase();
                        full.push(l);
                        full_from.push(i);
                        initials.push(l);
                        initials_from.push(i);
                    }
                    None => {}
                }
            }
        }
        Indexed { field, text: text.to_string(), full, full_from, initials, initials_from, aliases }
    }
}

/// The pinyin readings of one name, without the character positions a highlight needs: what
/// an index keeps once per distinct town, mall, respondent or unit. Scores as the same name in
/// a `Haystack` does.
#[derive(Clone, Debug, Default)]
pub struct Readings {
    full: Box<str>,
    initials: Box<str>,
    alias: Option<Box<str>>,
}

impl Readings {
    pub fn of(text: &str, alias: Option<&str>) -> Readings {
        let aliases = alias.map(|a| vec![a.to_ascii_lowercase()]).unwrap_or_default();
        let i = Indexed::new(Field::Unit, text, true, aliases);
        Readings {
            full: i.full.into(),
            initials: i.initials.into(),
            alias: i.aliases.into_iter().next().map(Into::into),
        }
    }
}

/// The fields of a row as the search sees them.
pub struct RowText<'a> {
    pub number: u64,
    pub channel_ticket_id: &'a str,
    pub title: &'a str,
    pub respondent: Option<&'a str>,
    pub town: Option<&'a str>,
    /// The town's id in the organisation (its pinyin, e.g. `ronggui`).
    pub town_id: Option<&'a str>,
    pub district: Option<&'a str>,
    pub unit_name: Option<&'a str>,
    pub unit_id: Option<&'a str>,
    pub category: Option<&'a str>,
}

impl Haystack {
    /// One name (a unit, a town) with its pinyin and an ASCII alias such as its id.
    pub fn of_name(text: &str, alias: Option<&str>) -> Haystack {
        let aliases = alias.map(|a| vec![a.to_ascii_lowercase()]).unwrap_or_default();
        Haystack { fields: vec![Indexed::new(Field::Unit, text, true, aliases)] }
    }

    pub fn of(row: &RowText) -> Haystack {
        Haystack::of_with(row, true)
    }

    /// `of`, with the pinyin readings left out when `with_pinyin` is false: enough for a query
    /// that is not ASCII (`Query::needs_pinyin`), and cheaper to build.
    pub fn of_with(row: &RowText, with_pinyin: bool) -> Haystack {
        let mut fields = vec![
            Indexed::new(Field::Number, &row.number.to_string(), false, Vec::new()),
            Indexed::new(Field::ChannelTicketId, row.channel_ticket_id, false, Vec::new()),
            Indexed::new(Field::Title, row.title, false, Vec::new()),
        ];
        let mut named = |field, text: Option<&str>, alias: Option<&str>| {
            if let Some(t) = text.filter(|t| !t.trim().is_empty()) {
                let aliases = alias.map(|a| vec![a.to_ascii_lowercase()]).unwrap_or_default();
                fields.push(Indexed::new(field, t, with_pinyin, aliases));
            }
        };
        named(Field::Respondent, row.respondent, None);
        named(Field::Town, row.town, row.town_id);
        named(Field::District, row.district, None);
        named(Field::Unit, row.unit_name, row.unit_id);
        if let Some(c) = row.category {
            fields.push(Indexed::new(Field::Category, c, false, Vec::new()));
        }
        Haystack { fields }
    }
}

/// A compiled query. Scores are comparable between rows of one query only.
pub struct Query {
    text: String,
    lower: String,
    ascii: bool,
    matcher: SkimMatcherV2,
}

/// Scores above the plain fuzzy range: a pinyin or alias hit is a strong, deliberate match.
const PINYIN_BONUS: i64 = 1000;

impl Query {
    pub fn new(text: &str) -> Query {
        let text = text.trim().to_string();
        let lower = text.to_lowercase();
        let ascii = lower.chars().all(|c| c.is_ascii_alphanumeric());
        Query { text, lower, ascii, matcher: SkimMatcherV2::default().ignore_case() }
    }

    /// Whether the text is digits only: nothing else can match a ticket's number.
    pub fn is_numeric(&self) -> bool {
        self.text.bytes().all(|b| b.is_ascii_digit())
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// Whether a row's pinyin can matter: only an ASCII query is matched against it.
    pub fn needs_pinyin(&self) -> bool {
        self.ascii
    }

    /// Whether the text's characters occur in `text` in order — ASCII letters in either case,
    /// other characters as they are: the matcher's own first check (it compares so), done
    /// faster by searching bytes, so that most texts never reach its dynamic programme.
    fn may_match(&self, text: &str) -> bool {
        let hay = text.as_bytes();
        let mut at = 0;
        for p in self.text.chars() {
            let found = if p.is_ascii() {
                let p = p as u8;
                hay[at..].iter().position(|b| b.eq_ignore_ascii_case(&p)).map(|i| i + 1)
            } else {
                // `at` follows a whole character: ASCII bytes and found characters only.
                text[at..].find(p).map(|i| i + p.len_utf8())
            };
            match found {
                Some(advance) => at += advance,
                None => return false,
            }
        }
        true
    }

    /// The fuzzy score of a text as written (no pinyin): a title, a number, a category.
    pub fn score_text(&self, text: &str) -> Option<i64> {
        if self.may_match(text) { self.matcher.fuzzy_match(text, &self.text) } else { None }
    }

    /// The score of a name: as written, or by its readings. The same score `score` gives the
    /// name's field of a `Haystack`.
    pub fn score_name(&self, text: &str, readings: &Readings) -> Option<i64> {
        let mut best = self.score_text(text);
        if !self.ascii || readings.full.is_empty() {
            return best;
        }
        let mut offer = |score: i64| best = Some(best.map_or(score, |b| b.max(score)));
        if readings.alias.as_deref().is_some_and(|a| a.starts_with(&self.lower)) {
            offer(PINYIN_BONUS + 10 * self.lower.len() as i64);
        }
        for (pinyin, weight) in [(&readings.initials, 12), (&readings.full, 10)] {
            if let Some(at) = pinyin.find(&self.lower) {
                let prefix = if at == 0 { 50 } else { 0 };
                offer(PINYIN_BONUS + weight * self.lower.len() as i64 + prefix);
            }
        }
        best
    }

    /// The best match of the row, or None.
    pub fn score(&self, hay: &Haystack) -> Option<(i64, Highlight)> {
        let mut best: Option<(i64, Highlight)> = None;
        let mut offer = |score: i64, field: Field, chars: Vec<usize>| {
            if best.as_ref().is_none_or(|(s, _)| score > *s) {
                best = Some((score, Highlight { field: Some(field), chars }));
            }
        };
        for f in &hay.fields {
            // Most fields do not hold the text's characters in order at all: skim's matcher
            // (a dynamic programme) is asked only about the ones that do.
            if self.may_match(&f.text)
                && let Some((score, idx)) = self.matcher.fuzzy_indices(&f.text, &self.text)
            {
                // Characters, not bytes: the screen highlights characters.
                let chars = byte_to_char_indices(&f.text, &idx);
                offer(score, f.field, chars);
            }
            if !self.ascii || f.full.is_empty() {
                continue;
            }
            if f.aliases.iter().any(|a| a.starts_with(&self.lower)) {
                offer(
                    PINYIN_BONUS + 10 * self.lower.len() as i64,
                    f.field,
                    (0..f.text.chars().count()).collect(),
                );
            }
            for (pinyin, from, weight) in [(&f.initials, &f.initials_from, 12), (&f.full, &f.full_from, 10)] {
                if let Some(at) = pinyin.find(&self.lower) {
                    let mut chars: Vec<usize> =
                        from[at..at + self.lower.len()].iter().map(|&c| c as usize).collect();
                    chars.dedup();
                    let prefix = if at == 0 { 50 } else { 0 };
                    offer(PINYIN_BONUS + weight * self.lower.len() as i64 + prefix, f.field, chars);
                }
            }
        }
        best
    }
}

fn byte_to_char_indices(text: &str, char_idx: &[usize]) -> Vec<usize> {
    // fuzzy-matcher's indices are character indices already; keep them in range.
    let n = text.chars().count();
    char_idx.iter().copied().filter(|&i| i < n).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row<'a>(title: &'a str, respondent: &'a str, town: &'a str, town_id: &'a str) -> Haystack {
        Haystack::of(&RowText {
            number: 10234,
            channel_ticket_id: "GD-2026-114051",
            title,
            respondent: Some(respondent),
            town: Some(town),
            town_id: Some(town_id),
            district: Some("容桂天佑城"),
            unit_name: Some("容桂分局"),
            unit_id: Some("ronggui"),
            category: Some("预付式消费"),
        })
    }

    #[test]
    fn pinyin_initials_and_full_pinyin_find_a_town() {
        let hay = row("健身房预付卡退费难", "佛山市顺德区力健健身有限公司", "容桂", "ronggui");
        for q in ["rg", "ronggui", "rong"] {
            let (_, h) = Query::new(q).score(&hay).unwrap_or_else(|| panic!("{q} finds 容桂"));
            assert!(matches!(h.field, Some(Field::Town | Field::Unit | Field::District)), "{q}: {h:?}");
        }
    }

    #[test]
    fn a_polyphone_is_read_as_the_place_is() {
        let hay = row("外卖食品变质", "乐从美食城", "乐从", "lecong");
        assert!(Query::new("lecong").score(&hay).is_some());
        assert!(Query::new("lc").score(&hay).is_some());
        let leliu = row("外卖食品变质", "某商行", "勒流", "leliu");
        assert!(Query::new("leliu").score(&leliu).is_some());
    }

    #[test]
    fn chinese_text_matches_fuzzily_and_highlights_characters() {
        let hay = row("健身房预付卡退费难", "力健健身", "大良", "daliang");
        let (_, h) = Query::new("预付卡").score(&hay).expect("title match");
        assert_eq!(h.field, Some(Field::Title));
        assert_eq!(h.chars, vec![3, 4, 5]);
    }

    #[test]
    fn the_ticket_number_and_channel_id_match() {
        let hay = row("空调安装收费", "美的专卖店", "北滘", "beijiao");
        assert!(Query::new("10234").score(&hay).is_some());
        assert!(Query::new("114051").score(&hay).is_some());
    }

    #[test]
    fn a_name_scores_by_its_readings_as_it_does_in_a_row() {
        let hay = row("空调安装收费", "美的专卖店", "乐从", "lecong");
        let readings = Readings::of("乐从", Some("lecong"));
        for q in ["lecong", "lc", "乐从", "cong"] {
            let query = Query::new(q);
            let in_row = query.score(&hay).map(|(s, _)| s);
            assert_eq!(query.score_name("乐从", &readings), in_row, "{q}");
        }
        assert!(Query::new("预付卡").score_text("健身房预付卡退费难").is_some());
        assert_eq!(Query::new("xyzq").score_name("乐从", &readings), None);
    }

    #[test]
    fn an_unrelated_query_does_not_match() {
        let hay = row("空调安装收费", "美的专卖店", "北滘", "beijiao");
        assert!(Query::new("xyzq").score(&hay).is_none());
        assert!(Query::new("预付卡").score(&hay).is_none());
    }
}
