//! One ticket: the preview beside the list, and the detail screen with every field, every
//! clock with its legal basis, the timeline and the actions the ticket offers now.

use super::super::app::{App, DetailView};
use super::super::i18n::{self, Msg};
use super::super::text;
use super::block;
use crate::domain::sla::ClockState;
use crate::engine::view::TicketDetail;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn preview(frame: &mut Frame, app: &App, area: Rect) {
    let b = block(app, Msg::Preview.text(app.lang), false);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let Some(d) = &app.preview else {
        let msg = if app.list().total() == 0 { "" } else { Msg::Loading.text(app.lang) };
        frame.render_widget(Paragraph::new(msg).style(app.theme.style("muted")), inner);
        return;
    };
    let mut lines = head(app, d);
    lines.extend(clocks(app, d, false, inner.width as usize));
    lines.extend(parties(app, d));
    frame.render_widget(Paragraph::new(text::wrap_lines(lines, inner.width as usize)), inner);
}

pub fn detail(frame: &mut Frame, app: &App, view: &DetailView, area: Rect) {
    let title = format!("#{}", view.ticket);
    let b = block(app, &title, true);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let Some(d) = &view.detail else {
        frame.render_widget(
            Paragraph::new(Msg::Loading.text(app.lang)).style(app.theme.style("muted")),
            inner,
        );
        return;
    };
    let lines = detail_lines(app, view, d, inner.width);
    frame.render_widget(Paragraph::new(lines).scroll((view.scroll, 0)), inner);
}

/// The open ticket's lines as drawn in a pane `width` cells wide, wrapped as drawn: what
/// scrolling counts, so that it ends with the last line at the bottom at every width.
pub fn detail_lines(app: &App, view: &DetailView, d: &TicketDetail, width: u16) -> Vec<Line<'static>> {
    let mut lines = head(app, d);
    let others = app.also_viewing(view.ticket);
    if !others.is_empty() {
        let label = match app.lang {
            i18n::Lang::Zh => "也在查看",
            i18n::Lang::En => "also open at",
        };
        lines.push(Line::styled(format!("{label}: {}", others.join(", ")), app.theme.style("due_soon")));
    }
    lines.push(Line::raw(""));
    lines.push(section(app, Msg::Clocks));
    lines.extend(clocks(app, d, true, width as usize));
    lines.push(Line::raw(""));
    lines.extend(parties(app, d));
    lines.push(Line::raw(""));
    lines.push(section(app, Msg::Offered));
    let offered: Vec<String> = d.actions.iter().map(|a| i18n::lifecycle(a, app.lang).to_string()).collect();
    lines.push(Line::raw(format!("  {}", offered.join("  "))));
    lines.push(Line::raw(""));
    lines.push(section(app, Msg::Delivery));
    if d.undelivered.is_empty() {
        lines.push(Line::styled(format!("  {}", Msg::AllSent.text(app.lang)), app.theme.style("muted")));
    }
    for e in &d.undelivered {
        let what = match e.effect.kind.code() {
            "sign_for" => Msg::SignFor,
            "write_back" => Msg::WriteBack,
            _ => Msg::Sms,
        };
        let state = match e.state {
            crate::store::outbox::DeliveryState::Waiting => Msg::Waiting,
            _ => Msg::Pending,
        };
        let error = e.last_error.as_deref().map(|x| format!("  {}", text::clean(x))).unwrap_or_default();
        lines.push(Line::styled(
            format!(
                "  {} {}  {} {}{error}",
                what.text(app.lang),
                state.text(app.lang),
                e.attempts,
                Msg::Attempts.text(app.lang)
            ),
            app.theme.style("warn"),
        ));
    }
    if !d.notes.is_empty() {
        lines.push(Line::raw(""));
        lines.push(section(app, Msg::Notes));
        for n in &d.notes {
            lines.push(Line::raw(format!(
                "  {} {}  {}",
                text::long_time(n.at),
                n.actor,
                text::clean(&n.text)
            )));
        }
    }
    if !d.attachments.is_empty() {
        lines.push(section(app, Msg::Attachments));
        for a in &d.attachments {
            lines.push(Line::raw(format!("  {}  {}", text::clean(&a.name), text::clean(&a.uri))));
        }
    }
    lines.push(Line::raw(""));
    lines.push(section(app, Msg::Timeline));
    for e in &d.timeline {
        lines.push(Line::from(vec![
            Span::styled(format!("  {}  ", text::long_time(e.at)), app.theme.style("muted")),
            Span::styled(format!("{}  ", text::pad(&e.actor, 12)), app.theme.style("accent")),
            Span::raw(text::clean(&e.detail)),
        ]));
    }
    text::wrap_lines(lines, width as usize)
}

fn section(app: &App, m: Msg) -> Line<'static> {
    Line::styled(m.text(app.lang).to_string(), app.theme.style("header"))
}

fn head(app: &App, d: &TicketDetail) -> Vec<Line<'static>> {
    let s = &d.summary;
    let channel = app.config.channels.get(&s.channel).map_or(s.channel.clone(), |c| c.name.clone());
    let mut lines = vec![
        Line::styled(text::clean(&s.title), app.theme.style("title")),
        Line::raw(format!(
            "#{}  {}  {}  {}  {}",
            s.id,
            channel,
            s.channel_ticket_id,
            i18n::kind_code(&s.kind, app.lang),
            i18n::status(&s.status, app.lang)
        )),
    ];
    let mut facts = vec![s.received_at.map(text::long_time).unwrap_or_default()];
    if let Some(t) = &s.town {
        facts.push(t.clone());
    }
    if let Some(u) = s.unit.as_deref() {
        facts.push(app.config.org.unit(u).map_or(u.to_string(), |x| x.name.clone()));
    }
    if let Some(o) = &s.owner {
        facts.push(format!("{} {o}", Msg::Owner.text(app.lang)));
    }
    lines.push(Line::styled(facts.join("  "), app.theme.style("muted")));
    let flags: Vec<String> = s
        .flags
        .iter()
        .map(|f| match crate::domain::ticket::Flag::from_code(f) {
            Some(flag) if !app.lang.is_en() => flag.zh().to_string(),
            None if f == crate::engine::marks::WATCHED_FLAG => {
                Msg::WatchedMerchant.text(app.lang).to_string()
            }
            _ => f.replace('_', " "),
        })
        .collect();
    if !flags.is_empty() {
        lines.push(Line::styled(
            format!("{}: {}", Msg::Flags.text(app.lang), flags.join(text::list_separator(app.lang.is_en()))),
            app.theme.style("warn"),
        ));
    }
    lines
}

/// One line per clock (two where `width` is too narrow for its due time: the time goes under it,
/// indented, rather than wrapping to the start of the next line).
fn clocks(app: &App, d: &TicketDetail, with_basis: bool, width: usize) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for c in &d.summary.clocks {
        let (state, style) = match c.state {
            ClockState::Overdue => (Msg::Overdue, app.theme.style("overdue")),
            ClockState::DueSoon => (Msg::DueSoon, app.theme.style("due_soon")),
            ClockState::Met if c.late => (Msg::Late, app.theme.style("warn")),
            ClockState::Met => (Msg::Met, app.theme.style("ok")),
            ClockState::Paused => (Msg::Paused, app.theme.style("muted")),
            ClockState::Running => (Msg::Running, Style::default()),
        };
        let basis = d.bases.iter().find(|b| b.rule == c.name);
        let name = basis.map_or(c.name.clone(), |b| b.name.clone());
        let left = if c.state == ClockState::Met {
            String::new()
        } else {
            text::time_left(c.due_at, app.now, app.lang.is_en())
        };
        let head = vec![
            Span::raw(format!("  {} ", text::pad(&name, 18))),
            Span::styled(format!("{} {}", text::pad(state.text(app.lang), 8), text::pad(&left, 6)), style),
        ];
        let mut due = vec![Span::raw(text::long_time(c.due_at))];
        if c.provisional {
            due.push(Span::styled(
                format!(" ({})", Msg::Provisional.text(app.lang)),
                app.theme.style("provisional"),
            ));
        }
        let cells = |spans: &[Span]| spans.iter().map(|s| text::width(&s.content)).sum::<usize>();
        if cells(&head) + 1 + cells(&due) <= width {
            let mut spans = head;
            spans.push(Span::raw(" "));
            spans.extend(due);
            out.push(Line::from(spans));
        } else {
            out.push(Line::from(head));
            let mut spans = vec![Span::raw("      ")];
            spans.extend(due);
            out.push(Line::from(spans));
        }
        if with_basis && let Some(b) = basis.filter(|b| !b.basis.is_empty()) {
            out.push(Line::styled(format!("      {}", b.basis), app.theme.style("muted")));
        }
    }
    out
}

fn parties(app: &App, d: &TicketDetail) -> Vec<Line<'static>> {
    let l = app.lang;
    let field = |m: Msg, v: Option<&str>| -> Option<Line<'static>> {
        v.filter(|v| !v.trim().is_empty()).map(|v| {
            Line::from(vec![
                Span::styled(format!("{}: ", m.text(l)), app.theme.style("muted")),
                Span::raw(text::clean(v)),
            ])
        })
    };
    let amount = d.dispute.amount.map(|a| a.to_string());
    [
        field(Msg::Complainant, d.complainant.name.as_deref()),
        field(Msg::Phone, d.complainant.phone.as_deref()),
        field(Msg::Address, d.complainant.address.as_deref()),
        field(Msg::Respondent, d.respondent.name.as_deref()),
        field(Msg::CreditCode, d.respondent.credit_code.as_deref()),
        field(Msg::Premises, d.respondent.premises.as_deref()),
        field(Msg::Category, d.dispute.category.as_deref()),
        field(Msg::DisputeType, d.dispute.dispute_type.as_deref()),
        field(Msg::Amount, amount.as_deref()),
        field(Msg::Request, d.dispute.request.as_deref()),
        field(Msg::Facts, d.dispute.facts.as_deref()),
        field(Msg::Result, d.workflow.result.as_deref()),
    ]
    .into_iter()
    .flatten()
    .collect()
}
