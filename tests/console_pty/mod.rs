//! The real binary in a pseudo-terminal: keys go in as a terminal sends them, and what it
//! draws is fed to a vt100 parser whose screen the tests read.

use expectrl::Session;
use expectrl::process::unix::{Signal, WaitStatus};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// One terminal test at a time in a test binary. A loaded 2-core machine running nine real
/// consoles, their servers and a simulator at once made timeouts of 20 s unreliable; the tests
/// take about 3 s each when alone.
pub fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static TERMINALS: std::sync::Mutex<()> = std::sync::Mutex::new(());
    // A test that failed holding the lock poisons it; the next test's terminal is still its own.
    TERMINALS.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub struct Console {
    pub session: expectrl::session::OsSession,
    pub parser: vt100::Parser,
    /// Every byte the console wrote, to check what it left the terminal in.
    pub raw: Vec<u8>,
}

impl Console {
    /// `rightsdesk ARGS` in a terminal of `cols`×`rows` (set before the program starts: a new
    /// pseudo-terminal is 0×0).
    pub fn spawn(args: &[&str], env: &[(&str, &str)], cols: u16, rows: u16) -> Console {
        Console::spawn_as(None, args, env, cols, rows)
    }

    /// `spawn`, as Unix user `login` when given (run through `runuser`; needs root).
    pub fn spawn_as(
        login: Option<&str>,
        args: &[&str],
        env: &[(&str, &str)],
        cols: u16,
        rows: u16,
    ) -> Console {
        let exe = env!("CARGO_BIN_EXE_rightsdesk");
        let quoted: Vec<String> = args.iter().map(|a| format!("'{a}'")).collect();
        let user = login.map(|l| format!("runuser -u '{l}' -- ")).unwrap_or_default();
        let script = format!("stty cols {cols} rows {rows}; exec {user}'{exe}' {}", quoted.join(" "));
        let mut cmd = Command::new("sh");
        cmd.args(["-c", &script])
            .env("TERM", "xterm-256color")
            .env("LANG", "zh_CN.UTF-8")
            .env_remove("NO_COLOR");
        for (k, v) in env {
            cmd.env(k, v);
        }
        for (name, _) in std::env::vars().filter(|(n, _)| n.starts_with("RIGHTSDESK_SECRET_")) {
            cmd.env_remove(name);
        }
        let mut session = Session::spawn(cmd).expect("spawns in a pty");
        // ptyprocess sets the terminal to 80×24 from the parent after the child has started, so
        // on a busy machine that can land after the script's `stty` and leave the program in an
        // 80-column terminal while the screen here is wider. Set last, the size holds; a program
        // that already drew redraws on the resize.
        session.get_process_mut().set_window_size(cols, rows).expect("sets the pty's size");
        Console { session, parser: vt100::Parser::new(rows, cols, 0), raw: Vec::new() }
    }

    /// Reads what the program wrote so far.
    pub fn pump(&mut self) {
        let mut buf = [0u8; 65536];
        loop {
            match self.session.try_read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    self.parser.process(&buf[..n]);
                    self.raw.extend_from_slice(&buf[..n]);
                }
                Err(_) => break,
            }
        }
    }

    pub fn screen(&mut self) -> String {
        self.pump();
        self.parser.screen().contents()
    }

    /// Waits until the screen satisfies `pred`; panics with the screen after `secs`.
    pub fn wait_for(&mut self, what: &str, secs: u64, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            assert!(Instant::now() < deadline, "waited {secs} s for {what}; the screen:\n{s}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn send(&mut self, keys: &str) {
        use expectrl::Expect;
        self.session.send(keys).expect("writes to the pty");
        std::thread::sleep(Duration::from_millis(60));
    }

    pub fn resize(&mut self, cols: u16, rows: u16) {
        self.session.get_process_mut().set_window_size(cols, rows).expect("resizes");
        self.parser.screen_mut().set_size(rows, cols);
    }

    pub fn signal(&mut self, s: Signal) {
        self.session.get_process_mut().signal(s).expect("signals");
    }

    /// Waits for the program to end; its exit code.
    pub fn exit_code(&mut self, secs: u64) -> i32 {
        match self.exited_within(secs) {
            Some(code) => code,
            None => panic!("did not end within {secs} s; the screen:\n{}", self.screen()),
        }
    }

    /// The program's exit code if it ends within `secs`.
    pub fn exited_within(&mut self, secs: u64) -> Option<i32> {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            self.pump();
            match self.session.get_process().status() {
                Ok(WaitStatus::Exited(_, code)) => {
                    self.pump();
                    return Some(code);
                }
                Ok(WaitStatus::Signaled(_, sig, _)) => {
                    panic!("killed by {sig:?}; output:\n{}", self.screen())
                }
                _ => {}
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The terminal was given back as the shell had it: the alternate screen left, bracketed
    /// paste off, the cursor shown — after the last time they were turned on.
    pub fn restored(&self) -> bool {
        let text = String::from_utf8_lossy(&self.raw);
        let last = |s: &str| text.rfind(s);
        let left = last("\x1b[?1049l");
        let entered = last("\x1b[?1049h");
        let paste_off = last("\x1b[?2004l");
        left.is_some()
            && left > entered
            && paste_off > last("\x1b[?2004h")
            && last("\x1b[?25h") > last("\x1b[?25l")
    }
}

/// The store's server for tests: `serve` in the background until dropped.
pub struct Serve {
    child: std::process::Child,
}

impl Serve {
    pub fn start(data: &Path, now: &str, extra: &[&str]) -> Serve {
        let child = Command::new(env!("CARGO_BIN_EXE_rightsdesk"))
            .args(["serve", "--units-listen", "127.0.0.1:0", "--data"])
            .arg(data)
            .args(extra)
            .env("RIGHTSDESK_NOW", now)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("starts serve");
        let deadline = Instant::now() + Duration::from_secs(60);
        while rightsdesk::remote::Client::attach(data).ok().flatten().is_none() {
            assert!(Instant::now() < deadline, "serve did not open its socket");
            std::thread::sleep(Duration::from_millis(25));
        }
        Serve { child }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        // SAFETY: a signal to our own child.
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGTERM);
        }
        let _ = self.child.wait();
    }
}

/// A walk-in complaint registered through the real CLI: the ticket the terminal tests show.
pub fn register_walkin(data: &Path, now: &str, id: &str, title: &str, received: &str, town: &str) {
    cli(
        data,
        now,
        &[
            "ticket",
            "register",
            "--channel",
            "walkin",
            "--channel-ticket-id",
            id,
            "--title",
            title,
            "--received-at",
            received,
            "--town",
            town,
            "--name",
            "霍敏仪",
            "--phone",
            "18023450868",
            "--respondent",
            "佛山市顺德区力健健身有限公司",
            "--facts",
            "办卡三个月后门店停业，要求退还剩余费用",
            "--request",
            "退还剩余费用",
        ],
    );
}

/// `rightsdesk ARGS` on `data`, its stdout; panics on failure.
pub fn cli(data: &Path, now: &str, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_rightsdesk"))
        .arg("--data")
        .arg(data)
        .args(args)
        .env("RIGHTSDESK_NOW", now)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("runs");
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}
