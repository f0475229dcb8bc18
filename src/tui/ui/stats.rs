//! The statistics screen: a line with the period, its comparison and the scope; the KPIs and
//! the trend by day side by side; below, one section at a time as bars with counts (tabs:
//! channel, kind, category, dispute type, town, business district, industry, hot words,
//! merchants). The section with the cursor has the focused border and its row highlighted.

use super::super::app::{App, RangeForm};
use super::super::i18n::Msg;
use super::super::picker::Picker;
use super::super::stats::{Change, Figure, Section, StatsScope, StatsScreen};
use super::super::text;
use super::block;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, BarGroup, Paragraph};

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let s = &app.stats;
    let [summary, top, tabs, lower] = Layout::vertical([
        Constraint::Length(1),
        // Seven KPI rows in a box; a tall screen gives the trend chart more height.
        Constraint::Length(9.max(area.height.saturating_sub(2) * 2 / 5)),
        Constraint::Length(1),
        Constraint::Min(3),
    ])
    .areas(area);
    summary_line(frame, app, summary);
    let kpi_w = if area.width >= 150 {
        66
    } else if area.width >= 100 {
        58
    } else {
        50
    };
    let [kpis, trend] =
        Layout::horizontal([Constraint::Length(kpi_w.min(area.width)), Constraint::Min(10)]).areas(top);
    let title = Msg::StatsKpis.text(app.lang);
    section_box(frame, app, kpis, Section::Kpis, 0, title);
    trend_chart(frame, app, trend);
    tab_line(frame, app, tabs);
    let tab = Section::ALL[s.tab];
    if lower.width < 160 {
        section_box(frame, app, lower, tab, s.tab, tab.label(app.lang));
        return;
    }
    // A wide screen shows the next tab beside the current one (the cursor stays in the left).
    let [left, right] = Layout::horizontal([Constraint::Ratio(1, 2); 2]).areas(lower);
    section_box(frame, app, left, tab, s.tab, tab.label(app.lang));
    let next = next_tab(s.tab);
    section_box(frame, app, right, Section::ALL[next], next, Section::ALL[next].label(app.lang));
}

/// The tab after `tab`, round to the first.
fn next_tab(tab: usize) -> usize {
    if tab + 1 < Section::ALL.len() { tab + 1 } else { Section::FIRST_TAB }
}

/// `本月 11-01–11-28 对比 10-04–10-31 │ 全区 │ 受理 145 (上期 118 ↑27)  计算中…`
fn summary_line(frame: &mut Frame, app: &App, area: Rect) {
    let (s, lang) = (&app.stats, app.lang);
    let period = s.choice.period(app.now);
    let previous = period.previous();
    let scope = match &s.scope {
        StatsScope::All => Msg::StatsWholeDistrict.text(lang).to_string(),
        StatsScope::Unit { name, .. } => name.clone(),
        StatsScope::Town(t) => t.clone(),
    };
    let mut spans = vec![
        Span::styled(format!(" {} ", s.choice.label(lang)), app.theme.style("title")),
        Span::raw(format!(
            "{}–{} {} {}–{} │ {scope}",
            period.from.format("%m-%d"),
            period.to.format("%m-%d"),
            Msg::StatsAgainst.text(lang),
            previous.from.format("%m-%d"),
            previous.to.format("%m-%d"),
        )),
    ];
    if let Some(f) = &s.figures {
        let change = Change::counts(f.total, f.previous_total);
        spans.push(Span::raw(format!(
            " │ {} {} ({} {} ",
            Msg::StatsTotalShort.text(lang),
            f.total,
            Msg::StatsPrevious.text(lang),
            f.previous_total
        )));
        spans.push(Span::styled(change.text(), change_style(app, &change, false)));
        spans.push(Span::raw(")"));
    }
    if s.loading {
        spans.push(Span::styled(format!("  {}", Msg::StatsComputing.text(lang)), app.theme.style("warn")));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// A change in the direction of bad news in the warning colour, good news in green: more
/// complaints or a slower first contact is bad, a higher on-time rate or more money recovered
/// good.
fn change_style(app: &App, c: &Change, rise_is_good: bool) -> Style {
    match (c, rise_is_good) {
        (Change::Up(_), false) | (Change::Down(_), true) => app.theme.style("warn"),
        (Change::Up(_), true) | (Change::Down(_), false) => app.theme.style("ok"),
        _ => app.theme.style("muted"),
    }
}

fn tab_line(frame: &mut Frame, app: &App, area: Rect) {
    let s = &app.stats;
    let beside = (area.width >= 160).then(|| next_tab(s.tab));
    let mut spans = vec![Span::raw(" ")];
    for (i, section) in Section::ALL.iter().enumerate().skip(Section::FIRST_TAB) {
        let style = if i == s.tab && s.section == i {
            app.theme.style("selected")
        } else if i == s.tab || Some(i) == beside {
            app.theme.style("accent")
        } else {
            app.theme.style("muted")
        };
        spans.push(Span::styled(format!(" {} ", section.label(app.lang)), style));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// What a section box says when it has no rows: still computing, refused, or nothing there.
fn placeholder(s: &StatsScreen, app: &App) -> Line<'static> {
    match (&s.error, &s.figures) {
        (Some(e), _) => Line::styled(e.clone(), app.theme.style("error")),
        (None, None) => {
            Line::styled(Msg::StatsComputing.text(app.lang).to_string(), app.theme.style("muted"))
        }
        (None, Some(_)) => Line::styled(Msg::StatsEmpty.text(app.lang).to_string(), app.theme.style("muted")),
    }
}

/// A section as rows: label, bar, figure, previous figure, change; the cursor's row highlighted
/// when the section has the focus, and kept in sight.
fn section_box(frame: &mut Frame, app: &App, area: Rect, section: Section, index: usize, title: &str) {
    let s = &app.stats;
    let focused = s.section == index;
    let b = block(app, title, focused);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let rows = s.rows(section, app.lang);
    if rows.is_empty() {
        frame.render_widget(Paragraph::new(placeholder(s, app)), inner);
        return;
    }
    let height = inner.height as usize;
    let cursor = s.cursors[index];
    let top = cursor.saturating_sub(height.saturating_sub(1));
    let lines = figure_lines(app, &rows, inner.width as usize, section == Section::Kpis)
        .into_iter()
        .enumerate()
        .skip(top)
        .take(height)
        .map(|(i, line)| if focused && i == cursor { line.style(app.theme.style("selected")) } else { line })
        .collect::<Vec<_>>();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// Rows in aligned columns. KPIs have no bars (a rate is not a length); other sections get a
/// bar as long as the row's share of the largest, in the room left.
fn figure_lines(app: &App, rows: &[Figure], width: usize, kpis: bool) -> Vec<Line<'static>> {
    let col = |f: fn(&Figure) -> String| rows.iter().map(|r| text::width(&f(r))).max().unwrap_or(0);
    let value_w = col(|r| r.value.clone());
    let prev_w = col(|r| r.previous.clone());
    let change_w = col(|r| r.change.text());
    let figures_w = value_w + 1 + prev_w + 1 + change_w;
    let label_cap = if kpis { 20 } else { (width / 3).max(8) };
    let label_w = col(|r| r.label.clone()).min(label_cap).min(width.saturating_sub(figures_w + 2));
    // On a wide screen a bar stops at 60 columns: the eye still finds the figure after it.
    let bar_w = if kpis { 0 } else { width.saturating_sub(label_w + figures_w + 3).min(60) };
    let max = rows.iter().map(|r| r.bar).max().unwrap_or(0).max(1);
    rows.iter()
        .map(|r| {
            let len = if r.bar == 0 { 0 } else { (r.bar * bar_w as u64).div_ceil(max) as usize };
            let mut spans = vec![Span::raw(format!(" {} ", text::pad(&r.label, label_w)))];
            if bar_w > 0 {
                spans.push(Span::styled("█".repeat(len.min(bar_w)), app.theme.style("accent")));
                spans.push(Span::raw(" ".repeat(bar_w - len.min(bar_w) + 1)));
            }
            spans.push(Span::styled(
                format!("{}{}", " ".repeat(value_w - text::width(&r.value)), r.value),
                app.theme.style("header"),
            ));
            spans.push(Span::styled(
                format!(" {}{} ", " ".repeat(prev_w - text::width(&r.previous)), r.previous),
                app.theme.style("muted"),
            ));
            let change = r.change.text();
            spans.push(Span::styled(
                format!("{change}{}", " ".repeat(change_w - text::width(&change))),
                change_style(app, &r.change, r.rise_is_good),
            ));
            Line::from(spans)
        })
        .collect()
}

/// Tickets a day as a bar chart; the day under the cursor in the selection colour.
fn trend_chart(frame: &mut Frame, app: &App, area: Rect) {
    let s = &app.stats;
    let index = 1;
    let focused = s.section == index;
    let rows = s.rows(Section::Trend, app.lang);
    let cursor = s.cursors[index];
    let title = match rows.get(cursor) {
        Some(r) if focused => format!("{} · {} {}", Msg::StatsTrend.text(app.lang), r.label, r.value),
        _ => Msg::StatsTrend.text(app.lang).to_string(),
    };
    let b = block(app, &title, focused);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    if rows.is_empty() || inner.width == 0 {
        frame.render_widget(Paragraph::new(placeholder(s, app)), inner);
        return;
    }
    let days = rows.len() as u16;
    // Wide bars with a gap when the days fit; else one column a day, the latest days kept.
    let gap = u16::from(inner.width >= days * 3);
    let bar_width = ((inner.width + gap) / days).saturating_sub(gap).max(1);
    let shown = (inner.width / (bar_width + gap)).max(1) as usize;
    let first = rows.len().saturating_sub(shown);
    let first = if focused && cursor < first { cursor } else { first };
    let bars: Vec<Bar> = rows
        .iter()
        .enumerate()
        .skip(first)
        .take(shown)
        .map(|(i, r)| {
            let style =
                if focused && i == cursor { app.theme.style("selected") } else { app.theme.style("accent") };
            // Day numbers where a bar is two columns wide (without gaps, one a week: side by side
            // they read as one long number); its count inside where it has room for it and a
            // margin (a two-digit count in a two-column bar reads as a smudge).
            let labelled = bar_width >= 3 || (bar_width == 2 && (gap > 0 || (i - first) % 7 == 0));
            let label = if labelled { r.label[3..].to_string() } else { String::new() };
            let value = if bar_width >= 3 { r.value.clone() } else { String::new() };
            Bar::default().value(r.bar).label(Line::raw(label)).style(style).text_value(value)
        })
        .collect();
    let chart = BarChart::default()
        .data(BarGroup::default().bars(&bars))
        .bar_width(bar_width)
        .bar_gap(gap)
        .value_style(app.theme.style("selected"));
    frame.render_widget(chart, inner);
}

/// The custom period form.
pub fn range_form(frame: &mut Frame, app: &App, r: Rect, f: &RangeForm) {
    let b = block(app, Msg::StatsRangeTitle.text(app.lang), true);
    let inner = b.inner(r);
    frame.render_widget(b, r);
    let mut lines = Vec::new();
    for (i, (label, input)) in [(Msg::StatsFrom, &f.from), (Msg::StatsTo, &f.to)].into_iter().enumerate() {
        let focus = i == f.focus;
        let label = text::pad(label.text(app.lang), 10);
        lines.push(Line::from(vec![
            Span::styled(format!(" {label} "), app.theme.style(if focus { "accent" } else { "muted" })),
            Span::styled(
                text::pad(&input.text, 12),
                if focus { app.theme.style("selected") } else { Style::default() },
            ),
        ]));
        if focus {
            let x = inner.x + 12 + text::width(input.before_cursor()) as u16;
            frame.set_cursor_position((x.min(inner.right().saturating_sub(1)), inner.y + i as u16));
        }
    }
    lines.push(Line::styled(format!(" {}", Msg::StatsDateHint.text(app.lang)), app.theme.style("muted")));
    if let Some(e) = &f.error {
        lines.push(Line::styled(format!(" {e}"), app.theme.style("error")));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The unit or town pick list.
pub fn scope_picker(
    frame: &mut Frame,
    app: &App,
    r: Rect,
    p: &Picker,
    lines: impl Fn(&Picker, usize, usize) -> Vec<Line<'static>>,
) {
    let b = block(app, Msg::StatsScopeTitle.text(app.lang), true);
    let inner = b.inner(r);
    frame.render_widget(b, r);
    frame.render_widget(Paragraph::new(lines(p, inner.height as usize, inner.width as usize)), inner);
    let x = inner.x + 2 + text::width(p.filter.before_cursor()) as u16;
    frame.set_cursor_position((x.min(inner.right().saturating_sub(1)), inner.y));
}
