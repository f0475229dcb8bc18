//! Lifecycle states of a ticket. The transitions between them live in `lifecycle.rs`.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Where a ticket stands. The snake_case name is the `status` of the JSON output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// 登记: in the queue, not yet classified.
    Registered,
    /// 已分拣: kind, category and dispute type set; ready to dispatch.
    Triaged,
    /// 已派单: sent to a unit, waiting for the unit to sign for it.
    Dispatched,
    /// 已签收: the unit has it.
    Signed,
    /// 已联系: the unit has reached the consumer.
    Contacted,
    /// 已受理 (complaint).
    Accepted,
    /// 不予受理 (complaint).
    Refused,
    /// 调解中 (complaint).
    Mediating,
    /// 调解成功 (complaint).
    Settled,
    /// 终止调解 (complaint).
    MediationEnded,
    /// 已核查 (report).
    Verified,
    /// 已立案 (report).
    CaseFiled,
    /// 不予立案 (report).
    NotFiled,
    /// 已告知举报人 (report).
    ReporterTold,
    /// 已答复 (enquiry, suggestion).
    Answered,
    /// 已办结: the unit's result is in.
    Resolved,
    /// 已回填: the result went back to the channel.
    WrittenBack,
    /// 已回访 (satisfied or unreachable).
    FollowedUp,
    /// 重办: the consumer was not satisfied; the ticket is handled again.
    Reopened,
    /// 中止: clocks stopped (testing, appraisal …); resumes to the state it left.
    Suspended,
    /// 已退回来源渠道: a misrouted order handed back to its channel (e.g. 12345).
    ReturnedToChannel,
    /// 已合并: a duplicate, merged into another ticket.
    Merged,
    /// 已归档.
    Closed,
}

impl Status {
    pub const ALL: [Status; 23] = [
        Status::Registered,
        Status::Triaged,
        Status::Dispatched,
        Status::Signed,
        Status::Contacted,
        Status::Accepted,
        Status::Refused,
        Status::Mediating,
        Status::Settled,
        Status::MediationEnded,
        Status::Verified,
        Status::CaseFiled,
        Status::NotFiled,
        Status::ReporterTold,
        Status::Answered,
        Status::Resolved,
        Status::WrittenBack,
        Status::FollowedUp,
        Status::Reopened,
        Status::Suspended,
        Status::ReturnedToChannel,
        Status::Merged,
        Status::Closed,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Status::Registered => "registered",
            Status::Triaged => "triaged",
            Status::Dispatched => "dispatched",
            Status::Signed => "signed",
            Status::Contacted => "contacted",
            Status::Accepted => "accepted",
            Status::Refused => "refused",
            Status::Mediating => "mediating",
            Status::Settled => "settled",
            Status::MediationEnded => "mediation_ended",
            Status::Verified => "verified",
            Status::CaseFiled => "case_filed",
            Status::NotFiled => "not_filed",
            Status::ReporterTold => "reporter_told",
            Status::Answered => "answered",
            Status::Resolved => "resolved",
            Status::WrittenBack => "written_back",
            Status::FollowedUp => "followed_up",
            Status::Reopened => "reopened",
            Status::Suspended => "suspended",
            Status::ReturnedToChannel => "returned_to_channel",
            Status::Merged => "merged",
            Status::Closed => "closed",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Status::Registered => "待分拣",
            Status::Triaged => "待派单",
            Status::Dispatched => "待签收",
            Status::Signed => "已签收",
            Status::Contacted => "已联系",
            Status::Accepted => "已受理",
            Status::Refused => "不予受理",
            Status::Mediating => "调解中",
            Status::Settled => "调解成功",
            Status::MediationEnded => "终止调解",
            Status::Verified => "已核查",
            Status::CaseFiled => "已立案",
            Status::NotFiled => "不予立案",
            Status::ReporterTold => "已告知",
            Status::Answered => "已答复",
            Status::Resolved => "已办结",
            Status::WrittenBack => "已回填",
            Status::FollowedUp => "已回访",
            Status::Reopened => "重办",
            Status::Suspended => "中止",
            Status::ReturnedToChannel => "已退回渠道",
            Status::Merged => "已合并",
            Status::Closed => "已归档",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        let t = text.trim();
        Status::ALL.into_iter().find(|s| s.code() == t || s.zh() == t)
    }

    /// No further handling: the ticket only changes again if someone reopens it.
    pub fn is_terminal(self) -> bool {
        matches!(self, Status::Closed | Status::Merged | Status::ReturnedToChannel)
    }

    /// Still needs someone's work (the "open" queue).
    pub fn is_open(self) -> bool {
        !self.is_terminal()
    }

    /// A stable one-byte tag for index keys; never reuse a retired value.
    pub fn tag(self) -> u8 {
        Status::ALL.iter().position(|s| *s == self).expect("every status is in ALL") as u8
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}
