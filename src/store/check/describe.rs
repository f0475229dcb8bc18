//! Wording for the problems: keys, statuses, seq lists and the fields two records differ in, as
//! a person reads them.

use crate::domain::status::Status;
use crate::domain::ticket::Ticket;
use crate::store::row::Row;

pub(super) fn show(key: &[u8]) -> String {
    String::from_utf8_lossy(key).chars().map(|c| if c.is_control() { '·' } else { c }).collect()
}

pub(super) fn status_text(s: Option<Status>) -> &'static str {
    s.map(|s| s.code()).unwrap_or("not yet existing")
}

pub(super) fn span(from: u64, to: u64) -> String {
    if from == to { format!("{from}") } else { format!("{from}..={to}") }
}

/// A seq list for a message: short lists whole, long ones by their ends.
pub(super) fn seq_list(seqs: &[u64]) -> String {
    let show = |s: &[u64]| s.iter().map(u64::to_string).collect::<Vec<_>>().join(",");
    if seqs.len() <= 12 {
        format!("[{}]", show(seqs))
    } else {
        format!("[{} … {}] ({} events)", show(&seqs[..5]), show(&seqs[seqs.len() - 5..]), seqs.len())
    }
}

pub(super) fn ticket_diff(a: &Ticket, b: &Ticket) -> Vec<&'static str> {
    let mut out = Vec::new();
    let mut field = |name, same: bool| {
        if !same {
            out.push(name);
        }
    };
    field("id", a.id == b.id);
    field("kind", a.kind == b.kind);
    field("status", a.status == b.status);
    field("intake", a.intake == b.intake);
    field("complainant", a.complainant == b.complainant);
    field("respondent", a.respondent == b.respondent);
    field("dispute", a.dispute == b.dispute);
    field("workflow", a.workflow == b.workflow);
    field("clocks", a.clocks == b.clocks);
    field("notes", a.notes == b.notes);
    field("attachments", a.attachments == b.attachments);
    field("flags", a.flags == b.flags);
    field("events", a.events == b.events);
    field("created_at", a.created_at == b.created_at);
    field("updated_at", a.updated_at == b.updated_at);
    out
}

pub(super) fn row_diff(a: &Row, b: &Row) -> Vec<&'static str> {
    let mut out = Vec::new();
    let mut field = |name, same: bool| {
        if !same {
            out.push(name);
        }
    };
    field("id", a.id == b.id);
    field("kind", a.kind == b.kind);
    field("status", a.status == b.status);
    field("channel", a.channel == b.channel);
    field("channel_ticket_id", a.channel_ticket_id == b.channel_ticket_id);
    field("received_at", a.received_at == b.received_at);
    field("title", a.title == b.title);
    field("town", a.town == b.town);
    field("respondent_name", a.respondent_name == b.respondent_name);
    field("category", a.category == b.category);
    field("unit", a.unit == b.unit);
    field("owner", a.owner == b.owner);
    field("flags", a.flags == b.flags);
    field("clocks", a.clocks == b.clocks);
    field("updated_at", a.updated_at == b.updated_at);
    out
}
