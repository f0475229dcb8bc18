//! The merchant watch list in the engine: a chief's `WatchMerchant` / `UnwatchMerchant`, each a
//! store-wide event with its actor, and the list itself kept in the store's meta space, written
//! in the same batch as the event that changed it.

use super::EngineError;
use super::batch::Overlay;
use super::protocol::Outcome;
use crate::domain::early_warning::LiveWarnings;
use crate::domain::event::EventBody;
use crate::domain::watch::{self, WatchError, WatchList, WatchTarget, Watched};
use crate::store::{Store, StoreError, WriteSet, codec};
use crate::time::Timestamp;

const WATCH_LIST: &str = "watch_list";
const LIVE_WARNINGS: &str = "live_warnings";

fn read_meta<T: serde::de::DeserializeOwned + Default>(store: &Store, name: &str) -> Result<T, StoreError> {
    match store.meta(name)? {
        None => Ok(T::default()),
        Some(bytes) => codec::decode(&bytes).map_err(|source| StoreError::Codec { key: name.into(), source }),
    }
}

/// The watch list as stored (empty when nobody ever watched a merchant).
pub fn watch_list(store: &Store) -> Result<WatchList, StoreError> {
    read_meta(store, WATCH_LIST)
}

/// The live early warnings as stored.
pub fn live_warnings(store: &Store) -> Result<LiveWarnings, StoreError> {
    read_meta(store, LIVE_WARNINGS)
}

impl Overlay<'_> {
    /// The watch list as this group has it.
    pub(super) fn watch_list(&self) -> Result<WatchList, StoreError> {
        match &self.watch {
            Some(list) => Ok(list.clone()),
            None => watch_list(self.store),
        }
    }

    /// The live warnings as this group has them.
    pub(super) fn live_warnings(&self) -> Result<LiveWarnings, StoreError> {
        match &self.warnings {
            Some(live) => Ok(live.clone()),
            None => live_warnings(self.store),
        }
    }
}

/// Puts a merchant on watch; a merchant already watched is refused (its reason stands).
pub(super) fn watch(
    overlay: &mut Overlay,
    actor: &str,
    target: WatchTarget,
    name: Option<String>,
    reason: String,
    now: Timestamp,
) -> Result<Outcome, EngineError> {
    let key = target.key()?;
    let reason = watch::check_reason(&reason)?;
    let name = name.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
    if name.as_ref().is_some_and(|n| n.chars().count() > crate::domain::limits::NAME) {
        return Err(WatchError::NameTooLong { max: crate::domain::limits::NAME }.into());
    }
    let mut list = overlay.watch_list()?;
    if list.get(&key).is_some() {
        return Err(WatchError::AlreadyWatched(key).into());
    }
    let body =
        EventBody::MerchantWatched { merchant: key.clone(), name: name.clone(), reason: reason.clone() };
    let change = overlay.record_store_wide(now, actor, body);
    let by_code = target.by_code();
    let entry =
        Watched { merchant: key.clone(), by_code, name, reason, actor: actor.to_string(), since: now };
    list.merchants.insert(key, entry);
    list.changed_at = change.seq;
    overlay.watch = Some(list);
    Ok(Outcome::Applied(vec![change]))
}

/// Takes a merchant off the watch list.
pub(super) fn unwatch(
    overlay: &mut Overlay,
    actor: &str,
    target: WatchTarget,
    reason: String,
    now: Timestamp,
) -> Result<Outcome, EngineError> {
    let key = target.key()?;
    let reason = watch::check_reason(&reason)?;
    let mut list = overlay.watch_list()?;
    if list.merchants.remove(&key).is_none() {
        return Err(WatchError::NotWatched(key).into());
    }
    let change =
        overlay.record_store_wide(now, actor, EventBody::MerchantUnwatched { merchant: key, reason });
    list.changed_at = change.seq;
    overlay.watch = Some(list);
    Ok(Outcome::Applied(vec![change]))
}

/// Adds the watch list and the live warnings this group changed to `set`.
pub(super) fn write_marks(overlay: &Overlay, set: &mut WriteSet) {
    if let Some(list) = &overlay.watch {
        set.put_meta(WATCH_LIST, codec::encode(list));
    }
    if let Some(live) = &overlay.warnings {
        set.put_meta(LIVE_WARNINGS, codec::encode(live));
    }
}
