//! The lifecycle rules: which action is allowed in which state, for which kind, what it records,
//! and how refusals read. Pure domain: no store, time passed in.

use rightsdesk::config::{self, Config};
use rightsdesk::domain::action::TicketAction as A;
use rightsdesk::domain::event::{self, Event, EventBody};
use rightsdesk::domain::lifecycle::{self, Decision, LifecycleError, Rules};
use rightsdesk::domain::sla::ClockState;
use rightsdesk::domain::status::Status;
use rightsdesk::domain::ticket::{
    Complainant, Dispute, Fen, Intake, Kind, NewTicket, Respondent, Satisfaction, Ticket, TicketId,
};
use rightsdesk::time::Timestamp;
use std::sync::OnceLock;

fn config() -> &'static Config {
    static CONFIG: OnceLock<Config> = OnceLock::new();
    CONFIG.get_or_init(|| config::load(None).expect("built-in configuration loads"))
}

fn rules() -> Rules<'static> {
    let c = config();
    Rules { sla: &c.sla, channels: &c.channels, org: &c.org }
}

fn at(text: &str) -> Timestamp {
    Timestamp::parse(text).expect("valid time")
}

fn new_ticket(kind: Kind, channel: &str, real_name: bool) -> NewTicket {
    NewTicket {
        kind: Some(kind),
        intake: Intake {
            channel: channel.into(),
            channel_ticket_id: "GD202611280001".into(),
            received_at: Some(at("2026-11-23 09:15")),
            town: Some("容桂街道".into()),
            ..Intake::default()
        },
        complainant: Complainant {
            name: real_name.then(|| "李秀英".to_string()),
            phone: real_name.then(|| "13923456781".to_string()),
            address: Some("顺德区容桂街道桂洲大道中68号".into()),
            ..Complainant::default()
        },
        respondent: Respondent {
            name: Some("佛山市顺德区容桂某某家电有限公司".into()),
            address: Some("容桂街道容奇大道东23号".into()),
            ..Respondent::default()
        },
        dispute: Dispute {
            title: "新买的热水器漏水，商家拒绝退换".into(),
            request: Some("要求退货退款".into()),
            facts: Some("11月10日购买燃气热水器一台，安装后第三天出现漏水，联系商家多次未处理".into()),
            amount: Some(Fen(259_900)),
            category: Some("家用电器".into()),
            dispute_type: Some("质量".into()),
            ..Dispute::default()
        },
        attachments: Vec::new(),
    }
}

/// A ticket and its history, driven action by action as the engine would.
struct Case {
    ticket: Ticket,
    seq: u64,
    now: Timestamp,
}

impl Case {
    fn registered(kind: Kind, channel: &str) -> Case {
        Case::registered_with(new_ticket(kind, channel, true))
    }

    fn registered_with(new: NewTicket) -> Case {
        let now = at("2026-11-23 09:20");
        let (registration, clocks) = lifecycle::register(new, rules(), now).expect("registers");
        let event = Event {
            seq: 1,
            ticket: TicketId(1),
            at: now,
            actor: "王文书".into(),
            before: None,
            after: Status::Registered,
            body: EventBody::Registered(Box::new(registration)),
            clocks: Some(clocks),
        };
        Case { ticket: event::apply(None, &event).expect("creates"), seq: 1, now }
    }

    fn decide(&self, action: &A) -> Result<Decision, LifecycleError> {
        lifecycle::decide(&self.ticket, action, rules(), self.now)
    }

    fn act(&mut self, action: A) -> Result<Status, LifecycleError> {
        let d = self.decide(&action)?;
        self.seq += 1;
        self.now = self.now.plus_seconds(600);
        let event = Event {
            seq: self.seq,
            ticket: self.ticket.id,
            at: self.now,
            actor: "王文书".into(),
            before: Some(self.ticket.status),
            after: d.after,
            body: d.body,
            clocks: d.clocks,
        };
        self.ticket = event::apply(Some(self.ticket.clone()), &event).expect("applies");
        Ok(self.ticket.status)
    }

    fn run(mut self, actions: Vec<A>) -> Case {
        for a in actions {
            let name = a.name();
            if let Err(e) = self.act(a) {
                panic!("{name} should be allowed: {e}");
            }
        }
        self
    }

    fn clock(&self, name: &str) -> Option<ClockState> {
        let c = config();
        self.ticket
            .clocks
            .iter()
            .find(|r| r.rule == name)
            .and_then(|r| c.sla.evaluate(r, &c.calendar, self.now))
            .map(|v| v.state)
    }
}

fn triage(kind: Kind) -> A {
    A::Triage { kind, category: Some("家用电器".into()), dispute_type: Some("质量".into()) }
}
fn dispatch() -> A {
    A::Dispatch { unit: "ronggui".into() }
}
fn contact() -> A {
    A::Contact { note: "电话联系消费者，约定周三上门检测".into() }
}
fn resolve() -> A {
    A::Resolve { result: "经调解商家同意退货退款".into(), amount_recovered: Some(Fen(259_900)) }
}

/// One representative of every action, with valid arguments.
fn every_action() -> Vec<A> {
    vec![
        triage(Kind::Complaint),
        dispatch(),
        A::Sign,
        contact(),
        A::Accept,
        A::Refuse { reason: "outside_duties".into(), note: None },
        A::Mediate,
        A::Settle { agreement: "商家退款".into(), amount_recovered: None },
        A::EndMediation { reason: "双方分歧较大".into() },
        A::Verify { findings: "现场核查属实".into() },
        A::DecideFiling { filed: true, note: "立案调查".into() },
        A::TellReporter { note: "电话告知".into() },
        A::Answer { text: "已电话答复".into() },
        resolve(),
        A::WriteBack { note: None },
        A::FollowUp { satisfaction: Satisfaction::Satisfied, note: None },
        A::Close,
        A::Reopen { reason: "消费者再次来电".into() },
        A::Return { reason: "not_our_duty".into(), note: None },
        A::Recall { reason: "派错单位".into() },
        A::Redispatch { unit: "daliang".into(), reason: "属地调整".into() },
        A::Split { kind: Kind::Report, note: None },
        A::Merge { into: TicketId(99) },
        A::Suspend { reason: "送检".into() },
        A::Resume,
        A::Extend {
            clock: "hotline_reply".into(),
            working_days: 5,
            reason: "情况复杂".into(),
            approver: "陈科长".into(),
        },
        A::ReturnToChannel { reason: "not_our_duty".into(), note: None },
        A::Assign { owner: Some("王文书".into()) },
        A::Note { text: "消费者来电询问进度".into() },
        A::Attach { name: "发票.jpg".into(), uri: "12345://files/abc".into() },
        A::Remind { note: None },
    ]
}

/// A complaint from 12345 brought to `status` along the usual path.
fn complaint_in(status: Status) -> Case {
    let c = Case::registered(Kind::Complaint, "12345");
    let path: Vec<A> = match status {
        Status::Registered => vec![],
        Status::Triaged => vec![triage(Kind::Complaint)],
        Status::Dispatched => vec![triage(Kind::Complaint), dispatch()],
        Status::Signed => vec![triage(Kind::Complaint), dispatch(), A::Sign],
        Status::Contacted => vec![triage(Kind::Complaint), dispatch(), A::Sign, contact()],
        Status::Accepted => vec![triage(Kind::Complaint), dispatch(), A::Sign, contact(), A::Accept],
        Status::Mediating => {
            vec![triage(Kind::Complaint), dispatch(), A::Sign, contact(), A::Accept, A::Mediate]
        }
        Status::Settled => vec![
            triage(Kind::Complaint),
            dispatch(),
            A::Sign,
            contact(),
            A::Accept,
            A::Mediate,
            A::Settle { agreement: "退货退款".into(), amount_recovered: Some(Fen(100)) },
        ],
        Status::Resolved => return complaint_in(Status::Settled).run(vec![resolve()]),
        Status::WrittenBack => return complaint_in(Status::Resolved).run(vec![A::WriteBack { note: None }]),
        Status::FollowedUp => {
            return complaint_in(Status::WrittenBack)
                .run(vec![A::FollowUp { satisfaction: Satisfaction::Satisfied, note: None }]);
        }
        Status::Closed => return complaint_in(Status::FollowedUp).run(vec![A::Close]),
        Status::Suspended => {
            return complaint_in(Status::Signed).run(vec![A::Suspend { reason: "送检".into() }]);
        }
        other => panic!("no complaint path to {other:?}"),
    };
    c.run(path)
}

/// The statuses in which each action is allowed for a complaint (from the path above).
fn allowed_for_complaint(action: &str) -> &'static [Status] {
    use Status::*;
    match action {
        "triage" => &[Registered, Triaged],
        "dispatch" => &[Triaged],
        "sign" => &[Dispatched],
        "contact" => &[Signed],
        "accept" | "refuse" => &[Signed, Contacted],
        "mediate" => &[Accepted],
        "settle" | "end_mediation" => &[Accepted, Mediating],
        "verify" | "decide_filing" | "tell_reporter" | "answer" => &[],
        "resolve" => &[Settled],
        "write_back" => &[Resolved],
        "follow_up" => &[WrittenBack],
        "close" => &[WrittenBack, FollowedUp],
        "reopen" => &[FollowedUp, Closed],
        "return" | "recall" | "redispatch" | "remind" => &[Dispatched, Signed, Contacted],
        "split" => &[Registered, Triaged],
        "merge" => &[Registered, Triaged, Dispatched, Signed, Contacted],
        "suspend" => &[
            Registered,
            Triaged,
            Dispatched,
            Signed,
            Contacted,
            Accepted,
            Mediating,
            Settled,
            Resolved,
            WrittenBack,
            FollowedUp,
        ],
        "resume" => &[Suspended],
        "extend" => &[
            Registered, Triaged, Dispatched, Signed, Contacted, Accepted, Mediating, Settled, Resolved,
            Suspended,
        ],
        "return_to_channel" => &[Registered, Triaged],
        "assign" => &[
            Registered,
            Triaged,
            Dispatched,
            Signed,
            Contacted,
            Accepted,
            Mediating,
            Settled,
            Resolved,
            WrittenBack,
            FollowedUp,
            Suspended,
        ],
        "note" | "attach" => &[
            Registered,
            Triaged,
            Dispatched,
            Signed,
            Contacted,
            Accepted,
            Mediating,
            Settled,
            Resolved,
            WrittenBack,
            FollowedUp,
            Closed,
            Suspended,
        ],
        other => panic!("no expectation for {other}"),
    }
}

#[test]
fn every_action_is_allowed_exactly_in_its_states_for_a_complaint() {
    use Status::*;
    let statuses = [
        Registered,
        Triaged,
        Dispatched,
        Signed,
        Contacted,
        Accepted,
        Mediating,
        Settled,
        Resolved,
        WrittenBack,
        FollowedUp,
        Closed,
        Suspended,
    ];
    let mut mismatches = Vec::new();
    for status in statuses {
        let case = complaint_in(status);
        assert_eq!(case.ticket.status, status);
        for action in every_action() {
            let allowed = allowed_for_complaint(action.name()).contains(&status);
            let result = case.decide(&action);
            if result.is_ok() != allowed {
                mismatches.push(format!(
                    "{} in {}: expected {}, got {:?}",
                    action.name(),
                    status.code(),
                    if allowed { "allowed" } else { "refused" },
                    result.err().map(|e| e.to_string())
                ));
            }
        }
    }
    assert!(mismatches.is_empty(), "lifecycle table differs:\n{}", mismatches.join("\n"));
}

#[test]
fn a_refused_action_names_the_state_and_the_action() {
    let case = complaint_in(Status::Registered);
    let err = case.decide(&dispatch()).unwrap_err().to_string();
    assert!(err.contains("cannot dispatch ticket #1"), "{err}");
    assert!(err.contains("registered (待分拣)"), "{err}");
    assert!(err.contains("triage it first"), "{err}");
}

#[test]
fn a_complaint_goes_from_registration_through_mediation_to_closing() {
    let case = complaint_in(Status::Closed);
    let w = &case.ticket.workflow;
    assert_eq!(w.unit.as_deref(), Some("ronggui"));
    assert!(w.signed_at.is_some() && w.first_contact_at.is_some() && w.accepted_at.is_some());
    assert_eq!(w.amount_recovered, Some(Fen(259_900)));
    assert_eq!(w.satisfaction, Some(Satisfaction::Satisfied));
    assert!(w.closed_at.is_some());
    assert_eq!(case.clock("complaint_acceptance"), Some(ClockState::Met));
    assert_eq!(case.clock("complaint_mediation"), Some(ClockState::Met));
    assert_eq!(case.clock("hotline_reply"), Some(ClockState::Met));
    assert_eq!(case.clock("first_contact"), Some(ClockState::Met));
}

#[test]
fn a_refused_complaint_is_resolved_with_its_reason_code_from_the_chinese_label() {
    let case = complaint_in(Status::Signed).run(vec![
        A::Refuse {
            reason: "不属于市场监督管理部门职责或本行政机关管辖".into(),
            note: Some("属劳动纠纷".into()),
        },
        A::Resolve { result: "告知消费者向劳动监察部门反映".into(), amount_recovered: None },
    ]);
    assert_eq!(case.ticket.workflow.refusal.as_deref(), Some("outside_duties"));
    assert_eq!(case.ticket.status, Status::Resolved);
    assert_eq!(case.clock("complaint_acceptance"), Some(ClockState::Met));
}

#[test]
fn an_unknown_refusal_reason_is_refused_with_the_list_of_codes() {
    let case = complaint_in(Status::Signed);
    let err = case.decide(&A::Refuse { reason: "不想办".into(), note: None }).unwrap_err().to_string();
    assert!(err.contains("outside_duties") && err.contains("time_barred"), "{err}");
}

#[test]
fn ending_mediation_without_agreement_stops_the_45_day_clock() {
    let case = complaint_in(Status::Mediating);
    assert_eq!(case.clock("complaint_mediation"), Some(ClockState::Running));
    let case = case.run(vec![A::EndMediation { reason: "被投诉人拒绝调解".into() }]);
    assert_eq!(case.ticket.status, Status::MediationEnded);
    assert_eq!(case.clock("complaint_mediation"), Some(ClockState::Met));
    assert_eq!(case.ticket.workflow.mediation_end_reason.as_deref(), Some("被投诉人拒绝调解"));
}

#[test]
fn a_real_name_report_is_verified_filed_and_the_reporter_told() {
    let case = Case::registered(Kind::Report, "12315").run(vec![
        triage(Kind::Report),
        dispatch(),
        A::Sign,
        A::Verify { findings: "现场检查发现过期食品".into() },
        A::DecideFiling { filed: true, note: "立案调查".into() },
    ]);
    assert_eq!(case.ticket.status, Status::CaseFiled);
    assert_eq!(case.clock("report_verification"), Some(ClockState::Met));
    assert_eq!(case.clock("report_notification"), Some(ClockState::Running));
    let err = case.decide(&resolve()).unwrap_err().to_string();
    assert!(err.contains("case_filed"), "a real-name reporter must be told before resolving: {err}");
    let case = case.run(vec![A::TellReporter { note: "短信告知立案".into() }, resolve()]);
    assert_eq!(case.clock("report_notification"), Some(ClockState::Met));
    assert_eq!(case.ticket.status, Status::Resolved);
}

#[test]
fn an_anonymous_report_is_resolved_after_the_filing_decision_without_telling_anyone() {
    let case = Case::registered_with(new_ticket(Kind::Report, "12315", false)).run(vec![
        triage(Kind::Report),
        dispatch(),
        A::Sign,
        A::Verify { findings: "未发现违法行为".into() },
        A::DecideFiling { filed: false, note: "证据不足".into() },
    ]);
    assert!(case.clock("report_notification").is_none(), "no notification clock for an anonymous reporter");
    let case = case.run(vec![resolve()]);
    assert_eq!(case.ticket.status, Status::Resolved);
}

#[test]
fn an_enquiry_is_answered_and_resolved_and_complaint_actions_are_refused_for_it() {
    let case =
        Case::registered(Kind::Enquiry, "wechat").run(vec![triage(Kind::Enquiry), dispatch(), A::Sign]);
    let err = case.decide(&A::Accept).unwrap_err();
    assert!(matches!(err, LifecycleError::WrongKind { .. }), "{err}");
    assert!(err.to_string().contains("enquiry (咨询)"), "{err}");
    let case = case.run(vec![A::Answer { text: "已告知七日无理由退货规定".into() }, resolve()]);
    assert_eq!(case.ticket.status, Status::Resolved);
}

#[test]
fn a_unit_returning_a_ticket_sends_it_back_to_triage_with_its_reason() {
    let case = complaint_in(Status::Signed)
        .run(vec![A::Return { reason: "不属本职".into(), note: Some("属乐从辖区".into()) }]);
    assert_eq!(case.ticket.status, Status::Triaged);
    assert_eq!(case.ticket.workflow.unit, None);
    let r = &case.ticket.workflow.returns[0];
    assert_eq!((r.unit.as_str(), r.reason.as_str()), ("ronggui", "not_our_duty"));
}

#[test]
fn recall_and_redispatch_move_the_ticket_between_units() {
    let case = complaint_in(Status::Signed)
        .run(vec![A::Redispatch { unit: "乐从分局".into(), reason: "属地调整".into() }]);
    assert_eq!(case.ticket.status, Status::Dispatched);
    assert_eq!(case.ticket.workflow.unit.as_deref(), Some("lecong"));
    let err = case.decide(&A::Redispatch { unit: "lecong".into(), reason: "x".into() }).unwrap_err();
    assert!(err.to_string().contains("already at lecong"), "{err}");
    let case = case.run(vec![A::Recall { reason: "派错单位".into() }]);
    assert_eq!(case.ticket.status, Status::Triaged);
    assert_eq!(case.ticket.workflow.unit, None);
}

#[test]
fn dispatch_to_an_unknown_unit_is_refused() {
    let case = complaint_in(Status::Triaged);
    let err = case.decide(&A::Dispatch { unit: "火星分局".into() }).unwrap_err();
    assert!(matches!(err, LifecycleError::UnknownUnit(_)), "{err}");
}

#[test]
fn an_unsatisfied_follow_up_reopens_the_ticket_for_another_dispatch() {
    let case = complaint_in(Status::WrittenBack).run(vec![A::FollowUp {
        satisfaction: Satisfaction::Unsatisfied,
        note: Some("消费者不认可".into()),
    }]);
    assert_eq!(case.ticket.status, Status::Reopened);
    assert_eq!(case.ticket.workflow.reopened, 0, "the follow-up itself records dissatisfaction");
    let case = case.run(vec![dispatch()]);
    assert_eq!(case.ticket.status, Status::Dispatched);
    assert_eq!(
        case.clock("first_contact"),
        Some(ClockState::Running),
        "a new dispatch restarts first contact"
    );
}

#[test]
fn suspension_pauses_every_running_clock_and_resume_returns_to_the_state_it_left() {
    let case = complaint_in(Status::Contacted).run(vec![A::Suspend { reason: "送检鉴定".into() }]);
    assert_eq!(case.ticket.status, Status::Suspended);
    assert_eq!(case.clock("complaint_acceptance"), Some(ClockState::Paused));
    let case = case.run(vec![A::Resume]);
    assert_eq!(case.ticket.status, Status::Contacted);
    assert_ne!(case.clock("complaint_acceptance"), Some(ClockState::Paused));
}

#[test]
fn an_extension_needs_a_running_clock_within_its_maximum() {
    let report = Case::registered(Kind::Report, "12315");
    let ext = |days| A::Extend {
        clock: "report_verification".into(),
        working_days: days,
        reason: "需调取外地证据".into(),
        approver: "陈科长".into(),
    };
    assert!(report.decide(&ext(16)).is_err(), "report verification extends by at most 15 days");
    let report = report.run(vec![ext(15)]);
    assert_eq!(report.ticket.workflow.extensions[0].approver, "陈科长");
    assert!(report.decide(&ext(1)).is_err(), "the 15 days are used up");
    let complaint = complaint_in(Status::Registered);
    assert!(
        complaint
            .decide(&A::Extend {
                clock: "complaint_acceptance".into(),
                working_days: 3,
                reason: "x".into(),
                approver: "y".into()
            })
            .is_err(),
        "the 7-day acceptance decision has no extension"
    );
}

#[test]
fn splitting_a_ticket_needs_the_other_kind() {
    let case = complaint_in(Status::Triaged);
    assert!(case.decide(&A::Split { kind: Kind::Complaint, note: None }).is_err());
    let d = case.decide(&A::Split { kind: Kind::Report, note: Some("同时举报无照经营".into()) }).unwrap();
    assert!(matches!(d.body, EventBody::SplitInto { kind: Kind::Report, .. }));
    let (registration, clocks) = lifecycle::split_registration(&case.ticket, Kind::Report, rules());
    assert_eq!(registration.kind, Kind::Report);
    assert!(clocks.iter().any(|c| c.rule == "report_verification"));
}

#[test]
fn a_ticket_cannot_be_merged_into_itself() {
    let case = complaint_in(Status::Triaged);
    assert!(case.decide(&A::Merge { into: TicketId(1) }).is_err());
}

#[test]
fn returning_to_the_channel_is_only_for_remote_channels() {
    let hotline = Case::registered(Kind::Complaint, "12345");
    let d = hotline.decide(&A::ReturnToChannel { reason: "缺失要素".into(), note: None }).unwrap();
    assert_eq!(d.after, Status::ReturnedToChannel);
    let walkin = Case::registered(Kind::Complaint, "walkin");
    assert!(walkin.decide(&A::ReturnToChannel { reason: "缺失要素".into(), note: None }).is_err());
}

#[test]
fn closing_stops_all_clocks_so_a_closed_ticket_is_never_overdue() {
    let case = Case::registered(Kind::Complaint, "12345")
        .run(vec![A::ReturnToChannel { reason: "not_our_duty".into(), note: None }]);
    assert!(case.ticket.clocks.iter().all(|c| c.stopped_at.is_some()));
}

#[test]
fn triage_into_another_kind_swaps_the_clocks() {
    let case = Case::registered(Kind::Complaint, "12315");
    assert!(case.clock("complaint_acceptance").is_some());
    let case = case.run(vec![triage(Kind::Report)]);
    assert!(case.clock("complaint_acceptance").is_none());
    assert!(case.clock("report_verification").is_some());
}

#[test]
fn registration_flags_missing_materials_and_resolves_town_aliases() {
    let mut new = new_ticket(Kind::Complaint, "walkin", false);
    new.respondent.credit_code = Some("91440606MA4UABCDE1".into());
    new.kind = None;
    let case = Case::registered_with(new);
    let flags = case.ticket.flag_codes();
    assert!(flags.contains(&"missing_complainant_name"), "{flags:?}");
    assert!(flags.contains(&"missing_complainant_phone"), "{flags:?}");
    assert!(flags.contains(&"kind_assumed"), "{flags:?}");
    assert_eq!(case.ticket.kind, Kind::Complaint);
    assert_eq!(case.ticket.intake.town.as_deref(), Some("容桂"));
}
