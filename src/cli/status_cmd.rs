//! `rightsdesk status`: how the server of the data directory is doing — uptime, each channel's
//! sync, the outbox's depth, and who is attached with which ticket open.

use super::args::Format;
use super::context::{self, Context};
use super::{Failure, OK};
use crate::remote::Client;
use crate::remote::sessions::StatusReport;

pub fn run(ctx: &Context, format: Format) -> Result<i32, Failure> {
    context::init_client_logging();
    let hello = crate::remote::Hello { as_user: ctx.as_user.clone(), console: false };
    let Some(mut client) = Client::attach_with(&ctx.data_dir, &hello)? else {
        return Err(Failure::new(format!(
            "no server runs for {}: start one with `rightsdesk serve` (or a console starts it)",
            ctx.data_dir.display()
        )));
    };
    let report = client.status()??;
    match format {
        Format::Json => {
            let text = serde_json::to_string_pretty(&report)
                .map_err(|e| Failure::new(format!("the status cannot be written as JSON: {e}")))?;
            println!("{text}");
        }
        Format::Table | Format::Csv => print!("{}", table(&report, ctx.clock.now())),
    }
    Ok(OK)
}

fn table(r: &StatusReport, now: crate::time::Timestamp) -> String {
    let mut out = String::new();
    let up = r.uptime_secs;
    out.push_str(&format!(
        "{} (pid {}) serving {}\nup {}d {:02}:{:02}:{:02} since {}; last event #{}\n",
        r.server,
        r.pid,
        r.data_dir,
        up / 86_400,
        up / 3600 % 24,
        up / 60 % 60,
        up % 60,
        r.started_at.china().format("%Y-%m-%d %H:%M:%S"),
        r.last_seq
    ));
    out.push_str(&format!(
        "outbox: {} to deliver, {} dead; quarantine: {} held\n",
        r.outbox_pending, r.outbox_dead, r.quarantine_held
    ));
    out.push_str(&format!("channels ({}):\n", r.channels.len()));
    for h in &r.channels {
        let state = if let Some(why) = &h.not_configured {
            format!("not configured ({why})")
        } else if h.caught_up {
            "caught up".to_string()
        } else {
            match h.lag_seconds(now) {
                Some(s) => format!("behind {s} s"),
                None => "never caught up".to_string(),
            }
        };
        let error = h.last_error.as_deref().map(|e| format!("; last error: {e}")).unwrap_or_default();
        out.push_str(&format!(
            "  {:<10} {state}; {} registered, {} failures{error}\n",
            h.channel, h.registered, h.failures
        ));
    }
    let consoles = r.attached.iter().filter(|a| a.console).count();
    out.push_str(&format!("attached: {} ({consoles} console(s))\n", r.attached.len()));
    for a in &r.attached {
        let acting = a.acting_as.as_deref().map(|x| format!(" acting as {x}")).unwrap_or_default();
        let what = if a.console { "console" } else { "command" };
        let viewing = a.viewing.map(|t| format!(", has #{t} open")).unwrap_or_default();
        out.push_str(&format!(
            "  {} ({}){acting}, {}: {what} since {}{viewing}\n",
            a.name,
            a.login,
            a.role,
            a.since.china().format("%H:%M:%S")
        ));
    }
    out
}
