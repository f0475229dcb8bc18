//! Dispatch suggestions (派单建议): which unit a ticket should go to, best first, each with the
//! reasons a clerk can check at a glance — the station of the mall or market the address names,
//! the branch of the respondent's town, the section that handles the category, where this
//! merchant's earlier tickets went, and how loaded each unit is. Pure: the evidence is passed in.

use crate::domain::org::{Organisation, UnitKind};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Why a unit is suggested.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "reason")]
pub enum Reason {
    /// The station sits in the mall or market the ticket's address or premises name.
    Venue { venue: String },
    /// The branch (or a station) of the respondent's town.
    Town { town: String },
    /// A section that handles this category or dispute type.
    Handles { what: String },
    /// Earlier tickets about the same merchant went to this unit.
    History { tickets: usize },
    /// Open tickets the unit holds now (a penalty when high).
    Load { open: usize },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    pub unit: String,
    pub name: String,
    pub kind: UnitKind,
    pub score: i32,
    pub reasons: Vec<Reason>,
}

/// What is known about the ticket and the units.
pub struct Evidence<'a> {
    /// Address, premises, title and facts: where a mall or market may be named.
    pub places: &'a [&'a str],
    pub town: Option<&'a str>,
    pub category: Option<&'a str>,
    pub dispute_type: Option<&'a str>,
    /// Unit → this merchant's earlier tickets dispatched there.
    pub history: &'a HashMap<String, usize>,
    /// Unit → open tickets it holds.
    pub loads: &'a HashMap<String, usize>,
}

/// How many suggestions a clerk is shown.
pub const MAX_SUGGESTIONS: usize = 6;

pub fn suggest(org: &Organisation, ev: &Evidence) -> Vec<Suggestion> {
    let town = ev.town.and_then(|t| org.resolve_town(t));
    let mut out: Vec<Suggestion> = Vec::new();
    for unit in org.units() {
        let mut score = 0;
        let mut reasons = Vec::new();
        if unit.kind == UnitKind::Station
            && let Some(venue) = unit.venue.as_deref()
            && ev.places.iter().any(|p| p.contains(venue))
        {
            score += 60;
            reasons.push(Reason::Venue { venue: venue.to_string() });
        }
        if let Some(town) = town
            && unit.town.as_deref() == Some(town)
        {
            // The branch carries the town's tickets; its stations only with a venue match.
            if unit.kind == UnitKind::Branch {
                score += 30;
                reasons.push(Reason::Town { town: town.to_string() });
            } else if !reasons.is_empty() {
                score += 10;
                reasons.push(Reason::Town { town: town.to_string() });
            }
        }
        if unit.kind == UnitKind::Section {
            for what in [ev.category, ev.dispute_type].into_iter().flatten() {
                if unit.handles.iter().any(|h| h == what) {
                    score += 25;
                    reasons.push(Reason::Handles { what: what.to_string() });
                    break;
                }
            }
        }
        if let Some(&n) = ev.history.get(&unit.id)
            && n > 0
        {
            score += 8 * n.min(3) as i32;
            reasons.push(Reason::History { tickets: n });
        }
        if reasons.is_empty() {
            continue;
        }
        let open = ev.loads.get(&unit.id).copied().unwrap_or(0);
        score -= (open / 5).min(15) as i32;
        reasons.push(Reason::Load { open });
        out.push(Suggestion {
            unit: unit.id.clone(),
            name: unit.name.clone(),
            kind: unit.kind,
            score,
            reasons,
        });
    }
    out.sort_by(|a, b| b.score.cmp(&a.score).then(a.unit.cmp(&b.unit)));
    out.truncate(MAX_SUGGESTIONS);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org() -> Organisation {
        crate::config::load(None).expect("built-in config").org
    }

    #[test]
    fn the_station_of_the_named_mall_comes_first_then_the_town_branch() {
        let org = org();
        let station = org.units_of_kind(UnitKind::Station).next().expect("a station").clone();
        let venue = station.venue.clone().expect("a venue");
        let town = station.town.clone().expect("a town");
        let address = format!("{town}{venue}二楼A203铺");
        let places = [address.as_str()];
        let (history, loads) = (HashMap::new(), HashMap::new());
        let ev = Evidence {
            places: &places,
            town: Some(&town),
            category: None,
            dispute_type: None,
            history: &history,
            loads: &loads,
        };
        let s = suggest(&org, &ev);
        assert_eq!(s[0].unit, station.id, "{s:?}");
        assert!(s[0].reasons.contains(&Reason::Venue { venue }));
        assert!(
            s.iter()
                .any(|u| u.kind == UnitKind::Branch
                    && u.reasons.contains(&Reason::Town { town: town.clone() }))
        );
    }

    #[test]
    fn a_section_is_suggested_for_the_category_it_handles() {
        let org = org();
        let (history, loads) = (HashMap::new(), HashMap::new());
        let ev = Evidence {
            places: &[],
            town: None,
            category: Some("预付式消费"),
            dispute_type: None,
            history: &history,
            loads: &loads,
        };
        let s = suggest(&org, &ev);
        assert_eq!(s[0].unit, "xbk", "{s:?}");
    }

    #[test]
    fn a_heavily_loaded_unit_ranks_below_an_equal_idle_one() {
        let org = org();
        let history: HashMap<String, usize> = [("daliang".to_string(), 1), ("ronggui".to_string(), 1)].into();
        let loads: HashMap<String, usize> = [("daliang".to_string(), 60)].into();
        let ev = Evidence {
            places: &[],
            town: None,
            category: None,
            dispute_type: None,
            history: &history,
            loads: &loads,
        };
        let s = suggest(&org, &ev);
        let pos = |id: &str| s.iter().position(|u| u.unit == id).expect("suggested");
        assert!(pos("ronggui") < pos("daliang"), "{s:?}");
    }
}
