//! How the catalogue comes to be in memory and how readers share it: read from the store's
//! copy or built by one scan of every ticket, at serve's start on a thread of its own (at a
//! pace that leaves a core to the consoles) or by the first question that needs it, then
//! brought up to the store's last event by whoever asks next.

use super::{Catalogue, Loaded, Slot, stored};
use crate::config::Config;
use crate::domain::ticket::Ticket;
use crate::store::{Row, Store, StoreError};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering as AtomicOrdering};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

impl Catalogue {
    /// Every ticket of the store: read from the store's copy when it holds one current with
    /// this binary (and brought up to date from the events since), else by one scan of its
    /// tickets (and of the open ones' rows, for their deadlines); None when the store began
    /// closing meanwhile. Given `also`, the scan is made whatever the store's copy, and each
    /// decoded ticket is shown to it (the statistics' facts are built in the same scan).
    pub(super) fn load(
        store: &Store,
        config: &Config,
        pace: &Pace,
        background: bool,
        also: Option<&mut dyn FnMut(&Ticket)>,
    ) -> Result<Option<Catalogue>, StoreError> {
        let Some(also) = also else {
            if let Some((mut cat, unreadable)) = stored::read(store, config, pace, background)? {
                let derived = cat.catch_up(store, config, unreadable)?;
                // Tickets derived again were put in place before any view kept a position.
                cat.shifts = 0;
                cat.loaded_by = Some(Loaded::Read { derived });
                return Ok(Some(cat));
            }
            return Self::scan(store, config, pace, background, &mut |_| {});
        };
        Self::scan(store, config, pace, background, also)
    }

    /// Every ticket of the store by one scan (see [`Catalogue::load`]).
    pub(super) fn scan(
        store: &Store,
        config: &Config,
        pace: &Pace,
        background: bool,
        also: &mut dyn FnMut(&Ticket),
    ) -> Result<Option<Catalogue>, StoreError> {
        let seq = store.last_seq()?;
        let mut due = HashMap::new();
        for row in store.open_rows() {
            let row = row?;
            if let Some(at) = row.earliest_due {
                due.insert(row.id, at);
            }
        }
        let mut cat = Catalogue { loaded: true, seq, ..Catalogue::default() };
        cat.slots.reserve_exact(super::room_for(usize::try_from(store.last_ticket_id()?).unwrap_or(0)));
        let mut chunk = std::time::Instant::now();
        for (n, ticket) in store.tickets().enumerate() {
            if n % 4096 == 0 {
                if pace.stop.load(AtomicOrdering::Relaxed) {
                    return Ok(None);
                }
                if background {
                    pace.breathe(chunk.elapsed());
                }
                chunk = std::time::Instant::now();
            }
            let ticket = ticket?;
            also(&ticket);
            let row = Row::of(&ticket, due.get(&ticket.id).copied());
            let slot = cat.slot_of(&row, config, None);
            cat.slots.push(slot);
        }
        // Number order, whatever order the store keeps them in.
        if !cat.slots.is_sorted_by_key(|s| s.id) {
            cat.slots.sort_by_key(|s| s.id);
        }
        cat.loaded_by = Some(Loaded::Scanned { tickets: cat.slots.len() });
        Ok(Some(cat))
    }
}

/// The catalogue as readers share it: loaded once (at serve's start, or by the first question
/// that needs it), then refreshed by whoever asks next.
#[derive(Default)]
pub(in crate::engine) struct Shared {
    catalogue: RwLock<Catalogue>,
    pace: Pace,
    /// A server stores what a catch-up derived again now and then (`store_unstored`); any
    /// other process at once.
    store_lazily: AtomicBool,
}

/// How a load shares the machine.
#[derive(Default)]
pub(super) struct Pace {
    /// Raised when the process stops: a load in progress gives up.
    pub(super) stop: AtomicBool,
    /// Questions waiting for the load: while there are none it runs at half speed at most, so
    /// that a console's keys meanwhile find a core free.
    waiting: AtomicUsize,
}

impl Pace {
    /// After `worked` of loading: rests as long, unless a question waits for the load.
    pub(super) fn breathe(&self, worked: std::time::Duration) {
        if self.waiting.load(AtomicOrdering::Relaxed) == 0 {
            std::thread::sleep(worked.min(std::time::Duration::from_millis(50)));
        }
    }
}

impl Shared {
    pub(in crate::engine) fn read(&self) -> RwLockReadGuard<'_, Catalogue> {
        // A reader that panicked leaves the catalogue as it was: at worst a change behind,
        // which the next refresh replays.
        self.catalogue.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Catalogue> {
        self.catalogue.write().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Leaves what catch-ups derive again to `store_unstored` (a server's).
    pub(in crate::engine) fn store_lazily(&self) {
        self.store_lazily.store(true, AtomicOrdering::Relaxed);
    }

    /// Writes what catch-ups derived again since the store's copy was last written (the
    /// caller closes the derived database). The database opens before the catalogue is
    /// locked: a search meanwhile waits for the write only.
    pub(in crate::engine) fn store_unstored(&self, store: &Store) {
        if self.read().unstored.is_empty() {
            return;
        }
        match stored::tree(store) {
            Ok(tree) => stored::write_unstored(&mut self.write(), &tree),
            // Kept to try again: a copy behind is only more to derive at the next start.
            Err(e) => tracing::warn!(error = %e, "the changed catalogue was not stored"),
        }
    }

    /// Makes a load in progress (or to come) give up: the store is closing.
    pub(in crate::engine) fn stop_loading(&self) {
        self.pace.stop.store(true, AtomicOrdering::Relaxed);
    }

    /// Whether the catalogue has been loaded (a search before that waits for the load).
    pub(in crate::engine) fn is_loaded(&self) -> bool {
        self.read().loaded
    }

    /// Runs `f` (which waits for something a load in progress holds) counted as a question
    /// waiting: the load meanwhile goes at full speed.
    pub(in crate::engine) fn waiting_for<T>(&self, f: impl FnOnce() -> T) -> T {
        self.pace.waiting.fetch_add(1, AtomicOrdering::Relaxed);
        let out = f();
        self.pace.waiting.fetch_sub(1, AtomicOrdering::Relaxed);
        out
    }

    /// Loads the catalogue if nobody has yet; waits while someone else is loading it.
    pub(in crate::engine) fn ensure_loaded(&self, store: &Store, config: &Config) -> Result<(), StoreError> {
        self.load_unless_loaded(store, config, false, None).map(|_| ())
    }

    /// `ensure_loaded` at a pace that leaves a core to the consoles, unless a question waits;
    /// given `also`, by a scan of every ticket, each also shown to `also`. The event the load
    /// is current as of, when this call loaded the catalogue (None: it was loaded already,
    /// `also` saw nothing).
    pub(in crate::engine) fn load_in_background(
        &self,
        store: &Store,
        config: &Config,
        also: Option<&mut dyn FnMut(&Ticket)>,
    ) -> Result<Option<u64>, StoreError> {
        self.load_unless_loaded(store, config, true, also)
    }

    /// How the catalogue was loaded (None while it is not).
    pub(in crate::engine) fn loaded_by(&self) -> Option<Loaded> {
        self.read().loaded_by
    }

    fn load_unless_loaded(
        &self,
        store: &Store,
        config: &Config,
        background: bool,
        also: Option<&mut dyn FnMut(&Ticket)>,
    ) -> Result<Option<u64>, StoreError> {
        if self.read().loaded {
            return Ok(None);
        }
        let mut cat = self.waiting_for(|| self.write());
        if cat.loaded {
            return Ok(None);
        }
        let started = std::time::Instant::now();
        match Catalogue::load(store, config, &self.pace, background, also)? {
            Some(loaded) => *cat = loaded,
            None => return Err(StoreError::Closing),
        }
        let (from, derived) = match cat.loaded_by {
            Some(Loaded::Read { derived }) => ("store", derived),
            _ => ("scan", cat.slots.len()),
        };
        tracing::info!(
            tickets = cat.slots.len(),
            from,
            derived,
            slot_bytes = cat.slots.capacity() * std::mem::size_of::<Slot>(),
            text_bytes = cat.text.bytes(),
            respondents = cat.respondents.values.len(),
            ms = started.elapsed().as_millis() as u64,
            "catalogue loaded"
        );
        let seq = cat.seq;
        if from == "scan" {
            // Written under a read lock: searches meanwhile go on, and a refresh (which
            // writes) waits for the copy to be whole.
            drop(cat);
            stored::write_all(&self.read(), store, config);
        } else if !self.store_lazily.load(AtomicOrdering::Relaxed) {
            drop(cat);
            self.store_unstored(store);
            store.close_derived();
        }
        Ok(Some(seq))
    }

    /// The loaded catalogue brought up to the store's last event.
    pub(in crate::engine) fn current(
        &self,
        store: &Store,
        config: &Config,
    ) -> Result<RwLockReadGuard<'_, Catalogue>, StoreError> {
        self.ensure_loaded(store, config)?;
        {
            let cat = self.read();
            if cat.seq == store.last_seq()? {
                return Ok(cat);
            }
        }
        self.write().catch_up(store, config, Vec::new())?;
        if !self.store_lazily.load(AtomicOrdering::Relaxed) {
            self.store_unstored(store);
            store.close_derived();
        }
        Ok(self.read())
    }
}
