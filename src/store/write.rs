//! A set of writes that belong together — events, projections, index changes — applied as one
//! atomic sled batch.

use super::codec;
use super::keys::{self, TextIndex};
use super::row::Row;
use crate::domain::event::Event;
use crate::domain::ticket::{Ticket, TicketId};
use std::collections::BTreeSet;

#[derive(Default)]
pub struct WriteSet {
    batch: sled::Batch,
    writes: usize,
}

impl WriteSet {
    pub fn is_empty(&self) -> bool {
        self.writes == 0
    }

    pub fn put_event(&mut self, event: &Event) {
        self.insert(keys::event(event.seq), codec::encode(event));
    }

    pub fn put_external(&mut self, channel: &str, channel_ticket_id: &str, id: TicketId) {
        self.insert(keys::external(channel, channel_ticket_id), id.0.to_be_bytes().to_vec());
    }

    pub fn put_meta(&mut self, name: &str, value: Vec<u8>) {
        self.insert(keys::meta(name), value);
    }

    /// Writes the projections of `new` and moves its index entries from what `old` had.
    pub fn put_ticket(&mut self, old: Option<(&Ticket, &Row)>, new: &Ticket, new_row: &Row) {
        self.insert(keys::ticket(new.id), codec::encode(new));
        self.insert(keys::row(new.id), codec::encode(new_row));
        let before = old.map(|(t, r)| index_keys(t, r)).unwrap_or_default();
        let after = index_keys(new, new_row);
        for gone in before.difference(&after) {
            self.batch.remove(gone.as_slice());
            self.writes += 1;
        }
        for added in after.difference(&before) {
            self.insert(added.clone(), Vec::new());
        }
    }

    /// Re-writes a record in the current encoding (migrations).
    pub(crate) fn put_raw(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.insert(key, value);
    }

    pub(crate) fn into_batch(self) -> sled::Batch {
        self.batch
    }

    fn insert(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.batch.insert(key, value);
        self.writes += 1;
    }
}

/// Every index entry a ticket should have: one per index it has a value for.
pub fn index_keys(t: &Ticket, row: &Row) -> BTreeSet<Vec<u8>> {
    let id = t.id;
    let mut out = BTreeSet::new();
    out.insert(keys::status(t.status, id));
    let mut text = |index: TextIndex, value: Option<&str>| {
        if let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) {
            out.insert(keys::text_index(index, v, id));
        }
    };
    text(TextIndex::Channel, Some(&t.intake.channel));
    text(TextIndex::Unit, t.workflow.unit.as_deref());
    text(TextIndex::Owner, t.workflow.owner.as_deref());
    text(TextIndex::Town, t.intake.town.as_deref());
    text(TextIndex::Respondent, t.respondent.name.as_deref());
    text(TextIndex::CreditCode, t.respondent.credit_code.as_deref());
    // A phone field may hold several numbers ("137…/0757-…"): each is a line to find.
    let phones = [t.complainant.phone.as_deref(), t.intake.caller_number.as_deref()];
    for phone in phones.into_iter().flatten().flat_map(|p| p.split(['/', '、', ',', '，', ';', '；'])) {
        if let Some(p) = normalise_phone(phone) {
            text(TextIndex::Phone, Some(&p));
        }
    }
    if let Some(due) = row.earliest_due {
        out.insert(keys::deadline(due, id));
    }
    out
}

/// The digits that identify a phone line: separators dropped, the +86 country code removed.
pub fn normalise_phone(text: &str) -> Option<String> {
    let digits: String = text.chars().filter(|c| c.is_ascii_digit()).collect();
    let digits = match digits.strip_prefix("86") {
        Some(rest) if rest.len() == 11 && rest.starts_with('1') => rest.to_string(),
        _ => digits,
    };
    (digits.len() >= 5).then_some(digits)
}

#[cfg(test)]
mod tests {
    use super::normalise_phone;

    #[test]
    fn phone_numbers_are_indexed_by_their_digits_without_country_code() {
        assert_eq!(normalise_phone("+86 138-0000-1234").as_deref(), Some("13800001234"));
        assert_eq!(normalise_phone("0757-2221 3344").as_deref(), Some("075722213344"));
        assert_eq!(normalise_phone("无"), None);
    }
}
