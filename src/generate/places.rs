//! Where tickets happen and who handles them: the organisation's towns, stations and sections as
//! the generator uses them, and addresses and town names as people write them.

use super::{Generator, pick, vocab};
use crate::domain::org::{Organisation, UnitKind, VenueKind};
use rand::Rng;

pub(super) struct Station {
    pub(super) id: String,
    pub(super) venue: String,
    pub(super) venue_kind: VenueKind,
    pub(super) town: usize,
}

pub(super) struct Town {
    pub(super) name: String,
    pub(super) branch: String,
    /// Spellings channels use for the town that are not its canonical name (大良街道, 北滘镇).
    pub(super) aliases: Vec<String>,
    pub(super) communities: &'static [&'static str],
    pub(super) stations: Vec<usize>,
    pub(super) weight: u32,
}

/// A section of the bureau with the trades and problems it handles, for dispatch (see
/// `history::unit_for`).
pub(super) struct Section {
    pub(super) id: String,
    pub(super) handles: Vec<String>,
}

/// The organisation's towns (one per branch) and their stations, as the generator draws on them.
pub(super) fn towns_and_stations(org: &Organisation, district: &str) -> (Vec<Town>, Vec<Station>) {
    let mut towns = Vec::new();
    let mut stations = Vec::new();
    for branch in org.units_of_kind(UnitKind::Branch) {
        let Some(name) = branch.town.clone() else { continue };
        let aliases: Vec<String> = branch
            .aliases
            .iter()
            .filter(|a| (a.ends_with("街道") || a.ends_with('镇')) && org.resolve_town(a).is_some())
            .cloned()
            .collect();
        let communities = vocab::COMMUNITIES
            .iter()
            .find(|(t, _)| *t == name)
            .map(|(_, c)| *c)
            .unwrap_or(vocab::GENERIC_COMMUNITIES);
        let town = towns.len();
        let mut own = Vec::new();
        for s in org.stations_of_branch(&branch.id) {
            own.push(stations.len());
            stations.push(Station {
                id: s.id.clone(),
                venue: s.venue.clone().unwrap_or_else(|| s.name.clone()),
                venue_kind: s.venue_kind.unwrap_or(VenueKind::Other),
                town,
            });
        }
        // Bigger towns have more stations and more complaints.
        let weight = 4 + own.len() as u32;
        towns.push(Town { name, branch: branch.id.clone(), aliases, communities, stations: own, weight });
    }
    if towns.is_empty() {
        // An organisation without branches still gets addresses; dispatch then uses sections.
        towns.push(Town {
            name: district.to_string(),
            branch: String::new(),
            aliases: Vec::new(),
            communities: vocab::GENERIC_COMMUNITIES,
            stations: Vec::new(),
            weight: 1,
        });
    }
    (towns, stations)
}

impl Generator {
    pub(super) fn street_address(&mut self, town: usize) -> String {
        let t = &self.towns[town];
        let community = pick(&mut self.rng, t.communities);
        let road = pick(&mut self.rng, vocab::ROADS);
        let number = self.rng.random_range(1..300);
        format!("{}{}{community}{road}{number}号", self.district, t.name)
    }

    pub(super) fn home_address(&mut self, town: usize) -> String {
        let street = self.street_address(town);
        match self.rng.random_range(0..3) {
            0 => street,
            1 => format!("{street}{}座{}", self.rng.random_range(1..12), self.rng.random_range(101..2804)),
            _ => format!("{street}之{}", self.rng.random_range(1..20)),
        }
    }

    pub(super) fn town_as_written(&mut self, town: usize) -> String {
        let t = &self.towns[town];
        let roll = self.rng.random_range(0..1000);
        if roll < 5 {
            return pick(&mut self.rng, vocab::FOREIGN_TOWNS).to_string();
        }
        if roll < 130 && !t.aliases.is_empty() {
            return t.aliases[self.rng.random_range(0..t.aliases.len())].clone();
        }
        if roll < 160 {
            return format!("{}{}", self.district, t.name);
        }
        t.name.clone()
    }
}
