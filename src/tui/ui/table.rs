//! The sidebar (saved views, channels with counts and sync health) and the lists: tickets, the
//! overdue list, channel health, the quarantine.

use super::super::app::{App, Focus, Screen, SideItem};
use super::super::i18n::{self, Lang, Msg};
use super::super::text;
use super::{block, highlighted};
use crate::domain::sla::ClockState;
use crate::engine::Circuit;
use crate::search::Field;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// A channel's name short enough for a column.
pub fn channel_name(app: &App, id: &str) -> String {
    channel_label(app.lang, id)
}

/// A channel's short name in `lang` (the wall shows it too).
pub fn channel_label(lang: Lang, id: &str) -> String {
    if lang == Lang::En || id.starts_with(|c: char| c.is_ascii_digit()) {
        return id.to_string();
    }
    const SHORT: &[(&str, &str)] = &[
        ("walkin", "来访"),
        ("letter", "来信"),
        ("phone", "来电"),
        ("mayor", "市长信箱"),
        ("rmw", "人民网"),
        ("wechat", "微信"),
        ("miniapp", "小程序"),
        ("email", "邮箱"),
        ("upper", "上级交办"),
        ("dept", "部门转办"),
        ("media", "媒体"),
        ("council", "消委会"),
        ("station", "服务站"),
    ];
    SHORT.iter().find(|(i, _)| *i == id).map(|(_, n)| n.to_string()).unwrap_or_else(|| id.to_string())
}

/// ok / lagging / failing / not configured, from the channel's health.
fn health_mark(app: &App, id: &str) -> (&'static str, Style) {
    let Some(h) = app.health.get(id) else {
        // A remote channel the server has not reported on (yet).
        let remote = app.config.channels.get(id).is_some_and(|c| c.is_remote());
        return if remote { ("?", app.theme.style("muted")) } else { (" ", Style::default()) };
    };
    if h.not_configured.is_some() {
        ("-", app.theme.style("muted"))
    } else if h.circuit != Circuit::Closed || h.failures >= 3 {
        ("!", app.theme.style("error"))
    } else if h.lag_seconds(app.now).is_none_or(|s| s > 300) {
        ("~", app.theme.style("warn"))
    } else {
        ("+", app.theme.style("ok"))
    }
}

pub fn sidebar(frame: &mut Frame, app: &App, area: Rect) {
    let focused = app.focus == Focus::Sidebar && app.detail.is_none();
    let b = block(app, Msg::Views.text(app.lang), focused);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let w = inner.width as usize;
    let rows = inner.height as usize;
    // Keep the cursor in sight.
    let first_channel = app.views.len();
    let cursor = if focused { app.side_cursor } else { app.side_active };
    let skip = cursor.saturating_sub(rows.saturating_sub(2));
    let mut lines = Vec::new();
    for (i, item) in app.side.iter().enumerate().skip(skip).take(rows) {
        let (mark, mark_style, label, count) = match item {
            SideItem::View(v) => (
                " ",
                Style::default(),
                app.views[*v].label(app.lang).to_string(),
                app.counts.views.get(*v).copied(),
            ),
            SideItem::Channel(c) => {
                let (m, s) = health_mark(app, c);
                (m, s, channel_name(app, c), app.counts.by_channel.get(c).copied())
            }
            SideItem::Quarantine => (
                " ",
                Style::default(),
                Msg::Quarantine.text(app.lang).to_string(),
                Some(app.counts.quarantined),
            ),
        };
        let count = count.map(|n| n.to_string()).unwrap_or_default();
        let name_w = w.saturating_sub(2 + text::width(&count) + 1);
        let mut style = if i == first_channel { app.theme.style("base") } else { Style::default() };
        if i == app.side_active {
            style = style.patch(app.theme.style("accent"));
        }
        if focused && i == app.side_cursor {
            style = app.theme.style("selected");
        }
        lines.push(Line::from(vec![
            Span::styled(mark.to_string(), mark_style),
            Span::styled(format!(" {} {count}", text::pad(&label, name_w)), style),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

struct Col {
    title: Msg,
    width: usize,
}

/// The respondent column's width at the narrowest table that shows it, and at its widest.
const RESPONDENT_MIN: usize = 16;
const RESPONDENT_MAX: usize = 32;

/// The columns for a table `width` cells wide. A column is as wide as its longest value in the
/// language shown (`short_status`, `short_kind`, `channel_name`), so a status or a channel is
/// never cut however wide the title is; the title takes what is left.
fn columns(width: usize, lang: Lang) -> Vec<Col> {
    use Msg as M;
    let c = |title, width| Col { title, width };
    let (status, kind) = match lang {
        Lang::Zh => (8, 4),
        Lang::En => (10, 6),
    };
    // `12315-odr` is the longest channel shown by its id.
    let channel = 9;
    if width >= 104 {
        // A merchant's registered name leads with its district (佛山市顺德区…), so a narrow
        // column shows only what every name shares: it takes a third of the room past the
        // minimum, up to a whole registered name (about 16 characters).
        let respondent = (RESPONDENT_MIN + (width - 104) / 3).min(RESPONDENT_MAX);
        vec![
            c(M::ColDue, 7),
            c(M::ColReceived, 11),
            c(M::ColChannel, channel),
            c(M::ColKind, kind),
            c(M::ColTitle, 0),
            c(M::ColRespondent, respondent),
            c(M::ColTown, 6),
            c(M::ColStatus, status),
            c(M::ColOwner, 8),
        ]
    } else if width >= 76 {
        vec![
            c(M::ColDue, 7),
            c(M::ColReceived, 11),
            c(M::ColChannel, channel),
            c(M::ColTitle, 0),
            c(M::ColTown, 6),
            c(M::ColStatus, status),
        ]
    } else {
        vec![c(M::ColDue, 7), c(M::ColChannel, channel), c(M::ColTitle, 0), c(M::ColStatus, status)]
    }
}

/// A status short enough for its column: at most 8 cells in Chinese, 10 in English.
pub fn short_status(code: &str, lang: Lang) -> String {
    let short = match (code, lang) {
        ("returned_to_channel", Lang::Zh) => "退回渠道",
        ("mediation_ended", Lang::En) => "med. ended",
        ("reporter_told", Lang::En) => "informed",
        ("written_back", Lang::En) => "wrote back",
        ("followed_up", Lang::En) => "called",
        ("returned_to_channel", Lang::En) => "to channel",
        _ => return i18n::status(code, lang),
    };
    short.to_string()
}

/// A kind short enough for its column: 4 cells in Chinese, 6 in English.
fn short_kind(code: &str, lang: Lang) -> String {
    match (code, lang) {
        ("complaint", Lang::En) => "compl.".into(),
        ("suggestion", Lang::En) => "sugg.".into(),
        ("enquiry", Lang::En) => "enq.".into(),
        _ => i18n::kind_code(code, lang),
    }
}

pub fn tickets(frame: &mut Frame, app: &App, area: Rect) {
    let list = app.list();
    let title = match app.screen {
        Screen::Overdue if app.grouped => {
            format!("{} ({})", Msg::OverdueTitle.text(app.lang), Msg::GroupedByUnit.text(app.lang))
        }
        Screen::Overdue => Msg::OverdueTitle.text(app.lang).to_string(),
        _ => format!(
            "{} {}",
            list.total(),
            match app.lang {
                Lang::Zh => "件",
                Lang::En if list.total() == 1 => "ticket",
                Lang::En => "tickets",
            }
        ),
    };
    let b = block(app, &title, app.focus == Focus::Table);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let w = inner.width as usize;
    // One cell for the mark, one space between columns.
    let mut cols = columns(w, app.lang);
    let fixed: usize = cols.iter().map(|c| c.width).sum::<usize>() + cols.len() + 1;
    for c in &mut cols {
        if c.width == 0 {
            c.width = w.saturating_sub(fixed).max(8);
        }
    }
    let mut lines = Vec::with_capacity(inner.height as usize);
    let header: String = std::iter::once(" ".to_string())
        .chain(cols.iter().map(|c| format!("{} ", text::pad(c.title.text(app.lang), c.width))))
        .collect();
    lines.push(Line::styled(text::fit(&header, w), app.theme.style("header")));
    if !list.loaded {
        lines.push(Line::styled(Msg::Loading.text(app.lang), app.theme.style("muted")));
    } else if list.total() == 0 {
        lines.push(Line::styled(Msg::NoTickets.text(app.lang), app.theme.style("muted")));
    }
    let rows = (inner.height as usize).saturating_sub(1);
    // The list scrolled for the height measured at the last resize; the banner or the preview may
    // have taken rows since. The selected row stays in sight either way.
    let top = if rows > 0 && list.cursor >= list.top + rows { list.cursor + 1 - rows } else { list.top };
    for i in top..(top + rows).min(list.total()) {
        let Some(r) = list.row(i) else {
            lines.push(Line::styled(format!(" {}", Msg::Loading.text(app.lang)), app.theme.style("muted")));
            continue;
        };
        let selected = i == list.cursor;
        let marked = list.marks.contains(&crate::domain::ticket::TicketId(r.id));
        let urgent = r.most_urgent();
        let due_style = match urgent.map(|c| c.state) {
            Some(ClockState::Overdue) => app.theme.style("overdue"),
            Some(ClockState::DueSoon) => app.theme.style("due_soon"),
            _ => app.theme.style("muted"),
        };
        let provisional = r.clocks.iter().any(|c| c.provisional && c.state != ClockState::Met);
        let due = match urgent.filter(|c| c.state != ClockState::Met) {
            Some(c) => format!(
                "{}{}",
                text::time_left(c.due_at, app.now, app.lang.is_en()),
                if provisional { "?" } else { "" }
            ),
            None => "—".into(),
        };
        let hl = list.highlight(i);
        let base = if selected { app.theme.style("selected") } else { Style::default() };
        // A ticket about a watched merchant (关注经营者) shows it in the mark column, in the
        // theme's colour, and its respondent in that colour too.
        let watched = r.flags.iter().any(|f| f == crate::engine::marks::WATCHED_FLAG);
        let lead = match (marked, watched) {
            (true, _) => Span::styled("*", base.patch(app.theme.style("marked"))),
            (false, true) => Span::styled("!", base.patch(app.theme.style("watched"))),
            (false, false) => Span::styled(" ", base.patch(app.theme.style("marked"))),
        };
        let mut spans = vec![lead];
        for c in &cols {
            let cell = |s: String, style: Style| {
                Span::styled(format!("{} ", text::pad(&text::clean(&s), c.width)), base.patch(style))
            };
            let hl_field =
                |f: Field| hl.filter(|h| h.field == Some(f)).map(|h| h.chars.as_slice()).unwrap_or(&[]);
            match c.title {
                Msg::ColDue => {
                    let style =
                        if provisional { due_style.patch(app.theme.style("provisional")) } else { due_style };
                    spans.push(cell(due.clone(), style));
                }
                Msg::ColReceived => spans
                    .push(cell(r.received_at.map(text::short_time).unwrap_or_default(), Style::default())),
                Msg::ColChannel => spans.push(cell(channel_name(app, &r.channel), Style::default())),
                Msg::ColKind => spans.push(cell(short_kind(&r.kind, app.lang), Style::default())),
                Msg::ColTitle | Msg::ColRespondent | Msg::ColTown => {
                    let (value, field) = match c.title {
                        // Grouped by unit: the unit leads the first title of its group (and the
                        // first on screen), the rest of the group indented under it.
                        Msg::ColTitle if app.grouped && app.screen == Screen::Overdue => {
                            let same_group =
                                i > list.top && list.row(i - 1).is_some_and(|p| p.unit == r.unit);
                            if same_group {
                                (format!("  {}", r.title), Field::Number)
                            } else {
                                let unit = r
                                    .unit
                                    .as_deref()
                                    .and_then(|u| app.config.org.unit(u))
                                    .map_or("—", |u| u.name.as_str());
                                (format!("【{unit}】{}", r.title), Field::Number)
                            }
                        }
                        // A match in a field without a column of its own leads the title, so the
                        // clerk sees why the row matched (`rg` found 〔容桂〕).
                        Msg::ColTitle if let Some((text, chars)) = hidden_match(app, r, hl, &cols) => {
                            let lead = format!("〔{text}〕");
                            let value = text::clean(&format!("{lead}{}", r.title));
                            let line = highlighted(&value, &chars, c.width, base, app.theme.style("match"));
                            let used = text::width(&text::fit(&value, c.width));
                            spans.extend(line.spans);
                            spans.push(Span::styled(" ".repeat(c.width - used.min(c.width) + 1), base));
                            continue;
                        }
                        Msg::ColTitle => (r.title.clone(), Field::Title),
                        Msg::ColRespondent => {
                            (r.respondent_name.clone().unwrap_or_default(), Field::Respondent)
                        }
                        _ => (r.town.clone().unwrap_or_default(), Field::Town),
                    };
                    let value = text::clean(&value);
                    let base = if watched && field == Field::Respondent {
                        base.patch(app.theme.style("watched"))
                    } else {
                        base
                    };
                    let line = highlighted(&value, hl_field(field), c.width, base, app.theme.style("match"));
                    let used = text::width(&text::fit(&value, c.width));
                    spans.extend(line.spans);
                    spans.push(Span::styled(" ".repeat(c.width - used.min(c.width) + 1), base));
                }
                Msg::ColStatus => spans.push(cell(short_status(&r.status, app.lang), Style::default())),
                _ => spans.push(cell(
                    r.owner
                        .clone()
                        .or_else(|| {
                            r.unit
                                .as_ref()
                                .map(|u| app.config.org.unit(u).map_or(u.clone(), |x| x.name.clone()))
                        })
                        .unwrap_or_default(),
                    app.theme.style("muted"),
                )),
            }
        }
        lines.push(Line::from(spans));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// A search match in a field the table shows no column for: its text and the characters to
/// highlight, counted in the title cell it will lead (after the opening bracket).
fn hidden_match(
    app: &App,
    r: &crate::engine::view::TicketSummary,
    hl: Option<&crate::search::Highlight>,
    cols: &[Col],
) -> Option<(String, Vec<usize>)> {
    let h = hl?;
    let shown = |m: Msg| cols.iter().any(|c| c.title == m);
    let text = match h.field? {
        Field::Title => return None,
        Field::Respondent if shown(Msg::ColRespondent) => return None,
        Field::Town if shown(Msg::ColTown) => return None,
        Field::Respondent => r.respondent_name.clone()?,
        Field::Town => r.town.clone()?,
        Field::District => r.business_district.clone()?,
        Field::Category => r.category.clone()?,
        Field::Unit => {
            let id = r.unit.as_deref()?;
            app.config.org.unit(id).map_or(id.to_string(), |u| u.name.clone())
        }
        Field::Number => format!("#{}", r.id),
        Field::ChannelTicketId => r.channel_ticket_id.clone(),
    };
    // `#` before the number moves its characters one on.
    let shift = if h.field == Some(Field::Number) { 2 } else { 1 };
    Some((text, h.chars.iter().map(|c| c + shift).collect()))
}

pub fn health(frame: &mut Frame, app: &App, area: Rect) {
    let b = block(app, Msg::Channels.text(app.lang), true);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let w = inner.width as usize;
    // Columns: mark, name, state, last success, tickets registered, the last error.
    let states = [Msg::HealthOk, Msg::HealthLagging, Msg::HealthFailing, Msg::HealthOff, Msg::HealthUnknown];
    let state_w = states.iter().map(|m| text::width(m.text(app.lang))).max().unwrap_or(8);
    let name_w = if w >= 90 { 30 } else { 20 };
    let header = format!(
        "  {} {} {} +",
        text::pad(Msg::Channels.text(app.lang), name_w),
        text::pad("", state_w),
        text::pad(Msg::LastSuccess.text(app.lang), 12)
    );
    let mut lines = vec![Line::styled(text::fit(&header, w), app.theme.style("header"))];
    for c in app.config.channels.remote() {
        let (mark, style) = health_mark(app, &c.id);
        let (state, last, registered, err) = match app.health.get(&c.id) {
            None => (Msg::HealthUnknown, String::new(), String::new(), String::new()),
            Some(h) => (
                match mark {
                    "-" => Msg::HealthOff,
                    "!" => Msg::HealthFailing,
                    "~" => Msg::HealthLagging,
                    _ => Msg::HealthOk,
                },
                h.last_success.map(text::short_time).unwrap_or_else(|| "—".into()),
                h.registered.to_string(),
                h.not_configured.as_deref().or(h.last_error.as_deref()).map(text::clean).unwrap_or_default(),
            ),
        };
        let line = format!(
            " {} {} {} {}  {err}",
            text::pad(&text::clean(&c.name), name_w),
            text::pad(state.text(app.lang), state_w),
            text::pad(&last, 12),
            text::pad(&registered, 5),
        );
        lines.push(Line::from(vec![
            Span::styled(mark, style),
            Span::raw(text::fit(line.trim_end(), w.saturating_sub(1))),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

pub fn quarantine(frame: &mut Frame, app: &App, area: Rect) {
    let b = block(app, Msg::Quarantine.text(app.lang), true);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let mut lines = Vec::new();
    for q in app.quarantine.iter().take(inner.height as usize) {
        let line = format!(
            "{:>5}  {}  {}  {}",
            q.id,
            text::short_time(q.at),
            text::pad(&channel_name(app, &q.channel), 9),
            text::clean(&q.reason)
        );
        lines.push(Line::raw(text::fit(&line, inner.width as usize)));
    }
    if lines.is_empty() {
        lines.push(Line::styled(Msg::NoTickets.text(app.lang), app.theme.style("muted")));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn width_of(cols: &[Col], title: Msg) -> Option<usize> {
        cols.iter().find(|c| c.title == title).map(|c| c.width)
    }

    #[test]
    fn the_respondent_column_widens_with_the_table_up_to_a_whole_registered_name() {
        assert_eq!(width_of(&columns(103, Lang::Zh), Msg::ColRespondent), None, "too narrow to show it");
        assert_eq!(width_of(&columns(104, Lang::Zh), Msg::ColRespondent), Some(RESPONDENT_MIN));
        assert_eq!(width_of(&columns(140, Lang::Zh), Msg::ColRespondent), Some(28));
        // 佛山市顺德区汇辉饮食有限公司: 14 characters, 28 cells, shown whole on a wide terminal.
        assert_eq!(width_of(&columns(174, Lang::Zh), Msg::ColRespondent), Some(RESPONDENT_MAX));
        assert_eq!(width_of(&columns(400, Lang::En), Msg::ColRespondent), Some(RESPONDENT_MAX));
        // The title still takes what is left (its width is filled in when drawn).
        assert_eq!(width_of(&columns(174, Lang::Zh), Msg::ColTitle), Some(0));
    }
}
