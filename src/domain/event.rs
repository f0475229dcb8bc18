//! Events: what happened to a ticket. The event log is the audit trail, and folding a ticket's
//! events with `apply` gives its projection — so `apply` must depend on nothing but the event.

use crate::domain::early_warning::RaisedWarning;
use crate::domain::sla::{ClockRecord, ClockState};
use crate::domain::status::Status;
use crate::domain::ticket::{
    Attachment, Fen, Flag, Kind, Link, LinkKind, NewTicket, Note, ReturnRecord, Satisfaction, Ticket,
    TicketId, Workflow,
};
use crate::stats::warnings::Subject;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// A new ticket as registered: the normalised intake plus the findings made at registration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Registration {
    pub kind: Kind,
    pub ticket: NewTicket,
    pub flags: BTreeSet<Flag>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventBody {
    Registered(Box<Registration>),
    /// A ticket split out of another (分别处理).
    SplitOut {
        from: TicketId,
        registration: Box<Registration>,
    },
    /// A historical ticket migrated from a legacy system, as it stood then.
    Backfilled(Box<Ticket>),
    Triaged {
        kind: Kind,
        category: Option<String>,
        dispute_type: Option<String>,
    },
    Dispatched {
        unit: String,
    },
    Signed {
        unit: String,
    },
    Contacted {
        note: String,
    },
    Accepted,
    Refused {
        reason: String,
        note: Option<String>,
    },
    MediationStarted,
    Settled {
        agreement: String,
        amount_recovered: Option<Fen>,
    },
    MediationEnded {
        reason: String,
    },
    Verified {
        findings: String,
    },
    FilingDecided {
        filed: bool,
        note: String,
    },
    ReporterTold {
        note: String,
    },
    Answered {
        text: String,
    },
    Resolved {
        result: String,
        amount_recovered: Option<Fen>,
    },
    WrittenBack {
        note: Option<String>,
    },
    FollowedUp {
        satisfaction: Satisfaction,
        note: Option<String>,
    },
    Closed,
    Reopened {
        reason: String,
    },
    ReturnedByUnit {
        unit: String,
        reason: String,
        note: Option<String>,
    },
    Recalled {
        unit: Option<String>,
        reason: String,
    },
    Redispatched {
        from: Option<String>,
        unit: String,
        reason: String,
    },
    SplitInto {
        ticket: TicketId,
        kind: Kind,
        note: Option<String>,
    },
    MergedInto {
        target: TicketId,
    },
    Absorbed {
        duplicate: TicketId,
    },
    Suspended {
        reason: String,
    },
    Resumed,
    Extended {
        clock: String,
        working_days: u32,
        reason: String,
        approver: String,
    },
    ReturnedToChannel {
        reason: String,
        note: Option<String>,
    },
    Assigned {
        owner: Option<String>,
    },
    NoteAdded {
        text: String,
    },
    Attached(Attachment),
    Reminded {
        note: Option<String>,
    },
    /// The deadline scheduler found a running clock due soon (临期) or overdue (超期). Changes
    /// neither the status nor the clocks; the alarm is kept so that it is raised once.
    DeadlineAlarm {
        clock: String,
        /// `DueSoon` or `Overdue`.
        state: ClockState,
        due_at: Timestamp,
    },
    /// Someone saw the complainant's name, phone and address unmasked. After the others, so
    /// that stores written before it read unchanged.
    Revealed,
    /// 派单 with no SMS to the unit. Last, so that stores written before it read unchanged.
    DispatchedWithoutSms {
        unit: String,
    },
    // Operator actions, after the others so that stores written before them read unchanged.
    // Those on no ticket are recorded against `STORE_WIDE`.
    /// A unit's units-API token was issued (or replaced); the token itself is never recorded.
    UnitTokenIssued {
        unit: String,
    },
    UnitTokenRevoked {
        unit: String,
    },
    /// A quarantined payload was dropped for good.
    QuarantineDropped {
        id: u64,
        channel: String,
    },
    /// A quarantined payload was handed back to its channel for another try.
    QuarantineRetried {
        id: u64,
        channel: String,
    },
    /// A dead outbox entry (a write-back, a sign-for, an SMS) was sent again: on its ticket.
    OutboxRetried {
        outbox: u64,
        kind: String,
    },
    // Early warnings and the merchant watch list: store-wide, after the others so that stores
    // written before them read unchanged.
    /// A surge raised by the server's warning scheduler, once (see `domain::early_warning`).
    WarningRaised(Box<RaisedWarning>),
    /// A live warning whose surge is over.
    WarningCleared {
        subject: Subject,
        key: String,
    },
    /// A chief put a merchant on watch: its key (a credit code, or a name without blanks).
    MerchantWatched {
        merchant: String,
        name: Option<String>,
        reason: String,
    },
    MerchantUnwatched {
        merchant: String,
        reason: String,
    },
}

/// The "ticket" of an event that is on no ticket (a unit's token, a quarantined payload): the
/// store-wide record. No ticket has this number (they start at 1), and such an event changes
/// no ticket; its statuses mean nothing.
pub const STORE_WIDE: TicketId = TicketId(0);

/// How a timeline names what the log keeps as ids.
pub trait Names {
    fn clock(&self, rule: &str) -> String {
        rule.to_string()
    }
    fn unit(&self, id: &str) -> String {
        id.to_string()
    }
}

/// Ids as the log keeps them.
pub struct Ids;

impl Names for Ids {}

/// One entry of the event log and audit trail.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Store-wide sequence number: a reader can resume "from seq N".
    pub seq: u64,
    pub ticket: TicketId,
    pub at: Timestamp,
    pub actor: String,
    /// Status before the event (None when it created the ticket).
    pub before: Option<Status>,
    pub after: Status,
    pub body: EventBody,
    /// The ticket's clocks after the event, when it changed them. Recorded rather than
    /// recomputed so that replay gives the same projection whatever the rules are today.
    pub clocks: Option<Vec<ClockRecord>>,
}

impl EventBody {
    /// Whether the event changes nothing of its ticket but its log (the ticket's list of
    /// events and when it was last updated): a deadline alarm, an unmasking, an outbox entry
    /// sent again. What is derived from tickets (the catalogue, the statistics' facts) need not
    /// derive the ticket again for it; a start that raises thousands of alarms would otherwise
    /// read each ticket twice more.
    pub fn only_logged(&self) -> bool {
        matches!(
            self,
            EventBody::DeadlineAlarm { .. } | EventBody::Revealed | EventBody::OutboxRetried { .. }
        )
    }

    /// The snake_case name of what happened, for the timeline's `action`.
    pub fn name(&self) -> &'static str {
        match self {
            EventBody::Registered(_) => "registered",
            EventBody::SplitOut { .. } => "split_out",
            EventBody::Backfilled(_) => "backfilled",
            EventBody::Triaged { .. } => "triaged",
            EventBody::Dispatched { .. } | EventBody::DispatchedWithoutSms { .. } => "dispatched",
            EventBody::Signed { .. } => "signed",
            EventBody::Contacted { .. } => "contacted",
            EventBody::Accepted => "accepted",
            EventBody::Refused { .. } => "refused",
            EventBody::MediationStarted => "mediation_started",
            EventBody::Settled { .. } => "settled",
            EventBody::MediationEnded { .. } => "mediation_ended",
            EventBody::Verified { .. } => "verified",
            EventBody::FilingDecided { .. } => "filing_decided",
            EventBody::ReporterTold { .. } => "reporter_told",
            EventBody::Answered { .. } => "answered",
            EventBody::Resolved { .. } => "resolved",
            EventBody::WrittenBack { .. } => "written_back",
            EventBody::FollowedUp { .. } => "followed_up",
            EventBody::Closed => "closed",
            EventBody::Reopened { .. } => "reopened",
            EventBody::ReturnedByUnit { .. } => "returned",
            EventBody::Recalled { .. } => "recalled",
            EventBody::Redispatched { .. } => "redispatched",
            EventBody::SplitInto { .. } => "split",
            EventBody::MergedInto { .. } => "merged",
            EventBody::Absorbed { .. } => "absorbed_duplicate",
            EventBody::Suspended { .. } => "suspended",
            EventBody::Resumed => "resumed",
            EventBody::Extended { .. } => "extended",
            EventBody::ReturnedToChannel { .. } => "returned_to_channel",
            EventBody::Assigned { .. } => "assigned",
            EventBody::NoteAdded { .. } => "note",
            EventBody::Attached(_) => "attached",
            EventBody::Reminded { .. } => "reminded",
            EventBody::DeadlineAlarm { state: ClockState::Overdue, .. } => "overdue",
            EventBody::DeadlineAlarm { .. } => "due_soon",
            EventBody::Revealed => "revealed",
            EventBody::UnitTokenIssued { .. } => "unit_token_issued",
            EventBody::UnitTokenRevoked { .. } => "unit_token_revoked",
            EventBody::QuarantineDropped { .. } => "quarantine_dropped",
            EventBody::QuarantineRetried { .. } => "quarantine_retried",
            EventBody::OutboxRetried { .. } => "outbox_retried",
            EventBody::WarningRaised(_) => "warning_raised",
            EventBody::WarningCleared { .. } => "warning_cleared",
            EventBody::MerchantWatched { .. } => "merchant_watched",
            EventBody::MerchantUnwatched { .. } => "merchant_unwatched",
        }
    }

    /// A one-line description for the timeline; personal data stays out of it. Clocks and units
    /// are named by their ids (see `detail_naming` for their names).
    pub fn detail(&self) -> String {
        self.detail_naming(&Ids)
    }

    /// `detail`, with clocks and units called what `names` calls them (the config's Chinese
    /// names: 投诉受理决定时限, 伦教分局).
    pub fn detail_naming(&self, names: &dyn Names) -> String {
        let unit = |id: &str| names.unit(id);
        fn opt(s: &Option<String>) -> String {
            s.as_deref().map(|s| format!(" ({s})")).unwrap_or_default()
        }
        // A clause follows: "商家退款。" then "，挽回…" would read "。，".
        fn unstopped(text: &str) -> &str {
            text.trim_end().trim_end_matches(['。', '；', '，', '.', ';', ','])
        }
        fn amount(a: &Option<Fen>) -> String {
            a.map(|a| format!("，挽回经济损失 {a}")).unwrap_or_default()
        }
        match self {
            EventBody::Registered(r) => format!("登记 {} {}", r.kind.zh(), r.ticket.dispute.title),
            EventBody::SplitOut { from, registration } => {
                format!("由 #{from} 分出 {} {}", registration.kind.zh(), registration.ticket.dispute.title)
            }
            EventBody::Backfilled(t) => format!("历史数据迁入（{}）", t.status.zh()),
            EventBody::Triaged { kind, category, dispute_type } => format!(
                "分拣为{}{}{}",
                kind.zh(),
                category.as_deref().map(|c| format!(" / {c}")).unwrap_or_default(),
                dispute_type.as_deref().map(|c| format!(" / {c}")).unwrap_or_default()
            ),
            EventBody::Dispatched { unit: u } => format!("派单至 {}", unit(u)),
            EventBody::DispatchedWithoutSms { unit: u } => format!("派单至 {}（未发短信）", unit(u)),
            EventBody::Signed { unit: u } => format!("{} 签收", unit(u)),
            EventBody::Contacted { note } => format!("首次联系消费者：{note}"),
            EventBody::Accepted => "受理".into(),
            EventBody::Refused { reason, note } => format!("不予受理：{reason}{}", opt(note)),
            EventBody::MediationStarted => "开始调解".into(),
            EventBody::Settled { agreement, amount_recovered } => {
                format!("调解成功：{}{}", unstopped(agreement), amount(amount_recovered))
            }
            EventBody::MediationEnded { reason } => format!("终止调解：{reason}"),
            EventBody::Verified { findings } => format!("核查：{findings}"),
            EventBody::FilingDecided { filed: true, note } => format!("立案：{note}"),
            EventBody::FilingDecided { filed: false, note } => format!("不予立案：{note}"),
            EventBody::ReporterTold { note } => format!("告知举报人：{note}"),
            EventBody::Answered { text } => format!("答复：{text}"),
            EventBody::Resolved { result, amount_recovered } => {
                format!("办结：{}{}", unstopped(result), amount(amount_recovered))
            }
            EventBody::WrittenBack { note } => format!("回填来源渠道{}", opt(note)),
            EventBody::FollowedUp { satisfaction, note } => {
                let s = match satisfaction {
                    Satisfaction::Satisfied => "满意",
                    Satisfaction::Unsatisfied => "不满意",
                    Satisfaction::Unreachable => "联系不上",
                };
                format!("回访：{s}{}", opt(note))
            }
            EventBody::Closed => "归档".into(),
            EventBody::Reopened { reason } => format!("重办：{reason}"),
            EventBody::ReturnedByUnit { unit: u, reason, note } => {
                format!("{} 退回：{reason}{}", unit(u), opt(note))
            }
            EventBody::Recalled { unit: u, reason } => {
                format!(
                    "撤回{}：{reason}",
                    u.as_deref().map(|u| format!("（自 {}）", unit(u))).unwrap_or_default()
                )
            }
            EventBody::Redispatched { from, unit: u, reason } => {
                format!(
                    "改派 {} → {}：{reason}",
                    from.as_deref().map(unit).unwrap_or_else(|| "-".into()),
                    unit(u)
                )
            }
            EventBody::SplitInto { ticket, kind, note } => {
                format!("分别处理，{}另立 #{ticket}{}", kind.zh(), opt(note))
            }
            EventBody::MergedInto { target } => format!("作为重复件并入 #{target}"),
            EventBody::Absorbed { duplicate } => format!("并入重复件 #{duplicate}"),
            EventBody::Suspended { reason } => format!("中止：{reason}"),
            EventBody::Resumed => "恢复办理".into(),
            EventBody::Extended { clock, working_days, reason, approver } => {
                format!("延期 {} {working_days} 个工作日：{reason}（批准：{approver}）", names.clock(clock))
            }
            EventBody::ReturnedToChannel { reason, note } => format!("退回来源渠道：{reason}{}", opt(note)),
            EventBody::Assigned { owner: Some(o) } => format!("由 {o} 负责"),
            EventBody::Assigned { owner: None } => "取消负责人".into(),
            EventBody::NoteAdded { text } => format!("备注：{text}"),
            EventBody::Attached(a) => format!("附件：{}", a.name),
            EventBody::Reminded { note } => format!("催办{}", opt(note)),
            EventBody::DeadlineAlarm { clock, state, due_at } => {
                let due = due_at.china().format("%Y-%m-%d %H:%M");
                let clock = names.clock(clock);
                match state {
                    ClockState::Overdue => format!("超期：{clock} 已于 {due} 到期"),
                    _ => format!("临期：{clock} 将于 {due} 到期"),
                }
            }
            EventBody::Revealed => "查看投诉人个人信息（未脱敏）".into(),
            EventBody::UnitTokenIssued { unit: u } => format!("签发 {} 的单位接口令牌", unit(u)),
            EventBody::UnitTokenRevoked { unit: u } => format!("吊销 {} 的单位接口令牌", unit(u)),
            EventBody::QuarantineDropped { id, channel } => format!("丢弃隔离件 {id}（渠道 {channel}）"),
            EventBody::QuarantineRetried { id, channel } => {
                format!("隔离件 {id} 交回渠道 {channel} 重新读取")
            }
            EventBody::OutboxRetried { outbox, kind } => format!("重新发送外发项 {outbox}（{kind}）"),
            EventBody::WarningRaised(w) => format!(
                "维权预警：{}「{}」{}至{} {} 件（基线预期 {:.1} 件），涉及工单 {} 件",
                w.subject.zh(),
                w.key,
                w.from.format("%m-%d"),
                w.to.format("%m-%d"),
                w.count,
                w.expected,
                w.tickets.len()
            ),
            EventBody::WarningCleared { subject, key } => format!("预警解除：{}「{key}」", subject.zh()),
            EventBody::MerchantWatched { merchant, name, reason } => match name {
                Some(name) if name != merchant => {
                    format!("列为重点关注经营者：{name}（{merchant}）：{reason}")
                }
                _ => format!("列为重点关注经营者：{merchant}：{reason}"),
            },
            EventBody::MerchantUnwatched { merchant, reason } => {
                format!("取消重点关注经营者：{merchant}：{reason}")
            }
        }
    }
}

/// Folds one event into a ticket. Creation events build the ticket; all others change it.
/// Returns None when the event cannot apply (a creation event for an existing ticket or the
/// reverse), which replay reports as a corrupt log.
pub fn apply(ticket: Option<Ticket>, event: &Event) -> Option<Ticket> {
    let mut t = match (&event.body, ticket) {
        (EventBody::Registered(r), None) => new_ticket(event, r, Vec::new()),
        (EventBody::SplitOut { from, registration }, None) => {
            new_ticket(event, registration, vec![Link { kind: LinkKind::SplitFrom, ticket: *from }])
        }
        (EventBody::Backfilled(snapshot), None) => {
            let mut t = (**snapshot).clone();
            t.events = Vec::new();
            t
        }
        (EventBody::Registered(_) | EventBody::SplitOut { .. } | EventBody::Backfilled(_), Some(_)) => {
            return None;
        }
        (_, None) => return None,
        (body, Some(mut t)) => {
            change(&mut t, body, event);
            t
        }
    };
    t.status = event.after;
    if let Some(clocks) = &event.clocks {
        t.clocks = clocks.clone();
    }
    t.events.push(event.seq);
    t.updated_at = event.at;
    Some(t)
}

fn new_ticket(event: &Event, r: &Registration, links: Vec<Link>) -> Ticket {
    let n = &r.ticket;
    Ticket {
        id: event.ticket,
        kind: r.kind,
        status: event.after,
        intake: n.intake.clone(),
        complainant: n.complainant.clone(),
        respondent: n.respondent.clone(),
        dispute: n.dispute.clone(),
        workflow: Workflow { links, ..Workflow::default() },
        clocks: Vec::new(),
        notes: Vec::new(),
        attachments: n.attachments.clone(),
        flags: r.flags.clone(),
        events: Vec::new(),
        created_at: event.at,
        updated_at: event.at,
    }
}

fn change(t: &mut Ticket, body: &EventBody, event: &Event) {
    let at = event.at;
    let w = &mut t.workflow;
    match body {
        EventBody::Registered(_) | EventBody::SplitOut { .. } | EventBody::Backfilled(_) => {}
        EventBody::Triaged { kind, category, dispute_type } => {
            t.kind = *kind;
            t.dispute.category = category.clone().or(t.dispute.category.take());
            t.dispute.dispute_type = dispute_type.clone().or(t.dispute.dispute_type.take());
            t.flags.remove(&Flag::KindAssumed);
        }
        EventBody::Dispatched { unit } | EventBody::DispatchedWithoutSms { unit } => {
            t.flags.remove(&Flag::ReturnedByUnit);
            w.unit = Some(unit.clone());
            w.dispatched_at = Some(at);
            w.signed_at = None;
        }
        EventBody::Signed { .. } => w.signed_at = Some(at),
        EventBody::Contacted { note } => {
            w.first_contact_at = Some(at);
            t.notes.push(Note { at, actor: event.actor.clone(), text: note.clone() });
        }
        EventBody::Accepted => w.accepted_at = Some(at),
        EventBody::Refused { reason, .. } => w.refusal = Some(reason.clone()),
        EventBody::MediationStarted => {}
        EventBody::Settled { amount_recovered, .. } => {
            if amount_recovered.is_some() {
                w.amount_recovered = *amount_recovered;
            }
        }
        EventBody::MediationEnded { reason } => w.mediation_end_reason = Some(reason.clone()),
        EventBody::Verified { .. } => {}
        EventBody::FilingDecided { filed, .. } => w.case_filed = Some(*filed),
        EventBody::ReporterTold { .. } | EventBody::Answered { .. } => {}
        EventBody::Resolved { result, amount_recovered } => {
            w.resolved_at = Some(at);
            w.result = Some(result.clone());
            if amount_recovered.is_some() {
                w.amount_recovered = *amount_recovered;
            }
        }
        EventBody::WrittenBack { .. } => w.written_back_at = Some(at),
        EventBody::FollowedUp { satisfaction, .. } => w.satisfaction = Some(*satisfaction),
        EventBody::Closed => w.closed_at = Some(at),
        EventBody::Reopened { .. } => {
            w.reopened += 1;
            w.closed_at = None;
        }
        EventBody::ReturnedByUnit { unit, reason, note } => {
            w.returns.push(ReturnRecord {
                unit: unit.clone(),
                reason: reason.clone(),
                note: note.clone(),
                at,
            });
            clear_unit(w);
            t.flags.insert(Flag::ReturnedByUnit);
        }
        EventBody::Recalled { .. } => clear_unit(w),
        EventBody::Redispatched { unit, .. } => {
            t.flags.remove(&Flag::ReturnedByUnit);
            w.unit = Some(unit.clone());
            w.dispatched_at = Some(at);
            w.signed_at = None;
        }
        EventBody::SplitInto { ticket, .. } => {
            w.links.push(Link { kind: LinkKind::SplitInto, ticket: *ticket })
        }
        EventBody::MergedInto { target } => {
            w.links.push(Link { kind: LinkKind::MergedInto, ticket: *target })
        }
        EventBody::Absorbed { duplicate } => {
            w.links.push(Link { kind: LinkKind::Absorbed, ticket: *duplicate })
        }
        EventBody::Suspended { reason } => {
            w.suspended_from = event.before;
            w.suspension_reason = Some(reason.clone());
        }
        EventBody::Resumed => {
            w.suspended_from = None;
            w.suspension_reason = None;
        }
        EventBody::Extended { clock, working_days, reason, approver } => {
            w.extensions.push(crate::domain::ticket::Extension {
                clock: clock.clone(),
                working_days: *working_days,
                reason: reason.clone(),
                approver: approver.clone(),
                at,
            })
        }
        EventBody::ReturnedToChannel { .. } => {}
        EventBody::Assigned { owner } => w.owner = owner.clone(),
        EventBody::NoteAdded { text } => {
            t.notes.push(Note { at, actor: event.actor.clone(), text: text.clone() })
        }
        EventBody::Attached(a) => t.attachments.push(a.clone()),
        EventBody::Reminded { .. } => w.reminders += 1,
        EventBody::DeadlineAlarm { .. } | EventBody::Revealed | EventBody::OutboxRetried { .. } => {}
        EventBody::UnitTokenIssued { .. }
        | EventBody::UnitTokenRevoked { .. }
        | EventBody::QuarantineDropped { .. }
        | EventBody::QuarantineRetried { .. }
        | EventBody::WarningRaised(_)
        | EventBody::WarningCleared { .. }
        | EventBody::MerchantWatched { .. }
        | EventBody::MerchantUnwatched { .. } => {}
    }
}

fn clear_unit(w: &mut Workflow) {
    w.unit = None;
    w.dispatched_at = None;
    w.signed_at = None;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_result_ending_in_a_full_stop_reads_well_before_the_amount() {
        let body = EventBody::Resolved {
            result: "经调解，商家退还部分费用，消费者接受处理结果。".into(),
            amount_recovered: Some(Fen(251_700)),
        };
        assert_eq!(
            body.detail(),
            "办结：经调解，商家退还部分费用，消费者接受处理结果，挽回经济损失 2517.00元"
        );
    }

    /// `stats::FactTable::put_again` keeps a ticket's hot words through its later events: only
    /// the events that create a ticket write its title and facts.
    #[test]
    fn no_event_after_registration_changes_a_tickets_title_or_facts() {
        let at = Timestamp::parse("2026-11-28T10:00:00+08:00").unwrap();
        let event = |seq: u64, body: EventBody| Event {
            seq,
            ticket: TicketId(7),
            at,
            actor: "王敏".into(),
            before: None,
            after: Status::Registered,
            body,
            clocks: None,
        };
        let mut new = NewTicket::default();
        new.dispute.title = "容桂某商场预付卡无法退款".into();
        new.dispute.facts = Some("消费者于2026年10月办理健身预付卡，商家闭店后拒绝退款。".into());
        let registration = Registration { kind: Kind::Complaint, ticket: new, flags: BTreeSet::new() };
        let first = apply(None, &event(1, EventBody::Registered(Box::new(registration)))).unwrap();
        let note = || Some("已电话联系".to_string());
        let unit = || "容桂市场监管所".to_string();
        let later = [
            EventBody::Triaged { kind: Kind::Report, category: Some("预付卡".into()), dispute_type: None },
            EventBody::Dispatched { unit: unit() },
            EventBody::DispatchedWithoutSms { unit: unit() },
            EventBody::Signed { unit: unit() },
            EventBody::Contacted { note: "已联系".into() },
            EventBody::Accepted,
            EventBody::Refused { reason: "not_ours".into(), note: note() },
            EventBody::MediationStarted,
            EventBody::Settled { agreement: "退款".into(), amount_recovered: Some(Fen(120_000)) },
            EventBody::MediationEnded { reason: "settled".into() },
            EventBody::Verified { findings: "属实".into() },
            EventBody::FilingDecided { filed: false, note: "不予立案".into() },
            EventBody::ReporterTold { note: "已告知".into() },
            EventBody::Answered { text: "已答复".into() },
            EventBody::Resolved { result: "商家退款".into(), amount_recovered: None },
            EventBody::WrittenBack { note: note() },
            EventBody::FollowedUp { satisfaction: Satisfaction::Satisfied, note: note() },
            EventBody::Closed,
            EventBody::Reopened { reason: "消费者不满意".into() },
            EventBody::ReturnedByUnit { unit: unit(), reason: "not_ours".into(), note: note() },
            EventBody::Recalled { unit: Some(unit()), reason: "派错".into() },
            EventBody::Redispatched { from: None, unit: unit(), reason: "改派".into() },
            EventBody::SplitInto { ticket: TicketId(8), kind: Kind::Report, note: note() },
            EventBody::MergedInto { target: TicketId(9) },
            EventBody::Absorbed { duplicate: TicketId(10) },
            EventBody::Suspended { reason: "鉴定".into() },
            EventBody::Resumed,
            EventBody::Extended {
                clock: "complaint_handling".into(),
                working_days: 10,
                reason: "案情复杂".into(),
                approver: "李科长".into(),
            },
            EventBody::ReturnedToChannel { reason: "非本辖区".into(), note: note() },
            EventBody::Assigned { owner: Some("王敏".into()) },
            EventBody::NoteAdded { text: "补充材料".into() },
            EventBody::Attached(Attachment { name: "发票.jpg".into(), uri: "file://发票.jpg".into() }),
            EventBody::Reminded { note: note() },
            EventBody::DeadlineAlarm {
                clock: "complaint_handling".into(),
                state: ClockState::Overdue,
                due_at: at,
            },
            EventBody::Revealed,
            EventBody::OutboxRetried { outbox: 3, kind: "sms".into() },
        ];
        let mut t = first.clone();
        for (n, body) in later.into_iter().enumerate() {
            let name = body.name();
            t = apply(Some(t), &event(n as u64 + 2, body)).unwrap();
            assert_eq!(
                (&t.dispute.title, &t.dispute.facts),
                (&first.dispute.title, &first.dispute.facts),
                "{name}"
            );
        }
    }

    #[test]
    fn an_event_only_logged_changes_nothing_of_its_ticket_but_its_log() {
        let at = Timestamp::parse("2026-11-28T10:00:00+08:00").unwrap();
        let event = |seq: u64, at: Timestamp, body: EventBody| Event {
            seq,
            ticket: TicketId(7),
            at,
            actor: "scheduler".into(),
            before: Some(Status::Dispatched),
            after: Status::Dispatched,
            body,
            clocks: None,
        };
        let mut new = NewTicket::default();
        new.dispute.title = "乐从某家具城沙发开裂拒不退换".into();
        let registration = Registration { kind: Kind::Complaint, ticket: new, flags: BTreeSet::new() };
        let mut t = apply(None, &event(1, at, EventBody::Registered(Box::new(registration)))).unwrap();
        t = apply(Some(t), &event(2, at, EventBody::Dispatched { unit: "乐从市场监管所".into() })).unwrap();
        let later = at.plus_seconds(86_400);
        let logged = [
            EventBody::DeadlineAlarm {
                clock: "complaint_handling".into(),
                state: ClockState::DueSoon,
                due_at: later,
            },
            EventBody::Revealed,
            EventBody::OutboxRetried { outbox: 12, kind: "write_back".into() },
        ];
        for (n, body) in logged.into_iter().enumerate() {
            assert!(body.only_logged());
            let name = body.name();
            let after = apply(Some(t.clone()), &event(n as u64 + 3, later, body)).unwrap();
            let mut expected = t.clone();
            expected.events.push(n as u64 + 3);
            expected.updated_at = later;
            assert_eq!(after, expected, "{name}");
        }
        assert!(!EventBody::Reminded { note: None }.only_logged(), "a 催办 counts on the ticket");
    }
}
