//! The statistics a reader answers: every ticket's facts kept in memory, read from the store's
//! fact cache (or, when it has none for this configuration, built by one scan of the store) on
//! the first question and brought up to date from the event log before each later one, so that
//! a period's figures never read the store again.

use crate::config::Config;
use crate::domain::org::UnitKind;
use crate::domain::ticket::{Ticket, TicketId};
use crate::stats::facts::Sym;
use crate::stats::hot_words::Segmenter;
use crate::stats::record::{self, Fingerprint};
use crate::stats::{FactTable, Period, Rules, Scope, Selector, Statistics};
use crate::store::facts::{BLOCK_TICKETS, FactStamp, records_in, tickets_of_blocks};
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

/// The facts table, current as of the event `seq`, and the store's copy of it (see
/// `store::facts`): a start or a lone command reads the stored facts and follows the events
/// since, rather than cutting every ticket's text into words again.
#[derive(Default)]
pub struct StatsCache {
    table: FactTable,
    seq: u64,
    loaded: bool,
    /// Built with the table or for a new ticket: loading jieba's dictionary takes 0.1–0.25 s,
    /// and holds about 37 MiB (see [`StatsCache::let_go_of_idle_segmenter`]).
    segmenter: Option<Segmenter>,
    /// Whether the segmenter was used since `let_go_of_idle_segmenter` last looked.
    segmenter_used: bool,
    /// The stamp of the store's fact tree as this cache last read or wrote it; None while the
    /// tree holds nothing valid for this configuration (then it is not kept up to date).
    stored: Option<FactStamp>,
    /// Tickets derived again since the store's copy was last written.
    unstored: BTreeSet<TicketId>,
    /// See [`StatsCache::store_lazily`].
    store_lazily: bool,
}

/// The segmenter, loaded if it is not, marked used.
fn segmenter_of<'a>(segmenter: &'a mut Option<Segmenter>, used: &mut bool, config: &Config) -> &'a Segmenter {
    *used = true;
    segmenter.get_or_insert_with(|| Segmenter::new(&config.stats, &config.org))
}

/// The fingerprint of what this configuration derives facts with.
fn fingerprint_of(config: &Config) -> Fingerprint {
    record::fingerprint(&config.sla, &config.calendar, &config.stats, &config.org)
}

impl StatsCache {
    /// Lets go of the word segmenter unless it was used since the last call. A server calls
    /// this every 5 minutes: the dictionary a burst of new tickets loaded is let go 5 to 10
    /// minutes after the burst, and the next new ticket loads it again. A server holds about
    /// 420 MiB at 1,000,000 tickets; the dictionary adds 37 MiB for as long as it is kept.
    pub fn let_go_of_idle_segmenter(&mut self) {
        if !std::mem::take(&mut self.segmenter_used) && self.segmenter.take().is_some() {
            tracing::info!("the word segmenter was let go: unused for 5 minutes");
        }
    }

    /// Builds the facts as a server starts, beside a scan of every ticket made by someone else
    /// (serve's start scans once for the catalogue and the facts when neither is stored):
    /// `scan` shows each ticket to the function it is given and returns the event it was
    /// current as of, or None when it showed none; given None, nobody needs the tickets (the
    /// catalogue may then read its stored copy instead). When the store holds facts for this
    /// configuration they are read instead and brought up to date from the events since.
    pub(super) fn load_with(
        &mut self,
        store: &Store,
        config: &Config,
        now: Timestamp,
        scan: impl FnOnce(Option<&mut dyn FnMut(&Ticket)>) -> Result<Option<u64>, StoreError>,
    ) -> Result<(), StoreError> {
        if self.loaded {
            return scan(None).map(|_| ());
        }
        let started = std::time::Instant::now();
        if self.load_stored(store, config, now)? {
            scan(None)?;
            return Ok(());
        }
        let segmenter = segmenter_of(&mut self.segmenter, &mut self.segmenter_used, config);
        let rules = Rules { sla: &config.sla, calendar: &config.calendar, segmenter: Some(segmenter) };
        let mut table = FactTable::with_room_for(store.last_ticket_id()?);
        if let Some(seq) = scan(Some(&mut |t| table.put(t, rules, now)))? {
            tracing::info!(
                tickets = table.len(),
                names = table.names.len(),
                bytes = table.bytes(),
                unpacked = table.unpacked(),
                ms = started.elapsed().as_millis() as u64,
                "statistics facts built"
            );
            (self.table, self.seq, self.loaded) = (table, seq, true);
            self.store_all(store, config);
        }
        Ok(())
    }

    /// Whether the facts are built (the first question after a start otherwise builds them).
    pub fn is_loaded(&self) -> bool {
        self.loaded
    }

    /// Reads the store's facts when they were derived under this configuration, then follows
    /// the events after them; false when there are none to read (or they do not read).
    fn load_stored(&mut self, store: &Store, config: &Config, now: Timestamp) -> Result<bool, StoreError> {
        let started = std::time::Instant::now();
        let tree = store.fact_tree()?;
        let fingerprint = fingerprint_of(config);
        let Some(stamp) = tree.stamp()?.filter(|s| s.fingerprint == fingerprint) else { return Ok(false) };
        let read = || -> Result<Option<(FactTable, Vec<TicketId>)>, StoreError> {
            let mut table = FactTable::with_room_for(store.last_ticket_id()?);
            for (i, name) in tree.names(stamp.names)?.iter().enumerate() {
                // Numbers are given out in order: the stored names come back under theirs.
                if table.names.intern(name).get() as usize != i + 1 {
                    return Ok(None);
                }
            }
            let names = table.names.len();
            let mut unreadable = Vec::new();
            for item in tree.blocks() {
                let (block, bytes) = item?;
                for entry in records_in(block, &bytes) {
                    let Some((id, bytes)) = entry else {
                        // The rest of the block does not read: its tickets are derived again.
                        let first = TicketId(block * BLOCK_TICKETS);
                        unreadable.extend((0..BLOCK_TICKETS).map(|i| TicketId(first.0 + i)));
                        break;
                    };
                    match record::decode(id, bytes, names) {
                        Some((facts, words)) => table.insert(facts, &words),
                        None => unreadable.push(id),
                    }
                }
            }
            Ok(Some((table, unreadable)))
        };
        let (table, unreadable) = match read() {
            Ok(Some(read)) => read,
            Ok(None) => return Ok(false),
            Err(StoreError::Codec { key, source }) => {
                tracing::warn!(%key, error = %source, "the stored statistics facts do not read: derived again");
                return Ok(false);
            }
            Err(e) => return Err(e),
        };
        let read_ms = started.elapsed().as_millis() as u64;
        (self.table, self.seq, self.loaded, self.stored) = (table, stamp.seq, true, Some(stamp));
        let caught_up = self.catch_up(store, config, now, unreadable)?;
        tracing::info!(
            tickets = self.table.len(),
            names = self.table.names.len(),
            bytes = self.table.bytes(),
            unpacked = self.table.unpacked(),
            read_ms,
            caught_up,
            ms = started.elapsed().as_millis() as u64,
            "statistics facts read from the store"
        );
        Ok(true)
    }

    /// Writes every ticket's facts to the store's fact tree (after a build). A cache: a
    /// failure is logged, and the next run derives the facts again.
    fn store_all(&mut self, store: &Store, config: &Config) {
        let started = std::time::Instant::now();
        let stamp = FactStamp {
            fingerprint: fingerprint_of(config),
            seq: self.seq,
            names: u32::try_from(self.table.names.len()).unwrap_or(u32::MAX),
        };
        let table = &self.table;
        let names = (1..=stamp.names).filter_map(|n| Some((n, table.name(Sym::new(n)?))));
        let mut record_bytes = 0usize;
        let records = table.iter().map(|f| {
            let record = record::encode(&f, table.words_of(f).iter());
            record_bytes += record.len();
            (f.id, record)
        });
        let written = store.fact_tree().and_then(|tree| {
            tree.clear()?;
            tree.write(names, records, stamp)
        });
        store.close_derived();
        match written {
            Ok(()) => {
                self.stored = Some(stamp);
                tracing::info!(
                    tickets = table.len(),
                    record_bytes,
                    ms = started.elapsed().as_millis() as u64,
                    "statistics facts stored"
                );
            }
            Err(e) => {
                self.stored = None;
                tracing::warn!(error = %e, "the statistics facts were not stored; the next start derives them");
            }
        }
    }

    /// A server's: what catch-ups derive again is stored by `store_unstored`, now and then.
    pub(super) fn store_lazily(&mut self) {
        self.store_lazily = true;
    }

    /// Writes the facts of the tickets derived again since the last write and the names given
    /// out since, as of event `self.seq` (the caller closes the derived database).
    pub(super) fn store_unstored(&mut self, store: &Store) {
        if self.unstored.is_empty() {
            return;
        }
        let Some(old) = self.stored else {
            self.unstored.clear();
            return;
        };
        let changed = std::mem::take(&mut self.unstored);
        let stamp = FactStamp {
            seq: self.seq,
            names: u32::try_from(self.table.names.len()).unwrap_or(u32::MAX),
            ..old
        };
        let table = &self.table;
        let names = (old.names + 1..=stamp.names).filter_map(|n| Some((n, table.name(Sym::new(n)?))));
        let records = tickets_of_blocks(&changed)
            .filter_map(|id| table.get(id))
            .map(|f| (f.id, record::encode(&f, table.words_of(f).iter())));
        let written = match store.fact_tree() {
            Ok(tree) => tree.write_changed(names, records, stamp, "statistics facts"),
            Err(e) => {
                tracing::warn!(error = %e, "the changed statistics facts were not stored");
                false
            }
        };
        self.stored = written.then_some(stamp);
    }

    /// Derives again the facts of the tickets the events after `self.seq` name, and of `more`;
    /// returns how many.
    fn catch_up(
        &mut self,
        store: &Store,
        config: &Config,
        now: Timestamp,
        more: Vec<TicketId>,
    ) -> Result<usize, StoreError> {
        let last = store.last_seq()?;
        if last == self.seq && more.is_empty() {
            return Ok(0);
        }
        let (mut changed, seen) = store.changed_after(self.seq)?;
        changed.extend(more);
        // The segmenter is loaded for the first new ticket only (see `FactTable::put_again`).
        let rules = Rules { sla: &config.sla, calendar: &config.calendar, segmenter: None };
        for &id in &changed {
            let Some(t) = store.ticket(id)? else { continue };
            if !self.table.put_again(&t, rules, now) {
                let segmenter = segmenter_of(&mut self.segmenter, &mut self.segmenter_used, config);
                self.table.put(&t, Rules { segmenter: Some(segmenter), ..rules }, now);
            }
        }
        self.seq = seen.max(last);
        let derived = changed.len();
        self.unstored.extend(changed);
        if !self.store_lazily {
            self.store_unstored(store);
            store.close_derived();
        }
        Ok(derived)
    }

    fn refresh(&mut self, store: &Store, config: &Config, now: Timestamp) -> Result<(), StoreError> {
        if self.loaded {
            return self.catch_up(store, config, now, Vec::new()).map(|_| ());
        }
        if self.load_stored(store, config, now)? {
            return Ok(());
        }
        let started = std::time::Instant::now();
        let segmenter = segmenter_of(&mut self.segmenter, &mut self.segmenter_used, config);
        let rules = Rules { sla: &config.sla, calendar: &config.calendar, segmenter: Some(segmenter) };
        let last = store.last_seq()?;
        let mut table = FactTable::with_room_for(store.last_ticket_id()?);
        for t in store.tickets() {
            table.put(&t?, rules, now);
        }
        tracing::info!(
            tickets = table.len(),
            ms = started.elapsed().as_millis() as u64,
            "statistics facts built"
        );
        (self.table, self.seq, self.loaded) = (table, last, true);
        self.store_all(store, config);
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

#[cfg(test)]
#[path = "stats_tests.rs"]
pub(super) mod tests;
