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

/// Sets a path's mode bits.
pub fn set_mode(path: &Path, mode: u32) -> io::Result<()> {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}
