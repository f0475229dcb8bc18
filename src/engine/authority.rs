//! Who may send what, checked where the decision is taken: every command from a person against
//! their role and the ticket as the engine's group sees it (so a redispatch written a moment
//! earlier counts, whatever a caller checked before), and every question from a person narrowed
//! to what their role may read.

use super::batch::Overlay;
use super::protocol::{Answer, Command, Conflict, Origin, Query};
use super::{EngineError, Reader};
use crate::domain::event::EventBody;
use crate::domain::role::{self, Forbidden, Need, Person, Role};
use crate::domain::ticket::Ticket;

/// Whether `origin` may send `command`. A person never sends what the server's own workers
/// send, whatever their role.
pub(super) fn check_command(
    origin: &Origin,
    command: &Command,
    overlay: &Overlay,
) -> Result<(), EngineError> {
    let Origin::Person(person) = origin else { return Ok(()) };
    let what = command.name();
    match command {
        Command::Backfill(_)
        | Command::Ingest(_)
        | Command::Delivery { .. }
        | Command::FireAlarms
        | Command::RaiseWarnings { .. } => Err(Forbidden::Internal { what: what.into() }.into()),
        Command::WatchMerchant { .. } | Command::UnwatchMerchant { .. } => {
            Ok(role::may(person, what, Need::Chief)?)
        }
        Command::Register(_) => Ok(role::may(person, what, Need::Clerk)?),
        Command::RetryOutbox { .. } | Command::Quarantine { .. } | Command::SetUnitToken { .. } => {
            Ok(role::may(person, what, Need::Chief)?)
        }
        Command::Act { ticket, action } | Command::Guarded { ticket, action, .. } => {
            // A viewer is refused before anything is looked up; a missing ticket is the
            // lifecycle's to report.
            if person.role == Role::Viewer {
                return Ok(role::may(person, what, Need::UnitStep)?);
            }
            match overlay.current(*ticket)? {
                Some(t) => Ok(role::may_act(person, action, &t)?),
                None => Ok(()),
            }
        }
    }
}

/// Events that change nothing another person decides on: they never make a conflict.
fn is_aside(body: &EventBody) -> bool {
    matches!(
        body,
        EventBody::NoteAdded { .. }
            | EventBody::Attached(_)
            | EventBody::Reminded { .. }
            | EventBody::DeadlineAlarm { .. }
            | EventBody::Revealed
    )
}

/// The first change to `t` after `seen` by someone other than `actor`, as a conflict.
pub(super) fn check_seen(overlay: &Overlay, t: &Ticket, seen: u64, actor: &str) -> Result<(), EngineError> {
    let newer = t.events.iter().rev().take_while(|seq| **seq > seen).copied().collect::<Vec<_>>();
    for seq in newer.into_iter().rev() {
        let event = match overlay.events.iter().find(|e| e.seq == seq) {
            Some(e) => e.clone(),
            None => match overlay.store.event(seq)? {
                Some(e) => e,
                None => continue,
            },
        };
        if event.actor != actor && !is_aside(&event.body) {
            return Err(Conflict {
                ticket: t.id,
                seq,
                actor: event.actor,
                event: event.body.name().to_string(),
                at: event.at,
            }
            .into());
        }
    }
    Ok(())
}

/// The answer to `query` as `person` may read it: a unit's staff see only the tickets their unit
/// holds; personal data unmasked and raw payloads are a chief's (or, for its own tickets, the
/// unit's, which must call the consumer).
pub fn answer(reader: &Reader, person: &Person, query: Query) -> Result<Answer, EngineError> {
    let detail = matches!(query, Query::Detail { .. });
    let mut answer = narrowed(reader, person, query)?;
    // The actions a ticket offers are those this person may take: a screen offers nothing the
    // engine would refuse them.
    if detail
        && let Answer::Detail(Some(d)) = &mut answer
        && let Some(t) = reader.ticket(crate::domain::ticket::TicketId(d.summary.id))?
    {
        d.actions.retain(|name| role::may_take(person, name, &t));
    }
    Ok(answer)
}

fn narrowed(reader: &Reader, person: &Person, query: Query) -> Result<Answer, EngineError> {
    let unit = match &person.role {
        Role::Unit(unit) => unit.clone(),
        _ => {
            match &query {
                Query::Detail { reveal: true, .. } => role::may(person, "reveal", Need::Chief)?,
                Query::QuarantineItem(_) => role::may(person, "a quarantined payload", Need::Chief)?,
                _ => {}
            }
            return Ok(reader.query(&query)?);
        }
    };
    let held = |t: &Option<Ticket>| t.as_ref().is_some_and(|t| role::holds(t, &unit));
    let query = match query {
        Query::List(mut filter) => {
            filter.unit = Some(unit.clone());
            Query::List(filter)
        }
        Query::Window(mut q) => {
            q.view.unit = Some(unit.clone());
            if let Some(drill) = &mut q.view.drill {
                drill.query.unit = Some(unit.clone());
            }
            Query::Window(q)
        }
        Query::Counts(mut views) => {
            for view in &mut views {
                view.unit = Some(unit.clone());
            }
            Query::Counts(views)
        }
        Query::Detail { ticket, reveal } => {
            if !held(&reader.ticket(ticket)?) {
                return Err(Forbidden::NotAtUnit { what: "view".into(), ticket: ticket.0, unit }.into());
            }
            Query::Detail { ticket, reveal }
        }
        Query::EventsAfter { seq, limit } => {
            // Only the events of tickets the unit holds (a command's own report reads them).
            let Answer::EventsAfter(events) = reader.query(&Query::EventsAfter { seq, limit })? else {
                return Err(EngineError::Server("the event log answered with something else".into()));
            };
            let mut kept = Vec::new();
            let mut holds: std::collections::HashMap<crate::domain::ticket::TicketId, bool> =
                Default::default();
            for event in events {
                let ticket = event.ticket;
                let mine = match holds.get(&ticket) {
                    Some(m) => *m,
                    None => {
                        let m = held(&reader.ticket(ticket)?);
                        holds.insert(ticket, m);
                        m
                    }
                };
                if mine {
                    kept.push(event);
                }
            }
            return Ok(Answer::EventsAfter(kept));
        }
        Query::Resolve(text) => {
            return Ok(match reader.query(&Query::Resolve(text))? {
                Answer::Resolve(Some(id)) if held(&reader.ticket(id)?) => Answer::Resolve(Some(id)),
                _ => Answer::Resolve(None),
            });
        }
        other => {
            let what = match &other {
                Query::ByPhone(_) => "a search by phone",
                Query::Outbox { .. } => "the outbox",
                Query::Quarantine { .. } | Query::QuarantineItem(_) => "the quarantine",
                Query::Suggest(_) => "dispatch suggestions",
                Query::Duplicates(_) => "duplicate candidates",
                Query::Audit(_) => "the audit trail",
                Query::Stats(_) | Query::StatsTickets { .. } => "the statistics",
                Query::Watched => "the watch list",
                Query::Warnings => "the early warnings",
                _ => "this query",
            };
            return Err(Forbidden::role(what, "clerk, chief or viewer", person).into());
        }
    };
    Ok(reader.query(&query)?)
}

/// Whether `person` may be told of a change to `ticket` (a subscriber's push): a unit's staff
/// hear of their unit's tickets only.
pub fn may_hear(reader: &Reader, person: &Person, ticket: crate::domain::ticket::TicketId) -> bool {
    match &person.role {
        Role::Unit(unit) => reader
            .ticket(ticket)
            .ok()
            .flatten()
            .is_some_and(|t| t.workflow.unit.as_deref() == Some(unit.as_str())),
        _ => true,
    }
}
