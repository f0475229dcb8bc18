//! A search within a view: the view's tickets ranked by how well they match, best first, the
//! view's own order among equals; the top rows, the total and where the anchor went.
//!
//! In three steps so that the scoring — the long one, over every ticket for a view of every
//! ticket — holds no lock of the view cache: other consoles' windows go on meanwhile. `plan`
//! (under the cache's lock) brings the view up to date and takes what the scoring needs;
//! `rank` (under the catalogue's read lock only) scores; `finish` (under the cache's lock again)
//! keeps the matches for the next, longer text and cuts the window.

use super::catalogue::Catalogue;
use super::view_order::{Order, TieKey, tie_key};
use super::window::{Ctx, Fields, ViewCache, ViewSpec, Window, WindowQuery, index_lookup};
use crate::domain::ticket::TicketId;
use crate::search::{Highlight, Query};
use crate::store::StoreError;
use crate::time::Timestamp;
use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::sync::Arc;

/// The matches of the last search in a view. Every way a row matches (a subsequence, a pinyin
/// substring, an alias prefix) still fails when the text grows at its end, so a search for a
/// longer text in the same view, as of the same event, matches a subset of these: it scores
/// only them.
pub(super) struct LastSearch {
    seq: u64,
    catalogue_seq: u64,
    judged_at: Timestamp,
    text: String,
    /// Positions in the catalogue of the view's tickets that matched.
    hits: Vec<u32>,
}

/// What the scoring needs, taken from the view cache.
pub(super) struct Plan {
    base: ViewSpec,
    text: String,
    seq: u64,
    judged_at: Timestamp,
    order: Arc<Order>,
    /// The tickets a phone number or credit code names, when the text is one.
    indexed: Option<BTreeSet<TicketId>>,
    last: Option<Arc<LastSearch>>,
}

/// The scoring's outcome.
pub(super) struct Ranked {
    total: usize,
    /// The window's tickets, best first.
    top: Vec<TicketId>,
    anchor_at: Option<usize>,
    /// For the next search in the view (None for a search by index).
    kept: Option<LastSearch>,
}

impl ViewCache {
    pub(super) fn plan_search(&mut self, ctx: &Ctx, view: &ViewSpec, text: &str) -> Result<Plan, StoreError> {
        let seq = self.refresh_open(ctx)?;
        let base = view.unsearched();
        let indexed = index_lookup(ctx.store, text)?;
        let ordered = self.ordered_view(ctx, &base, seq)?;
        Ok(Plan {
            base,
            text: text.to_string(),
            seq,
            judged_at: ordered.judged_at,
            order: ordered.order.clone(),
            indexed,
            last: ordered.last_search.clone(),
        })
    }

    pub(super) fn finish_search(
        &mut self,
        ctx: &Ctx,
        q: &WindowQuery,
        plan: Plan,
        ranked: Ranked,
    ) -> Result<Window, StoreError> {
        if let Some(kept) = ranked.kept
            && let Some(ordered) = self.ordered.get_mut(&plan.base)
        {
            ordered.last_search = Some(Arc::new(kept));
        }
        let query = Query::new(&plan.text);
        let mut rows = Vec::with_capacity(ranked.top.len());
        let mut highlights = Vec::with_capacity(ranked.top.len());
        for id in ranked.top {
            if let Some(row) = self.row(ctx, id)? {
                // What matched, for the rows shown only: the scoring kept no positions.
                let h = match plan.indexed {
                    Some(_) => Highlight::default(),
                    None => query.score(&ctx.haystack(&row)).map(|(_, h)| h).unwrap_or_default(),
                };
                rows.push(ctx.marked_summary(&self.marks, &row));
                highlights.push(h);
            }
        }
        Ok(Window {
            seq: plan.seq,
            total: ranked.total,
            offset: q.offset,
            rows,
            highlights,
            anchor_at: ranked.anchor_at,
        })
    }
}

impl Plan {
    /// Scores the view's tickets: the matches ranked, the window's part of them.
    pub(super) fn rank(&self, cat: &Catalogue, q: &WindowQuery, limit: usize) -> Ranked {
        let keys = match &*self.order {
            Order::Catalogued(c) => Some(cat.order_keys(c.sort())),
            Order::Keyed(_) => None,
        };
        let in_view = |at: u32| tie_key(&self.order, cat, at);
        // (score, key, position) of each match in the view.
        let mut hits: Vec<(i64, TieKey, u32)> = Vec::new();
        let kept = match &self.indexed {
            Some(ids) => {
                for id in ids {
                    if let Some(at) = cat.position(*id)
                        && let Some(key) = in_view(at as u32)
                    {
                        hits.push((i64::MAX, key, at as u32));
                    }
                }
                None
            }
            None => {
                let query = Query::new(&self.text);
                let narrows = self.last.as_ref().is_some_and(|l| {
                    l.seq == self.seq
                        && l.catalogue_seq == cat.seq()
                        && l.judged_at == self.judged_at
                        && self.text.starts_with(l.text.as_str())
                });
                let few = self.order.len() * 4 < cat.len();
                let positions: Option<Vec<u32>> = match &self.last {
                    Some(last) if narrows => Some(last.hits.clone()),
                    // A small view (the open queue): its own tickets, not every ticket.
                    _ if few => Some(match &*self.order {
                        Order::Keyed(k) => {
                            k.ids().filter_map(|id| cat.position(id)).map(|at| at as u32).collect()
                        }
                        Order::Catalogued(c) => c.positions().to_vec(),
                    }),
                    _ => None,
                };
                for (at, score) in cat.matches(&query, positions.as_deref()) {
                    if let Some(key) = in_view(at) {
                        hits.push((score, key, at));
                    }
                }
                Some(LastSearch {
                    seq: self.seq,
                    catalogue_seq: cat.seq(),
                    judged_at: self.judged_at,
                    text: self.text.clone(),
                    hits: hits.iter().map(|h| h.2).collect(),
                })
            }
        };
        // Best match first; the view's own order among equals.
        let descending = self.base.descending;
        let keys = keys.as_ref();
        let cmp = |a: &(i64, TieKey, u32), b: &(i64, TieKey, u32)| {
            b.0.cmp(&a.0).then_with(|| {
                if descending { b.1.cmp(b.2, a.1, a.2, keys) } else { a.1.cmp(a.2, b.1, b.2, keys) }
            })
        };
        let total = hits.len();
        let anchor_at = q.anchor.and_then(|anchor| {
            let at = cat.position(anchor)? as u32;
            let mine = hits.iter().find(|h| h.2 == at)?;
            Some(hits.iter().filter(|h| cmp(h, mine) == Ordering::Less).count())
        });
        let end = q.offset.saturating_add(limit).min(total);
        if end == 0 {
            hits.clear();
        } else if end < total {
            hits.select_nth_unstable_by(end - 1, cmp);
            hits.truncate(end);
        }
        hits.sort_unstable_by(cmp);
        let top = hits.iter().skip(q.offset).map(|h| cat.entry(h.2 as usize).id()).collect();
        Ranked { total, top, anchor_at, kept }
    }
}
