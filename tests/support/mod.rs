//! What several integration tests share: a simulator process on 127.0.0.1.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

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
