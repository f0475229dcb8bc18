//! Who is attached to the server: each connection's person, taken from the peer's Unix user
//! (SO_PEERCRED) and `users.toml`, never from what the client says; which ticket each console
//! has open (so that colleagues see each other); and the `status` report built from them.

use crate::config::Config;
use crate::domain::org::Organisation;
use crate::domain::role::{Person, Role, Users};
use crate::domain::ticket::TicketId;
use crate::engine::ChannelHealth;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tokio::sync::watch;

/// Decides who a connection is, by `users.toml` as it is now: `refresh` reads the file again
/// when it changed, and each connection hears of it (`users_changed`) to check its person again.
#[derive(Clone, Debug)]
pub struct Gate {
    users: Arc<watch::Sender<Arc<Users>>>,
    /// Where to read `users.toml` again (None: fixed users, as in tests).
    source: Option<Arc<UsersSource>>,
    /// Where `users.toml` is (or would be), for the message to someone not in it.
    users_file: String,
    /// The server's own Unix user: it owns the store's files, so it may do what a chief does
    /// when `users.toml` does not name it.
    server_uid: u32,
}

#[derive(Debug)]
struct UsersSource {
    config_dir: PathBuf,
    org: Organisation,
    /// The file as last read: (modified, length); None when it did not exist.
    seen: Mutex<Option<(std::time::SystemTime, u64)>>,
}

/// What `Gate::refresh` found.
#[derive(Debug, PartialEq)]
pub enum Refresh {
    Unchanged,
    /// Read again: the people it admits changed (true) or not (false).
    Read(bool),
    /// The file changed but has an error: the people read before stay admitted.
    Failed(String),
}

impl Gate {
    pub fn new(config: &Config, config_dir: Option<&Path>) -> Gate {
        let users_file = match config_dir {
            Some(dir) => dir.join("users.toml").display().to_string(),
            None => "users.toml in the server's config directory".to_string(),
        };
        let source = config_dir.map(|dir| {
            Arc::new(UsersSource {
                config_dir: dir.to_path_buf(),
                org: config.org.clone(),
                seen: Mutex::new(stamp(&dir.join("users.toml"))),
            })
        });
        // SAFETY: geteuid has no preconditions and cannot fail.
        let server_uid = unsafe { libc::geteuid() };
        Gate::with(config.users.clone(), source, users_file, server_uid)
    }

    fn with(users: Users, source: Option<Arc<UsersSource>>, users_file: String, server_uid: u32) -> Gate {
        Gate { users: Arc::new(watch::channel(Arc::new(users)).0), source, users_file, server_uid }
    }

    /// Reads `users.toml` again if it changed since it was last read.
    pub fn refresh(&self) -> Refresh {
        let Some(source) = &self.source else { return Refresh::Unchanged };
        let path = source.config_dir.join("users.toml");
        let now = stamp(&path);
        {
            let mut seen = source.seen.lock().unwrap_or_else(|p| p.into_inner());
            if *seen == now {
                return Refresh::Unchanged;
            }
            // A broken file is reported once, not at every look.
            *seen = now;
        }
        match crate::config::load_users(Some(&source.config_dir), &source.org) {
            Ok(users) => Refresh::Read(self.users.send_if_modified(|current| {
                let changed = **current != users;
                if changed {
                    *current = Arc::new(users);
                }
                changed
            })),
            Err(e) => Refresh::Failed(e.to_string()),
        }
    }

    /// Changes whenever `refresh` admits other people than before.
    pub fn users_changed(&self) -> watch::Receiver<Arc<Users>> {
        self.users.subscribe()
    }

    /// The person behind a connection from Unix user `uid`, acting for `as_user` if they asked
    /// to (a chief only).
    pub fn admit(&self, uid: Option<u32>, as_user: Option<&str>) -> Result<Person, String> {
        let Some(uid) = uid else {
            return Err(
                "the server cannot tell which Unix user is connecting; it admits nobody it cannot name"
                    .into(),
            );
        };
        let login = login_of(uid).unwrap_or_else(|| format!("uid:{uid}"));
        let users = self.users.borrow().clone();
        let mut person = match users.person(&login) {
            Some(p) => p.clone(),
            None if uid == self.server_uid => Person::owner(&login),
            None => return Err(self.unknown(&login)),
        };
        match as_user.map(str::trim).filter(|a| !a.is_empty() && *a != login) {
            None => {}
            Some(other) if person.role == Role::Chief => person.acting_as = Some(other.to_string()),
            Some(other) => {
                return Err(format!(
                    "--as {other}: acting for someone else is a chief's; {login} is {} here, and every command is recorded as {login}",
                    person.role
                ));
            }
        }
        Ok(person)
    }

    fn unknown(&self, login: &str) -> String {
        let chiefs: Vec<String> =
            self.users.borrow().chiefs().iter().map(|p| format!("{} ({})", p.name, p.login)).collect();
        let ask = if chiefs.is_empty() {
            format!(
                "the administrator who runs the server (Unix user {})",
                login_of(self.server_uid).unwrap_or_else(|| format!("uid {}", self.server_uid))
            )
        } else {
            format!("the section chief: {}", chiefs.join(", "))
        };
        format!(
            "the Unix user {login} is not registered with this server ({}); ask {ask} to add you with your role",
            self.users_file
        )
    }
}

/// When and how long: enough to tell an edited file (None: there is none).
fn stamp(path: &Path) -> Option<(std::time::SystemTime, u64)> {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.modified().ok()?, meta.len()))
}

/// The login name of a Unix user, from the system's user database.
pub fn login_of(uid: u32) -> Option<String> {
    let mut buf = vec![0 as libc::c_char; 4096];
    // SAFETY: an all-zero passwd is a valid value for getpwuid_r to fill.
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut found: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: every pointer is to memory we own, sized as passed; getpwuid_r writes only there.
    let rc = unsafe { libc::getpwuid_r(uid, &mut pwd, buf.as_mut_ptr(), buf.len(), &mut found) };
    if rc != 0 || found.is_null() || pwd.pw_name.is_null() {
        return None;
    }
    // SAFETY: on success pw_name points at a NUL-terminated string inside `buf`.
    let name = unsafe { std::ffi::CStr::from_ptr(pwd.pw_name) };
    Some(name.to_string_lossy().into_owned())
}

/// One attached connection, as `status` and colleagues' consoles see it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Attached {
    pub login: String,
    pub name: String,
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acting_as: Option<String>,
    /// A console (it said so in its hello), not a one-off command.
    pub console: bool,
    pub since: Timestamp,
    /// The ticket the console has open, if any.
    #[serde(default)]
    pub viewing: Option<TicketId>,
}

/// Every attached connection, by a number of the server's own.
#[derive(Clone)]
pub struct Sessions {
    table: Arc<Mutex<(u64, BTreeMap<u64, Attached>)>>,
    /// The consoles, pushed to subscribers whenever one attaches, leaves or opens a ticket.
    consoles: watch::Sender<Vec<Attached>>,
}

impl Default for Sessions {
    fn default() -> Self {
        Sessions { table: Arc::default(), consoles: watch::Sender::new(Vec::new()) }
    }
}

impl Sessions {
    pub fn add(&self, person: &Person, console: bool, since: Timestamp) -> u64 {
        let attached = Attached {
            login: person.login.clone(),
            name: person.name.clone(),
            role: person.role.to_string(),
            acting_as: person.acting_as.clone(),
            console,
            since,
            viewing: None,
        };
        self.change(|(next, table)| {
            *next += 1;
            table.insert(*next, attached);
            *next
        })
    }

    pub fn remove(&self, id: u64) {
        self.change(|(_, table)| table.remove(&id));
    }

    pub fn viewing(&self, id: u64, ticket: Option<TicketId>) {
        self.change(|(_, table)| {
            if let Some(a) = table.get_mut(&id) {
                a.viewing = ticket;
            }
        });
    }

    pub fn all(&self) -> Vec<Attached> {
        self.table.lock().map(|t| t.1.values().cloned().collect()).unwrap_or_default()
    }

    pub fn watch_consoles(&self) -> watch::Receiver<Vec<Attached>> {
        self.consoles.subscribe()
    }

    fn change<T>(&self, f: impl FnOnce(&mut (u64, BTreeMap<u64, Attached>)) -> T) -> T {
        let (out, consoles) = {
            let mut table = self.table.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let out = f(&mut table);
            (out, table.1.values().filter(|a| a.console).cloned().collect::<Vec<_>>())
        };
        self.consoles.send_if_modified(|current| {
            let changed = *current != consoles;
            *current = consoles;
            changed
        });
        out
    }
}

/// `rightsdesk status`: how the server is doing.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StatusReport {
    pub server: String,
    pub pid: u32,
    pub data_dir: String,
    pub started_at: Timestamp,
    pub uptime_secs: u64,
    /// The store's last event.
    pub last_seq: u64,
    pub channels: Vec<ChannelHealth>,
    /// Sign-fors, write-backs and SMS still to deliver, and those that gave up.
    pub outbox_pending: usize,
    pub outbox_dead: usize,
    pub quarantine_held: usize,
    pub attached: Vec<Attached>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::role::UsersFile;

    fn gate(users: &str) -> Gate {
        let config = crate::config::load(None).unwrap();
        let file: UsersFile = toml::from_str(users).unwrap();
        let users = file.build(&config.org).unwrap();
        Gate::with(users, None, "config/users.toml".into(), u32::MAX - 1)
    }

    const USERS: &str = r#"
[users.root]
name = "陈丽"
role = "clerk"
"#;

    #[test]
    fn an_unknown_login_is_told_whom_to_ask() {
        let g = gate("[users.wangfang]\nname = \"王芳\"\nrole = \"chief\"\n");
        let refused = g.admit(Some(0), None).unwrap_err();
        assert!(refused.contains("root is not registered"), "{refused}");
        assert!(refused.contains("王芳 (wangfang)"), "{refused}");
    }

    #[test]
    fn a_clerk_may_not_act_as_someone_else() {
        let g = gate(USERS);
        assert_eq!(g.admit(Some(0), None).unwrap().actor(), "root");
        let refused = g.admit(Some(0), Some("wangfang")).unwrap_err();
        assert!(refused.contains("acting for someone else is a chief's"), "{refused}");
    }
    fn gate_reading(dir: &Path) -> Gate {
        let config = crate::config::load(Some(dir)).unwrap();
        let mut g = Gate::new(&config, Some(dir));
        g.server_uid = u32::MAX - 1;
        g
    }

    #[test]
    fn users_toml_is_read_again_when_it_changes_without_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("users.toml"), USERS).unwrap();
        let g = gate_reading(dir.path());
        let mut changed = g.users_changed();
        assert_eq!(g.admit(Some(0), None).unwrap().role, Role::Clerk);
        assert_eq!(g.refresh(), Refresh::Unchanged);

        std::fs::write(dir.path().join("users.toml"), "[users.root]\nname = \"陈丽\"\nrole = \"viewer\"\n")
            .unwrap();
        assert_eq!(g.refresh(), Refresh::Read(true));
        assert!(changed.has_changed().unwrap(), "connections hear that the people changed");
        changed.mark_unchanged();
        assert_eq!(g.admit(Some(0), None).unwrap().role, Role::Viewer);

        std::fs::write(
            dir.path().join("users.toml"),
            "[users.wangfang]\nname = \"王芳\"\nrole = \"chief\"\n",
        )
        .unwrap();
        assert_eq!(g.refresh(), Refresh::Read(true));
        let refused = g.admit(Some(0), None).unwrap_err();
        assert!(refused.contains("root is not registered"), "{refused}");
    }

    #[test]
    fn a_users_toml_with_an_error_keeps_the_people_read_before_and_says_where() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("users.toml"), USERS).unwrap();
        let g = gate_reading(dir.path());
        let mut changed = g.users_changed();
        std::fs::write(
            dir.path().join("users.toml"),
            "[users.root]\nname = \"陈丽\"\nrole = \"clerk\"\nrloe = 1\n",
        )
        .unwrap();
        match g.refresh() {
            Refresh::Failed(why) => assert!(why.contains("users.toml") && why.contains("rloe"), "{why}"),
            other => panic!("{other:?}"),
        }
        assert!(!changed.has_changed().unwrap());
        assert_eq!(g.admit(Some(0), None).unwrap().role, Role::Clerk);
        assert_eq!(g.refresh(), Refresh::Unchanged, "a broken file is reported once");
        changed.mark_unchanged();
    }

    #[test]
    fn rewriting_users_toml_with_the_same_people_disturbs_no_connection() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("users.toml"), USERS).unwrap();
        let g = gate_reading(dir.path());
        let changed = g.users_changed();
        std::fs::write(dir.path().join("users.toml"), format!("# 科室人员\n{USERS}")).unwrap();
        assert_eq!(g.refresh(), Refresh::Read(false));
        assert!(!changed.has_changed().unwrap());
    }
}
