//! One clerk needs one command, and clerks sharing a store never meet "store in use": the
//! console always works through `rightsdesk serve`. When none runs for the data directory it
//! starts one in the background, detached from the terminal the way tmux starts its server, and
//! attaches; later consoles (and every CLI command) attach to the same server. The server keeps
//! syncing and watching deadlines after the console quits; `kill` it (its pid is in
//! `DATA/store.holder`) or run it under systemd instead.

use crate::remote::Client;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    #[error("{0}")]
    Attach(String),
    #[error("cannot start `rightsdesk serve`: {0}")]
    Spawn(std::io::Error),
    #[error("`rightsdesk serve` stopped at start ({status}); its output is in {log}:\n{tail}")]
    Exited { status: String, log: String, tail: String },
    #[error("`rightsdesk serve` did not open {socket} within {secs} s; see {log}")]
    Slow { socket: String, secs: u64, log: String },
}

/// How long a starting server may take to open its socket (a large store replays its log).
const START: Duration = Duration::from_secs(30);

fn attach(data_dir: &Path) -> Result<Option<Client>, LaunchError> {
    Client::attach(data_dir).map_err(|e| LaunchError::Attach(e.to_string()))
}

/// The server of `data_dir`, started in the background when none runs. Returns its name and pid.
pub fn ensure_server(data_dir: &Path, config_dir: Option<&Path>) -> Result<(String, u32), LaunchError> {
    if let Some(c) = attach(data_dir)? {
        return Ok((c.server.clone(), c.server_pid));
    }
    crate::private::create_dir(&data_dir.join("logs")).map_err(LaunchError::Spawn)?;
    let log = data_dir.join("logs").join("serve.out");
    let args: Vec<String> = vec!["serve".into(), "--units-listen".into(), "127.0.0.1:0".into()];
    let mut child = spawn_serve(data_dir, config_dir, &args, &log, true)?;
    wait_for(data_dir, &mut child, &log)
}

/// Starts `rightsdesk serve` for `data_dir` with `args`, its output appended to `log`;
/// `detached` puts it in a session of its own so it outlives the terminal.
pub fn spawn_serve(
    data_dir: &Path,
    config_dir: Option<&Path>,
    args: &[String],
    log: &Path,
    detached: bool,
) -> Result<Child, LaunchError> {
    let exe = std::env::current_exe().map_err(LaunchError::Spawn)?;
    let out = std::fs::OpenOptions::new().create(true).append(true).open(log).map_err(LaunchError::Spawn)?;
    let err = out.try_clone().map_err(LaunchError::Spawn)?;
    let mut cmd = Command::new(exe);
    cmd.args(args).arg("--data").arg(data_dir).stdin(Stdio::null()).stdout(out).stderr(err);
    if let Some(c) = config_dir {
        cmd.arg("--config").arg(c);
    }
    if detached {
        // SAFETY: setsid is async-signal-safe and has no preconditions in a forked child.
        unsafe {
            cmd.pre_exec(|| {
                libc::setsid();
                Ok(())
            });
        }
    }
    cmd.spawn().map_err(LaunchError::Spawn)
}

/// Waits until the server answers on its socket; a server that exits first is reported with
/// the end of its output.
pub fn wait_for(data_dir: &Path, child: &mut Child, log: &Path) -> Result<(String, u32), LaunchError> {
    let deadline = Instant::now() + START;
    loop {
        if let Some(c) = attach(data_dir)? {
            return Ok((c.server.clone(), c.server_pid));
        }
        if let Ok(Some(status)) = child.try_wait() {
            // Another console may have started the server a moment earlier.
            if let Some(c) = attach(data_dir)? {
                return Ok((c.server.clone(), c.server_pid));
            }
            let text = std::fs::read_to_string(log).unwrap_or_default();
            let tail: Vec<&str> = text.lines().rev().take(5).collect();
            return Err(LaunchError::Exited {
                status: status.to_string(),
                log: log.display().to_string(),
                tail: tail.into_iter().rev().collect::<Vec<_>>().join("\n"),
            });
        }
        if Instant::now() > deadline {
            return Err(LaunchError::Slow {
                socket: crate::remote::wire::socket_path(data_dir).display().to_string(),
                secs: START.as_secs(),
                log: log.display().to_string(),
            });
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
