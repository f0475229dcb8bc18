//! Panels over the screen: help, the palette, the dispatch panel, the actions menu, an action's
//! form, a confirmation, the intake form.

use super::super::action::{Action, Context};
use super::super::app::{App, Popup, palette_matches};
use super::super::dispatch::{self, Dispatch, Part};
use super::super::i18n::{self, Msg};
use super::super::intake::{IntakeForm, MANUAL_CHANNELS, Slot};
use super::super::keymap::show_sequence;
use super::super::picker::Picker;
use super::super::text;
use super::block;
use crate::domain::ticket::Kind;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h }
}

/// Empties `r` for a panel. A wide character of the screen behind that starts in the column just
/// left of the panel covers the panel's first column too: the terminal would show it and drop
/// the panel's border (ratatui skips a cell hidden by a wide character). It is blanked.
fn clear(frame: &mut Frame, r: Rect) {
    frame.render_widget(Clear, r);
    if r.x == 0 {
        return;
    }
    let buf = frame.buffer_mut();
    for y in r.top()..r.bottom() {
        let cell = &mut buf[(r.x - 1, y)];
        if text::width(cell.symbol()) > 1 {
            cell.set_symbol(" ");
        }
    }
}

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    match &app.popup {
        None => {}
        Some(Popup::Help { scroll }) => help(frame, app, area, *scroll),
        Some(Popup::Palette { input, cursor }) => {
            palette(frame, app, area, &input.text, input.before_cursor(), *cursor)
        }
        Some(Popup::Dispatch(d)) => dispatch_panel(frame, app, area, d),
        Some(Popup::Actions { offered, cursor, ticket }) => {
            let r = centered(area, 36, offered.len() as u16 + 2);
            let b = block(app, &format!("#{ticket} {}", Msg::Offered.text(app.lang)), true);
            let inner = b.inner(r);
            clear(frame, r);
            frame.render_widget(b, r);
            let lines: Vec<Line> = offered
                .iter()
                .enumerate()
                .map(|(i, a)| {
                    let style = if i == *cursor { app.theme.style("selected") } else { Style::default() };
                    let label = i18n::lifecycle(a, app.lang);
                    let line = if label == a { format!(" {a}") } else { format!(" {label}  {a}") };
                    Line::styled(text::pad(&line, inner.width as usize), style)
                })
                .collect();
            frame.render_widget(Paragraph::new(lines), inner);
        }
        Some(Popup::Form(f)) => {
            let r = centered(area, 64, f.fields.len() as u16 * 2 + 5);
            let ids: Vec<String> = f.tickets.iter().map(|t| format!("#{t}")).collect();
            let b = block(app, &format!("{} {}", i18n::lifecycle(&f.action, app.lang), ids.join(" ")), true);
            let inner = b.inner(r);
            clear(frame, r);
            frame.render_widget(b, r);
            let mut lines = Vec::new();
            for (i, field) in f.fields.iter().enumerate() {
                let focus = i == f.focus;
                lines.push(Line::styled(
                    field.label.text(app.lang).to_string(),
                    app.theme.style(if focus { "accent" } else { "muted" }),
                ));
                lines.push(Line::styled(
                    format!("  {}", field.shown()),
                    if focus { app.theme.style("selected") } else { Style::default() },
                ));
                if focus && field.is_text() {
                    let x = inner.x + 2 + text::width(field.input.before_cursor()) as u16;
                    frame.set_cursor_position((
                        x.min(inner.right().saturating_sub(1)),
                        inner.y + 1 + 2 * i as u16,
                    ));
                }
            }
            if let Some(e) = &f.error {
                lines.push(Line::styled(e.clone(), app.theme.style("error")));
            }
            frame.render_widget(Paragraph::new(lines), inner);
        }
        Some(Popup::Confirm { question, .. }) => {
            let w = (text::width(question) as u16 + 4).clamp(30, area.width);
            let r = centered(area, w, 3);
            clear(frame, r);
            let b = block(app, Action::Confirm.label(app.lang), true);
            let inner = b.inner(r);
            frame.render_widget(b, r);
            frame.render_widget(Paragraph::new(question.clone()).style(app.theme.style("warn")), inner);
        }
        Some(Popup::Intake(f)) => intake(frame, app, area, f),
        Some(Popup::StatsRange(f)) => {
            let r = centered(area, 44, 6);
            clear(frame, r);
            super::stats::range_form(frame, app, r, f);
        }
        Some(Popup::StatsScope(p)) => {
            let r = centered(area, area.width.saturating_sub(4).min(64), area.height.saturating_sub(4));
            clear(frame, r);
            super::stats::scope_picker(frame, app, r, p, |p, rows, w| picker_lines(app, p, true, rows, w));
        }
    }
}

fn help(frame: &mut Frame, app: &App, area: Rect, scroll: u16) {
    let r = centered(area, 72, area.height.saturating_sub(2));
    clear(frame, r);
    let b = block(app, Msg::HelpTitle.text(app.lang), true);
    let inner = b.inner(r);
    frame.render_widget(b, r);
    // Generated from the live keymap: what the clerk's own keys do.
    let mut lines = Vec::new();
    for context in [Context::List, Context::Detail, Context::Panel, Context::Stats, Context::Global] {
        lines.push(Line::styled(format!("[{}]", context.code()), app.theme.style("header")));
        for (keys, action) in app.keymap.bindings(context) {
            let danger = if action.destructive() { " !" } else { "" };
            lines.push(Line::from(vec![
                Span::styled(
                    format!("  {} ", text::pad(&show_sequence(&keys), 12)),
                    app.theme.style("hint_key"),
                ),
                Span::raw(format!("{}{danger}", action.label(app.lang))),
                Span::styled(format!("  {}", action.name()), app.theme.style("muted")),
            ]));
        }
    }
    // Never scrolled past its last line (the app counts key presses, not lines).
    let last = lines.len().saturating_sub(inner.height as usize) as u16;
    frame.render_widget(Paragraph::new(lines).scroll((scroll.min(last), 0)), inner);
}

fn palette(frame: &mut Frame, app: &App, area: Rect, typed: &str, before: &str, cursor: usize) {
    let matches = palette_matches(typed, app.lang);
    let h = (matches.len() as u16 + 3).min(area.height.saturating_sub(4)).max(4);
    let r = Rect { y: area.y + 2, ..centered(area, 60, h) };
    clear(frame, r);
    let b = block(app, Msg::PaletteTitle.text(app.lang), true);
    let inner = b.inner(r);
    frame.render_widget(b, r);
    let mut lines = vec![Line::raw(format!(":{typed}"))];
    let context = app.context();
    let top = cursor.saturating_sub(inner.height.saturating_sub(2) as usize);
    for (i, a) in matches.iter().enumerate().skip(top).take(inner.height as usize - 1) {
        let key = app
            .keymap
            .key_for(context, *a)
            .or_else(|| app.keymap.key_for(Context::List, *a))
            .or_else(|| app.keymap.key_for(Context::Stats, *a))
            .unwrap_or_default();
        let style = if i == cursor { app.theme.style("selected") } else { Style::default() };
        let line = format!(" {} {} {}", text::pad(a.name(), 16), text::pad(a.label(app.lang), 20), key);
        lines.push(Line::styled(text::pad(&line, inner.width as usize), style));
    }
    frame.render_widget(Paragraph::new(lines), inner);
    frame.set_cursor_position((inner.x + 1 + text::width(before) as u16, inner.y));
}

fn picker_lines(app: &App, p: &Picker, focused: bool, rows: usize, width: usize) -> Vec<Line<'static>> {
    let mut lines = vec![Line::styled(
        format!("> {}", p.filter.text),
        if focused { app.theme.style("accent") } else { app.theme.style("muted") },
    )];
    let top = p.cursor.saturating_sub(rows.saturating_sub(2));
    for (pos, &i) in p.shown.iter().enumerate().skip(top).take(rows.saturating_sub(1)) {
        let item = &p.items[i];
        let chosen = p.chosen.as_deref() == Some(item.code.as_str());
        let mark = if chosen { "*" } else { " " };
        let style = if focused && pos == p.cursor { app.theme.style("selected") } else { Style::default() };
        let line = format!("{mark}{} {}", text::pad(&item.label, 18), item.note);
        lines.push(Line::styled(text::pad(&text::fit(&line, width), width), style));
    }
    lines
}

fn dispatch_panel(frame: &mut Frame, app: &App, area: Rect, d: &Dispatch) {
    let r = centered(area, area.width.saturating_sub(4).min(110), area.height.saturating_sub(2));
    clear(frame, r);
    let ids: Vec<String> = d.tickets.iter().map(|t| format!("#{t}")).collect();
    let b =
        block(app, &format!("{} {}", Action::Dispatch.label(app.lang), text::fit(&ids.join(" "), 40)), true);
    let inner = b.inner(r);
    frame.render_widget(b, r);
    let w = inner.width as usize;
    let mut lines = Vec::new();
    if let Some(f) = &d.first {
        lines.push(Line::styled(text::fit(&text::clean(&f.title), w), app.theme.style("title")));
    }
    let label = |p: Part, m: Msg| {
        let style = if d.part == p { app.theme.style("accent") } else { app.theme.style("muted") };
        Span::styled(format!("{}: ", m.text(app.lang)), style)
    };
    lines.push(Line::from(vec![
        label(Part::Kind, Msg::Kind),
        Span::raw(format!("‹ {} ›   ", dispatch::kind_label(d.kind, app.lang))),
        label(Part::Category, Msg::Category),
        Span::raw(format!("{}   ", d.category.chosen_label().unwrap_or("—"))),
        label(Part::DisputeType, Msg::DisputeType),
        Span::raw(format!("{}   ", d.dispute.chosen_label().unwrap_or("—"))),
        label(Part::Unit, Msg::Unit),
        Span::raw(d.unit.chosen_label().unwrap_or("—").to_string()),
    ]));
    let clocks = d.clocks(&app.config);
    let yes_no = |on: bool| match (on, app.lang.is_en()) {
        (true, false) => "是",
        (false, false) => "否",
        (true, true) => "yes",
        (false, true) => "no",
    };
    let sms = format!("‹ {} ›   ", yes_no(d.sms));
    let used = text::width(Msg::WithSms.text(app.lang)) + 2 + text::width(&sms);
    lines.push(Line::from(vec![
        label(Part::Sms, Msg::WithSms),
        Span::raw(sms),
        Span::styled(
            text::fit(
                &format!("{}: {}", Msg::ClocksApply.text(app.lang), clocks.join("，")),
                w.saturating_sub(used),
            ),
            app.theme.style("muted"),
        ),
    ]));
    // Duplicates before anything is sent.
    match &d.duplicates {
        Some(dups) if !dups.is_empty() => {
            lines.push(Line::styled(
                format!("{} ({})", Msg::Duplicates.text(app.lang), dups.len()),
                app.theme.style("warn"),
            ));
            for dup in dups.iter().take(3) {
                let why: Vec<&str> =
                    dup.reasons.iter().map(|r| dispatch::duplicate_reason(r, app.lang)).collect();
                let s = &dup.summary;
                let line = format!(
                    "  #{} {} {} [{}] {}",
                    s.id,
                    super::table::channel_name(app, &s.channel),
                    i18n::status(&s.status, app.lang),
                    why.join(text::list_separator(app.lang.is_en())),
                    text::clean(&s.title)
                );
                lines.push(Line::styled(text::fit(&line, w), app.theme.style("warn")));
            }
        }
        Some(_) => lines.push(Line::styled(Msg::NoDuplicates.text(app.lang), app.theme.style("muted"))),
        None => lines.push(Line::styled(Msg::Loading.text(app.lang), app.theme.style("muted"))),
    }
    let used = lines.len() as u16;
    frame.render_widget(Paragraph::new(lines), Rect { height: used.min(inner.height), ..inner });
    let rest = Rect { y: inner.y + used, height: inner.height.saturating_sub(used + 1), ..inner };
    let (picker, title) = match d.part {
        Part::Category => (Some(&d.category), Msg::Category),
        Part::DisputeType => (Some(&d.dispute), Msg::DisputeType),
        Part::Unit => (Some(&d.unit), if d.suggestions.is_empty() { Msg::AllUnits } else { Msg::Suggested }),
        Part::Kind => (None, Msg::Kind),
        Part::Sms => (None, Msg::WithSms),
    };
    let mut body = vec![Line::styled(title.text(app.lang).to_string(), app.theme.style("header"))];
    match picker {
        Some(p) => {
            body.extend(picker_lines(app, p, true, rest.height.saturating_sub(1) as usize, w));
            // The terminal's cursor in the filter, where an input method puts its candidates.
            if rest.height >= 2 {
                let x = rest.x + 2 + text::width(p.filter.before_cursor()) as u16;
                frame.set_cursor_position((x.min(rest.right().saturating_sub(1)), rest.y + 1));
            }
        }
        None if d.part == Part::Sms => {
            for on in [true, false] {
                let style = if on == d.sms { app.theme.style("selected") } else { Style::default() };
                body.push(Line::styled(format!(" {}", yes_no(on)), style));
            }
        }
        None => {
            for k in Kind::ALL {
                let style = if k == d.kind { app.theme.style("selected") } else { Style::default() };
                body.push(Line::styled(format!(" {}", dispatch::kind_label(k, app.lang)), style));
            }
        }
    }
    frame.render_widget(Paragraph::new(body), rest);
    let foot = Rect { y: inner.bottom().saturating_sub(1), height: 1, ..inner };
    let hint = d.error.clone().unwrap_or_else(|| Msg::ConfirmDispatch.text(app.lang).to_string());
    frame.render_widget(
        Paragraph::new(hint).style(app.theme.style(if d.error.is_some() { "error" } else { "muted" })),
        foot,
    );
}

fn intake(frame: &mut Frame, app: &App, area: Rect, f: &IntakeForm) {
    let r = centered(area, area.width.saturating_sub(4).min(100), area.height.saturating_sub(2));
    clear(frame, r);
    let b = block(app, Msg::IntakeTitle.text(app.lang), true);
    let inner = b.inner(r);
    frame.render_widget(b, r);
    let w = inner.width as usize;
    let mut lines = Vec::new();
    let label_w = 12;
    let rows = inner.height.saturating_sub(4) as usize;
    let top = f.focus.saturating_sub(rows.saturating_sub(1));
    for (i, slot) in Slot::ALL.iter().enumerate().skip(top).take(rows) {
        let focus = i == f.focus;
        let value = match slot {
            Slot::Channel => {
                let id = MANUAL_CHANNELS[f.channel];
                format!("‹ {} ›", app.config.channels.get(id).map_or(id, |c| c.name.as_str()))
            }
            Slot::Kind => format!("‹ {} ›", i18n::kind(Kind::ALL[f.kind], app.lang)),
            _ => f.inputs[i].text.clone(),
        };
        let style = if focus { app.theme.style("selected") } else { Style::default() };
        lines.push(Line::from(vec![
            Span::styled(
                text::pad(slot.label().text(app.lang), label_w),
                app.theme.style(if focus { "accent" } else { "muted" }),
            ),
            Span::styled(text::pad(&value, w.saturating_sub(label_w)), style),
        ]));
        if focus && !slot.is_choice() {
            let x = inner.x + label_w as u16 + text::width(f.inputs[i].before_cursor()) as u16;
            frame.set_cursor_position((x.min(inner.right().saturating_sub(1)), inner.y + (i - top) as u16));
        }
    }
    let missing = f.missing(app.lang);
    if !missing.is_empty() {
        lines.push(Line::styled(
            text::fit(
                &format!(
                    "{}: {}",
                    Msg::Missing.text(app.lang),
                    missing.join(text::list_separator(app.lang.is_en()))
                ),
                w,
            ),
            app.theme.style("warn"),
        ));
    }
    if !f.duplicates.is_empty() {
        let ids: Vec<String> = f.duplicates.iter().take(5).map(|d| format!("#{}", d.summary.id)).collect();
        lines.push(Line::styled(
            text::fit(&format!("{}: {}", Msg::Duplicates.text(app.lang), ids.join(" ")), w),
            app.theme.style("warn"),
        ));
    }
    match &f.error {
        Some(e) => lines.push(Line::styled(text::fit(e, w), app.theme.style("error"))),
        None => lines.push(Line::styled(Msg::Save.text(app.lang), app.theme.style("muted"))),
    }
    frame.render_widget(Paragraph::new(text::wrap_lines(lines, inner.width as usize)), inner);
}
