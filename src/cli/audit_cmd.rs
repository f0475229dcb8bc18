//! `audit verify|head|log`: the audit trail as evidence. `head` prints the hash chain's last
//! link to be kept outside the store; `verify` walks the chain (and with `--head` checks the
//! store against such a record); `log` lists who did what.

use super::args::{AuditCommand, Format};
use super::context::Context;
use super::output::{fit, pad, print_json};
use super::{FAILED, Failure, OK};
use crate::engine::audit::{AuditAnswer, AuditQuery, LogEntry, MAX_LOG_ENTRIES, VerifyReport};
use crate::engine::{Answer, Query};
use crate::remote::Desk;

pub fn run(ctx: &Context, command: AuditCommand) -> Result<i32, Failure> {
    let mut desk = ctx.open_desk()?;
    match command {
        AuditCommand::Head { format } => {
            let AuditAnswer::Head(head) = ask(&mut desk, AuditQuery::Head)? else { return Err(mismatch()) };
            match (format, head) {
                (Format::Json, head) => print_json(&head),
                (_, Some(head)) => {
                    println!("{}", head.hash);
                    eprintln!("the audit chain's head: event {}", head.seq);
                }
                (_, None) => eprintln!("the log is empty: no head yet"),
            }
            Ok(OK)
        }
        AuditCommand::Verify { head, format } => {
            let AuditAnswer::Verify(report) = ask(&mut desk, AuditQuery::Verify { head: head.clone() })?
            else {
                return Err(mismatch());
            };
            if format == Format::Json {
                print_json(&report);
            } else {
                print_verdict(&report, head.is_some());
            }
            Ok(if report.intact { OK } else { FAILED })
        }
        AuditCommand::Log { ticket, actor, format } => {
            let ticket = match ticket {
                Some(text) => Some(super::ticket_cmd::resolve(&mut desk, &text)?),
                None => None,
            };
            let mut entries: Vec<LogEntry> = Vec::new();
            let mut after = 0;
            loop {
                let query = AuditQuery::Log { ticket, actor: actor.clone(), after, limit: MAX_LOG_ENTRIES };
                let AuditAnswer::Log(page) = ask(&mut desk, query)? else { return Err(mismatch()) };
                let Some(last) = page.last() else { break };
                after = last.seq;
                let full = page.len() == MAX_LOG_ENTRIES;
                entries.extend(page);
                if !full {
                    break;
                }
            }
            if format == Format::Json {
                print_json(&entries);
            } else {
                println!(
                    "{} {} {} {} {} 内容",
                    pad("序号", 8),
                    pad("时间", 16),
                    pad("操作人", 14),
                    pad("工单", 8),
                    pad("动作", 18)
                );
                for e in &entries {
                    println!(
                        "{} {} {} {} {} {}",
                        pad(&e.seq.to_string(), 8),
                        pad(&e.at.china().format("%Y-%m-%d %H:%M").to_string(), 16),
                        pad(&e.actor, 14),
                        pad(&e.ticket.map(|t| format!("#{t}")).unwrap_or_else(|| "-".into()), 8),
                        pad(&e.action, 18),
                        fit(&e.detail, 60)
                    );
                }
                eprintln!("{} event(s)", entries.len());
            }
            Ok(OK)
        }
    }
}

fn print_verdict(report: &VerifyReport, asked_head: bool) {
    match (report.intact, report.broken_at) {
        (true, _) => {
            let head = report.head.as_ref().map(|h| format!(", head {} (event {})", h.hash, h.seq));
            println!("audit chain intact: {} event(s){}", report.events, head.unwrap_or_default());
            if let Some(seq) = report.recorded_head_at.filter(|_| asked_head) {
                println!("the recorded head is the link of event {seq}: the log up to it is as recorded");
            }
        }
        (false, Some(seq)) => {
            println!("audit chain broken at event {seq}: {}", report.why.as_deref().unwrap_or(""));
        }
        (false, None) => println!("audit chain does not match: {}", report.why.as_deref().unwrap_or("")),
    }
}

fn ask(desk: &mut Desk, query: AuditQuery) -> Result<AuditAnswer, Failure> {
    match desk.query(Query::Audit(query))? {
        Answer::Audit(answer) => Ok(answer),
        _ => Err(mismatch()),
    }
}

fn mismatch() -> Failure {
    Failure::new("the server answered something other than what was asked: is it the same version?")
}
