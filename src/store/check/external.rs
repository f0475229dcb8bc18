//! The external keys, which map a channel's ticket id to the one ticket that owns it: each key
//! names a ticket with that id that was registered (or backfilled) under it, and each such
//! ticket has its key.

use super::Pass;
use super::describe::show;
use crate::domain::ticket::{Ticket, TicketId};
use crate::store::Result;
use std::collections::HashMap;

/// Registered and backfilled tickets own their channel's id; a split-out part shares its
/// original's and owns none.
pub(super) fn owns_external_id(created_by: Option<&str>) -> bool {
    matches!(created_by, Some("registered" | "backfilled"))
}

pub(super) type Identities = HashMap<TicketId, Identity>;

/// What a ticket says about its channel ticket id.
pub(super) struct Identity {
    pub(super) channel: String,
    pub(super) channel_ticket_id: String,
    pub(super) created_by: Option<&'static str>,
}

impl Pass<'_> {
    /// Every external id names a ticket of this channel id that owns it.
    pub(super) fn check_external_keys(&mut self, identities: &Identities) -> Result<()> {
        for block in self.store.external_blocks() {
            let block = block?;
            let Some(entries) = block.entries else {
                if self.first {
                    self.problems.push(format!("external id block {} is unreadable", show(&block.key)));
                }
                continue;
            };
            for (channel, ext, id) in entries {
                if self.range.contains(id) {
                    self.check_external(identities, &channel, &ext, id);
                }
            }
        }
        Ok(())
    }

    fn check_external(&mut self, identities: &Identities, channel: &str, ext: &str, id: TicketId) {
        let Some(t) = identities.get(&id) else {
            self.problems
                .push(format!("external key {channel}:{ext} names #{id}, which has no readable ticket"));
            return;
        };
        if (t.channel.as_str(), t.channel_ticket_id.as_str()) != (channel, ext) {
            self.problems.push(format!(
                "external key {channel}:{ext} names #{id}, which is {}:{}",
                t.channel, t.channel_ticket_id
            ));
        }
        if !owns_external_id(t.created_by) {
            self.problems.push(format!(
                "external key {channel}:{ext} names #{id}, which was not registered but {}",
                t.created_by.unwrap_or("never created")
            ));
        }
    }

    pub(super) fn check_owned_external(&mut self, t: &Ticket) -> Result<()> {
        let (channel, ext) = (&t.intake.channel, &t.intake.channel_ticket_id);
        match self.store.external(channel, ext) {
            Ok(None) => self.problems.push(format!("ticket #{} has no external key {channel}:{ext}", t.id)),
            Ok(Some(other)) if other != t.id => self
                .problems
                .push(format!("ticket #{} is {channel}:{ext}, but that external key names #{other}", t.id)),
            Ok(Some(_)) => {}
            // An unreadable block was reported by the scan of the external ids.
            Err(_) => {}
        }
        Ok(())
    }
}
