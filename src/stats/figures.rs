//! A period's figures: totals, the trend by day, the breakdowns and the KPIs, each against the
//! previous period of the same length, and the tickets behind any one of them (drill-down).
//! Both come from one test per figure ([`Selector::admits`]), so they cannot disagree.

use super::facts::{Sym, TicketFacts};
use super::hot_words::HotWord;
use super::kpi::{KpiPart, Kpis};
use super::merchants::{self, MerchantRisk, PledgeCandidate};
use super::period::Period;
use super::settings::StatsSettings;
use super::table::FactTable;
use super::warnings::{self, Warning};
use super::words::Words;
use crate::domain::ticket::{Kind, TicketId};
use crate::time::Timestamp;
use chrono::NaiveDate;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// What a breakdown groups by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Channel,
    Kind,
    Category,
    DisputeType,
    Town,
    BusinessDistrict,
    Industry,
    Unit,
}

impl Dimension {
    pub const ALL: [Dimension; 8] = [
        Dimension::Channel,
        Dimension::Kind,
        Dimension::Category,
        Dimension::DisputeType,
        Dimension::Town,
        Dimension::BusinessDistrict,
        Dimension::Industry,
        Dimension::Unit,
    ];

    /// The JSON key of the breakdown (`by_channel` …).
    pub fn json_key(self) -> &'static str {
        match self {
            Dimension::Channel => "by_channel",
            Dimension::Kind => "by_kind",
            Dimension::Category => "by_category",
            Dimension::DisputeType => "by_dispute_type",
            Dimension::Town => "by_town",
            Dimension::BusinessDistrict => "by_business_district",
            Dimension::Industry => "by_industry",
            Dimension::Unit => "by_unit",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Dimension::Channel => "渠道",
            Dimension::Kind => "类型",
            Dimension::Category => "商品服务类别",
            Dimension::DisputeType => "争议类型",
            Dimension::Town => "镇街",
            Dimension::BusinessDistrict => "商圈",
            Dimension::Industry => "行业",
            Dimension::Unit => "承办单位",
        }
    }

    /// The ticket's value as a number: the kind's place, or the name's symbol (0: none).
    fn code(self, f: &TicketFacts) -> u64 {
        let sym = |s: Option<Sym>| s.map_or(0, |s| u64::from(s.get()));
        match self {
            Dimension::Channel => u64::from(f.channel.get()),
            Dimension::Kind => Kind::ALL.iter().position(|k| *k == f.kind).unwrap_or(0) as u64,
            Dimension::Category => sym(f.category),
            Dimension::DisputeType => sym(f.dispute_type),
            Dimension::Town => sym(f.town),
            Dimension::BusinessDistrict => sym(f.business_district),
            Dimension::Industry => sym(f.industry),
            Dimension::Unit => sym(f.unit),
        }
    }

    fn name_of(self, code: u64, table: &FactTable) -> Option<String> {
        match self {
            Dimension::Kind => Kind::ALL.get(code as usize).map(|k| k.code().to_string()),
            _ if code == 0 => None,
            _ => u32::try_from(code).ok().and_then(Sym::new).map(|s| table.name(s).to_string()),
        }
    }

    fn code_of(self, key: Option<&str>, table: &FactTable) -> Option<u64> {
        match (self, key) {
            (Dimension::Kind, Some(k)) => {
                Kind::parse(k).and_then(|k| Kind::ALL.iter().position(|x| *x == k)).map(|p| p as u64)
            }
            (Dimension::Kind, None) => None,
            (_, None) => Some(0),
            (_, Some(k)) => table.sym(k).map(|s| u64::from(s.get())),
        }
    }
}

/// Which tickets: those handled by one of `units` (a branch with its stations), of one town.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    /// None: every unit, and tickets with none.
    pub units: Option<Vec<String>>,
    pub town: Option<String>,
}

/// The scope as symbols of one table: a name the table never saw matches nothing.
struct Within {
    units: Option<Vec<Sym>>,
    town: Option<Option<Sym>>,
}

impl Within {
    fn of(scope: &Scope, table: &FactTable) -> Within {
        Within {
            units: scope.units.as_ref().map(|us| us.iter().filter_map(|u| table.sym(u)).collect()),
            town: scope.town.as_ref().map(|t| table.sym(t)),
        }
    }
    fn admits(&self, f: &TicketFacts) -> bool {
        self.units.as_ref().is_none_or(|us| f.unit.is_some_and(|u| us.contains(&u)))
            && self.town.is_none_or(|t| t.is_some() && f.town == t)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KeyCount {
    /// None: the ticket has no value (no category yet …).
    pub key: Option<String>,
    pub count: u64,
    pub previous: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Breakdown {
    pub dimension: Dimension,
    /// Most first; ties by key.
    pub rows: Vec<KeyCount>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DayCount {
    pub date: NaiveDate,
    pub count: u64,
}

/// The figures of one period for one scope, as of `as_of`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Statistics {
    pub period: Period,
    pub previous_period: Period,
    pub scope: Scope,
    pub as_of: Timestamp,
    pub total: u64,
    pub previous_total: u64,
    /// Every day of the period, days without tickets included.
    pub by_day: Vec<DayCount>,
    pub breakdowns: Vec<Breakdown>,
    pub kpis: Kpis,
    pub previous_kpis: Kpis,
    /// The most frequent words of the period (tickets containing each), best first.
    pub hot_words: Vec<HotWord>,
    pub merchants_at_risk: Vec<MerchantRisk>,
    pub pledge_candidates: Vec<PledgeCandidate>,
    /// Surges of the last days of the period (up to today), most surprising first.
    pub warnings: Vec<Warning>,
}

impl Statistics {
    pub fn breakdown(&self, d: Dimension) -> &[KeyCount] {
        self.breakdowns.iter().find(|b| b.dimension == d).map_or(&[], |b| &b.rows)
    }
}

/// Counted in maps keyed by symbols: FxHash, several times quicker than SipHash on a year's
/// tickets, and the keys are our own numbers (no outside input to flood it).
#[derive(Default)]
struct Tally {
    total: u64,
    by: [FxHashMap<u64, u64>; Dimension::ALL.len()],
    kpis: Kpis,
    words: FxHashMap<Sym, u64>,
}

impl Tally {
    fn add(&mut self, f: &TicketFacts, words: Words, now: Timestamp) {
        self.total += 1;
        for (i, d) in Dimension::ALL.iter().enumerate() {
            *self.by[i].entry(d.code(f)).or_default() += 1;
        }
        self.kpis.add(f, now);
        for w in words.iter() {
            *self.words.entry(w).or_default() += 1;
        }
    }
}

/// The figures of `period` and of the period before it, for the tickets in `scope`.
pub fn compute(
    table: &FactTable,
    period: Period,
    scope: &Scope,
    now: Timestamp,
    settings: &StatsSettings,
) -> Statistics {
    let previous = period.previous();
    let within = Within::of(scope, table);
    let (mut cur, mut prev) = (Tally::default(), Tally::default());
    let mut days: HashMap<NaiveDate, u64> = HashMap::new();
    let (mut cur_facts, mut prev_facts) = (Vec::new(), Vec::new());
    for f in table.received_between(previous.from.min(period.from), period.to.max(previous.to)) {
        let date = f.received_at.china_date();
        let in_cur = period.contains_date(date);
        if !(in_cur || previous.contains_date(date)) || !within.admits(&f) {
            continue;
        }
        // The merchants' figures read a little of the current period's complaints and reports
        // and only count the previous period's by merchant.
        if in_cur {
            cur.add(&f, table.words_of(f), now);
            *days.entry(date).or_default() += 1;
            cur_facts.extend(merchants::MerchantTicket::of(&f));
        } else {
            prev.add(&f, table.words_of(f), now);
            prev_facts.extend(merchants::about(&f));
        }
    }
    let breakdowns = Dimension::ALL
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let mut codes: Vec<u64> = cur.by[i].keys().chain(prev.by[i].keys()).copied().collect();
            codes.sort_unstable();
            codes.dedup();
            let mut rows: Vec<KeyCount> = codes
                .into_iter()
                .map(|c| KeyCount {
                    key: d.name_of(c, table),
                    count: cur.by[i].get(&c).copied().unwrap_or(0),
                    previous: prev.by[i].get(&c).copied().unwrap_or(0),
                })
                .collect();
            rows.sort_by(|a, b| {
                b.count.cmp(&a.count).then(b.previous.cmp(&a.previous)).then(a.key.cmp(&b.key))
            });
            Breakdown { dimension: *d, rows }
        })
        .collect();
    let mut hot_words: Vec<HotWord> = cur
        .words
        .iter()
        .map(|(w, n)| HotWord {
            word: table.name(*w).to_string(),
            count: *n,
            previous: prev.words.get(w).copied().unwrap_or(0),
        })
        .collect();
    hot_words
        .sort_by(|a, b| b.count.cmp(&a.count).then(b.change().cmp(&a.change())).then(a.word.cmp(&b.word)));
    hot_words.truncate(settings.hot_words.top);
    let merchants = merchants::group(cur_facts, prev_facts);
    let merchants_at_risk = merchants::at_risk(&merchants, table, settings, now);
    let pledge_candidates = merchants::pledge(&merchants, table, settings, now);
    let last_day = period.to.min(now.china_date());
    let warnings = warnings::detect(table, last_day, &settings.warnings, |f| within.admits(f));
    Statistics {
        period,
        previous_period: previous,
        scope: scope.clone(),
        as_of: now,
        total: cur.total,
        previous_total: prev.total,
        by_day: period
            .dates()
            .map(|date| DayCount { date, count: days.get(&date).copied().unwrap_or(0) })
            .collect(),
        breakdowns,
        kpis: cur.kpis,
        previous_kpis: prev.kpis,
        hot_words,
        merchants_at_risk,
        pledge_candidates,
        warnings,
    }
}

/// One figure of a [`Statistics`]: what a drill-down opens.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Selector {
    Total,
    Day(NaiveDate),
    Key {
        dimension: Dimension,
        key: Option<String>,
    },
    Kpi(KpiPart),
    /// The tickets whose title or complaint text has the word.
    Word(String),
    /// The complaints and reports about one merchant: its credit code, or its name when its
    /// tickets give no valid code (the `merchant` of a [`MerchantRisk`]).
    Merchant(String),
}

/// The tickets behind one figure of `period` (or of the period before it, with `previous`),
/// by number.
pub fn drill(
    table: &FactTable,
    period: Period,
    previous: bool,
    scope: &Scope,
    selector: &Selector,
    now: Timestamp,
) -> Vec<TicketId> {
    let period = if previous { period.previous() } else { period };
    let within = Within::of(scope, table);
    let key = match selector {
        Selector::Key { dimension, key } => match dimension.code_of(key.as_deref(), table) {
            Some(code) => Some((*dimension, code)),
            None => return Vec::new(),
        },
        _ => None,
    };
    let word = match selector {
        Selector::Word(w) | Selector::Merchant(w) => match table.sym(w) {
            Some(sym) => Some(sym),
            None => return Vec::new(),
        },
        _ => None,
    };
    let mut ids: Vec<TicketId> = table
        .received_between(period.from, period.to)
        .filter(|f| within.admits(f))
        .filter(|f| match selector {
            Selector::Total => true,
            Selector::Day(d) => f.received_at.china_date() == *d,
            Selector::Key { .. } => key.is_some_and(|(dim, code)| dim.code(f) == code),
            Selector::Kpi(part) => part.admits(f, now),
            Selector::Word(_) => word.is_some_and(|w| table.words_of(f).contains(w)),
            // As `merchants::group` counts them: complaints and reports naming the merchant.
            Selector::Merchant(_) => {
                matches!(f.kind, Kind::Complaint | Kind::Report) && word.is_some() && f.merchant == word
            }
        })
        .map(|f| f.id)
        .collect();
    // The table walks the period day by day: the list is by number.
    ids.sort_unstable();
    ids
}
