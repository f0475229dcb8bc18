//! The external keys, which map a channel's ticket id to the one ticket that owns it: each key
//! names a ticket with that id that was registered (or backfilled) under it, and each such
//! ticket has its key.

use super::Pass;
use super::describe::show;
use crate::domain::ticket::{Ticket, TicketId};
use crate::store::Result;
use crate::store::keys;
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
    /// Every external key names a ticket of this channel id that owns it.
    pub(super) fn check_external_keys(&mut self, identities: &Identities) -> Result<()> {
        for item in self.store.tree().scan_prefix([keys::EXTERNAL]) {
            let (k, v) = item?;
            let Some(id) = <[u8; 8]>::try_from(v.as_ref()).ok().map(|b| TicketId(u64::from_be_bytes(b)))
            else {
                if self.first {
                    self.problems.push(format!("external key {} holds no ticket id", show(&k)));
                }
                continue;
            };
            if !self.range.contains(id) {
                continue;
            }
            let Some((channel, ext)) = parse_external(&k) else {
                self.problems.push(format!("malformed external key {} (→ #{id})", show(&k)));
                continue;
            };
            let Some(t) = identities.get(&id) else {
                self.problems
                    .push(format!("external key {channel}:{ext} names #{id}, which has no readable ticket"));
                continue;
            };
            if (t.channel.as_str(), t.channel_ticket_id.as_str()) != (channel.as_str(), ext.as_str()) {
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
        Ok(())
    }

    pub(super) fn check_owned_external(&mut self, t: &Ticket) -> Result<()> {
        let (channel, ext) = (&t.intake.channel, &t.intake.channel_ticket_id);
        match self.store.tree().get(keys::external(channel, ext))? {
            None => self.problems.push(format!("ticket #{} has no external key {channel}:{ext}", t.id)),
            Some(v) => {
                let target = <[u8; 8]>::try_from(v.as_ref()).ok().map(u64::from_be_bytes);
                // A value that is not an id was reported by the scan of the external keys.
                if let Some(other) = target.filter(|other| *other != t.id.0) {
                    self.problems.push(format!(
                        "ticket #{} is {channel}:{ext}, but that external key names #{other}",
                        t.id
                    ));
                }
            }
        }
        Ok(())
    }
}

fn parse_external(key: &[u8]) -> Option<(String, String)> {
    let rest = key.get(1..)?;
    let zero = rest.iter().position(|b| *b == 0)?;
    let channel = std::str::from_utf8(&rest[..zero]).ok()?;
    let ext = std::str::from_utf8(&rest[zero + 1..]).ok()?;
    Some((channel.to_string(), ext.to_string()))
}
