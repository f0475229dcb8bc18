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
    // Most text is clean already: checked without building it again (every cell of every row
    // goes through here on each frame).
    let composed = unicode_normalization::is_nfc_quick(s.chars()) == unicode_normalization::IsNormalized::Yes;
    if composed && !s.chars().any(char::is_control) {
        return s.to_string();
    }
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

/// Lines broken at `max` cells, never past it. ratatui's own wrapping can leave a wide character
/// in the last cell with half of it over the pane's border (ratatui issue 2679); the terminal
/// then draws it there and the border is lost. A run of narrow letters and digits (a word, an
/// id) moves to the next line whole when it fits there; Chinese breaks between characters.
/// Each piece keeps its span's style and the line's.
pub fn wrap_lines(lines: Vec<ratatui::text::Line<'static>>, max: usize) -> Vec<ratatui::text::Line<'static>> {
    use ratatui::text::{Line, Span};
    let max = max.max(2);
    let mut out = Vec::with_capacity(lines.len());
    for line in lines {
        let (style, alignment) = (line.style, line.alignment);
        let finish = |spans: Vec<Span<'static>>| {
            let mut l = Line::from(spans).style(style);
            l.alignment = alignment;
            l
        };
        let mut current: Vec<Span<'static>> = Vec::new();
        let mut used = 0;
        for span in line.spans {
            for token in tokens(&span.content) {
                let w = width(token);
                if used + w > max && used > 0 {
                    out.push(finish(std::mem::take(&mut current)));
                    used = 0;
                    if token.trim().is_empty() {
                        continue; // the space a line broke at
                    }
                }
                if w <= max {
                    current.push(Span::styled(token.to_string(), span.style));
                    used += w;
                    continue;
                }
                // A word longer than a whole line: cut it where the line ends.
                let mut piece = String::new();
                for c in token.chars() {
                    let cw = c.width().unwrap_or(0);
                    if used + cw > max {
                        current.push(Span::styled(std::mem::take(&mut piece), span.style));
                        out.push(finish(std::mem::take(&mut current)));
                        used = 0;
                    }
                    piece.push(c);
                    used += cw;
                }
                current.push(Span::styled(piece, span.style));
            }
        }
        out.push(finish(current));
    }
    out
}

/// A text's breakable pieces: runs of spaces, runs of narrow non-space characters, and each wide
/// character on its own.
fn tokens(s: &str) -> Vec<&str> {
    #[derive(PartialEq, Clone, Copy)]
    enum Kind {
        Space,
        Narrow,
        Wide,
    }
    let kind = |c: char| match (c.is_whitespace(), c.width().unwrap_or(0)) {
        (true, _) => Kind::Space,
        (false, 2) => Kind::Wide,
        _ => Kind::Narrow,
    };
    let mut out = Vec::new();
    let mut start = 0;
    let mut last: Option<Kind> = None;
    for (i, c) in s.char_indices() {
        let k = kind(c);
        if let Some(prev) = last
            && (prev != k || k == Kind::Wide)
        {
            out.push(&s[start..i]);
            start = i;
        }
        last = Some(k);
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out
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

    #[test]
    fn text_from_outside_is_shown_composed_and_clean_text_as_it_is() {
        // "Café" with its accent as a combining mark: one cell for é.
        assert_eq!(clean("Cafe\u{301} 健身房"), "Caf\u{e9} 健身房");
        assert_eq!(clean("健身房预付卡退费难"), "健身房预付卡退费难");
    }

    #[test]
    fn a_wrapped_line_never_reaches_past_its_width_even_at_a_wide_character() {
        use ratatui::style::Style;
        use ratatui::text::{Line, Span};
        // 37 cells for 36: ratatui's own wrap left 报 half over the border.
        let header = Line::from(vec![
            Span::raw("#21  消委会转办  XWH20261026001  "),
            Span::styled("举报", Style::new().bold()),
        ]);
        let lines = super::wrap_lines(vec![header], 36);
        assert_eq!(lines.len(), 2);
        for l in &lines {
            assert!(l.width() <= 36, "{l:?}");
        }
        assert_eq!(lines[0].to_string(), "#21  消委会转办  XWH20261026001  举");
        assert_eq!(lines[1].to_string(), "报");
        assert_eq!(lines[1].spans[0].style, Style::new().bold(), "a piece keeps its span's style");
        assert_eq!(super::wrap_lines(vec![Line::raw("")], 10).len(), 1, "an empty line stays a line");
        // An id moves to the next line whole; the space it broke at is not carried over.
        let id = super::wrap_lines(vec![Line::raw("#1041  12345 热线  GD20261120-0031  complaint")], 30);
        let texts: Vec<String> = id.iter().map(|l| l.to_string()).collect();
        assert_eq!(texts, ["#1041  12345 热线  ", "GD20261120-0031  complaint"]);
        // A word longer than a line is cut where the line ends.
        let long = super::wrap_lines(vec![Line::raw("abcdefghij")], 4);
        assert_eq!(long.iter().map(|l| l.to_string()).collect::<Vec<_>>(), ["abcd", "efgh", "ij"]);
    }
}
