//! A period of statistics: whole China days, both ends included, and the period before it.

use crate::time::Timestamp;
use chrono::{Datelike, Duration, NaiveDate};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("the period ends ({to}) before it starts ({from})")]
    Reversed { from: NaiveDate, to: NaiveDate },
}

impl Period {
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Period, PeriodError> {
        if to < from {
            return Err(PeriodError::Reversed { from, to });
        }
        Ok(Period { from, to })
    }

    /// The month of `now` (China time) up to and including today: the default period.
    pub fn month_to_date(now: Timestamp) -> Period {
        let today = now.china_date();
        Period { from: today.with_day(1).unwrap_or(today), to: today }
    }

    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    /// The period of the same length that ends the day before this one starts: what each
    /// figure is compared with.
    pub fn previous(&self) -> Period {
        let to = self.from - Duration::days(1);
        Period { from: to - Duration::days(self.days() - 1), to }
    }

    pub fn contains_date(&self, d: NaiveDate) -> bool {
        self.from <= d && d <= self.to
    }

    pub fn contains(&self, at: Timestamp) -> bool {
        self.contains_date(at.china_date())
    }

    /// Every day of the period, in order.
    pub fn dates(&self) -> impl Iterator<Item = NaiveDate> + use<> {
        let from = self.from;
        (0..self.days()).map(move |i| from + Duration::days(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_previous_period_has_the_same_length_and_ends_the_day_before() {
        let march = Period::new(d("2026-03-01"), d("2026-03-31")).unwrap();
        assert_eq!(march.previous(), Period { from: d("2026-01-29"), to: d("2026-02-28") });
        let one_day = Period::new(d("2026-05-06"), d("2026-05-06")).unwrap();
        assert_eq!(one_day.previous(), Period { from: d("2026-05-05"), to: d("2026-05-05") });
    }

    #[test]
    fn a_period_is_whole_china_days_both_ends_included() {
        let p = Period::new(d("2026-05-01"), d("2026-05-05")).unwrap();
        // 2026-04-30 16:30 UTC is 2026-05-01 00:30 in China.
        assert!(p.contains(Timestamp::parse("2026-04-30T16:30:00Z").unwrap()));
        assert!(p.contains(Timestamp::parse("2026-05-05T23:59:59+08:00").unwrap()));
        assert!(!p.contains(Timestamp::parse("2026-05-06T00:00:00+08:00").unwrap()));
        assert_eq!(p.dates().count(), 5);
    }

    #[test]
    fn a_period_ending_before_it_starts_is_refused() {
        assert!(Period::new(d("2026-05-05"), d("2026-05-01")).is_err());
    }

    #[test]
    fn the_default_period_is_the_month_so_far_in_china_time() {
        // 2026-05-31 17:00 UTC is already 1 June in China.
        let now = Timestamp::parse("2026-05-31T17:00:00Z").unwrap();
        assert_eq!(Period::month_to_date(now), Period { from: d("2026-06-01"), to: d("2026-06-01") });
    }
}
