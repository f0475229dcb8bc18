//! Deadline clocks (时限): the rules of `config/sla.toml` and the facts each ticket records.

use crate::domain::ConfigProblem;
use crate::domain::calendar::{Calendar, Due, WorkingHours};
use crate::domain::ticket::Kind;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub use crate::domain::calendar::WorkingHoursFile;

/// A lifecycle event that can start or stop a clock. Names are the snake_case strings used in
/// `config/sla.toml` (`start_on`, `stop_on`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Milestone {
    Received,
    Triaged,
    Dispatched,
    Signed,
    FirstContact,
    Accepted,
    Refused,
    MediationStarted,
    Settled,
    MediationEnded,
    Verified,
    FilingDecided,
    ReporterTold,
    Answered,
    Resolved,
    WrittenBack,
    ReturnedToChannel,
    FollowedUp,
    Reopened,
    Recalled,
    ReturnedByUnit,
    Merged,
    Closed,
}

/// A stretch of time during which a clock did not run (中止).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pause {
    pub from: Timestamp,
    pub to: Option<Timestamp>,
}

/// The facts of one clock on one ticket; the due instant is derived from them with the calendar.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClockRecord {
    /// Rule id from `config/sla.toml`, e.g. `complaint_acceptance`.
    pub rule: String,
    pub started_at: Timestamp,
    pub stopped_at: Option<Timestamp>,
    pub pauses: Vec<Pause>,
    /// Approved extensions (延期), in the rule's unit.
    pub extension: u32,
}

/// The unit a rule counts in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockUnit {
    WorkingDays,
    WorkingHours,
}

/// One `[rule.<id>]` table of `config/sla.toml`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaRule {
    /// The table name; filled in by [`SlaFile::build`].
    #[serde(skip)]
    pub id: String,
    /// Chinese name shown to staff, e.g. 投诉受理时限.
    pub name: String,
    /// The legal or local basis, recorded per rule because the rules change (Order 20 → 121).
    pub basis: String,
    pub kinds: Vec<Kind>,
    pub unit: ClockUnit,
    pub amount: u32,
    /// Most extension that may be approved in total, in `unit`; 0 = none.
    #[serde(default)]
    pub max_extension: u32,
    pub start_on: Vec<Milestone>,
    pub stop_on: Vec<Milestone>,
    /// A later start milestone replaces the clock even if it already ran or stopped (a new
    /// dispatch gives the new unit its own first-contact hour).
    #[serde(default)]
    pub restart: bool,
    /// Only for a complainant who gave name and phone (实名), e.g. telling a reporter.
    #[serde(default)]
    pub real_name_only: bool,
}

/// Who a clock is evaluated for: the ticket's kind, its channel's rule list, real name or not.
#[derive(Clone, Copy, Debug)]
pub struct ClockContext<'a> {
    pub kind: Kind,
    pub channel_rules: &'a [String],
    pub real_name: bool,
}

impl SlaRule {
    /// The channel lists the rule, the kind is covered, and a real-name-only rule has a real name.
    pub fn applies(&self, ctx: &ClockContext) -> bool {
        ctx.channel_rules.contains(&self.id)
            && self.kinds.contains(&ctx.kind)
            && (!self.real_name_only || ctx.real_name)
    }
}

/// When a running clock is shown as 临期.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DueSoonPolicy {
    /// Due soon when less than this share of the window is left.
    pub fraction: f64,
    /// ... or less than this many working days (for hour clocks: working days' worth of minutes).
    pub min_working_days: f64,
}

/// `config/sla.toml` as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaFile {
    pub due_soon: DueSoonPolicy,
    pub working_hours: WorkingHoursFile,
    pub rule: BTreeMap<String, SlaRule>,
}

/// The checked deadline rules.
#[derive(Clone, Debug)]
pub struct SlaPolicy {
    pub rules: BTreeMap<String, SlaRule>,
    pub due_soon: DueSoonPolicy,
}

impl SlaFile {
    pub fn build(self) -> Result<(SlaPolicy, WorkingHours), ConfigProblem> {
        let SlaFile { due_soon, working_hours, rule } = self;
        let fraction = due_soon.fraction;
        if !(0.0..1.0).contains(&fraction) {
            return Err(ConfigProblem::new(
                "due_soon.fraction",
                format!("{fraction} is not a share of the window (0 ≤ fraction < 1)"),
            ));
        }
        let min_days = due_soon.min_working_days;
        if !(min_days.is_finite() && min_days >= 0.0) {
            return Err(ConfigProblem::new(
                "due_soon.min_working_days",
                format!("{min_days} is not a number of days ≥ 0"),
            ));
        }
        let hours = working_hours.build("working_hours")?;

        let mut rules = BTreeMap::new();
        for (id, mut r) in rule {
            let key = |field: &str| format!("rule.{id}.{field}");
            if r.name.trim().is_empty() {
                return Err(ConfigProblem::new(key("name"), "the rule needs a name to show staff"));
            }
            if r.basis.trim().is_empty() {
                return Err(ConfigProblem::new(key("basis"), "record the legal or local basis of the rule"));
            }
            if r.kinds.is_empty() {
                return Err(ConfigProblem::new(key("kinds"), "list the kinds the rule applies to"));
            }
            if r.amount == 0 {
                return Err(ConfigProblem::new(
                    key("amount"),
                    "a window of 0 is always overdue; give at least 1",
                ));
            }
            if r.start_on.is_empty() {
                return Err(ConfigProblem::new(key("start_on"), "list the milestones that start the clock"));
            }
            if r.stop_on.is_empty() {
                return Err(ConfigProblem::new(key("stop_on"), "list the milestones that stop the clock"));
            }
            if let Some(m) = r.stop_on.iter().find(|m| r.start_on.contains(m)) {
                return Err(ConfigProblem::new(
                    key("stop_on"),
                    format!("{m:?} also starts the clock, so the clock could never run"),
                ));
            }
            r.id = id.clone();
            rules.insert(id, r);
        }
        Ok((SlaPolicy { rules, due_soon }, hours))
    }
}

/// The state of one clock at `now`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockState {
    Running,
    DueSoon,
    Overdue,
    Met,
    Paused,
}

/// One clock as shown: `name` is the rule id (`complaint_acceptance`), the stable name in JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClockView {
    pub name: String,
    pub due_at: Timestamp,
    pub state: ClockState,
    /// The due time relied on a year without holiday data.
    pub provisional: bool,
    /// Met, but after the due time.
    pub late: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum SlaError {
    #[error("this ticket has no clock {0:?}")]
    UnknownClock(String),
    #[error("clock {0:?} has stopped; only a running clock can be extended")]
    NotRunning(String),
    #[error("clock {clock:?} may be extended by at most {allowed} more (asked {asked})")]
    ExtensionTooLong { clock: String, asked: u32, allowed: u32 },
    #[error("clock {0:?} cannot be extended under its rule")]
    NoExtension(String),
}

/// One clock's facts, borrowed: what the policy computes its due time and state from. Whoever
/// keeps clocks in another shape (the views' open tickets keep rule names interned) lends them
/// this way instead of building a [`ClockRecord`].
#[derive(Clone, Copy, Debug)]
pub struct ClockFacts<'a> {
    pub rule: &'a str,
    pub started_at: Timestamp,
    pub stopped_at: Option<Timestamp>,
    pub pauses: &'a [Pause],
    pub extension: u32,
}

impl ClockFacts<'_> {
    fn open_pause(&self) -> bool {
        self.pauses.iter().any(|p| p.to.is_none())
    }
}

impl ClockRecord {
    pub fn facts(&self) -> ClockFacts<'_> {
        ClockFacts {
            rule: &self.rule,
            started_at: self.started_at,
            stopped_at: self.stopped_at,
            pauses: &self.pauses,
            extension: self.extension,
        }
    }
    fn is_running(&self) -> bool {
        self.stopped_at.is_none()
    }
    fn open_pause(&self) -> bool {
        self.facts().open_pause()
    }
    fn close_pauses(&mut self, at: Timestamp) {
        for p in self.pauses.iter_mut().filter(|p| p.to.is_none()) {
            p.to = Some(at.max(p.from));
        }
    }
}

impl SlaPolicy {
    /// A clock's name for people (首次联系时限), or its rule id when the rule is gone.
    pub fn clock_name(&self, rule: &str) -> String {
        self.rule(rule).map(|r| r.name.clone()).unwrap_or_else(|| rule.to_string())
    }

    pub fn rule(&self, id: &str) -> Option<&SlaRule> {
        self.rules.get(id)
    }

    /// Stops running clocks that `m` stops, then starts the applicable clocks that `m` starts.
    /// Stopping first lets one milestone end one clock and begin the next (e.g. `accepted`
    /// ends acceptance and starts mediation).
    pub fn on_milestone(
        &self,
        ctx: &ClockContext,
        clocks: &mut Vec<ClockRecord>,
        m: Milestone,
        at: Timestamp,
    ) {
        for c in clocks.iter_mut().filter(|c| c.is_running()) {
            if self.rules.get(&c.rule).is_some_and(|r| r.stop_on.contains(&m)) {
                // An open pause on a stopped clock would keep growing with `now`.
                c.close_pauses(at);
                c.stopped_at = Some(at);
            }
        }
        for r in self.rules.values().filter(|r| r.start_on.contains(&m) && r.applies(ctx)) {
            let fresh = ClockRecord {
                rule: r.id.clone(),
                started_at: at,
                stopped_at: None,
                pauses: vec![],
                extension: 0,
            };
            match clocks.iter_mut().find(|c| c.rule == r.id) {
                None => clocks.push(fresh),
                Some(existing) if r.restart => *existing = fresh,
                Some(_) => {}
            }
        }
    }

    /// Suspends (中止) every running clock that is not already paused.
    pub fn pause(&self, clocks: &mut [ClockRecord], at: Timestamp) {
        for c in clocks.iter_mut().filter(|c| c.is_running() && !c.open_pause()) {
            c.pauses.push(Pause { from: at, to: None });
        }
    }

    pub fn resume(&self, clocks: &mut [ClockRecord], at: Timestamp) {
        for c in clocks.iter_mut() {
            c.close_pauses(at);
        }
    }

    /// Adds an approved extension (延期) to a running clock, within the rule's maximum in total.
    pub fn extend(&self, clocks: &mut [ClockRecord], rule: &str, amount: u32) -> Result<(), SlaError> {
        let record =
            clocks.iter_mut().find(|c| c.rule == rule).ok_or_else(|| SlaError::UnknownClock(rule.into()))?;
        let r = self.rules.get(rule).ok_or_else(|| SlaError::UnknownClock(rule.into()))?;
        if !record.is_running() {
            return Err(SlaError::NotRunning(rule.into()));
        }
        if r.max_extension == 0 {
            return Err(SlaError::NoExtension(rule.into()));
        }
        let allowed = r.max_extension.saturating_sub(record.extension);
        if amount > allowed {
            return Err(SlaError::ExtensionTooLong { clock: rule.into(), asked: amount, allowed });
        }
        record.extension += amount;
        Ok(())
    }

    /// After triage changed the kind: drops clocks whose rule no longer applies and starts the
    /// newly applicable ones that begin at receipt, dated from the original receipt. Clocks of a
    /// rule that is no longer configured are kept: their facts are history, not ours to discard.
    pub fn retarget(&self, ctx: &ClockContext, clocks: &mut Vec<ClockRecord>, received_at: Timestamp) {
        clocks.retain(|c| self.rules.get(&c.rule).is_none_or(|r| r.applies(ctx)));
        for r in self.rules.values().filter(|r| r.start_on.contains(&Milestone::Received) && r.applies(ctx)) {
            if !clocks.iter().any(|c| c.rule == r.id) {
                clocks.push(ClockRecord {
                    rule: r.id.clone(),
                    started_at: received_at,
                    stopped_at: None,
                    pauses: vec![],
                    extension: 0,
                });
            }
        }
    }

    /// The due instant; an open pause counts as if the clock resumed at `now`.
    pub fn due(&self, record: &ClockRecord, cal: &Calendar, now: Timestamp) -> Option<Due> {
        self.due_of(record.facts(), cal, now)
    }

    /// [`SlaPolicy::due`] of a clock's borrowed facts.
    pub fn due_of(&self, clock: ClockFacts, cal: &Calendar, now: Timestamp) -> Option<Due> {
        let r = self.rules.get(clock.rule)?;
        let amount = r.amount.saturating_add(clock.extension);
        let pause_end = |p: &Pause| p.to.or(clock.stopped_at).unwrap_or(now).max(p.from);
        Some(match r.unit {
            ClockUnit::WorkingDays => {
                // The day of suspension counts, the day of resumption does not.
                let skip: Vec<_> = clock
                    .pauses
                    .iter()
                    .filter_map(|p| Some((p.from.china_date().succ_opt()?, pause_end(p).china_date())))
                    .collect();
                let due = cal.add_working_days(clock.started_at.china_date(), amount, &skip);
                Due { at: Timestamp::end_of_china_day(due.date), provisional: due.provisional }
            }
            ClockUnit::WorkingHours => {
                let skip: Vec<_> = clock.pauses.iter().map(|p| (p.from, pause_end(p))).collect();
                cal.add_working_minutes(clock.started_at, amount.saturating_mul(60), &skip)
            }
        })
    }

    /// The clock as shown at `now`; `None` when its rule is no longer configured.
    pub fn evaluate(&self, record: &ClockRecord, cal: &Calendar, now: Timestamp) -> Option<ClockView> {
        let (state, due, late) = self.judge(record.facts(), cal, now)?;
        Some(ClockView {
            name: record.rule.clone(),
            due_at: due.at,
            state,
            provisional: due.provisional,
            late,
        })
    }

    /// The state [`SlaPolicy::evaluate`] shows a clock in at `now`, from its borrowed facts.
    pub fn state_of(&self, clock: ClockFacts, cal: &Calendar, now: Timestamp) -> Option<ClockState> {
        self.judge(clock, cal, now).map(|(state, _, _)| state)
    }

    /// (state, due, met late) of a clock at `now`.
    fn judge(&self, clock: ClockFacts, cal: &Calendar, now: Timestamp) -> Option<(ClockState, Due, bool)> {
        let r = self.rules.get(clock.rule)?;
        let due = self.due_of(clock, cal, now)?;
        if let Some(stopped) = clock.stopped_at {
            return Some((ClockState::Met, due, stopped > due.at));
        }
        if clock.open_pause() {
            return Some((ClockState::Paused, due, false));
        }
        if now > due.at {
            return Some((ClockState::Overdue, due, false));
        }
        let soon = self.is_soon(r, clock.extension, cal, now, due.at);
        Some((if soon { ClockState::DueSoon } else { ClockState::Running }, due, false))
    }

    /// Whether a running clock due at `due` is due soon (临期) at `now` (`now` ≤ `due`).
    fn is_soon(&self, r: &SlaRule, extension: u32, cal: &Calendar, now: Timestamp, due: Timestamp) -> bool {
        let window = f64::from(r.amount.saturating_add(extension));
        // Remaining time in the rule's unit. For days, today is not counted (it is already
        // under way), so a clock started today has its whole window left and the due day has 0.
        // The minimum-days rule is for day clocks only: applied to a one-hour clock it would
        // call the whole hour "due soon" and the state would tell a clerk nothing.
        match r.unit {
            ClockUnit::WorkingDays => {
                let remaining = f64::from(cal.working_days_between(now.china_date(), due.china_date()));
                remaining < self.due_soon.fraction * window || remaining < self.due_soon.min_working_days
            }
            ClockUnit::WorkingHours => {
                let remaining = f64::from(cal.working_minutes_between(now, due)) / 60.0;
                remaining < self.due_soon.fraction * window
            }
        }
    }

    /// The first instant, not before the clock started, at which `evaluate` shows it due soon
    /// (临期) while it keeps running unpaused: for a day clock the start of the first China day
    /// with too few working days left, for an hour clock the instant too few working minutes
    /// are left. None when the rule is unknown or the policy never calls the clock due soon.
    /// An open pause counts as if the clock resumed at `now`, as in [`SlaPolicy::due`].
    ///
    /// Remaining time only shrinks as time passes, so a binary search finds the instant; it
    /// uses the very test `evaluate` makes, so the two cannot disagree.
    pub fn due_soon_at(&self, record: &ClockRecord, cal: &Calendar, now: Timestamp) -> Option<Timestamp> {
        let due = self.due(record, cal, now)?.at;
        self.due_soon_before(record, cal, due)
    }

    /// [`SlaPolicy::due_soon_at`] for a clock whose due instant (as [`SlaPolicy::due`] gives
    /// it) is already known.
    pub fn due_soon_before(&self, record: &ClockRecord, cal: &Calendar, due: Timestamp) -> Option<Timestamp> {
        let r = self.rules.get(&record.rule)?;
        let start = record.started_at.min(due);
        let soon = |t: Timestamp| self.is_soon(r, record.extension, cal, t, due);
        if !soon(due) {
            return None;
        }
        if soon(start) {
            return Some(start);
        }
        match r.unit {
            ClockUnit::WorkingDays => {
                // Invariant: not soon on day `lo`, soon on day `hi`; the state changes at midnight.
                let (mut lo, mut hi) = (start.china_date(), due.china_date());
                while (hi - lo).num_days() > 1 {
                    let mid = lo + chrono::Days::new(((hi - lo).num_days() / 2) as u64);
                    if soon(Timestamp::end_of_china_day(mid)) { hi = mid } else { lo = mid }
                }
                let midnight = hi.and_hms_opt(0, 0, 0)?;
                Some(Timestamp::from_china(midnight).max(start))
            }
            ClockUnit::WorkingHours => {
                let (mut lo, mut hi) = (start.millis(), due.millis());
                while hi - lo > 1 {
                    let mid = lo + (hi - lo) / 2;
                    if soon(Timestamp::from_millis(mid)) { hi = mid } else { lo = mid }
                }
                Some(Timestamp::from_millis(hi))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::calendar::HolidayYearFile;

    fn policy(unit: &str, amount: u32) -> SlaPolicy {
        let text = format!(
            r#"
            [due_soon]
            fraction = 0.2
            min_working_days = 1.0
            [working_hours]
            periods = ["08:30-12:00", "14:00-17:30"]
            [rule.x]
            name = "测试"
            basis = "测试依据"
            kinds = ["complaint"]
            unit = "{unit}"
            amount = {amount}
            start_on = ["received"]
            stop_on = ["accepted"]
            "#
        );
        toml::from_str::<SlaFile>(&text).unwrap().build().unwrap().0
    }

    fn at(s: &str) -> Timestamp {
        Timestamp::parse(s).unwrap()
    }

    #[test]
    fn a_stop_while_paused_closes_the_pause_so_due_stops_moving() {
        let p = policy("working_days", 7);
        let cal = Calendar::new(vec![], WorkingHours::default_bureau());
        let rules = vec!["x".to_string()];
        let ctx = ClockContext { kind: Kind::Complaint, channel_rules: &rules, real_name: true };
        let mut clocks = vec![];
        p.on_milestone(&ctx, &mut clocks, Milestone::Received, at("2026-03-02 09:00"));
        p.pause(&mut clocks, at("2026-03-03 09:00"));
        p.on_milestone(&ctx, &mut clocks, Milestone::Accepted, at("2026-03-05 09:00"));
        assert_eq!(clocks[0].pauses[0].to, Some(at("2026-03-05 09:00")));
        let a = p.due(&clocks[0], &cal, at("2026-03-06 09:00")).unwrap();
        let b = p.due(&clocks[0], &cal, at("2026-06-06 09:00")).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn a_milestone_in_both_lists_is_refused() {
        let text = r#"
            [due_soon]
            fraction = 0.2
            min_working_days = 1.0
            [working_hours]
            periods = ["08:30-12:00"]
            [rule.x]
            name = "测试"
            basis = "测试依据"
            kinds = ["complaint"]
            unit = "working_days"
            amount = 3
            start_on = ["received"]
            stop_on = ["received"]
        "#;
        let err = toml::from_str::<SlaFile>(text).unwrap().build().unwrap_err();
        assert_eq!(err.key, "rule.x.stop_on");
    }

    #[test]
    fn hour_clock_pauses_are_excluded_exactly() {
        let p = policy("working_hours", 2);
        let year = HolidayYearFile { year: 2026, source: None, days_off: vec![], makeup_workdays: vec![] };
        let cal = Calendar::new(vec![year.build("").unwrap()], WorkingHours::default_bureau());
        let rec = ClockRecord {
            rule: "x".into(),
            started_at: at("2026-03-02 09:00"),
            stopped_at: None,
            pauses: vec![Pause { from: at("2026-03-02 09:30"), to: Some(at("2026-03-02 10:15")) }],
            extension: 0,
        };
        assert_eq!(p.due(&rec, &cal, at("2026-03-02 10:20")).unwrap().at, at("2026-03-02 11:45"));
    }
}
