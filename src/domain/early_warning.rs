//! Early warnings as raised (维权预警): the statistics find a surge (`stats::warnings::detect`);
//! the server raises it as an event, once. The rule:
//!
//! - a surge of a subject and key (a word, category, merchant or business district) that is
//!   not live is raised: it becomes live;
//! - while it is live, it is not raised again, however often the surge is found (a second
//!   evaluation, a restart, more tickets joining it);
//! - it clears when an evaluation on a day after its window's last day no longer finds the
//!   surge (a clearing is an event too); the same day it stays live, so that a surge at the
//!   edge of the threshold does not raise, clear and raise again within hours;
//! - once cleared, a new surge of the same subject and key is raised again.

use crate::domain::ticket::TicketId;
use crate::stats::warnings::{Subject, Warning};
use crate::time::Timestamp;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A warning as its event records it: the figures and the tickets behind it at the time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RaisedWarning {
    pub subject: Subject,
    pub key: String,
    /// Tickets in the recent window.
    pub count: u64,
    /// What the baseline gives for the recent window.
    pub expected: f64,
    pub p_value: f64,
    /// The recent window, both ends included.
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub tickets: Vec<TicketId>,
}

impl RaisedWarning {
    pub fn of(w: &Warning) -> RaisedWarning {
        RaisedWarning {
            subject: w.subject,
            key: w.key.clone(),
            count: w.count,
            expected: w.expected,
            p_value: w.p_value,
            from: w.from,
            to: w.to,
            tickets: w.ids.clone(),
        }
    }

    /// As the statistics show a warning (the wall, a report).
    pub fn as_warning(&self) -> Warning {
        Warning {
            subject: self.subject,
            key: self.key.clone(),
            count: self.count,
            expected: self.expected,
            p_value: self.p_value,
            from: self.from,
            to: self.to,
            ids: self.tickets.clone(),
        }
    }

    fn is(&self, subject: Subject, key: &str) -> bool {
        self.subject == subject && self.key == key
    }
}

/// A warning raised and not cleared.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LiveWarning {
    pub warning: RaisedWarning,
    /// The event that raised it.
    pub seq: u64,
    pub raised_at: Timestamp,
}

/// The live warnings, most recently raised last, and the event that last changed them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LiveWarnings {
    pub live: Vec<LiveWarning>,
    pub changed_at: u64,
}

/// What one evaluation changes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Judgement {
    pub raise: Vec<RaisedWarning>,
    pub clear: Vec<(Subject, String)>,
}

impl LiveWarnings {
    pub fn find(&self, subject: Subject, key: &str) -> Option<&LiveWarning> {
        self.live.iter().find(|l| l.warning.is(subject, key))
    }

    /// The module's rule applied to the surges `found` by an evaluation on `today`.
    pub fn judge(&self, found: &[Warning], today: NaiveDate) -> Judgement {
        let raise =
            found.iter().filter(|w| self.find(w.subject, &w.key).is_none()).map(RaisedWarning::of).collect();
        let clear = self
            .live
            .iter()
            .filter(|l| today > l.warning.to)
            .filter(|l| !found.iter().any(|w| l.warning.is(w.subject, &w.key)))
            .map(|l| (l.warning.subject, l.warning.key.clone()))
            .collect();
        Judgement { raise, clear }
    }

    pub fn raised(&mut self, warning: RaisedWarning, seq: u64, at: Timestamp) {
        self.live.push(LiveWarning { warning, seq, raised_at: at });
        self.changed_at = seq;
    }

    pub fn cleared(&mut self, subject: Subject, key: &str, seq: u64) {
        self.live.retain(|l| !l.warning.is(subject, key));
        self.changed_at = seq;
    }

    /// Every ticket behind a live warning.
    pub fn tickets(&self) -> impl Iterator<Item = TicketId> + '_ {
        self.live.iter().flat_map(|l| l.warning.tickets.iter().copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 5, d).expect("a day of May")
    }

    fn surge(key: &str, to: u32) -> Warning {
        Warning {
            subject: Subject::Word,
            key: key.into(),
            count: 9,
            expected: 0.3,
            p_value: 1e-9,
            from: day(to - 2),
            to: day(to),
            ids: vec![TicketId(7), TicketId(8)],
        }
    }

    #[test]
    fn a_surge_found_again_while_live_is_not_raised_again() {
        let mut live = LiveWarnings::default();
        let first = live.judge(&[surge("预付卡", 12)], day(12));
        assert_eq!(first.raise.len(), 1);
        live.raised(first.raise[0].clone(), 40, Timestamp::from_millis(0));
        let again = live.judge(&[surge("预付卡", 12)], day(12));
        assert!(again.raise.is_empty() && again.clear.is_empty());
        let next_day = live.judge(&[surge("预付卡", 13)], day(13));
        assert!(next_day.raise.is_empty(), "still in warning the next day: still the one warning");
    }

    #[test]
    fn a_warning_clears_only_on_a_later_day_and_then_may_rise_again() {
        let mut live = LiveWarnings::default();
        live.raised(RaisedWarning::of(&surge("预付卡", 12)), 40, Timestamp::from_millis(0));
        assert!(live.judge(&[], day(12)).clear.is_empty(), "not cleared the day it was raised");
        let later = live.judge(&[], day(13));
        assert_eq!(later.clear, vec![(Subject::Word, "预付卡".to_string())]);
        live.cleared(Subject::Word, "预付卡", 41);
        assert_eq!(live.judge(&[surge("预付卡", 20)], day(20)).raise.len(), 1, "a new surge is raised");
    }
}
