//! The intake check for a ticket typed in by hand: `ticket register` and the console's intake
//! form give the fields as text, exactly as a file's row would, and they go through the same
//! check as every imported row (received time, kind, amount, dates, lengths), so what import
//! refuses, intake refuses with the same words. The flags a clerk sees at triage (a credit code
//! that fails its check character, a phone with letters, an unknown town) are raised when the
//! engine registers the ticket, for every channel alike.

use super::columns::Field;
use super::row::{RawRow, check_row};
use crate::domain::ticket::NewTicket;
use crate::time::Timestamp;

/// The fields of one ticket as typed, by their import names (`complainant_phone`,
/// `received_at` …, see [`super::COLUMNS`]; the Chinese headers work too).
pub struct IntakeFields {
    raw: RawRow,
}

impl Default for IntakeFields {
    fn default() -> Self {
        IntakeFields::new()
    }
}

/// A field name that is none of the import fields.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown field {0:?}: the fields are the import columns (`rightsdesk import --help`)")]
pub struct UnknownField(pub String);

/// Why a ticket cannot be registered: every problem at once, each naming its field and value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", problems.join("; "))]
pub struct IntakeRefused {
    pub problems: Vec<String>,
}

impl IntakeFields {
    pub fn new() -> Self {
        IntakeFields { raw: RawRow::new(0) }
    }

    /// Sets a field from its text; blank text leaves it unset.
    pub fn set(&mut self, field: &str, text: &str) -> Result<&mut Self, UnknownField> {
        let known = Field::from_header(field).ok_or_else(|| UnknownField(field.to_owned()))?;
        self.raw.set(known, text);
        Ok(self)
    }

    /// Sets a field when there is text for it.
    pub fn set_opt(&mut self, field: &str, text: Option<&str>) -> Result<&mut Self, UnknownField> {
        match text {
            Some(text) => self.set(field, text),
            None => Ok(self),
        }
    }
}

/// The check `ticket register` and the console's intake run before a ticket goes to the engine:
/// the same as an imported row's, except that a ticket typed in by hand may come without a
/// `channel_ticket_id` (the engine numbers a walk-in, a letter or a call itself). `now` bounds
/// `received_at` (at most a day ahead), as for an import.
pub fn validate_intake(
    fields: &IntakeFields,
    channel: &str,
    now: Timestamp,
) -> Result<NewTicket, IntakeRefused> {
    check_row(&fields.raw, channel, now, None, false).map_err(|problems| IntakeRefused { problems })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        Timestamp::parse("2026-11-28T12:00:00+08:00").expect("a time")
    }

    #[test]
    fn intake_refuses_what_import_refuses_with_the_same_words() {
        let mut fields = IntakeFields::new();
        fields.set("received_at", "昨天下午").unwrap();
        fields.set("涉案金额", "-300").unwrap();
        let refused = validate_intake(&fields, "walkin", now()).unwrap_err();
        assert_eq!(
            refused.problems,
            [
                "received_at \"昨天下午\" is not a time (write e.g. 2026-11-28 09:30, China time)",
                "amount \"-300\" is negative"
            ]
        );
    }

    #[test]
    fn a_ticket_typed_in_by_hand_may_come_without_a_number() {
        let mut fields = IntakeFields::new();
        fields.set("received_at", "2026-11-28 09:30").unwrap().set("title", "空调漏水").unwrap();
        let ticket = validate_intake(&fields, "walkin", now()).unwrap();
        assert_eq!(ticket.intake.channel_ticket_id, "");
        assert_eq!(ticket.dispute.title, "空调漏水");
    }

    #[test]
    fn an_unknown_field_name_is_an_error() {
        assert_eq!(IntakeFields::new().set("mobile", "1").err(), Some(UnknownField("mobile".into())));
    }
}
