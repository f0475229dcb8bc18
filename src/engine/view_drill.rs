//! The statistics screen's drill-downs as views: a view that carries a [`StatsDrill`] holds only
//! the tickets behind that figure. The reader finds them in the statistics once, outside the
//! views' lock, and the cache keeps them while a view of the drill-down is kept, so the list a
//! clerk scrolls stays the list the figure stood for (its rows stay current like any view's).

use super::stats::StatsDrill;
use super::window::{Ctx, ViewCache, ViewSpec, index_lookup};
use crate::domain::ticket::TicketId;
use crate::store::StoreError;
use std::borrow::Cow;
use std::collections::BTreeSet;
use std::sync::Arc;

/// Drill-down views kept at once (each console needs one at a time): a year's holds hundreds of
/// thousands of tickets twice (found, ordered).
const MAX_DRILLS: usize = 8;

impl ViewCache {
    /// The tickets found for a drill-down earlier, while a view of it is kept.
    pub(super) fn drilled(&self, drill: &StatsDrill) -> Option<Arc<BTreeSet<TicketId>>> {
        self.drilled.get(drill).cloned()
    }

    pub(super) fn keep_drilled(&mut self, drill: StatsDrill, ids: Arc<BTreeSet<TicketId>>) {
        self.drilled.insert(drill, ids);
    }

    /// Only the last few drill-downs opened are kept, and the tickets of those only.
    pub(super) fn evict_drills(&mut self) {
        loop {
            let drills = self.ordered.iter().filter(|(v, _)| v.drill.is_some());
            if drills.clone().count() <= MAX_DRILLS {
                break;
            }
            let Some(oldest) = drills.min_by_key(|(_, o)| o.used).map(|(k, _)| k.clone()) else { break };
            self.ordered.remove(&oldest);
        }
        let ordered = &self.ordered;
        self.drilled.retain(|d, _| ordered.keys().any(|v| v.drill.as_deref() == Some(d)));
    }
}

/// The only tickets `view` may hold, where something names them: a phone number or credit
/// code it filters by, the figure it drills into, or both.
/// Borrowed where it can be: a year's drill-down is asked about at every change.
pub(super) fn members<'a>(
    ctx: &'a Ctx,
    view: &ViewSpec,
) -> Result<Option<Cow<'a, BTreeSet<TicketId>>>, StoreError> {
    let indexed = match view.contains.as_deref() {
        Some(text) => index_lookup(ctx.store, text)?,
        None => None,
    };
    if view.drill.is_none() {
        return Ok(indexed.map(Cow::Owned));
    }
    let drilled = ctx.drilled.as_deref();
    Ok(Some(match (indexed, drilled) {
        (_, None) => Cow::Owned(BTreeSet::new()),
        (None, Some(d)) => Cow::Borrowed(d),
        (Some(ids), Some(d)) => Cow::Owned(ids.intersection(d).copied().collect()),
    }))
}
