//! The lifecycle state machine: which action is allowed in which state, for which kind, and what
//! event and clock changes it makes. Pure: the rules and "now" come in as parameters.

use crate::domain::action::{REFUSAL_REASONS, RETURN_REASONS, TicketAction, reason_code};
use crate::domain::channel::{ChannelMode, Channels};
use crate::domain::event::{EventBody, Registration};
use crate::domain::org::Organisation;
use crate::domain::sla::{ClockContext, ClockRecord, Milestone, SlaError, SlaPolicy};
use crate::domain::status::Status;
use crate::domain::ticket::{Attachment, Flag, Kind, NewTicket, Satisfaction, Ticket, TicketId};
use crate::domain::validate;
use crate::time::Timestamp;

/// The configuration the rules consult.
#[derive(Clone, Copy)]
pub struct Rules<'a> {
    pub sla: &'a SlaPolicy,
    pub channels: &'a Channels,
    pub org: &'a Organisation,
}

/// What an allowed action does: the event to record, the status after it and the clocks after it
/// (None when unchanged).
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    pub body: EventBody,
    pub after: Status,
    pub clocks: Option<Vec<ClockRecord>>,
}

#[derive(Debug, thiserror::Error)]
pub enum LifecycleError {
    #[error("cannot {action} ticket #{ticket}: it is {status} ({zh}); {hint}", status = status.code(), zh = status.zh())]
    NotAllowed { ticket: TicketId, action: &'static str, status: Status, hint: String },
    #[error("cannot {action} ticket #{ticket}: it is a {kind} ({zh}), and {action} is for {allowed}", kind = kind.code(), zh = kind.zh())]
    WrongKind { ticket: TicketId, action: &'static str, kind: Kind, allowed: &'static str },
    #[error(
        "unknown unit {0:?}: give a section, branch or station id or name (see `rightsdesk config show org`)"
    )]
    UnknownUnit(String),
    #[error("unknown channel {0:?}: known channels are listed by `rightsdesk config show channels`")]
    UnknownChannel(String),
    #[error("{action}: unknown reason {reason:?}; use one of: {allowed}")]
    UnknownReason { action: &'static str, reason: String, allowed: String },
    #[error("{action}: {what}")]
    Invalid { action: &'static str, what: String },
    #[error("cannot extend ticket #{ticket}: {source}")]
    Clock { ticket: TicketId, source: SlaError },
    /// A free-text field over its limit (`limits.rs`).
    #[error("cannot {action}: {source}")]
    TooLong { action: &'static str, source: crate::domain::limits::TooLong },
}

impl LifecycleError {
    /// The refusal as a log line may carry it: the values a clerk typed (a unit, a reason, an
    /// invalid field) stay out; states, actions, ids and limits stay in.
    pub fn for_log(&self) -> String {
        match self {
            LifecycleError::UnknownUnit(_) => "unknown unit".into(),
            LifecycleError::UnknownChannel(_) => "unknown channel".into(),
            LifecycleError::UnknownReason { action, .. } => format!("{action}: unknown reason"),
            LifecycleError::Invalid { action, .. } => format!("{action}: invalid input"),
            LifecycleError::NotAllowed { .. }
            | LifecycleError::WrongKind { .. }
            | LifecycleError::Clock { .. }
            | LifecycleError::TooLong { .. } => self.to_string(),
        }
    }
}

/// Registers a ticket from a channel or a clerk: normalises it, records the findings for triage,
/// and starts the clocks that run from receipt.
pub fn register(
    mut new: NewTicket,
    rules: Rules,
    now: Timestamp,
) -> Result<(Registration, Vec<ClockRecord>), LifecycleError> {
    let channel = rules
        .channels
        .get(&new.intake.channel)
        .ok_or_else(|| LifecycleError::UnknownChannel(new.intake.channel.clone()))?;
    crate::domain::limits::check_new_ticket(&new)
        .map_err(|source| LifecycleError::TooLong { action: "register", source })?;
    if new.intake.channel_ticket_id.trim().is_empty() {
        return Err(LifecycleError::Invalid {
            action: "register",
            what: "channel_ticket_id is empty".into(),
        });
    }
    let received_at = new
        .intake
        .received_at
        .ok_or(LifecycleError::Invalid { action: "register", what: "received_at is missing".into() })?;
    validate::normalise_new_ticket(&mut new, rules.org);
    let flags = validate::intake_flags(&new, rules.org, now.china_date());
    let kind = new.kind.unwrap_or(Kind::Complaint);
    let real_name = new.complainant.name.is_some() && new.complainant.phone.is_some();
    let ctx = ClockContext { kind, channel_rules: &channel.rules, real_name };
    let mut clocks = Vec::new();
    rules.sla.on_milestone(&ctx, &mut clocks, Milestone::Received, received_at);
    Ok((Registration { kind, ticket: new, flags }, clocks))
}

/// The registration of the part split out of `t` (分别处理): same intake, the other kind.
pub fn split_registration(t: &Ticket, kind: Kind, rules: Rules) -> (Registration, Vec<ClockRecord>) {
    let new = NewTicket {
        kind: Some(kind),
        intake: t.intake.clone(),
        complainant: t.complainant.clone(),
        respondent: t.respondent.clone(),
        dispute: t.dispute.clone(),
        attachments: t.attachments.clone(),
    };
    let mut flags = t.flags.clone();
    flags.remove(&Flag::KindAssumed);
    let channel_rules = rules.channels.get(&t.intake.channel).map(|c| c.rules.as_slice()).unwrap_or(&[]);
    let ctx = ClockContext { kind, channel_rules, real_name: t.is_real_name() };
    let mut clocks = Vec::new();
    if let Some(received_at) = t.intake.received_at {
        rules.sla.on_milestone(&ctx, &mut clocks, Milestone::Received, received_at);
    }
    (Registration { kind, ticket: new, flags }, clocks)
}

/// Decides whether `action` is allowed on `t` now, and what it records.
pub fn decide(
    t: &Ticket,
    action: &TicketAction,
    rules: Rules,
    now: Timestamp,
) -> Result<Decision, LifecycleError> {
    use Status as S;
    use TicketAction as A;
    let name = action.name();
    crate::domain::limits::check_action(action)
        .map_err(|source| LifecycleError::TooLong { action: name, source })?;
    let refuse = |hint: &str| LifecycleError::NotAllowed {
        ticket: t.id,
        action: name,
        status: t.status,
        hint: hint.to_string(),
    };
    let need_kind = |kinds: &[Kind], allowed: &'static str| {
        if kinds.contains(&t.kind) {
            Ok(())
        } else {
            Err(LifecycleError::WrongKind { ticket: t.id, action: name, kind: t.kind, allowed })
        }
    };
    let text = |field: &str, value: &str| {
        if value.trim().is_empty() {
            Err(LifecycleError::Invalid { action: name, what: format!("{field} is empty") })
        } else {
            Ok(())
        }
    };
    let from =
        |allowed: &[Status], hint: &str| if allowed.contains(&t.status) { Ok(()) } else { Err(refuse(hint)) };
    let open = || if t.status.is_open() { Ok(()) } else { Err(refuse("it is finished; reopen it first")) };
    let handling = [S::Dispatched, S::Signed, S::Contacted];
    let unit_has_it = [S::Signed, S::Contacted];

    let mut clocks = t.clocks.clone();
    let channel_rules = rules.channels.get(&t.intake.channel).map(|c| c.rules.as_slice()).unwrap_or(&[]);
    let ctx = ClockContext { kind: t.kind, channel_rules, real_name: t.is_real_name() };
    let mut milestones: Vec<Milestone> = Vec::new();

    let (body, after) = match action {
        A::Triage { kind, category, dispute_type } => {
            from(
                &[S::Registered, S::Triaged, S::Reopened],
                "only a ticket waiting for triage can be classified",
            )?;
            if *kind != t.kind {
                let ctx = ClockContext { kind: *kind, ..ctx };
                if let Some(received_at) = t.intake.received_at {
                    rules.sla.retarget(&ctx, &mut clocks, received_at);
                }
            }
            milestones.push(Milestone::Triaged);
            let body = EventBody::Triaged {
                kind: *kind,
                category: category.clone(),
                dispute_type: dispute_type.clone(),
            };
            let ctx = ClockContext { kind: *kind, ..ctx };
            return finish(t, rules, &ctx, body, S::Triaged, clocks, &milestones, now);
        }
        A::Dispatch { unit } | A::DispatchWithoutSms { unit } => {
            from(
                &[S::Triaged, S::Reopened],
                "dispatch needs a triaged ticket (triage it first, or redispatch)",
            )?;
            let unit = known_unit(rules, unit)?;
            milestones.push(Milestone::Dispatched);
            match action {
                A::DispatchWithoutSms { .. } => (EventBody::DispatchedWithoutSms { unit }, S::Dispatched),
                _ => (EventBody::Dispatched { unit }, S::Dispatched),
            }
        }
        A::Sign => {
            from(&[S::Dispatched], "only a dispatched ticket can be signed for")?;
            milestones.push(Milestone::Signed);
            (EventBody::Signed { unit: t.workflow.unit.clone().unwrap_or_default() }, S::Signed)
        }
        A::Contact { note } => {
            from(&[S::Signed], "first contact follows the unit's sign-for")?;
            text("note", note)?;
            milestones.push(Milestone::FirstContact);
            (EventBody::Contacted { note: note.clone() }, S::Contacted)
        }
        A::Accept => {
            need_kind(&[Kind::Complaint], "complaints")?;
            from(&unit_has_it, "the acceptance decision is made by the unit after signing for it")?;
            milestones.push(Milestone::Accepted);
            (EventBody::Accepted, S::Accepted)
        }
        A::Refuse { reason, note } => {
            need_kind(&[Kind::Complaint], "complaints")?;
            from(&unit_has_it, "the acceptance decision is made by the unit after signing for it")?;
            let reason = known_reason(name, REFUSAL_REASONS, reason)?;
            milestones.push(Milestone::Refused);
            (EventBody::Refused { reason, note: note.clone() }, S::Refused)
        }
        A::Mediate => {
            need_kind(&[Kind::Complaint], "complaints")?;
            from(&[S::Accepted], "mediation follows acceptance")?;
            milestones.push(Milestone::MediationStarted);
            (EventBody::MediationStarted, S::Mediating)
        }
        A::Settle { agreement, amount_recovered } => {
            need_kind(&[Kind::Complaint], "complaints")?;
            from(&[S::Accepted, S::Mediating], "only an accepted complaint can be settled")?;
            text("agreement", agreement)?;
            milestones.push(Milestone::Settled);
            (
                EventBody::Settled { agreement: agreement.clone(), amount_recovered: *amount_recovered },
                S::Settled,
            )
        }
        A::EndMediation { reason } => {
            need_kind(&[Kind::Complaint], "complaints")?;
            from(&[S::Accepted, S::Mediating], "only a complaint in mediation can end it")?;
            text("reason", reason)?;
            milestones.push(Milestone::MediationEnded);
            (EventBody::MediationEnded { reason: reason.clone() }, S::MediationEnded)
        }
        A::Verify { findings } => {
            need_kind(&[Kind::Report], "reports")?;
            from(&unit_has_it, "verification is done by the unit after signing for it")?;
            text("findings", findings)?;
            milestones.push(Milestone::Verified);
            (EventBody::Verified { findings: findings.clone() }, S::Verified)
        }
        A::DecideFiling { filed, note } => {
            need_kind(&[Kind::Report], "reports")?;
            from(&[S::Verified], "the filing decision follows verification")?;
            text("note", note)?;
            milestones.push(Milestone::FilingDecided);
            let after = if *filed { S::CaseFiled } else { S::NotFiled };
            (EventBody::FilingDecided { filed: *filed, note: note.clone() }, after)
        }
        A::TellReporter { note } => {
            need_kind(&[Kind::Report], "reports")?;
            from(&[S::CaseFiled, S::NotFiled], "the reporter is told after the filing decision")?;
            text("note", note)?;
            milestones.push(Milestone::ReporterTold);
            (EventBody::ReporterTold { note: note.clone() }, S::ReporterTold)
        }
        A::Answer { text: answer } => {
            need_kind(&[Kind::Enquiry, Kind::Suggestion], "enquiries and suggestions")?;
            from(&unit_has_it, "the unit answers after signing for it")?;
            text("text", answer)?;
            milestones.push(Milestone::Answered);
            (EventBody::Answered { text: answer.clone() }, S::Answered)
        }
        A::Resolve { result, amount_recovered } => {
            let mut ready = vec![S::Settled, S::MediationEnded, S::Refused, S::ReporterTold, S::Answered];
            if !t.is_real_name() {
                // An anonymous reporter cannot be told, so the filing decision ends the handling.
                ready.extend([S::CaseFiled, S::NotFiled]);
            }
            from(
                &ready,
                "a ticket is resolved once its decision is made (settled, mediation ended, refused, reporter told or answered)",
            )?;
            text("result", result)?;
            milestones.push(Milestone::Resolved);
            (EventBody::Resolved { result: result.clone(), amount_recovered: *amount_recovered }, S::Resolved)
        }
        A::WriteBack { note } => {
            from(&[S::Resolved], "only a resolved ticket is written back to its channel")?;
            milestones.push(Milestone::WrittenBack);
            (EventBody::WrittenBack { note: note.clone() }, S::WrittenBack)
        }
        A::FollowUp { satisfaction, note } => {
            from(&[S::WrittenBack], "follow-up comes after the result was written back")?;
            milestones.push(Milestone::FollowedUp);
            let after = if *satisfaction == Satisfaction::Unsatisfied {
                milestones.push(Milestone::Reopened);
                S::Reopened
            } else {
                S::FollowedUp
            };
            (EventBody::FollowedUp { satisfaction: *satisfaction, note: note.clone() }, after)
        }
        A::Close => {
            from(&[S::FollowedUp, S::WrittenBack], "a ticket is closed after write-back or follow-up")?;
            milestones.push(Milestone::Closed);
            (EventBody::Closed, S::Closed)
        }
        A::Reopen { reason } => {
            from(&[S::Closed, S::FollowedUp], "only a closed or followed-up ticket can be reopened")?;
            text("reason", reason)?;
            milestones.push(Milestone::Reopened);
            (EventBody::Reopened { reason: reason.clone() }, S::Reopened)
        }
        A::Return { reason, note } => {
            from(&handling, "only a ticket at a unit can be returned by it")?;
            let reason = known_reason(name, RETURN_REASONS, reason)?;
            milestones.push(Milestone::ReturnedByUnit);
            let unit = t.workflow.unit.clone().unwrap_or_default();
            (EventBody::ReturnedByUnit { unit, reason, note: note.clone() }, S::Triaged)
        }
        A::Recall { reason } => {
            from(&handling, "only a ticket at a unit can be recalled")?;
            text("reason", reason)?;
            milestones.push(Milestone::Recalled);
            (EventBody::Recalled { unit: t.workflow.unit.clone(), reason: reason.clone() }, S::Triaged)
        }
        A::Redispatch { unit, reason } => {
            from(&handling, "only a ticket at a unit can be redispatched (use dispatch otherwise)")?;
            let unit = known_unit(rules, unit)?;
            if t.workflow.unit.as_deref() == Some(unit.as_str()) {
                return Err(LifecycleError::Invalid {
                    action: name,
                    what: format!("the ticket is already at {unit}"),
                });
            }
            text("reason", reason)?;
            milestones.push(Milestone::Dispatched);
            let from_unit = t.workflow.unit.clone();
            (EventBody::Redispatched { from: from_unit, unit, reason: reason.clone() }, S::Dispatched)
        }
        A::Split { kind, note } => {
            from(&[S::Registered, S::Triaged], "split a ticket while it is being triaged")?;
            if *kind == t.kind {
                return Err(LifecycleError::Invalid {
                    action: name,
                    what: format!("the split-out part must be of another kind than this {}", t.kind.code()),
                });
            }
            // The engine allocates the new ticket's id and fills it in.
            (EventBody::SplitInto { ticket: TicketId(0), kind: *kind, note: note.clone() }, t.status)
        }
        A::Merge { into } => {
            from(
                &[S::Registered, S::Triaged, S::Dispatched, S::Signed, S::Contacted],
                "only a ticket still being handled can be merged",
            )?;
            if *into == t.id {
                return Err(LifecycleError::Invalid {
                    action: name,
                    what: "a ticket cannot be merged into itself".into(),
                });
            }
            milestones.push(Milestone::Merged);
            (EventBody::MergedInto { target: *into }, S::Merged)
        }
        A::Suspend { reason } => {
            open()?;
            from(
                &S::ALL.into_iter().filter(|s| s.is_open() && *s != S::Suspended).collect::<Vec<_>>(),
                "it is already suspended",
            )?;
            text("reason", reason)?;
            rules.sla.pause(&mut clocks, now);
            return Ok(Decision {
                body: EventBody::Suspended { reason: reason.clone() },
                after: S::Suspended,
                clocks: changed(t, clocks),
            });
        }
        A::Resume => {
            from(&[S::Suspended], "only a suspended ticket can be resumed")?;
            rules.sla.resume(&mut clocks, now);
            let after = t.workflow.suspended_from.unwrap_or(S::Registered);
            return Ok(Decision { body: EventBody::Resumed, after, clocks: changed(t, clocks) });
        }
        A::Extend { clock, working_days, reason, approver } => {
            open()?;
            text("reason", reason)?;
            text("approver", approver)?;
            if *working_days == 0 {
                return Err(LifecycleError::Invalid {
                    action: name,
                    what: "an extension of 0 days changes nothing".into(),
                });
            }
            rules
                .sla
                .extend(&mut clocks, clock, *working_days)
                .map_err(|source| LifecycleError::Clock { ticket: t.id, source })?;
            let body = EventBody::Extended {
                clock: clock.clone(),
                working_days: *working_days,
                reason: reason.clone(),
                approver: approver.clone(),
            };
            return Ok(Decision { body, after: t.status, clocks: changed(t, clocks) });
        }
        A::ReturnToChannel { reason, note } => {
            from(&[S::Registered, S::Triaged], "a misrouted order is returned before it is dispatched")?;
            let remote = rules.channels.get(&t.intake.channel).is_some_and(|c| c.mode == ChannelMode::Remote);
            if !remote {
                return Err(LifecycleError::Invalid {
                    action: name,
                    what: format!(
                        "channel {} is entered by hand: there is no system to return it to",
                        t.intake.channel
                    ),
                });
            }
            let reason = known_reason(name, RETURN_REASONS, reason)?;
            milestones.push(Milestone::ReturnedToChannel);
            (EventBody::ReturnedToChannel { reason, note: note.clone() }, S::ReturnedToChannel)
        }
        A::Assign { owner } => {
            open()?;
            let owner = owner.as_ref().map(|o| o.trim().to_string()).filter(|o| !o.is_empty());
            (EventBody::Assigned { owner }, t.status)
        }
        A::Note { text: note } => {
            text("text", note)?;
            (EventBody::NoteAdded { text: note.clone() }, t.status)
        }
        A::Attach { name: file, uri } => {
            text("name", file)?;
            text("uri", uri)?;
            (EventBody::Attached(Attachment { name: file.clone(), uri: uri.clone() }), t.status)
        }
        A::Remind { note } => {
            from(&handling, "reminders go to the unit handling the ticket")?;
            (EventBody::Reminded { note: note.clone() }, t.status)
        }
        A::Reveal => (EventBody::Revealed, t.status),
    };
    finish(t, rules, &ctx, body, after, clocks, &milestones, now)
}

#[allow(clippy::too_many_arguments)]
fn finish(
    t: &Ticket,
    rules: Rules,
    ctx: &ClockContext,
    body: EventBody,
    after: Status,
    mut clocks: Vec<ClockRecord>,
    milestones: &[Milestone],
    now: Timestamp,
) -> Result<Decision, LifecycleError> {
    for m in milestones {
        rules.sla.on_milestone(ctx, &mut clocks, *m, now);
    }
    if after.is_terminal() {
        // A closed, merged or returned ticket owes nothing more: stop whatever still runs, so it
        // never shows as overdue.
        for c in clocks.iter_mut().filter(|c| c.stopped_at.is_none()) {
            c.stopped_at = Some(now);
        }
    }
    Ok(Decision { body, after, clocks: changed(t, clocks) })
}

fn changed(t: &Ticket, clocks: Vec<ClockRecord>) -> Option<Vec<ClockRecord>> {
    (clocks != t.clocks).then_some(clocks)
}

fn known_unit(rules: Rules, text: &str) -> Result<String, LifecycleError> {
    rules
        .org
        .find_unit(text)
        .map(|u| u.id.clone())
        .ok_or_else(|| LifecycleError::UnknownUnit(text.to_string()))
}

fn known_reason(
    action: &'static str,
    table: &[(&'static str, &'static str)],
    text: &str,
) -> Result<String, LifecycleError> {
    reason_code(table, text).map(str::to_string).ok_or_else(|| LifecycleError::UnknownReason {
        action,
        reason: text.to_string(),
        allowed: table.iter().map(|(c, zh)| format!("{c} ({zh})")).collect::<Vec<_>>().join(", "),
    })
}
