//! A seeded generator of realistic tickets: new ones as a channel sends them, and historical ones
//! as they stood when migrated. The benchmark fills stores with it and the simulator serves it, so
//! a seed must give the same data on every machine: one `StdRng`, no hash-order iteration, no
//! clock reads (times come in as parameters).
//!
//! Everything personal or commercial is fictional (names, phones, merchants, credit codes); the
//! district's towns, stations and communities are the organisation's real ones, so that the data
//! reads like what clerks see.

mod history;
mod text;
mod vocab;

use crate::domain::channel::Channels;
use crate::domain::credit_code;
use crate::domain::org::{Organisation, UnitKind, VenueKind};
use crate::domain::sla::SlaPolicy;
use crate::domain::ticket::{
    Attachment, Complainant, Dispute, Fen, Intake, Kind, NewTicket, Respondent, Ticket,
};
use crate::time::Timestamp;
use chrono::{Datelike, Duration, NaiveDate, Weekday};
use rand::distr::Distribution;
use rand::distr::weighted::WeightedIndex;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::{HashMap, HashSet};
use text::{Vars, chars, clip, clip_sentences, fill, yuan};
use vocab::{CATEGORIES, Category, Problem};

/// Merchants in the pool; a district's complaints concentrate on a few thousand of them.
const MERCHANTS: usize = 2400;
/// Hot merchants: the few that draw many complaints (the wall display's top 5 come from them).
const HOT_MERCHANTS: usize = 12;
const HOT_SHARE: f64 = 0.12;
/// Repeat complainants, of whom the first `HEAVY` complain very often (职业索赔人 among them).
const PEOPLE: usize = 2000;
const HEAVY: usize = 30;
const REPEAT_SHARE: f64 = 0.12;
const HEAVY_SHARE: f64 = 0.30;

/// Channel weights per thousand tickets, after the channel mix of public reports: the two hotlines
/// bring most, the district hotline and the online channels follow, walk-ins and letters are few.
const CHANNEL_WEIGHTS: &[(&str, u32)] = &[
    ("12345", 330),
    ("12315", 300),
    ("8180", 80),
    ("wechat", 60),
    ("miniapp", 50),
    ("station", 45),
    ("walkin", 35),
    ("12315-odr", 25),
    ("phone", 20),
    ("mayor", 12),
    ("letter", 8),
    ("email", 8),
    ("upper", 8),
    ("council", 7),
    ("dept", 6),
    ("rmw", 4),
    ("media", 2),
];
/// For a channel the table does not know (one a deployment added).
const OTHER_CHANNEL_WEIGHT: u32 = 2;

/// 投诉 70%, 举报 20%, 咨询 8%, 建议 2%.
const KIND_WEIGHTS: [(Kind, u32); 4] =
    [(Kind::Complaint, 70), (Kind::Report, 20), (Kind::Enquiry, 8), (Kind::Suggestion, 2)];

const MOBILE_PREFIXES: &[&str] = &[
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155",
    "156", "157", "158", "159", "180", "181", "182", "183", "185", "186", "187", "188", "189",
];
const CODE_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const REPORT_ATTACHMENT_NAMES: &[&str] = &["现场照片.jpg", "现场视频.mp4", "宣传单照片.jpg", "商品照片.jpg"];
const ATTACHMENT_NAMES: &[&str] =
    &["购物小票.jpg", "聊天记录截图.png", "合同照片.jpg", "现场照片.jpg", "付款记录.png", "商品照片.jpg"];

struct Station {
    id: String,
    venue: String,
    venue_kind: VenueKind,
    town: usize,
}

struct Town {
    name: String,
    branch: String,
    /// Spellings channels use for the town that are not its canonical name (大良街道, 北滘镇).
    aliases: Vec<String>,
    communities: &'static [&'static str],
    stations: Vec<usize>,
    weight: u32,
}

struct Section {
    id: String,
    handles: Vec<String>,
}

struct Merchant {
    name: String,
    /// How consumers call it: 字号 + trade (鸿兴家具店, 美睿电器).
    short: String,
    credit_code: Option<String>,
    address: String,
    premises: Option<String>,
    platform: Option<String>,
    town: usize,
    station: Option<usize>,
    category: usize,
    /// Index into the category's trades: what the merchant sells.
    trade: usize,
    odr: bool,
}

struct Person {
    name: String,
    phone: String,
    address: String,
    town: usize,
}

/// What the generator knows about a ticket beyond what the channel sent: the true kind and
/// class, where it happened, and who should handle it. Drives the history of a backfilled ticket.
struct Truth {
    kind: Kind,
    category: Option<String>,
    dispute_type: Option<String>,
    town: usize,
    station: Option<usize>,
    amount: Option<Fen>,
    request: Option<String>,
    merchant: Option<String>,
}

struct Draft {
    new: NewTicket,
    truth: Truth,
}

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
                name: district.clone(),
                branch: String::new(),
                aliases: Vec::new(),
                communities: vocab::GENERIC_COMMUNITIES,
                stations: Vec::new(),
                weight: 1,
            });
        }
        let town_pick = weighted(towns.iter().map(|t| t.weight));
        let sections = org
            .units_of_kind(UnitKind::Section)
            .map(|u| Section { id: u.id.clone(), handles: u.handles.clone() })
            .collect();

        let channel_ids: Vec<String> = channels.ids().into_iter().map(str::to_string).collect();
        let channel_weights: Vec<u32> = channel_ids
            .iter()
            .map(|id| {
                CHANNEL_WEIGHTS.iter().find(|(c, _)| c == id).map(|(_, w)| *w).unwrap_or(OTHER_CHANNEL_WEIGHT)
            })
            .collect();
        let channel_pick = WeightedIndex::new(channel_weights).ok();

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

    // ───────────────────────────── pools ─────────────────────────────

    fn build_merchants(&mut self) {
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

    fn build_people(&mut self) {
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

    fn brand(&mut self) -> String {
        format!("{}{}", pick(&mut self.rng, vocab::BRAND_A), pick(&mut self.rng, vocab::BRAND_B))
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

    fn landline(&mut self) -> String {
        format!("0757-{}{:07}", self.rng.random_range(2..3), self.rng.random_range(0..10_000_000u32))
    }

    fn street_address(&mut self, town: usize) -> String {
        let t = &self.towns[town];
        let community = pick(&mut self.rng, t.communities);
        let road = pick(&mut self.rng, vocab::ROADS);
        let number = self.rng.random_range(1..300);
        format!("{}{}{community}{road}{number}号", self.district, t.name)
    }

    fn home_address(&mut self, town: usize) -> String {
        let street = self.street_address(town);
        match self.rng.random_range(0..3) {
            0 => street,
            1 => format!("{street}{}座{}", self.rng.random_range(1..12), self.rng.random_range(101..2804)),
            _ => format!("{street}之{}", self.rng.random_range(1..20)),
        }
    }

    fn region_for(&mut self, channel: &str) -> Option<String> {
        matches!(channel, "12345" | "12315" | "12315-odr").then(|| self.region_code.clone())
    }

    // ───────────────────────────── channel ids ─────────────────────────────

    /// Each channel's own id shape, so a clerk recognises the source at a glance; unique per
    /// channel because every id carries the day and that day's sequence number.
    fn channel_ticket_id(&mut self, channel: &str, at: Timestamp, station: Option<usize>) -> String {
        let date = at.china_date();
        let counter = self.counters.entry((channel.to_string(), date)).or_insert(0);
        *counter += 1;
        let n = *counter;
        let ymd = date.format("%Y%m%d");
        match channel {
            "12345" => format!("SD{ymd}{n:05}"),
            "12315" => format!("1{}{ymd}{n:04}", self.region_code),
            "12315-odr" => format!("ODR{ymd}{n:06}"),
            "8180" => format!("8180-{}-{n:04}", date.format("%y%m%d")),
            "mayor" => format!("SZXX{ymd}{n:04}"),
            "rmw" => format!("RMW{ymd}{n:04}"),
            "wechat" => format!("WX{ymd}{n:05}"),
            "miniapp" => format!("MP{ymd}{n:05}"),
            "email" => format!("YX{ymd}{n:04}"),
            "upper" => format!("FSJB{ymd}{n:03}"),
            "dept" => format!("BMZB{ymd}{n:03}"),
            "media" => format!("YQ{ymd}{n:03}"),
            "council" => format!("XWH{ymd}{n:03}"),
            "station" => {
                let id = station.map(|s| self.stations[s].id.as_str()).unwrap_or("zd");
                format!("ZD-{id}-{ymd}-{n:03}")
            }
            "walkin" => format!("LF{ymd}{n:03}"),
            "letter" => format!("LX{ymd}{n:03}"),
            "phone" => format!("LD{ymd}{n:03}"),
            other => format!("{}-{ymd}-{n:04}", other.to_ascii_uppercase()),
        }
    }

    // ───────────────────────────── tickets ─────────────────────────────

    fn draft(&mut self, channel: &str, received_at: Timestamp) -> Draft {
        let kind = if channel == "12315-odr" {
            // The ODR green channel carries consumer disputes only.
            Kind::Complaint
        } else {
            KIND_WEIGHTS[self.kind_pick.sample(&mut self.rng)].0
        };
        let person = self.complainant_for(kind);
        let mut draft = match kind {
            Kind::Complaint => self.complaint(channel, received_at, &person),
            Kind::Report => self.report(channel, received_at, &person),
            Kind::Enquiry | Kind::Suggestion => self.enquiry(kind, &person),
        };
        if channel == "station" && draft.truth.station.is_none() {
            // Taken at a station of the town where it happened (or any, in a town without one).
            let own = &self.towns[draft.truth.town].stations;
            draft.truth.station = if own.is_empty() {
                (!self.stations.is_empty()).then(|| self.rng.random_range(0..self.stations.len()))
            } else {
                Some(own[self.rng.random_range(0..own.len())])
            };
        }
        let station = draft.truth.station;
        let new = &mut draft.new;
        new.kind = Some(kind);
        new.intake.channel = channel.to_string();
        new.intake.channel_ticket_id = self.channel_ticket_id(channel, received_at, station);
        new.intake.received_at = Some(received_at);
        new.intake.region_code = self.region_for(channel);
        new.intake.town = Some(self.town_as_written(draft.truth.town));
        new.complainant.id_verified = new.complainant.name.is_some()
            && match channel {
                "walkin" | "station" => self.rng.random_bool(0.9),
                "12315" | "12315-odr" | "wechat" | "miniapp" => self.rng.random_bool(0.6),
                _ => self.rng.random_bool(0.2),
            };
        new.complainant.proxy = self.rng.random_bool(0.03);
        if is_hotline(channel) && new.complainant.phone.is_some() {
            new.intake.caller_number =
                if self.rng.random_bool(0.1) { Some(self.landline()) } else { new.complainant.phone.clone() };
        }
        // Platforms classify at intake; hotline operators seldom do.
        let classified = if channel.starts_with("12315") { 0.9 } else { 0.45 };
        if !self.rng.random_bool(classified) {
            new.dispute.category = None;
            new.dispute.dispute_type = None;
        } else if !self.rng.random_bool(0.8) {
            new.dispute.dispute_type = None;
        }
        let attachments = match channel {
            "12315" | "12315-odr" | "wechat" | "miniapp" | "email" | "station" => self.rng.random_range(0..4),
            _ => 0,
        };
        let names = if kind == Kind::Report { REPORT_ATTACHMENT_NAMES } else { ATTACHMENT_NAMES };
        let first = self.rng.random_range(0..names.len());
        for i in 0..attachments {
            let name = names[(first + i) % names.len()].to_string();
            let uri = format!("att://{channel}/{}/{}", new.intake.channel_ticket_id, i + 1);
            new.attachments.push(Attachment { name, uri });
        }
        self.degrade(&mut draft.new);
        draft
    }

    /// What real intake looks like: now and then a field is missing, a credit code mistyped,
    /// the kind left out.
    fn degrade(&mut self, new: &mut NewTicket) {
        let r = &mut self.rng;
        if r.random_bool(0.015) {
            new.kind = None;
        }
        if r.random_bool(0.03) {
            new.complainant.address = None;
        }
        if r.random_bool(0.01) {
            new.complainant.phone = None;
            new.intake.caller_number = None;
        }
        if r.random_bool(0.01) {
            new.complainant.name = None;
            new.complainant.id_verified = false;
        }
        if r.random_bool(0.015) {
            new.respondent.address = None;
        }
        if r.random_bool(0.01) {
            new.dispute.request = None;
        }
        if r.random_bool(0.004) {
            new.dispute.facts = None;
        }
        if let Some(code) = new.respondent.credit_code.as_mut()
            && r.random_bool(0.01)
        {
            // A typo in the last character: the commonest way a code fails its check.
            let last = code.pop().unwrap_or('0');
            let i = CODE_ALPHABET.iter().position(|&c| char::from(c) == last).unwrap_or(0);
            code.push(char::from(CODE_ALPHABET[(i + 1 + r.random_range(0..29)) % CODE_ALPHABET.len()]));
        }
    }

    fn town_as_written(&mut self, town: usize) -> String {
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

    fn complainant_for(&mut self, kind: Kind) -> Person {
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

    fn pick_merchant(&mut self, category: Option<usize>, odr: bool) -> usize {
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

    fn respondent_of(&mut self, m: usize) -> Respondent {
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

    fn complaint(&mut self, channel: &str, received_at: Timestamp, person: &Person) -> Draft {
        let mut mi = self.pick_merchant(None, channel == "12315-odr");
        for _ in 0..8 {
            // Station intake is about the merchants of the station's mall or market.
            if channel != "station" || self.merchants[mi].station.is_some() {
                break;
            }
            mi = self.pick_merchant(None, false);
        }
        let category = self.merchants[mi].category;
        let cat: &'static Category = &CATEGORIES[category];
        let products = cat.trades[self.merchants[mi].trade].products;
        let product = &products[self.rng.random_range(0..products.len())];
        let fitting: Vec<&Problem> = cat.problems.iter().filter(|q| q.fits(product.name)).collect();
        let problem = if fitting.is_empty() {
            &cat.problems[self.rng.random_range(0..cat.problems.len())]
        } else {
            fitting[self.rng.random_range(0..fitting.len())]
        };
        let request = match pick(&mut self.rng, problem.requests) {
            // A service cannot be returned; its price can.
            "退货退款" if cat.service => "退还费用",
            r => r,
        };
        let amount = self.price(product.lo, product.hi);
        let received = received_at.china_date();
        let days_back = if self.rng.random_bool(0.007) {
            // Older than the three-year bar: registration flags it.
            self.rng.random_range(3 * 365 + 10..5 * 365)
        } else if cat.service {
            self.rng.random_range(3..500)
        } else {
            self.rng.random_range(1..120)
        };
        let purchase = received - Duration::days(days_back);
        let known = purchase + Duration::days(self.rng.random_range(0..=days_back.min(60)));
        let n = self.rng.random_range(2..10).to_string();
        let brand = pick(&mut self.rng, vocab::PRODUCT_BRANDS);
        let m = &self.merchants[mi];
        let (short, town_name) = (m.short.clone(), self.towns[m.town].name.clone());
        let venue = m.station.map(|s| self.stations[s].venue.clone()).unwrap_or_default();
        let date = format!("{}年{}月{}日", purchase.year(), purchase.month(), purchase.day());
        let a = yuan(amount.0);
        let vars = Vars {
            m: &m.name,
            b: brand,
            p: product.name,
            d: &date,
            a: &a,
            n: &n,
            v: &venue,
            t: &town_name,
            r: request,
            trade: "",
        };

        let buy = fill(product.buy, &vars);
        let price_word = if cat.service { "费用" } else { "价格" };
        let opening = match (&m.platform, &m.premises) {
            (Some(platform), _) => format!("{date}，本人在{platform}{buy}，实付{a}元。"),
            (None, Some(premises)) if self.rng.random_bool(0.5) => {
                format!("{date}，本人在位于{premises}的{}{buy}，{price_word}{a}元。", m.name)
            }
            _ => format!("{date}，本人在{}{buy}，{price_word}{a}元。", m.name),
        };
        let replies = if !problem.replies.is_empty() {
            problem.replies
        } else if vocab::PREPAID_CATEGORIES.contains(&cat.name) {
            vocab::PREPAID_REPLIES
        } else if cat.service {
            vocab::SERVICE_REPLIES
        } else {
            vocab::GOODS_REPLIES
        };
        let reply = fill(pick(&mut self.rng, replies), &vars);
        let mut facts =
            format!("{opening}{}。联系商家后，{reply}。现要求商家{request}。", fill(problem.fact, &vars));
        if chars(&facts) < 60 || self.rng.random_bool(0.5) {
            facts.push_str(pick(&mut self.rng, vocab::CLOSINGS));
        }
        let facts = clip_sentences(&facts, 300);

        let ptitle = fill(problem.title, &vars);
        let mut title = String::new();
        for _ in 0..4 {
            title = match self.rng.random_range(0..6) {
                0 => format!("{short}{ptitle}"),
                1 => format!("{}{ptitle}", product.name),
                2 => format!("投诉{short}{ptitle}"),
                3 => format!("在{short}购买的{}{ptitle}", product.name),
                4 => format!("{town_name}{short}{ptitle}，要求{request}"),
                _ if !venue.is_empty() => format!("反映{venue}{short}{ptitle}"),
                _ => format!("{}{ptitle}，要求{request}", product.name),
            };
            if (10..=30).contains(&chars(&title)) {
                break;
            }
        }
        let title = fit_title(title, request);

        let respondent = self.respondent_of(mi);
        let merchant = &self.merchants[mi];
        let new = NewTicket {
            kind: Some(Kind::Complaint),
            intake: Intake::default(),
            complainant: Complainant {
                name: Some(person.name.clone()),
                phone: Some(person.phone.clone()),
                address: Some(person.address.clone()),
                id_verified: false,
                proxy: false,
            },
            respondent,
            dispute: Dispute {
                title,
                request: Some(request.to_string()),
                facts: Some(facts),
                purchase_date: Some(purchase),
                harm_known_date: Some(known),
                amount: Some(amount),
                category: Some(cat.name.to_string()),
                dispute_type: Some(problem.dispute.to_string()),
                gb_code: None,
            },
            attachments: Vec::new(),
        };
        let truth = Truth {
            kind: Kind::Complaint,
            category: Some(cat.name.to_string()),
            dispute_type: Some(problem.dispute.to_string()),
            town: merchant.town,
            station: merchant.station,
            amount: Some(amount),
            request: Some(request.to_string()),
            merchant: Some(merchant.short.clone()),
        };
        Draft { new, truth }
    }

    fn report(&mut self, _channel: &str, received_at: Timestamp, person: &Person) -> Draft {
        let (rp, _) = &vocab::REPORT_PROBLEMS[self.report_pick.sample(&mut self.rng)];
        let unlicensed = rp.problem == "无照经营";
        let wanted = match rp.problem {
            "食品安全" => {
                Some(if self.rng.random_bool(0.5) { "一般食品" } else { "餐饮和住宿" })
            }
            "产品质量" | "不正当竞争" => {
                let goods = ["家用电器", "通讯产品", "服装鞋帽", "一般食品", "化妆品"];
                Some(goods[self.rng.random_range(0..goods.len())])
            }
            _ => None,
        };
        let category = wanted.and_then(|w| CATEGORIES.iter().position(|c| c.name == w));
        let mi = self.pick_merchant(category, false);
        let a = yuan(self.price(100, 3000).0);
        let m = &self.merchants[mi];
        let cat = &CATEGORIES[m.category];
        let products = cat.trades[m.trade].products;
        let product = products[self.rng.random_range(0..products.len())].name;
        let town = m.town;
        let town_name = self.towns[town].name.clone();
        let venue = match m.station {
            Some(s) => self.stations[s].venue.clone(),
            None => {
                let community = pick(&mut self.rng, self.towns[town].communities);
                format!("{town_name}{community}{}", pick(&mut self.rng, vocab::ROADS))
            }
        };
        let (trade, trade_category) = pick(&mut self.rng, vocab::UNLICENSED_TRADES);
        let vars = Vars { m: &m.name, p: product, v: &venue, t: &town_name, a: &a, trade, ..Vars::default() };
        let (case_title, case_facts) = pick(&mut self.rng, rp.cases);
        let mut facts = fill(case_facts, &vars);
        let n = self.rng.random_range(2..13).to_string();
        let closing = match self.rng.random_range(0..3) {
            0 => "请市场监管部门依法查处。",
            1 => "希望相关部门尽快核查处理，并将处理结果告知本人。",
            _ => "请予核查处理。",
        };
        let details = vocab::REPORT_DETAILS;
        let first = self.rng.random_range(0..details.len());
        for i in 0..details.len() {
            if chars(&facts) + chars(closing) >= 60 {
                break;
            }
            facts.push_str(&fill(details[(first + i) % details.len()], &Vars { n: &n, ..Vars::default() }));
        }
        facts.push_str(closing);
        let (target, short) = if unlicensed {
            (format!("{venue}{trade}（无招牌）"), trade.to_string())
        } else {
            (m.name.clone(), m.short.clone())
        };
        let category = if unlicensed { trade_category } else { cat.name };
        let title = fit_title(format!("举报{short}{case_title}"), "依法查处");
        let anonymous = self.rng.random_bool(0.3);
        let respondent = if unlicensed {
            Respondent { name: Some(target.clone()), address: Some(venue.clone()), ..Respondent::default() }
        } else {
            self.respondent_of(mi)
        };
        let m = &self.merchants[mi];
        let new = NewTicket {
            kind: Some(Kind::Report),
            intake: Intake::default(),
            complainant: if anonymous {
                Complainant::default()
            } else {
                Complainant {
                    name: Some(person.name.clone()),
                    phone: Some(person.phone.clone()),
                    address: Some(person.address.clone()),
                    ..Complainant::default()
                }
            },
            respondent,
            dispute: Dispute {
                title,
                request: Some("依法查处".to_string()),
                facts: Some(clip_sentences(&facts, 300)),
                purchase_date: None,
                harm_known_date: Some(received_at.china_date()),
                amount: None,
                category: Some(category.to_string()),
                dispute_type: Some(rp.problem.to_string()),
                gb_code: None,
            },
            attachments: Vec::new(),
        };
        let truth = Truth {
            kind: Kind::Report,
            category: Some(category.to_string()),
            dispute_type: Some(rp.problem.to_string()),
            town,
            station: m.station,
            amount: None,
            request: None,
            merchant: Some(short),
        };
        Draft { new, truth }
    }

    fn enquiry(&mut self, kind: Kind, person: &Person) -> Draft {
        let town_name = self.towns[person.town].name.clone();
        let venue = match self.towns[person.town].stations.first() {
            Some(&s) => self.stations[s].venue.clone(),
            None => town_name.clone(),
        };
        let (topic, body) = if kind == Kind::Enquiry {
            pick(&mut self.rng, vocab::ENQUIRIES)
        } else {
            pick(&mut self.rng, vocab::SUGGESTIONS)
        };
        let vars = Vars { v: &venue, t: &town_name, ..Vars::default() };
        let lead = if kind == Kind::Enquiry { "咨询" } else { "建议" };
        let mut facts = fill(body, &vars);
        let closing = if kind == Kind::Enquiry { "请相关部门予以解答。" } else { "望采纳。" };
        let details = vocab::ENQUIRY_DETAILS;
        let first = self.rng.random_range(0..details.len());
        for i in 0..details.len() {
            if chars(&facts) + chars(closing) >= 60 {
                break;
            }
            facts.push_str(details[(first + i) % details.len()]);
        }
        facts.push_str(closing);
        let new = NewTicket {
            kind: Some(kind),
            intake: Intake::default(),
            complainant: Complainant {
                name: Some(person.name.clone()),
                phone: Some(person.phone.clone()),
                address: Some(person.address.clone()),
                ..Complainant::default()
            },
            respondent: Respondent::default(),
            dispute: Dispute {
                title: fit_title(format!("{lead}{}", fill(topic, &vars)), "答复"),
                facts: Some(clip_sentences(&facts, 300)),
                request: Some(if kind == Kind::Enquiry { "请予解答" } else { "请予采纳" }.to_string()),
                ..Dispute::default()
            },
            attachments: Vec::new(),
        };
        let truth = Truth {
            kind,
            category: None,
            dispute_type: None,
            town: person.town,
            station: None,
            amount: None,
            request: None,
            merchant: None,
        };
        Draft { new, truth }
    }

    /// A shop price in the range: ...99 and ...80 endings for big tickets, whole yuan for small.
    fn price(&mut self, lo: i64, hi: i64) -> Fen {
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

fn is_hotline(channel: &str) -> bool {
    matches!(channel, "12345" | "8180" | "phone")
}

/// Keeps a title between 10 and 30 characters, as clerks write them.
fn fit_title(title: String, request: &str) -> String {
    let mut t = title;
    if chars(&t) < 10 {
        t = format!("{t}，要求{request}");
    }
    if chars(&t) < 10 {
        t.push_str("，请尽快处理");
    }
    if chars(&t) > 30 { clip(&t, 30) } else { t }
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
