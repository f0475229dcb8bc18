//! The past of a backfilled ticket. A plan of actions with their times is drawn first; then each
//! action goes through `lifecycle::decide` at its own time and is folded with `event::apply`, the
//! same path a live ticket takes. So the status is reachable by construction and the clocks are
//! exactly what the SLA policy records at each milestone.

use super::draft::{Draft, Truth};
use super::text::{chars, yuan};
use super::{Generator, pick, vocab};
use crate::domain::action::{REFUSAL_REASONS, TicketAction as A};
use crate::domain::event::{self, Event, EventBody, Registration};
use crate::domain::lifecycle::{self, Rules};
use crate::domain::sla::SlaPolicy;
use crate::domain::status::Status;
use crate::domain::ticket::{Fen, Flag, Kind, Satisfaction, Ticket, TicketId};
use crate::domain::validate;
use crate::time::Timestamp;
use chrono::{Datelike, Duration, Timelike, Weekday};
use rand::Rng;

/// The bureau's working periods, minutes after midnight: 08:30–12:00 and 14:00–17:30. Plans are
/// timed in working minutes so that units act in office hours; holidays are not consulted (a plan
/// needs plausible times, not legal deadlines; the clocks use the real calendar).
const PERIODS: [(u32, u32); 2] = [(510, 720), (840, 1050)];
const DAY: f64 = 420.0;

struct Step {
    at: Timestamp,
    actor: String,
    action: A,
}

pub(super) fn build(
    g: &mut Generator,
    channel: &str,
    received_at: Timestamp,
    open: bool,
    sla: &SlaPolicy,
    as_of: Option<Timestamp>,
) -> Ticket {
    let Draft { new, truth } = g.draft(channel, received_at);
    let mut ticket = register(g, new, received_at, sla);
    let saved = g.rng.clone();
    let mut steps = plan(g, &ticket, &truth, channel, open, 1.0);
    if let Some(target) = as_of.and_then(|a| target_span(g, &steps, received_at, open, a)) {
        // Re-planned at another pace with the same draws: the same history, handled faster or
        // slower, still in office hours.
        let mut pace = 1.0;
        for _ in 0..3 {
            let span = span_of(&steps, received_at);
            if span <= 0.0 || (0.9..=1.0).contains(&(target / span)) {
                break;
            }
            pace *= target / span;
            g.rng = saved.clone();
            steps = plan(g, &ticket, &truth, channel, open, pace);
        }
    }
    let keep = cut(g, &mut steps, received_at, open, as_of);

    let rules = Rules { sla, channels: &g.channels, org: &g.org };
    for step in steps.into_iter().take(keep) {
        let before = ticket.status;
        let decision = match lifecycle::decide(&ticket, &step.action, rules, step.at) {
            Ok(d) => d,
            Err(e) => {
                // A plan the rules refuse is a bug here; in release the ticket keeps the state
                // reached so far, which is still a real, consistent state.
                debug_assert!(false, "generated history refused by the lifecycle: {e}");
                break;
            }
        };
        g.seq += 1;
        let event = Event {
            seq: g.seq,
            ticket: ticket.id,
            at: step.at,
            actor: step.actor,
            before: Some(before),
            after: decision.after,
            body: decision.body,
            clocks: decision.clocks,
        };
        ticket = event::apply(Some(ticket), &event).expect("a decided action applies to its ticket");
    }
    // The engine numbers the ticket and its events when it backfills it.
    ticket.id = TicketId(0);
    ticket.events.clear();
    ticket
}

/// Registration as the engine does it; for a channel the configuration does not know, the same
/// findings without clocks (no rules apply to an unknown channel).
fn register(
    g: &mut Generator,
    new: crate::domain::ticket::NewTicket,
    at: Timestamp,
    sla: &SlaPolicy,
) -> Ticket {
    let rules = Rules { sla, channels: &g.channels, org: &g.org };
    let (registration, clocks) = match lifecycle::register(new.clone(), rules, at) {
        Ok(r) => r,
        Err(_) => {
            let mut new = new;
            validate::normalise_new_ticket(&mut new, &g.org);
            let flags = validate::intake_flags(&new, &g.org, at.china_date());
            let kind = new.kind.unwrap_or(Kind::Complaint);
            (Registration { kind, ticket: new, flags }, Vec::new())
        }
    };
    g.seq += 1;
    let event = Event {
        seq: g.seq,
        ticket: TicketId(0),
        at,
        actor: "import".to_string(),
        before: None,
        after: Status::Registered,
        body: EventBody::Registered(Box::new(registration)),
        clocks: Some(clocks),
    };
    event::apply(None, &event).expect("a registration creates its ticket")
}

fn span_of(steps: &[Step], received: Timestamp) -> f64 {
    steps.last().map(|s| (s.at.millis() - received.millis()) as f64).unwrap_or(0.0)
}

/// The span the plan should take to fit `as_of`, when it does not: a closed ticket must be
/// closed before it; an open one should still be in handling at it, unless it is so old that it
/// can only be a ticket that got stuck.
fn target_span(
    g: &mut Generator,
    steps: &[Step],
    received: Timestamp,
    open: bool,
    as_of: Timestamp,
) -> Option<f64> {
    let span = span_of(steps, received);
    let room = (as_of.millis() - received.millis()) as f64;
    if span <= 0.0 || room <= 0.0 {
        return None;
    }
    match open {
        false if span > room => Some(room * 0.95),
        true if span <= room && room / span <= 3.0 => Some(room * g.rng.random_range(1.05..1.6)),
        _ => None,
    }
}

/// How many planned steps happen: all for a closed ticket; for an open one, those before `as_of`
/// (or a random prefix), never the last (closing).
fn cut(
    g: &mut Generator,
    steps: &mut [Step],
    received: Timestamp,
    open: bool,
    as_of: Option<Timestamp>,
) -> usize {
    let total = steps.len();
    let r = received.millis();
    let last = steps.last().map(|s| s.at.millis()).unwrap_or(r);
    match (open, as_of) {
        (false, None) => total,
        (false, Some(a)) => {
            let a = a.millis();
            if last > a && last > r {
                // What re-planning left beyond `as_of` is squeezed in proportionally.
                let f = (a - 60_000 - r).max(0) as f64 / (last - r) as f64;
                scale(steps, r, f);
            }
            total
        }
        (true, None) => g.rng.random_range(0..total.max(1)),
        (true, Some(a)) => {
            let a = a.millis();
            // All done before `as_of` although open: a ticket that got stuck somewhere.
            let before = steps.iter().take_while(|s| s.at.millis() <= a).count();
            if before < total {
                return before;
            }
            // Long waits happen in mediation, in a suspension, or after the reply (回访 pending).
            let waiting: Vec<usize> = (1..total)
                .filter(|&k| {
                    matches!(
                        steps[k - 1].action,
                        A::Mediate | A::Suspend { .. } | A::WriteBack { .. } | A::FollowUp { .. }
                    )
                })
                .collect();
            if waiting.is_empty() {
                g.rng.random_range(0..total.max(1))
            } else {
                waiting[g.rng.random_range(0..waiting.len())]
            }
        }
    }
}

fn scale(steps: &mut [Step], from: i64, f: f64) {
    for s in steps {
        let seconds = ((s.at.millis() - from) as f64 * f / 1000.0) as i64;
        s.at = Timestamp::from_millis(from + seconds * 1000);
    }
}

/// A running time cursor over working minutes, collecting the plan.
struct Cursor<'a> {
    g: &'a mut Generator,
    at: Timestamp,
    steps: Vec<Step>,
    /// Multiplies every delay: below 1 a brisk unit, above 1 a slow one.
    pace: f64,
}

impl Cursor<'_> {
    fn minutes(&mut self, lo: u32, hi: u32) {
        let m = self.g.rng.random_range(lo..=hi.max(lo));
        self.at = work_add(self.at, (f64::from(m) * self.pace) as u32);
    }
    fn days(&mut self, lo: f64, hi: f64) {
        self.minutes((lo * DAY) as u32, (hi * DAY) as u32);
    }
    fn push(&mut self, actor: &str, action: A) {
        // A few seconds apart, so that two actions never share an instant.
        self.at = self.at.plus_seconds(self.g.rng.random_range(1..60));
        self.steps.push(Step { at: self.at, actor: actor.to_string(), action });
    }
    fn roll(&mut self, p: f64) -> bool {
        self.g.rng.random_bool(p.clamp(0.0, 1.0))
    }
}

fn plan(g: &mut Generator, t: &Ticket, truth: &Truth, channel: &str, open: bool, pace: f64) -> Vec<Step> {
    let received = t.intake.received_at.unwrap_or(t.created_at);
    let remote = g.channels.get(channel).is_some_and(|c| c.is_remote());
    let channel_name = g.channels.get(channel).map(|c| c.name.clone()).unwrap_or_else(|| channel.to_string());
    let clerk = pick(&mut g.rng, vocab::CLERKS).to_string();
    let real_name = t.is_real_name();
    let mut c = Cursor { g, at: received, steps: Vec::new(), pace };

    // A misrouted hotline order goes back to 12345 before anyone handles it.
    if channel == "12345" && !open && c.roll(0.03) {
        c.minutes(30, 600);
        let note = pick(&mut c.g.rng, vocab::CHANNEL_RETURN_NOTES).to_string();
        c.push(&clerk, A::ReturnToChannel { reason: "not_our_duty".into(), note: Some(note) });
        return c.steps;
    }

    c.minutes(5, 240);
    let triage = A::Triage {
        kind: truth.kind,
        category: truth.category.clone(),
        dispute_type: truth.dispute_type.clone(),
    };
    c.push(&clerk, triage);
    if c.roll(0.3) {
        c.minutes(0, 5);
        c.push(&clerk, A::Assign { owner: Some(clerk.clone()) });
    }
    c.minutes(5, 300);
    let mut unit = unit_for(c.g, truth, channel, None);
    c.push(&clerk, A::Dispatch { unit: unit.clone() });

    if matches!(truth.kind, Kind::Complaint | Kind::Report) && c.roll(0.05) {
        // The unit signs, finds the ticket is not theirs, and sends it back; the clerk redispatches.
        c.minutes(10, 240);
        c.push(&actor(&unit), A::Sign);
        c.minutes(30, 900);
        let (reason, note) = pick(&mut c.g.rng, vocab::RETURN_NOTES);
        c.push(&actor(&unit), A::Return { reason: reason.into(), note: Some(note.into()) });
        c.minutes(10, 240);
        unit = unit_for(c.g, truth, channel, Some(&unit));
        c.push(&clerk, A::Dispatch { unit: unit.clone() });
    }
    sign_and_contact(&mut c, &unit, truth.kind, real_name);

    let (result, recovered) = match truth.kind {
        Kind::Complaint => complaint(&mut c, t, truth, &unit, &clerk),
        Kind::Report => report(&mut c, t, truth, &unit, &clerk, real_name),
        Kind::Enquiry | Kind::Suggestion => {
            c.days(0.0, 3.0);
            let text = if truth.kind == Kind::Enquiry {
                "已电话答复来电人，就其咨询的问题告知相关法律法规规定及办理途径"
            } else {
                "已电话答复建议人，感谢其建议，相关意见已转业务科室研究"
            };
            c.push(&actor(&unit), A::Answer { text: text.into() });
            c.minutes(10, 300);
            (format!("已办结。{text}。"), None)
        }
    };
    c.days(0.0, 1.5);
    c.push(&actor(&unit), A::Resolve { result, amount_recovered: recovered });
    write_back(&mut c, remote, &clerk, &channel_name);

    if real_name {
        c.days(0.5, 3.0);
        if truth.kind == Kind::Complaint && c.roll(0.05) {
            let note = pick(&mut c.g.rng, vocab::UNSATISFIED_NOTES).to_string();
            c.push(&clerk, A::FollowUp { satisfaction: Satisfaction::Unsatisfied, note: Some(note) });
            // Handled again (重办) by the same unit: mediated to an agreement this time.
            c.minutes(30, 600);
            c.push(&clerk, A::Dispatch { unit: unit.clone() });
            sign_and_contact(&mut c, &unit, truth.kind, real_name);
            c.days(0.5, 3.0);
            c.push(&actor(&unit), A::Accept);
            c.days(1.0, 10.0);
            let (outcome, x) = settlement(&mut c, truth);
            let agreement = format!("经重新调解，双方达成一致：{outcome}");
            c.push(&actor(&unit), A::Settle { agreement, amount_recovered: Some(x) });
            c.days(0.0, 1.0);
            let result = format!("重办办结。{outcome}，挽回经济损失{}元。", yuan(x.0));
            c.push(&actor(&unit), A::Resolve { result, amount_recovered: Some(x) });
            write_back(&mut c, remote, &clerk, &channel_name);
            c.days(0.5, 3.0);
        }
        let (satisfaction, notes) = if c.roll(0.1) {
            (Satisfaction::Unreachable, vocab::UNREACHABLE_NOTES)
        } else {
            (Satisfaction::Satisfied, vocab::SATISFIED_NOTES)
        };
        let note = pick(&mut c.g.rng, notes).to_string();
        c.push(&clerk, A::FollowUp { satisfaction, note: Some(note) });
    }
    c.days(0.0, 2.0);
    c.push(&clerk, A::Close);
    let mut steps = c.steps;
    extend_hotline_reply(&mut steps, t, received, &clerk);
    steps
}

/// A 12345 order whose reply will come after its 5 working days gets the extension the hotline
/// rules allow, asked for shortly before the deadline, as units do.
fn extend_hotline_reply(steps: &mut Vec<Step>, t: &Ticket, received: Timestamp, clerk: &str) {
    let Some(rule) = t.clocks.iter().find(|k| k.rule == "hotline_reply") else { return };
    let ask = work_add(received, 4 * DAY as u32);
    let reply = steps.iter().find(|s| matches!(s.action, A::WriteBack { .. })).map(|s| s.at);
    if rule.stopped_at.is_some() || reply.is_none_or(|r| r <= work_add(received, 5 * DAY as u32)) {
        return;
    }
    let at = steps.iter().position(|s| s.at > ask).unwrap_or(steps.len());
    if at == 0 || steps[..at].iter().any(|s| matches!(s.action, A::ReturnToChannel { .. })) {
        return;
    }
    let extend = A::Extend {
        clock: "hotline_reply".into(),
        working_days: 10,
        reason: "需调解处理，申请延期答复".into(),
        approver: "12345热线平台".into(),
    };
    steps.insert(at, Step { at: ask, actor: clerk.to_string(), action: extend });
}

fn actor(unit: &str) -> String {
    format!("unit:{unit}")
}

fn sign_and_contact(c: &mut Cursor, unit: &str, kind: Kind, real_name: bool) {
    if c.roll(0.9) {
        c.minutes(5, 40);
    } else {
        c.days(1.0, 2.0);
    }
    c.push(&actor(unit), A::Sign);
    // First contact within the promised working hour mostly; some units are late.
    if c.roll(0.85) {
        c.minutes(5, 45);
    } else {
        c.minutes(60, 900);
    }
    let note = match kind {
        // Units record the attempt: it is what closes the first-contact hour of an anonymous report.
        Kind::Report if !real_name => "匿名举报，无联系方式，已记录并转入核查",
        Kind::Report => "已致电举报人，核实举报线索",
        Kind::Enquiry | Kind::Suggestion => "已电话联系来电人，了解具体情况",
        Kind::Complaint => {
            let notes = [
                "已电话联系投诉人，了解诉求并约定调解时间",
                "已联系消费者，告知处理流程",
                "已电话联系投诉人，核实购买凭证",
            ];
            notes[c.g.rng.random_range(0..notes.len())]
        }
    };
    c.push(&actor(unit), A::Contact { note: note.into() });
}

fn write_back(c: &mut Cursor, remote: bool, clerk: &str, channel_name: &str) {
    if remote {
        c.minutes(5, 240);
        c.push(clerk, A::WriteBack { note: Some(format!("已回填至{channel_name}")) });
    } else {
        c.days(0.0, 1.0);
        c.push(clerk, A::WriteBack { note: Some("已书面答复投诉人".into()) });
    }
}

fn complaint(c: &mut Cursor, t: &Ticket, truth: &Truth, unit: &str, clerk: &str) -> (String, Option<Fen>) {
    let barred = t.flags.contains(&Flag::PossiblyTimeBarred);
    let missing = t.flags.iter().any(|f| {
        matches!(
            f,
            Flag::MissingComplainantName
                | Flag::MissingComplainantPhone
                | Flag::MissingRespondentName
                | Flag::MissingRequest
                | Flag::MissingFacts
        )
    });
    let refuse = if barred {
        0.8
    } else if missing {
        0.4
    } else {
        0.1
    };
    if c.roll(refuse) {
        let reason = if barred {
            "time_barred"
        } else if missing {
            "missing_materials"
        } else {
            let total: u32 = vocab::REFUSALS.iter().map(|r| r.2).sum();
            let mut roll = c.g.rng.random_range(0..total);
            let mut chosen = vocab::REFUSALS[0].0;
            for (code, _, w) in vocab::REFUSALS {
                if roll < *w {
                    chosen = code;
                    break;
                }
                roll -= w;
            }
            chosen
        };
        let note = vocab::REFUSALS.iter().find(|r| r.0 == reason).map(|r| r.1.to_string());
        let zh = REFUSAL_REASONS.iter().find(|r| r.0 == reason).map(|r| r.1).unwrap_or("其他情形");
        c.days(0.5, 5.0);
        c.push(&actor(unit), A::Refuse { reason: reason.into(), note });
        return (format!("不予受理：{zh}。已向投诉人送达不予受理决定书。"), None);
    }
    if c.roll(0.06) {
        // Slow to decide: the clerk reminds the unit, the decision comes late.
        c.days(3.0, 5.0);
        c.push(clerk, A::Remind { note: Some("请尽快联系投诉人并作出受理决定".into()) });
        c.days(3.0, 5.0);
    } else {
        c.days(0.3, 5.0);
    }
    c.push(&actor(unit), A::Accept);
    let settle_now = c.roll(0.35);
    if !settle_now {
        c.days(0.0, 2.0);
        c.push(&actor(unit), A::Mediate);
        if c.roll(0.04) {
            c.days(1.0, 5.0);
            let reason = pick(&mut c.g.rng, vocab::SUSPEND_REASONS).to_string();
            c.push(&actor(unit), A::Suspend { reason });
            c.days(5.0, 20.0);
            c.push(&actor(unit), A::Resume);
        }
        if c.roll(0.2) {
            c.days(10.0, 45.0);
            let reason = pick(&mut c.g.rng, vocab::MEDIATION_END_REASONS).to_string();
            c.push(&actor(unit), A::EndMediation { reason: reason.clone() });
            return (format!("终止调解。{reason}。"), None);
        }
        c.days(1.0, 20.0);
    } else {
        c.days(0.2, 3.0);
    }
    let (outcome, x) = settlement(c, truth);
    c.push(
        &actor(unit),
        A::Settle {
            agreement: format!("经调解，双方达成一致：{outcome}"), amount_recovered: Some(x)
        },
    );
    (format!("调解成功。{outcome}，挽回经济损失{}元。", yuan(x.0)), Some(x))
}

/// What the merchant agreed to, and the money it gave back (挽回经济损失), from what was asked.
fn settlement(c: &mut Cursor, truth: &Truth) -> (String, Fen) {
    let amount = truth.amount.map(|f| f.0).unwrap_or(50_000);
    let share = |c: &mut Cursor, lo: f64, hi: f64| {
        let f: f64 = c.g.rng.random_range(lo..hi);
        Fen(((amount as f64 * f) / 100.0).round() as i64 * 100)
    };
    let request = truth.request.as_deref().unwrap_or("");
    let (text, x): (&str, Fen) = match request {
        "退货退款" => ("商家同意退货退款", Fen(amount)),
        "退一赔三" | "退一赔十" => ("商家同意退货退款并给予一定补偿", share(c, 1.0, 1.8)),
        "换货" => ("商家同意为消费者更换同型号新品", Fen(amount)),
        "维修" => ("商家同意免费维修并延长保修期一年", share(c, 0.1, 0.3)),
        "退还剩余费用" | "退还费用" | "继续履行合同" => {
            ("商家同意退还剩余费用", share(c, 0.3, 0.9))
        }
        "退还多收费用" => ("商家同意退还多收的费用", share(c, 0.05, 0.3)),
        "退还定金" => ("商家同意退还定金", share(c, 0.1, 0.3)),
        "赔偿损失" | "赔偿医疗费用" | "赔偿精神损失" => {
            ("商家同意一次性赔偿", share(c, 0.1, 0.5))
        }
        "赔礼道歉" => ("商家当面向消费者赔礼道歉并赠送代金券", Fen(c.g.rng.random_range(1..6) * 10_000)),
        "兑现承诺" => ("商家同意兑现承诺", share(c, 0.05, 0.2)),
        _ => ("商家同意给予补偿", share(c, 0.1, 0.5)),
    };
    let x = Fen(x.0.max(1_000));
    let merchant = truth.merchant.as_deref().filter(|m| chars(m) <= 12).unwrap_or("商家");
    let text = text.replacen("商家", merchant, 1);
    (format!("{text}，涉及金额{}元", yuan(x.0)), x)
}

fn report(
    c: &mut Cursor,
    t: &Ticket,
    truth: &Truth,
    unit: &str,
    clerk: &str,
    real_name: bool,
) -> (String, Option<Fen>) {
    let extendable = t.clocks.iter().any(|k| k.rule == "report_verification");
    if extendable && c.roll(0.08) {
        c.days(8.0, 13.0);
        c.push(
            clerk,
            A::Extend {
                clock: "report_verification".into(),
                working_days: 15,
                reason: "案情复杂，需进一步调查取证".into(),
                approver: "分管副局长".into(),
            },
        );
        c.days(3.0, 12.0);
    } else {
        c.days(1.0, 10.0);
    }
    let merchant = truth.merchant.as_deref().unwrap_or("被举报人");
    let confirmed = c.roll(0.6);
    let findings = if confirmed {
        format!("执法人员到{merchant}经营场所现场检查，举报反映的问题基本属实")
    } else {
        format!("执法人员到{merchant}经营场所现场检查，未发现举报所述问题")
    };
    c.push(&actor(unit), A::Verify { findings });
    c.days(0.0, 3.0);
    let filed = confirmed && c.roll(0.45);
    let note = if filed {
        "违法事实初步成立，决定立案调查".to_string()
    } else if confirmed {
        "违法行为轻微并已及时改正，依法不予立案，已责令整改".to_string()
    } else {
        "未发现违法事实，不予立案".to_string()
    };
    c.push(&actor(unit), A::DecideFiling { filed, note: note.clone() });
    if real_name {
        c.days(0.5, 4.0);
        let told = if filed {
            "已电话告知举报人立案决定"
        } else {
            "已电话告知举报人不予立案决定及理由"
        };
        c.push(&actor(unit), A::TellReporter { note: told.into() });
    }
    (format!("经核查，{note}。"), None)
}

/// Chooses the handling unit the way clerks do: the station where it happened, the section of
/// the trade or problem, or the town's branch.
fn unit_for(g: &mut Generator, truth: &Truth, channel: &str, avoid: Option<&str>) -> String {
    let branch = g.towns.get(truth.town).map(|t| t.branch.clone()).filter(|b| !b.is_empty());
    let station = truth.station.map(|s| g.stations[s].id.clone());
    let section_for = |key: Option<&str>| {
        key.and_then(|k| g.sections.iter().find(|s| s.handles.iter().any(|h| h == k))).map(|s| s.id.clone())
    };
    let consumer_section = g
        .sections
        .iter()
        .find(|s| s.handles.iter().any(|h| h == "预付式消费" || h == "合同"))
        .or(g.sections.first())
        .map(|s| s.id.clone());
    let roll: f64 = g.rng.random();
    let first = match truth.kind {
        Kind::Complaint => {
            let at_station = if channel == "station" { 0.8 } else { 0.4 };
            if station.is_some() && roll < at_station {
                station.clone()
            } else if roll < at_station + 0.15 {
                section_for(truth.dispute_type.as_deref()).or_else(|| section_for(truth.category.as_deref()))
            } else {
                None
            }
        }
        Kind::Report if roll < 0.5 => section_for(truth.dispute_type.as_deref()),
        Kind::Report => None,
        Kind::Enquiry | Kind::Suggestion if roll < 0.5 => consumer_section.clone(),
        Kind::Enquiry | Kind::Suggestion => None,
    };
    let candidates = [first, branch, consumer_section, station];
    candidates
        .into_iter()
        .flatten()
        .find(|u| Some(u.as_str()) != avoid)
        .or_else(|| g.sections.iter().map(|s| s.id.clone()).find(|u| Some(u.as_str()) != avoid))
        .unwrap_or_default()
}

/// `t` plus `minutes` of working time, in the bureau's office hours on weekdays.
pub(super) fn work_add(t: Timestamp, minutes: u32) -> Timestamp {
    let c = t.china();
    let mut date = c.date_naive();
    let mut minute = c.hour() * 60 + c.minute();
    let mut second = c.second();
    let mut left = minutes;
    // Bounded: each pass consumes a day; plans ask for at most a few months.
    for _ in 0..4000 {
        if !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
            for (start, end) in PERIODS {
                if minute >= end {
                    continue;
                }
                if minute < start {
                    minute = start;
                    second = 0;
                }
                let room = end - minute;
                if left <= room {
                    minute += left;
                    return date
                        .and_hms_opt(minute / 60, minute % 60, second)
                        .map(Timestamp::from_china)
                        .unwrap_or(t);
                }
                left -= room;
                minute = end;
            }
        }
        date += Duration::days(1);
        minute = 0;
        second = 0;
    }
    t
}

#[cfg(test)]
mod tests {
    use super::work_add;
    use crate::time::Timestamp;

    fn at(s: &str) -> Timestamp {
        Timestamp::parse(s).unwrap()
    }

    #[test]
    fn working_minutes_skip_lunch_nights_and_weekends() {
        // Friday 2026-11-27.
        assert_eq!(work_add(at("2026-11-27 11:50"), 20), at("2026-11-27 14:10"));
        assert_eq!(work_add(at("2026-11-27 17:20"), 20), at("2026-11-30 08:40"));
        assert_eq!(work_add(at("2026-11-28 22:00"), 0), at("2026-11-30 08:30"));
        assert_eq!(work_add(at("2026-11-30 08:30"), 420), at("2026-11-30 17:30"));
    }
}
