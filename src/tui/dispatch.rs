//! The dispatch panel (分拣派单): kind, category and dispute type from pick lists, the unit from
//! the organisation with the server's ranked suggestions and their reasons on top, duplicate
//! candidates shown before anything is sent, the clocks that will apply. One ticket or a
//! marked set; triage and dispatch go as one burst, each ticket's result reported.

use super::i18n::{self, Lang};
use super::picker::{Item, Picker};
use crate::config::Config;
use crate::domain::action::TicketAction;
use crate::domain::org::UnitKind;
use crate::domain::suggest::{Reason, Suggestion};
use crate::domain::ticket::{Kind, TicketId};
use crate::domain::vocab;
use crate::engine::matters::Duplicate;
use crate::engine::view::TicketSummary;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    Kind,
    Category,
    DisputeType,
    Unit,
    /// Whether the unit gets the dispatch SMS.
    Sms,
}

impl Part {
    const ORDER: [Part; 5] = [Part::Kind, Part::Category, Part::DisputeType, Part::Unit, Part::Sms];
    pub fn next(self) -> Part {
        let i = Part::ORDER.iter().position(|p| *p == self).unwrap_or(0);
        Part::ORDER[(i + 1) % Part::ORDER.len()]
    }
}

pub struct Dispatch {
    pub tickets: Vec<TicketId>,
    /// The first ticket, as the list showed it.
    pub first: Option<TicketSummary>,
    pub kind: Kind,
    pub category: Picker,
    pub dispute: Picker,
    pub unit: Picker,
    pub part: Part,
    pub suggestions: Vec<Suggestion>,
    pub duplicates: Option<Vec<Duplicate>>,
    pub error: Option<String>,
    /// Send the unit the dispatch SMS (the default).
    pub sms: bool,
}

fn items(list: &[&str]) -> Vec<Item> {
    list.iter().map(|s| Item { code: s.to_string(), label: s.to_string(), note: String::new() }).collect()
}

impl Dispatch {
    pub fn new(
        tickets: Vec<TicketId>,
        first: Option<TicketSummary>,
        config: &Config,
        lang: Lang,
    ) -> Dispatch {
        let kind = first.as_ref().and_then(|f| Kind::parse(&f.kind)).unwrap_or(Kind::Complaint);
        let mut category = Picker::new(items(vocab::CATEGORIES));
        category.preselect(first.as_ref().and_then(|f| f.category.as_deref()));
        let dispute = Picker::new(items(if kind == Kind::Report {
            vocab::REPORT_PROBLEMS
        } else {
            vocab::DISPUTE_TYPES
        }));
        let unit = Picker::new(unit_items(config, &[], lang));
        Dispatch {
            tickets,
            first,
            kind,
            category,
            dispute,
            unit,
            part: Part::Unit,
            suggestions: Vec::new(),
            duplicates: None,
            error: None,
            sms: true,
        }
    }

    pub fn set_suggestions(&mut self, s: Vec<Suggestion>, config: &Config, lang: Lang) {
        let chosen = self.unit.chosen.clone();
        self.unit = Picker::new(unit_items(config, &s, lang));
        self.suggestions = s;
        self.unit.chosen = chosen;
    }

    pub fn picker(&mut self) -> Option<&mut Picker> {
        match self.part {
            Part::Kind | Part::Sms => None,
            Part::Category => Some(&mut self.category),
            Part::DisputeType => Some(&mut self.dispute),
            Part::Unit => Some(&mut self.unit),
        }
    }

    pub fn cycle_kind(&mut self, delta: isize) {
        let i = Kind::ALL.iter().position(|k| *k == self.kind).unwrap_or(0) as isize;
        self.kind = Kind::ALL[(i + delta).rem_euclid(Kind::ALL.len() as isize) as usize];
        self.dispute = Picker::new(items(if self.kind == Kind::Report {
            vocab::REPORT_PROBLEMS
        } else {
            vocab::DISPUTE_TYPES
        }));
    }

    /// Triage then dispatch, for each ticket.
    pub fn actions(&self) -> Result<Vec<(TicketId, TicketAction)>, &'static str> {
        let unit =
            self.unit.chosen.clone().or_else(|| self.unit.current().map(|i| i.code.clone())).ok_or("unit")?;
        let mut out = Vec::new();
        for t in &self.tickets {
            out.push((
                *t,
                TicketAction::Triage {
                    kind: self.kind,
                    category: self.category.chosen.clone(),
                    dispute_type: self.dispute.chosen.clone(),
                },
            ));
            let unit = unit.clone();
            out.push((
                *t,
                if self.sms {
                    TicketAction::Dispatch { unit }
                } else {
                    TicketAction::DispatchWithoutSms { unit }
                },
            ));
        }
        Ok(out)
    }

    /// The clocks the chosen kind runs on the first ticket's channel.
    pub fn clocks(&self, config: &Config) -> Vec<String> {
        let Some(first) = &self.first else { return Vec::new() };
        let Some(channel) = config.channels.get(&first.channel) else { return Vec::new() };
        channel
            .rules
            .iter()
            .filter_map(|r| config.sla.rule(r))
            .filter(|r| r.kinds.contains(&self.kind))
            .map(|r| r.name.clone())
            .collect()
    }
}

/// The suggested units first (with their reasons), then the organisation tree: sections,
/// branches, stations.
fn unit_items(config: &Config, suggestions: &[Suggestion], lang: Lang) -> Vec<Item> {
    let mut out: Vec<Item> = suggestions
        .iter()
        .map(|s| Item {
            code: s.unit.clone(),
            label: s.name.clone(),
            note: format!("+ {}", reasons(&s.reasons, lang)),
        })
        .collect();
    for kind in [UnitKind::Section, UnitKind::Branch, UnitKind::Station] {
        for u in config.org.units_of_kind(kind) {
            if suggestions.iter().any(|s| s.unit == u.id) {
                continue;
            }
            let kind_name = match lang {
                Lang::Zh => kind.zh(),
                Lang::En => kind.table(),
            };
            let note = match (&u.venue, &u.town) {
                (Some(v), Some(t)) => format!("{kind_name} {t} {v}"),
                (None, Some(t)) => format!("{kind_name} {t}"),
                _ => kind_name.to_string(),
            };
            out.push(Item { code: u.id.clone(), label: u.name.clone(), note });
        }
    }
    out
}

pub fn reasons(rs: &[Reason], lang: Lang) -> String {
    rs.iter()
        .map(|r| match (r, lang) {
            (Reason::Venue { venue }, Lang::Zh) => format!("位于{venue}"),
            (Reason::Venue { venue }, Lang::En) => format!("at {venue}"),
            (Reason::Town { town }, Lang::Zh) => format!("属地{town}"),
            (Reason::Town { town }, Lang::En) => format!("town {town}"),
            (Reason::Handles { what }, Lang::Zh) => format!("主管{what}"),
            (Reason::Handles { what }, Lang::En) => format!("handles {what}"),
            (Reason::History { tickets }, Lang::Zh) => format!("该商户前{tickets}件派此"),
            (Reason::History { tickets }, Lang::En) => format!("{tickets} earlier of this merchant"),
            (Reason::Load { open }, Lang::Zh) => format!("在办{open}"),
            (Reason::Load { open }, Lang::En) => format!("{open} open"),
        })
        .collect::<Vec<_>>()
        .join(" · ")
        .replace(" · ", if lang.is_en() { ", " } else { "，" })
}

pub fn duplicate_reason(code: &str, lang: Lang) -> &'static str {
    match (code, lang) {
        ("same_phone", Lang::Zh) => "同一电话",
        ("same_credit_code", Lang::Zh) => "同一信用代码",
        ("same_respondent", Lang::Zh) => "同一被投诉人",
        ("similar_title", Lang::Zh) => "标题相似",
        ("same_phone", Lang::En) => "same phone",
        ("same_credit_code", Lang::En) => "same credit code",
        ("same_respondent", Lang::En) => "same respondent",
        ("similar_title", Lang::En) => "similar title",
        _ => "",
    }
}

pub fn kind_label(k: Kind, lang: Lang) -> &'static str {
    i18n::kind(k, lang)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dispatch_without_sms_is_asked_for_when_the_clerk_turns_it_off() {
        let config = crate::config::load(None).unwrap();
        let mut d = Dispatch::new(vec![TicketId(7)], None, &config, Lang::Zh);
        d.unit.chosen = Some("ronggui".into());
        let last = |d: &Dispatch| d.actions().unwrap().pop().unwrap().1;
        assert_eq!(last(&d), TicketAction::Dispatch { unit: "ronggui".into() });
        d.sms = false;
        assert_eq!(last(&d), TicketAction::DispatchWithoutSms { unit: "ronggui".into() });
    }
}
