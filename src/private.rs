//! Private files. The store, the logs and the drafts hold consumers' names and phone numbers:
//! whatever the umask of the shell that started us (022 on most jump hosts), what we create is
//! readable by its owner only (0700 directories, 0600 files). sled and the log appender create
//! their files themselves, so the process umask is set to 077 at start; directories we create
//! get 0700 explicitly as well. The server's socket is the one exception (0660, see
//! `remote::server::bind`): it is how a clerks' group reaches the data.

use std::io;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::Path;

/// From now on, files and directories this process creates are its owner's only.
pub fn owner_only_from_now() {
    // SAFETY: umask has no preconditions and cannot fail; called before any thread starts.
    unsafe {
        libc::umask(0o077);
    }
}

/// Creates `dir` (and missing parents) owner-only; an existing directory is left as it is (a
/// shared data directory prepared by `setup --shared` keeps its group).
pub fn create_dir(dir: &Path) -> io::Result<()> {
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)
}

/// Whether a mode lets nobody but the owner in.
pub fn is_owner_only(mode: u32) -> bool {
    mode & 0o077 == 0
}

/// What rightsdesk puts in a data directory and keeps owner-only: the store, the logs, the
/// note of who holds the store. Nothing else there is touched (a data directory given as a
/// folder with other files in it keeps them as they are).
const DATA_DIR_ENTRIES: [&str; 3] = ["store", "logs", crate::store::HOLDER_FILE];

/// Takes away from others what an older version (created under the shell's umask) left open
/// in a data directory `dir`: the store, the logs and the holder note become owner-only, and
/// `dir` itself loses what it gave to others (not its group's bits: `setup --shared` gives the
/// clerks' group the way to the socket). The socket is left as `serve` makes it. Returns how
/// many paths were tightened; one that cannot be changed (another user's) is skipped.
pub fn tighten_data_dir(dir: &Path) -> usize {
    let mut tightened = 0;
    if let Ok(meta) = std::fs::metadata(dir) {
        let mode = meta.permissions().mode() & 0o7777;
        if mode & 0o007 != 0 && set_mode(dir, mode & !0o007).is_ok() {
            tightened += 1;
        }
    }
    tightened + DATA_DIR_ENTRIES.iter().map(|name| tighten_below(&dir.join(name))).sum::<usize>()
}

fn tighten_below(path: &Path) -> usize {
    let Ok(meta) = std::fs::symlink_metadata(path) else { return 0 };
    if meta.file_type().is_symlink() {
        return 0;
    }
    let mode = meta.permissions().mode() & 0o7777;
    let mut tightened = usize::from(!is_owner_only(mode) && set_mode(path, mode & !0o077).is_ok());
    if meta.is_dir()
        && let Ok(entries) = std::fs::read_dir(path)
    {
        tightened += entries.flatten().map(|e| tighten_below(&e.path())).sum::<usize>();
    }
    tightened
}

/// Sets a path's mode bits.
pub fn set_mode(path: &Path, mode: u32) -> io::Result<()> {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}
