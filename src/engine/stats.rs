//! The statistics a reader answers: every ticket's facts kept in memory, built by one scan of
//! the store on the first question and brought up to date from the event log before each
//! later one, so that a period's figures never read the store again.

use crate::config::Config;
use crate::domain::org::UnitKind;
use crate::domain::ticket::{Ticket, TicketId};
use crate::stats::hot_words::Segmenter;
use crate::stats::{FactTable, Period, Rules, Scope, Selector, Statistics};
use crate::store::{Store, StoreError};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Which figures: a period (default: the month so far) and optionally one unit (a branch
/// counts with its stations) or one town.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StatsQuery {
    pub period: Option<Period>,
    /// A unit id of the organisation.
    pub unit: Option<String>,
    /// A canonical town name.
    pub town: Option<String>,
}

impl StatsQuery {
    pub fn period_at(&self, now: Timestamp) -> Period {
        self.period.unwrap_or_else(|| Period::month_to_date(now))
    }

    /// The scope as units and town: a branch stands for itself and its stations.
    pub fn scope(&self, config: &Config) -> Scope {
        let units = self.unit.as_ref().map(|id| {
            let mut units = vec![id.clone()];
            if config.org.unit(id).is_some_and(|u| u.kind == UnitKind::Branch) {
                units.extend(config.org.stations_of_branch(id).into_iter().map(|s| s.id.clone()));
            }
            units
        });
        Scope { units, town: self.town.clone() }
    }
}

/// The tickets behind one figure, as a console's list: what a [`ViewSpec`] of a drill-down
/// carries, so the server keeps the list and answers windows of it like any other view.
///
/// [`ViewSpec`]: super::window::ViewSpec
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StatsDrill {
    pub query: StatsQuery,
    /// The figure of the previous period rather than of the period itself.
    #[serde(default)]
    pub previous: bool,
    pub selector: Selector,
}

/// The facts table, current as of the event `seq`.
#[derive(Default)]
pub struct StatsCache {
    table: FactTable,
    seq: u64,
    loaded: bool,
    /// Built with the table: loading jieba's dictionary takes a moment.
    segmenter: Option<Segmenter>,
}

impl StatsCache {
    /// Builds the facts from a scan of every ticket made by someone else (serve's start scans
    /// once for the catalogue and the facts): `scan` shows each ticket to the function it is
    /// given and returns the event it was current as of, or None when it showed none.
    pub(super) fn load_with(
        &mut self,
        config: &Config,
        now: Timestamp,
        scan: impl FnOnce(&mut dyn FnMut(&Ticket)) -> Result<Option<u64>, StoreError>,
    ) -> Result<(), StoreError> {
        if self.loaded {
            return scan(&mut |_| {}).map(|_| ());
        }
        let segmenter = self.segmenter.get_or_insert_with(|| Segmenter::new(&config.stats, &config.org));
        let rules = Rules { sla: &config.sla, calendar: &config.calendar, segmenter: Some(segmenter) };
        let mut table = FactTable::new();
        let started = std::time::Instant::now();
        if let Some(seq) = scan(&mut |t| table.put(t, rules, now))? {
            tracing::info!(
                tickets = table.len(),
                names = table.names.len(),
                bytes = table.bytes(),
                record_bytes = std::mem::size_of::<crate::stats::TicketFacts>(),
                ms = started.elapsed().as_millis() as u64,
                "statistics facts built"
            );
            (self.table, self.seq, self.loaded) = (table, seq, true);
        }
        Ok(())
    }

    /// Whether the facts are built (the first question after a start otherwise builds them).
    pub fn is_loaded(&self) -> bool {
        self.loaded
    }

    fn refresh(&mut self, store: &Store, config: &Config, now: Timestamp) -> Result<(), StoreError> {
        let segmenter = self.segmenter.get_or_insert_with(|| Segmenter::new(&config.stats, &config.org));
        let rules = Rules { sla: &config.sla, calendar: &config.calendar, segmenter: Some(segmenter) };
        let last = store.last_seq()?;
        if !self.loaded {
            let mut table = FactTable::new();
            for t in store.tickets() {
                table.put(&t?, rules, now);
            }
            (self.table, self.seq, self.loaded) = (table, last, true);
            return Ok(());
        }
        if last == self.seq {
            return Ok(());
        }
        let mut changed: BTreeSet<TicketId> = BTreeSet::new();
        let mut seen = self.seq;
        for e in store.events_after(self.seq) {
            let e = e?;
            seen = seen.max(e.seq);
            changed.insert(e.ticket);
        }
        for id in changed {
            if let Some(t) = store.ticket(id)? {
                self.table.put(&t, rules, now);
            }
        }
        self.seq = seen.max(last);
        Ok(())
    }

    pub fn statistics(
        &mut self,
        store: &Store,
        config: &Config,
        q: &StatsQuery,
        now: Timestamp,
    ) -> Result<Statistics, StoreError> {
        self.refresh(store, config, now)?;
        Ok(crate::stats::compute(&self.table, q.period_at(now), &q.scope(config), now, &config.stats))
    }

    /// The surges of the last days up to `now`, over every ticket: what the warning scheduler
    /// evaluates (see `engine::warnings`).
    pub fn current_warnings(
        &mut self,
        store: &Store,
        config: &Config,
        now: Timestamp,
    ) -> Result<Vec<crate::stats::warnings::Warning>, StoreError> {
        self.refresh(store, config, now)?;
        Ok(crate::stats::warnings::detect(&self.table, now.china_date(), &config.stats.warnings, |_| true))
    }

    pub fn tickets(
        &mut self,
        store: &Store,
        config: &Config,
        q: &StatsQuery,
        previous: bool,
        selector: &Selector,
        now: Timestamp,
    ) -> Result<Vec<TicketId>, StoreError> {
        self.refresh(store, config, now)?;
        Ok(crate::stats::drill(&self.table, q.period_at(now), previous, &q.scope(config), selector, now))
    }
}
