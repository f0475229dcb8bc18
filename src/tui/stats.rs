//! The statistics screen's state: which period and scope are asked for, the figures the server
//! answered, which section has the cursor and where. Every row of every section names the
//! figure it shows as a [`Selector`], so the key that opens "the tickets behind it" needs no
//! knowledge of what the row is.

use super::i18n::{self, Lang, Msg};
use crate::engine::stats::{StatsDrill, StatsQuery};
use crate::stats::{Dimension, KpiPart, Period, Ratio, Selector, Statistics};
use crate::time::Timestamp;
use chrono::{Datelike, Duration};

/// The period the screen shows; each is compared with the period of the same length before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeriodChoice {
    Today,
    /// Monday to today.
    Week,
    /// The first of the month to today.
    Month,
    Custom(Period),
}

impl PeriodChoice {
    pub fn period(self, now: Timestamp) -> Period {
        let today = now.china_date();
        match self {
            PeriodChoice::Today => Period { from: today, to: today },
            PeriodChoice::Week => {
                let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
                Period { from: monday, to: today }
            }
            PeriodChoice::Month => Period::month_to_date(now),
            PeriodChoice::Custom(p) => p,
        }
    }

    /// The next of today, this week, this month (a custom range goes back to today).
    pub fn next(self) -> PeriodChoice {
        match self {
            PeriodChoice::Today => PeriodChoice::Week,
            PeriodChoice::Week => PeriodChoice::Month,
            PeriodChoice::Month | PeriodChoice::Custom(_) => PeriodChoice::Today,
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            PeriodChoice::Today => Msg::StatsToday.text(lang),
            PeriodChoice::Week => Msg::StatsWeek.text(lang),
            PeriodChoice::Month => Msg::StatsMonth.text(lang),
            PeriodChoice::Custom(_) => Msg::StatsCustom.text(lang),
        }
    }
}

/// Whose figures: everyone's, one unit's (a branch with its stations) or one town's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StatsScope {
    All,
    Unit { id: String, name: String },
    Town(String),
}

/// A section of the screen: the cursor moves within one, tab moves between them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    Kpis,
    Trend,
    Breakdown(Dimension),
    HotWords,
    Merchants,
}

impl Section {
    pub const ALL: [Section; 11] = [
        Section::Kpis,
        Section::Trend,
        Section::Breakdown(Dimension::Channel),
        Section::Breakdown(Dimension::Kind),
        Section::Breakdown(Dimension::Category),
        Section::Breakdown(Dimension::DisputeType),
        Section::Breakdown(Dimension::Town),
        Section::Breakdown(Dimension::BusinessDistrict),
        Section::Breakdown(Dimension::Industry),
        Section::HotWords,
        Section::Merchants,
    ];
    /// The sections of the lower pane (its tabs) start here.
    pub const FIRST_TAB: usize = 2;

    /// A short name, for a tab.
    pub fn label(self, lang: Lang) -> &'static str {
        let en = lang.is_en();
        match self {
            Section::Kpis => Msg::StatsKpis.text(lang),
            Section::Trend => Msg::StatsTrend.text(lang),
            Section::Breakdown(d) if en => match d {
                Dimension::Channel => "Channel",
                Dimension::Kind => "Kind",
                Dimension::Category => "Category",
                Dimension::DisputeType => "Dispute",
                Dimension::Town => "Town",
                Dimension::BusinessDistrict => "District",
                Dimension::Industry => "Industry",
                Dimension::Unit => "Unit",
            },
            Section::Breakdown(d) => match d {
                Dimension::Category => "类别",
                other => other.zh(),
            },
            Section::HotWords => Msg::StatsHotWords.text(lang),
            Section::Merchants => Msg::StatsMerchants.text(lang),
        }
    }
}

/// One row of a section: what it shows and the figure behind it.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    pub label: String,
    /// The figure as shown (a count, a rate with its fraction, an amount).
    pub value: String,
    /// How long its bar is, against the section's largest.
    pub bar: u64,
    /// The previous period's figure as shown (empty where there is none, as for a day).
    pub previous: String,
    /// The change, `↑27`, `↓3` or `–`.
    pub change: Change,
    /// A rise is good news (a rate kept, money recovered), not more complaints.
    pub rise_is_good: bool,
    pub selector: Selector,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    None,
    Up(String),
    Down(String),
    Same,
}

impl Change {
    pub fn counts(now: u64, before: u64) -> Change {
        match now.cmp(&before) {
            std::cmp::Ordering::Greater => Change::Up((now - before).to_string()),
            std::cmp::Ordering::Less => Change::Down((before - now).to_string()),
            std::cmp::Ordering::Equal => Change::Same,
        }
    }
    fn amounts(now: Option<f64>, before: Option<f64>, decimals: usize) -> Change {
        let (Some(now), Some(before)) = (now, before) else { return Change::None };
        let d = now - before;
        if d.abs() < 0.5 * 10f64.powi(-(decimals as i32)) {
            Change::Same
        } else if d > 0.0 {
            Change::Up(format!("{d:.decimals$}"))
        } else {
            Change::Down(format!("{:.decimals$}", -d))
        }
    }
    pub fn text(&self) -> String {
        match self {
            Change::None => String::new(),
            Change::Up(d) => format!("↑{d}"),
            Change::Down(d) => format!("↓{d}"),
            Change::Same => "–".into(),
        }
    }
}

pub struct StatsScreen {
    pub choice: PeriodChoice,
    pub scope: StatsScope,
    /// The last figures answered (kept on screen while newer ones are computed).
    pub figures: Option<Box<Statistics>>,
    /// What was asked last: an answer to anything else is late and dropped.
    pub asked: Option<StatsQuery>,
    pub loading: bool,
    /// Why the server gave no figures (a unit's staff may not read them).
    pub error: Option<String>,
    /// Index into [`Section::ALL`].
    pub section: usize,
    /// The tab the lower pane shows (the last tab the cursor was in).
    pub tab: usize,
    pub cursors: [usize; Section::ALL.len()],
}

impl Default for StatsScreen {
    fn default() -> Self {
        StatsScreen {
            choice: PeriodChoice::Month,
            scope: StatsScope::All,
            figures: None,
            asked: None,
            loading: false,
            error: None,
            section: 0,
            tab: Section::FIRST_TAB,
            cursors: [0; Section::ALL.len()],
        }
    }
}

impl StatsScreen {
    /// The question for the server now; marks it asked.
    pub fn ask(&mut self, now: Timestamp) -> StatsQuery {
        let (unit, town) = match &self.scope {
            StatsScope::All => (None, None),
            StatsScope::Unit { id, .. } => (Some(id.clone()), None),
            StatsScope::Town(t) => (None, Some(t.clone())),
        };
        let q = StatsQuery { period: Some(self.choice.period(now)), unit, town };
        self.asked = Some(q.clone());
        self.loading = true;
        q
    }

    /// An answer: kept when it answers the last question.
    pub fn on_figures(&mut self, query: StatsQuery, figures: Result<Box<Statistics>, String>) {
        if self.asked.as_ref() != Some(&query) {
            return;
        }
        self.loading = false;
        match figures {
            Ok(f) => {
                self.figures = Some(f);
                self.error = None;
                // The sections may be shorter now: the cursors stay on a row.
                for (i, s) in Section::ALL.iter().enumerate() {
                    let n = self.rows(*s, Lang::En).len();
                    self.cursors[i] = self.cursors[i].min(n.saturating_sub(1));
                }
            }
            Err(e) => {
                self.figures = None;
                self.error = Some(e);
            }
        }
    }

    pub fn current(&self) -> Section {
        Section::ALL[self.section]
    }

    /// Tab to the next (or previous) section.
    pub fn next_section(&mut self, delta: isize) {
        let n = Section::ALL.len() as isize;
        self.section = (self.section as isize + delta).rem_euclid(n) as usize;
        if self.section >= Section::FIRST_TAB {
            self.tab = self.section;
        }
    }

    /// Moves the cursor in the current section (clamped to its rows).
    pub fn move_to(&mut self, pos: isize, lang: Lang) {
        let n = self.rows(self.current(), lang).len() as isize;
        self.cursors[self.section] = pos.clamp(0, (n - 1).max(0)) as usize;
    }

    pub fn move_by(&mut self, delta: isize, lang: Lang) {
        self.move_to(self.cursors[self.section] as isize + delta, lang);
    }

    /// The figure under the cursor, as a drill-down of the period asked.
    pub fn drill(&self, lang: Lang) -> Option<(StatsDrill, String)> {
        let query = self.asked.clone()?;
        let rows = self.rows(self.current(), lang);
        let row = rows.get(self.cursors[self.section])?;
        let title = format!("{} · {}", self.current().label(lang), row.label);
        Some((StatsDrill { query, previous: false, selector: row.selector.clone() }, title))
    }

    /// The rows of a section (none before the first figures).
    pub fn rows(&self, section: Section, lang: Lang) -> Vec<Figure> {
        let Some(s) = self.figures.as_deref() else { return Vec::new() };
        match section {
            Section::Kpis => kpi_rows(s, lang),
            Section::Trend => s
                .by_day
                .iter()
                .map(|d| Figure {
                    label: d.date.format("%m-%d").to_string(),
                    value: d.count.to_string(),
                    bar: d.count,
                    previous: String::new(),
                    change: Change::None,
                    rise_is_good: false,
                    selector: Selector::Day(d.date),
                })
                .collect(),
            Section::Breakdown(d) => s
                .breakdown(d)
                .iter()
                // A value seen only in the previous period is still a row: it fell to none.
                .map(|k| Figure {
                    label: key_label(d, k.key.as_deref(), lang),
                    value: k.count.to_string(),
                    bar: k.count,
                    previous: k.previous.to_string(),
                    change: Change::counts(k.count, k.previous),
                    rise_is_good: false,
                    selector: Selector::Key { dimension: d, key: k.key.clone() },
                })
                .collect(),
            Section::HotWords => s
                .hot_words
                .iter()
                .map(|w| Figure {
                    label: w.word.clone(),
                    value: w.count.to_string(),
                    bar: w.count,
                    previous: w.previous.to_string(),
                    change: Change::counts(w.count, w.previous),
                    rise_is_good: false,
                    selector: Selector::Word(w.word.clone()),
                })
                .collect(),
            Section::Merchants => s
                .merchants_at_risk
                .iter()
                .map(|m| Figure {
                    label: m.name.clone(),
                    value: m.tickets.to_string(),
                    bar: m.tickets,
                    previous: m.previous.to_string(),
                    change: Change::counts(m.tickets, m.previous),
                    rise_is_good: false,
                    selector: Selector::Merchant(m.merchant.clone()),
                })
                .collect(),
        }
    }
}

/// A breakdown's key as a clerk reads it: channels and kinds by name, a missing value as such.
fn key_label(d: Dimension, key: Option<&str>, lang: Lang) -> String {
    match (d, key) {
        (_, None) => Msg::StatsNone.text(lang).to_string(),
        (Dimension::Channel, Some(k)) => super::ui::channel_label(lang, k),
        (Dimension::Kind, Some(k)) => i18n::kind_code(k, lang),
        (_, Some(k)) => k.to_string(),
    }
}

fn percent(r: &Ratio) -> Option<f64> {
    r.percent()
}

/// The KPI rows: the total, then each KPI; a rate drills into the tickets it is over (its
/// denominator), an amount or an average into the tickets that make it up.
fn kpi_rows(s: &Statistics, lang: Lang) -> Vec<Figure> {
    let (k, p) = (&s.kpis, &s.previous_kpis);
    let rate = |label: Msg, now: &Ratio, before: &Ratio, part: KpiPart| Figure {
        label: label.text(lang).to_string(),
        value: match percent(now) {
            Some(x) => format!("{x:.1}% {}/{}", now.numerator, now.denominator),
            None => "–".into(),
        },
        bar: now.denominator,
        previous: percent(before).map_or("–".into(), |x| format!("{x:.1}%")),
        change: Change::amounts(percent(now), percent(before), 1),
        rise_is_good: true,
        selector: Selector::Kpi(part),
    };
    let recovered = (k.amount_recovered_wan(), p.amount_recovered_wan());
    let contact = (k.average_first_contact_minutes(), p.average_first_contact_minutes());
    vec![
        Figure {
            label: Msg::StatsTotal.text(lang).to_string(),
            value: s.total.to_string(),
            bar: s.total,
            previous: s.previous_total.to_string(),
            change: Change::counts(s.total, s.previous_total),
            rise_is_good: false,
            selector: Selector::Total,
        },
        rate(Msg::StatsFirstCheck, &k.first_check_on_time, &p.first_check_on_time, KpiPart::FirstCheckDue),
        rate(Msg::StatsResolved, &k.resolved_on_time, &p.resolved_on_time, KpiPart::ResolutionDue),
        rate(Msg::StatsMediation, &k.mediation_success, &p.mediation_success, KpiPart::MediationConcluded),
        Figure {
            label: Msg::StatsRecovered.text(lang).to_string(),
            value: format!("{:.2}", recovered.0),
            bar: 0,
            previous: format!("{:.2}", recovered.1),
            change: Change::amounts(Some(recovered.0), Some(recovered.1), 2),
            rise_is_good: true,
            selector: Selector::Kpi(KpiPart::Recovered),
        },
        Figure {
            label: Msg::StatsFirstContact.text(lang).to_string(),
            value: contact.0.map_or("–".into(), |m| format!("{m:.1}")),
            bar: k.contacted,
            previous: contact.1.map_or("–".into(), |m| format!("{m:.1}")),
            change: Change::amounts(contact.0, contact.1, 1),
            rise_is_good: false,
            selector: Selector::Kpi(KpiPart::Contacted),
        },
        rate(Msg::StatsContactedInTime, &k.contacted_in_time, &p.contacted_in_time, KpiPart::ContactDue),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        // Saturday 2026-11-28 10:00 China time.
        Timestamp::parse("2026-11-28T10:00:00+08:00").unwrap()
    }

    fn d(s: &str) -> chrono::NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn today_this_week_and_this_month_end_today_and_start_where_they_say() {
        assert_eq!(PeriodChoice::Today.period(now()), Period { from: d("2026-11-28"), to: d("2026-11-28") });
        assert_eq!(PeriodChoice::Week.period(now()), Period { from: d("2026-11-23"), to: d("2026-11-28") });
        assert_eq!(PeriodChoice::Month.period(now()), Period { from: d("2026-11-01"), to: d("2026-11-28") });
    }

    #[test]
    fn an_answer_to_an_older_question_is_dropped() {
        let mut s = StatsScreen::default();
        let old = s.ask(now());
        s.choice = PeriodChoice::Today;
        let _new = s.ask(now());
        s.on_figures(old, Err("late".into()));
        assert!(s.loading && s.error.is_none());
    }
}
