//! Effects on the outside world that an event calls for: signing for a channel's ticket,
//! writing a result back to its channel, an SMS to the handling unit. Pure: the engine stores
//! them in the outbox in the same batch as the event, and delivery workers carry them out.

use crate::domain::channel::Channels;
use crate::domain::event::{Event, EventBody};
use crate::domain::org::Organisation;
use crate::domain::sla::ClockState;
use crate::domain::ticket::{Ticket, TicketId};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EffectKind {
    /// 签收: tell the channel the bureau has the ticket.
    SignFor,
    /// 回填: the result (or a return as misrouted) goes back to the channel.
    WriteBack,
    /// An SMS to a handling unit.
    Sms,
}

impl EffectKind {
    pub fn code(self) -> &'static str {
        match self {
            EffectKind::SignFor => "sign_for",
            EffectKind::WriteBack => "write_back",
            EffectKind::Sms => "sms",
        }
    }
}

/// One intended effect. `key` is its idempotency key: derived from the event that caused it,
/// so a retry after a crash sends the same key and the receiver counts it once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Effect {
    pub kind: EffectKind,
    pub key: String,
    pub ticket: TicketId,
    pub channel: String,
    pub channel_ticket_id: String,
    /// SMS: the number to send to.
    pub to: Option<String>,
    /// SMS text, or the write-back's result text.
    pub text: String,
    pub amount_recovered: Option<crate::domain::ticket::Fen>,
    pub at: Timestamp,
}

/// SMS wording from `config/sms.toml`; placeholders `{ticket}`, `{kind}`, `{unit}`, `{due}`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsTemplates {
    pub dispatch: String,
    pub remind: String,
    /// 催办 when a clock turns due soon (临期); `{due}` is that clock's due time.
    pub due_soon: String,
    /// 催办 when a clock is overdue (超期); `{due}` is that clock's due time.
    pub overdue: String,
    /// An overdue alarm raised longer than this after the deadline (the first start after a
    /// migration or a long stop) is on the timeline and the overdue list but sends no 催办:
    /// a flood of stale reminders helps no unit. 0 sends them all.
    #[serde(default = "default_overdue_reminder_hours")]
    pub overdue_reminder_hours: u32,
    /// The SMS gateway's base URL (`POST {url}/sms/send`); none: SMS wait in the outbox.
    #[serde(default)]
    pub gateway_url: Option<String>,
    /// The environment variable holding the gateway's bearer token.
    #[serde(default)]
    pub token_env: Option<String>,
    /// A PEM file of the private certificate authority the gateway's HTTPS is signed by,
    /// trusted besides the system's roots.
    #[serde(default)]
    pub ca_file: Option<String>,
}

fn default_overdue_reminder_hours() -> u32 {
    72
}

impl SmsTemplates {
    /// Whether an overdue alarm raised at `at` for a deadline at `due_at` still calls for a 催办.
    pub fn reminds_overdue(&self, due_at: Timestamp, at: Timestamp) -> bool {
        self.overdue_reminder_hours == 0
            || at.millis() - due_at.millis() <= i64::from(self.overdue_reminder_hours) * 3_600_000
    }

    /// Fills a template. Only the ticket number, its kind, the unit and the deadline can go in:
    /// an SMS never carries the complainant's personal data.
    pub fn fill(template: &str, ticket: TicketId, kind: &str, unit: &str, due: Option<Timestamp>) -> String {
        template
            .replace("{ticket}", &ticket.to_string())
            .replace("{kind}", kind)
            .replace("{unit}", unit)
            .replace(
                "{due}",
                &due.map(|d| d.china().format("%m月%d日%H:%M").to_string())
                    .unwrap_or_else(|| "期限内".into()),
            )
    }
}

pub struct EffectContext<'a> {
    pub channels: &'a Channels,
    pub org: &'a Organisation,
    pub sms: &'a SmsTemplates,
    /// The ticket's earliest due instant after the event, for the SMS text.
    pub due: Option<Timestamp>,
}

/// The effects `event` calls for, given the ticket as it stands after it.
pub fn effects_of(event: &Event, ticket: &Ticket, ctx: &EffectContext) -> Vec<Effect> {
    let remote = ctx.channels.get(&ticket.intake.channel).is_some_and(|c| c.is_remote());
    let effect = |kind: EffectKind, key: String, to: Option<String>, text: String| Effect {
        kind,
        key,
        ticket: ticket.id,
        channel: ticket.intake.channel.clone(),
        channel_ticket_id: ticket.intake.channel_ticket_id.clone(),
        to,
        text,
        amount_recovered: None,
        at: event.at,
    };
    let sms_due = |template: &str, unit_id: &str, what: &str, due: Option<Timestamp>| {
        let unit = ctx.org.unit(unit_id)?;
        let text = SmsTemplates::fill(template, ticket.id, ticket.kind.zh(), &unit.name, due);
        Some(effect(EffectKind::Sms, format!("sms:{what}:{}", event.seq), Some(unit.phone.clone()), text))
    };
    let sms = |template: &str, unit_id: &str, what: &str| sms_due(template, unit_id, what, ctx.due);
    let mut out = Vec::new();
    match &event.body {
        EventBody::Registered(_) if remote => out.push(effect(
            EffectKind::SignFor,
            format!("sign:{}:{}", ticket.intake.channel, ticket.intake.channel_ticket_id),
            None,
            String::new(),
        )),
        EventBody::Dispatched { unit } | EventBody::Redispatched { unit, .. } => {
            out.extend(sms(&ctx.sms.dispatch, unit, "dispatch"));
        }
        EventBody::Reminded { .. } => {
            if let Some(unit) = &ticket.workflow.unit {
                out.extend(sms(&ctx.sms.remind, unit, "remind"));
            }
        }
        EventBody::DeadlineAlarm { state, due_at, .. } => {
            let stale = *state == ClockState::Overdue && !ctx.sms.reminds_overdue(*due_at, event.at);
            if let Some(unit) = ticket.workflow.unit.as_ref().filter(|_| !stale) {
                let (template, what) = match state {
                    ClockState::Overdue => (&ctx.sms.overdue, "overdue"),
                    _ => (&ctx.sms.due_soon, "due_soon"),
                };
                out.extend(sms_due(template, unit, what, Some(*due_at)));
            }
        }
        EventBody::Resolved { result, amount_recovered } if remote => {
            let mut e =
                effect(EffectKind::WriteBack, format!("writeback:{}", event.seq), None, result.clone());
            e.amount_recovered = *amount_recovered;
            out.push(e);
        }
        EventBody::ReturnedToChannel { reason, note } if remote => out.push(effect(
            EffectKind::WriteBack,
            format!("writeback:{}", event.seq),
            None,
            format!("退回：{reason}{}", note.as_deref().map(|n| format!("（{n}）")).unwrap_or_default()),
        )),
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_sms_template_takes_ticket_kind_unit_and_deadline_only() {
        let due = Timestamp::parse("2026-12-03T23:59:59+08:00");
        let text = SmsTemplates::fill(
            "工单#{ticket}（{kind}）派至{unit}，请于{due}前办理",
            TicketId(42),
            "投诉",
            "大良分局",
            due,
        );
        assert_eq!(text, "工单#42（投诉）派至大良分局，请于12月03日23:59前办理");
    }
}
