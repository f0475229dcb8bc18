//! Early warnings (维权预警): a word, category, merchant or business district whose tickets of
//! the last few days are far more than its own baseline would give, by a Poisson test with the
//! parameters of `config/stats.toml` (`[warnings]`).

use super::facts::{Sym, TicketFacts};
use super::settings::WarningSettings;
use super::table::FactTable;
use crate::domain::ticket::TicketId;
use chrono::{Duration, NaiveDate};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    Word,
    Category,
    Merchant,
    BusinessDistrict,
}

impl Subject {
    pub fn zh(self) -> &'static str {
        match self {
            Subject::Word => "高频词",
            Subject::Category => "类别",
            Subject::Merchant => "经营者",
            Subject::BusinessDistrict => "商圈",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Warning {
    pub subject: Subject,
    /// The word, category, merchant key (credit code or name) or business district.
    pub key: String,
    /// Tickets in the recent window.
    pub count: u64,
    /// What the baseline rate gives for the recent window.
    pub expected: f64,
    /// The chance of `count` or more under the baseline: the smaller, the surer the surge.
    pub p_value: f64,
    /// The recent window, both ends included.
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub ids: Vec<TicketId>,
}

/// P(X ≥ k) for X ~ Poisson(mean), summed in log space so that a large mean cannot underflow.
pub fn poisson_tail(k: u64, mean: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    let ln_mean = mean.ln();
    let mut ln_term = -mean; // ln P(X = 0)
    let mut below = ln_term.exp();
    for i in 1..k {
        ln_term += ln_mean - (i as f64).ln();
        below += ln_term.exp();
    }
    (1.0 - below).clamp(0.0, 1.0)
}

#[derive(Default)]
struct Counts {
    recent: u64,
    baseline: u64,
    ids: Vec<TicketId>,
}

/// The warnings as of the end of `last_day`, most surprising first; `admits` keeps the scope.
pub fn detect(
    table: &FactTable,
    last_day: NaiveDate,
    w: &WarningSettings,
    admits: impl Fn(&TicketFacts) -> bool,
) -> Vec<Warning> {
    let recent_from = last_day - Duration::days(i64::from(w.recent_days) - 1);
    let baseline_from = recent_from - Duration::days(i64::from(w.baseline_days));
    let mut by: FxHashMap<(Subject, Sym), Counts> = FxHashMap::default();
    for f in table.received_between(baseline_from, last_day) {
        let day = f.received_at.china_date();
        if day < baseline_from || day > last_day || !admits(&f) {
            continue;
        }
        let recent = day >= recent_from;
        let mut add = |subject, sym: Sym| {
            let c = by.entry((subject, sym)).or_default();
            if recent {
                c.recent += 1;
                c.ids.push(f.id);
            } else {
                c.baseline += 1;
            }
        };
        for word in table.words_of(f).iter() {
            add(Subject::Word, word);
        }
        for (subject, sym) in [
            (Subject::Category, f.category),
            (Subject::Merchant, f.merchant),
            (Subject::BusinessDistrict, f.business_district),
        ] {
            if let Some(sym) = sym {
                add(subject, sym);
            }
        }
    }
    let mut out: Vec<Warning> = by
        .into_iter()
        .filter(|(_, c)| c.recent >= w.min_count)
        .filter_map(|((subject, sym), mut c)| {
            let rate = (c.baseline as f64 / f64::from(w.baseline_days)).max(w.min_daily_rate);
            let expected = rate * f64::from(w.recent_days);
            let p_value = poisson_tail(c.recent, expected);
            // The table walks the days in order: the tickets are listed by number.
            c.ids.sort_unstable();
            (p_value < w.p_value).then(|| Warning {
                subject,
                key: table.name(sym).to_string(),
                count: c.recent,
                expected: (expected * 10.0).round() / 10.0,
                p_value,
                from: recent_from,
                to: last_day,
                ids: c.ids,
            })
        })
        .collect();
    out.sort_by(|a, b| a.p_value.total_cmp(&b.p_value).then(b.count.cmp(&a.count)).then(a.key.cmp(&b.key)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_poisson_tail_is_one_at_zero_and_small_far_above_the_mean() {
        assert_eq!(poisson_tail(0, 3.0), 1.0);
        // P(X ≥ 1) = 1 − e^−λ.
        assert!((poisson_tail(1, 0.3) - (1.0 - (-0.3f64).exp())).abs() < 1e-12);
        assert!(poisson_tail(6, 0.3) < 1e-5);
        assert!(poisson_tail(33, 30.0) > 0.2, "a few more than usual is noise");
        assert!(poisson_tail(900, 800.0) < 0.001 && poisson_tail(900, 800.0) > 0.0, "no underflow");
    }
}
