//! Drawing: the whole screen from the `App`'s state, nothing else. Only the rows on screen are
//! built; widths are measured in cells so Chinese text keeps its columns.

pub mod detail;
mod popup;
mod stats;
mod table;
pub use table::channel_label;

use super::action::{Action, Context};
use super::app::{App, Level, Screen};
use super::i18n::Msg;
use super::text;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

/// Below this the console says so instead of drawing a garbled screen.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 16;

/// Where things go on a screen of `area`.
pub struct Areas {
    pub header: Rect,
    pub banner: Option<Rect>,
    pub sidebar: Rect,
    pub table: Rect,
    pub preview: Option<Rect>,
    pub status: Rect,
    pub hints: Rect,
}

pub fn areas(area: Rect, app: &App) -> Areas {
    let banner_h = u16::from(!app.connected);
    let [header, banner, body, status, hints] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(banner_h),
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    let side_w = if area.width >= 110 { 24 } else { 18 };
    let [sidebar, main] = Layout::horizontal([Constraint::Length(side_w), Constraint::Min(1)]).areas(body);
    let (table, preview) = if app.preview_on && main.width >= 96 {
        let [t, p] =
            Layout::horizontal([Constraint::Min(56), Constraint::Length(main.width * 2 / 5)]).areas(main);
        (t, Some(p))
    } else if app.preview_on && main.height >= 26 {
        let [t, p] =
            Layout::vertical([Constraint::Min(8), Constraint::Length(main.height * 2 / 5)]).areas(main);
        (t, Some(p))
    } else {
        (main, None)
    };
    Areas { header, banner: (banner_h > 0).then_some(banner), sidebar, table, preview, status, hints }
}

/// The table's area and the preview's together: a screen that has no preview (the detail, the
/// health screen, the quarantine) takes both.
fn main_area(a: &Areas) -> Rect {
    let main = Rect { width: a.table.width + a.preview.map_or(0, |p| p.width), ..a.table };
    if a.preview.is_some_and(|p| p.y > a.table.y) {
        Rect { height: a.table.height + a.preview.map_or(0, |p| p.height), ..a.table }
    } else {
        main
    }
}

/// What the console must know of the layout of a screen of `area` before the next key: the
/// rows a ticket list shows and the size of the pane a ticket's detail scrolls in.
pub fn fit(app: &mut App, area: Rect) {
    let a = areas(area, app);
    app.set_list_height(list_rows(&a));
    let pane = block(app, "", true).inner(main_area(&a));
    app.set_detail_pane(pane.width, pane.height);
}

/// Rows a ticket table shows in `table` (the border and the header line taken off).
pub fn list_rows(a: &Areas) -> usize {
    a.table.height.saturating_sub(3) as usize
}

pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let msg = format!(
            "{} {}x{} < {MIN_WIDTH}x{MIN_HEIGHT}",
            Msg::TooSmall.text(app.lang),
            area.width,
            area.height
        );
        frame.render_widget(Paragraph::new(msg).wrap(ratatui::widgets::Wrap { trim: true }), area);
        return;
    }
    let a = areas(area, app);
    header(frame, app, a.header);
    if let Some(b) = a.banner {
        let line = match &app.refused {
            Some(reason) => format!(" {}: {reason} ", Msg::AccessRefused.text(app.lang)),
            None => format!(" {} ", Msg::ServerLost.text(app.lang)),
        };
        frame.render_widget(Paragraph::new(line).style(app.theme.style("banner")), b);
    }
    if app.screen == Screen::Stats && app.detail.is_none() {
        // The figures take the whole width: the sidebar's views say nothing about them.
        let body = Rect { height: a.status.y - a.sidebar.y, ..Rect { width: area.width, ..a.sidebar } };
        stats::draw(frame, app, body);
        status(frame, app, a.status);
        hints(frame, app, a.hints);
        popup::draw(frame, app, area);
        return;
    }
    table::sidebar(frame, app, a.sidebar);
    let main = main_area(&a);
    if let Some(d) = &app.detail {
        detail::detail(frame, app, d, main);
    } else if app.screen == Screen::Health {
        table::health(frame, app, main);
    } else if quarantine_shown(app) {
        table::quarantine(frame, app, main);
    } else {
        table::tickets(frame, app, a.table);
        if let Some(p) = a.preview {
            detail::preview(frame, app, p);
        }
    }
    status(frame, app, a.status);
    hints(frame, app, a.hints);
    popup::draw(frame, app, area);
}

/// The quarantine is on screen (its sidebar line is the active one).
fn quarantine_shown(app: &App) -> bool {
    app.screen == Screen::Queue
        && matches!(app.side.get(app.side_active), Some(super::app::SideItem::Quarantine))
}

pub fn block<'a>(app: &App, title: &str, focused: bool) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_set(app.theme.border_set())
        .border_style(app.theme.style(if focused { "border_focus" } else { "border" }))
        .title(Span::styled(format!(" {title} "), app.theme.style("title")))
}

fn header(frame: &mut Frame, app: &App, area: Rect) {
    let district = app.config.org.district_name();
    let view = match app.side.get(app.side_active) {
        _ if app.screen == Screen::Overdue => Msg::OverdueTitle.text(app.lang).to_string(),
        _ if app.screen == Screen::Health => Msg::Channels.text(app.lang).to_string(),
        _ if app.screen == Screen::Stats => Action::Stats.label(app.lang).to_string(),
        _ if app.screen == Screen::StatsTickets => {
            format!("{} │ {}", Msg::StatsDrillTitle.text(app.lang), app.drill_title)
        }
        Some(super::app::SideItem::View(i)) => app.views[*i].label(app.lang).to_string(),
        Some(super::app::SideItem::Channel(c)) => table::channel_name(app, c),
        _ => Msg::Quarantine.text(app.lang).to_string(),
    };
    let left = format!(" rightsdesk │ {district} │ {}", view);
    let right = format!("{} │ {} ", app.me, text::long_time(app.now));
    let w = area.width as usize;
    let room = w.saturating_sub(text::width(&right) + 1);
    let line = format!("{} {right}", text::pad(&left, room));
    frame.render_widget(Paragraph::new(text::fit(&line, w)).style(app.theme.style("title")), area);
}

fn status(frame: &mut Frame, app: &App, area: Rect) {
    if let Some(input) = &app.searching {
        let prompt = format!("/{}", input.text);
        frame.render_widget(Paragraph::new(text::fit(&prompt, area.width as usize)), area);
        let x = area.x + 1 + text::width(input.before_cursor()) as u16;
        frame.set_cursor_position((x.min(area.right().saturating_sub(1)), area.y));
        return;
    }
    let (msg, style) = match &app.flash {
        Some((m, Level::Error)) => (m.clone(), app.theme.style("error")),
        Some((m, Level::Info)) => (m.clone(), app.theme.style("ok")),
        // The health screen and the quarantine have no cursor in a ticket list.
        None if app.screen == Screen::Health => (String::new(), app.theme.style("muted")),
        None if app.screen == Screen::Stats => {
            let s = &app.stats;
            let n = s.rows(s.current(), app.lang).len();
            let at = (s.cursors[s.section] + 1).min(n);
            (format!("{} {at}/{n}", s.current().label(app.lang)), app.theme.style("muted"))
        }
        None if quarantine_shown(app) => (app.quarantine.len().to_string(), app.theme.style("muted")),
        None => {
            let list = app.list();
            let mut s = format!("{}/{}", (list.cursor + 1).min(list.total()), list.total());
            if let Some(q) = &list.spec.search {
                let matches = match Msg::Matches.text(app.lang) {
                    "matches" if list.total() == 1 => "match",
                    m => m,
                };
                // No count before the answer for this very text: "0 matches" would read as final.
                match list.loaded {
                    true => s.push_str(&format!("  /{q}  {} {matches}", list.total())),
                    false => s.push_str(&format!("  /{q}  {}", Msg::Loading.text(app.lang))),
                }
            }
            if !list.marks.is_empty() {
                s.push_str(&format!("  {} {}", list.marks.len(), Msg::Marked.text(app.lang)));
            }
            if !app.pending.is_empty() {
                s.push_str(&format!("  {} …", super::keymap::show_sequence(&app.pending)));
            }
            (s, app.theme.style("muted"))
        }
    };
    frame.render_widget(Paragraph::new(text::fit(&msg, area.width as usize)).style(style), area);
}

/// The hints bar: the keys of the few actions that matter where the clerk is.
fn hints(frame: &mut Frame, app: &App, area: Rect) {
    let context = app.context();
    let actions: &[Action] = match context {
        Context::List => &[
            Action::Open,
            Action::Dispatch,
            Action::AssignToMe,
            Action::Search,
            Action::Mark,
            Action::Overdue,
            Action::Intake,
            Action::Actions,
            Action::Palette,
            Action::Help,
            Action::Stats,
            Action::Quit,
        ],
        Context::Stats => &[
            Action::Open,
            Action::FocusNext,
            Action::StatsPeriod,
            Action::StatsRange,
            Action::StatsScope,
            Action::Back,
            Action::Help,
        ],
        Context::Detail => &[
            Action::Back,
            Action::Actions,
            Action::Dispatch,
            Action::Reveal,
            Action::Remind,
            Action::Note,
            Action::CopyNumber,
            Action::Help,
        ],
        _ => &[Action::Confirm, Action::FocusNext, Action::Back],
    };
    let mut spans = Vec::new();
    let mut used = 0;
    for a in actions.iter().filter(|a| app.offers(**a)) {
        let Some(key) = app.keymap.key_for(context, *a) else { continue };
        let label = a.label(app.lang);
        let w = text::width(&key) + text::width(label) + 3;
        if used + w > area.width as usize {
            break;
        }
        used += w;
        spans.push(Span::styled(key, app.theme.style("hint_key")));
        spans.push(Span::styled(format!(" {label}  "), app.theme.style("muted")));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// Styled text with the characters at `chars` in `hit`, cut to `max` cells.
/// A run of characters in one style is one span: a span a character cost an allocation and a
/// pass of ratatui's grapheme segmentation each, for every cell of every row on every frame.
pub fn highlighted<'a>(s: &str, chars: &[usize], max: usize, base: Style, hit: Style) -> Line<'a> {
    let cut = text::fit(s, max);
    if chars.is_empty() {
        return Line::from(if cut.is_empty() { Vec::new() } else { vec![Span::styled(cut, base)] });
    }
    let mut spans: Vec<Span> = Vec::new();
    let mut run = String::new();
    let mut run_hit = false;
    for (i, c) in cut.chars().enumerate() {
        let hit_here = chars.contains(&i);
        if hit_here != run_hit && !run.is_empty() {
            let style = if run_hit { base.patch(hit) } else { base };
            spans.push(Span::styled(std::mem::take(&mut run), style));
        }
        run_hit = hit_here;
        run.push(c);
    }
    if !run.is_empty() {
        let style = if run_hit { base.patch(hit) } else { base };
        spans.push(Span::styled(run, style));
    }
    Line::from(spans)
}
