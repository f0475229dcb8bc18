//! The command line, as clap types. Every lifecycle action is one `ticket` subcommand.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "rightsdesk",
    version,
    about = "Consumer-complaint console of a district market-regulation bureau (消费维权一体化平台)",
    long_about = "rightsdesk keeps every complaint, report and enquiry of every intake channel in one store, \
                  with the legal deadlines watched on a working-day calendar and an audit trail of who did what."
)]
pub struct Cli {
    /// Data directory (the store). Default: $RIGHTSDESK_DATA, the config's data_dir, /etc/rightsdesk/config.toml, or the per-user data directory.
    #[arg(long, global = true, env = "RIGHTSDESK_DATA", value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Config directory whose files override the built-in defaults key by key.
    #[arg(long, global = true, env = "RIGHTSDESK_CONFIG", value_name = "DIR")]
    pub config: Option<PathBuf>,
    /// The acting clerk recorded in the audit trail (default: the login name).
    #[arg(long = "as", global = true, value_name = "NAME")]
    pub actor: Option<String>,
    /// Open the console on a simulated bureau: the simulator on a free loopback port, a backlog
    /// of older tickets, new ones every few seconds, a throw-away store unless --data is given.
    #[arg(long)]
    pub demo: bool,
    /// Without a command, the console opens for the data directory.
    #[command(subcommand)]
    pub command: Option<TopCommand>,
}

#[derive(Subcommand, Debug)]
pub enum TopCommand {
    /// Import tickets from a CSV (UTF-8 or GB18030), JSON lines or XLSX file.
    Import(ImportArgs),
    /// List tickets.
    Tickets {
        #[command(subcommand)]
        command: TicketsCommand,
    },
    /// Show one ticket or act on it.
    Ticket {
        #[command(subcommand)]
        command: TicketCommand,
    },
    /// Write out, check or show the configuration.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Pull every remote channel and deliver the outbox (until Ctrl-C, or once with --once).
    Sync(SyncArgs),
    /// Try a channel's profile: `channel try ID` pulls one page and shows how each item maps.
    Channel {
        #[command(subcommand)]
        command: super::channel_cmd::ChannelCommand,
    },
    /// Effects waiting for delivery: sign-fors, write-backs, SMS.
    Outbox {
        #[command(subcommand)]
        command: OutboxCommand,
    },
    /// Payloads from channels that could not become tickets.
    Quarantine {
        #[command(subcommand)]
        command: QuarantineCommand,
    },
    /// Run the HTTP simulator of every remote channel, the SMS gateway and the handling units.
    Sim(super::sim_cmd::SimArgs),
    /// Own the store and run everything in the background: engine, sync, outbox, deadline alarms,
    /// units API, and the socket every other command attaches to (until SIGTERM or Ctrl-C).
    Serve(super::serve_cmd::ServeArgs),
    /// The running server: uptime, channels, outbox depth, who is attached.
    Status {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Handling units: their units-API tokens.
    Unit {
        #[command(subcommand)]
        command: UnitCommand,
    },
    /// Prepare a data directory shared on a jump host: the service user's store, reached by a
    /// clerks' group through the server's socket only.
    Setup(super::setup_cmd::SetupArgs),
    /// The audit trail: verify its hash chain, print its head, list who did what.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// The merchant watch list (关注经营者): add or remove a merchant (a chief's), list them.
    Watch {
        #[command(subcommand)]
        command: super::watch_cmd::WatchCommand,
    },
    /// A period's figures (volumes, breakdowns, KPIs) against the period before.
    Stats(super::stats_cmd::StatsArgs),
    /// The statistics of a period as a workbook with charts (--xlsx) or CSV files (--csv).
    Report(super::report_cmd::ReportArgs),
    /// The wall display (数字大屏): read-only, full screen, its pages turning by themselves;
    /// `q` leaves.
    Wall {
        /// Seconds each page stays.
        #[arg(long, value_name = "SECONDS", default_value_t = 10,
              value_parser = clap::value_parser!(u64).range(1..=3600))]
        every: u64,
    },
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Walk the hash chain over the whole log and name the first link that does not hold
    /// (exit 1). With --head, also check the store against a head recorded earlier.
    Verify {
        /// A head printed by `audit head` and kept outside the store: a chain recomputed after
        /// an edit no longer contains it.
        #[arg(long, value_name = "HASH")]
        head: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Print the chain's head (the last event's link) to record outside the store.
    Head {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Who did what, in order: every event, or one ticket's, or one actor's.
    Log {
        /// A ticket by number or CHANNEL:CHANNEL_TICKET_ID.
        #[arg(long)]
        ticket: Option<String>,
        /// Only what this actor did.
        #[arg(long)]
        actor: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(Subcommand, Debug)]
pub enum UnitCommand {
    /// A unit's token for the units API (one per unit, stored hashed).
    Token {
        #[command(subcommand)]
        command: UnitTokenCommand,
    },
}

#[derive(Subcommand, Debug)]
pub enum UnitTokenCommand {
    /// Issue a fresh token for UNIT, replacing any earlier one; it is printed once, only its
    /// hash is kept.
    Issue { unit: String },
    /// Revoke UNIT's token: the units API refuses it from now on.
    Revoke { unit: String },
}

#[derive(Args, Debug)]
#[command(after_help = crate::import::columns_help())]
pub struct ImportArgs {
    /// The file: .csv, .jsonl/.ndjson or .xlsx (the content decides when the extension does not).
    pub file: PathBuf,
    /// The channel every ticket of the file came through (e.g. 12345, walkin, letter).
    #[arg(long)]
    pub channel: String,
    /// Import the good rows and report the bad ones, instead of rejecting the whole file
    /// (exit status 3 when rows were skipped).
    #[arg(long)]
    pub skip_bad: bool,
    /// Map a column of an unseen export: HEADER=FIELD, FIELD a snake_case field name (or `-`
    /// for none). Repeatable; wins over the profile.
    #[arg(long = "map", value_name = "HEADER=FIELD")]
    pub map: Vec<String>,
    /// Read the file with a profile of imports.toml in the config directory: its column
    /// mapping, date format, kind vocabulary and default town.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Show the mapping and the first rows, and check every row; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

#[derive(Subcommand, Debug)]
pub enum TicketsCommand {
    /// List tickets, nearest deadline first. Without --status: the open ones.
    List(ListArgs),
}

#[derive(Args, Debug)]
pub struct ListArgs {
    /// Status names (comma-separated, e.g. registered,triaged), `open` or `all`.
    #[arg(long, value_name = "STATUS")]
    pub status: Option<String>,
    #[arg(long)]
    pub channel: Option<String>,
    /// Handling unit id or name (section, branch, station).
    #[arg(long)]
    pub unit: Option<String>,
    /// Town or street (an alias such as 大良街道 works).
    #[arg(long)]
    pub town: Option<String>,
    /// Owning clerk.
    #[arg(long)]
    pub owner: Option<String>,
    /// Only tickets with an overdue clock (with --due-soon: either).
    #[arg(long)]
    pub overdue: bool,
    /// Only tickets with a clock due soon (with --overdue: either).
    #[arg(long)]
    pub due_soon: bool,
    /// A phone number, a credit code, or text in the title, respondent, channel ticket id, town or category.
    #[arg(long, value_name = "TEXT")]
    pub search: Option<String>,
    /// Print at most N tickets.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Args, Debug, Clone)]
pub struct Target {
    /// The ticket: its number, or CHANNEL:CHANNEL_TICKET_ID (e.g. 12345:GD20261128000123).
    pub ticket: String,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum KindArg {
    Complaint,
    Report,
    Enquiry,
    Suggestion,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum SatisfactionArg {
    Satisfied,
    Unsatisfied,
    Unreachable,
}

#[derive(Subcommand, Debug)]
pub enum TicketCommand {
    /// Show a ticket with its clocks and timeline (personal data masked unless --reveal).
    Show {
        #[command(flatten)]
        target: Target,
        /// Show names, phones and addresses unmasked.
        #[arg(long)]
        reveal: bool,
    },
    /// Register a ticket by hand (walk-in, letter, phone call).
    Register(Box<RegisterArgs>),
    /// 分拣: set the kind, category and dispute type.
    Triage {
        #[command(flatten)]
        target: Target,
        #[arg(long, value_enum)]
        kind: KindArg,
        /// Goods or service class, e.g. 家用电器, 预付式消费.
        #[arg(long)]
        category: Option<String>,
        /// Dispute type (质量, 价格, 合同 …) or report problem (广告违法 …).
        #[arg(long)]
        dispute_type: Option<String>,
    },
    /// 派单 to a section, branch or station (id or name); the unit gets an SMS once sync runs.
    Dispatch {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        unit: String,
    },
    /// 签收: the unit signs for the ticket.
    Sign {
        #[command(flatten)]
        target: Target,
    },
    /// First contact with the consumer.
    Contact {
        #[command(flatten)]
        target: Target,
        /// What was said, e.g. "电话联系消费者，约定周三上门检测".
        #[arg(long)]
        note: String,
    },
    /// 受理 a complaint.
    Accept {
        #[command(flatten)]
        target: Target,
    },
    /// 不予受理 a complaint. Reasons: outside_duties, already_handled, no_consumer_dispute, time_barred, missing_materials, identity_refused, other.
    Refuse {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        note: Option<String>,
    },
    /// Start mediation of an accepted complaint.
    Mediate {
        #[command(flatten)]
        target: Target,
    },
    /// 调解成功: record the agreement and the amount recovered.
    Settle {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        agreement: String,
        /// 挽回经济损失 in yuan, e.g. 1280.50.
        #[arg(long, value_name = "YUAN")]
        amount_recovered: Option<String>,
    },
    /// 终止调解.
    EndMediation {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        reason: String,
    },
    /// 核查 a report.
    Verify {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        findings: String,
    },
    /// 立案: a case is filed on the report.
    FileCase {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        note: String,
    },
    /// 不予立案: no case is filed on the report.
    NoCase {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        note: String,
    },
    /// 告知举报人 the filing decision.
    TellReporter {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        note: String,
    },
    /// 答复 an enquiry or suggestion.
    Answer {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        text: String,
    },
    /// 办结 with the unit's result.
    Resolve {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        result: String,
        #[arg(long, value_name = "YUAN")]
        amount_recovered: Option<String>,
    },
    /// 回填: the result went back to the source channel.
    WriteBack {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        note: Option<String>,
    },
    /// 回访: record the consumer's satisfaction (unsatisfied reopens the ticket).
    FollowUp {
        #[command(flatten)]
        target: Target,
        #[arg(long, value_enum)]
        satisfaction: SatisfactionArg,
        #[arg(long)]
        note: Option<String>,
    },
    /// 归档.
    Close {
        #[command(flatten)]
        target: Target,
    },
    /// 重办 a closed ticket.
    Reopen {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        reason: String,
    },
    /// 退回 by the unit. Reasons: missing_elements, unclear, wrong_type, address_unknown, duplicate, withdrawn, not_our_duty, other.
    Return {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        note: Option<String>,
    },
    /// 撤回 from the unit, back to triage.
    Recall {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        reason: String,
    },
    /// 改派 to another unit.
    Redispatch {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        unit: String,
        #[arg(long)]
        reason: String,
    },
    /// 分别处理: the part of another kind becomes a new linked ticket.
    Split {
        #[command(flatten)]
        target: Target,
        /// Kind of the new ticket.
        #[arg(long, value_enum)]
        kind: KindArg,
        #[arg(long)]
        note: Option<String>,
    },
    /// Merge into another ticket as a duplicate.
    Merge {
        #[command(flatten)]
        target: Target,
        /// The ticket that stays.
        #[arg(long)]
        into: String,
    },
    /// 中止: stop the clocks (testing, appraisal …).
    Suspend {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        reason: String,
    },
    /// End a suspension.
    Resume {
        #[command(flatten)]
        target: Target,
    },
    /// 延期 one clock by N working days, with the reason and the approver.
    Extend {
        #[command(flatten)]
        target: Target,
        /// The clock, e.g. report_verification, hotline_reply.
        #[arg(long)]
        clock: String,
        #[arg(long, value_name = "N")]
        days: u32,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        approver: String,
    },
    /// Return a misrouted order to its channel (e.g. 12345), with a return reason.
    ReturnToChannel {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        note: Option<String>,
    },
    /// Assign the ticket to a clerk (default: yourself).
    Assign {
        #[command(flatten)]
        target: Target,
        /// Another clerk.
        #[arg(long, conflicts_with = "clear")]
        to: Option<String>,
        /// Remove the owner.
        #[arg(long)]
        clear: bool,
    },
    /// Add a note (e.g. a call with the consumer).
    Note {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        text: String,
    },
    /// Attach a reference to material held elsewhere.
    Attach {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        name: String,
        #[arg(long)]
        uri: String,
    },
    /// 催办 the unit.
    Remind {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        note: Option<String>,
    },
}

#[derive(Args, Debug)]
pub struct RegisterArgs {
    /// A manual channel: walkin, letter or phone (or any channel id).
    #[arg(long)]
    pub channel: String,
    /// The ticket's id in its channel; default for walkin, letter and phone: CHANNEL-YYYYMMDD-N
    /// with the bureau's ticket number N, so every registration is a ticket of its own.
    #[arg(long)]
    pub channel_ticket_id: Option<String>,
    /// complaint, report, enquiry, suggestion (or 投诉, 举报, 咨询, 建议), checked as an
    /// import checks its kind column.
    #[arg(long)]
    pub kind: Option<String>,
    /// Default: now. RFC 3339 or "YYYY-MM-DD HH:MM" (China time).
    #[arg(long)]
    pub received_at: Option<String>,
    #[arg(long)]
    pub title: String,
    #[arg(long)]
    pub facts: Option<String>,
    #[arg(long)]
    pub request: Option<String>,
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long)]
    pub phone: Option<String>,
    #[arg(long)]
    pub address: Option<String>,
    #[arg(long)]
    pub respondent: Option<String>,
    #[arg(long)]
    pub credit_code: Option<String>,
    #[arg(long)]
    pub respondent_address: Option<String>,
    #[arg(long)]
    pub town: Option<String>,
    /// 商圈 (mall, market or street); default: that of the station whose venue the
    /// respondent's address names.
    #[arg(long)]
    pub business_district: Option<String>,
    #[arg(long)]
    pub category: Option<String>,
    #[arg(long)]
    pub dispute_type: Option<String>,
    #[arg(long, value_name = "YUAN")]
    pub amount: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Subcommand, Debug)]
pub enum ConfigCommand {
    /// Write the built-in defaults into DIR (default: the config directory) for editing.
    Init {
        dir: Option<PathBuf>,
        /// Overwrite files that exist.
        #[arg(long)]
        force: bool,
    },
    /// Check the configuration; every problem is printed as file:line: key: what.
    Check,
    /// Show the channels, the organisation's units, the deadline rules or the holiday years.
    Show {
        #[arg(value_enum)]
        what: ShowWhat,
    },
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum ShowWhat {
    Channels,
    Org,
    Rules,
    Holidays,
}

#[derive(Subcommand, Debug)]
pub enum OutboxCommand {
    /// List outbox entries (default: those not yet delivered).
    List {
        /// Also the delivered ones.
        #[arg(long)]
        all: bool,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Send a dead entry again.
    Retry { id: u64 },
}

#[derive(Subcommand, Debug)]
pub enum QuarantineCommand {
    /// List held payloads (default: those not yet dropped or retried).
    List {
        /// Also the dropped and retried ones.
        #[arg(long)]
        all: bool,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Show one payload as received, with its reason.
    Show {
        id: u64,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Hand a payload back to its channel's adapter for another try.
    Retry { id: u64 },
    /// Drop a payload: it will not become a ticket.
    Drop { id: u64 },
}

#[derive(Args, Debug)]
pub struct SyncArgs {
    /// Pull every channel until caught up and drain the outbox, then exit: 0, or 3 naming the
    /// channels that did not catch up.
    #[arg(long)]
    pub once: bool,
    /// With --once: give up after this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub timeout: u64,
    /// Point every remote channel and the SMS gateway at a running simulator (`rightsdesk sim`),
    /// with its demo credentials.
    #[arg(long, value_name = "URL")]
    pub sim: Option<String>,
}
