//! A seeded generator of realistic tickets: new ones as a channel sends them, and historical ones
//! as they stood when migrated. The benchmark fills stores with it and the simulator serves it, so
//! a seed must give the same data on every machine: one `StdRng`, no hash-order iteration, no
//! clock reads (times come in as parameters).
//!
//! Everything personal or commercial is fictional (names, phones, merchants, credit codes); the
//! district's towns, stations and communities are the organisation's real ones, so that the data
//! reads like what clerks see.
//!
//! This module holds the `Generator` and its public calls. The pools it draws from are built by
//! `places` (towns, stations, addresses), `merchants` and `people`; `draft` assembles a new ticket,
//! whose wording by kind comes from `matter` and whose id from `by_channel`; `history` plays a
//! ticket through its lifecycle. Every part draws from the one `rng`, so the order of the draws is
//! part of what a seed means: a change that adds, drops or reorders a draw changes the data.

mod by_channel;
mod draft;
mod history;
mod matter;
mod merchants;
mod people;
mod places;
mod text;
mod vocab;

use crate::domain::channel::Channels;
use crate::domain::org::{Organisation, UnitKind};
use crate::domain::sla::SlaPolicy;
use crate::domain::ticket::{NewTicket, Ticket};
use crate::time::Timestamp;
use by_channel::is_hotline;
use chrono::{Datelike, Duration, NaiveDate, Weekday};
use draft::KIND_WEIGHTS;
use merchants::Merchant;
use people::Person;
use places::{Section, Station, Town};
use rand::distr::Distribution;
use rand::distr::weighted::WeightedIndex;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::HashMap;
use text::{chars, clip, clip_sentences};
use vocab::CATEGORIES;

/// A seeded source of realistic tickets. The same seed, organisation and channels give the same
/// sequence of tickets for the same sequence of calls.
pub struct Generator {
    rng: StdRng,
    org: Organisation,
    channels: Channels,
    /// 佛山市顺德区, for company names.
    city_district: String,
    /// 顺德区, for individual businesses and addresses.
    district: String,
    region_code: String,
    towns: Vec<Town>,
    town_pick: WeightedIndex<u32>,
    stations: Vec<Station>,
    sections: Vec<Section>,
    channel_ids: Vec<String>,
    channel_pick: Option<WeightedIndex<u32>>,
    category_pick: WeightedIndex<u32>,
    report_pick: WeightedIndex<u32>,
    kind_pick: WeightedIndex<u32>,
    merchants: Vec<Merchant>,
    by_category: Vec<Vec<usize>>,
    odr_merchants: Vec<usize>,
    hot: Vec<usize>,
    people: Vec<Person>,
    /// Per channel and day, the last sequence number handed out in a channel ticket id.
    counters: HashMap<(String, NaiveDate), u32>,
    /// Sequence numbers of the events folded while building a historical ticket.
    seq: u64,
}

impl Generator {
    pub fn new(seed: u64, org: &Organisation, channels: &Channels) -> Generator {
        let city_district =
            org.district_name().trim_end_matches("市场监督管理局").trim_end_matches("市场监管局").to_string();
        let district = match city_district.rfind('市') {
            Some(i) if i + '市'.len_utf8() < city_district.len() => {
                city_district[i + '市'.len_utf8()..].to_string()
            }
            _ => city_district.clone(),
        };

        let (towns, stations) = places::towns_and_stations(org, &district);
        let town_pick = weighted(towns.iter().map(|t| t.weight));
        let sections = org
            .units_of_kind(UnitKind::Section)
            .map(|u| Section { id: u.id.clone(), handles: u.handles.clone() })
            .collect();

        let channel_ids: Vec<String> = channels.ids().into_iter().map(str::to_string).collect();
        let channel_pick = by_channel::channel_pick(&channel_ids);

        let mut generator = Generator {
            rng: StdRng::seed_from_u64(seed),
            org: org.clone(),
            channels: channels.clone(),
            city_district,
            district,
            region_code: org.region_code().to_string(),
            towns,
            town_pick,
            stations,
            sections,
            channel_ids,
            channel_pick,
            category_pick: weighted(CATEGORIES.iter().map(|c| c.weight)),
            report_pick: weighted(vocab::REPORT_PROBLEMS.iter().map(|(_, w)| *w)),
            kind_pick: weighted(KIND_WEIGHTS.iter().map(|(_, w)| *w)),
            merchants: Vec::new(),
            by_category: vec![Vec::new(); CATEGORIES.len()],
            odr_merchants: Vec::new(),
            hot: Vec::new(),
            people: Vec::new(),
            counters: HashMap::new(),
            seq: 0,
        };
        generator.build_merchants();
        generator.build_people();
        generator
    }

    /// A channel id drawn with realistic weights: 12345 and 12315 most, then 8180, WeChat, the
    /// mini-program, stations and walk-ins.
    pub fn channel_mix(&mut self) -> &str {
        let i = match &self.channel_pick {
            Some(pick) => pick.sample(&mut self.rng),
            None => return "12345",
        };
        &self.channel_ids[i]
    }

    /// A new ticket as `channel` would send it, received at `received_at`. Its
    /// `channel_ticket_id` has the channel's own shape and is unique per channel for this
    /// generator.
    pub fn new_ticket(&mut self, channel: &str, received_at: Timestamp) -> NewTicket {
        self.draft(channel, received_at).new
    }

    /// The same matter complained of again through `channel`: same complainant and merchant,
    /// slightly different wording, the new channel's id.
    pub fn echo_of(&mut self, t: &NewTicket, channel: &str, received_at: Timestamp) -> NewTicket {
        let mut echo = t.clone();
        let station = t
            .intake
            .channel_ticket_id
            .strip_prefix("ZD-")
            .and_then(|rest| self.stations.iter().position(|s| rest.starts_with(&format!("{}-", s.id))));
        echo.intake.channel = channel.to_string();
        echo.intake.channel_ticket_id = self.channel_ticket_id(channel, received_at, station);
        echo.intake.received_at = Some(received_at);
        echo.intake.order_no = None;
        echo.intake.caller_number = if is_hotline(channel) { t.complainant.phone.clone() } else { None };
        echo.intake.region_code = self.region_for(channel);
        let title = &t.dispute.title;
        echo.dispute.title = match title.strip_prefix("投诉") {
            Some(rest) => format!("反映{rest}"),
            None if chars(title) <= 25 => format!("再次反映：{title}"),
            None => format!("再次反映：{}", clip(title, 25)),
        };
        let before = self.channels.get(&t.intake.channel).map(|c| c.name.as_str()).unwrap_or("其他渠道");
        let lead = match self.rng.random_range(0..3) {
            0 => format!("此前已通过{before}反映，问题至今未解决。"),
            1 => format!("本人曾向{before}投诉此事，商家仍未处理。"),
            _ => "同一问题再次反映，请尽快处理。".to_string(),
        };
        echo.dispute.facts = t.dispute.facts.as_ref().map(|f| clip_sentences(&format!("{lead}{f}"), 300));
        for (i, a) in echo.attachments.iter_mut().enumerate() {
            a.uri = format!("att://{channel}/{}/{}", echo.intake.channel_ticket_id, i + 1);
        }
        echo
    }

    /// A historical ticket as it stood when migrated: registered at `received_at`, then handled
    /// through the real lifecycle rules (each action decided by `lifecycle::decide` at its own
    /// time, so the clocks are what the SLA policy recorded). `open` = false ends it closed
    /// (rarely returned to its channel); `open` = true leaves it somewhere in handling.
    pub fn historical_ticket(
        &mut self,
        channel: &str,
        received_at: Timestamp,
        open: bool,
        sla: &SlaPolicy,
    ) -> Ticket {
        history::build(self, channel, received_at, open, sla, None)
    }

    /// Like `historical_ticket`, as the ticket stood at `as_of` (after `received_at`): nothing in
    /// its history happens after `as_of`. A closed ticket received shortly before was handled
    /// briskly; an open one is as far along as its age makes likely, and one too old for its
    /// plan waits where tickets wait long (mediation, a suspension, the follow-up).
    pub fn historical_ticket_as_of(
        &mut self,
        channel: &str,
        received_at: Timestamp,
        open: bool,
        sla: &SlaPolicy,
        as_of: Timestamp,
    ) -> Ticket {
        history::build(self, channel, received_at, open, sla, Some(as_of))
    }

    /// A plausible receipt time between `from` and `to` for `channel`: hotlines and online
    /// channels around the clock (mostly daytime), stations in mall hours every day, the bureau's
    /// counters, phones and post room in office hours on weekdays.
    pub fn received_between(&mut self, channel: &str, from: Timestamp, to: Timestamp) -> Timestamp {
        let (lo, hi) = (from.millis(), to.millis().max(from.millis() + 1));
        let mut date = Timestamp::from_millis(self.rng.random_range(lo..hi)).china_date();
        let office = matches!(channel, "walkin" | "phone" | "letter");
        if office && matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
            // Closed at weekends: the Friday before or the Monday after, whichever is in range.
            let back = date.weekday().num_days_from_monday() as i64 - 4;
            let friday = date - Duration::days(back);
            let monday = date + Duration::days(7 - back - 4);
            let in_range = |d: NaiveDate| {
                d.and_hms_opt(12, 0, 0)
                    .map(Timestamp::from_china)
                    .is_some_and(|t| (lo..hi).contains(&t.millis()))
            };
            if in_range(friday) {
                date = friday;
            } else if in_range(monday) {
                date = monday;
            }
        }
        let minute = if office {
            let m = self.rng.random_range(0..420);
            if m < 210 { 510 + m } else { 840 + m - 210 }
        } else if channel == "station" {
            self.rng.random_range(600..1260)
        } else {
            // Two humps, late morning and evening; few at night.
            let hour = match self.rng.random_range(0..100) {
                0..=4 => self.rng.random_range(0..7),
                5..=54 => self.rng.random_range(8..13),
                55..=84 => self.rng.random_range(13..19),
                _ => self.rng.random_range(19..24),
            };
            hour * 60 + self.rng.random_range(0..60)
        };
        let t = date
            .and_hms_opt(minute / 60, minute % 60, self.rng.random_range(0..60))
            .map(Timestamp::from_china)
            .unwrap_or(from);
        Timestamp::from_millis(t.millis().clamp(lo, hi - 1))
    }

    /// The phones of the repeat complainants, the most frequent first: the benchmark looks them up.
    pub fn repeat_phones(&self) -> Vec<String> {
        self.people.iter().map(|p| p.phone.clone()).collect()
    }

    /// The names and credit codes of the hot merchants (many complaints each).
    pub fn hot_merchants(&self) -> Vec<(String, Option<String>)> {
        self.hot
            .iter()
            .map(|&i| (self.merchants[i].name.clone(), self.merchants[i].credit_code.clone()))
            .collect()
    }
}

fn pick<T: Copy>(rng: &mut StdRng, items: &[T]) -> T {
    items[rng.random_range(0..items.len())]
}

/// A weighted index over weights that are all positive by construction (the constant tables and
/// the town station counts + 4).
fn weighted(weights: impl Iterator<Item = u32>) -> WeightedIndex<u32> {
    let w: Vec<u32> = weights.collect();
    WeightedIndex::new(if w.iter().any(|&x| x > 0) { w } else { vec![1] })
        .unwrap_or_else(|_| unreachable!("a non-empty list with a positive weight"))
}
