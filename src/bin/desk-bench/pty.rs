//! A program in a pseudo-terminal of a fixed size, read as a terminal would show it: every byte
//! it writes goes through a vt100 parser whose screen the ui suite reads, and is counted.
//!
//! No expect library: `openpty(3)`, the child made the session leader with the pty as its
//! controlling terminal, and `poll(2)` on the master so a wait for output is a blocking read
//! with a timeout (the time a frame arrived is known to the read, not to a polling interval).

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Pty {
    master: File,
    child: Option<Child>,
    pub pid: u32,
    pub parser: vt100::Parser,
    /// Bytes the program wrote so far.
    pub bytes: usize,
    /// When the last byte arrived.
    pub last_output: Instant,
    /// The program closed the terminal (it ended).
    pub closed: bool,
}

impl Pty {
    /// Runs `command` in a new `cols`×`rows` pseudo-terminal (stdin, stdout and stderr).
    pub fn spawn(mut command: Command, cols: u16, rows: u16) -> Result<Pty, String> {
        let (mut master, mut slave) = (-1, -1);
        let size = libc::winsize { ws_row: rows, ws_col: cols, ws_xpixel: 0, ws_ypixel: 0 };
        // SAFETY: openpty writes two descriptors; the name and termios pointers may be null.
        let r =
            unsafe { libc::openpty(&mut master, &mut slave, std::ptr::null_mut(), std::ptr::null(), &size) };
        if r != 0 {
            return Err(format!("openpty: {}", std::io::Error::last_os_error()));
        }
        // SAFETY: both descriptors were just opened and are owned here only.
        let (master, slave) = unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
        let dup = |fd: &OwnedFd| fd.try_clone().map_err(|e| format!("dup of the pty: {e}"));
        command.stdin(Stdio::from(dup(&slave)?)).stdout(Stdio::from(dup(&slave)?)).stderr(Stdio::from(slave));
        // SAFETY: setsid and ioctl are async-signal-safe; the child's stdin is the pty's slave.
        unsafe {
            command.pre_exec(|| {
                if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY as _, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = command.spawn().map_err(|e| format!("cannot start {command:?}: {e}"))?;
        drop(command); // closes the parent's copies of the slave
        Ok(Pty {
            master: File::from(master),
            pid: child.id(),
            child: Some(child),
            parser: vt100::Parser::new(rows, cols, 0),
            bytes: 0,
            last_output: Instant::now(),
            closed: false,
        })
    }

    /// Writes keys as a terminal sends them.
    pub fn send(&mut self, keys: &str) -> Result<(), String> {
        self.master.write_all(keys.as_bytes()).map_err(|e| format!("writing to the pty: {e}"))
    }

    /// Reads what the program wrote within `timeout` (at most one read after the first byte is
    /// ready); false when nothing came.
    pub fn read(&mut self, timeout: Duration) -> bool {
        if self.closed {
            return false;
        }
        let mut fd = libc::pollfd { fd: self.master.as_raw_fd(), events: libc::POLLIN, revents: 0 };
        let ms = timeout.as_millis().min(i32::MAX as u128) as i32;
        // SAFETY: one valid pollfd.
        let ready = unsafe { libc::poll(&mut fd, 1, ms) };
        if ready <= 0 {
            return false;
        }
        let mut buf = [0u8; 65536];
        match self.master.read(&mut buf) {
            Ok(0) | Err(_) => {
                // EIO: the slave side is closed, the program ended.
                self.closed = true;
                false
            }
            Ok(n) => {
                self.parser.process(&buf[..n]);
                self.bytes += n;
                self.last_output = Instant::now();
                true
            }
        }
    }

    /// Reads until `done` holds for the screen; the instant of the read that made it so.
    pub fn wait(
        &mut self,
        what: &str,
        patience: Duration,
        done: impl Fn(&vt100::Screen) -> bool,
    ) -> Result<Instant, String> {
        let deadline = Instant::now() + patience;
        loop {
            if done(self.parser.screen()) {
                return Ok(Instant::now());
            }
            let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                return Err(format!(
                    "waited {patience:?} for {what}; the screen:\n{}",
                    self.parser.screen().contents()
                ));
            };
            if self.closed {
                return Err(format!("the program ended while waiting for {what}"));
            }
            self.read(left);
        }
    }

    /// Reads until the program has written nothing for `quiet` (at most `patience`).
    pub fn settle(&mut self, quiet: Duration, patience: Duration) {
        let deadline = Instant::now() + patience;
        while Instant::now() < deadline && !self.closed {
            let since = self.last_output.elapsed();
            if since >= quiet {
                if !self.read(Duration::ZERO) {
                    return;
                }
                continue;
            }
            self.read(quiet - since);
        }
    }

    /// A line of the screen (0 the top), `width` cells from column `from`.
    pub fn line(screen: &vt100::Screen, row: u16, from: u16, width: u16) -> String {
        screen.rows(from, width).nth(row as usize).unwrap_or_default()
    }

    /// Waits up to `patience` for the program to end; its exit code, None if killed by a signal
    /// or still running.
    pub fn wait_exit(&mut self, patience: Duration) -> Option<i32> {
        let deadline = Instant::now() + patience;
        loop {
            let child = self.child.as_mut()?;
            if let Ok(Some(status)) = child.try_wait() {
                self.child = None;
                return status.code();
            }
            if Instant::now() > deadline {
                return None;
            }
            // Keep draining so the program never blocks on a full terminal.
            if !self.read(Duration::from_millis(20)) {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
