//! What the views know of the watch list and the live early warnings: which tickets are about a
//! watched merchant (flagged in every queue, and the "watched merchants" view) and which are
//! behind a live warning (the "warnings" view). Loaded from the store once per event, so that a
//! console's windows cost no extra reads between changes.

use super::window::Fields;
use crate::domain::early_warning::LiveWarnings;
use crate::domain::ticket::TicketId;
use crate::domain::watch::WatchList;
use crate::store::{Store, StoreError, TextIndex};
use std::collections::HashSet;

/// The flag a ticket's summary carries when its merchant is on the watch list.
pub const WATCHED_FLAG: &str = "watched_merchant";

#[derive(Debug, Default)]
pub struct Marks {
    /// The store's last event when loaded.
    pub(super) seq: u64,
    watch: WatchList,
    /// Tickets whose credit code is watched (from the credit-code index).
    by_code: HashSet<TicketId>,
    warned: HashSet<TicketId>,
    /// Changes whenever the watch list or the live warnings change: a view of either is
    /// rebuilt then.
    pub(super) version: u64,
}

impl Marks {
    pub(super) fn load(store: &Store, seq: u64) -> Result<Marks, StoreError> {
        let watch = super::watch::watch_list(store)?;
        let live: LiveWarnings = super::watch::live_warnings(store)?;
        let mut by_code = HashSet::new();
        // The index keeps a code as the ticket gave it: the normalised form and the same in
        // lower case (as some exports write it) are both looked up.
        for code in watch.codes() {
            for written in [code.to_string(), code.to_lowercase()] {
                for id in store.ids_with(TextIndex::CreditCode, &written) {
                    by_code.insert(id?);
                }
            }
        }
        let version = watch.changed_at.max(live.changed_at);
        Ok(Marks { seq, by_code, warned: live.tickets().collect(), watch, version })
    }

    /// Whether the ticket is about a watched merchant: its credit code is watched, or its
    /// name (blanks removed) is watched by name.
    pub(super) fn watched(&self, row: &impl Fields) -> bool {
        self.by_code.contains(&row.id()) || self.watch.covers_name(row.respondent())
    }

    /// Whether the ticket is behind a live early warning.
    pub(super) fn warned(&self, id: TicketId) -> bool {
        self.warned.contains(&id)
    }
}
