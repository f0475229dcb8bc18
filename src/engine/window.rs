//! Views that scale: the reader keeps each view (filter + sort) a console looks at, and answers
//! windows of it — the rows on screen, the total, and where the console's selected ticket went —
//! instead of whole lists. The open tickets are held in memory once and kept current from the
//! event log (a few rows re-read per change, never a rescan); a view's order is kept the same way.
//! A search ranks the view's rows by match and returns the top rows with the total.

use super::view::TicketSummary;
use crate::config::Config;
use crate::domain::status::Status;
use crate::domain::ticket::{Flag, TicketId};
use crate::search::{self, Haystack, Highlight, RowText};
use crate::store::{Row, Store, StoreError, TextIndex};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, OnceLock};

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
    pub search: Option<String>,
    pub sort: Sort,
    pub descending: bool,
}

impl ViewSpec {
    fn admits(&self, row: &Row, risk: impl FnOnce() -> (bool, bool)) -> bool {
        let eq = |want: &Option<String>, have: &Option<String>| want.is_none() || want == have;
        let contains = |n: &str| {
            super::reader::search_index(n).is_some()
                || row.title.contains(n)
                || row.channel_ticket_id.contains(n)
                || [&row.respondent_name, &row.town, &row.category]
                    .iter()
                    .any(|f| f.as_deref().is_some_and(|v| v.contains(n)))
        };
        let clocks = |(overdue, due_soon): (bool, bool)| {
            let (want_o, want_s) = (self.at_risk || self.overdue, self.at_risk || self.due_soon);
            (want_o && overdue) || (want_s && due_soon)
        };
        (self.scope == Scope::All || row.status.is_open())
            && (self.status.is_empty() || self.status.contains(&row.status))
            && eq(&self.channel, &Some(row.channel.clone()))
            && eq(&self.unit, &row.unit)
            && eq(&self.town, &row.town)
            && eq(&self.owner, &row.owner)
            && (!self.returned || row.flags.contains(&Flag::ReturnedByUnit))
            && self.contains.as_deref().map(str::trim).is_none_or(contains)
            && (!(self.at_risk || self.overdue || self.due_soon) || clocks(risk()))
    }

    /// The same view without its search text: the order a search ranks within.
    fn unsearched(&self) -> ViewSpec {
        ViewSpec { search: None, ..self.clone() }
    }

    fn search_text(&self) -> Option<&str> {
        self.search.as_deref().map(str::trim).filter(|s| !s.is_empty())
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

/// Order key of one row in one view.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    primary: i64,
    text: String,
    id: u64,
}

fn key_of(sort: Sort, row: &Row) -> Key {
    let text = |s: &Option<String>| s.clone().unwrap_or_else(|| "\u{10FFFF}".into());
    let (primary, text) = match sort {
        Sort::Deadline => (row.earliest_due.map_or(i64::MAX, Timestamp::millis), String::new()),
        Sort::Received => (-row.received_at.map_or(0, Timestamp::millis), String::new()),
        Sort::Channel => (0, row.channel.clone()),
        Sort::Status => (row.status.tag() as i64, String::new()),
        Sort::Town => (0, text(&row.town)),
        Sort::Unit => (0, text(&row.unit)),
        Sort::Number => (row.id.0 as i64, String::new()),
    };
    Key { primary, text, id: row.id.0 }
}

/// An open ticket as the views hold it.
struct Entry {
    row: Row,
    hay: OnceLock<Haystack>,
}

/// The open tickets, current as of `seq`.
#[derive(Default)]
struct OpenSet {
    seq: u64,
    loaded: bool,
    rows: HashMap<TicketId, Arc<Entry>>,
}

/// A view's order, current as of `seq`.
struct Ordered {
    seq: u64,
    keys: HashMap<TicketId, Key>,
    order: BTreeSet<Key>,
    /// When membership depends on the clock (at risk), when it was last judged.
    judged_at: Timestamp,
    used: u64,
}

/// The last search answered. Every way a row matches (a subsequence, a pinyin substring, an
/// alias prefix) still fails when the text grows at its end, so a search for a longer text in
/// the same view, order and event matches a subset of these rows: it scores only them.
struct LastSearch {
    view: ViewSpec,
    seq: u64,
    judged_at: Timestamp,
    text: String,
    /// Each match's position in the view's order and its ticket, in that order.
    hits: Vec<(usize, TicketId)>,
}

/// Everything the reader keeps for the views; shared by every clone of one reader.
#[derive(Default)]
pub struct ViewCache {
    open: OpenSet,
    ordered: HashMap<ViewSpec, Ordered>,
    counts: Option<(u64, Vec<ViewSpec>, i64, Counts)>,
    last_search: Option<LastSearch>,
    uses: u64,
}

/// Views kept at once; the least recently used goes first.
const MAX_VIEWS: usize = 64;
/// Past this many events behind, reloading the open set beats replaying them.
const REPLAY_LIMIT: u64 = 20_000;
/// A view whose membership depends on the clock is judged again this often.
const REJUDGE_MS: i64 = 30_000;

pub(super) struct Ctx<'a> {
    pub store: &'a Store,
    pub config: &'a Config,
    pub now: Timestamp,
}

impl Ctx<'_> {
    fn summary(&self, row: &Row) -> TicketSummary {
        TicketSummary::of(row, self.config, self.now)
    }

    /// (overdue, due soon) of a row now.
    fn risk(&self, row: &Row) -> (bool, bool) {
        let s = self.summary(row);
        (s.is_overdue(), s.is_due_soon())
    }

    /// What the search sees of `row`; without pinyin for a query that does not use it.
    fn haystack(&self, row: &Row, with_pinyin: bool) -> Haystack {
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
        Haystack::of_with(&text, with_pinyin)
    }
}

impl ViewCache {
    /// Brings the open set up to the store's last event.
    fn refresh_open(&mut self, ctx: &Ctx) -> Result<u64, StoreError> {
        let last = ctx.store.last_seq()?;
        let open = &mut self.open;
        if open.loaded && open.seq == last {
            return Ok(last);
        }
        if !open.loaded || last - open.seq > REPLAY_LIMIT {
            let mut rows = HashMap::new();
            for row in ctx.store.open_rows() {
                let row = row?;
                rows.insert(row.id, Arc::new(Entry { row, hay: OnceLock::new() }));
            }
            *open = OpenSet { seq: last, loaded: true, rows };
            self.ordered.clear();
            return Ok(last);
        }
        for id in changed_since(ctx.store, open.seq)? {
            match ctx.store.row(id)? {
                Some(row) => open.rows.insert(id, Arc::new(Entry { row, hay: OnceLock::new() })),
                None => open.rows.remove(&id),
            };
        }
        open.seq = last;
        Ok(last)
    }

    /// A window of a view.
    pub(super) fn window(&mut self, ctx: &Ctx, q: &WindowQuery) -> Result<Window, StoreError> {
        let seq = self.refresh_open(ctx)?;
        let limit = q.limit.min(MAX_WINDOW);
        if let Some(text) = q.view.search_text() {
            return self.searched(ctx, q, text, seq, limit);
        }
        self.uses += 1;
        let uses = self.uses;
        let ordered = self.ordered_view(ctx, &q.view, seq)?;
        ordered.used = uses;
        let total = ordered.order.len();
        let anchor_at = q.anchor.and_then(|a| ordered.keys.get(&a)).map(|k| {
            let before = ordered.order.range(..k.clone()).count();
            if q.view.descending { total - 1 - before } else { before }
        });
        let ids: Vec<TicketId> = if q.view.descending {
            ordered.order.iter().rev().skip(q.offset).take(limit).map(|k| TicketId(k.id)).collect()
        } else {
            ordered.order.iter().skip(q.offset).take(limit).map(|k| TicketId(k.id)).collect()
        };
        let mut rows = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(row) = self.row(ctx, id)? {
                rows.push(ctx.summary(&row));
            }
        }
        self.evict();
        Ok(Window { seq, total, offset: q.offset, rows, highlights: Vec::new(), anchor_at })
    }

    fn row(&self, ctx: &Ctx, id: TicketId) -> Result<Option<Row>, StoreError> {
        match self.open.rows.get(&id) {
            Some(e) => Ok(Some(e.row.clone())),
            None => ctx.store.summary(id),
        }
    }

    /// The view's order, built once and then kept current from the event log.
    fn ordered_view(&mut self, ctx: &Ctx, view: &ViewSpec, seq: u64) -> Result<&mut Ordered, StoreError> {
        let rejudge = view.at_risk || view.overdue || view.due_soon;
        let stale = match self.ordered.get(view) {
            None => true,
            Some(o) => rejudge && ctx.now.millis() - o.judged_at.millis() > REJUDGE_MS,
        };
        if stale {
            let built = self.build_ordered(ctx, view, seq)?;
            self.ordered.insert(view.clone(), built);
        } else if let Some(o) = self.ordered.get(view)
            && o.seq != seq
        {
            let since = o.seq;
            let changed = changed_since(ctx.store, since)?;
            let mut rows = Vec::with_capacity(changed.len());
            for id in changed {
                rows.push((id, self.row(ctx, id)?));
            }
            let indexed = match view.contains.as_deref() {
                Some(text) => index_lookup(ctx.store, text)?,
                None => None,
            };
            let o = self.ordered.get_mut(view).expect("checked above");
            for (id, row) in rows {
                if indexed.as_ref().is_some_and(|ids| !ids.contains(&id)) {
                    if let Some(old) = o.keys.remove(&id) {
                        o.order.remove(&old);
                    }
                    continue;
                }
                if let Some(old) = o.keys.remove(&id) {
                    o.order.remove(&old);
                }
                if let Some(row) = row
                    && view.admits(&row, || ctx.risk(&row))
                {
                    let key = key_of(view.sort, &row);
                    o.order.insert(key.clone());
                    o.keys.insert(id, key);
                }
            }
            o.seq = seq;
        }
        Ok(self.ordered.get_mut(view).expect("inserted above"))
    }

    fn build_ordered(&self, ctx: &Ctx, view: &ViewSpec, seq: u64) -> Result<Ordered, StoreError> {
        let mut keys = HashMap::new();
        let indexed = match view.contains.as_deref() {
            Some(text) => index_lookup(ctx.store, text)?,
            None => None,
        };
        let mut consider = |row: &Row| {
            if indexed.as_ref().is_none_or(|ids| ids.contains(&row.id)) && view.admits(row, || ctx.risk(row))
            {
                keys.insert(row.id, key_of(view.sort, row));
            }
        };
        // Only an open ticket has a running clock to be overdue or due soon.
        let open_only = view.scope == Scope::Open || view.at_risk || view.overdue || view.due_soon;
        match &indexed {
            None if open_only => self.open.rows.values().for_each(|e| consider(&e.row)),
            Some(ids) => {
                for id in ids {
                    if let Some(row) = self.row(ctx, *id)? {
                        consider(&row);
                    }
                }
            }
            None => {
                for id in candidates(ctx.store, view)? {
                    if let Some(row) = self.row(ctx, id)? {
                        consider(&row);
                    }
                }
            }
        }
        let order = keys.values().cloned().collect();
        Ok(Ordered { seq, keys, order, judged_at: ctx.now, used: self.uses })
    }

    fn searched(
        &mut self,
        ctx: &Ctx,
        q: &WindowQuery,
        text: &str,
        seq: u64,
        limit: usize,
    ) -> Result<Window, StoreError> {
        let query = search::Query::new(text);
        let base = q.view.unsearched();
        // By index where the text names one (a phone number, a credit code).
        let indexed = index_lookup(ctx.store, text)?;
        let judged_at = self.ordered_view(ctx, &base, seq)?.judged_at;
        let narrows = indexed.is_none()
            && self.last_search.as_ref().is_some_and(|l| {
                l.view == base
                    && l.seq == seq
                    && l.judged_at == judged_at
                    && text.starts_with(l.text.as_str())
            });
        let candidates: Vec<(usize, TicketId)> = match self.last_search.take() {
            Some(last) if narrows => last.hits,
            _ => {
                let ordered = self.ordered.get(&base).expect("built above");
                let ids = ordered.order.iter().map(|k| TicketId(k.id));
                if base.descending { ids.rev().enumerate().collect() } else { ids.enumerate().collect() }
            }
        };
        let mut hits: Vec<(i64, usize, TicketId, Highlight)> = Vec::new();
        for (pos, id) in candidates {
            if let Some(ids) = &indexed {
                if ids.contains(&id) {
                    hits.push((i64::MAX, pos, id, Highlight::default()));
                }
                continue;
            }
            let scored = match self.open.rows.get(&id) {
                // Kept with the open ticket, so built with its pinyin once.
                Some(e) => query.score(e.hay.get_or_init(|| ctx.haystack(&e.row, true))),
                None => match ctx.store.summary(id)? {
                    Some(row) => query.score(&ctx.haystack(&row, query.needs_pinyin())),
                    None => None,
                },
            };
            if let Some((score, h)) = scored {
                hits.push((score, pos, id, h));
            }
        }
        if indexed.is_none() {
            let kept = hits.iter().map(|h| (h.1, h.2)).collect();
            self.last_search =
                Some(LastSearch { view: base, seq, judged_at, text: text.to_string(), hits: kept });
        }
        // Best match first; the view's own order among equals.
        hits.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let total = hits.len();
        let anchor_at = q.anchor.and_then(|a| hits.iter().position(|h| h.2 == a));
        let mut rows = Vec::new();
        let mut highlights = Vec::new();
        for (_, _, id, h) in hits.into_iter().skip(q.offset).take(limit) {
            if let Some(row) = self.row(ctx, id)? {
                rows.push(ctx.summary(&row));
                highlights.push(h);
            }
        }
        Ok(Window { seq, total, offset: q.offset, rows, highlights, anchor_at })
    }

    fn evict(&mut self) {
        while self.ordered.len() > MAX_VIEWS {
            let Some(oldest) = self.ordered.iter().min_by_key(|(_, o)| o.used).map(|(k, _)| k.clone()) else {
                return;
            };
            self.ordered.remove(&oldest);
        }
    }

    /// Visits every open ticket's row, as of the store's last event.
    pub(super) fn each_open(&mut self, ctx: &Ctx, mut f: impl FnMut(&Row)) -> Result<(), StoreError> {
        self.refresh_open(ctx)?;
        self.open.rows.values().for_each(|e| f(&e.row));
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
        for e in self.open.rows.values() {
            *by_channel.entry(e.row.channel.clone()).or_default() += 1;
        }
        let mut totals = Vec::with_capacity(views.len());
        for v in views {
            let total = match v.scope {
                Scope::Open if v.search_text().is_none() => {
                    self.open.rows.values().filter(|e| v.admits(&e.row, || ctx.risk(&e.row))).count()
                }
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

/// Where an all-tickets view starts: the most selective index it names.
fn candidates(store: &Store, v: &ViewSpec) -> Result<Vec<TicketId>, StoreError> {
    let by = |index: TextIndex, value: &str| store.ids_with(index, value).collect::<Result<Vec<_>, _>>();
    if let Some(unit) = &v.unit {
        return by(TextIndex::Unit, unit);
    }
    if let Some(owner) = &v.owner {
        return by(TextIndex::Owner, owner);
    }
    if !v.status.is_empty() {
        let mut ids = Vec::new();
        for s in &v.status {
            ids.extend(store.ids_with_status(*s).collect::<Result<Vec<_>, _>>()?);
        }
        return Ok(ids);
    }
    if let Some(town) = &v.town {
        return by(TextIndex::Town, town);
    }
    if let Some(channel) = &v.channel {
        return by(TextIndex::Channel, channel);
    }
    store.all_ids().collect()
}

/// A phone number or credit code is looked up, not matched.
fn index_lookup(store: &Store, text: &str) -> Result<Option<BTreeSet<TicketId>>, StoreError> {
    match super::reader::search_index(text) {
        Some((index, value)) => Ok(Some(store.ids_with(index, &value).collect::<Result<_, _>>()?)),
        None => Ok(None),
    }
}
