//! Read-only queries over the store. Any number of readers may run beside the engine.

use super::catalogue;
use super::marks::Marks;
use super::stats::{StatsCache, StatsQuery};
use super::view::{TicketDetail, TicketSummary};
use super::window::{Counts, Ctx, Scope, ViewCache, ViewSpec, Window, WindowQuery};
use crate::config::Config;
use crate::domain::event::Event;
use crate::domain::status::Status;
use crate::domain::ticket::{Ticket, TicketId};
use crate::stats::{Selector, Statistics};
use crate::store::write::normalise_phone;
use crate::store::{Row, Store, StoreError, TextIndex};
use crate::time::{Clock, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub enum StatusFilter {
    /// Every status but closed, merged and returned to channel: the working queue.
    #[default]
    Open,
    All,
    Only(Vec<Status>),
}

impl StatusFilter {
    fn admits(&self, s: Status) -> bool {
        match self {
            StatusFilter::Open => s.is_open(),
            StatusFilter::All => true,
            StatusFilter::Only(list) => list.contains(&s),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ListFilter {
    pub status: StatusFilter,
    pub channel: Option<String>,
    pub unit: Option<String>,
    pub town: Option<String>,
    pub owner: Option<String>,
    /// With `due_soon`: either one (the at-risk list).
    pub overdue: bool,
    pub due_soon: bool,
    /// A phone number or credit code finds by index; other text matches title, respondent,
    /// channel ticket id, town and category.
    pub search: Option<String>,
    pub limit: Option<usize>,
}

impl ListFilter {
    /// The same filter as a view the reader keeps (nearest deadline first, as `list` orders).
    pub fn view(&self) -> ViewSpec {
        let (scope, status) = match &self.status {
            StatusFilter::Open => (Scope::Open, Vec::new()),
            StatusFilter::All => (Scope::All, Vec::new()),
            StatusFilter::Only(list) => (Scope::All, list.clone()),
        };
        ViewSpec {
            scope,
            status,
            channel: self.channel.clone(),
            unit: self.unit.clone(),
            town: self.town.clone(),
            owner: self.owner.clone(),
            overdue: self.overdue,
            due_soon: self.due_soon,
            contains: self.search.clone().filter(|s| !s.trim().is_empty()),
            ..ViewSpec::default()
        }
    }
}

#[derive(Clone)]
pub struct Reader {
    store: Store,
    config: Arc<Config>,
    clock: Clock,
    /// The views consoles look at, kept current between their questions.
    views: Arc<Mutex<ViewCache>>,
    /// Every ticket's facts for statistics, kept current the same way.
    stats: Arc<Mutex<StatsCache>>,
    /// Every ticket, compact: what searches and views of every ticket read.
    catalogue: Arc<catalogue::Shared>,
    /// The watch list and live warnings as the views see them, as of an event.
    marks: Arc<Mutex<Arc<Marks>>>,
}

impl Reader {
    pub fn new(store: Store, config: Arc<Config>, clock: Clock) -> Reader {
        Reader {
            store,
            config,
            clock,
            views: Arc::default(),
            stats: Arc::default(),
            catalogue: Arc::default(),
            marks: Arc::default(),
        }
    }

    fn views(&self) -> std::sync::MutexGuard<'_, ViewCache> {
        // A query that panicked holding the cache leaves it usable: it is rebuilt from the store.
        self.views.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn stats_cache(&self) -> std::sync::MutexGuard<'_, StatsCache> {
        // As for the views: a panicked query leaves a cache that the next one brings up to date.
        self.stats.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The statistics' cache, waited for as a question: a load in progress meanwhile goes
    /// at full speed.
    fn stats_cache_waited(&self) -> std::sync::MutexGuard<'_, StatsCache> {
        self.catalogue.waiting_for(|| self.stats_cache())
    }

    /// A period's figures against the period before.
    pub fn statistics(&self, q: &StatsQuery) -> Result<Statistics, StoreError> {
        self.stats_cache_waited().statistics(&self.store, &self.config, q, self.now())
    }

    /// The tickets behind one figure of [`Reader::statistics`].
    pub fn statistics_tickets(
        &self,
        q: &StatsQuery,
        previous: bool,
        selector: &Selector,
    ) -> Result<Vec<TicketId>, StoreError> {
        self.stats_cache_waited().tickets(&self.store, &self.config, q, previous, selector, self.now())
    }

    fn ctx(&self) -> Ctx<'_> {
        Ctx {
            store: &self.store,
            config: &self.config,
            now: self.now(),
            catalogue: &self.catalogue,
            drilled: None,
        }
    }

    /// The tickets of the drill-down `view` carries: found in the statistics the first time
    /// (outside the views' lock: the facts may have to be brought up to date), then kept with
    /// the view.
    fn drilled(&self, view: &ViewSpec) -> Result<Option<Arc<BTreeSet<TicketId>>>, StoreError> {
        let Some(drill) = &view.drill else { return Ok(None) };
        if let Some(ids) = self.views().drilled(drill) {
            return Ok(Some(ids));
        }
        let ids: BTreeSet<TicketId> =
            self.statistics_tickets(&drill.query, drill.previous, &drill.selector)?.into_iter().collect();
        let ids = Arc::new(ids);
        self.views().keep_drilled((**drill).clone(), ids.clone());
        Ok(Some(ids))
    }

    /// What a server does: the store's copies of the catalogue and of the statistics' facts
    /// are brought up to date by [`Reader::store_derived`] (every few minutes, and as it stops)
    /// rather than by every catch-up, each of which would open and close their database.
    pub fn store_derived_lazily(&self) {
        self.catalogue.store_lazily();
        self.stats_cache().store_lazily();
    }

    /// Writes to the store's copies what was derived again since they were last written
    /// (tickets changed since), the derived database opened once for both and closed after;
    /// a cache: a failure is logged, and the next start derives them.
    pub fn store_derived(&self) {
        self.catalogue.store_unstored(&self.store);
        self.stats_cache().store_unstored(&self.store);
        self.store.close_derived();
    }

    /// See [`StatsCache::let_go_of_idle_segmenter`].
    pub fn let_go_of_idle_segmenter(&self) {
        self.stats_cache().let_go_of_idle_segmenter();
    }

    /// Loads the catalogue of every ticket and the statistics' facts now, on a thread of its
    /// own, so that the first search, view of every ticket or statistics question finds them
    /// ready: each read from the store's copy when it holds one, brought up to date from the
    /// events since; what has none is built by one scan of the store (both by the same scan).
    /// It takes at most half a core while nobody waits for it (a console's keys meanwhile find
    /// one free), all it can when a question does.
    pub fn preload(&self) -> Preload {
        let reader = self.clone();
        let spawned = std::thread::Builder::new().name("catalogue".into()).spawn(move || {
            // First what every console asks first: else the first to attach waits for the
            // open tickets to load (1.9 s of its start at 1,000,000 tickets on a busy machine).
            if let Err(e) = reader.load_open_queue() {
                tracing::warn!(error = %e, "the open tickets did not load; the first window loads them");
            }
            let now = reader.now();
            // Held through the scan: a statistics question meanwhile waits for these facts
            // rather than scanning the store itself.
            let mut stats = reader.stats_cache();
            let loaded = stats.load_with(&reader.store, &reader.config, now, |also| {
                reader.catalogue.load_in_background(&reader.store, &reader.config, also)
            });
            drop(stats);
            match loaded {
                Ok(()) | Err(StoreError::Closing) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "the catalogue did not load; the first search tries again")
                }
            }
        });
        let thread = spawned.inspect_err(|e| tracing::warn!(error = %e, "no thread for the catalogue")).ok();
        Preload { catalogue: self.catalogue.clone(), thread }
    }

    /// Loads the open tickets into memory, ordered as the console's first shipped view ("All
    /// open", the default view) shows them.
    fn load_open_queue(&self) -> Result<(), StoreError> {
        let q = WindowQuery { view: ViewSpec::default(), offset: 0, limit: 0, anchor: None };
        self.window(&q).map(|_| ())
    }

    /// Whether the open queue, in the default view's order, is in memory: a window of it is
    /// answered without reading the store.
    pub fn open_queue_loaded(&self) -> bool {
        self.views().ordered.contains_key(&ViewSpec::default())
    }

    /// Whether the catalogue of every ticket is loaded: until it is, a search or a view of
    /// every ticket waits for the load.
    pub fn catalogue_loaded(&self) -> bool {
        self.catalogue.is_loaded()
    }

    /// How the catalogue of every ticket was loaded: read from the store's copy or by a scan
    /// (None while it is not loaded).
    pub fn catalogue_loaded_by(&self) -> Option<super::CatalogueLoad> {
        self.catalogue.loaded_by()
    }

    /// Whether answering about `view` reads the catalogue (loaded before the cache is locked,
    /// so that a console waiting for it never holds up another one's window).
    fn ready_for(&self, view: &ViewSpec) -> Result<(), StoreError> {
        if view.scope == Scope::All || view.search_text().is_some() {
            self.catalogue.ensure_loaded(&self.store, &self.config)?;
        }
        Ok(())
    }

    /// A window of a view: the rows on screen, the total and where the anchor went.
    pub fn window(&self, q: &WindowQuery) -> Result<Window, StoreError> {
        let ctx = Ctx { drilled: self.drilled(&q.view)?, ..self.ctx() };
        self.ready_for(&q.view)?;
        let Some(text) = q.view.search_text() else {
            return self.views().window(&ctx, q);
        };
        let plan = self.views().plan_search(&ctx, &q.view, text)?;
        let ranked = {
            let cat = self.catalogue.current(&self.store, &self.config)?;
            plan.rank(&cat, q, q.limit.min(super::window::MAX_WINDOW))
        };
        self.views().finish_search(&ctx, q, plan, ranked)
    }

    /// Visits every open ticket's row (from the views' memory, not a scan of the store).
    pub(super) fn each_open(&self, f: impl FnMut(super::open_set::OpenRef)) -> Result<(), StoreError> {
        self.views().each_open(&self.ctx(), f)
    }

    /// Live counts for a console's sidebar.
    pub fn counts(&self, views: &[ViewSpec]) -> Result<Counts, StoreError> {
        for v in views {
            self.ready_for(v)?;
        }
        self.views().counts(&self.ctx(), views)
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    pub fn config(&self) -> &Arc<Config> {
        &self.config
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn ticket(&self, id: TicketId) -> Result<Option<Ticket>, StoreError> {
        self.store.ticket(id)
    }

    /// A ticket by its number, or by `CHANNEL:CHANNEL_TICKET_ID`.
    pub fn resolve(&self, text: &str) -> Result<Option<TicketId>, StoreError> {
        let text = text.trim().trim_start_matches('#');
        if let Ok(n) = text.parse::<u64>() {
            let id = TicketId(n);
            return Ok(self.store.ticket_exists(id)?.then_some(id));
        }
        match text.split_once(':') {
            Some((channel, ext)) => self.store.external(channel, ext),
            None => Ok(None),
        }
    }

    /// The instant of the earliest deadline alarm still to be raised, if any: when the
    /// scheduler has work next.
    pub fn next_alarm(&self) -> Result<Option<Timestamp>, StoreError> {
        self.store.next_alarm()
    }

    pub fn timeline(&self, t: &Ticket) -> Result<Vec<Event>, StoreError> {
        t.events.iter().filter_map(|seq| self.store.event(*seq).transpose()).collect()
    }

    pub fn detail(&self, id: TicketId, reveal: bool) -> Result<Option<TicketDetail>, StoreError> {
        let Some(t) = self.store.ticket(id)? else { return Ok(None) };
        let row = match self.store.row(id)? {
            Some(row) => row,
            None => Row::of(&t, None),
        };
        let events = self.timeline(&t)?;
        let mut detail = TicketDetail::of(&t, &row, &events, &self.config, self.now(), reveal);
        if self.marks()?.watched(&row) {
            detail.summary.flags.push(super::marks::WATCHED_FLAG.to_string());
        }
        let rules = crate::domain::lifecycle::Rules {
            sla: &self.config.sla,
            channels: &self.config.channels,
            org: &self.config.org,
        };
        detail.actions =
            crate::domain::offer::offered(&t, rules, self.now()).into_iter().map(str::to_string).collect();
        // The due queue holds only what is still to deliver: small, whatever the store's age.
        for entry in self.store.outbox_open() {
            let entry = entry?;
            if entry.effect.ticket == id {
                detail.undelivered.push(entry);
            }
        }
        Ok(Some(detail))
    }

    /// [`Reader::statistics`], each merchant at risk saying whether it is on the watch list (as
    /// the queues flag tickets: its key is watched, or a name its tickets give is watched by
    /// name). What `stats`, reports and the console are answered.
    pub fn statistics_with_watch(&self, q: &StatsQuery) -> Result<Statistics, StoreError> {
        let mut s = self.statistics(q)?;
        let watched = super::watch::watch_list(&self.store)?;
        for m in &mut s.merchants_at_risk {
            m.watched =
                watched.get(&m.merchant).is_some() || m.names.iter().any(|n| watched.covers_name(Some(n)));
        }
        Ok(s)
    }

    /// The surges found now over every ticket (what the warning scheduler sends the engine).
    pub fn current_warnings(&self) -> Result<Vec<crate::stats::warnings::Warning>, StoreError> {
        self.stats_cache().current_warnings(&self.store, &self.config, self.now())
    }

    /// The watch list and live warnings as of the store's last event, loaded again only when
    /// it moved (for answers outside the views: a detail, a list).
    fn marks(&self) -> Result<Arc<Marks>, StoreError> {
        let last = self.store.last_seq()?;
        let mut cached = self.marks.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if cached.seq != last || last == 0 {
            *cached = Arc::new(Marks::load(&self.store, last)?);
        }
        Ok(cached.clone())
    }

    /// Answers one protocol query.
    pub fn query(&self, query: &super::Query) -> Result<super::Answer, StoreError> {
        use super::{Answer, Query};
        use crate::store::outbox::{DeliveryState, QuarantineState};
        Ok(match query {
            Query::List(filter) => Answer::List(self.list(filter)?),
            Query::Detail { ticket, reveal } => Answer::Detail(self.detail(*ticket, *reveal)?.map(Box::new)),
            Query::Resolve(text) => Answer::Resolve(self.resolve(text)?),
            Query::ByPhone(phone) => Answer::ByPhone(self.by_phone(phone)?),
            Query::EventsAfter { seq, limit } => {
                let limit = (*limit).min(super::protocol::MAX_EVENTS_PER_ANSWER);
                Answer::EventsAfter(self.store.events_after(*seq).take(limit).collect::<Result<_, _>>()?)
            }
            Query::Outbox { all } => Answer::Outbox(
                self.store
                    .outbox_entries()
                    .filter(|e| e.as_ref().map_or(true, |e| *all || e.state != DeliveryState::Delivered))
                    .collect::<Result<_, _>>()?,
            ),
            Query::Quarantine { all } => Answer::Quarantine(
                self.store
                    .quarantine_entries()
                    .filter(|e| e.as_ref().map_or(true, |e| *all || e.state == QuarantineState::Held))
                    .collect::<Result<_, _>>()?,
            ),
            Query::QuarantineItem(id) => {
                Answer::QuarantineItem(self.store.quarantine_entry(*id)?.map(Box::new))
            }
            Query::Window(q) => Answer::Window(Box::new(self.window(q)?)),
            Query::Counts(views) => Answer::Counts(self.counts(views)?),
            Query::Suggest(id) => Answer::Suggest(self.suggest(*id)?),
            Query::Duplicates(probe) => Answer::Duplicates(self.duplicates(probe)?),
            Query::Audit(q) => Answer::Audit(self.audit(q)?),
            Query::Stats(q) => Answer::Stats(Box::new(self.statistics_with_watch(q)?)),
            Query::StatsTickets { query, previous, selector } => {
                Answer::StatsTickets(self.statistics_tickets(query, *previous, selector)?)
            }
            Query::Watched => Answer::Watched(super::watch::watch_list(&self.store)?),
            Query::Warnings => Answer::Warnings(super::watch::live_warnings(&self.store)?),
        })
    }

    /// Every ticket of one phone number (complainant or caller).
    pub fn by_phone(&self, phone: &str) -> Result<Vec<TicketId>, StoreError> {
        match normalise_phone(phone) {
            Some(p) => self.store.ids_with(TextIndex::Phone, &p).collect(),
            None => Ok(Vec::new()),
        }
    }

    /// The tickets matching `filter`, nearest deadline first (tickets with no running clock
    /// after, by number).
    pub fn list(&self, filter: &ListFilter) -> Result<Vec<TicketSummary>, StoreError> {
        let now = self.now();
        let needle = filter.search.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let text_needle = needle.filter(|n| search_index(n).is_none());
        let marks = self.marks()?;
        let mut out: Vec<(Option<Timestamp>, TicketSummary)> = Vec::new();
        let mut consider = |row: Row| {
            if !self.row_matches(&row, filter, text_needle) {
                return;
            }
            let mut summary = TicketSummary::of(&row, &self.config, now);
            if marks.watched(&row) {
                summary.flags.push(super::marks::WATCHED_FLAG.to_string());
            }
            let at_risk =
                (filter.overdue && summary.is_overdue()) || (filter.due_soon && summary.is_due_soon());
            if (filter.overdue || filter.due_soon) && !at_risk {
                return;
            }
            out.push((row.earliest_due, summary));
        };
        match self.source(filter)? {
            Source::OpenRows => {
                for row in self.store.open_rows() {
                    consider(row?);
                }
            }
            Source::Ids(ids) => {
                for id in ids {
                    if let Some(row) = self.store.summary(id)? {
                        consider(row);
                    }
                }
            }
        }
        out.sort_by(|(a_due, a), (b_due, b)| {
            (a_due.is_none(), a_due, a.id).cmp(&(b_due.is_none(), b_due, b.id))
        });
        let limit = filter.limit.unwrap_or(usize::MAX);
        Ok(out.into_iter().take(limit).map(|(_, s)| s).collect())
    }

    fn row_matches(&self, row: &Row, f: &ListFilter, needle: Option<&str>) -> bool {
        let eq = |want: &Option<String>, have: &Option<String>| want.is_none() || want == have;
        f.status.admits(row.status)
            && f.channel.as_ref().is_none_or(|c| *c == row.channel)
            && eq(&f.unit, &row.unit)
            && eq(&f.owner, &row.owner)
            && eq(&f.town, &row.town)
            && needle.is_none_or(|n| {
                row.title.contains(n)
                    || row.channel_ticket_id.contains(n)
                    || row.respondent_name.as_deref().is_some_and(|r| r.contains(n))
                    || row.town.as_deref().is_some_and(|r| r.contains(n))
                    || row.category.as_deref().is_some_and(|r| r.contains(n))
            })
    }

    /// Where to look: a selective index when the filter names one, else the open tickets'
    /// rows (one sequential scan beats thousands of lookups), else every ticket.
    fn source(&self, f: &ListFilter) -> Result<Source, StoreError> {
        let store = &self.store;
        let by_text = |index: TextIndex, value: &str| {
            store.ids_with(index, value).collect::<Result<Vec<_>, _>>().map(Source::Ids)
        };
        if let Some(unit) = &f.unit {
            return by_text(TextIndex::Unit, unit);
        }
        if let Some(owner) = &f.owner {
            return by_text(TextIndex::Owner, owner);
        }
        if let Some((index, value)) = f.search.as_deref().and_then(search_index) {
            return by_text(index, &value);
        }
        let only_open = match &f.status {
            StatusFilter::Open => true,
            StatusFilter::Only(list) => list.iter().all(|s| s.is_open()),
            // Only a ticket with a running clock can be overdue or due soon.
            StatusFilter::All => f.overdue || f.due_soon,
        };
        if only_open {
            return Ok(Source::OpenRows);
        }
        if let Some(town) = &f.town {
            return by_text(TextIndex::Town, town);
        }
        if let StatusFilter::Only(list) = &f.status
            && f.channel.is_none()
        {
            let mut ids = Vec::new();
            for s in list {
                ids.extend(store.ids_with_status(*s).collect::<Result<Vec<_>, _>>()?);
            }
            return Ok(Source::Ids(ids));
        }
        match &f.channel {
            Some(channel) => by_text(TextIndex::Channel, channel),
            None => Ok(Source::Ids(store.all_ids().collect::<Result<Vec<_>, _>>()?)),
        }
    }
}

/// The catalogue loading in the background (see `Reader::preload`).
pub struct Preload {
    catalogue: Arc<catalogue::Shared>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Preload {
    /// Stops a load still in progress and waits for its thread: it holds the store open.
    pub fn stop(mut self) {
        self.catalogue.stop_loading();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }

    /// Waits for the load to end.
    pub fn wait(mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

enum Source {
    Ids(Vec<TicketId>),
    OpenRows,
}

/// A search text that names an indexed value: a phone number or a credit code.
pub(super) fn search_index(text: &str) -> Option<(TextIndex, String)> {
    let t = text.trim();
    let code = t.to_uppercase();
    if code.len() == 18 && code.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Some((TextIndex::CreditCode, code));
    }
    let phoneish = t.chars().all(|c| c.is_ascii_digit() || "+- ".contains(c));
    if phoneish && t.chars().filter(|c| c.is_ascii_digit()).count() >= 7 {
        return normalise_phone(t).map(|p| (TextIndex::Phone, p));
    }
    None
}
