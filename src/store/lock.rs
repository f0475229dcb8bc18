//! sled lets one process open a store. When a second one tries, say who holds it.

use super::StoreError;
use crate::time::Clock;
use std::path::Path;

const HOLDER_FILE: &str = "store.holder";

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
        let holder = std::fs::read_to_string(dir.join(HOLDER_FILE))
            .map(|s| s.trim().to_string())
            .ok()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "another process".into());
        StoreError::InUse { dir: dir.to_path_buf(), holder }
    } else {
        StoreError::Open { dir: dir.to_path_buf(), detail: text }
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
}
