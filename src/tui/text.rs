//! Text on a terminal grid: widths measured in cells (a Chinese character takes two), cut and
//! padded without ever splitting a wide character, and times shown the way clerks read them.

use crate::time::Timestamp;
use unicode_normalization::UnicodeNormalization;
use unicode_width::UnicodeWidthChar;

/// Cells a string takes. Control characters take none.
pub fn width(s: &str) -> usize {
    s.chars().map(|c| c.width().unwrap_or(0)).sum()
}

/// Text from outside made safe for one cell line: NFC, no control characters or line breaks.
pub fn clean(s: &str) -> String {
    s.nfc().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// At most `max` cells; a cut string ends in `…` (one cell).
pub fn fit(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > max - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// Exactly `cells` wide: cut, then padded with spaces.
pub fn pad(s: &str, cells: usize) -> String {
    let mut out = fit(s, cells);
    let w = width(&out);
    out.extend(std::iter::repeat_n(' ', cells.saturating_sub(w)));
    out
}

/// Between the items of a list in a sentence: `，` in Chinese, `, ` in English.
pub fn list_separator(en: bool) -> &'static str {
    if en { ", " } else { "，" }
}

/// Time left until `due`, as a clerk reads it: `3天`, `5时`, `40分`, overdue `-2天`.
pub fn time_left(due: Timestamp, now: Timestamp, en: bool) -> String {
    let ms = due.millis() - now.millis();
    let sign = if ms < 0 { "-" } else { "" };
    let mins = ms.abs() / 60_000;
    let (n, unit_zh, unit_en) = if mins >= 24 * 60 {
        (mins / (24 * 60), "天", "d")
    } else if mins >= 60 {
        (mins / 60, "时", "h")
    } else {
        (mins, "分", "m")
    };
    format!("{sign}{n}{}", if en { unit_en } else { unit_zh })
}

/// `11-28 09:30` in China time.
pub fn short_time(t: Timestamp) -> String {
    t.china().format("%m-%d %H:%M").to_string()
}

/// `2026-11-28 09:30` in China time.
pub fn long_time(t: Timestamp) -> String {
    t.china().format("%Y-%m-%d %H:%M").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wide_character_is_never_split_when_cutting() {
        assert_eq!(fit("健身房预付卡退费难", 7), "健身房…");
        assert_eq!(width(&fit("健身房预付卡退费难", 7)), 7);
        assert_eq!(pad("容桂", 6), "容桂  ");
        assert_eq!(fit("abc", 3), "abc");
    }

    #[test]
    fn time_left_reads_in_days_hours_or_minutes() {
        let now = Timestamp::parse("2026-11-28T09:00:00+08:00").unwrap();
        assert_eq!(time_left(now.plus_seconds(3 * 86_400 + 60), now, false), "3天");
        assert_eq!(time_left(now.plus_seconds(5 * 3600), now, true), "5h");
        assert_eq!(time_left(now.plus_seconds(-2 * 86_400), now, false), "-2天");
        assert_eq!(time_left(now.plus_seconds(40 * 60), now, false), "40分");
    }

    #[test]
    fn control_characters_from_outside_do_not_reach_the_screen() {
        assert_eq!(clean("空调\n漏水\u{1b}[31m"), "空调 漏水 [31m");
    }
}
