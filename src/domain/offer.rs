//! Which lifecycle actions a ticket offers now: each tried against the real rules with sample
//! arguments, so a screen offers exactly what the engine would accept and never keeps a second
//! copy of the state machine.

use crate::domain::action::TicketAction as A;
use crate::domain::lifecycle::{self, Rules};
use crate::domain::ticket::{Kind, Satisfaction, Ticket, TicketId};
use crate::time::Timestamp;

/// The names (`TicketAction::name`) of the actions allowed on `t` at `now`, in lifecycle order.
pub fn offered(t: &Ticket, rules: Rules, now: Timestamp) -> Vec<&'static str> {
    let text = || "…".to_string();
    let some_unit = rules.org.units().find(|u| Some(&u.id) != t.workflow.unit.as_ref()).map(|u| u.id.clone());
    let other_kind = Kind::ALL.into_iter().find(|k| *k != t.kind).unwrap_or(Kind::Report);
    let mut samples = vec![
        A::Triage { kind: t.kind, category: None, dispute_type: None },
        A::Sign,
        A::Contact { note: text() },
        A::Accept,
        A::Refuse { reason: "other".into(), note: None },
        A::Mediate,
        A::Settle { agreement: text(), amount_recovered: None },
        A::EndMediation { reason: text() },
        A::Verify { findings: text() },
        A::DecideFiling { filed: false, note: text() },
        A::TellReporter { note: text() },
        A::Answer { text: text() },
        A::Resolve { result: text(), amount_recovered: None },
        A::WriteBack { note: None },
        A::FollowUp { satisfaction: Satisfaction::Satisfied, note: None },
        A::Close,
        A::Reopen { reason: text() },
        A::Return { reason: "other".into(), note: None },
        A::Recall { reason: text() },
        A::Split { kind: other_kind, note: None },
        A::Merge { into: TicketId(u64::MAX) },
        A::Suspend { reason: text() },
        A::Resume,
        A::ReturnToChannel { reason: "other".into(), note: None },
        A::Assign { owner: None },
        A::Note { text: text() },
        A::Attach { name: text(), uri: text() },
        A::Remind { note: None },
    ];
    if let Some(unit) = some_unit {
        samples.insert(1, A::Dispatch { unit: unit.clone() });
        samples.insert(20, A::Redispatch { unit, reason: text() });
    }
    for c in &t.clocks {
        samples.push(A::Extend { clock: c.rule.clone(), working_days: 1, reason: text(), approver: text() });
    }
    let mut names: Vec<&'static str> = Vec::new();
    for action in &samples {
        let allowed = match action {
            // The target is the clerk's to choose; only the state is the question here.
            A::Merge { .. } => merge_states(t),
            _ => lifecycle::decide(t, action, rules, now).is_ok(),
        };
        if allowed && !names.contains(&action.name()) {
            names.push(action.name());
        }
    }
    names
}

fn merge_states(t: &Ticket) -> bool {
    use crate::domain::status::Status as S;
    matches!(t.status, S::Registered | S::Triaged | S::Dispatched | S::Signed | S::Contacted)
}
