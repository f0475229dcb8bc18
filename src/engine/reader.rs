//! Read-only queries over the store. Any number of readers may run beside the engine.

use super::view::{TicketDetail, TicketSummary};
use crate::config::Config;
use crate::domain::event::Event;
use crate::domain::status::Status;
use crate::domain::ticket::{Ticket, TicketId};
use crate::store::write::normalise_phone;
use crate::store::{Row, Store, StoreError, TextIndex};
use crate::time::{Clock, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::sync::Arc;

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

#[derive(Clone)]
pub struct Reader {
    store: Store,
    config: Arc<Config>,
    clock: Clock,
}

impl Reader {
    pub fn new(store: Store, config: Arc<Config>, clock: Clock) -> Reader {
        Reader { store, config, clock }
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
            return Ok(self.store.row(id)?.map(|_| id));
        }
        match text.split_once(':') {
            Some((channel, ext)) => self.store.external(channel, ext),
            None => Ok(None),
        }
    }

    pub fn timeline(&self, t: &Ticket) -> Result<Vec<Event>, StoreError> {
        t.events.iter().filter_map(|seq| self.store.event(*seq).transpose()).collect()
    }

    pub fn detail(&self, id: TicketId, reveal: bool) -> Result<Option<TicketDetail>, StoreError> {
        let (Some(t), Some(row)) = (self.store.ticket(id)?, self.store.row(id)?) else { return Ok(None) };
        let events = self.timeline(&t)?;
        Ok(Some(TicketDetail::of(&t, &row, &events, &self.config, self.now(), reveal)))
    }

    /// Answers one protocol query.
    pub fn query(&self, query: &super::Query) -> Result<super::Answer, StoreError> {
        use super::{Answer, Query};
        Ok(match query {
            Query::List(filter) => Answer::List(self.list(filter)?),
            Query::Detail { ticket, reveal } => Answer::Detail(self.detail(*ticket, *reveal)?.map(Box::new)),
            Query::Resolve(text) => Answer::Resolve(self.resolve(text)?),
            Query::ByPhone(phone) => Answer::ByPhone(self.by_phone(phone)?),
            Query::EventsAfter { seq, limit } => {
                Answer::EventsAfter(self.store.events_after(*seq).take(*limit).collect::<Result<_, _>>()?)
            }
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
        let (candidates, in_order) = self.candidates(filter)?;
        let needle = filter.search.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let indexed_search = needle.is_some_and(|n| search_index(n).is_some());
        let mut out = Vec::new();
        for id in candidates {
            let Some(row) = self.store.row(id)? else { continue };
            if !self.row_matches(&row, filter, needle.filter(|_| !indexed_search)) {
                continue;
            }
            let summary = TicketSummary::of(&row, &self.config, now);
            let at_risk =
                (filter.overdue && summary.is_overdue()) || (filter.due_soon && summary.is_due_soon());
            if (filter.overdue || filter.due_soon) && !at_risk {
                continue;
            }
            out.push((row.earliest_due, summary));
            if in_order && filter.limit.is_some_and(|l| out.len() >= l) {
                break;
            }
        }
        if !in_order {
            out.sort_by(|(a_due, a), (b_due, b)| {
                (a_due.is_none(), a_due, a.id).cmp(&(b_due.is_none(), b_due, b.id))
            });
        }
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

    /// The ids worth looking at, from the most selective index, and whether they already come
    /// in the final order (so a limit can stop early).
    fn candidates(&self, f: &ListFilter) -> Result<(Vec<TicketId>, bool), StoreError> {
        let store = &self.store;
        if f.overdue || f.due_soon {
            // Only tickets with a running clock can be overdue or due soon; an overdue-only
            // list stops at the first deadline still ahead.
            let now = self.now();
            let mut ids = Vec::new();
            for entry in store.deadlines() {
                let (due, id) = entry?;
                if !f.due_soon && due >= now {
                    break;
                }
                ids.push(id);
            }
            return Ok((ids, true));
        }
        let by_text =
            |index: TextIndex, value: &str| store.ids_with(index, value).collect::<Result<Vec<_>, _>>();
        if let Some(unit) = &f.unit {
            return Ok((by_text(TextIndex::Unit, unit)?, false));
        }
        if let Some(owner) = &f.owner {
            return Ok((by_text(TextIndex::Owner, owner)?, false));
        }
        if let Some((index, value)) = f.search.as_deref().and_then(search_index) {
            return Ok((by_text(index, &value)?, false));
        }
        if let Some(town) = &f.town {
            return Ok((by_text(TextIndex::Town, town)?, false));
        }
        match &f.status {
            StatusFilter::Open if f.channel.is_none() => Ok((self.open_in_deadline_order()?, true)),
            StatusFilter::Only(list) if f.channel.is_none() => {
                let mut ids = Vec::new();
                for s in list {
                    ids.extend(store.ids_with_status(*s).collect::<Result<Vec<_>, _>>()?);
                }
                Ok((ids, false))
            }
            _ => match &f.channel {
                Some(channel) => Ok((by_text(TextIndex::Channel, channel)?, false)),
                None => Ok((store.all_ids().collect::<Result<Vec<_>, _>>()?, false)),
            },
        }
    }

    /// Open tickets: those with a deadline first, nearest first, then the rest by number.
    fn open_in_deadline_order(&self) -> Result<Vec<TicketId>, StoreError> {
        let mut ids: Vec<TicketId> =
            self.store.deadlines().map(|r| r.map(|(_, id)| id)).collect::<Result<_, _>>()?;
        let with_due: HashSet<TicketId> = ids.iter().copied().collect();
        let mut rest = Vec::new();
        for status in Status::ALL.into_iter().filter(|s| s.is_open()) {
            for id in self.store.ids_with_status(status) {
                let id = id?;
                if !with_due.contains(&id) {
                    rest.push(id);
                }
            }
        }
        rest.sort();
        ids.extend(rest);
        Ok(ids)
    }
}

/// A search text that names an indexed value: a phone number or a credit code.
fn search_index(text: &str) -> Option<(TextIndex, String)> {
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
