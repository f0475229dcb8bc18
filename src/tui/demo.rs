//! `rightsdesk --demo`: the whole product on one machine with nothing configured. The simulator
//! runs as a process of its own on a free loopback port (HTTP, as in production) and publishes
//! a new ticket every few seconds; a backlog of older tickets — some due soon, some overdue, a
//! few on provisional deadlines (the 2027 calendar is not published yet) — is written to a
//! throw-away data directory (unless `--data` is given); `serve --sim` points every channel,
//! the SMS gateway and the simulated units at the simulator; then the console opens. Dispatch a
//! ticket and watch the simulated unit sign for it, answer it and the result go back.

use super::launch::{self, LaunchError};
use crate::config::Config;
use crate::domain::ticket::TicketId;
use crate::engine::{Command, Engine, Envelope};
use crate::generate::Generator;
use crate::time::{Clock, Timestamp};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command as Process, Stdio};
use std::sync::Arc;

/// Tickets in the backlog, and how many of them are still open.
const BACKLOG: usize = 400;
const BACKLOG_OPEN_SHARE: f64 = 0.3;
/// New tickets from the simulator per minute.
const RATE_PER_MIN: u64 = 12;

pub struct Demo {
    pub data_dir: PathBuf,
    throwaway: bool,
    sim: Child,
    serve: Child,
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("demo: {0}")]
    Io(#[from] std::io::Error),
    #[error("demo: the simulator did not say where it listens")]
    SimSilent,
    #[error("demo: {0}")]
    Engine(#[from] crate::engine::EngineError),
    #[error("demo: {0}")]
    Launch(#[from] LaunchError),
}

impl Demo {
    pub fn start(data: Option<&Path>, config: Arc<Config>, clock: Clock) -> Result<Demo, DemoError> {
        let (data_dir, throwaway) = match data {
            Some(d) => (d.to_path_buf(), false),
            None => {
                let d = std::env::temp_dir().join(format!("rightsdesk-demo-{}", std::process::id()));
                (d, true)
            }
        };
        crate::private::create_dir(&data_dir.join("logs"))?;
        let sim = start_sim(&data_dir)?;
        let (mut sim, url) = sim;
        if let Err(e) = backlog(&data_dir, config, clock) {
            let _ = sim.kill();
            return Err(e);
        }
        let log = data_dir.join("logs").join("serve.out");
        let args: Vec<String> =
            vec!["serve".into(), "--sim".into(), url, "--units-listen".into(), "127.0.0.1:0".into()];
        let serve = launch::spawn_serve(&data_dir, None, &args, &log, false)?;
        // From here on, dropping the demo stops both processes and removes a throw-away store.
        let mut demo = Demo { data_dir, throwaway, sim, serve };
        launch::wait_for(&demo.data_dir, &mut demo.serve, &log)?;
        Ok(demo)
    }
}

fn start_sim(data_dir: &Path) -> Result<(Child, String), DemoError> {
    let exe = std::env::current_exe()?;
    let log =
        std::fs::OpenOptions::new().create(true).append(true).open(data_dir.join("logs").join("sim.out"))?;
    let mut child = Process::new(exe)
        .args(["sim", "--listen", "127.0.0.1:0", "--seed", "7", "--tickets", "100000"])
        .args(["--rate", &RATE_PER_MIN.to_string(), "--unit-delay", "3s..12s"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()?;
    let out = child.stdout.take().ok_or(DemoError::SimSilent)?;
    let mut line = String::new();
    BufReader::new(out).read_line(&mut line)?;
    let url = line.trim().strip_prefix("listening on ").map(str::to_string);
    match url {
        Some(u) => Ok((child, u)),
        None => {
            let _ = child.kill();
            Err(DemoError::SimSilent)
        }
    }
}

/// Older tickets, written before the server starts: closed ones for history, open ones at every
/// stage, and fresh unclassified ones from the last days whose first-contact and acceptance
/// clocks are near or past.
fn backlog(data_dir: &Path, config: Arc<Config>, clock: Clock) -> Result<(), DemoError> {
    if data_dir.join("db").exists() || data_dir.join("conf").exists() {
        return Ok(());
    }
    let now = clock.now();
    let mut engine = Engine::open(data_dir, config.clone(), clock)?;
    let mut g = Generator::new(7, &config.org, &config.channels);
    let from = Timestamp::from_millis(now.millis() - 40 * 86_400_000);
    let mut envelopes = Vec::new();
    for i in 0..BACKLOG {
        let channel = g.channel_mix().to_string();
        let open = (i as f64) < BACKLOG as f64 * BACKLOG_OPEN_SHARE;
        let received = g.received_between(&channel, from, now.plus_seconds(-3600));
        let mut t = g.historical_ticket_as_of(&channel, received, open, &config.sla, now);
        t.id = TicketId(0);
        envelopes.push(Envelope { actor: "demo".into(), command: Command::Backfill(Box::new(t)) });
    }
    for h in [2, 5, 20, 30, 50, 70, 100] {
        let channel = g.channel_mix().to_string();
        let t = g.new_ticket(&channel, now.plus_seconds(-3600 * h));
        envelopes.push(Envelope { actor: "demo".into(), command: Command::Register(Box::new(t)) });
    }
    for r in engine.execute_all(envelopes) {
        r?;
    }
    engine.close_with_checkpoint()?;
    Ok(())
}

impl Drop for Demo {
    fn drop(&mut self) {
        // The server first, so it stops syncing before the simulator goes; it checkpoints.
        // SAFETY: a signal to our own child's pid.
        unsafe {
            libc::kill(self.serve.id() as i32, libc::SIGTERM);
        }
        for _ in 0..100 {
            if !matches!(self.serve.try_wait(), Ok(None)) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let _ = self.serve.kill();
        let _ = self.serve.wait();
        let _ = self.sim.kill();
        let _ = self.sim.wait();
        if self.throwaway {
            let _ = std::fs::remove_dir_all(&self.data_dir);
        }
    }
}
