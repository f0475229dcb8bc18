//! Checks at registration. They clean a new ticket up and raise flags for triage; none of them is a
//! reason to refuse a ticket (INTERFACES.md, "Import"): a clerk decides what a flag means.

use crate::domain::credit_code::{self, CreditCodeCheck};
use crate::domain::org::Organisation;
use crate::domain::ticket::{Flag, Kind, NewTicket};
use chrono::{Months, NaiveDate};
use std::collections::BTreeSet;

/// Years after the consumer knew of the harm beyond which a complaint may be refused
/// (市场监督管理投诉举报处理暂行办法 Art. 15; the same ground stands in Order 121).
pub const COMPLAINT_YEARS: u32 = 3;

fn trim(field: &mut Option<String>) {
    if let Some(s) = field.take() {
        let t = s.trim();
        if !t.is_empty() {
            *field = Some(if t.len() == s.len() { s } else { t.to_string() });
        }
    }
}

fn trim_string(s: &mut String) {
    let t = s.trim();
    if t.len() != s.len() {
        *s = t.to_string();
    }
}

/// Keeps what dials: digits, '+' and '-'; spaces, dots and brackets go. Full-width digits become
/// ASCII. Two numbers in one field ("138…/0757-…", "138…，139…") stay apart, joined by '/',
/// instead of fusing into one long number. Text with no digit at all ("无", "-") is no number.
///
/// A number with anything else in it (`138ABCD1234`, `13800001234转8001`) is kept exactly as
/// written, never stripped to the digits (which would dial someone else): the engine flags it
/// [`Flag::BadPhone`] for a clerk to correct.
pub fn normalise_phone(text: &str) -> Option<String> {
    let text = &without_notes(text);
    let mut numbers: Vec<String> = Vec::new();
    let mut current = String::new();
    for c in text.chars() {
        let c = match c {
            '０'..='９' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '＋' => '+',
            '－' | '—' | '–' => '-',
            _ => c,
        };
        match c {
            '0'..='9' | '+' | '-' => current.push(c),
            '/' | '／' | ',' | '，' | ';' | '；' | '、' | '|' | '或' => {
                numbers.push(std::mem::take(&mut current));
            }
            c if is_phone_punctuation(c) => {}
            _ => {
                let kept = text.trim();
                return kept
                    .chars()
                    .any(|c| c.is_ascii_digit() || ('０'..='９').contains(&c))
                    .then(|| kept.to_string());
            }
        }
    }
    numbers.push(current);
    let numbers: Vec<String> = numbers
        .into_iter()
        .map(|n| n.trim_matches('-').to_string())
        .filter(|n| n.chars().any(|c| c.is_ascii_digit()))
        .collect();
    if numbers.is_empty() { None } else { Some(numbers.join("/")) }
}

/// The text without bracketed notes that hold no digit (`138…（手机）`, `0757…(办公室)`): they
/// say whose number it is, and dropping them changes no digit. A bracket with a digit (an area
/// code, `(0757)`) stays.
fn without_notes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find(['(', '（']) {
        let after_open = &rest[open..];
        let close = after_open.find([')', '）']);
        match close {
            Some(close)
                if !after_open[..close].chars().any(|c| c.is_ascii_digit() || ('０'..='９').contains(&c)) =>
            {
                out.push_str(&rest[..open]);
                let close_len = after_open[close..].chars().next().map_or(1, char::len_utf8);
                rest = &after_open[close + close_len..];
            }
            _ => {
                let open_len = after_open.chars().next().map_or(1, char::len_utf8);
                out.push_str(&rest[..open + open_len]);
                rest = &after_open[open_len..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// What people write between the digits of a number without changing it.
fn is_phone_punctuation(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '（' | '）' | '.' | '·' | '_')
}

/// A phone field that dials: after [`normalise_phone`], only digits, '+', '-' and the '/'
/// between two numbers.
pub fn phone_dials(text: &str) -> bool {
    normalise_phone(text)
        .is_some_and(|n| n.chars().all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '/')))
}

/// Tidies a new ticket in place: blank text becomes `None`, the town becomes its canonical name when
/// the organisation knows it (the raw text is kept otherwise, and flagged), the credit code is put in
/// canonical form, phone numbers keep only what dials.
pub fn normalise_new_ticket(t: &mut NewTicket, org: &Organisation) {
    let i = &mut t.intake;
    trim_string(&mut i.channel);
    trim_string(&mut i.channel_ticket_id);
    for f in [&mut i.order_no, &mut i.caller_number, &mut i.region_code, &mut i.town] {
        trim(f);
    }
    if let Some(canonical) = i.town.as_deref().and_then(|t| org.resolve_town(t)) {
        i.town = Some(canonical.to_string());
    }
    i.caller_number = i.caller_number.as_deref().and_then(normalise_phone);
    trim(&mut i.business_district);

    let c = &mut t.complainant;
    for f in [&mut c.name, &mut c.phone, &mut c.address] {
        trim(f);
    }
    c.phone = c.phone.as_deref().and_then(normalise_phone);

    let r = &mut t.respondent;
    for f in [&mut r.name, &mut r.credit_code, &mut r.address, &mut r.premises, &mut r.platform] {
        trim(f);
    }
    r.credit_code = r.credit_code.as_deref().map(credit_code::normalise).filter(|s| !s.is_empty());

    let d = &mut t.dispute;
    trim_string(&mut d.title);
    for f in [&mut d.request, &mut d.facts, &mut d.category, &mut d.dispute_type, &mut d.gb_code] {
        trim(f);
    }

    for a in &mut t.attachments {
        trim_string(&mut a.name);
        trim_string(&mut a.uri);
    }

    // 商圈 for statistics: the venue of a station named in the merchant's premises or address.
    if t.intake.business_district.is_none() {
        let places = [t.respondent.premises.as_deref(), t.respondent.address.as_deref()];
        t.intake.business_district =
            places.into_iter().flatten().find_map(|p| org.business_district_named_in(p)).map(str::to_string);
    }
}

fn blank(field: &Option<String>) -> bool {
    field.as_deref().is_none_or(|s| s.trim().is_empty())
}

/// The day a complaint about harm known on `known` stops being in time: the same calendar day
/// `COMPLAINT_YEARS` later, or the month's last day when there is none (民法典 Art. 201–202).
pub fn complaint_deadline(known: NaiveDate) -> Option<NaiveDate> {
    known.checked_add_months(Months::new(12 * COMPLAINT_YEARS))
}

/// The findings a clerk must see at triage. Works on a ticket whether or not it was normalised.
pub fn intake_flags(t: &NewTicket, org: &Organisation, today: NaiveDate) -> BTreeSet<Flag> {
    let mut flags = BTreeSet::new();
    // Without a kind the ticket is registered as a complaint, so it needs a complaint's materials.
    let kind = t.kind.unwrap_or_else(|| {
        flags.insert(Flag::KindAssumed);
        Kind::Complaint
    });

    let c = &t.complainant;
    let r = &t.respondent;
    let d = &t.dispute;
    let required: Vec<(bool, Flag)> = match kind {
        Kind::Complaint => vec![
            (blank(&c.name), Flag::MissingComplainantName),
            (blank(&c.phone), Flag::MissingComplainantPhone),
            (blank(&c.address), Flag::MissingComplainantAddress),
            (blank(&r.name), Flag::MissingRespondentName),
            (blank(&r.address), Flag::MissingRespondentAddress),
            (blank(&d.request), Flag::MissingRequest),
            (blank(&d.facts), Flag::MissingFacts),
        ],
        // A report may be anonymous and asks for nothing: it needs a target and what happened.
        Kind::Report => {
            vec![(blank(&r.name), Flag::MissingRespondentName), (blank(&d.facts), Flag::MissingFacts)]
        }
        Kind::Enquiry | Kind::Suggestion => vec![(blank(&d.facts), Flag::MissingFacts)],
    };
    flags.extend(required.into_iter().filter(|(missing, _)| *missing).map(|(_, f)| f));

    if r.credit_code
        .as_deref()
        .is_some_and(|c| !c.trim().is_empty() && credit_code::check(c) != CreditCodeCheck::Valid)
    {
        flags.insert(Flag::BadCreditCode);
    }

    let phones = [c.phone.as_deref(), t.intake.caller_number.as_deref()];
    if phones.into_iter().flatten().any(|p| !p.trim().is_empty() && !phone_dials(p)) {
        flags.insert(Flag::BadPhone);
    }

    if t.intake.town.as_deref().is_some_and(|s| !s.trim().is_empty() && org.resolve_town(s).is_none()) {
        flags.insert(Flag::UnknownTown);
    }

    // The three-year bar is a ground to refuse a complaint; reports and enquiries have no such bar.
    let known = d.harm_known_date.or(d.purchase_date);
    if kind == Kind::Complaint && known.and_then(complaint_deadline).is_some_and(|last| today > last) {
        flags.insert(Flag::PossiblyTimeBarred);
    }

    flags
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_keeps_what_dials() {
        assert_eq!(normalise_phone(" 138 0013 8000 ").as_deref(), Some("13800138000"));
        assert_eq!(normalise_phone("(0757)2222-3333").as_deref(), Some("07572222-3333"));
        assert_eq!(normalise_phone("+86 138-0013-8000").as_deref(), Some("+86138-0013-8000"));
        assert_eq!(normalise_phone("１３８００１３８０００").as_deref(), Some("13800138000"));
        assert_eq!(normalise_phone("无"), None);
        assert_eq!(normalise_phone("-"), None);
    }

    #[test]
    fn a_phone_with_letters_is_kept_as_written_not_stripped() {
        assert_eq!(normalise_phone(" 138ABCD1234 ").as_deref(), Some("138ABCD1234"));
        assert_eq!(normalise_phone("13800001234转8001").as_deref(), Some("13800001234转8001"));
        assert!(!phone_dials("138ABCD1234"));
        assert!(phone_dials("(0757) 2222.3333"));
        assert!(phone_dials("13800138000 / 0757-22223333"));
        assert_eq!(normalise_phone("138-0013-8000（手机）").as_deref(), Some("138-0013-8000"));
        assert_eq!(normalise_phone("(0757)2222-3333").as_deref(), Some("07572222-3333"));
    }

    #[test]
    fn two_numbers_in_one_field_stay_apart() {
        assert_eq!(
            normalise_phone("13800138000 / 0757-22223333").as_deref(),
            Some("13800138000/0757-22223333")
        );
        assert_eq!(normalise_phone("13800138000，").as_deref(), Some("13800138000"));
    }

    #[test]
    fn three_years_end_on_the_same_calendar_day() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(complaint_deadline(d(2022, 3, 10)), Some(d(2025, 3, 10)));
        assert_eq!(complaint_deadline(d(2024, 2, 29)), Some(d(2027, 2, 28)));
    }
}
