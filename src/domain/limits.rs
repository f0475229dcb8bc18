//! Limits on free text. Everything a clerk, a unit or a channel types is kept for good in the
//! log (and in every copy of it), shown in narrow panes and sent over the socket: a note of a
//! megabyte would cost every reader, so each field has a limit, counted in characters (a
//! Chinese character is one), and the refusal names it.

use crate::domain::action::TicketAction;
use crate::domain::ticket::NewTicket;

/// Notes, reasons, results, findings, agreements, answers: a clerk's words on a ticket.
pub const TEXT: usize = 2_000;
/// Names and identifiers: a unit, an owner, an approver, a category, a clock, a file name.
pub const NAME: usize = 100;
/// An attachment's location.
pub const URI: usize = 2_000;
/// A ticket's title: shown in one list row.
pub const TITLE: usize = 200;
/// Every other field of an intake (a letter's facts can be long; it only has to stay a sane
/// size for the store and the screen). Import checks a file's rows against the same limits.
pub const INTAKE_FIELD: usize = 20_000;

/// A field over its limit: the refusal says which field, how long it is, and the limit.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field} is {chars} characters long; the limit is {limit} characters")]
pub struct TooLong {
    pub field: &'static str,
    pub chars: usize,
    pub limit: usize,
}

fn within(field: &'static str, value: &str, limit: usize) -> Result<(), TooLong> {
    // Counting stops past the limit: a huge value costs no more than a long one.
    let chars = value.chars().take(limit + 1).count();
    if chars > limit { Err(TooLong { field, chars: value.chars().count(), limit }) } else { Ok(()) }
}

fn within_opt(field: &'static str, value: &Option<String>, limit: usize) -> Result<(), TooLong> {
    value.as_deref().map_or(Ok(()), |v| within(field, v, limit))
}

/// Checks every free-text field of an action.
pub fn check_action(action: &TicketAction) -> Result<(), TooLong> {
    use TicketAction as A;
    match action {
        A::Triage { category, dispute_type, .. } => {
            within_opt("category", category, NAME)?;
            within_opt("dispute_type", dispute_type, NAME)
        }
        A::Dispatch { unit } | A::DispatchWithoutSms { unit } => within("unit", unit, NAME),
        A::Redispatch { unit, reason } => {
            within("unit", unit, NAME)?;
            within("reason", reason, TEXT)
        }
        A::Contact { note } | A::DecideFiling { note, .. } | A::TellReporter { note } => {
            within("note", note, TEXT)
        }
        A::Note { text } | A::Answer { text } => within("text", text, TEXT),
        A::Refuse { reason, note } | A::Return { reason, note } | A::ReturnToChannel { reason, note } => {
            within("reason", reason, TEXT)?;
            within_opt("note", note, TEXT)
        }
        A::Settle { agreement, .. } => within("agreement", agreement, TEXT),
        A::EndMediation { reason } | A::Reopen { reason } | A::Recall { reason } | A::Suspend { reason } => {
            within("reason", reason, TEXT)
        }
        A::Verify { findings } => within("findings", findings, TEXT),
        A::Resolve { result, .. } => within("result", result, TEXT),
        A::WriteBack { note } | A::FollowUp { note, .. } | A::Split { note, .. } | A::Remind { note } => {
            within_opt("note", note, TEXT)
        }
        A::Extend { clock, reason, approver, .. } => {
            within("clock", clock, NAME)?;
            within("reason", reason, TEXT)?;
            within("approver", approver, NAME)
        }
        A::Assign { owner } => within_opt("owner", owner, NAME),
        A::Attach { name, uri } => {
            within("name", name, NAME)?;
            within("uri", uri, URI)
        }
        A::Sign | A::Accept | A::Mediate | A::Close | A::Merge { .. } | A::Resume | A::Reveal => Ok(()),
    }
}

/// Checks every free-text field of a new ticket, from a channel, an import or a clerk.
pub fn check_new_ticket(t: &NewTicket) -> Result<(), TooLong> {
    let i = &t.intake;
    within("channel_ticket_id", &i.channel_ticket_id, INTAKE_FIELD)?;
    for (field, value) in [
        ("order_no", &i.order_no),
        ("caller_number", &i.caller_number),
        ("region_code", &i.region_code),
        ("town", &i.town),
        ("business_district", &i.business_district),
        ("complainant.name", &t.complainant.name),
        ("complainant.phone", &t.complainant.phone),
        ("complainant.address", &t.complainant.address),
        ("respondent.name", &t.respondent.name),
        ("respondent.credit_code", &t.respondent.credit_code),
        ("respondent.address", &t.respondent.address),
        ("respondent.premises", &t.respondent.premises),
        ("respondent.platform", &t.respondent.platform),
        ("category", &t.dispute.category),
        ("dispute_type", &t.dispute.dispute_type),
        ("gb_code", &t.dispute.gb_code),
    ] {
        within_opt(field, value, INTAKE_FIELD)?;
    }
    within("title", &t.dispute.title, TITLE)?;
    within_opt("request", &t.dispute.request, INTAKE_FIELD)?;
    within_opt("facts", &t.dispute.facts, INTAKE_FIELD)?;
    for a in &t.attachments {
        within("attachment name", &a.name, INTAKE_FIELD)?;
        within("attachment uri", &a.uri, INTAKE_FIELD)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_note_at_the_limit_passes_and_one_character_more_is_refused_naming_the_limit() {
        let at_limit = "已".repeat(TEXT);
        assert_eq!(check_action(&TicketAction::Note { text: at_limit }), Ok(()));
        let over = check_action(&TicketAction::Note { text: "已".repeat(TEXT + 1) }).unwrap_err();
        assert_eq!(over.to_string(), "text is 2001 characters long; the limit is 2000 characters");
    }

    #[test]
    fn characters_are_counted_not_bytes() {
        // 2,000 Chinese characters are 6,000 bytes of UTF-8, and within the limit.
        let result = "经调解，商家退还会费。".repeat(TEXT / 11);
        assert!(result.len() > TEXT);
        assert_eq!(check_action(&TicketAction::Resolve { result, amount_recovered: None }), Ok(()));
    }
}
