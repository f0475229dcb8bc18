//! sled lets one process open a store. When a second one tries, say who holds it.

use super::StoreError;
use crate::time::Clock;
use std::path::Path;

const HOLDER_FILE: &str = "store.holder";

/// Notes who holds the store, for the message another process gets.
pub fn record_holder(dir: &Path) {
    let user = std::env::var("USER").or_else(|_| std::env::var("LOGNAME")).unwrap_or_else(|_| "?".into());
    let command: Vec<String> = std::env::args().take(3).collect();
    let since = Clock::from_env().map(|c| c.now()).unwrap_or_else(|_| Clock::System.now());
    let text = format!("pid {} ({}), user {user}, since {since}\n", std::process::id(), command.join(" "));
    // Best effort: the message is a courtesy, the lock itself is sled's.
    let _ = std::fs::write(dir.join(HOLDER_FILE), text);
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
