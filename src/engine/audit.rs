//! Reading the audit trail: the hash chain's head, its verification, and the log of who did
//! what, filtered by ticket or actor. Answers are bounded like every answer over the socket.

use super::reader::Reader;
use crate::domain::event::{Event, STORE_WIDE};
use crate::domain::ticket::TicketId;
use crate::store::StoreError;
use crate::store::chain::{self, Verdict};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

/// The most log entries one answer holds; ask again after the last `seq` received.
pub const MAX_LOG_ENTRIES: usize = 10_000;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditQuery {
    /// The chain's last link.
    Head,
    /// Walk the chain; with `head` (64 hex digits, as `audit head` printed it), also find it.
    Verify { head: Option<String> },
    /// Log entries after `after`, at most `limit`.
    Log { ticket: Option<TicketId>, actor: Option<String>, after: u64, limit: usize },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAnswer {
    Head(Option<HeadView>),
    Verify(VerifyReport),
    Log(Vec<LogEntry>),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeadView {
    pub seq: u64,
    pub hash: String,
}

/// What `audit verify` found, in words a script and a person can both read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyReport {
    pub intact: bool,
    pub events: u64,
    pub head: Option<HeadView>,
    /// The first link that does not hold.
    pub broken_at: Option<u64>,
    pub why: Option<String>,
    /// With `--head`: the event whose link it is (None: not in the chain).
    pub recorded_head_at: Option<u64>,
}

/// One entry of `audit log`: what the timeline shows, and the ticket (None: store-wide).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LogEntry {
    pub seq: u64,
    pub at: Timestamp,
    pub actor: String,
    pub ticket: Option<u64>,
    pub action: String,
    pub detail: String,
}

impl Reader {
    pub fn audit(&self, query: &AuditQuery) -> Result<AuditAnswer, StoreError> {
        Ok(match query {
            AuditQuery::Head => AuditAnswer::Head(self.store().chain_head()?.map(view)),
            AuditQuery::Verify { head } => AuditAnswer::Verify(self.verify(head.as_deref())?),
            AuditQuery::Log { ticket, actor, after, limit } => AuditAnswer::Log(self.log(
                *ticket,
                actor.as_deref(),
                *after,
                (*limit).min(MAX_LOG_ENTRIES),
            )?),
        })
    }

    fn verify(&self, head: Option<&str>) -> Result<VerifyReport, StoreError> {
        let recorded = match head {
            Some(text) => match chain::parse_head(text) {
                Some(hash) => Some(hash),
                None => {
                    return Ok(VerifyReport {
                        intact: false,
                        events: 0,
                        head: None,
                        broken_at: None,
                        why: Some("the recorded head is not 64 hex digits, as `audit head` prints it".into()),
                        recorded_head_at: None,
                    });
                }
            },
            None => None,
        };
        Ok(match self.store().verify_chain(recorded.as_ref())? {
            Verdict::Intact { events, head, recorded } => VerifyReport {
                intact: true,
                events,
                head: head.map(view),
                broken_at: None,
                why: None,
                recorded_head_at: recorded,
            },
            Verdict::Broken { seq, why } => VerifyReport {
                intact: false,
                events: 0,
                head: None,
                broken_at: Some(seq),
                why: Some(why),
                recorded_head_at: None,
            },
            Verdict::HeadNotFound { events, head } => VerifyReport {
                intact: false,
                events,
                head: head.map(view),
                broken_at: None,
                why: Some(
                    "every link holds, but none is the recorded head: the log was changed and the chain \
                     recomputed since it was recorded (or the record is of another store)"
                        .into(),
                ),
                recorded_head_at: None,
            },
        })
    }

    fn log(
        &self,
        ticket: Option<TicketId>,
        actor: Option<&str>,
        after: u64,
        limit: usize,
    ) -> Result<Vec<LogEntry>, StoreError> {
        let wanted = |e: &Event| actor.is_none_or(|a| e.actor == a);
        let entry = |e: Event| LogEntry {
            seq: e.seq,
            at: e.at,
            ticket: (e.ticket != STORE_WIDE).then_some(e.ticket.0),
            action: e.body.name().to_string(),
            detail: e.body.detail_naming(self.config().as_ref()),
            actor: e.actor,
        };
        let mut out = Vec::new();
        match ticket {
            // A ticket lists its own events: no walk over the whole log.
            Some(id) => {
                let Some(t) = self.store().ticket(id)? else { return Ok(out) };
                for seq in t.events.iter().filter(|s| **s > after) {
                    if out.len() == limit {
                        break;
                    }
                    if let Some(e) = self.store().event(*seq)?.filter(|e| wanted(e)) {
                        out.push(entry(e));
                    }
                }
            }
            None => {
                for e in self.store().events_after(after) {
                    if out.len() == limit {
                        break;
                    }
                    let e = e?;
                    if wanted(&e) {
                        out.push(entry(e));
                    }
                }
            }
        }
        Ok(out)
    }
}

fn view(head: chain::Head) -> HeadView {
    HeadView { seq: head.seq, hash: head.hex() }
}
