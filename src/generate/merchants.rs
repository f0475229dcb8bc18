//! The merchant pool: a few thousand fictional businesses of the district's trades, with valid
//! credit codes, a handful of hot ones that draw many complaints, and how a ticket picks one.

use super::{Generator, pick, vocab};
use crate::domain::credit_code;
use crate::domain::org::VenueKind;
use crate::domain::ticket::{Fen, Respondent};
use rand::Rng;
use rand::distr::Distribution;
use std::collections::HashSet;
use vocab::CATEGORIES;

/// Merchants in the pool; a district's complaints concentrate on a few thousand of them.
const MERCHANTS: usize = 2400;

/// Hot merchants: the few that draw many complaints (the wall display's top 5 come from them).
const HOT_MERCHANTS: usize = 12;
const HOT_SHARE: f64 = 0.12;

/// The characters of a unified social credit code (no I, O, S, V, Z); a typo in one (see
/// `draft`) stays within them.
pub(super) const CODE_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

pub(super) struct Merchant {
    pub(super) name: String,
    /// How consumers call it: 字号 + trade (鸿兴家具店, 美睿电器).
    pub(super) short: String,
    pub(super) credit_code: Option<String>,
    pub(super) address: String,
    pub(super) premises: Option<String>,
    pub(super) platform: Option<String>,
    pub(super) town: usize,
    pub(super) station: Option<usize>,
    pub(super) category: usize,
    /// Index into the category's trades: what the merchant sells.
    pub(super) trade: usize,
    pub(super) odr: bool,
}

impl Generator {
    pub(super) fn build_merchants(&mut self) {
        let mut names = HashSet::new();
        for _ in 0..MERCHANTS {
            let category = self.category_pick.sample(&mut self.rng);
            let m = self.merchant_of(category, &mut names);
            let i = self.merchants.len();
            self.by_category[category].push(i);
            if m.odr {
                self.odr_merchants.push(i);
            }
            self.merchants.push(m);
        }
        // Hot merchants come from the trades that draw complaints in bulk.
        let magnets = ["预付式消费", "家用电器", "家居用品", "教育培训", "通讯产品", "餐饮和住宿"];
        let candidates: Vec<usize> = (0..self.merchants.len())
            .filter(|&i| magnets.contains(&CATEGORIES[self.merchants[i].category].name))
            .collect();
        while self.hot.len() < HOT_MERCHANTS.min(candidates.len()) {
            let i = candidates[self.rng.random_range(0..candidates.len())];
            if !self.hot.contains(&i) {
                self.hot.push(i);
            }
        }
    }

    fn merchant_of(&mut self, category: usize, names: &mut HashSet<String>) -> Merchant {
        let cat = &CATEGORIES[category];
        // About half sit in a station's mall or market of their trade, the rest on the street.
        let venue_stations: Vec<usize> =
            (0..self.stations.len()).filter(|&s| cat.venues.contains(&self.stations[s].venue_kind)).collect();
        let station = (!venue_stations.is_empty() && self.rng.random_bool(0.5))
            .then(|| venue_stations[self.rng.random_range(0..venue_stations.len())]);
        let town = match station {
            Some(s) => self.stations[s].town,
            None => self.town_pick.sample(&mut self.rng),
        };
        let trade = self.rng.random_range(0..cat.trades.len());
        let words = &cat.trades[trade];
        let company = self.rng.random_bool(0.45);
        let mut name = String::new();
        let mut short = String::new();
        for attempt in 0..6 {
            let brand = self.brand();
            let (n, s) = if company {
                let trade = pick(&mut self.rng, words.cos);
                let region =
                    if self.rng.random_bool(0.85) { self.city_district.clone() } else { "广东".into() };
                (format!("{region}{brand}{trade}有限公司"), format!("{brand}{trade}"))
            } else {
                let trade = pick(&mut self.rng, words.shops);
                (
                    format!("{}{}{brand}{trade}", self.district, self.towns[town].name),
                    format!("{brand}{trade}"),
                )
            };
            name = if attempt == 5 { format!("{n}（{}分店）", self.rng.random_range(2..9)) } else { n };
            short = s;
            if names.insert(name.clone()) {
                break;
            }
        }
        let prefix = if company { "91" } else { "92" };
        let body: String = (0..7)
            .map(|_| char::from(CODE_ALPHABET[self.rng.random_range(0..CODE_ALPHABET.len())]))
            .collect();
        let credit_code = credit_code::with_check_char(&format!("{prefix}{}MA{body}", self.region_code));
        let (address, premises) = match station {
            Some(s) => {
                let st = &self.stations[s];
                let unit = match st.venue_kind {
                    VenueKind::Market => format!("{}号档", self.rng.random_range(1..240)),
                    VenueKind::Street => format!("{}号铺", self.rng.random_range(1..120)),
                    _ => format!("{}楼{}号铺", self.rng.random_range(1..5), self.rng.random_range(1..80)),
                };
                let premises = format!("{}{unit}", st.venue);
                let town_name = &self.towns[town].name;
                // Many venues carry the town in their name (伦教汇景广场): do not write it twice.
                let address = if st.venue.starts_with(town_name.as_str()) {
                    format!("{}{premises}", self.district)
                } else {
                    format!("{}{town_name}{premises}", self.district)
                };
                (address, Some(premises))
            }
            None => (self.street_address(town), None),
        };
        let odr = company && self.rng.random_bool(0.12);
        let platform = (!cat.service && company && self.rng.random_bool(0.15))
            .then(|| format!("{}“{short}旗舰店”", pick(&mut self.rng, vocab::PLATFORMS)));
        Merchant {
            name,
            short,
            credit_code,
            address,
            premises,
            platform,
            town,
            station,
            category,
            trade,
            odr,
        }
    }

    fn brand(&mut self) -> String {
        format!("{}{}", pick(&mut self.rng, vocab::BRAND_A), pick(&mut self.rng, vocab::BRAND_B))
    }

    pub(super) fn pick_merchant(&mut self, category: Option<usize>, odr: bool) -> usize {
        if odr && !self.odr_merchants.is_empty() {
            return self.odr_merchants[self.rng.random_range(0..self.odr_merchants.len())];
        }
        if !self.hot.is_empty() && self.rng.random_bool(HOT_SHARE) {
            let hot = &self.hot;
            let i = hot[self.rng.random_range(0..hot.len())];
            if category.is_none_or(|c| self.merchants[i].category == c) {
                return i;
            }
        }
        let c = category.unwrap_or_else(|| self.category_pick.sample(&mut self.rng));
        let list = &self.by_category[c];
        if list.is_empty() {
            return self.rng.random_range(0..self.merchants.len());
        }
        // Skewed: earlier merchants of a trade draw more complaints than later ones.
        let u: f64 = self.rng.random();
        list[((u * u) * list.len() as f64) as usize % list.len()]
    }

    pub(super) fn respondent_of(&mut self, m: usize) -> Respondent {
        let code_known = self.rng.random_bool(0.75);
        let m = &self.merchants[m];
        Respondent {
            name: Some(m.name.clone()),
            credit_code: if code_known { m.credit_code.clone() } else { None },
            address: Some(m.address.clone()),
            premises: m.premises.clone(),
            platform: m.platform.clone(),
            odr: m.odr,
        }
    }

    /// A shop price in the range: ...99 and ...80 endings for big tickets, whole yuan for small.
    pub(super) fn price(&mut self, lo: i64, hi: i64) -> Fen {
        let y = self.rng.random_range(lo..=hi.max(lo));
        let y = if y >= 1000 {
            match self.rng.random_range(0..3) {
                0 => (y / 100) * 100 + 99,
                1 => (y / 100) * 100 + 80,
                _ => (y / 10) * 10,
            }
        } else if y >= 100 && self.rng.random_bool(0.5) {
            (y / 10) * 10 + 8
        } else {
            y
        };
        let jiao = if y < 100 && self.rng.random_bool(0.3) { self.rng.random_range(1..10) * 10 } else { 0 };
        Fen(y.min(hi.max(lo)) * 100 + jiao)
    }
}
