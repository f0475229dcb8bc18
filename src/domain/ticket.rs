//! The ticket (工单): intake, complainant, respondent, dispute and workflow, as on the
//! reference record in `shared/reference/complaints-cn.md`.

use crate::domain::sla::ClockRecord;
use crate::domain::status::Status;
use crate::time::Timestamp;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

/// The bureau's own number for a ticket, allocated by the engine in order of registration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TicketId(pub u64);

impl fmt::Display for TicketId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// 投诉 / 举报 / 咨询 / 建议.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Complaint,
    Report,
    Enquiry,
    Suggestion,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Complaint, Kind::Report, Kind::Enquiry, Kind::Suggestion];

    pub fn code(self) -> &'static str {
        match self {
            Kind::Complaint => "complaint",
            Kind::Report => "report",
            Kind::Enquiry => "enquiry",
            Kind::Suggestion => "suggestion",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            Kind::Complaint => "投诉",
            Kind::Report => "举报",
            Kind::Enquiry => "咨询",
            Kind::Suggestion => "建议",
        }
    }
    /// Accepts the English code or the Chinese name, as found in channel exports.
    pub fn parse(text: &str) -> Option<Kind> {
        let t = text.trim();
        Kind::ALL.into_iter().find(|k| k.code().eq_ignore_ascii_case(t) || k.zh() == t)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// An amount of money in fen (分), so sums never drift.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Fen(pub i64);

impl Fen {
    /// Parses `1234`, `1234.5`, `1,234.50`, `1234元`.
    pub fn parse_yuan(text: &str) -> Option<Fen> {
        let t: String =
            text.trim().trim_end_matches('元').chars().filter(|c| *c != ',' && *c != '，').collect();
        if t.is_empty() {
            return None;
        }
        let (whole, frac) = match t.split_once('.') {
            Some((w, f)) => (w, f),
            None => (t.as_str(), ""),
        };
        if frac.len() > 2 || !frac.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let negative = whole.starts_with('-');
        let whole_digits = whole.trim_start_matches('-');
        if whole_digits.is_empty()
            || !whole_digits.chars().all(|c| c.is_ascii_digit())
            || whole_digits.len() > 13
        {
            return None;
        }
        let yuan: i64 = whole_digits.parse().ok()?;
        let fen: i64 = format!("{frac:0<2}").parse().ok()?;
        let v = yuan * 100 + fen;
        Some(Fen(if negative { -v } else { v }))
    }
    pub fn yuan_text(self) -> String {
        format!("{}.{:02}", self.0 / 100, (self.0 % 100).abs())
    }
}

impl fmt::Display for Fen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}元", self.yuan_text())
    }
}

/// How and when the ticket reached the bureau.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Intake {
    /// Channel id from `config/channels.toml` (see INTERFACES.md for the stable ids).
    pub channel: String,
    /// The ticket's id in its channel; (channel, channel_ticket_id) is unique in the store.
    pub channel_ticket_id: String,
    /// The channel's own order number when it differs from its id (e.g. 12345 工单编号).
    pub order_no: Option<String>,
    pub received_at: Option<Timestamp>,
    pub caller_number: Option<String>,
    /// GB/T 2260 region code, six digits (Shunde: 440606).
    pub region_code: Option<String>,
    /// Canonical town/street name from the organisation, or the raw text when it is not one (flagged).
    pub town: Option<String>,
    /// 商圈: the mall, market or street the matter belongs to, as given, or the business district
    /// of the station whose venue the merchant's address names. Added in record version 3.
    #[serde(default, deserialize_with = "crate::store::codec::since_v3")]
    pub business_district: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Complainant {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub id_verified: bool,
    /// Complaining on behalf of someone else (代理).
    pub proxy: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Respondent {
    pub name: Option<String>,
    /// 统一社会信用代码, 18 characters (GB 32100).
    pub credit_code: Option<String>,
    pub address: Option<String>,
    /// The shop or stall (经营场所), e.g. a unit in a mall.
    pub premises: Option<String>,
    /// Online platform and store name, for e-commerce disputes.
    pub platform: Option<String>,
    /// The merchant is an ODR enterprise (在线消费纠纷解决单位).
    pub odr: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Dispute {
    pub title: String,
    /// What the consumer asks for (诉求).
    pub request: Option<String>,
    /// What happened (事实与理由).
    pub facts: Option<String>,
    pub purchase_date: Option<NaiveDate>,
    /// When the consumer knew of the harm: the 3-year rule counts from it.
    pub harm_known_date: Option<NaiveDate>,
    pub amount: Option<Fen>,
    /// Goods or service class (商品/服务类别), e.g. 家用电器, 预付式消费.
    pub category: Option<String>,
    /// 中消协 dispute type (质量, 价格, 合同 …) or, for a report, the problem (广告违法 …).
    pub dispute_type: Option<String>,
    /// Optional GB/T 42499-2023 nine-digit code.
    pub gb_code: Option<String>,
}

/// Everything a channel or a clerk supplies to register a ticket.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NewTicket {
    pub kind: Option<Kind>,
    pub intake: Intake,
    pub complainant: Complainant,
    pub respondent: Respondent,
    pub dispute: Dispute,
    pub attachments: Vec<Attachment>,
}

/// A finding at registration or later that a clerk must look at; never a reason to drop a ticket.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// No kind in the source; registered as a complaint until triage says otherwise.
    KindAssumed,
    MissingComplainantName,
    MissingComplainantPhone,
    MissingComplainantAddress,
    MissingRespondentName,
    MissingRespondentAddress,
    MissingRequest,
    MissingFacts,
    /// The 统一社会信用代码 fails its check character (or has the wrong shape).
    BadCreditCode,
    /// The town is not one of the organisation's towns/streets, nor an alias of one.
    UnknownTown,
    /// More than 3 years since the consumer knew of the harm (a refusal ground).
    PossiblyTimeBarred,
    /// A deadline crosses a year whose holiday calendar is not loaded.
    ProvisionalDeadline,
    /// A unit sent the ticket back (退回); cleared when it is dispatched again. After the
    /// others: records store a flag by its place.
    ReturnedByUnit,
    /// A phone number with letters or other text in it, kept as written (never stripped to its
    /// digits, which would dial someone else). Last: records store a flag by its place.
    BadPhone,
}

impl Flag {
    pub const ALL: [Flag; 14] = [
        Flag::KindAssumed,
        Flag::MissingComplainantName,
        Flag::MissingComplainantPhone,
        Flag::MissingComplainantAddress,
        Flag::MissingRespondentName,
        Flag::MissingRespondentAddress,
        Flag::MissingRequest,
        Flag::MissingFacts,
        Flag::BadCreditCode,
        Flag::UnknownTown,
        Flag::PossiblyTimeBarred,
        Flag::ProvisionalDeadline,
        Flag::ReturnedByUnit,
        Flag::BadPhone,
    ];

    pub fn from_code(code: &str) -> Option<Flag> {
        Flag::ALL.into_iter().find(|f| f.code() == code)
    }

    pub fn code(self) -> &'static str {
        match self {
            Flag::KindAssumed => "kind_assumed",
            Flag::MissingComplainantName => "missing_complainant_name",
            Flag::MissingComplainantPhone => "missing_complainant_phone",
            Flag::MissingComplainantAddress => "missing_complainant_address",
            Flag::MissingRespondentName => "missing_respondent_name",
            Flag::MissingRespondentAddress => "missing_respondent_address",
            Flag::MissingRequest => "missing_request",
            Flag::MissingFacts => "missing_facts",
            Flag::BadCreditCode => "bad_credit_code",
            Flag::UnknownTown => "unknown_town",
            Flag::PossiblyTimeBarred => "possibly_time_barred",
            Flag::ProvisionalDeadline => "provisional_deadline",
            Flag::ReturnedByUnit => "returned_by_unit",
            Flag::BadPhone => "bad_phone",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            Flag::KindAssumed => "类型待定",
            Flag::MissingComplainantName => "缺投诉人姓名",
            Flag::MissingComplainantPhone => "缺联系电话",
            Flag::MissingComplainantAddress => "缺投诉人地址",
            Flag::MissingRespondentName => "缺被投诉人名称",
            Flag::MissingRespondentAddress => "缺被投诉人地址",
            Flag::MissingRequest => "缺诉求",
            Flag::MissingFacts => "缺事实理由",
            Flag::BadCreditCode => "信用代码校验不符",
            Flag::UnknownTown => "镇街不明",
            Flag::PossiblyTimeBarred => "可能超三年时效",
            Flag::ProvisionalDeadline => "期限暂估",
            Flag::ReturnedByUnit => "被退回",
            Flag::BadPhone => "电话号码有误",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Note {
    pub at: Timestamp,
    pub actor: String,
    pub text: String,
}

/// A reference to material held elsewhere (the channel's file store, a scan on a share).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Attachment {
    pub name: String,
    pub uri: String,
}

/// How two tickets are related.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    /// This ticket was split out of the other (分别处理).
    SplitFrom,
    /// The other ticket was split out of this one.
    SplitInto,
    /// This ticket was merged into the other as a duplicate.
    MergedInto,
    /// The other ticket was merged into this one.
    Absorbed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub kind: LinkKind,
    pub ticket: TicketId,
}

/// 满意度 at follow-up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Satisfaction {
    Satisfied,
    Unsatisfied,
    Unreachable,
}

/// A deadline extension (延期): the clock it applies to, by how much, why and who approved.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Extension {
    pub clock: String,
    pub working_days: u32,
    pub reason: String,
    pub approver: String,
    pub at: Timestamp,
}

/// A unit sent the ticket back (退回) with a reason code.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReturnRecord {
    pub unit: String,
    pub reason: String,
    pub note: Option<String>,
    pub at: Timestamp,
}

/// The handling state of a ticket: who has it and what has been decided.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Workflow {
    /// Handling unit id (section, branch or station) from the organisation.
    pub unit: Option<String>,
    /// The clerk who owns the ticket ("assign to me").
    pub owner: Option<String>,
    pub dispatched_at: Option<Timestamp>,
    pub signed_at: Option<Timestamp>,
    pub first_contact_at: Option<Timestamp>,
    pub accepted_at: Option<Timestamp>,
    /// 不予受理: reason code.
    pub refusal: Option<String>,
    /// 终止调解: reason.
    pub mediation_end_reason: Option<String>,
    /// Report: was a case filed (立案)?
    pub case_filed: Option<bool>,
    pub resolved_at: Option<Timestamp>,
    /// The unit's result text (办理结果), written back to the channel.
    pub result: Option<String>,
    /// 挽回经济损失.
    pub amount_recovered: Option<Fen>,
    pub written_back_at: Option<Timestamp>,
    pub satisfaction: Option<Satisfaction>,
    pub closed_at: Option<Timestamp>,
    /// Status to go back to when a suspension (中止) ends.
    pub suspended_from: Option<Status>,
    pub suspension_reason: Option<String>,
    pub extensions: Vec<Extension>,
    pub returns: Vec<ReturnRecord>,
    pub reminders: u32,
    pub links: Vec<Link>,
    pub reopened: u32,
}

/// The current state of a ticket: the projection the engine keeps beside the event log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    pub id: TicketId,
    pub kind: Kind,
    pub status: Status,
    pub intake: Intake,
    pub complainant: Complainant,
    pub respondent: Respondent,
    pub dispute: Dispute,
    pub workflow: Workflow,
    /// The deadline clocks that apply to this ticket, as facts (start, stop, pauses, extensions);
    /// due dates are computed from them with the calendar.
    pub clocks: Vec<ClockRecord>,
    pub notes: Vec<Note>,
    pub attachments: Vec<Attachment>,
    pub flags: BTreeSet<Flag>,
    /// Store sequence numbers of this ticket's events, oldest first: its timeline.
    pub events: Vec<u64>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Ticket {
    /// A ticket with nothing recorded yet: a stand-in the engine replaces at once, and a base
    /// for tests that set only what they look at.
    pub fn blank(id: TicketId, at: Timestamp) -> Ticket {
        Ticket {
            id,
            kind: Kind::Complaint,
            status: crate::domain::status::Status::Registered,
            intake: Default::default(),
            complainant: Default::default(),
            respondent: Default::default(),
            dispute: Default::default(),
            workflow: Default::default(),
            clocks: Vec::new(),
            notes: Vec::new(),
            attachments: Vec::new(),
            flags: Default::default(),
            events: Vec::new(),
            created_at: at,
            updated_at: at,
        }
    }

    pub fn flag_codes(&self) -> Vec<&'static str> {
        self.flags.iter().map(|f| f.code()).collect()
    }
    /// The complainant gave a name and a way to reach them (实名).
    pub fn is_real_name(&self) -> bool {
        self.complainant.name.as_deref().is_some_and(|s| !s.trim().is_empty())
            && self.complainant.phone.as_deref().is_some_and(|s| !s.trim().is_empty())
    }
}
