//! `rightsdesk setup --shared DIR --group GROUP [--user USER]`: prepares a data directory shared
//! on a jump host. The service user (`--user`, who runs `rightsdesk serve`) owns it; the clerks'
//! group may only pass through it to the server's socket:
//!
//! - `DIR`: owner USER, group GROUP, mode 2710: the group can reach `DIR/serve.sock` by name but
//!   not list or change anything; setgid, so the socket the server creates there is GROUP's.
//! - `DIR/store`, `DIR/logs`: USER's only (0700, files 0600), tightened if they already exist.
//!
//! A clerk then reaches the data only through the server: opening the store directly is refused
//! by the file system.

use super::{Failure, OK};
use crate::private;
use std::ffi::CString;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

#[derive(clap::Args, Debug)]
pub struct SetupArgs {
    /// The shared data directory to prepare (created if missing).
    #[arg(long, value_name = "DIR")]
    pub shared: std::path::PathBuf,
    /// The clerks' group: its members reach the data through the server's socket only.
    #[arg(long, value_name = "GROUP")]
    pub group: String,
    /// The service user that runs `rightsdesk serve` and owns the store (default: you).
    #[arg(long, value_name = "USER")]
    pub user: Option<String>,
}

/// A user's ids.
struct Account {
    uid: u32,
    gid: u32,
}

pub fn run(args: &SetupArgs) -> Result<i32, Failure> {
    let gid = group_id(&args.group).ok_or_else(|| {
        Failure::new(format!(
            "no group {:?}: create it first (`groupadd {0}`) and put the clerks in it (`usermod -aG {0} LOGIN`)",
            args.group
        ))
    })?;
    let service = match &args.user {
        Some(name) => account(name).ok_or_else(|| {
            Failure::new(format!(
                "no user {name:?}: create the service account first (`useradd --system {name}`)"
            ))
        })?,
        // SAFETY: getuid/getgid have no preconditions and cannot fail.
        None => unsafe { Account { uid: libc::getuid(), gid: libc::getgid() } },
    };
    let dir = &args.shared;
    let fail = |what: &str, path: &Path, e: std::io::Error| {
        let hint = if e.kind() == std::io::ErrorKind::PermissionDenied {
            "; run setup as root (it changes owners)"
        } else {
            ""
        };
        Failure::new(format!("cannot {what} {}: {e}{hint}", path.display()))
    };
    private::create_dir(dir).map_err(|e| fail("create", dir, e))?;
    std::os::unix::fs::chown(dir, Some(service.uid), Some(gid))
        .map_err(|e| fail("change the owner of", dir, e))?;
    private::set_mode(dir, 0o2710).map_err(|e| fail("set the mode of", dir, e))?;
    for inner in ["store", "logs"] {
        let path = dir.join(inner);
        private::create_dir(&path).map_err(|e| fail("create", &path, e))?;
        tighten(&path, &service).map_err(|e| fail("make owner-only", &path, e))?;
    }
    println!("{} prepared:", dir.display());
    println!(
        "  the directory: owner uid {}, group {} (2710: the group reaches the socket only)",
        service.uid, args.group
    );
    println!("  store/ and logs/: owner-only (0700, files 0600)");
    println!(
        "next: run `rightsdesk serve --data {}` as the service user; members of {} attach through {}",
        dir.display(),
        args.group,
        dir.join("serve.sock").display()
    );
    Ok(OK)
}

/// Makes a tree the service user's only: directories 0700, files 0600.
fn tighten(path: &Path, owner: &Account) -> std::io::Result<()> {
    let meta = std::fs::symlink_metadata(path)?;
    if meta.file_type().is_symlink() {
        return Ok(());
    }
    std::os::unix::fs::chown(path, Some(owner.uid), Some(owner.gid))?;
    if meta.is_dir() {
        private::set_mode(path, 0o700)?;
        for entry in std::fs::read_dir(path)? {
            tighten(&entry?.path(), owner)?;
        }
    } else {
        let mode = meta.permissions().mode() & 0o700;
        private::set_mode(path, mode | 0o600)?;
    }
    Ok(())
}

fn group_id(name: &str) -> Option<u32> {
    let name = CString::new(name).ok()?;
    // SAFETY: getgrnam takes a NUL-terminated name; the record it returns is read at once, before
    // any other call could reuse its static storage (setup runs on one thread).
    unsafe {
        let group = libc::getgrnam(name.as_ptr());
        (!group.is_null()).then(|| (*group).gr_gid)
    }
}

fn account(name: &str) -> Option<Account> {
    let name = CString::new(name).ok()?;
    // SAFETY: as for getgrnam above.
    unsafe {
        let user = libc::getpwnam(name.as_ptr());
        (!user.is_null()).then(|| Account { uid: (*user).pw_uid, gid: (*user).pw_gid })
    }
}
