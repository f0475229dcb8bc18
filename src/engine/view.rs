//! What a ticket looks like to the outside: the JSON objects of INTERFACES.md, built from the
//! projections and the clocks evaluated at "now". Personal data is masked unless revealed.

use crate::config::Config;
use crate::domain::event::Event;
use crate::domain::mask;
use crate::domain::sla::{ClockState, ClockView};
use crate::domain::ticket::{Flag, Ticket};
use crate::store::Row;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

/// One line of `tickets list`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TicketSummary {
    pub id: u64,
    pub channel: String,
    pub channel_ticket_id: String,
    pub kind: String,
    pub status: String,
    pub received_at: Option<Timestamp>,
    pub title: String,
    pub town: Option<String>,
    /// 商圈, or null.
    #[serde(default)]
    pub business_district: Option<String>,
    pub respondent_name: Option<String>,
    pub category: Option<String>,
    pub unit: Option<String>,
    pub owner: Option<String>,
    pub flags: Vec<String>,
    pub clocks: Vec<ClockView>,
}

impl TicketSummary {
    pub fn of(row: &Row, config: &Config, now: Timestamp) -> TicketSummary {
        let clocks = evaluate_clocks(&row.clocks, config, now);
        TicketSummary {
            id: row.id.0,
            channel: row.channel.clone(),
            channel_ticket_id: row.channel_ticket_id.clone(),
            kind: row.kind.code().to_string(),
            status: row.status.code().to_string(),
            received_at: row.received_at,
            title: row.title.clone(),
            town: row.town.clone(),
            business_district: row.business_district.clone(),
            respondent_name: row.respondent_name.clone(),
            category: row.category.clone(),
            unit: row.unit.clone(),
            owner: row.owner.clone(),
            flags: flag_codes(&row.flags, &clocks),
            clocks,
        }
    }

    /// The clock that matters most now: overdue, then due soon, then the nearest running.
    pub fn most_urgent(&self) -> Option<&ClockView> {
        let rank = |c: &ClockView| match c.state {
            ClockState::Overdue => 0,
            ClockState::DueSoon => 1,
            ClockState::Running => 2,
            ClockState::Paused => 3,
            ClockState::Met => 4,
        };
        self.clocks.iter().min_by_key(|c| (rank(c), c.due_at))
    }

    pub fn is_overdue(&self) -> bool {
        self.clocks.iter().any(|c| c.state == ClockState::Overdue)
    }

    pub fn is_due_soon(&self) -> bool {
        self.clocks.iter().any(|c| c.state == ClockState::DueSoon)
    }
}

pub fn evaluate_clocks(
    clocks: &[crate::domain::sla::ClockRecord],
    config: &Config,
    now: Timestamp,
) -> Vec<ClockView> {
    clocks.iter().filter_map(|c| config.sla.evaluate(c, &config.calendar, now)).collect()
}

fn flag_codes(flags: &std::collections::BTreeSet<Flag>, clocks: &[ClockView]) -> Vec<String> {
    let mut out: Vec<String> = flags.iter().map(|f| f.code().to_string()).collect();
    if clocks.iter().any(|c| c.provisional && c.state != ClockState::Met) {
        out.push(Flag::ProvisionalDeadline.code().to_string());
    }
    out
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub seq: u64,
    pub at: Timestamp,
    pub actor: String,
    pub action: String,
    pub detail: String,
    pub before: Option<String>,
    pub after: String,
}

impl TimelineEntry {
    /// The entry, with clocks and units called by their names in `config`.
    pub fn of(e: &Event, config: &Config) -> TimelineEntry {
        TimelineEntry {
            seq: e.seq,
            at: e.at,
            actor: e.actor.clone(),
            action: e.body.name().to_string(),
            detail: e.body.detail_naming(config),
            before: e.before.map(|s| s.code().to_string()),
            after: e.after.code().to_string(),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PersonView {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub id_verified: bool,
    pub proxy: bool,
}

/// `ticket show`: the summary plus the whole record and its timeline.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TicketDetail {
    #[serde(flatten)]
    pub summary: TicketSummary,
    pub order_no: Option<String>,
    pub region_code: Option<String>,
    pub caller_number: Option<String>,
    pub complainant: PersonView,
    pub respondent: crate::domain::ticket::Respondent,
    pub dispute: crate::domain::ticket::Dispute,
    pub workflow: crate::domain::ticket::Workflow,
    pub notes: Vec<crate::domain::ticket::Note>,
    pub attachments: Vec<crate::domain::ticket::Attachment>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub timeline: Vec<TimelineEntry>,
    /// The lifecycle actions the ticket offers now (`TicketAction` names).
    #[serde(default)]
    pub actions: Vec<String>,
    /// Each clock's legal basis, by rule id.
    #[serde(default)]
    pub bases: Vec<ClockBasis>,
    /// Sign-fors, write-backs and SMS of this ticket not delivered yet (pending, waiting for
    /// configuration): what a clerk asks when a channel says it never heard back.
    #[serde(default)]
    pub undelivered: Vec<crate::store::outbox::OutboxEntry>,
}

/// A clock's name and the rule it rests on, for the detail screen.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ClockBasis {
    pub rule: String,
    pub name: String,
    pub basis: String,
}

impl TicketDetail {
    pub fn of(
        t: &Ticket,
        row: &Row,
        events: &[Event],
        config: &Config,
        now: Timestamp,
        reveal: bool,
    ) -> Self {
        let hide = |value: &Option<String>, f: fn(&str) -> String| {
            value.as_ref().map(|v| if reveal { v.clone() } else { f(v) })
        };
        TicketDetail {
            summary: TicketSummary::of(row, config, now),
            order_no: t.intake.order_no.clone(),
            region_code: t.intake.region_code.clone(),
            caller_number: hide(&t.intake.caller_number, mask::phone),
            complainant: PersonView {
                name: hide(&t.complainant.name, mask::name),
                phone: hide(&t.complainant.phone, mask::phone),
                address: hide(&t.complainant.address, mask::address),
                id_verified: t.complainant.id_verified,
                proxy: t.complainant.proxy,
            },
            respondent: t.respondent.clone(),
            dispute: t.dispute.clone(),
            workflow: t.workflow.clone(),
            notes: t.notes.clone(),
            attachments: t.attachments.clone(),
            created_at: t.created_at,
            updated_at: t.updated_at,
            timeline: events.iter().map(|e| TimelineEntry::of(e, config)).collect(),
            actions: Vec::new(),
            undelivered: Vec::new(),
            bases: t
                .clocks
                .iter()
                .map(|c| ClockBasis {
                    rule: c.rule.clone(),
                    name: config.sla.clock_name(&c.rule),
                    basis: config.sla.rule(&c.rule).map(|r| r.basis.clone()).unwrap_or_default(),
                })
                .collect(),
        }
    }
}
