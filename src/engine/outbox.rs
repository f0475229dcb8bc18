//! The sync side of a group: pages ingested from channels, outbox entries for the effects the
//! group's events call for, delivery reports, and the quarantine — all in the group's batch.

use super::EngineError;
use super::batch::Overlay;
use super::deadlines::earliest_due;
use super::protocol::{Change, DeliveryResult, Ingest, IngestReport, Outcome, QuarantineAction};
use super::quarantine;
use crate::config::Config;
use crate::domain::action::TicketAction;
use crate::domain::effect::{EffectContext, EffectKind, effects_of};
use crate::domain::event::EventBody;
use crate::domain::lifecycle::{self, Decision, Rules};
use crate::domain::status::Status;
use crate::store::WriteSet;
use crate::store::outbox::{
    DeliveryState, OutboxEntry, QuarantineEntry, QuarantineSighting, QuarantineState, UnitToken,
};
use crate::time::Timestamp;
use std::collections::BTreeMap;

/// Outbox, quarantine and cursor writes of one group.
pub(super) struct SideWrites {
    outbox: BTreeMap<u64, (Option<OutboxEntry>, OutboxEntry)>,
    pub(super) quarantine: BTreeMap<u64, QuarantineEntry>,
    cursors: BTreeMap<String, String>,
    /// Unit id → its new token (None: revoked).
    unit_tokens: BTreeMap<String, Option<UnitToken>>,
    /// (channel, item identity) → the entry holding it (see `quarantine.rs`).
    pub(super) sightings: BTreeMap<(String, String), QuarantineSighting>,
    next_outbox: u64,
    pub(super) next_quarantine: u64,
}

impl SideWrites {
    pub(super) fn new(next_outbox: u64, next_quarantine: u64) -> SideWrites {
        SideWrites {
            outbox: BTreeMap::new(),
            quarantine: BTreeMap::new(),
            cursors: BTreeMap::new(),
            unit_tokens: BTreeMap::new(),
            sightings: BTreeMap::new(),
            next_outbox,
            next_quarantine,
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.outbox.is_empty()
            && self.quarantine.is_empty()
            && self.cursors.is_empty()
            && self.unit_tokens.is_empty()
            && self.sightings.is_empty()
    }

    /// Adds the writes to `set` and gives the counters to continue from.
    pub(super) fn write_into(&self, set: &mut WriteSet) -> (u64, u64) {
        for (old, new) in self.outbox.values() {
            set.put_outbox(old.as_ref(), new);
        }
        for entry in self.quarantine.values() {
            set.put_quarantine(entry);
        }
        for ((channel, identity), sighting) in &self.sightings {
            set.put_quarantine_sighting(channel, identity, sighting);
        }
        for (channel, cursor) in &self.cursors {
            set.put_cursor(channel, cursor);
        }
        for (unit, token) in &self.unit_tokens {
            set.put_unit_token(unit, token.as_ref());
        }
        (self.next_outbox, self.next_quarantine)
    }
}

fn outbox_entry(overlay: &Overlay, id: u64) -> Result<Option<OutboxEntry>, EngineError> {
    match overlay.side.outbox.get(&id) {
        Some((_, current)) => Ok(Some(current.clone())),
        None => Ok(overlay.store.outbox_entry(id)?),
    }
}

fn put_outbox(overlay: &mut Overlay, entry: OutboxEntry) -> Result<(), EngineError> {
    let original = match overlay.side.outbox.remove(&entry.id) {
        Some((original, _)) => original,
        None => overlay.store.outbox_entry(entry.id)?,
    };
    overlay.side.outbox.insert(entry.id, (original, entry));
    Ok(())
}

/// Turns the effects of the group's events into new outbox entries, due now.
pub(super) fn effects_into_outbox(overlay: &mut Overlay, config: &Config, now: Timestamp) {
    let mut new_entries = Vec::new();
    for event in &overlay.events {
        let Some(touched) = overlay.touched.get(&event.ticket) else { continue };
        let ticket = &touched.current;
        // Only an SMS quotes the deadline; skip the computation for everything else (a
        // backfill burst is all events and no effects).
        let needs_due = matches!(
            event.body,
            EventBody::Dispatched { .. } | EventBody::Redispatched { .. } | EventBody::Reminded { .. }
        );
        let ctx = EffectContext {
            channels: &config.channels,
            org: &config.org,
            sms: &config.sms,
            due: if needs_due { earliest_due(ticket, config, now) } else { None },
        };
        new_entries.extend(effects_of(event, ticket, &ctx));
    }
    for effect in new_entries {
        let id = overlay.side.next_outbox;
        overlay.side.next_outbox += 1;
        let entry = OutboxEntry {
            id,
            effect,
            state: DeliveryState::Pending,
            attempts: 0,
            next_at: now,
            last_error: None,
            delivered_at: None,
        };
        overlay.side.outbox.insert(id, (None, entry));
    }
}

pub(super) fn ingest(
    overlay: &mut Overlay,
    config: &Config,
    rules: Rules,
    actor: &str,
    page: Ingest,
    now: Timestamp,
) -> Result<Outcome, EngineError> {
    if rules.channels.get(&page.channel).is_none() {
        return Err(lifecycle::LifecycleError::UnknownChannel(page.channel).into());
    }
    let mut report = IngestReport::default();
    // Handed-back items first: one that is still bad is held again below, on the same entry.
    for id in page.released {
        let mut entry = match overlay.side.quarantine.get(&id) {
            Some(e) => e.clone(),
            None => overlay.store.quarantine_entry(id)?.ok_or(EngineError::NoQuarantineEntry(id))?,
        };
        entry.state = QuarantineState::Released;
        overlay.side.quarantine.insert(id, entry);
    }
    let mut held = |overlay: &mut Overlay, identity: String, reason: String, raw: String| {
        match quarantine::hold(overlay, &page.channel, identity, reason, raw, now)? {
            quarantine::Held::New(id) => report.quarantined.push(id),
            quarantine::Held::Again(id) => report.seen_again.push(id),
        }
        Ok::<_, EngineError>(())
    };
    for mut new in page.tickets {
        new.intake.channel = page.channel.clone();
        let ext = new.intake.channel_ticket_id.trim().to_string();
        if let Some(existing) = overlay.external(&page.channel, &ext)? {
            report.duplicates.push(existing);
            continue;
        }
        let raw = serde_json::to_string(&new).unwrap_or_default();
        match lifecycle::register(new, rules, now) {
            Ok((registration, clocks)) => {
                let id = overlay.allocate_id();
                let decision = Decision {
                    body: EventBody::Registered(Box::new(registration)),
                    after: Status::Registered,
                    clocks: Some(clocks),
                };
                let event = overlay.event(id, now, actor, None, decision);
                report.changes.push(overlay.record(event)?);
                overlay.externals.insert((page.channel.clone(), ext), id);
                report.registered.push(id);
            }
            Err(e) => held(overlay, quarantine::identity_of_ticket(&ext, &raw), e.to_string(), raw)?,
        }
    }
    for item in page.malformed {
        let identity = quarantine::identity_of_payload(config, &page.channel, &item.raw);
        held(overlay, identity, item.reason, item.raw)?;
    }
    if let Some(cursor) = page.cursor {
        overlay.side.cursors.insert(page.channel, cursor);
    }
    Ok(Outcome::Ingested(report))
}

pub(super) fn delivery(
    overlay: &mut Overlay,
    rules: Rules,
    actor: &str,
    id: u64,
    result: DeliveryResult,
    now: Timestamp,
) -> Result<Outcome, EngineError> {
    let mut entry = outbox_entry(overlay, id)?.ok_or(EngineError::NoOutboxEntry(id))?;
    if !entry.state.is_open() {
        // A late report of an attempt that was already settled changes nothing.
        return Ok(Outcome::Updated(Vec::new()));
    }
    if let DeliveryResult::Waiting { reason } = result {
        // Nothing was sent: no attempt, and the entry stays due for when it can be.
        entry.state = DeliveryState::Waiting;
        entry.last_error = Some(reason);
        put_outbox(overlay, entry)?;
        return Ok(Outcome::Updated(Vec::new()));
    }
    entry.attempts += 1;
    let mut changes = Vec::new();
    match result {
        DeliveryResult::Delivered => {
            entry.state = DeliveryState::Delivered;
            entry.delivered_at = Some(now);
            entry.last_error = None;
            if entry.effect.kind == EffectKind::WriteBack
                && let Some(t) = overlay.current(entry.effect.ticket)?
                && t.status == Status::Resolved
            {
                // The result reached the channel: that is the write-back step of the lifecycle.
                let action = TicketAction::WriteBack { note: Some(format!("已回填{}", t.intake.channel)) };
                let decision = lifecycle::decide(&t, &action, rules, now)?;
                let event = overlay.event(t.id, now, actor, Some(t.status), decision);
                changes.push(overlay.record(event)?);
            }
        }
        DeliveryResult::Failed { error, retry_at } => {
            entry.state = DeliveryState::Pending;
            entry.last_error = Some(error);
            entry.next_at = retry_at;
        }
        DeliveryResult::GaveUp { error } => {
            entry.last_error = Some(error);
            entry.state = DeliveryState::Dead;
        }
        DeliveryResult::Waiting { .. } => {}
    }
    put_outbox(overlay, entry)?;
    Ok(Outcome::Updated(changes))
}

pub(super) fn retry(
    overlay: &mut Overlay,
    actor: &str,
    id: u64,
    now: Timestamp,
) -> Result<Outcome, EngineError> {
    let mut entry = outbox_entry(overlay, id)?.ok_or(EngineError::NoOutboxEntry(id))?;
    if entry.state != DeliveryState::Dead {
        let state = match entry.state {
            DeliveryState::Pending => "pending",
            DeliveryState::Waiting => "waiting",
            _ => "delivered",
        };
        return Err(EngineError::NotDead { id, state });
    }
    entry.state = DeliveryState::Pending;
    entry.attempts = 0;
    entry.next_at = now;
    let ticket = entry.effect.ticket;
    let body = EventBody::OutboxRetried { outbox: id, kind: entry.effect.kind.code().to_string() };
    put_outbox(overlay, entry)?;
    // On the record, on the ticket the effect is for.
    let changes = match overlay.current(ticket)? {
        Some(t) => {
            let decision = Decision { body, after: t.status, clocks: None };
            let event = overlay.event(ticket, now, actor, Some(t.status), decision);
            vec![overlay.record(event)?]
        }
        None => {
            overlay.record_store_wide(now, actor, body);
            Vec::new()
        }
    };
    Ok(Outcome::Updated(changes))
}

pub(super) fn quarantine(
    overlay: &mut Overlay,
    actor: &str,
    id: u64,
    action: QuarantineAction,
    now: Timestamp,
) -> Result<Outcome, EngineError> {
    let mut entry = match overlay.side.quarantine.get(&id) {
        Some(e) => e.clone(),
        None => overlay.store.quarantine_entry(id)?.ok_or(EngineError::NoQuarantineEntry(id))?,
    };
    entry.state = match action {
        QuarantineAction::Drop => QuarantineState::Dropped,
        QuarantineAction::Retry => QuarantineState::Retried,
    };
    let channel = entry.channel.clone();
    overlay.side.quarantine.insert(id, entry);
    let body = match action {
        QuarantineAction::Drop => EventBody::QuarantineDropped { id, channel },
        QuarantineAction::Retry => EventBody::QuarantineRetried { id, channel },
    };
    overlay.record_store_wide(now, actor, body);
    Ok(Outcome::Updated(Vec::new()))
}

/// Issues (or with None revokes) a unit's units-API token, kept as its hash only.
pub(super) fn set_unit_token(
    overlay: &mut Overlay,
    rules: Rules,
    actor: &str,
    unit: String,
    token_hash: Option<String>,
    now: Timestamp,
) -> Result<Outcome, EngineError> {
    let id = rules
        .org
        .find_unit(&unit)
        .map(|u| u.id.clone())
        .ok_or(lifecycle::LifecycleError::UnknownUnit(unit))?;
    let token = match token_hash {
        Some(hash) => {
            let hash = hash.trim().to_ascii_lowercase();
            if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(lifecycle::LifecycleError::Invalid {
                    action: "set_unit_token",
                    what: "token_hash is not a hex SHA-256".into(),
                }
                .into());
            }
            Some(UnitToken { hash, issued_at: now })
        }
        None => None,
    };
    let body = match token {
        Some(_) => EventBody::UnitTokenIssued { unit: id.clone() },
        None => EventBody::UnitTokenRevoked { unit: id.clone() },
    };
    overlay.side.unit_tokens.insert(id, token);
    overlay.record_store_wide(now, actor, body);
    Ok(Outcome::Updated(Vec::new()))
}

/// Changes an ingest made, for subscribers.
pub(super) fn changes_of(report: &IngestReport) -> &[Change] {
    &report.changes
}
