//! The compact row summary: everything a list or the queue shows, so that listing never has to
//! load whole tickets.

use crate::domain::sla::ClockRecord;
use crate::domain::status::Status;
use crate::domain::ticket::{Flag, Kind, Ticket, TicketId};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub id: TicketId,
    pub kind: Kind,
    pub status: Status,
    pub channel: String,
    pub channel_ticket_id: String,
    pub received_at: Option<Timestamp>,
    pub title: String,
    pub town: Option<String>,
    pub respondent_name: Option<String>,
    pub category: Option<String>,
    pub unit: Option<String>,
    pub owner: Option<String>,
    pub flags: BTreeSet<Flag>,
    pub clocks: Vec<ClockRecord>,
    /// Earliest due instant of a running clock, as the deadline index has it.
    pub earliest_due: Option<Timestamp>,
    pub updated_at: Timestamp,
    /// 商圈 (record version 3 on).
    #[serde(default, deserialize_with = "super::codec::since_v3")]
    pub business_district: Option<String>,
}

impl Row {
    pub fn of(t: &Ticket, earliest_due: Option<Timestamp>) -> Row {
        Row {
            id: t.id,
            kind: t.kind,
            status: t.status,
            channel: t.intake.channel.clone(),
            channel_ticket_id: t.intake.channel_ticket_id.clone(),
            received_at: t.intake.received_at,
            title: t.dispute.title.clone(),
            town: t.intake.town.clone(),
            respondent_name: t.respondent.name.clone(),
            category: t.dispute.category.clone(),
            unit: t.workflow.unit.clone(),
            owner: t.workflow.owner.clone(),
            flags: t.flags.clone(),
            clocks: t.clocks.clone(),
            earliest_due,
            updated_at: t.updated_at,
            business_district: t.intake.business_district.clone(),
        }
    }
}
