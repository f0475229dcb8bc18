//! Printing for people (aligned tables that measure Chinese as two columns) and for scripts
//! (JSON, CSV).

use crate::domain::sla::ClockState;
use crate::engine::view::TicketSummary;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Cuts `text` to at most `width` terminal columns, marking the cut with "…".
pub fn fit(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// Left-aligns `text` in `width` columns.
pub fn pad(text: &str, width: usize) -> String {
    let fitted = fit(text, width);
    let fill = width.saturating_sub(fitted.width());
    format!("{fitted}{}", " ".repeat(fill))
}

pub fn terminal_width() -> usize {
    std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()).filter(|w| *w >= 60).unwrap_or(120)
}

pub fn deadline_cell(s: &TicketSummary) -> String {
    match s.most_urgent() {
        None => "-".into(),
        Some(c) => {
            let state = match c.state {
                ClockState::Overdue => "超期",
                ClockState::DueSoon => "临期",
                ClockState::Running => "",
                ClockState::Paused => "中止",
                ClockState::Met => "已办",
            };
            let mark = if c.provisional { "?" } else { "" };
            format!("{} {state}{mark}", c.due_at.china().format("%m-%d %H:%M")).trim_end().to_string()
        }
    }
}

const TABLE_FIXED: [usize; 8] = [8, 9, 4, 10, 11, 6, 18, 16];

fn title_width() -> usize {
    terminal_width().saturating_sub(TABLE_FIXED.iter().sum::<usize>() + TABLE_FIXED.len()).max(10)
}

pub fn print_ticket_table(rows: &[TicketSummary]) {
    print_ticket_table_header();
    print_ticket_table_rows(rows);
}

fn print_ticket_table_header() {
    let header = [
        pad("编号", 8),
        pad("渠道", 9),
        pad("类型", 4),
        pad("状态", 10),
        pad("受理", 11),
        pad("镇街", 6),
        pad("期限", 18),
        pad("被投诉人", 16),
        "标题".to_string(),
    ];
    println!("{}", header.join(" ").trim_end());
}

fn print_ticket_table_rows(rows: &[TicketSummary]) {
    let title_width = title_width();
    for s in rows {
        let kind = crate::domain::ticket::Kind::parse(&s.kind).map(|k| k.zh()).unwrap_or(&s.kind);
        let status = crate::domain::status::Status::parse(&s.status).map(|k| k.zh()).unwrap_or(&s.status);
        let received = s.received_at.map(|t| t.china().format("%m-%d %H:%M").to_string()).unwrap_or_default();
        let cells = [
            pad(&s.id.to_string(), 8),
            pad(&s.channel, 9),
            pad(kind, 4),
            pad(status, 10),
            pad(&received, 11),
            pad(s.town.as_deref().unwrap_or("-"), 6),
            pad(&deadline_cell(s), 18),
            pad(s.respondent_name.as_deref().unwrap_or("-"), 16),
            fit(&s.title, title_width),
        ];
        println!("{}", cells.join(" ").trim_end());
    }
}

pub fn print_ticket_csv(rows: &[TicketSummary]) -> Result<(), csv::Error> {
    let mut w = csv::Writer::from_writer(std::io::stdout().lock());
    write_csv_header(&mut w)?;
    write_csv_rows(&mut w, rows)?;
    w.flush()?;
    Ok(())
}

fn write_csv_header<W: std::io::Write>(w: &mut csv::Writer<W>) -> Result<(), csv::Error> {
    w.write_record([
        "id",
        "channel",
        "channel_ticket_id",
        "kind",
        "status",
        "received_at",
        "title",
        "town",
        "respondent_name",
        "category",
        "unit",
        "owner",
        "flags",
        "next_due_at",
        "next_due_clock",
        "next_due_state",
    ])
}

fn write_csv_rows<W: std::io::Write>(
    w: &mut csv::Writer<W>,
    rows: &[TicketSummary],
) -> Result<(), csv::Error> {
    for s in rows {
        let urgent = s.most_urgent();
        let state =
            urgent.map(|c| serde_json::to_value(c.state).ok().and_then(|v| v.as_str().map(str::to_string)));
        w.write_record([
            s.id.to_string(),
            s.channel.clone(),
            s.channel_ticket_id.clone(),
            s.kind.to_string(),
            s.status.to_string(),
            s.received_at.map(|t| t.rfc3339()).unwrap_or_default(),
            s.title.clone(),
            s.town.clone().unwrap_or_default(),
            s.respondent_name.clone().unwrap_or_default(),
            s.category.clone().unwrap_or_default(),
            s.unit.clone().unwrap_or_default(),
            s.owner.clone().unwrap_or_default(),
            s.flags.join(";"),
            urgent.map(|c| c.due_at.rfc3339()).unwrap_or_default(),
            urgent.map(|c| c.name.clone()).unwrap_or_default(),
            state.flatten().unwrap_or_default(),
        ])?;
    }
    Ok(())
}

/// Tickets printed page by page as they arrive, in any of the three formats: a list of a
/// million tickets is never held whole.
pub enum TicketSink {
    Table { count: usize },
    Csv(Box<csv::Writer<std::io::Stdout>>),
    Json { count: usize },
}

impl TicketSink {
    pub fn start(format: super::args::Format) -> Result<TicketSink, csv::Error> {
        use super::args::Format;
        Ok(match format {
            Format::Table => {
                print_ticket_table_header();
                TicketSink::Table { count: 0 }
            }
            Format::Csv => {
                let mut w = csv::Writer::from_writer(std::io::stdout());
                write_csv_header(&mut w)?;
                TicketSink::Csv(Box::new(w))
            }
            Format::Json => {
                print!("[");
                TicketSink::Json { count: 0 }
            }
        })
    }

    pub fn rows(&mut self, rows: &[TicketSummary]) -> Result<(), csv::Error> {
        match self {
            TicketSink::Table { count } => {
                print_ticket_table_rows(rows);
                *count += rows.len();
            }
            TicketSink::Csv(w) => write_csv_rows(w, rows)?,
            TicketSink::Json { count } => {
                for r in rows {
                    let text = serde_json::to_string_pretty(r).unwrap_or_default();
                    let indented: Vec<String> = text.lines().map(|l| format!("  {l}")).collect();
                    print!("{}\n{}", if *count == 0 { "" } else { "," }, indented.join("\n"));
                    *count += 1;
                }
            }
        }
        Ok(())
    }

    pub fn finish(self) -> Result<(), csv::Error> {
        match self {
            TicketSink::Table { count } => eprintln!("{count} ticket(s)"),
            TicketSink::Csv(mut w) => w.flush()?,
            TicketSink::Json { count } => println!("{}]", if count == 0 { "" } else { "\n" }),
        }
        Ok(())
    }
}

pub fn print_json<T: serde::Serialize>(value: &T) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => println!("{text}"),
        Err(e) => eprintln!("error: cannot print JSON: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_text_is_cut_and_padded_by_terminal_columns() {
        assert_eq!(fit("美的空调售后推诿", 9), "美的空调…");
        assert_eq!(pad("大良", 6).width(), 6);
        assert_eq!(pad("abc", 5), "abc  ");
    }
}
