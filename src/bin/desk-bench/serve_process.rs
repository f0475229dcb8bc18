//! `rightsdesk serve` as a process of its own, for the serve suite: the `rightsdesk` binary next
//! to desk-bench's executable (see `sim_process::binary`), run on a store the bench filled, with
//! the units API on a free port and no simulator.
//!
//! Its environment loses every `RIGHTSDESK_*` variable (configuration, data directory, channel
//! secrets, the SMS token): the built-in configuration, whose channels take their secrets from
//! the environment, so none of them can sync and serve starts no channel worker (it says so, one
//! line a channel) and never reaches for a simulator another process may run on the configured
//! port. What runs besides the socket: the engine, the outbox worker (no channel, no SMS
//! gateway), the deadline scheduler, health publishing and the units API. `RIGHTSDESK_NOW` is
//! set to the instant the store was filled as of, so that serve sees the queue the bench
//! measured in-process before it, whatever the day.

use crate::proc_status_mb;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long serve may take to open the store and its socket.
const START_PATIENCE: Duration = Duration::from_secs(120);

/// A running `rightsdesk serve`, killed when dropped unless stopped.
pub struct ServeProcess {
    child: Option<Child>,
    pub pid: u32,
    /// From spawning the process to its "serving …" line (the socket is bound before it).
    pub started_in: Duration,
    /// Channels serve runs a sync worker for, as its "serving …" line says.
    pub channels_syncing: Option<u64>,
    /// Channels that "cannot sync" (no secret in the environment).
    pub channels_not_syncing: usize,
}

impl ServeProcess {
    /// `rightsdesk --data DIR --as desk-bench serve --units-listen 127.0.0.1:0`, on the fixed
    /// clock `now`. Returns once it serves (its socket answers).
    pub fn start(binary: &Path, data_dir: &Path, now: &str) -> Result<ServeProcess, String> {
        let mut command = crate::rightsdesk_on(binary, data_dir, now);
        command.args(["--as", "desk-bench", "serve", "--units-listen", "127.0.0.1:0"]);
        command.env("RIGHTSDESK_LOG", "warn");
        let started = Instant::now();
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {} serve: {e}", binary.display()))?;
        let pid = child.id();
        let stderr = child.stderr.take().ok_or("serve's stderr is not piped")?;
        let (tx, rx) = mpsc::channel::<(String, usize)>();
        // Reads serve's stderr to its end: the "serving" line is passed on, the "cannot sync"
        // and "not configured" lines counted, anything else shown.
        std::thread::spawn(move || {
            let mut not_syncing = 0;
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if line.starts_with("serving ") {
                    let _ = tx.send((line, not_syncing));
                } else if line.contains(": cannot sync: ") || line.contains(": not configured: ") {
                    not_syncing += 1;
                } else if line != "stopping…" {
                    eprintln!("serve: {line}");
                }
            }
        });
        let mut process = ServeProcess {
            child: Some(child),
            pid,
            started_in: Duration::ZERO,
            channels_syncing: None,
            channels_not_syncing: 0,
        };
        match rx.recv_timeout(START_PATIENCE) {
            Ok((line, not_syncing)) => {
                process.started_in = started.elapsed();
                process.channels_not_syncing = not_syncing;
                process.channels_syncing = channels_in(&line);
                eprintln!("serve (pid {pid}) {line}");
                Ok(process)
            }
            Err(_) => {
                let status = process.kill();
                Err(format!("serve did not start within {START_PATIENCE:?} ({status})"))
            }
        }
    }

    /// Waits until serve has used less than 5% of a core over a second (its start's background
    /// scan of every ticket, for the catalogue and the statistics, is over), at most `limit`:
    /// how long that took. The figures after it are those of a server that has been running,
    /// as a bureau's has; the scan is a one-off at start (`serve_start_scan_s`).
    pub fn wait_until_idle(&self, limit: std::time::Duration) -> std::time::Duration {
        let started = std::time::Instant::now();
        let cpu = || -> Option<u64> {
            let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid)).ok()?;
            // After the command's name in parentheses: utime and stime are fields 14 and 15.
            let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
            Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
        };
        let mut before = cpu();
        while started.elapsed() < limit {
            std::thread::sleep(std::time::Duration::from_secs(1));
            let now = cpu();
            match (before, now) {
                // Clock ticks are 1/100 s: under 5 ticks in a second is under 5% of a core.
                (Some(b), Some(n)) if n.saturating_sub(b) < 5 => break,
                (_, None) => break,
                _ => before = now,
            }
        }
        started.elapsed()
    }

    /// Serve's resident set (`VmRSS`) or its peak (`VmHWM`) in MiB (Linux), None elsewhere.
    pub fn status_mb(&self, field: &str) -> Option<f64> {
        proc_status_mb(Some(self.pid), field)
    }

    /// SIGTERM, then waits for the process to end: the time it took (serve stops its workers
    /// and closes the store with a checkpoint).
    pub fn stop(mut self) -> Result<Duration, String> {
        let mut child = self.child.take().ok_or("serve was already stopped")?;
        let pid = libc::pid_t::try_from(self.pid).map_err(|_| "a process id out of range".to_string())?;
        let started = Instant::now();
        // SAFETY: kill(2) with a process id of a child this process has not yet waited for.
        if unsafe { libc::kill(pid, libc::SIGTERM) } != 0 {
            let e = std::io::Error::last_os_error();
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("cannot send SIGTERM to serve (pid {pid}): {e}"));
        }
        let status = child.wait().map_err(|e| format!("waiting for serve: {e}"))?;
        let took = started.elapsed();
        if !status.success() {
            return Err(format!("serve ended {status} after SIGTERM"));
        }
        Ok(took)
    }

    fn kill(&mut self) -> String {
        match self.child.take() {
            Some(mut child) => {
                let _ = child.kill();
                child.wait().map(|s| s.to_string()).unwrap_or_default()
            }
            None => String::new(),
        }
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// N of "… N channel(s) …".
fn channels_in(line: &str) -> Option<u64> {
    let before = &line[..line.find(" channel(s)")?];
    before.rsplit(' ').next()?.parse().ok()
}
