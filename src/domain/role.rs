//! Who may do what: the four roles of the section's staff, the people who hold them
//! (`users.toml` in the config directory) and which role each action needs. Pure: the engine
//! asks it about every command from a person, the server about every attach.

use crate::domain::ConfigProblem;
use crate::domain::action::TicketAction;
use crate::domain::org::Organisation;
use crate::domain::status::Status;
use crate::domain::ticket::Ticket;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// What a person may do. A unit's staff act for one unit only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Triage, dispatch, every lifecycle step, notes.
    Clerk,
    /// A clerk's work, and extend, refuse, reopen, reveal personal data, unit tokens, the
    /// quarantine and the outbox.
    Chief,
    /// A unit's steps on the tickets dispatched to that unit (its id).
    Unit(String),
    /// Reads: the wall display.
    Viewer,
}

impl Role {
    pub fn code(&self) -> &'static str {
        match self {
            Role::Clerk => "clerk",
            Role::Chief => "chief",
            Role::Unit(_) => "unit",
            Role::Viewer => "viewer",
        }
    }

    pub fn unit(&self) -> Option<&str> {
        match self {
            Role::Unit(u) => Some(u),
            _ => None,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Role::Unit(u) => write!(f, "unit {u}"),
            other => f.write_str(other.code()),
        }
    }
}

/// A person at a terminal: the Unix login the server saw behind the socket, what `users.toml`
/// calls them, their role, and whom a chief acts for (`--as`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub login: String,
    pub name: String,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acting_as: Option<String>,
}

impl Person {
    /// The person working their own store without a server: what `--as` or the login says, as
    /// a chief (they own the files anyway).
    pub fn owner(actor: &str) -> Person {
        Person { login: actor.to_string(), name: actor.to_string(), role: Role::Chief, acting_as: None }
    }

    /// The name the audit trail records: the login, or "X acting as Y" for a chief's `--as`.
    pub fn actor(&self) -> String {
        match &self.acting_as {
            Some(other) => format!("{} acting as {other}", self.login),
            None => self.login.clone(),
        }
    }
}

/// The least role an action needs. Each level admits the ones above it: a chief does a clerk's
/// work, a clerk a unit's steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// A step of the unit holding the ticket (a clerk or a chief may take it for the unit).
    UnitStep,
    Clerk,
    Chief,
}

impl Need {
    fn roles(self) -> &'static str {
        match self {
            Need::UnitStep => "the unit holding the ticket, a clerk or a chief",
            Need::Clerk => "clerk or chief",
            Need::Chief => "chief",
        }
    }
}

/// The role an action on a ticket needs.
pub fn need_for(action: &TicketAction) -> Need {
    use TicketAction as A;
    match action {
        A::Sign
        | A::Contact { .. }
        | A::Accept
        | A::Mediate
        | A::Settle { .. }
        | A::EndMediation { .. }
        | A::Verify { .. }
        | A::DecideFiling { .. }
        | A::TellReporter { .. }
        | A::Answer { .. }
        | A::Resolve { .. }
        | A::Return { .. }
        | A::Note { .. }
        | A::Attach { .. } => Need::UnitStep,
        A::Extend { .. } | A::Refuse { .. } | A::Reopen { .. } | A::Reveal => Need::Chief,
        A::Triage { .. }
        | A::Dispatch { .. }
        | A::DispatchWithoutSms { .. }
        | A::WriteBack { .. }
        | A::FollowUp { .. }
        | A::Close
        | A::Recall { .. }
        | A::Redispatch { .. }
        | A::Split { .. }
        | A::Merge { .. }
        | A::Suspend { .. }
        | A::Resume
        | A::ReturnToChannel { .. }
        | A::Assign { .. }
        | A::Remind { .. } => Need::Clerk,
    }
}

/// Whether `person` may take the action called `name` (a `TicketAction::name`) on `ticket`:
/// what a screen offers them. Unknown names are offered (the engine decides).
pub fn may_take(person: &Person, name: &str, ticket: &Ticket) -> bool {
    match (&person.role, need_by_name(name)) {
        (Role::Unit(unit), Need::UnitStep) => holds(ticket, unit),
        (role, need) => role_admits(role, need),
    }
}

/// Whether `role` may ever take the action called `name` (or `register`), on some ticket: the
/// keys a console's hints offer.
pub fn may_ever(role: &Role, name: &str) -> bool {
    role_admits(role, need_by_name(name))
}

fn role_admits(role: &Role, need: Need) -> bool {
    matches!(
        (role, need),
        (Role::Chief, _) | (Role::Clerk, Need::Clerk | Need::UnitStep) | (Role::Unit(_), Need::UnitStep)
    )
}

fn need_by_name(name: &str) -> Need {
    match name {
        "extend" | "refuse" | "reopen" | "reveal" | "watch_merchant" | "unwatch_merchant" => Need::Chief,
        "sign" | "contact" | "accept" | "mediate" | "settle" | "end_mediation" | "verify"
        | "decide_filing" | "tell_reporter" | "answer" | "resolve" | "return" | "note" | "attach" => {
            Need::UnitStep
        }
        _ => Need::Clerk,
    }
}

/// Why a person may not do something: what it needs, and who they are.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Forbidden {
    #[error("{what} needs the role {needs}; {login} is {role}")]
    Role { what: String, needs: &'static str, login: String, role: String },
    #[error(
        "{what}: ticket #{ticket} is not in hand at unit {unit}; a unit's staff act only on the tickets dispatched to their unit"
    )]
    NotAtUnit { what: String, ticket: u64, unit: String },
    #[error("{what} is the server's own: only its workers send it, never a client, whatever the role")]
    Internal { what: String },
}

impl Forbidden {
    pub fn role(what: impl Into<String>, needs: &'static str, person: &Person) -> Forbidden {
        Forbidden::Role { what: what.into(), needs, login: person.login.clone(), role: article(&person.role) }
    }
}

fn article(role: &Role) -> String {
    match role {
        Role::Unit(u) => format!("staff of unit {u}"),
        other => format!("a {}", other.code()),
    }
}

/// Whether `person` may take `action` on `ticket` as it stands now.
pub fn may_act(person: &Person, action: &TicketAction, ticket: &Ticket) -> Result<(), Forbidden> {
    let need = need_for(action);
    let what = action.name();
    match (&person.role, need) {
        (Role::Chief, _) | (Role::Clerk, Need::Clerk | Need::UnitStep) => Ok(()),
        (Role::Unit(unit), Need::UnitStep) if holds(ticket, unit) => Ok(()),
        (Role::Unit(unit), Need::UnitStep) => {
            Err(Forbidden::NotAtUnit { what: what.into(), ticket: ticket.id.0, unit: unit.clone() })
        }
        _ => Err(Forbidden::role(what, need.roles(), person)),
    }
}

/// Whether `person` may do what needs at least `need` and touches no single ticket (register,
/// unit tokens, the outbox, the quarantine).
pub fn may(person: &Person, what: &str, need: Need) -> Result<(), Forbidden> {
    match (&person.role, need) {
        (Role::Chief, _) | (Role::Clerk, Need::Clerk | Need::UnitStep) => Ok(()),
        _ => Err(Forbidden::role(what, need.roles(), person)),
    }
}

/// A unit holds a ticket from its dispatch until the unit resolves it, sends it back or the
/// bureau takes it away: the tickets it works on, and the only ones its staff may read.
pub fn holds(t: &Ticket, unit: &str) -> bool {
    t.workflow.unit.as_deref() == Some(unit) && in_hand(t.status)
}

/// The statuses in which a unit still has work on a ticket.
pub fn in_hand(status: Status) -> bool {
    use Status as S;
    matches!(
        status,
        S::Dispatched
            | S::Signed
            | S::Contacted
            | S::Accepted
            | S::Mediating
            | S::Settled
            | S::MediationEnded
            | S::Refused
            | S::Verified
            | S::CaseFiled
            | S::NotFiled
            | S::ReporterTold
            | S::Answered
            | S::Reopened
            | S::Suspended
    )
}

/// `users.toml`: one table a Unix login.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsersFile {
    #[serde(default)]
    pub users: BTreeMap<String, UserEntry>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserEntry {
    pub name: String,
    pub role: String,
    pub unit: Option<String>,
}

/// The people a server admits, by login. Empty when the config directory has no `users.toml`:
/// then only the server's own Unix user attaches (see `remote::server`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Users {
    by_login: BTreeMap<String, Person>,
}

impl UsersFile {
    pub fn build(self, org: &Organisation) -> Result<Users, ConfigProblem> {
        let mut by_login = BTreeMap::new();
        for (login, entry) in self.users {
            let key = |field: &str| format!("users.{login}.{field}");
            if login.trim().is_empty() || login.contains(char::is_whitespace) {
                return Err(ConfigProblem::new(format!("users.{login}"), "a Unix login has no spaces"));
            }
            if entry.name.trim().is_empty() {
                return Err(ConfigProblem::new(key("name"), "is empty: the name the timeline shows"));
            }
            let role = match (entry.role.as_str(), entry.unit.as_deref()) {
                ("unit", Some(text)) => match org.find_unit(text) {
                    Some(unit) => Role::Unit(unit.id.clone()),
                    None => {
                        return Err(ConfigProblem::new(
                            key("unit"),
                            format!("{text:?} is not a unit of the organisation (see org.toml)"),
                        ));
                    }
                },
                ("unit", None) => {
                    return Err(ConfigProblem::new(
                        key("role"),
                        "a unit's staff name their unit: unit = \"UNIT_ID\" in the same table",
                    ));
                }
                ("clerk" | "chief" | "viewer", Some(_)) => {
                    return Err(ConfigProblem::new(
                        key("unit"),
                        "only unit staff (role = \"unit\") have a unit: remove it or change the role",
                    ));
                }
                ("clerk", None) => Role::Clerk,
                ("chief", None) => Role::Chief,
                ("viewer", None) => Role::Viewer,
                (other, _) => {
                    return Err(ConfigProblem::new(
                        key("role"),
                        format!("{other:?} is not a role: clerk, chief, unit or viewer"),
                    ));
                }
            };
            let person = Person { login: login.clone(), name: entry.name, role, acting_as: None };
            by_login.insert(login, person);
        }
        Ok(Users { by_login })
    }
}

impl Users {
    pub fn person(&self, login: &str) -> Option<&Person> {
        self.by_login.get(login)
    }

    pub fn is_empty(&self) -> bool {
        self.by_login.is_empty()
    }

    /// Who to ask when a login is not known: the chiefs, by name and login.
    pub fn chiefs(&self) -> Vec<&Person> {
        self.by_login.values().filter(|p| p.role == Role::Chief).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ticket::TicketId;
    use crate::time::Timestamp;

    fn person(role: Role) -> Person {
        Person { login: "chenli".into(), name: "陈丽".into(), role, acting_as: None }
    }

    fn at(unit: &str, status: Status) -> Ticket {
        let mut t = Ticket::blank(TicketId(17), Timestamp::from_millis(0));
        t.workflow.unit = Some(unit.into());
        t.status = status;
        t
    }

    #[test]
    fn a_clerk_dispatches_but_only_a_chief_extends_and_the_refusal_names_the_role() {
        let t = at("lunjiao", Status::Accepted);
        let dispatch = TicketAction::Dispatch { unit: "daliang".into() };
        assert_eq!(may_act(&person(Role::Clerk), &dispatch, &t), Ok(()));
        let extend = TicketAction::Extend {
            clock: "complaint_accept".into(),
            working_days: 5,
            reason: "检测".into(),
            approver: "王科长".into(),
        };
        let refused = may_act(&person(Role::Clerk), &extend, &t).unwrap_err();
        assert_eq!(refused.to_string(), "extend needs the role chief; chenli is a clerk");
        assert_eq!(may_act(&person(Role::Chief), &extend, &t), Ok(()));
    }

    #[test]
    fn a_unit_takes_its_steps_only_on_tickets_it_holds() {
        let unit = person(Role::Unit("lunjiao".into()));
        assert_eq!(may_act(&unit, &TicketAction::Sign, &at("lunjiao", Status::Dispatched)), Ok(()));
        let elsewhere = may_act(&unit, &TicketAction::Sign, &at("daliang", Status::Dispatched)).unwrap_err();
        assert!(matches!(elsewhere, Forbidden::NotAtUnit { .. }), "{elsewhere}");
        let closed =
            may_act(&unit, &TicketAction::Note { text: "补充".into() }, &at("lunjiao", Status::Closed));
        assert!(closed.is_err(), "a closed ticket is no longer the unit's");
        let dispatch =
            may_act(&unit, &TicketAction::Dispatch { unit: "x".into() }, &at("lunjiao", Status::Signed));
        assert!(dispatch.unwrap_err().to_string().contains("needs the role clerk or chief"));
    }

    #[test]
    fn what_a_screen_offers_follows_the_rule_the_engine_applies() {
        let t = at("lunjiao", Status::Signed);
        let actions = [
            TicketAction::Sign,
            TicketAction::Accept,
            TicketAction::Close,
            TicketAction::Reveal,
            TicketAction::Note { text: "x".into() },
            TicketAction::Refuse { reason: "other".into(), note: None },
            TicketAction::Dispatch { unit: "x".into() },
            TicketAction::Resolve { result: "x".into(), amount_recovered: None },
        ];
        for role in [
            Role::Clerk,
            Role::Chief,
            Role::Viewer,
            Role::Unit("lunjiao".into()),
            Role::Unit("daliang".into()),
        ] {
            let p = person(role);
            for a in &actions {
                assert_eq!(may_take(&p, a.name(), &t), may_act(&p, a, &t).is_ok(), "{} {}", p.role, a.name());
            }
        }
    }

    #[test]
    fn a_consoles_keys_are_offered_by_role() {
        let unit = Role::Unit("lunjiao".into());
        assert!(may_ever(&unit, "note") && may_ever(&unit, "resolve"));
        assert!(!may_ever(&unit, "dispatch") && !may_ever(&unit, "register"));
        assert!(["note", "dispatch", "register", "reveal"].iter().all(|n| !may_ever(&Role::Viewer, n)));
        assert!(may_ever(&Role::Clerk, "dispatch") && !may_ever(&Role::Clerk, "reveal"));
        assert!(may_ever(&Role::Chief, "extend"));
    }

    #[test]
    fn a_viewer_changes_nothing() {
        let viewer = person(Role::Viewer);
        let t = at("lunjiao", Status::Dispatched);
        assert!(may_act(&viewer, &TicketAction::Note { text: "看看".into() }, &t).is_err());
        assert!(may(&viewer, "register", Need::Clerk).is_err());
    }

    #[test]
    fn a_chief_acting_for_a_clerk_is_recorded_as_both() {
        let mut chief = person(Role::Chief);
        chief.login = "wangfang".into();
        chief.acting_as = Some("chenli".into());
        assert_eq!(chief.actor(), "wangfang acting as chenli");
    }
}
