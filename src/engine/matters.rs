//! What a clerk wants to know before dispatching: where to send the ticket (suggestions with
//! reasons) and whether it is a matter the bureau already has (duplicate candidates).

use super::reader::Reader;
use super::view::TicketSummary;
use super::window::Fields;
use crate::domain::suggest::{self, Evidence, Suggestion};
use crate::domain::ticket::{Ticket, TicketId};
use crate::store::write::normalise_phone;
use crate::store::{StoreError, TextIndex};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// How far back a duplicate is looked for.
const DUPLICATE_DAYS: i64 = 30;
/// Candidates shown at most.
const MAX_DUPLICATES: usize = 12;

/// What to look for duplicates of: a stored ticket, or a clerk's draft before it is saved.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Probe {
    Ticket(TicketId),
    Draft(Box<crate::domain::ticket::NewTicket>),
}

/// A ticket that may be the same matter, and why.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Duplicate {
    pub summary: TicketSummary,
    /// `same_phone`, `same_credit_code`, `same_respondent`, `similar_title`.
    pub reasons: Vec<String>,
}

impl Reader {
    pub fn suggest(&self, id: TicketId) -> Result<Vec<Suggestion>, StoreError> {
        let Some(t) = self.ticket(id)? else { return Ok(Vec::new()) };
        let mut history: HashMap<String, usize> = HashMap::new();
        for other in self.merchant_tickets(&t)? {
            if other != id
                && let Some(row) = self.store().summary(other)?
                && let Some(unit) = row.unit
            {
                *history.entry(unit).or_default() += 1;
            }
        }
        let loads = self.unit_loads()?;
        let places: Vec<&str> = [
            t.respondent.address.as_deref(),
            t.respondent.premises.as_deref(),
            Some(t.dispute.title.as_str()),
            t.dispute.facts.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect();
        let ev = Evidence {
            places: &places,
            town: t.intake.town.as_deref(),
            category: t.dispute.category.as_deref(),
            dispute_type: t.dispute.dispute_type.as_deref(),
            history: &history,
            loads: &loads,
        };
        Ok(suggest::suggest(&self.config().org, &ev))
    }

    /// The merchant's tickets: by credit code, else by name.
    fn merchant_tickets(&self, t: &Ticket) -> Result<Vec<TicketId>, StoreError> {
        let store = self.store();
        if let Some(code) = t.respondent.credit_code.as_deref().filter(|c| !c.trim().is_empty()) {
            return store.ids_with(TextIndex::CreditCode, &code.to_uppercase()).collect();
        }
        match t.respondent.name.as_deref().filter(|n| !n.trim().is_empty()) {
            Some(name) => store.ids_with(TextIndex::Respondent, name).collect(),
            None => Ok(Vec::new()),
        }
    }

    /// Open tickets per unit.
    fn unit_loads(&self) -> Result<HashMap<String, usize>, StoreError> {
        let mut loads = HashMap::new();
        self.each_open(|row| {
            if let Some(unit) = row.unit() {
                *loads.entry(unit.to_string()).or_default() += 1;
            }
        })?;
        Ok(loads)
    }

    pub fn duplicates(&self, probe: &Probe) -> Result<Vec<Duplicate>, StoreError> {
        let (id, t) = match probe {
            Probe::Ticket(id) => match self.ticket(*id)? {
                Some(t) => (*id, t),
                None => return Ok(Vec::new()),
            },
            Probe::Draft(draft) => {
                let mut t = Ticket::blank(TicketId(0), self.now());
                t.complainant = draft.complainant.clone();
                t.respondent = draft.respondent.clone();
                t.dispute = draft.dispute.clone();
                t.intake = draft.intake.clone();
                (TicketId(0), t)
            }
        };
        let store = self.store();
        let mut found: BTreeMap<TicketId, BTreeSet<&'static str>> = BTreeMap::new();
        let mut note = |ids: Vec<TicketId>, why: &'static str| {
            for other in ids {
                if other != id {
                    found.entry(other).or_default().insert(why);
                }
            }
        };
        for phone in [t.complainant.phone.as_deref(), t.intake.caller_number.as_deref()].into_iter().flatten()
        {
            if let Some(p) = normalise_phone(phone) {
                note(store.ids_with(TextIndex::Phone, &p).collect::<Result<_, _>>()?, "same_phone");
            }
        }
        if let Some(code) = t.respondent.credit_code.as_deref().filter(|c| !c.trim().is_empty()) {
            let ids =
                store.ids_with(TextIndex::CreditCode, &code.to_uppercase()).collect::<Result<_, _>>()?;
            note(ids, "same_credit_code");
        }
        if let Some(name) = t.respondent.name.as_deref().filter(|n| n.chars().count() >= 2) {
            note(store.ids_with(TextIndex::Respondent, name).collect::<Result<_, _>>()?, "same_respondent");
        }
        self.each_open(|row| {
            if row.id() != id && similar_titles(row.title(), &t.dispute.title) {
                found.entry(row.id()).or_default().insert("similar_title");
            }
        })?;
        let received = t.intake.received_at.unwrap_or(t.created_at);
        let window = DUPLICATE_DAYS * 86_400_000;
        let mut out = Vec::new();
        for (other, reasons) in found {
            let Some(row) = store.summary(other)? else { continue };
            let at = row.received_at.unwrap_or(row.updated_at);
            if (at.millis() - received.millis()).abs() > window
                || row.status == crate::domain::status::Status::Merged
            {
                continue;
            }
            let summary = TicketSummary::of(&row, self.config(), self.now());
            out.push(Duplicate { summary, reasons: reasons.into_iter().map(str::to_string).collect() });
        }
        out.sort_by_key(|d| std::cmp::Reverse(d.reasons.len()));
        out.truncate(MAX_DUPLICATES);
        Ok(out)
    }
}

/// Two titles share most of their character pairs (bigrams): the same matter in other words.
pub fn similar_titles(a: &str, b: &str) -> bool {
    let pairs = |s: &str| -> BTreeSet<(char, char)> {
        let chars: Vec<char> =
            s.chars().filter(|c| !c.is_whitespace() && !c.is_ascii_punctuation()).collect();
        chars.windows(2).map(|w| (w[0], w[1])).collect()
    };
    let (pa, pb) = (pairs(a), pairs(b));
    if pa.len() < 3 || pb.len() < 3 {
        return false;
    }
    let shared = pa.intersection(&pb).count();
    shared * 10 >= pa.len().min(pb.len()) * 6
}

#[cfg(test)]
mod tests {
    use super::similar_titles;

    #[test]
    fn the_same_matter_in_other_words_has_a_similar_title() {
        assert!(similar_titles("健身房预付卡退费难", "力健健身房预付卡不退费"));
        assert!(!similar_titles("健身房预付卡退费难", "空调安装收取高额费用"));
    }
}
