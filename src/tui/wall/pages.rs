//! What the wall shows: its state (the live counts, the last statistics, which page) and the
//! drawing of each page. Pure: drawn from the state alone, so the pages are tested as snapshots.

use super::digits;
use crate::engine::window::Counts;
use crate::stats::warnings::Subject;
use crate::stats::{Dimension, Statistics};
use crate::time::Timestamp;
use crate::tui::i18n::{Lang, Msg};
use crate::tui::ui::channel_label;
use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, BarGroup, Block, Borders, Paragraph};
use unicode_width::UnicodeWidthStr;

/// The smallest terminal the wall draws in (the console's own minimum).
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 16;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Page {
    /// The big figures and the open tickets by channel.
    Live,
    /// The month's tickets a day and the hot words.
    Trend,
    /// Early warnings and merchants at risk.
    Alerts,
    /// Hot towns and business districts.
    Places,
}

impl Page {
    pub const ALL: [Page; 4] = [Page::Live, Page::Trend, Page::Alerts, Page::Places];

    fn title(self) -> Msg {
        match self {
            Page::Live => Msg::WallLive,
            Page::Trend => Msg::WallTrend,
            Page::Alerts => Msg::WallAlerts,
            Page::Places => Msg::WallPlaces,
        }
    }
}

/// The wall's state.
pub struct Wall {
    pub lang: Lang,
    /// Index into [`Page::ALL`].
    pub page: usize,
    /// The live counts: view 0 is the open tickets, view 1 the overdue ones.
    pub counts: Option<Counts>,
    /// The month so far, asked again at every rotation.
    pub stats: Option<Statistics>,
    pub connected: bool,
    /// False under `NO_COLOR`: the pages keep bold, and lose their colours.
    pub colour: bool,
    /// The last question the server refused (a unit's staff may not read the statistics).
    pub failure: Option<String>,
    pub now: Timestamp,
}

impl Wall {
    pub fn new(lang: Lang, now: Timestamp) -> Wall {
        Wall { lang, page: 0, counts: None, stats: None, connected: true, colour: true, failure: None, now }
    }

    pub fn page(&self) -> Page {
        Page::ALL[self.page % Page::ALL.len()]
    }

    pub fn next_page(&mut self) {
        self.page = (self.page + 1) % Page::ALL.len();
    }

    fn t(&self, m: Msg) -> &'static str {
        m.text(self.lang)
    }

    fn view(&self, i: usize) -> Option<u64> {
        self.counts.as_ref().and_then(|c| c.views.get(i)).map(|n| *n as u64)
    }

    fn today(&self) -> Option<u64> {
        let today = self.now.china_date();
        self.stats.as_ref().map(|s| s.by_day.iter().find(|d| d.date == today).map_or(0, |d| d.count))
    }
}

pub fn draw(f: &mut Frame, wall: &Wall) {
    let area = f.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let text =
            format!("{} {}x{} < {MIN_WIDTH}x{MIN_HEIGHT}", wall.t(Msg::TooSmall), area.width, area.height);
        f.render_widget(Paragraph::new(text).alignment(Alignment::Center), area);
        return;
    }
    let [head, body, foot] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(0), Constraint::Length(1)]).areas(area);
    draw_header(f, head, wall);
    match wall.page() {
        Page::Live => live(f, body, wall),
        Page::Trend => trend(f, body, wall),
        Page::Alerts => alerts(f, body, wall),
        Page::Places => places(f, body, wall),
    }
    draw_footer(f, foot, wall);
    if !wall.colour {
        for cell in f.buffer_mut().content.iter_mut() {
            cell.set_fg(Color::Reset).set_bg(Color::Reset);
        }
    }
}

fn draw_header(f: &mut Frame, area: Rect, wall: &Wall) {
    let clock = wall.now.china().format("%Y-%m-%d %H:%M").to_string();
    let left = Line::from(vec![
        Span::styled(wall.t(Msg::WallTitle), Style::new().add_modifier(Modifier::BOLD).fg(Color::Cyan)),
        Span::raw(" · "),
        Span::styled(wall.t(wall.page().title()), Style::new().add_modifier(Modifier::BOLD)),
        Span::raw(format!("  {}/{}", wall.page % Page::ALL.len() + 1, Page::ALL.len())),
    ]);
    f.render_widget(Paragraph::new(left), area);
    f.render_widget(Paragraph::new(clock).alignment(Alignment::Right), area);
}

fn draw_footer(f: &mut Frame, area: Rect, wall: &Wall) {
    let (text, style) = if !wall.connected {
        (wall.t(Msg::WallLost).to_string(), Style::new().fg(Color::Red).add_modifier(Modifier::BOLD))
    } else if let Some(failure) = &wall.failure {
        (failure.clone(), Style::new().fg(Color::Red))
    } else {
        let period = wall.stats.as_ref().map_or(String::new(), |s| {
            format!("{} – {}  ", s.period.from.format("%m-%d"), s.period.to.format("%m-%d"))
        });
        (period, Style::new().fg(Color::DarkGray))
    };
    f.render_widget(Paragraph::new(Span::styled(text, style)), area);
    f.render_widget(
        Paragraph::new(Span::styled(wall.t(Msg::WallQuit), Style::new().fg(Color::DarkGray)))
            .alignment(Alignment::Right),
        area,
    );
}

/// A titled box.
fn boxed(title: &str) -> Block<'_> {
    Block::new()
        .borders(Borders::ALL)
        .title(Span::styled(format!(" {title} "), Style::new().add_modifier(Modifier::BOLD)))
}

/// One key figure in a box: in block digits when they fit, else in bold.
fn figure(f: &mut Frame, area: Rect, label: &str, value: Option<u64>, colour: Color) {
    let block = boxed(label);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let style = Style::new().fg(colour).add_modifier(Modifier::BOLD);
    let Some(n) = value else {
        f.render_widget(Paragraph::new("…").alignment(Alignment::Center), inner);
        return;
    };
    let scale = digits::fitting_scale(n, inner.width, inner.height);
    if scale > 0 {
        let height = digits::HEIGHT * scale;
        let top = inner.y + (inner.height - height) / 2;
        let lines: Vec<Line> = digits::scaled(n, scale).into_iter().map(|r| Line::styled(r, style)).collect();
        let rect = Rect::new(inner.x, top, inner.width, height);
        f.render_widget(Paragraph::new(lines).alignment(Alignment::Center), rect);
    } else {
        let top = inner.y + inner.height.saturating_sub(1) / 2;
        let rect = Rect::new(inner.x, top, inner.width, 1.min(inner.height));
        f.render_widget(
            Paragraph::new(Span::styled(n.to_string(), style)).alignment(Alignment::Center),
            rect,
        );
    }
}

/// `name` cut or padded to `width` columns.
fn fit(name: &str, width: usize) -> String {
    let mut out = String::new();
    let mut used = 0;
    for c in name.chars() {
        let w = UnicodeWidthStr::width(c.encode_utf8(&mut [0; 4]) as &str);
        if used + w > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push_str(&" ".repeat(width - used));
    out
}

/// One row of a ranking: a name, a bar as long as its share of the largest, the figure and a note.
struct Ranked {
    name: String,
    value: u64,
    note: String,
}

/// Rankings as bars that fill `width` columns, the largest the full bar.
fn ranking(rows: &[Ranked], width: u16, colour: Color) -> Vec<Line<'static>> {
    // A long merchant name may take a third of the row; a narrow box still shows eight characters.
    let name_cap = (width as usize / 3).max(16);
    let name_w =
        rows.iter().map(|r| UnicodeWidthStr::width(r.name.as_str())).max().unwrap_or(0).min(name_cap);
    let value_w = rows.iter().map(|r| r.value.to_string().len()).max().unwrap_or(1);
    let note_w = rows.iter().map(|r| UnicodeWidthStr::width(r.note.as_str())).max().unwrap_or(0);
    let bar_w = (width as usize).saturating_sub(name_w + value_w + note_w + 4);
    let max = rows.iter().map(|r| r.value).max().unwrap_or(0).max(1);
    rows.iter()
        .map(|r| {
            let len = if r.value == 0 { 0 } else { ((r.value * bar_w as u64).div_ceil(max)) as usize };
            Line::from(vec![
                Span::raw(fit(&r.name, name_w)),
                Span::raw(" "),
                Span::styled("█".repeat(len), Style::new().fg(colour)),
                Span::raw(" ".repeat(bar_w - len.min(bar_w) + 1)),
                Span::styled(format!("{:>value_w$}", r.value), Style::new().add_modifier(Modifier::BOLD)),
                Span::raw(" "),
                Span::styled(r.note.clone(), Style::new().fg(Color::DarkGray)),
            ])
        })
        .collect()
}

/// The change against the previous period, as an arrow and a figure.
fn change(now: u64, before: u64) -> String {
    match now.cmp(&before) {
        std::cmp::Ordering::Greater => format!("↑{}", now - before),
        std::cmp::Ordering::Less => format!("↓{}", before - now),
        std::cmp::Ordering::Equal => "–".into(),
    }
}

/// A ranking in a titled box; "none" when it is empty, "loading" before the first answer.
fn ranking_box(f: &mut Frame, area: Rect, wall: &Wall, title: &str, rows: Option<Vec<Ranked>>, c: Color) {
    let block = boxed(title);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let lines = match rows {
        None => vec![Line::raw(wall.t(Msg::WallWaiting))],
        Some(rows) if rows.is_empty() => vec![Line::raw(wall.t(Msg::WallNone))],
        Some(mut rows) => {
            rows.truncate(inner.height as usize);
            ranking(&rows, inner.width, c)
        }
    };
    f.render_widget(Paragraph::new(lines), inner);
}

fn breakdown(wall: &Wall, d: Dimension) -> Option<Vec<Ranked>> {
    wall.stats.as_ref().map(|s| {
        s.breakdown(d)
            .iter()
            .filter_map(|k| {
                let key = k.key.as_deref()?;
                let name =
                    if d == Dimension::Channel { channel_label(wall.lang, key) } else { key.to_string() };
                (k.count > 0).then(|| Ranked { name, value: k.count, note: change(k.count, k.previous) })
            })
            .collect()
    })
}

fn live(f: &mut Frame, area: Rect, wall: &Wall) {
    // The figures take a third of a large wall (their digits grow), never less than one size.
    let tall = (area.height / 3).max(digits::HEIGHT + 2);
    let [figures, lists] = Layout::vertical([Constraint::Length(tall), Constraint::Min(0)]).areas(area);
    let [a, b, c] = Layout::horizontal([Constraint::Ratio(1, 3); 3]).areas(figures);
    figure(f, a, wall.t(Msg::WallOpen), wall.view(0), Color::Cyan);
    figure(f, b, wall.t(Msg::WallOverdue), wall.view(1), Color::Red);
    figure(f, c, wall.t(Msg::WallToday), wall.today(), Color::Green);
    let [left, right] = Layout::horizontal([Constraint::Ratio(1, 2); 2]).areas(lists);
    let open = wall.counts.as_ref().map(|c| {
        let mut rows: Vec<Ranked> = c
            .by_channel
            .iter()
            .map(|(id, n)| Ranked {
                name: channel_label(wall.lang, id),
                value: *n as u64,
                note: String::new(),
            })
            .collect();
        rows.sort_by(|x, y| y.value.cmp(&x.value).then(x.name.cmp(&y.name)));
        rows
    });
    ranking_box(f, left, wall, wall.t(Msg::WallOpenByChannel), open, Color::Cyan);
    let month = wall.stats.as_ref().map_or(String::new(), |s| format!(" {}", s.total));
    let title = format!("{}{month}", wall.t(Msg::WallMonth));
    ranking_box(f, right, wall, &title, breakdown(wall, Dimension::Channel), Color::Green);
}

fn trend(f: &mut Frame, area: Rect, wall: &Wall) {
    let [chart, words] =
        Layout::horizontal([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(area);
    let block = boxed(wall.t(Msg::WallDaily));
    let inner = block.inner(chart);
    f.render_widget(block, chart);
    match &wall.stats {
        None => f.render_widget(Paragraph::new(wall.t(Msg::WallWaiting)), inner),
        Some(s) => {
            let days = s.by_day.len().max(1) as u16;
            // Wide bars with a gap when the days fit, else one column a day.
            let gap = u16::from(inner.width >= days * 3);
            let bar_width = ((inner.width + gap) / days).saturating_sub(gap).max(1);
            let bars: Vec<Bar> = s
                .by_day
                .iter()
                .map(|d| {
                    Bar::default()
                        .value(d.count)
                        .label(Line::raw(d.date.format("%d").to_string()))
                        .style(Style::new().fg(Color::Yellow))
                })
                .collect();
            let chart = BarChart::default()
                .data(BarGroup::default().bars(&bars))
                .bar_width(bar_width)
                .bar_gap(gap)
                .value_style(Style::new().fg(Color::Black).bg(Color::Yellow).add_modifier(Modifier::BOLD));
            f.render_widget(chart, inner);
        }
    }
    let hot = wall.stats.as_ref().map(|s| {
        s.hot_words
            .iter()
            .map(|w| Ranked { name: w.word.clone(), value: w.count, note: change(w.count, w.previous) })
            .collect()
    });
    ranking_box(f, words, wall, wall.t(Msg::WallHotWords), hot, Color::Magenta);
}

fn subject(lang: Lang, s: Subject) -> &'static str {
    match lang {
        Lang::Zh => s.zh(),
        Lang::En => match s {
            Subject::Word => "word",
            Subject::Category => "category",
            Subject::Merchant => "merchant",
            Subject::BusinessDistrict => "district",
        },
    }
}

fn alerts(f: &mut Frame, area: Rect, wall: &Wall) {
    let [top, bottom] = Layout::vertical([Constraint::Ratio(1, 2); 2]).areas(area);
    let block = boxed(wall.t(Msg::WallWarnings));
    let inner = block.inner(top);
    f.render_widget(block, top);
    let lines: Vec<Line> = match &wall.stats {
        None => vec![Line::raw(wall.t(Msg::WallWaiting))],
        Some(s) if s.warnings.is_empty() => vec![Line::raw(wall.t(Msg::WallNone))],
        Some(s) => s
            .warnings
            .iter()
            .map(|w| {
                Line::from(vec![
                    Span::styled("▲ ", Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)),
                    Span::raw(format!("[{}] ", subject(wall.lang, w.subject))),
                    Span::styled(w.key.clone(), Style::new().add_modifier(Modifier::BOLD)),
                    Span::styled(
                        format!("  {} {}", w.count, wall.t(Msg::WallTickets)),
                        Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
                    ),
                    Span::styled(
                        format!(
                            "  ({} {:.1})  {}–{}",
                            wall.t(Msg::WallExpected),
                            w.expected,
                            w.from.format("%m-%d"),
                            w.to.format("%m-%d")
                        ),
                        Style::new().fg(Color::DarkGray),
                    ),
                ])
            })
            .collect(),
    };
    f.render_widget(Paragraph::new(lines), inner);
    let merchants = wall.stats.as_ref().map(|s| {
        s.merchants_at_risk
            .iter()
            .map(|m| Ranked { name: m.name.clone(), value: m.tickets, note: change(m.tickets, m.previous) })
            .collect()
    });
    ranking_box(f, bottom, wall, wall.t(Msg::WallMerchants), merchants, Color::Red);
}

fn places(f: &mut Frame, area: Rect, wall: &Wall) {
    let [left, right] = Layout::horizontal([Constraint::Ratio(1, 2); 2]).areas(area);
    ranking_box(f, left, wall, wall.t(Msg::WallTowns), breakdown(wall, Dimension::Town), Color::Yellow);
    let districts = breakdown(wall, Dimension::BusinessDistrict);
    ranking_box(f, right, wall, wall.t(Msg::WallDistricts), districts, Color::Yellow);
}
