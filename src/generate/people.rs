//! The people who complain: a pool of repeat complainants (a few of them very frequent), fresh
//! people for everyone else, and their fictional names and phone numbers.

use super::{Generator, pick, vocab};
use crate::domain::ticket::Kind;
use rand::Rng;
use rand::distr::Distribution;
use std::collections::HashSet;

/// Repeat complainants, of whom the first `HEAVY` complain very often (职业索赔人 among them).
const PEOPLE: usize = 2000;
const HEAVY: usize = 30;
const REPEAT_SHARE: f64 = 0.12;
const HEAVY_SHARE: f64 = 0.30;

const MOBILE_PREFIXES: &[&str] = &[
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155",
    "156", "157", "158", "159", "180", "181", "182", "183", "185", "186", "187", "188", "189",
];

pub(super) struct Person {
    pub(super) name: String,
    pub(super) phone: String,
    pub(super) address: String,
    pub(super) town: usize,
}

impl Generator {
    pub(super) fn build_people(&mut self) {
        let mut phones = HashSet::new();
        while self.people.len() < PEOPLE {
            let phone = self.mobile();
            if !phones.insert(phone.clone()) {
                continue;
            }
            let town = self.town_pick.sample(&mut self.rng);
            let person = Person { name: self.person_name(), phone, address: self.home_address(town), town };
            self.people.push(person);
        }
    }

    fn person_name(&mut self) -> String {
        let surname = pick(&mut self.rng, vocab::SURNAMES);
        let first = pick(&mut self.rng, vocab::GIVEN_CHARS);
        if self.rng.random_bool(0.2) {
            format!("{surname}{first}")
        } else {
            format!("{surname}{first}{}", pick(&mut self.rng, vocab::GIVEN_CHARS))
        }
    }

    /// A mainland mobile number (13x/15x/18x and eight digits); random, so fictional.
    fn mobile(&mut self) -> String {
        let prefix = pick(&mut self.rng, MOBILE_PREFIXES);
        format!("{prefix}{:08}", self.rng.random_range(0..100_000_000u32))
    }

    pub(super) fn landline(&mut self) -> String {
        format!("0757-{}{:07}", self.rng.random_range(2..3), self.rng.random_range(0..10_000_000u32))
    }

    pub(super) fn complainant_for(&mut self, kind: Kind) -> Person {
        // Heavy repeat complainants file reports as often as complaints.
        let repeat =
            self.rng.random_bool(if kind == Kind::Report { REPEAT_SHARE * 1.5 } else { REPEAT_SHARE });
        if repeat {
            let i = if self.rng.random_bool(HEAVY_SHARE) {
                self.rng.random_range(0..HEAVY)
            } else {
                self.rng.random_range(HEAVY..PEOPLE)
            };
            let p = &self.people[i];
            return Person {
                name: p.name.clone(),
                phone: p.phone.clone(),
                address: p.address.clone(),
                town: p.town,
            };
        }
        let town = self.town_pick.sample(&mut self.rng);
        Person { name: self.person_name(), phone: self.mobile(), address: self.home_address(town), town }
    }
}
