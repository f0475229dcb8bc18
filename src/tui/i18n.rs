//! Every string the console shows, in one catalogue, in Chinese and English. The language comes
//! from the config (`console.toml`'s `language`), else `LANG`/`LC_ALL`/`LC_MESSAGES`.

use crate::domain::status::Status;
use crate::domain::ticket::Kind;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    /// From `LC_ALL`, `LC_MESSAGES` or `LANG`: English for `en*`, Chinese otherwise (the bureau's
    /// language; a jump host's `C` or `POSIX` locale still gets Chinese).
    pub fn from_env() -> Lang {
        for var in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            if let Ok(v) = std::env::var(var)
                && !v.is_empty()
            {
                return if v.starts_with("en") { Lang::En } else { Lang::Zh };
            }
        }
        Lang::Zh
    }
    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim().to_ascii_lowercase().as_str() {
            "zh" | "zh-cn" | "zh_cn" | "cn" => Some(Lang::Zh),
            "en" | "en-us" | "en_us" | "en-gb" => Some(Lang::En),
            _ => None,
        }
    }
    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }
    pub fn is_en(self) -> bool {
        self == Lang::En
    }
}

macro_rules! messages {
    ($( $variant:ident = $zh:literal, $en:literal; )*) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Msg { $( $variant, )* }
        impl Msg {
            pub fn text(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $( (Msg::$variant, Lang::Zh) => $zh, (Msg::$variant, Lang::En) => $en, )*
                }
            }
        }
    };
}

messages! {
    Views = "视图", "Views";
    Channels = "渠道", "Channels";
    Quarantine = "隔离区", "Quarantine";
    ColDue = "时限", "Due";
    ColReceived = "收到", "Received";
    ColChannel = "渠道", "Channel";
    ColKind = "类", "Kind";
    ColTitle = "标题", "Title";
    ColRespondent = "被投诉人", "Respondent";
    ColTown = "镇街", "Town";
    ColStatus = "状态", "Status";
    ColOwner = "承办", "Owner";
    NoTickets = "没有工单", "No tickets";
    Loading = "载入中…", "Loading…";
    Preview = "预览", "Preview";
    Complainant = "投诉人", "Complainant";
    Phone = "电话", "Phone";
    Address = "地址", "Address";
    Respondent = "被投诉人", "Respondent";
    CreditCode = "信用代码", "Credit code";
    Request = "诉求", "Request";
    Facts = "事实与理由", "Facts";
    Amount = "涉及金额", "Amount";
    Category = "类别", "Category";
    DisputeType = "争议类型", "Dispute type";
    Unit = "承办单位", "Unit";
    Owner = "负责人", "Owner";
    Clocks = "时限", "Deadlines";
    Timeline = "办理过程", "Timeline";
    Notes = "备注", "Notes";
    Attachments = "附件", "Attachments";
    Flags = "提示", "Flags";
    Delivery = "回填与短信", "Write-back and SMS";
    AllSent = "没有待发送的签收、回填或短信", "Nothing waiting to be sent";
    SignFor = "签收", "Sign-for";
    WriteBack = "回填", "Write-back";
    Sms = "短信", "SMS";
    Waiting = "等待配置", "waiting for configuration";
    Pending = "待发送", "pending";
    Attempts = "次尝试", "attempts";
    Offered = "可执行操作", "Actions now";
    Provisional = "暂估", "provisional";
    Overdue = "超期", "overdue";
    DueSoon = "临期", "due soon";
    Met = "已完成", "met";
    Paused = "暂停", "paused";
    Running = "计时中", "running";
    Late = "逾期完成", "met late";
    Masked = "已脱敏，按 {key} 显示", "masked, {key} reveals";
    Search = "搜索", "Search";
    Matches = "条匹配", "matches";
    Marked = "已标记", "marked";
    Suggested = "建议单位", "Suggested units";
    AllUnits = "组织架构", "Organisation";
    Duplicates = "疑似重复", "Possible duplicates";
    NoDuplicates = "未发现重复", "No duplicates found";
    Kind = "类型", "Kind";
    WithSms = "短信通知单位", "SMS to the unit";
    ClocksApply = "将适用的时限", "Clocks that will apply";
    ConfirmDispatch = "Enter 确认派单", "Enter dispatches";
    NotDispatchable = "#{id} {status}：只有待分拣的工单可以分拣派单，按 {key} 查看可做的操作",
        "#{id} is {status}: only a ticket waiting for triage can be dispatched; {key} shows what it can do";
    ServerLost = "与服务断开，正在重连…", "Server connection lost, reconnecting…";
    Reconnected = "已重新连接", "Reconnected";
    AccessRefused = "服务拒绝了本控制台", "The server refused this console";
    RoleNow = "您的角色现为", "Your role is now";
    Saved = "已保存", "Saved";
    Refused = "未执行", "Not done";
    Copied = "已复制", "Copied";
    ConfirmQuestion = "确定吗？ y 确认 / n 取消", "Are you sure? y yes / n no";
    Required = "必填", "required";
    Missing = "缺少材料", "Missing";
    DraftRestored = "已恢复草稿", "Draft restored";
    IntakeTitle = "人工登记（来访/来信/来电）", "Intake (walk-in / letter / phone)";
    OverdueTitle = "临期与超期", "Due soon and overdue";
    GroupedByUnit = "按单位分组", "grouped by unit";
    HealthOk = "正常", "ok";
    HealthLagging = "滞后", "lagging";
    HealthFailing = "故障", "failing";
    HealthOff = "未配置", "not configured";
    HealthUnknown = "未报告", "no report yet";
    LastSuccess = "上次成功", "last success";
    HelpTitle = "按键帮助", "Keys";
    PaletteTitle = "命令", "Command";
    TooSmall = "终端太小", "Terminal too small";
    WallTitle = "消费维权数字大屏", "Consumer complaints wall";
    WallLive = "实时受理", "Live";
    WallTrend = "趋势与高频词", "Trend and hot words";
    WallAlerts = "预警与重点企业", "Warnings and merchants";
    WallPlaces = "热点镇街与商圈", "Hot towns and districts";
    WallOpen = "在办工单", "Open tickets";
    WallOverdue = "超期工单", "Overdue";
    WallToday = "今日受理", "Received today";
    WallMonth = "本月受理", "This month";
    WallOpenByChannel = "在办 · 按渠道", "Open by channel";
    WallDaily = "每日受理量", "Tickets a day";
    WallHotWords = "投诉高频词", "Hot words";
    WallWarnings = "维权预警", "Early warnings";
    WallMerchants = "投诉突出企业", "Merchants at risk";
    WallTowns = "镇街", "Towns";
    WallDistricts = "商圈", "Business districts";
    WallWaiting = "正在读取…", "Loading…";
    WallNone = "暂无", "None";
    WallLost = "与服务器的连接中断，正在重连", "Server connection lost, reconnecting";
    WallQuit = "q 退出", "q quits";
    WallTickets = "件", "tickets";
    WallExpected = "基线", "baseline";
    // The statistics screen (issue 10).
    StatsToday = "今日", "Today";
    StatsWeek = "本周", "This week";
    StatsMonth = "本月", "This month";
    StatsCustom = "自定义", "Custom";
    StatsAgainst = "对比", "vs";
    StatsWholeDistrict = "全区", "All units";
    StatsComputing = "计算中…", "Computing…";
    StatsTotal = "受理总量", "Tickets received";
    StatsTotalShort = "受理", "Total";
    StatsKpis = "指标", "KPIs";
    StatsTrend = "每日受理量", "Tickets a day";
    StatsHotWords = "高频词", "Words";
    StatsMerchants = "突出企业", "Merchants";
    StatsPrevious = "上期", "prev.";
    StatsFirstCheck = "按时初查率", "First check on time";
    StatsResolved = "按期办结率", "Resolved on time";
    StatsMediation = "调解成功率", "Mediation success";
    StatsRecovered = "挽回经济损失(万元)", "Recovered (10k yuan)";
    StatsFirstContact = "平均首次联系(分钟)", "Avg to contact (min)";
    StatsContactedInTime = "一小时内联系率", "Contacted within 1 h";
    StatsNone = "(无)", "(none)";
    StatsDrillTitle = "统计明细", "Tickets behind";
    StatsRangeTitle = "自定义统计时段", "Custom period";
    StatsFrom = "开始日期", "From";
    StatsTo = "结束日期", "To";
    StatsDateHint = "日期如 2026-11-01，Enter 确定", "Dates as 2026-11-01, Enter applies";
    StatsBadDate = "日期无效", "Not a valid date";
    StatsScopeTitle = "统计范围：单位或镇街", "Scope: a unit or a town";
    StatsTown = "镇街", "town";
    StatsEmpty = "本期没有工单", "No tickets in this period";
    Save = "Ctrl-S 保存", "Ctrl-S saves";
    Reason = "原因", "Reason";
    ReasonCode = "原因代码", "Reason code";
    Days = "工作日", "Working days";
    Approver = "批准人", "Approver";
    Clock = "时限", "Clock";
    Target = "合并到工单号", "Merge into ticket";
    Text = "内容", "Text";
    Result = "结果", "Result";
    Satisfaction = "满意度", "Satisfaction";
    Filed = "立案", "Filed";
    Agreement = "协议", "Agreement";
    Name = "名称", "Name";
    Link = "链接", "Link";
    Received = "收到时间", "Received";
    Title = "标题", "Title";
    Town = "镇街", "Town";
    Premises = "经营场所", "Premises";
    Channel = "渠道", "Channel";
    // The merchant watch list.
    NoMerchant = "该工单没有被投诉经营者", "This ticket names no merchant";
    WatchedMerchant = "重点关注经营者", "watched merchant";
}

pub fn kind(k: Kind, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => k.zh(),
        Lang::En => match k {
            Kind::Complaint => "complaint",
            Kind::Report => "report",
            Kind::Enquiry => "enquiry",
            Kind::Suggestion => "suggestion",
        },
    }
}

pub fn kind_code(code: &str, lang: Lang) -> String {
    Kind::parse(code).map(|k| kind(k, lang).to_string()).unwrap_or_else(|| code.to_string())
}

pub fn status(code: &str, lang: Lang) -> String {
    match (Status::parse(code), lang) {
        (Some(s), Lang::Zh) => s.zh().to_string(),
        _ => code.replace('_', " "),
    }
}

/// A lifecycle action's name on screen.
pub fn lifecycle(name: &str, lang: Lang) -> &str {
    const NAMES: &[(&str, &str)] = &[
        ("triage", "分拣"),
        ("dispatch", "派单"),
        ("sign", "签收"),
        ("contact", "首次联系"),
        ("accept", "受理"),
        ("refuse", "不予受理"),
        ("mediate", "开始调解"),
        ("settle", "调解成功"),
        ("end_mediation", "终止调解"),
        ("verify", "核查"),
        ("decide_filing", "立案决定"),
        ("tell_reporter", "告知举报人"),
        ("answer", "答复"),
        ("resolve", "办结"),
        ("write_back", "回填"),
        ("follow_up", "回访"),
        ("close", "归档"),
        ("reopen", "重办"),
        ("return", "退回"),
        ("recall", "撤回"),
        ("redispatch", "改派"),
        ("split", "分别处理"),
        ("merge", "合并重复"),
        ("suspend", "中止"),
        ("resume", "恢复"),
        ("extend", "延期"),
        ("return_to_channel", "退回来源渠道"),
        ("assign", "指定负责人"),
        ("note", "备注"),
        ("attach", "附件"),
        ("remind", "催办"),
        ("reveal", "查看个人信息"),
        ("watch_merchant", "关注经营者"),
    ];
    match lang {
        Lang::Zh => NAMES.iter().find(|(n, _)| *n == name).map(|(_, zh)| *zh).unwrap_or(name),
        Lang::En => name,
    }
}
