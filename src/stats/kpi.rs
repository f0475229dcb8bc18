//! The handling KPIs of the public monthly 12315 reports, each defined on a ticket's facts so
//! that a figure and the tickets behind it (its drill-down) come from the very same test.
//!
//! Tickets merged into another or handed back to their channel were not handled by the bureau
//! and count in no KPI. "Now" matters: a clock still running and not yet due is not decided, so
//! the ticket waits outside the denominator until it is met or overdue.

use super::facts::TicketFacts;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

/// One side of one KPI: the tickets it counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KpiPart {
    /// 按时初查率, denominator: the first-check clock (complaint acceptance decision, report
    /// verification and filing decision) is decided: stopped, or overdue.
    FirstCheckDue,
    /// 按时初查率, numerator: ... and it stopped by its due instant.
    FirstCheckOnTime,
    /// 按期办结率, denominator: 办结 (resolved or closed), or a legal deadline clock overdue.
    ResolutionDue,
    /// 按期办结率, numerator: 办结 with no legal clock stopped late and none overdue.
    ResolvedOnTime,
    /// 调解成功率, denominator: the mediation clock stopped (agreement or mediation ended).
    MediationConcluded,
    /// 调解成功率, numerator: ... with an agreement (no 终止调解 reason recorded).
    MediationSettled,
    /// 挽回经济损失: tickets with an amount recovered.
    Recovered,
    /// First contact: the one-hour clock is decided (contacted, or overdue uncontacted).
    ContactDue,
    /// ... contacted within the promise.
    ContactedInTime,
    /// Contacted at all (the average time to first contact is over these).
    Contacted,
}

impl KpiPart {
    pub const ALL: [KpiPart; 10] = [
        KpiPart::FirstCheckDue,
        KpiPart::FirstCheckOnTime,
        KpiPart::ResolutionDue,
        KpiPart::ResolvedOnTime,
        KpiPart::MediationConcluded,
        KpiPart::MediationSettled,
        KpiPart::Recovered,
        KpiPart::ContactDue,
        KpiPart::ContactedInTime,
        KpiPart::Contacted,
    ];

    /// Whether the ticket counts in this part at `now`.
    pub fn admits(self, f: &TicketFacts, now: Timestamp) -> bool {
        if f.not_handled {
            return false;
        }
        let overdue = f.running_due().is_some_and(|d| now > d);
        match self {
            KpiPart::FirstCheckDue => f.first_check.is_some_and(|c| c.decided_at(now)),
            KpiPart::FirstCheckOnTime => f.first_check.is_some_and(|c| c.met_on_time()),
            KpiPart::ResolutionDue => f.finished || overdue,
            KpiPart::ResolvedOnTime => f.finished && !f.met_late && !overdue,
            KpiPart::MediationConcluded => f.mediation.is_some_and(|c| c.stopped()),
            KpiPart::MediationSettled => f.mediation.is_some_and(|c| c.settled()),
            KpiPart::Recovered => f.amount_recovered > 0,
            KpiPart::ContactDue => f.first_contact.is_some_and(|c| c.decided_at(now)),
            KpiPart::ContactedInTime => f.first_contact.is_some_and(|c| c.met_on_time()),
            KpiPart::Contacted => f.first_contact_minutes().is_some(),
        }
    }
}

/// A share: how many of how many.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ratio {
    pub numerator: u64,
    pub denominator: u64,
}

impl Ratio {
    /// In per cent, one decimal; None when nothing was due.
    pub fn percent(&self) -> Option<f64> {
        (self.denominator > 0).then(|| round1(self.numerator as f64 * 100.0 / self.denominator as f64))
    }
}

/// The KPIs of one period.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kpis {
    /// 按时初查率.
    pub first_check_on_time: Ratio,
    /// 按期办结率.
    pub resolved_on_time: Ratio,
    /// 调解成功率.
    pub mediation_success: Ratio,
    /// 挽回经济损失, in fen (shown in 万元).
    pub amount_recovered_fen: i64,
    /// Sum of working minutes from dispatch to first contact, over `contacted` tickets.
    pub first_contact_minutes: u64,
    pub contacted: u64,
    /// The share of decided first contacts made within the one-working-hour promise.
    pub contacted_in_time: Ratio,
}

impl Kpis {
    pub fn add(&mut self, f: &TicketFacts, now: Timestamp) {
        let count = |r: &mut Ratio, num: KpiPart, den: KpiPart| {
            if den.admits(f, now) {
                r.denominator += 1;
                r.numerator += u64::from(num.admits(f, now));
            }
        };
        count(&mut self.first_check_on_time, KpiPart::FirstCheckOnTime, KpiPart::FirstCheckDue);
        count(&mut self.resolved_on_time, KpiPart::ResolvedOnTime, KpiPart::ResolutionDue);
        count(&mut self.mediation_success, KpiPart::MediationSettled, KpiPart::MediationConcluded);
        count(&mut self.contacted_in_time, KpiPart::ContactedInTime, KpiPart::ContactDue);
        if !f.not_handled {
            self.amount_recovered_fen += f.amount_recovered;
            if let Some(m) = f.first_contact_minutes() {
                self.first_contact_minutes += u64::from(m);
                self.contacted += 1;
            }
        }
    }

    /// 挽回经济损失 in 万元, two decimals (the unit of the public reports).
    pub fn amount_recovered_wan(&self) -> f64 {
        (self.amount_recovered_fen as f64 / 1_000_000.0 * 100.0).round() / 100.0
    }

    /// Average working minutes from dispatch to first contact, one decimal.
    pub fn average_first_contact_minutes(&self) -> Option<f64> {
        (self.contacted > 0).then(|| round1(self.first_contact_minutes as f64 / self.contacted as f64))
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}
