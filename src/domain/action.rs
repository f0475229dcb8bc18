//! What a clerk, a unit or a channel can do to a ticket. Each variant is one `ticket <action>`
//! subcommand; `lifecycle::decide` says whether it is allowed now.

use crate::domain::ticket::{Fen, Kind, Satisfaction, TicketId};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum TicketAction {
    /// 分拣: set kind, category and dispute type.
    Triage {
        kind: Kind,
        category: Option<String>,
        dispute_type: Option<String>,
    },
    /// 派单 to a section, branch or station.
    Dispatch {
        unit: String,
    },
    /// 签收 by the unit.
    Sign,
    /// First contact with the consumer (首次联系).
    Contact {
        note: String,
    },
    /// 受理 (complaint).
    Accept,
    /// 不予受理 (complaint), with a reason code.
    Refuse {
        reason: String,
        note: Option<String>,
    },
    /// Start mediation (complaint).
    Mediate,
    /// 调解成功 (complaint).
    Settle {
        agreement: String,
        amount_recovered: Option<Fen>,
    },
    /// 终止调解 (complaint).
    EndMediation {
        reason: String,
    },
    /// 核查 (report).
    Verify {
        findings: String,
    },
    /// 立案 or 不予立案 (report).
    DecideFiling {
        filed: bool,
        note: String,
    },
    /// 告知举报人 (report).
    TellReporter {
        note: String,
    },
    /// 答复 (enquiry, suggestion).
    Answer {
        text: String,
    },
    /// 办结 with the unit's result.
    Resolve {
        result: String,
        amount_recovered: Option<Fen>,
    },
    /// 回填: the result went back to the channel.
    WriteBack {
        note: Option<String>,
    },
    /// 回访.
    FollowUp {
        satisfaction: Satisfaction,
        note: Option<String>,
    },
    /// 归档.
    Close,
    /// 重办 after closing (the consumer came back).
    Reopen {
        reason: String,
    },
    /// 退回 by the unit, with a reason code: back to triage.
    Return {
        reason: String,
        note: Option<String>,
    },
    /// 撤回 by the bureau: back to triage.
    Recall {
        reason: String,
    },
    /// 改派 to another unit.
    Redispatch {
        unit: String,
        reason: String,
    },
    /// 分别处理: the material also holds a matter of another kind, which becomes a linked ticket.
    Split {
        kind: Kind,
        note: Option<String>,
    },
    /// Merge into another ticket as a duplicate.
    Merge {
        into: TicketId,
    },
    /// 中止: clocks stop (testing, appraisal …).
    Suspend {
        reason: String,
    },
    /// End a suspension.
    Resume,
    /// 延期 of one clock, with reason and approver.
    Extend {
        clock: String,
        working_days: u32,
        reason: String,
        approver: String,
    },
    /// Hand a misrouted order back to its channel (e.g. 12345), with a return reason.
    ReturnToChannel {
        reason: String,
        note: Option<String>,
    },
    /// Set or clear the owning clerk.
    Assign {
        owner: Option<String>,
    },
    Note {
        text: String,
    },
    Attach {
        name: String,
        uri: String,
    },
    /// 催办.
    Remind {
        note: Option<String>,
    },
    /// Seeing the personal data unmasked: recorded before it is shown.
    Reveal,
    /// 派单 without the SMS to the unit (the clerk has told it otherwise, e.g. by phone).
    DispatchWithoutSms {
        unit: String,
    },
}

impl TicketAction {
    /// The snake_case name used in errors, the audit trail and the CLI.
    pub fn name(&self) -> &'static str {
        match self {
            TicketAction::Triage { .. } => "triage",
            TicketAction::Dispatch { .. } => "dispatch",
            TicketAction::Sign => "sign",
            TicketAction::Contact { .. } => "contact",
            TicketAction::Accept => "accept",
            TicketAction::Refuse { .. } => "refuse",
            TicketAction::Mediate => "mediate",
            TicketAction::Settle { .. } => "settle",
            TicketAction::EndMediation { .. } => "end_mediation",
            TicketAction::Verify { .. } => "verify",
            TicketAction::DecideFiling { .. } => "decide_filing",
            TicketAction::TellReporter { .. } => "tell_reporter",
            TicketAction::Answer { .. } => "answer",
            TicketAction::Resolve { .. } => "resolve",
            TicketAction::WriteBack { .. } => "write_back",
            TicketAction::FollowUp { .. } => "follow_up",
            TicketAction::Close => "close",
            TicketAction::Reopen { .. } => "reopen",
            TicketAction::Return { .. } => "return",
            TicketAction::Recall { .. } => "recall",
            TicketAction::Redispatch { .. } => "redispatch",
            TicketAction::Split { .. } => "split",
            TicketAction::Merge { .. } => "merge",
            TicketAction::Suspend { .. } => "suspend",
            TicketAction::Resume => "resume",
            TicketAction::Extend { .. } => "extend",
            TicketAction::ReturnToChannel { .. } => "return_to_channel",
            TicketAction::Assign { .. } => "assign",
            TicketAction::Note { .. } => "note",
            TicketAction::Attach { .. } => "attach",
            TicketAction::Remind { .. } => "remind",
            TicketAction::Reveal => "reveal",
            TicketAction::DispatchWithoutSms { .. } => "dispatch_without_sms",
        }
    }
}

/// Reasons a complaint may be refused (不予受理), after Order 20 Art. 15 and Order 121.
pub const REFUSAL_REASONS: &[(&str, &str)] = &[
    ("outside_duties", "不属于市场监督管理部门职责或本行政机关管辖"),
    ("already_handled", "法院、仲裁机构、其他行政机关、消费者协会等已经受理或处理"),
    ("no_consumer_dispute", "不是为生活消费需要或未提供消费纠纷证据"),
    ("time_barred", "知道或应当知道权益受损之日起超过三年"),
    ("missing_materials", "未提供投诉人、被投诉人基本信息或具体诉求、事实"),
    ("identity_refused", "冒用他人身份或拒绝核验身份"),
    ("other", "法律、法规、规章规定不予受理的其他情形"),
];

/// Reasons a unit or the bureau returns a ticket (退回), after the 12345 return codes.
pub const RETURN_REASONS: &[(&str, &str)] = &[
    ("missing_elements", "缺失要素"),
    ("unclear", "表述不清"),
    ("wrong_type", "类型有误"),
    ("address_unknown", "地址不详"),
    ("duplicate", "重复受理"),
    ("withdrawn", "市民撤诉"),
    ("not_our_duty", "不属本职"),
    ("other", "其他原因"),
];

/// Accepts a code or its Chinese label and gives the code.
pub fn reason_code(table: &[(&'static str, &'static str)], text: &str) -> Option<&'static str> {
    let t = text.trim();
    table.iter().find(|(code, zh)| *code == t || *zh == t).map(|(code, _)| *code)
}
