//! Views that scale: the reader keeps each view (filter + sort) a console looks at, and answers
//! windows of it — the rows on screen, the total, and where the console's selected ticket went —
//! instead of whole lists. The open tickets are held in memory once and kept current from the
//! event log (a few rows re-read per change, never a rescan); a view's order is kept the same way.
//! A search ranks the view's rows by match and returns the top rows with the total.

use super::catalogue;
use super::marks::{Marks, WATCHED_FLAG};
use super::open_set::{self, OpenRef, OpenRows};
use super::view::TicketSummary;
use super::view_drill::members;
use super::view_order::{Catalogued, Keyed, Order, key_of};
use super::view_search::LastSearch;
use crate::config::Config;
use crate::domain::sla::ClockRecord;
use crate::domain::status::Status;
use crate::domain::ticket::{Flag, TicketId};
use crate::search::{Haystack, Highlight, RowText};
use crate::store::{Row, Store, StoreError};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// Which tickets a view starts from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// The working queue: everything not closed, merged or returned to its channel.
    #[default]
    Open,
    /// Every ticket ever registered.
    All,
}

/// The column a view is ordered by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    /// Nearest deadline first; tickets with no running clock last.
    #[default]
    Deadline,
    Received,
    Channel,
    Status,
    Town,
    Unit,
    Number,
}

impl Sort {
    pub const ALL: [Sort; 7] =
        [Sort::Deadline, Sort::Received, Sort::Channel, Sort::Status, Sort::Town, Sort::Unit, Sort::Number];

    pub fn code(self) -> &'static str {
        match self {
            Sort::Deadline => "deadline",
            Sort::Received => "received",
            Sort::Channel => "channel",
            Sort::Status => "status",
            Sort::Town => "town",
            Sort::Unit => "unit",
            Sort::Number => "number",
        }
    }
}

/// A filter and an order: what a saved view, a channel of the sidebar or the overdue list is.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ViewSpec {
    pub scope: Scope,
    /// Only these states (empty: every state of the scope).
    pub status: Vec<Status>,
    pub channel: Option<String>,
    pub unit: Option<String>,
    pub town: Option<String>,
    pub owner: Option<String>,
    /// Only tickets with a clock overdue or due soon.
    pub at_risk: bool,
    /// Only tickets with a clock overdue (with `due_soon`: either).
    pub overdue: bool,
    /// Only tickets with a clock due soon (with `overdue`: either).
    pub due_soon: bool,
    /// Exact text, as scripts filter: a phone number or credit code by index, other text in
    /// the title, channel ticket id, respondent, town or category.
    pub contains: Option<String>,
    /// Only tickets a unit sent back (退回) and nobody has dispatched again.
    pub returned: bool,
    /// Only tickets about a merchant on the watch list (关注经营者).
    pub watched: bool,
    /// Only tickets behind a live early warning (维权预警).
    pub warned: bool,
    pub search: Option<String>,
    pub sort: Sort,
    pub descending: bool,
    /// Only the tickets behind one figure of the statistics (a console's drill-down), as the
    /// server found them when it first built the view.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub drill: Option<Box<super::stats::StatsDrill>>,
}

/// What a view filters and orders a ticket by: a stored row, or a ticket of the catalogue.
pub(super) trait Fields {
    fn id(&self) -> TicketId;
    fn status(&self) -> Status;
    fn channel(&self) -> &str;
    fn unit(&self) -> Option<&str>;
    fn town(&self) -> Option<&str>;
    fn owner(&self) -> Option<&str>;
    /// A unit sent it back (退回).
    fn returned(&self) -> bool;
    fn title(&self) -> &str;
    fn channel_ticket_id(&self) -> &str;
    fn respondent(&self) -> Option<&str>;
    fn category(&self) -> Option<&str>;
    /// Milliseconds.
    fn earliest_due(&self) -> Option<i64>;
    fn received_at(&self) -> Option<i64>;
}

impl Fields for Row {
    fn id(&self) -> TicketId {
        self.id
    }
    fn status(&self) -> Status {
        self.status
    }
    fn channel(&self) -> &str {
        &self.channel
    }
    fn unit(&self) -> Option<&str> {
        self.unit.as_deref()
    }
    fn town(&self) -> Option<&str> {
        self.town.as_deref()
    }
    fn owner(&self) -> Option<&str> {
        self.owner.as_deref()
    }
    fn returned(&self) -> bool {
        self.flags.contains(&Flag::ReturnedByUnit)
    }
    fn title(&self) -> &str {
        &self.title
    }
    fn channel_ticket_id(&self) -> &str {
        &self.channel_ticket_id
    }
    fn respondent(&self) -> Option<&str> {
        self.respondent_name.as_deref()
    }
    fn category(&self) -> Option<&str> {
        self.category.as_deref()
    }
    fn earliest_due(&self) -> Option<i64> {
        self.earliest_due.map(Timestamp::millis)
    }
    fn received_at(&self) -> Option<i64> {
        self.received_at.map(Timestamp::millis)
    }
}

impl ViewSpec {
    fn admits(&self, row: &impl Fields, marks: &Marks, risk: impl FnOnce() -> (bool, bool)) -> bool {
        let eq = |want: &Option<String>, have: Option<&str>| want.as_deref().is_none_or(|w| have == Some(w));
        let contains = |n: &str| {
            super::reader::search_index(n).is_some()
                || row.title().contains(n)
                || row.channel_ticket_id().contains(n)
                || [row.respondent(), row.town(), row.category()]
                    .iter()
                    .any(|f| f.is_some_and(|v| v.contains(n)))
        };
        let clocks = |(overdue, due_soon): (bool, bool)| {
            let (want_o, want_s) = (self.at_risk || self.overdue, self.at_risk || self.due_soon);
            (want_o && overdue) || (want_s && due_soon)
        };
        (self.scope == Scope::All || row.status().is_open())
            && (self.status.is_empty() || self.status.contains(&row.status()))
            && eq(&self.channel, Some(row.channel()))
            && eq(&self.unit, row.unit())
            && eq(&self.town, row.town())
            && eq(&self.owner, row.owner())
            && (!self.returned || row.returned())
            && (!self.watched || marks.watched(row))
            && (!self.warned || marks.warned(row.id()))
            && self.contains.as_deref().map(str::trim).is_none_or(contains)
            && (!(self.at_risk || self.overdue || self.due_soon) || clocks(risk()))
    }

    /// The same view without its search text: the order a search ranks within.
    pub(super) fn unsearched(&self) -> ViewSpec {
        ViewSpec { search: None, ..self.clone() }
    }

    pub(super) fn search_text(&self) -> Option<&str> {
        self.search.as_deref().map(str::trim).filter(|s| !s.is_empty())
    }

    /// Whether membership depends on the watch list or the live warnings.
    fn marked(&self) -> bool {
        self.watched || self.warned
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WindowQuery {
    pub view: ViewSpec,
    pub offset: usize,
    pub limit: usize,
    /// The ticket the console has selected: the answer says where it is now.
    pub anchor: Option<TicketId>,
}

/// The most rows one window holds: a screen, not a list.
pub const MAX_WINDOW: usize = 500;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Window {
    /// The store's last event when the window was cut.
    pub seq: u64,
    pub total: usize,
    pub offset: usize,
    pub rows: Vec<TicketSummary>,
    /// With a search: for each row, what matched.
    pub highlights: Vec<Highlight>,
    /// The anchor's position in the whole view, if it is still in it.
    pub anchor_at: Option<usize>,
}

/// Live counts for a sidebar: one per view asked, and the open tickets of each channel.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Counts {
    pub seq: u64,
    pub views: Vec<usize>,
    pub by_channel: BTreeMap<String, usize>,
    pub quarantined: usize,
}

/// The open tickets, current as of `seq`.
#[derive(Default)]
struct OpenSet {
    seq: u64,
    loaded: bool,
    rows: OpenRows,
}

/// A view's order, current as of `seq`.
pub(super) struct Ordered {
    seq: u64,
    /// Shared with a search ranking the view's tickets outside the cache's lock.
    pub(super) order: Arc<Order>,
    /// When membership depends on the clock (at risk), when it was last judged.
    pub(super) judged_at: Timestamp,
    pub(super) used: u64,
    /// `order.bytes()` when it was built.
    bytes: usize,
    /// The last search answered within the view.
    pub(super) last_search: Option<Arc<LastSearch>>,
    /// The marks' version it was built with (see `Marks::version`).
    marks_version: u64,
}

/// Everything the reader keeps for the views; shared by every clone of one reader.
#[derive(Default)]
pub struct ViewCache {
    open: OpenSet,
    /// The watch list and live warnings, as of the open set's event.
    pub(super) marks: Arc<Marks>,
    pub(super) ordered: HashMap<ViewSpec, Ordered>,
    counts: Option<(u64, Vec<ViewSpec>, i64, Counts)>,
    uses: u64,
    /// The tickets of each drill-down a kept view carries, found once: the list a clerk
    /// scrolls stays the list the figure stood for.
    pub(super) drilled: HashMap<super::stats::StatsDrill, Arc<BTreeSet<TicketId>>>,
}

/// Views kept at once; the least recently used goes first.
const MAX_VIEWS: usize = 64;
/// Bytes the kept views' orders may hold together, about; past it the least recently used go,
/// the one just answered always stays. A view of every ticket holds 4 bytes a ticket (4 MB at
/// 1,000,000), one of the open queue about 100 (5 MB at 50,000): consoles switching between
/// the sidebar's views would otherwise make serve keep 64 of them.
const VIEWS_BUDGET: usize = 48 << 20;
/// Past this many events behind, reloading the open set beats replaying them.
const REPLAY_LIMIT: u64 = 20_000;
/// A view whose membership depends on the clock is judged again this often.
const REJUDGE_MS: i64 = 30_000;

pub(super) struct Ctx<'a> {
    pub store: &'a Store,
    pub config: &'a Config,
    pub now: Timestamp,
    pub catalogue: &'a catalogue::Shared,
    /// The tickets of the drill-down the view asked about carries (the reader finds them in
    /// the statistics before it locks the views).
    pub drilled: Option<Arc<BTreeSet<TicketId>>>,
}

impl Ctx<'_> {
    pub(super) fn summary(&self, row: &Row) -> TicketSummary {
        TicketSummary::of(row, self.config, self.now)
    }

    /// The row's summary as a window shows it: flagged when its merchant is watched.
    pub(super) fn marked_summary(&self, marks: &Marks, row: &Row) -> TicketSummary {
        let mut s = self.summary(row);
        if marks.watched(row) {
            s.flags.push(WATCHED_FLAG.to_string());
        }
        s
    }

    /// (overdue, due soon) of a row now.
    fn risk(&self, row: &Row) -> (bool, bool) {
        open_set::risk(row.clocks.iter().map(ClockRecord::facts), self.config, self.now)
    }

    /// What the search sees of `row`, to highlight what matched.
    pub(super) fn haystack(&self, row: &Row) -> Haystack {
        let org = &self.config.org;
        let town_id = row.town.as_deref().and_then(|t| org.branch_of_town(t)).map(|u| u.id.as_str());
        let unit = row.unit.as_deref().and_then(|u| org.unit(u));
        let text = RowText {
            number: row.id.0,
            channel_ticket_id: &row.channel_ticket_id,
            title: &row.title,
            respondent: row.respondent_name.as_deref(),
            town: row.town.as_deref(),
            town_id,
            district: row.business_district.as_deref(),
            unit_name: unit.map(|u| u.name.as_str()),
            unit_id: row.unit.as_deref(),
            category: row.category.as_deref(),
        };
        Haystack::of(&text)
    }
}

impl ViewCache {
    /// Brings the open set up to the store's last event.
    pub(super) fn refresh_open(&mut self, ctx: &Ctx) -> Result<u64, StoreError> {
        let last = ctx.store.last_seq()?;
        if self.marks.seq != last || last == 0 {
            self.marks = Arc::new(Marks::load(ctx.store, last)?);
        }
        let open = &mut self.open;
        if open.loaded && open.seq == last {
            return Ok(last);
        }
        if !open.loaded || last - open.seq > REPLAY_LIMIT {
            *open = OpenSet { seq: last, loaded: true, rows: OpenRows::load(ctx.store.open_rows())? };
            self.ordered.clear();
            return Ok(last);
        }
        for id in changed_since(ctx.store, open.seq)? {
            match ctx.store.row(id)? {
                Some(row) => open.rows.put(&row),
                None => open.rows.remove(id),
            }
        }
        open.seq = last;
        Ok(last)
    }

    /// A window of a view.
    pub(super) fn window(&mut self, ctx: &Ctx, q: &WindowQuery) -> Result<Window, StoreError> {
        let seq = self.refresh_open(ctx)?;
        let limit = q.limit.min(MAX_WINDOW);
        self.uses += 1;
        let uses = self.uses;
        let ordered = self.ordered_view(ctx, &q.view, seq)?;
        ordered.used = uses;
        let order = ordered.order.clone();
        let total = order.len();
        let (anchor_at, ids) = {
            // A view built from the catalogue keeps positions in it: read them through it.
            let cat = matches!(*order, Order::Catalogued(_)).then(|| ctx.catalogue.read());
            let cat = cat.as_deref();
            let anchor_at = q.anchor.and_then(|a| order.rank(cat, a, q.view.descending));
            (anchor_at, order.ids(cat, q.offset, limit, q.view.descending))
        };
        let mut rows = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(row) = self.row(ctx, id)? {
                rows.push(ctx.marked_summary(&self.marks, &row));
            }
        }
        self.evict();
        Ok(Window { seq, total, offset: q.offset, rows, highlights: Vec::new(), anchor_at })
    }

    pub(super) fn row(&self, ctx: &Ctx, id: TicketId) -> Result<Option<Row>, StoreError> {
        match self.open.rows.get(id) {
            Some(row) => Ok(Some(row.to_row())),
            None => ctx.store.summary(id),
        }
    }

    /// The view's order, built once and then kept current from the event log.
    pub(super) fn ordered_view(
        &mut self,
        ctx: &Ctx,
        view: &ViewSpec,
        seq: u64,
    ) -> Result<&mut Ordered, StoreError> {
        let rejudge = view.at_risk || view.overdue || view.due_soon;
        let stale = match self.ordered.get(view) {
            None => true,
            Some(o) => {
                (rejudge && ctx.now.millis() - o.judged_at.millis() > REJUDGE_MS)
                    || (view.marked() && o.marks_version != self.marks.version)
            }
        };
        if stale {
            let built = self.build_ordered(ctx, view, seq)?;
            self.ordered.insert(view.clone(), built);
        }
        let catalogued = self.ordered.get(view).is_some_and(|o| matches!(*o.order, Order::Catalogued(_)));
        if catalogued {
            self.replay_catalogued(ctx, view, seq)?;
        } else if let Some(o) = self.ordered.get(view)
            && o.seq != seq
        {
            let since = o.seq;
            let changed = changed_since(ctx.store, since)?;
            let mut rows = Vec::with_capacity(changed.len());
            for id in changed {
                rows.push((id, self.row(ctx, id)?));
            }
            let indexed = members(ctx, view)?;
            let o = self.ordered.get_mut(view).expect("checked above");
            let Order::Keyed(keyed) = Arc::make_mut(&mut o.order) else { unreachable!("checked above") };
            for (id, row) in rows {
                keyed.remove(id);
                if indexed.as_ref().is_some_and(|ids| !ids.contains(&id)) {
                    continue;
                }
                if let Some(row) = row
                    && view.admits(&row, &self.marks, || ctx.risk(&row))
                {
                    keyed.insert(id, key_of(view.sort, &row));
                }
            }
            o.seq = seq;
        }
        Ok(self.ordered.get_mut(view).expect("inserted above"))
    }

    /// Brings a view built from the catalogue up to the catalogue's last event, reading the
    /// changed tickets from it: the catalogue is refreshed first, so every ticket whose key
    /// moved since the view's event is among those changed since it.
    fn replay_catalogued(&mut self, ctx: &Ctx, view: &ViewSpec, seq: u64) -> Result<(), StoreError> {
        let cat = ctx.catalogue.current(ctx.store, ctx.config)?;
        let Some(o) = self.ordered.get(view) else { return Ok(()) };
        let fits = matches!(&*o.order, Order::Catalogued(c) if c.fits(&cat));
        if !fits {
            drop(cat);
            let built = self.build_ordered(ctx, view, seq)?;
            self.ordered.insert(view.clone(), built);
            return Ok(());
        }
        if o.seq == cat.seq() {
            return Ok(());
        }
        let changed = changed_since(ctx.store, o.seq)?;
        let indexed = members(ctx, view)?;
        let positions: Vec<u32> =
            changed.iter().filter_map(|id| cat.position(*id)).map(|at| at as u32).collect();
        let (marks, open) = (&self.marks, &self.open);
        let admit = |at: u32| {
            let entry = cat.entry(at as usize);
            let id = entry.id();
            let risk = || open.rows.get(id).map_or((false, false), |row| row.risk(ctx.config, ctx.now));
            indexed.as_ref().is_none_or(|ids| ids.contains(&id)) && view.admits(&entry, marks, risk)
        };
        let Some(o) = self.ordered.get_mut(view) else { return Ok(()) };
        if let Order::Catalogued(c) = Arc::make_mut(&mut o.order) {
            c.replace(&cat, &positions, admit);
        }
        o.seq = cat.seq();
        Ok(())
    }

    /// A view's order, as of `seq` — or, for a view built from the catalogue (every ticket, or
    /// a drill-down's), as of the catalogue's last event (the caller replays the events after
    /// it).
    fn build_ordered(&self, ctx: &Ctx, view: &ViewSpec, seq: u64) -> Result<Ordered, StoreError> {
        let indexed = members(ctx, view)?;
        let mut built_at = seq;
        // Only an open ticket has a running clock to be overdue or due soon.
        let open_only = view.scope == Scope::Open || view.at_risk || view.overdue || view.due_soon;
        let risk_of =
            |id: TicketId| self.open.rows.get(id).map_or((false, false), |row| row.risk(ctx.config, ctx.now));
        let order = match &indexed {
            None if open_only => {
                let mut keyed = Keyed::default();
                for row in self.open.rows.iter() {
                    if view.admits(&row, &self.marks, || row.risk(ctx.config, ctx.now)) {
                        keyed.insert(row.id(), key_of(view.sort, &row));
                    }
                }
                Order::Keyed(keyed)
            }
            // The tickets behind a figure may be a year's: read from memory, as for every ticket.
            Some(ids) if view.drill.is_some() && !open_only => {
                let cat = ctx.catalogue.current(ctx.store, ctx.config)?;
                built_at = cat.seq();
                let mut admitted = Vec::new();
                for id in ids.iter() {
                    let Some(at) = cat.position(*id) else { continue };
                    if view.admits(&cat.entry(at), &self.marks, || risk_of(*id)) {
                        admitted.push(at as u32);
                    }
                }
                Order::Catalogued(Catalogued::new(&cat, view.sort, admitted))
            }
            Some(ids) => {
                let mut keyed = Keyed::default();
                for id in ids.iter() {
                    if let Some(row) = self.row(ctx, *id)?
                        && view.admits(&row, &self.marks, || ctx.risk(&row))
                    {
                        keyed.insert(row.id, key_of(view.sort, &row));
                    }
                }
                Order::Keyed(keyed)
            }
            None => {
                // Every ticket, from memory: the catalogue, not a read per ticket.
                let cat = ctx.catalogue.current(ctx.store, ctx.config)?;
                built_at = cat.seq();
                let mut admitted = Vec::new();
                for (at, entry) in cat.entries().enumerate() {
                    if view.admits(&entry, &self.marks, || risk_of(entry.id())) {
                        admitted.push(at as u32);
                    }
                }
                Order::Catalogued(Catalogued::new(&cat, view.sort, admitted))
            }
        };
        Ok(Ordered {
            seq: built_at,
            bytes: order.bytes(),
            order: Arc::new(order),
            judged_at: ctx.now,
            used: self.uses,
            last_search: None,
            marks_version: self.marks.version,
        })
    }

    fn evict(&mut self) {
        let kept = self.ordered.iter().map(|(view, o)| (view, o.used, o.bytes));
        for view in least_recently_used_beyond(kept, MAX_VIEWS, VIEWS_BUDGET) {
            self.ordered.remove(&view);
        }
        self.evict_drills();
    }

    /// Visits every open ticket's row, as of the store's last event.
    pub(super) fn each_open(&mut self, ctx: &Ctx, f: impl FnMut(OpenRef)) -> Result<(), StoreError> {
        self.refresh_open(ctx)?;
        self.open.rows.iter().for_each(f);
        Ok(())
    }

    /// Counts for a sidebar: each view's total and the open tickets per channel.
    pub(super) fn counts(&mut self, ctx: &Ctx, views: &[ViewSpec]) -> Result<Counts, StoreError> {
        let seq = self.refresh_open(ctx)?;
        let minute = ctx.now.millis() / 60_000;
        if let Some((s, v, m, c)) = &self.counts
            && *s == seq
            && v == views
            && *m == minute
        {
            return Ok(c.clone());
        }
        let mut by_channel: BTreeMap<String, usize> =
            ctx.config.channels.all().map(|c| (c.id.clone(), 0)).collect();
        for row in self.open.rows.iter() {
            match by_channel.get_mut(row.channel()) {
                Some(n) => *n += 1,
                None => {
                    by_channel.insert(row.channel().to_string(), 1);
                }
            }
        }
        let mut totals = Vec::with_capacity(views.len());
        for v in views {
            let total = match v.scope {
                Scope::Open if v.search_text().is_none() => self
                    .open
                    .rows
                    .iter()
                    .filter(|row| v.admits(row, &self.marks, || row.risk(ctx.config, ctx.now)))
                    .count(),
                _ => self.ordered_view(ctx, &v.unsearched(), seq)?.order.len(),
            };
            totals.push(total);
        }
        let quarantined = ctx
            .store
            .quarantine_entries()
            .filter(|e| e.as_ref().is_ok_and(|e| e.state == crate::store::outbox::QuarantineState::Held))
            .count();
        let counts = Counts { seq, views: totals, by_channel, quarantined };
        self.counts = Some((seq, views.to_vec(), minute, counts.clone()));
        Ok(counts)
    }
}

/// The tickets with an event after `seq`.
fn changed_since(store: &Store, seq: u64) -> Result<BTreeSet<TicketId>, StoreError> {
    let mut ids = BTreeSet::new();
    for e in store.events_after(seq) {
        ids.insert(e?.ticket);
    }
    ids.remove(&crate::domain::event::STORE_WIDE);
    Ok(ids)
}

/// A phone number or credit code is looked up, not matched.
pub(super) fn index_lookup(store: &Store, text: &str) -> Result<Option<BTreeSet<TicketId>>, StoreError> {
    match super::reader::search_index(text) {
        Some((index, value)) => Ok(Some(store.ids_with(index, &value).collect::<Result<_, _>>()?)),
        None => Ok(None),
    }
}

/// The views to let go, least recently used first, so that at most `max_views` stay and their
/// bytes fit in `budget`; the most recently used stays whatever its size.
fn least_recently_used_beyond<'a>(
    kept: impl Iterator<Item = (&'a ViewSpec, u64, usize)>,
    max_views: usize,
    budget: usize,
) -> Vec<ViewSpec> {
    let mut kept: Vec<_> = kept.collect();
    kept.sort_unstable_by_key(|&(_, used, _)| used);
    let mut bytes: usize = kept.iter().map(|&(_, _, b)| b).sum();
    let mut left = kept.len();
    let mut gone = Vec::new();
    for (view, _, b) in kept {
        if left <= 1 || (left <= max_views && bytes <= budget) {
            break;
        }
        gone.push(view.clone());
        bytes -= b;
        left -= 1;
    }
    gone
}

#[cfg(test)]
mod tests {
    use super::*;

    fn channel(id: &str) -> ViewSpec {
        ViewSpec { channel: Some(id.into()), ..ViewSpec::default() }
    }

    #[test]
    fn kept_views_fit_their_budget_and_the_least_recently_used_go_first() {
        let (v12345, v12315, walkin) = (channel("12345"), channel("12315"), channel("walkin"));
        let mb = 1 << 20;
        let kept = [(&v12345, 3, 20 * mb), (&v12315, 1, 20 * mb), (&walkin, 2, 20 * mb)];
        assert_eq!(least_recently_used_beyond(kept.into_iter(), 64, 48 * mb), std::slice::from_ref(&v12315));
        assert_eq!(least_recently_used_beyond(kept.into_iter(), 64, 60 * mb), Vec::<ViewSpec>::new());
        assert_eq!(
            least_recently_used_beyond(kept.into_iter(), 1, 60 * mb),
            [v12315.clone(), walkin.clone()]
        );
        // The view just answered stays, even alone over the budget.
        let all = ViewSpec { scope: Scope::All, ..ViewSpec::default() };
        let big = [(&all, 9, 200 * mb), (&walkin, 2, mb)];
        assert_eq!(least_recently_used_beyond(big.into_iter(), 64, 48 * mb), [walkin]);
    }
}
