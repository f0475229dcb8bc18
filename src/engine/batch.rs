//! One group of commands: decided against an in-memory overlay (so later commands see earlier
//! ones), then written as one atomic batch.

use super::deadlines::earliest_due;
use super::protocol::{Change, Command, Envelope, Origin, Outcome};
use super::{Engine, EngineError};
use crate::config::Config;
use crate::domain::action::TicketAction;
use crate::domain::alarm::FiredAlarm;
use crate::domain::channel::manual_ticket_id;
use crate::domain::event::{self, Event, EventBody};
use crate::domain::lifecycle::{self, Decision, Rules};
use crate::domain::status::Status;
use crate::domain::ticket::{Ticket, TicketId};
use crate::store::{Row, Store, StoreError, WriteSet};
use crate::time::Timestamp;
use std::collections::HashMap;

pub(super) struct Touched {
    pub(super) original: Option<(Ticket, Row)>,
    pub(super) current: Ticket,
}

pub(super) struct Overlay<'a> {
    pub(super) store: &'a Store,
    /// External ids known before this group was decided (see `pipeline.rs`).
    pub(super) known_externals: Option<&'a KnownExternals>,
    pub(super) touched: HashMap<TicketId, Touched>,
    pub(super) order: Vec<TicketId>,
    pub(super) externals: HashMap<(String, String), TicketId>,
    pub(super) events: Vec<Event>,
    pub(super) next_seq: u64,
    pub(super) next_id: u64,
    pub(super) side: super::outbox::SideWrites,
    /// Alarm memories read or changed in this group.
    pub(super) alarms: HashMap<TicketId, super::alarms::AlarmTrack>,
    /// Alarm index entries `FireAlarms` read, checked when the group is written.
    pub(super) stale_alarms: Vec<(Timestamp, TicketId)>,
    /// The watch list, once a command of this group changed it (see `watch.rs`).
    pub(super) watch: Option<crate::domain::watch::WatchList>,
    /// The live warnings, once a command of this group changed them (see `warnings.rs`).
    pub(super) warnings: Option<crate::domain::early_warning::LiveWarnings>,
}

impl Overlay<'_> {
    pub(super) fn current(&self, id: TicketId) -> Result<Option<Ticket>, StoreError> {
        match self.touched.get(&id) {
            Some(t) => Ok(Some(t.current.clone())),
            None => self.store.ticket(id),
        }
    }

    pub(super) fn external(&self, channel: &str, ext: &str) -> Result<Option<TicketId>, StoreError> {
        let key = (channel.to_string(), ext.to_string());
        if let Some(id) = self.externals.get(&key) {
            return Ok(Some(*id));
        }
        match self.known_externals.and_then(|known| known.get(&key)) {
            Some(known) => Ok(known),
            None => self.store.external(channel, ext),
        }
    }

    /// Records an event and folds it into the ticket it belongs to.
    pub(super) fn record(&mut self, event: Event) -> Result<Change, StoreError> {
        let id = event.ticket;
        let creates = matches!(
            event.body,
            EventBody::Registered(_) | EventBody::SplitOut { .. } | EventBody::Backfilled(_)
        );
        let before = match self.touched.get(&id) {
            Some(t) => Some(t.current.clone()),
            // A freshly allocated id has nothing stored: skip the lookups (this is the whole
            // cost of a backfill burst otherwise).
            None if creates => {
                self.order.push(id);
                self.touched.insert(id, Touched { original: None, current: stand_in(id) });
                None
            }
            None => {
                let stored = self.store.ticket(id)?;
                let original = match &stored {
                    Some(t) => Some((t.clone(), self.store.row(id)?.unwrap_or_else(|| Row::of(t, None)))),
                    None => None,
                };
                self.order.push(id);
                self.touched.insert(id, Touched { original, current: stand_in(id) });
                stored
            }
        };
        let after = event::apply(before, &event).ok_or_else(|| StoreError::Codec {
            key: format!("ticket {id}"),
            source: crate::store::codec::CodecError::Corrupt {
                version: 0,
                detail: format!("event {} does not apply to the ticket's state", event.body.name()),
            },
        })?;
        self.touched.get_mut(&id).expect("inserted above").current = after;
        if let EventBody::DeadlineAlarm { clock, state, due_at } = &event.body {
            let fired = FiredAlarm { clock: clock.clone(), state: *state, due_at: *due_at };
            self.alarm_track(id)?.current.remember(fired);
        }
        let change = Change {
            seq: event.seq,
            ticket: id,
            event: event.body.name().to_string(),
            before: event.before,
            after: event.after,
            at: event.at,
            actor: event.actor.clone(),
        };
        self.events.push(event);
        Ok(change)
    }

    /// Records an action on no ticket (a unit's token, a quarantined payload) in the
    /// store-wide record: an event of its own in the log and the chain, folded into nothing.
    /// The change names no ticket (`STORE_WIDE`): consoles hear of it and look again.
    pub(super) fn record_store_wide(&mut self, at: Timestamp, actor: &str, body: EventBody) -> Change {
        let decision = Decision { body, after: Status::Registered, clocks: None };
        let event = self.event(event::STORE_WIDE, at, actor, None, decision);
        let change = Change {
            seq: event.seq,
            ticket: event.ticket,
            event: event.body.name().to_string(),
            before: None,
            after: event.after,
            at,
            actor: event.actor.clone(),
        };
        self.events.push(event);
        change
    }

    pub(super) fn event(
        &mut self,
        ticket: TicketId,
        at: Timestamp,
        actor: &str,
        before: Option<Status>,
        d: Decision,
    ) -> Event {
        let seq = self.next_seq;
        self.next_seq += 1;
        Event {
            seq,
            ticket,
            at,
            actor: actor.to_string(),
            before,
            after: d.after,
            body: d.body,
            clocks: d.clocks,
        }
    }

    pub(super) fn allocate_id(&mut self) -> TicketId {
        let id = TicketId(self.next_id);
        self.next_id += 1;
        id
    }
}

/// External ids answered before a group is decided: those registered by earlier groups of the
/// burst, written or not, and those already looked up in the store.
#[derive(Default)]
pub(super) struct KnownExternals {
    pub(super) unwritten: HashMap<(String, String), TicketId>,
    pub(super) looked_up: HashMap<(String, String), Option<TicketId>>,
}

impl KnownExternals {
    /// The ticket with this external id, or that there is none; None when not known here.
    fn get(&self, key: &(String, String)) -> Option<Option<TicketId>> {
        match self.unwritten.get(key) {
            Some(id) => Some(Some(*id)),
            None => self.looked_up.get(key).copied(),
        }
    }
}

/// A stand-in while a ticket's first event of the group is being folded; replaced at once.
fn stand_in(id: TicketId) -> Ticket {
    Ticket::blank(id, Timestamp::from_millis(0))
}

pub(super) type GroupResult = (Vec<Result<Outcome, EngineError>>, Vec<Change>);

/// The engine's next numbers: where the next group's events, tickets, outbox entries and
/// quarantined items start.
#[derive(Clone, Copy, Debug)]
pub(super) struct Counters {
    pub(super) seq: u64,
    pub(super) id: u64,
    pub(super) outbox: u64,
    pub(super) quarantine: u64,
}

/// A group decided but not yet written: its answers, the batch that makes them true (none when
/// it changes nothing), and the engine's numbers once that batch is written.
pub(super) struct Decided {
    pub(super) result: GroupResult,
    pub(super) set: Option<WriteSet>,
    pub(super) next: Counters,
    /// The external ids this group registers.
    pub(super) externals: HashMap<(String, String), TicketId>,
}

/// Decides a group and writes it.
pub(super) fn run_group(
    engine: &mut Engine,
    group: Vec<(Origin, Envelope)>,
) -> Result<GroupResult, StoreError> {
    let decided = decide_group(engine, group, None)?;
    if let Some(set) = decided.set {
        engine.store.apply(set, &crate::engine::WRITE)?;
    }
    engine.set_counters(decided.next);
    Ok(decided.result)
}

/// Decides a group against the store as it is plus `known_externals`, and builds its batch,
/// writing nothing.
pub(super) fn decide_group(
    engine: &Engine,
    group: Vec<(Origin, Envelope)>,
    known_externals: Option<&KnownExternals>,
) -> Result<Decided, StoreError> {
    let now = engine.clock.now();
    let config = engine.config.clone();
    let rules = Rules { sla: &config.sla, channels: &config.channels, org: &config.org };
    let start = engine.counters();
    // Sized for the group up front: a burst of registrations (an import) otherwise spends a
    // tenth of its time growing these maps of whole tickets.
    let mut overlay = Overlay {
        store: &engine.store,
        known_externals,
        touched: HashMap::with_capacity(group.len()),
        order: Vec::with_capacity(group.len()),
        externals: HashMap::with_capacity(group.len()),
        events: Vec::new(),
        next_seq: start.seq,
        next_id: start.id,
        side: super::outbox::SideWrites::new(start.outbox, start.quarantine),
        alarms: HashMap::new(),
        stale_alarms: Vec::new(),
        watch: None,
        warnings: None,
    };
    let mut outcomes = Vec::with_capacity(group.len());
    let mut changes = Vec::new();
    for (origin, envelope) in group {
        let outcome = super::authority::check_command(&origin, &envelope.command, &overlay)
            .and_then(|()| run_one(&mut overlay, &config, rules, &origin, envelope, now));
        match &outcome {
            Ok(Outcome::Applied(c) | Outcome::Updated(c)) => changes.extend(c.iter().cloned()),
            Ok(Outcome::Ingested(report)) => {
                changes.extend(super::outbox::changes_of(report).iter().cloned())
            }
            _ => {}
        }
        outcomes.push(outcome);
    }
    if overlay.events.is_empty() && overlay.side.is_empty() && overlay.stale_alarms.is_empty() {
        let externals = overlay.externals;
        return Ok(Decided { result: (outcomes, changes), set: None, next: start, externals });
    }
    let mut set = WriteSet::new(&crate::engine::WRITE);
    let as_run = forms_run(&overlay);
    if !as_run {
        for event in &overlay.events {
            set.put_event(event);
        }
    }
    super::outbox::effects_into_outbox(&mut overlay, &config, now);
    for ((channel, ext), id) in &overlay.externals {
        set.put_external(channel, ext, *id);
    }
    for (i, id) in overlay.order.iter().enumerate() {
        let touched = &overlay.touched[id];
        let row = Row::of(&touched.current, earliest_due(&touched.current, &config, now));
        if as_run {
            set.put_run_ticket(&overlay.events[i], &touched.current, &row);
        } else {
            let original = touched.original.as_ref().map(|(t, r)| (t, r));
            set.put_ticket(original, &touched.current, &row);
        }
    }
    super::alarms::write_alarms(&mut overlay, &config, &mut set)?;
    super::watch::write_marks(&overlay, &mut set);
    let (seq, id) = (overlay.next_seq, overlay.next_id);
    let (outbox, quarantine) = overlay.side.write_into(&mut set);
    Ok(Decided {
        result: (outcomes, changes),
        set: Some(set),
        next: Counters { seq, id, outbox, quarantine },
        externals: overlay.externals,
    })
}

/// Whether the group's events are a run of registrations (`store::run`): at least `MIN_RUN`,
/// each creating the next new ticket, and nothing else. An import's groups are; a clerk's or a
/// channel's seldom. A backfill's are not taken: its tickets are mostly finished, and the open
/// rows (what serve loads first) would then be read out of runs holding every event.
fn forms_run(overlay: &Overlay) -> bool {
    let events = &overlay.events;
    let Some(first) = events.first().map(|e| e.ticket.0) else { return false };
    events.len() >= crate::store::run::MIN_RUN
        && events.len() == overlay.order.len()
        && events.iter().zip(&overlay.order).enumerate().all(|(i, (event, id))| {
            event.ticket == *id
                && id.0 == first + i as u64
                && matches!(event.body, EventBody::Registered(_))
                && overlay.touched[id].original.is_none()
                && overlay.touched[id].current.events == [event.seq]
        })
}

pub(super) fn run_one(
    overlay: &mut Overlay,
    config: &Config,
    rules: Rules,
    origin: &Origin,
    envelope: Envelope,
    now: Timestamp,
) -> Result<Outcome, EngineError> {
    // A person is recorded as who they are, whatever the envelope claims.
    let actor = match origin {
        Origin::Internal => envelope.actor,
        Origin::Person(person) => person.actor(),
    };
    match envelope.command {
        Command::FireAlarms => super::alarms::fire(overlay, config, &actor, now),
        Command::RaiseWarnings { found } => super::warnings::raise(overlay, &actor, found, now),
        Command::WatchMerchant { merchant, name, reason } => {
            super::watch::watch(overlay, &actor, merchant, name, reason, now)
        }
        Command::UnwatchMerchant { merchant, reason } => {
            super::watch::unwatch(overlay, &actor, merchant, reason, now)
        }
        Command::Ingest(ingest) => super::outbox::ingest(overlay, config, rules, &actor, *ingest, now),
        Command::Delivery { outbox, result } => {
            super::outbox::delivery(overlay, rules, &actor, outbox, result, now)
        }
        Command::RetryOutbox { outbox } => super::outbox::retry(overlay, &actor, outbox, now),
        Command::Quarantine { id, action } => super::outbox::quarantine(overlay, &actor, id, action, now),
        Command::SetUnitToken { unit, token_hash } => {
            super::outbox::set_unit_token(overlay, rules, &actor, unit, token_hash, now)
        }
        Command::Register(mut new) => {
            // A ticket typed in by hand without a number is a new ticket each time: it is
            // numbered here, with the id it is about to get, never matched as a repeat.
            let manual = rules.channels.get(&new.intake.channel).is_some_and(|c| !c.is_remote());
            if manual && new.intake.channel_ticket_id.trim().is_empty() {
                let day = new.intake.received_at.unwrap_or(now).china_date();
                new.intake.channel_ticket_id =
                    manual_ticket_id(&new.intake.channel, day, TicketId(overlay.next_id));
            }
            let (channel, ext) =
                (new.intake.channel.clone(), new.intake.channel_ticket_id.trim().to_string());
            if let Some(existing) = overlay.external(&channel, &ext)? {
                return Ok(Outcome::Duplicate(existing));
            }
            let (registration, clocks) = lifecycle::register(*new, rules, now)?;
            let id = overlay.allocate_id();
            let decision = Decision {
                body: EventBody::Registered(Box::new(registration)),
                after: Status::Registered,
                clocks: Some(clocks),
            };
            let event = overlay.event(id, now, &actor, None, decision);
            let change = overlay.record(event)?;
            overlay.externals.insert((channel, ext), id);
            Ok(Outcome::Applied(vec![change]))
        }
        Command::Backfill(snapshot) => {
            let (channel, ext) =
                (snapshot.intake.channel.clone(), snapshot.intake.channel_ticket_id.trim().to_string());
            if rules.channels.get(&channel).is_none() {
                return Err(lifecycle::LifecycleError::UnknownChannel(channel).into());
            }
            if ext.is_empty() {
                return Err(lifecycle::LifecycleError::Invalid {
                    action: "backfill",
                    what: "channel_ticket_id is empty".into(),
                }
                .into());
            }
            if let Some(existing) = overlay.external(&channel, &ext)? {
                return Ok(Outcome::Duplicate(existing));
            }
            let id = overlay.allocate_id();
            let mut snapshot = *snapshot;
            snapshot.id = id;
            snapshot.intake.channel_ticket_id = ext.clone();
            let after = snapshot.status;
            let decision = Decision { body: EventBody::Backfilled(Box::new(snapshot)), after, clocks: None };
            let event = overlay.event(id, now, &actor, None, decision);
            let change = overlay.record(event)?;
            overlay.externals.insert((channel, ext), id);
            Ok(Outcome::Applied(vec![change]))
        }
        Command::Act { ticket, action } => act(overlay, rules, &actor, ticket, action, None, now),
        Command::Guarded { ticket, action, seen } => {
            act(overlay, rules, &actor, ticket, action, Some(seen), now)
        }
    }
}

/// One lifecycle action; with `seen`, refused as a conflict when someone else changed the
/// ticket after that point.
fn act(
    overlay: &mut Overlay,
    rules: Rules,
    actor: &str,
    ticket: TicketId,
    action: TicketAction,
    seen: Option<u64>,
    now: Timestamp,
) -> Result<Outcome, EngineError> {
    let actor = actor.to_string();
    let t = overlay.current(ticket)?.ok_or(EngineError::NoTicket(ticket))?;
    if let Some(seen) = seen {
        super::authority::check_seen(overlay, &t, seen, &actor)?;
    }
    let decision = lifecycle::decide(&t, &action, rules, now)?;
    match (&action, decision) {
        (TicketAction::Split { kind, .. }, mut decision) => {
            let new_id = overlay.allocate_id();
            if let EventBody::SplitInto { ticket: placeholder, .. } = &mut decision.body {
                *placeholder = new_id;
            }
            let (registration, clocks) = lifecycle::split_registration(&t, *kind, rules);
            let original = overlay.event(t.id, now, &actor, Some(t.status), decision);
            let first = overlay.record(original)?;
            let out = Decision {
                body: EventBody::SplitOut { from: t.id, registration: Box::new(registration) },
                after: Status::Registered,
                clocks: Some(clocks),
            };
            let split = overlay.event(new_id, now, &actor, None, out);
            let second = overlay.record(split)?;
            Ok(Outcome::Applied(vec![first, second]))
        }
        (TicketAction::Merge { into }, decision) => {
            let target = overlay
                .current(*into)?
                .ok_or(EngineError::BadMergeTarget { target: *into, why: "no such ticket".into() })?;
            if target.status == Status::Merged || target.status.is_terminal() {
                return Err(EngineError::BadMergeTarget {
                    target: *into,
                    why: format!("it is {} ({})", target.status.code(), target.status.zh()),
                });
            }
            let source = overlay.event(t.id, now, &actor, Some(t.status), decision);
            let first = overlay.record(source)?;
            let absorbed = Decision {
                body: EventBody::Absorbed { duplicate: t.id },
                after: target.status,
                clocks: None,
            };
            let target_event = overlay.event(target.id, now, &actor, Some(target.status), absorbed);
            let second = overlay.record(target_event)?;
            Ok(Outcome::Applied(vec![first, second]))
        }
        (_, decision) => {
            let event = overlay.event(t.id, now, &actor, Some(t.status), decision);
            Ok(Outcome::Applied(vec![overlay.record(event)?]))
        }
    }
}
