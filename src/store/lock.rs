//! sled lets one process open a store. When a second one tries, say who holds it (never a
//! process that has ended); when the last handle closes, wait until sled has let go of it.

use super::StoreError;
use crate::time::Clock;
use std::path::Path;
use std::time::{Duration, Instant};

pub const HOLDER_FILE: &str = "store.holder";

/// Notes who holds the store, for the message another process gets.
pub fn record_holder(dir: &Path) {
    let user = std::env::var("USER").or_else(|_| std::env::var("LOGNAME")).unwrap_or_else(|_| "?".into());
    let command = command_words(std::env::args());
    let since = Clock::from_env().map(|c| c.now()).unwrap_or_else(|_| Clock::System.now());
    let text = format!("pid {} ({command}), user {user}, since {since}\n", std::process::id());
    // Best effort: the message is a courtesy, the lock itself is sled's.
    let _ = std::fs::write(dir.join(HOLDER_FILE), text);
}

/// `rightsdesk serve`, `rightsdesk ticket`: the program and its top-level command only. Never
/// the other arguments: one may be a complainant's name or phone number.
fn command_words(args: impl Iterator<Item = String>) -> String {
    const COMMANDS: [&str; 11] = [
        "serve",
        "sync",
        "import",
        "tickets",
        "ticket",
        "outbox",
        "quarantine",
        "unit",
        "config",
        "sim",
        "stats",
    ];
    let mut args = args;
    let program = args.next().map(|a| program_name(&a)).unwrap_or_default();
    match args.find(|a| COMMANDS.contains(&a.as_str())) {
        Some(command) => format!("{program} {command}"),
        None => program,
    }
}

fn program_name(path: &str) -> String {
    std::path::Path::new(path).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

pub fn explain_open_error(dir: &Path, error: sled::Error) -> StoreError {
    let text = error.to_string();
    let locked = matches!(&error, sled::Error::Io(io) if io.kind() == std::io::ErrorKind::WouldBlock)
        || text.contains("could not acquire lock")
        || text.contains("Resource temporarily unavailable");
    if locked {
        StoreError::InUse { dir: dir.to_path_buf(), holder: current_holder(dir) }
    } else {
        StoreError::Open { dir: dir.to_path_buf(), detail: text }
    }
}

/// How long a stale note is given to be replaced: the holder writes its note just after it
/// takes the lock, so a process that opened the store a moment ago may not have written it yet.
const FRESH_NOTE_WAIT: Duration = Duration::from_millis(300);

/// Who holds the store, from the note, but only when the process the note names is alive: the
/// note of a process that has ended (killed, crashed) stays behind until the next holder writes
/// its own, and naming a dead process would send the user after the wrong one.
fn current_holder(dir: &Path) -> String {
    let started = Instant::now();
    loop {
        let note = std::fs::read_to_string(dir.join(HOLDER_FILE)).map(|s| s.trim().to_string()).ok();
        match note.as_deref().filter(|n| !n.is_empty()) {
            Some(note) if note_pid(note).is_some_and(is_alive) => return note.to_string(),
            Some(_) if started.elapsed() < FRESH_NOTE_WAIT => {
                std::thread::sleep(Duration::from_millis(50));
            }
            Some(_) => {
                return "another process (unknown: the holder note names a process that has ended)".into();
            }
            None => return "another process".into(),
        }
    }
}

/// The pid a holder note starts with: `pid 4242 (rightsdesk serve), user …`.
fn note_pid(note: &str) -> Option<i32> {
    note.strip_prefix("pid ")?.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
}

/// Whether a process with this pid exists (signal 0 checks without sending anything; EPERM
/// means it exists under another user).
fn is_alive(pid: i32) -> bool {
    if pid <= 0 {
        return false;
    }
    // SAFETY: kill with signal 0 only checks that the process exists; it has no other effect.
    let sent = unsafe { libc::kill(pid, 0) };
    sent == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// How long closing waits for sled's I/O threads to let go of the store. They finish a write
/// already handed to them, which takes milliseconds; the bound only keeps a broken disk from
/// hanging a stop for ever.
const RELEASE_PATIENCE: Duration = Duration::from_secs(10);

/// Waits until the lock on the store's data file can be taken again, i.e. until every handle
/// sled had on the file is closed. sled 0.34 locks `store/db` with `flock`, and the lock goes
/// with the last open descriptor of the file; dropping the last `Db` and `Tree` joins sled's
/// flusher thread, but a write or a truncation already handed to sled's I/O thread pool still
/// holds the file until that task ends. Returns how long it waited.
pub fn wait_until_released(dir: &Path) -> Result<Duration, StoreError> {
    wait_until_db_released(&dir.join("store"))
}

/// [`wait_until_released`] for the sled database in `db_dir`.
pub fn wait_until_db_released(db_dir: &Path) -> Result<Duration, StoreError> {
    use std::os::fd::AsRawFd;
    let started = Instant::now();
    let dir = db_dir;
    let file = match std::fs::File::open(db_dir.join("db")) {
        Ok(f) => f,
        // Never created, or removed with its directory: nothing holds it.
        Err(_) => return Ok(Duration::ZERO),
    };
    loop {
        // SAFETY: flock on a descriptor we own; it only takes or releases an advisory lock.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
            // SAFETY: as above; closing the file would release it as well.
            unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_UN) };
            return Ok(started.elapsed());
        }
        let error = std::io::Error::last_os_error();
        if error.raw_os_error() != Some(libc::EWOULDBLOCK) {
            // A file system without flock: sled could not have locked it either.
            return Ok(started.elapsed());
        }
        if started.elapsed() >= RELEASE_PATIENCE {
            return Err(StoreError::NotReleased { dir: dir.to_path_buf(), waited: started.elapsed() });
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Held by every clone of a `Store` and dropped after its sled handles: when the last one goes,
/// the store is closed for good before the drop returns, so the same process can open it again
/// at once (a test's reopen, a checkpoint, serve's stop).
pub struct Release {
    pub dir: std::path::PathBuf,
    pub released: bool,
}

impl Drop for Release {
    fn drop(&mut self) {
        if self.released {
            return;
        }
        match wait_until_released(&self.dir) {
            Ok(waited) if waited > Duration::from_millis(1) => {
                tracing::debug!(
                    waited_ms = waited.as_millis() as u64,
                    "store released by sled's I/O threads"
                );
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "store closed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_holder_note_names_the_command_and_never_its_values() {
        let args = ["/usr/bin/rightsdesk", "--data", "/srv/desk", "ticket", "register", "--name", "张伟"];
        assert_eq!(command_words(args.into_iter().map(String::from)), "rightsdesk ticket");
        let args = ["rightsdesk", "--data", "d", "serve", "--sim", "http://127.0.0.1:7800"];
        assert_eq!(command_words(args.into_iter().map(String::from)), "rightsdesk serve");
    }

    #[test]
    fn a_store_in_use_is_never_said_to_be_held_by_a_process_that_has_ended() {
        let dir = tempfile::tempdir().unwrap();
        // A process that has certainly ended: a child we waited for.
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        let note = format!("pid {dead} (rightsdesk serve), user clerk, since 2026-11-28T10:00:00+08:00");
        std::fs::write(dir.path().join(HOLDER_FILE), note).unwrap();
        let holder = current_holder(dir.path());
        assert!(!holder.contains(&dead.to_string()), "{holder}");
        assert!(holder.contains("unknown"), "{holder}");
        assert!(!holder.contains(" serve"), "a client must not wait for a server that is gone: {holder}");

        let me = format!("pid {} (rightsdesk import), user clerk, since …", std::process::id());
        std::fs::write(dir.path().join(HOLDER_FILE), &me).unwrap();
        assert_eq!(current_holder(dir.path()), me, "a live holder is named");
    }
}
