//! `tickets list`, `ticket show`, `ticket register` and one subcommand per lifecycle action.

use super::args::{
    Format, KindArg, ListArgs, RegisterArgs, SatisfactionArg, Target, TicketCommand, TicketsCommand,
};
use super::context::Context;
use super::{Failure, OK, output};
use crate::domain::action::TicketAction;
use crate::domain::mask;
use crate::domain::status::Status;
use crate::domain::ticket::{Fen, Kind, NewTicket, Satisfaction, TicketId};
use crate::engine::view::TicketDetail;
use crate::engine::window::{MAX_WINDOW, WindowQuery};
use crate::engine::{Command, Envelope, ListFilter, Outcome, StatusFilter};
use crate::import::{IntakeFields, validate_intake};
use crate::remote::Desk;
use crate::time::Timestamp;

impl From<KindArg> for Kind {
    fn from(k: KindArg) -> Kind {
        match k {
            KindArg::Complaint => Kind::Complaint,
            KindArg::Report => Kind::Report,
            KindArg::Enquiry => Kind::Enquiry,
            KindArg::Suggestion => Kind::Suggestion,
        }
    }
}

pub fn run_tickets(ctx: &Context, command: TicketsCommand) -> Result<i32, Failure> {
    let TicketsCommand::List(args) = command;
    let view = list_filter(ctx, &args)?.view();
    let mut desk = ctx.open_desk()?;
    let mut sink = output::TicketSink::start(args.format)?;
    // Page by page from the view the server keeps: neither side holds the whole list.
    let limit = args.limit.unwrap_or(usize::MAX);
    let mut offset = 0;
    while offset < limit {
        let page = (limit - offset).min(MAX_WINDOW);
        let window = desk.window(WindowQuery { view: view.clone(), offset, limit: page, anchor: None })?;
        sink.rows(&window.rows)?;
        offset += window.rows.len();
        if window.rows.is_empty() || offset >= window.total {
            break;
        }
    }
    sink.finish()?;
    Ok(OK)
}

fn list_filter(ctx: &Context, args: &ListArgs) -> Result<ListFilter, Failure> {
    let status = match args.status.as_deref().map(str::trim) {
        None | Some("open") => StatusFilter::Open,
        Some("all") => StatusFilter::All,
        Some(list) => StatusFilter::Only(
            list.split(',')
                .map(|s| {
                    Status::parse(s).ok_or_else(|| {
                        let known: Vec<&str> = Status::ALL.iter().map(|s| s.code()).collect();
                        Failure::usage(format!(
                            "unknown status {s:?}; use open, all or: {}",
                            known.join(", ")
                        ))
                    })
                })
                .collect::<Result<_, _>>()?,
        ),
    };
    let config = &ctx.config;
    if let Some(c) = &args.channel
        && config.channels.get(c).is_none()
    {
        return Err(Failure::usage(format!(
            "unknown channel {c:?}; known: {}",
            config.channels.ids().join(", ")
        )));
    }
    let unit = match &args.unit {
        Some(u) => Some(config.org.find_unit(u).map(|u| u.id.clone()).ok_or_else(|| {
            Failure::usage(format!("unknown unit {u:?} (see `rightsdesk config show org`)"))
        })?),
        None => None,
    };
    let town = args
        .town
        .as_ref()
        .map(|t| config.org.resolve_town(t).map(str::to_string).unwrap_or_else(|| t.clone()));
    Ok(ListFilter {
        status,
        channel: args.channel.clone(),
        unit,
        town,
        owner: args.owner.clone(),
        overdue: args.overdue,
        due_soon: args.due_soon,
        search: args.search.clone(),
        limit: args.limit,
    })
}

pub(super) fn resolve(desk: &mut Desk, text: &str) -> Result<TicketId, Failure> {
    desk.resolve(text)?.ok_or_else(|| {
        Failure::new(format!(
            "no ticket {text:?}: give its number or CHANNEL:CHANNEL_TICKET_ID (see `rightsdesk tickets list`)"
        ))
    })
}

fn yuan(text: &Option<String>) -> Result<Option<Fen>, Failure> {
    match text {
        None => Ok(None),
        Some(t) => Fen::parse_yuan(t)
            .map(Some)
            .ok_or_else(|| Failure::usage(format!("{t:?} is not an amount in yuan (e.g. 1280.50)"))),
    }
}

pub fn run_ticket(ctx: &Context, command: TicketCommand) -> Result<i32, Failure> {
    use TicketAction as A;
    let mut desk = ctx.open_desk()?;
    let (target, action): (Target, TicketAction) = match command {
        TicketCommand::Show { target, reveal } => return show(ctx, &mut desk, &target, reveal),
        TicketCommand::Register(args) => return register(ctx, &mut desk, &args),
        TicketCommand::Triage { target, kind, category, dispute_type } => {
            (target, A::Triage { kind: kind.into(), category, dispute_type })
        }
        TicketCommand::Dispatch { target, unit } => (target, A::Dispatch { unit }),
        TicketCommand::Sign { target } => (target, A::Sign),
        TicketCommand::Contact { target, note } => (target, A::Contact { note }),
        TicketCommand::Accept { target } => (target, A::Accept),
        TicketCommand::Refuse { target, reason, note } => (target, A::Refuse { reason, note }),
        TicketCommand::Mediate { target } => (target, A::Mediate),
        TicketCommand::Settle { target, agreement, amount_recovered } => {
            let amount_recovered = yuan(&amount_recovered)?;
            (target, A::Settle { agreement, amount_recovered })
        }
        TicketCommand::EndMediation { target, reason } => (target, A::EndMediation { reason }),
        TicketCommand::Verify { target, findings } => (target, A::Verify { findings }),
        TicketCommand::FileCase { target, note } => (target, A::DecideFiling { filed: true, note }),
        TicketCommand::NoCase { target, note } => (target, A::DecideFiling { filed: false, note }),
        TicketCommand::TellReporter { target, note } => (target, A::TellReporter { note }),
        TicketCommand::Answer { target, text } => (target, A::Answer { text }),
        TicketCommand::Resolve { target, result, amount_recovered } => {
            let amount_recovered = yuan(&amount_recovered)?;
            (target, A::Resolve { result, amount_recovered })
        }
        TicketCommand::WriteBack { target, note } => (target, A::WriteBack { note }),
        TicketCommand::FollowUp { target, satisfaction, note } => {
            let satisfaction = match satisfaction {
                SatisfactionArg::Satisfied => Satisfaction::Satisfied,
                SatisfactionArg::Unsatisfied => Satisfaction::Unsatisfied,
                SatisfactionArg::Unreachable => Satisfaction::Unreachable,
            };
            (target, A::FollowUp { satisfaction, note })
        }
        TicketCommand::Close { target } => (target, A::Close),
        TicketCommand::Reopen { target, reason } => (target, A::Reopen { reason }),
        TicketCommand::Return { target, reason, note } => (target, A::Return { reason, note }),
        TicketCommand::Recall { target, reason } => (target, A::Recall { reason }),
        TicketCommand::Redispatch { target, unit, reason } => (target, A::Redispatch { unit, reason }),
        TicketCommand::Split { target, kind, note } => (target, A::Split { kind: kind.into(), note }),
        TicketCommand::Merge { target, into } => {
            let into = resolve(&mut desk, &into)?;
            (target, A::Merge { into })
        }
        TicketCommand::Suspend { target, reason } => (target, A::Suspend { reason }),
        TicketCommand::Resume { target } => (target, A::Resume),
        TicketCommand::Extend { target, clock, days, reason, approver } => {
            (target, A::Extend { clock, working_days: days, reason, approver })
        }
        TicketCommand::ReturnToChannel { target, reason, note } => {
            (target, A::ReturnToChannel { reason, note })
        }
        TicketCommand::Assign { target, to, clear } => {
            let owner = if clear { None } else { Some(to.unwrap_or_else(|| ctx.actor.clone())) };
            (target, A::Assign { owner })
        }
        TicketCommand::Note { target, text } => (target, A::Note { text }),
        TicketCommand::Attach { target, name, uri } => (target, A::Attach { name, uri }),
        TicketCommand::Remind { target, note } => (target, A::Remind { note }),
    };
    let id = resolve(&mut desk, &target.ticket)?;
    let outcome =
        desk.execute(Envelope { actor: ctx.actor.clone(), command: Command::Act { ticket: id, action } })?;
    report(&mut desk, &ctx.config, &outcome, target.format);
    Ok(OK)
}

fn report(desk: &mut Desk, config: &crate::config::Config, outcome: &Outcome, format: Format) {
    if format == Format::Json {
        output::print_json(outcome);
        return;
    }
    match outcome {
        Outcome::Duplicate(id) => println!("#{id} already registered: nothing changed"),
        Outcome::Ingested(_) => {}
        Outcome::Applied(changes) | Outcome::Updated(changes) => {
            for c in changes {
                let detail = desk
                    .event(c.seq)
                    .ok()
                    .flatten()
                    .map(|e| e.body.detail_naming(config))
                    .unwrap_or_else(|| c.event.clone());
                let arrow = match c.before {
                    Some(b) if b != c.after => format!("{} → {}", b.zh(), c.after.zh()),
                    _ => c.after.zh().to_string(),
                };
                println!("#{} {}  [{arrow}]  (seq {})", c.ticket, detail, c.seq);
            }
        }
    }
}

fn show(ctx: &Context, desk: &mut Desk, target: &Target, reveal: bool) -> Result<i32, Failure> {
    let id = resolve(desk, &target.ticket)?;
    if reveal {
        // Seeing the personal data is on the record before it is shown.
        let action = crate::domain::action::TicketAction::Reveal;
        desk.execute(Envelope { actor: ctx.actor.clone(), command: Command::Act { ticket: id, action } })?;
    }
    let detail = desk.detail(id, reveal)?.ok_or_else(|| Failure::new(format!("no ticket #{id}")))?;
    match target.format {
        Format::Json => output::print_json(&detail),
        Format::Table | Format::Csv => print_detail(&ctx.config, &detail),
    }
    Ok(OK)
}

fn print_detail(config: &crate::config::Config, d: &TicketDetail) {
    let s = &d.summary;
    let kind = Kind::parse(&s.kind).map(|k| k.zh()).unwrap_or(&s.kind);
    let status = Status::parse(&s.status).map(|k| k.zh()).unwrap_or(&s.status);
    let channel = config.channels.get(&s.channel).map(|c| c.name.as_str()).unwrap_or(&s.channel);
    let unit = s.unit.as_deref().map(|u| config.org.unit(u).map(|x| x.name.as_str()).unwrap_or(u));
    println!("#{}  {}  [{kind}·{status}]", s.id, s.title);
    println!("  渠道    {channel}  {}", s.channel_ticket_id);
    println!("  受理    {}", s.received_at.map(|t| t.to_string()).unwrap_or_else(|| "-".into()));
    println!("  镇街    {}", s.town.as_deref().unwrap_or("-"));
    println!("  商圈    {}", s.business_district.as_deref().unwrap_or("-"));
    println!(
        "  投诉人  {}  {}  {}",
        d.complainant.name.as_deref().unwrap_or("-"),
        d.complainant.phone.as_deref().unwrap_or("-"),
        d.complainant.address.as_deref().unwrap_or("-")
    );
    println!(
        "  被投诉人 {}  {}  {}",
        d.respondent.name.as_deref().unwrap_or("-"),
        d.respondent.credit_code.as_deref().unwrap_or(""),
        d.respondent.address.as_deref().unwrap_or("")
    );
    let dispute = &d.dispute;
    println!(
        "  类别    {} / {}  金额 {}",
        dispute.category.as_deref().unwrap_or("-"),
        dispute.dispute_type.as_deref().unwrap_or("-"),
        dispute.amount.map(|a| a.to_string()).unwrap_or_else(|| "-".into())
    );
    if let Some(r) = &dispute.request {
        println!("  诉求    {r}");
    }
    if let Some(f) = &dispute.facts {
        println!("  事实    {f}");
    }
    println!("  承办    {}  负责人 {}", unit.unwrap_or("-"), s.owner.as_deref().unwrap_or("-"));
    if !s.flags.is_empty() {
        println!("  提示    {}", s.flags.join(", "));
    }
    println!("  时限");
    for c in &s.clocks {
        let rule = config.sla.clock_name(&c.name);
        let state = serde_json::to_value(c.state)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let late = if c.late { " (逾期办结)" } else { "" };
        let provisional = if c.provisional { " 暂估: 缺少该年度节假日数据" } else { "" };
        println!(
            "    {} {}  {state}{late}{provisional}",
            output::pad(&rule, 24),
            c.due_at.china().format("%Y-%m-%d %H:%M")
        );
    }
    println!("  经过");
    for e in &d.timeline {
        println!("    {:>6}  {}  {:<12} {}", e.seq, e.at, output::fit(&e.actor, 12), e.detail);
    }
}

fn register(ctx: &Context, desk: &mut Desk, a: &RegisterArgs) -> Result<i32, Failure> {
    let new = new_ticket(a, ctx.clock.now())?;
    let outcome =
        desk.execute(Envelope { actor: ctx.actor.clone(), command: Command::Register(Box::new(new)) })?;
    report(desk, &ctx.config, &outcome, a.format);
    // What the clerk should put right now, while the consumer is still at the counter.
    if a.format != Format::Json
        && let Some(id) = outcome.ticket()
        && let Some(detail) = desk.detail(id, false)?
    {
        let s = &detail.summary;
        println!("  {}:{}", s.channel, s.channel_ticket_id);
        if !s.flags.is_empty() {
            println!("  提示: {}", s.flags.join(", "));
        }
    }
    if a.format != Format::Json
        && let Some(phone) = &a.phone
    {
        let earlier = desk.by_phone(phone)?;
        let others: Vec<String> =
            earlier.iter().filter(|id| Some(**id) != outcome.ticket()).map(|id| format!("#{id}")).collect();
        if !others.is_empty() {
            println!("  {} 此前还有 {} 件: {}", mask::phone(phone), others.len(), others.join(" "));
        }
    }
    Ok(OK)
}

/// The ticket a `ticket register` describes, through the check every imported row goes through
/// (`import::validate_intake`): what import refuses, register refuses with the same words.
fn new_ticket(a: &RegisterArgs, now: Timestamp) -> Result<NewTicket, Failure> {
    let received_at = a.received_at.clone().unwrap_or_else(|| now.rfc3339());
    let mut fields = IntakeFields::new();
    let given: [(&str, Option<&str>); 17] = [
        ("channel_ticket_id", a.channel_ticket_id.as_deref()),
        ("kind", a.kind.as_deref()),
        ("received_at", Some(&received_at)),
        ("title", Some(&a.title)),
        ("facts", a.facts.as_deref()),
        ("request", a.request.as_deref()),
        ("complainant_name", a.name.as_deref()),
        ("complainant_phone", a.phone.as_deref()),
        ("complainant_address", a.address.as_deref()),
        ("respondent_name", a.respondent.as_deref()),
        ("credit_code", a.credit_code.as_deref()),
        ("respondent_address", a.respondent_address.as_deref()),
        ("town", a.town.as_deref()),
        ("business_district", a.business_district.as_deref()),
        ("category", a.category.as_deref()),
        ("dispute_type", a.dispute_type.as_deref()),
        ("amount", a.amount.as_deref()),
    ];
    for (field, text) in given {
        fields.set_opt(field, text).map_err(|e| Failure::new(e.to_string()))?;
    }
    validate_intake(&fields, &a.channel, now)
        .map_err(|refused| Failure::new(format!("not registered: {refused}. Correct it and register again")))
}
