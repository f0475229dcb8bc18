//! What several integration tests share: the binary run on a store, and a simulator process
//! on 127.0.0.1.

// Each test crate compiles this module and uses a part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// `rightsdesk --data DATA` as a test runs it: "now" fixed at `now`, and none of the user's own
/// settings counting (no `RIGHTSDESK_CONFIG`, `RIGHTSDESK_DATA`). The caller adds the rest: a
/// login name, a time zone, `--config`, the arguments.
pub fn rightsdesk_on(data: &Path, now: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_rightsdesk"));
    command
        .arg("--data")
        .arg(data)
        .env("RIGHTSDESK_NOW", now)
        .env_remove("RIGHTSDESK_CONFIG")
        .env_remove("RIGHTSDESK_DATA");
    command
}

/// `rightsdesk sim --listen 127.0.0.1:0 ARGS…`, killed when dropped. `base` is its URL.
pub struct SimProcess {
    child: Child,
    pub base: String,
}

impl SimProcess {
    pub fn start(args: &[&str], now: &str) -> SimProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_rightsdesk"))
            .args(["sim", "--listen", "127.0.0.1:0"])
            .args(args)
            .env("RIGHTSDESK_NOW", now)
            .env_remove("RIGHTSDESK_CONFIG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("starts the simulator");
        let mut line = String::new();
        let stdout = child.stdout.take().expect("piped stdout");
        BufReader::new(stdout).read_line(&mut line).expect("reads the listening line");
        let base = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("startup line: {line:?}"))
            .to_string();
        SimProcess { child, base }
    }
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
