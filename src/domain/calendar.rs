//! The working-day calendar (工作日): public holidays and make-up workdays (调休) per year, as
//! published by the State Council each November, plus the bureau's working hours.
//!
//! The calendar is data (`config/holidays/<year>.toml`) so a deployment can add next year without
//! a new build. A year without data falls back to Monday–Friday, and every answer that relied on
//! that fallback says so (`provisional`), because the architecture forbids silent guesses.

use crate::domain::ConfigProblem;
use crate::time::Timestamp;
use chrono::{Datelike, NaiveDate, NaiveTime, Timelike};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;

/// How far any search runs before it gives up and saturates. No legal window is anywhere near
/// this long; the bound only keeps absurd inputs (corrupt records, `u32::MAX` amounts) from
/// hanging the console.
const SEARCH_LIMIT_DAYS: u64 = 3660;

const MS_PER_MINUTE: i64 = 60_000;
const MS_PER_DAY: i64 = 86_400_000;

/// One year of holiday data as written in `config/holidays/<year>.toml`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HolidayYearFile {
    pub year: i32,
    /// The notice the dates come from, so an auditor can check them.
    pub source: Option<String>,
    /// `YYYY-MM-DD` or an inclusive range `YYYY-MM-DD..YYYY-MM-DD`.
    pub days_off: Vec<String>,
    /// 调休上班: weekend days that are working days.
    pub makeup_workdays: Vec<String>,
}

/// One year of holiday data, checked: every date lies in `year`, and no day is both off and a
/// make-up workday.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HolidayYear {
    pub year: i32,
    pub source: Option<String>,
    days_off: BTreeSet<NaiveDate>,
    makeup: BTreeSet<NaiveDate>,
}

impl HolidayYear {
    pub fn days_off(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.days_off.iter().copied()
    }
    pub fn makeup_workdays(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.makeup.iter().copied()
    }
}

/// Joins a caller's dotted prefix and a local key; an empty prefix leaves the key alone.
fn join_key(prefix: &str, key: &str) -> String {
    let prefix = prefix.trim_end_matches('.');
    if prefix.is_empty() { key.to_string() } else { format!("{prefix}.{key}") }
}

fn parse_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()
}

fn is_weekend(d: NaiveDate) -> bool {
    d.weekday().num_days_from_monday() >= 5
}

impl HolidayYearFile {
    /// Checks the file; `key_prefix` is the dotted path of this file's root (often empty), and
    /// problems name the offending entry, e.g. `days_off[3]`.
    pub fn build(self, key_prefix: &str) -> Result<HolidayYear, ConfigProblem> {
        let year = self.year;
        // A typo such as `202` would otherwise silently describe a year nobody asks about.
        if !(1900..=2200).contains(&year) {
            return Err(ConfigProblem::new(
                join_key(key_prefix, "year"),
                format!("{year} is not a plausible year"),
            ));
        }
        let in_year = |d: NaiveDate, key: &str| {
            if d.year() == year {
                Ok(d)
            } else {
                Err(ConfigProblem::new(key, format!("{d} is not in {year}, the year of this file")))
            }
        };

        let mut days_off = BTreeSet::new();
        for (i, entry) in self.days_off.iter().enumerate() {
            let key = join_key(key_prefix, &format!("days_off[{i}]"));
            let (first, last) = match entry.split_once("..") {
                Some((a, b)) => (a, b),
                None => (entry.as_str(), entry.as_str()),
            };
            let bad = || {
                ConfigProblem::new(
                    key.clone(),
                    format!("{entry:?} is not a date (YYYY-MM-DD) or range (YYYY-MM-DD..YYYY-MM-DD)"),
                )
            };
            let first = in_year(parse_date(first).ok_or_else(bad)?, &key)?;
            let last = in_year(parse_date(last).ok_or_else(bad)?, &key)?;
            if last < first {
                return Err(ConfigProblem::new(key, format!("range {entry:?} ends before it starts")));
            }
            // Both ends are in the same year, so this walks at most 366 days.
            days_off.extend(first.iter_days().take_while(|d| *d <= last));
        }

        let mut makeup = BTreeSet::new();
        for (i, entry) in self.makeup_workdays.iter().enumerate() {
            let key = join_key(key_prefix, &format!("makeup_workdays[{i}]"));
            let d = parse_date(entry).ok_or_else(|| {
                ConfigProblem::new(key.clone(), format!("{entry:?} is not a date (YYYY-MM-DD)"))
            })?;
            let d = in_year(d, &key)?;
            if days_off.contains(&d) {
                return Err(ConfigProblem::new(
                    key,
                    format!("{d} is listed both as a day off and as a make-up workday"),
                ));
            }
            // 调休上班 always falls on a weekend; a weekday here is a typo that would otherwise
            // change nothing and go unnoticed.
            if !is_weekend(d) {
                return Err(ConfigProblem::new(
                    key,
                    format!(
                        "{d} is a {}, already a working day; make-up workdays fall on weekends",
                        d.weekday()
                    ),
                ));
            }
            makeup.insert(d);
        }

        Ok(HolidayYear { year, source: self.source, days_off, makeup })
    }
}

/// `[working_hours]` as written in `config/sla.toml`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkingHoursFile {
    /// `HH:MM-HH:MM`, e.g. `["08:30-12:00", "14:00-17:30"]`.
    pub periods: Vec<String>,
}

impl WorkingHoursFile {
    /// `key_prefix` is the path of the table, e.g. `working_hours`.
    pub fn build(self, key_prefix: &str) -> Result<WorkingHours, ConfigProblem> {
        WorkingHours::parse(&self.periods, &join_key(key_prefix, "periods"))
    }
}

/// The office hours of a working day, as minutes after midnight China time: sorted,
/// non-overlapping, never empty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkingHours {
    periods: Vec<(u32, u32)>,
}

fn parse_clock(text: &str) -> Option<u32> {
    let text = text.trim();
    // Allowed so a period can run to midnight; NaiveTime has no 24:00.
    if text == "24:00" {
        return Some(24 * 60);
    }
    let t = NaiveTime::parse_from_str(text, "%H:%M").ok()?;
    Some(t.hour() * 60 + t.minute())
}

impl WorkingHours {
    /// `key_prefix` is the path of the list itself (e.g. `working_hours.periods`); problems
    /// name the element, e.g. `working_hours.periods[1]`.
    pub fn parse(periods: &[String], key_prefix: &str) -> Result<WorkingHours, ConfigProblem> {
        let list_key = if key_prefix.is_empty() { "periods".to_string() } else { key_prefix.to_string() };
        if periods.is_empty() {
            return Err(ConfigProblem::new(list_key, "at least one period (HH:MM-HH:MM) is needed"));
        }
        let mut parsed: Vec<(u32, u32, usize)> = Vec::with_capacity(periods.len());
        for (i, text) in periods.iter().enumerate() {
            let key = format!("{list_key}[{i}]");
            let (open, close) =
                text.split_once('-').and_then(|(a, b)| Some((parse_clock(a)?, parse_clock(b)?))).ok_or_else(
                    || ConfigProblem::new(key.clone(), format!("{text:?} is not a period HH:MM-HH:MM")),
                )?;
            if close <= open {
                return Err(ConfigProblem::new(key, format!("period {text:?} ends before it starts")));
            }
            parsed.push((open, close, i));
        }
        parsed.sort();
        for pair in parsed.windows(2) {
            let (_, close, _) = pair[0];
            let (open, _, i) = pair[1];
            if open < close {
                return Err(ConfigProblem::new(
                    format!("{list_key}[{i}]"),
                    format!("{:?} overlaps another period", periods[i]),
                ));
            }
        }
        Ok(WorkingHours { periods: parsed.into_iter().map(|(o, c, _)| (o, c)).collect() })
    }

    /// 08:30–12:00 and 14:00–17:30, the usual hours of a district bureau.
    pub fn default_bureau() -> WorkingHours {
        WorkingHours { periods: vec![(8 * 60 + 30, 12 * 60), (14 * 60, 17 * 60 + 30)] }
    }

    /// The periods as `(open, close)` minutes after midnight.
    pub fn periods(&self) -> &[(u32, u32)] {
        &self.periods
    }

    /// The length of a working day in minutes (420 for the bureau's default hours).
    pub fn minutes_per_day(&self) -> u32 {
        self.periods.iter().map(|(o, c)| c - o).sum()
    }

    /// The periods as written in the config, e.g. `08:30-12:00`.
    pub fn describe(&self) -> Vec<String> {
        self.periods
            .iter()
            .map(|(o, c)| format!("{:02}:{:02}-{:02}:{:02}", o / 60, o % 60, c / 60, c % 60))
            .collect()
    }
}

/// A day-based due date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DueDate {
    pub date: NaiveDate,
    /// Some day that was counted or examined lies in a year the calendar has no data for.
    pub provisional: bool,
}

/// An instant-based due time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Due {
    pub at: Timestamp,
    pub provisional: bool,
}

/// Holidays of the known years plus working hours: answers "is this a working day" and counts
/// working days and minutes.
#[derive(Clone, Debug)]
pub struct Calendar {
    years: BTreeMap<i32, HolidayYear>,
    hours: WorkingHours,
}

/// Mondays–Fridays among day numbers `1..=x` (chrono's day 1 is Monday 0001-01-01).
fn weekdays_through(x: i64) -> i64 {
    5 * x.div_euclid(7) + x.rem_euclid(7).min(5)
}

/// Plain arithmetic rather than `Timestamp::from_china`, which cannot represent midnight of the
/// very first date chrono knows and would panic on a corrupt record.
fn china_midnight_ms(d: NaiveDate) -> i64 {
    d.and_time(NaiveTime::MIN).and_utc().timestamp_millis() - 8 * 3_600_000
}

/// Sorted, merged, non-empty `[from, to)` millisecond ranges.
fn normalise_ms(skip: &[(Timestamp, Timestamp)]) -> Vec<(i64, i64)> {
    let mut v: Vec<(i64, i64)> =
        skip.iter().map(|(a, b)| (a.millis(), b.millis())).filter(|(a, b)| a < b).collect();
    v.sort();
    let mut merged: Vec<(i64, i64)> = Vec::with_capacity(v.len());
    for (a, b) in v {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    merged
}

/// Sorted, merged, non-empty inclusive date ranges.
fn normalise_dates(skip: &[(NaiveDate, NaiveDate)]) -> Vec<(NaiveDate, NaiveDate)> {
    let mut v: Vec<(NaiveDate, NaiveDate)> = skip.iter().copied().filter(|(a, b)| a <= b).collect();
    v.sort();
    let mut merged: Vec<(NaiveDate, NaiveDate)> = Vec::with_capacity(v.len());
    for (a, b) in v {
        match merged.last_mut() {
            Some(last) if a <= last.1.succ_opt().unwrap_or(last.1) => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    merged
}

impl Calendar {
    /// A later entry for the same year replaces an earlier one; the loader refuses duplicates
    /// before it gets here.
    pub fn new(years: Vec<HolidayYear>, hours: WorkingHours) -> Calendar {
        Calendar { years: years.into_iter().map(|y| (y.year, y)).collect(), hours }
    }

    pub fn hours(&self) -> &WorkingHours {
        &self.hours
    }

    pub fn knows_year(&self, year: i32) -> bool {
        self.years.contains_key(&year)
    }

    pub fn known_years(&self) -> Vec<i32> {
        self.years.keys().copied().collect()
    }

    pub fn year(&self, year: i32) -> Option<&HolidayYear> {
        self.years.get(&year)
    }

    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        match self.years.get(&d.year()) {
            Some(y) if y.makeup.contains(&d) => true,
            Some(y) if y.days_off.contains(&d) => false,
            _ => !is_weekend(d),
        }
    }

    /// The `n`th working day after `start` (which is not counted), not counting days inside any
    /// of the inclusive `skip` ranges. `n = 0` gives `start` itself when it is a working day,
    /// else the next one. Because only working days are counted, the result is always a working
    /// day, which is what "a deadline on a day off moves to the next working day" requires.
    pub fn add_working_days(&self, start: NaiveDate, n: u32, skip: &[(NaiveDate, NaiveDate)]) -> DueDate {
        let skips = normalise_dates(skip);
        let mut next_skip = 0;
        let mut provisional = false;
        let mut counted = 0u32;
        let mut d = start;
        let mut examined = 0u64;
        let mut first = n == 0;
        loop {
            if !first {
                match d.succ_opt() {
                    Some(next) => d = next,
                    None => return DueDate { date: d, provisional: true },
                }
            }
            first = false;
            while next_skip < skips.len() && skips[next_skip].1 < d {
                next_skip += 1;
            }
            if let Some(&(from, to)) = skips.get(next_skip)
                && from <= d
            {
                // Suspended days neither count nor depend on the holiday data, so jump past
                // them without marking the answer provisional.
                d = to;
                continue;
            }
            examined += 1;
            if examined > SEARCH_LIMIT_DAYS {
                return DueDate { date: d, provisional: true };
            }
            if !self.knows_year(d.year()) {
                provisional = true;
            }
            if self.is_working_day(d) {
                if counted >= n {
                    return DueDate { date: d, provisional };
                }
                counted += 1;
                if counted == n {
                    return DueDate { date: d, provisional };
                }
            }
        }
    }

    /// Working days `d` with `after < d <= through`. Exact for any span: Mondays–Fridays by
    /// arithmetic, corrected by the holiday data of the years in between.
    pub fn working_days_between(&self, after: NaiveDate, through: NaiveDate) -> u32 {
        if through <= after {
            return 0;
        }
        let mut count = weekdays_through(i64::from(through.num_days_from_ce()))
            - weekdays_through(i64::from(after.num_days_from_ce()));
        let range = (Bound::Excluded(after), Bound::Included(through));
        for (_, y) in self.years.range(after.year()..=through.year()) {
            count -= y.days_off.range(range).filter(|d| !is_weekend(**d)).count() as i64;
            count += y.makeup.range(range).filter(|d| is_weekend(**d)).count() as i64;
        }
        u32::try_from(count.max(0)).unwrap_or(u32::MAX)
    }

    /// The instant `minutes` working minutes after `start`, counting only working hours of
    /// working days and nothing inside the half-open `skip` ranges. A start outside working
    /// hours effectively starts at the next opening; a budget that ends exactly at a closing
    /// time is due at that closing time, not at the next opening.
    pub fn add_working_minutes(
        &self,
        start: Timestamp,
        minutes: u32,
        skip: &[(Timestamp, Timestamp)],
    ) -> Due {
        let skips = normalise_ms(skip);
        let mut next_skip = 0;
        let mut remaining = i64::from(minutes) * MS_PER_MINUTE;
        let mut provisional = false;
        let mut d = start.china_date();
        let mut examined = 0u64;
        let mut last_seen = start.millis();
        loop {
            let midnight = china_midnight_ms(d);
            let day_start = midnight.max(start.millis());
            while next_skip < skips.len() && skips[next_skip].1 <= day_start {
                next_skip += 1;
            }
            // Counted per iteration, jumps included, so even a suspension ending at an
            // unrepresentable instant cannot keep the loop going.
            examined += 1;
            if examined > SEARCH_LIMIT_DAYS {
                break;
            }
            let whole_day_skipped =
                skips.get(next_skip).is_some_and(|&(a, b)| a <= day_start && b >= midnight + MS_PER_DAY);
            if whole_day_skipped {
                // Jump to the day the suspension ends; those days do not depend on holiday data.
                let end = skips[next_skip].1;
                let end_day = Timestamp::from_millis(end).china_date();
                last_seen = end;
                if end_day <= d {
                    match d.succ_opt() {
                        Some(n) => d = n,
                        None => break,
                    }
                } else {
                    d = end_day;
                }
                continue;
            }
            if !self.knows_year(d.year()) {
                provisional = true;
            }
            if self.is_working_day(d) {
                for &(open, close) in &self.hours.periods {
                    let seg_end = midnight + i64::from(close) * MS_PER_MINUTE;
                    let mut cur = (midnight + i64::from(open) * MS_PER_MINUTE).max(start.millis());
                    if cur >= seg_end {
                        continue;
                    }
                    let mut k = next_skip;
                    while cur < seg_end {
                        while k < skips.len() && skips[k].1 <= cur {
                            k += 1;
                        }
                        let free_end = match skips.get(k) {
                            Some(&(a, b)) if a <= cur => {
                                cur = b;
                                continue;
                            }
                            Some(&(a, _)) => a.min(seg_end),
                            None => seg_end,
                        };
                        if remaining <= free_end - cur {
                            return Due { at: Timestamp::from_millis(cur + remaining), provisional };
                        }
                        remaining -= free_end - cur;
                        cur = free_end;
                    }
                    last_seen = seg_end;
                }
            }
            match d.succ_opt() {
                Some(n) => d = n,
                None => break,
            }
        }
        // Saturated: the budget is beyond any sane window, so the answer is a marker, not a date.
        Due { at: Timestamp::from_millis(last_seen), provisional: true }
    }

    /// Working minutes in `[from, to)` (whole minutes, rounded down). Exact for any span.
    pub fn working_minutes_between(&self, from: Timestamp, to: Timestamp) -> u32 {
        if to <= from {
            return 0;
        }
        let (fd, td) = (from.china_date(), to.china_date());
        let ms = if fd == td {
            self.working_ms_on(fd, from.millis(), to.millis())
        } else {
            let first = self.working_ms_on(fd, from.millis(), i64::MAX);
            let last = self.working_ms_on(td, i64::MIN, to.millis());
            let middle = match td.pred_opt() {
                Some(before_last) => i64::from(self.working_days_between(fd, before_last)),
                None => 0,
            };
            first + last + middle * i64::from(self.hours.minutes_per_day()) * MS_PER_MINUTE
        };
        u32::try_from(ms / MS_PER_MINUTE).unwrap_or(u32::MAX)
    }

    /// Working milliseconds on day `d` within `[from, to)`.
    fn working_ms_on(&self, d: NaiveDate, from: i64, to: i64) -> i64 {
        if !self.is_working_day(d) {
            return 0;
        }
        let midnight = china_midnight_ms(d);
        self.hours
            .periods
            .iter()
            .map(|&(o, c)| {
                let a = (midnight + i64::from(o) * MS_PER_MINUTE).max(from);
                let b = (midnight + i64::from(c) * MS_PER_MINUTE).min(to);
                (b - a).max(0)
            })
            .sum()
    }

    /// A digest of everything that affects a computation (holidays, make-up days, hours), stable
    /// across runs and builds (FNV-1a, not the randomised std hasher), so a stored due date can
    /// be recognised as stale after a calendar edit. The `source` text is left out on purpose:
    /// correcting a citation changes no deadline.
    pub fn fingerprint(&self) -> u64 {
        let mut h = Fnv::new();
        h.write(b"rightsdesk-calendar-v1");
        for (year, data) in &self.years {
            h.write(&year.to_le_bytes());
            h.write(&(data.days_off.len() as u64).to_le_bytes());
            for d in &data.days_off {
                h.write(&d.num_days_from_ce().to_le_bytes());
            }
            h.write(&(data.makeup.len() as u64).to_le_bytes());
            for d in &data.makeup {
                h.write(&d.num_days_from_ce().to_le_bytes());
            }
        }
        h.write(&(self.hours.periods.len() as u64).to_le_bytes());
        for (o, c) in &self.hours.periods {
            h.write(&o.to_le_bytes());
            h.write(&c.to_le_bytes());
        }
        h.finish()
    }
}

struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Days;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn cal_2026() -> Calendar {
        let file = HolidayYearFile {
            year: 2026,
            source: None,
            days_off: vec!["2026-10-01..2026-10-07".into()],
            makeup_workdays: vec!["2026-10-10".into()],
        };
        Calendar::new(vec![file.build("").unwrap()], WorkingHours::default_bureau())
    }

    #[test]
    fn weekday_arithmetic_agrees_with_chrono() {
        let start = date("2023-12-25");
        for i in 0..800u64 {
            let d = start + Days::new(i);
            let expected =
                (start.iter_days().skip(1).take_while(|x| *x <= d)).filter(|x| !is_weekend(*x)).count();
            let plain = Calendar::new(vec![], WorkingHours::default_bureau());
            assert_eq!(plain.working_days_between(start, d) as usize, expected, "through {d}");
        }
    }

    #[test]
    fn holiday_data_corrects_the_weekday_count() {
        let cal = cal_2026();
        // 10-01..10-07 off (5 weekdays), 10-10 Saturday worked.
        assert_eq!(cal.working_days_between(date("2026-09-30"), date("2026-10-10")), 3);
    }

    #[test]
    fn working_hours_are_sorted_and_overlaps_rejected() {
        let h = WorkingHours::parse(&["14:00-17:30".into(), "08:30-12:00".into()], "working_hours.periods")
            .unwrap();
        assert_eq!(h.describe(), vec!["08:30-12:00", "14:00-17:30"]);
        assert_eq!(h.minutes_per_day(), 420);
        let err = WorkingHours::parse(&["08:30-12:00".into(), "11:00-13:00".into()], "working_hours.periods")
            .unwrap_err();
        assert_eq!(err.key, "working_hours.periods[1]");
        let err = WorkingHours::parse(&["12:00-08:00".into()], "working_hours.periods").unwrap_err();
        assert_eq!(err.key, "working_hours.periods[0]");
        assert_eq!(
            WorkingHours::parse(&[], "working_hours.periods").unwrap_err().key,
            "working_hours.periods"
        );
        assert!(WorkingHours::parse(&["8-12".into()], "p").is_err());
    }

    #[test]
    fn suspended_days_are_jumped_without_counting() {
        let cal = cal_2026();
        let due = cal.add_working_days(date("2026-03-02"), 2, &[(date("2026-03-03"), date("2026-03-05"))]);
        assert_eq!(due.date, date("2026-03-09"));
    }
}
