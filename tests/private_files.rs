//! Private files: under the usual umask 022, everything the store, the server and the logs
//! create is its owner's only; `setup --shared` prepares a data directory a clerks' group
//! reaches through the server's socket only (run as root, as CI does: it creates users).

use rightsdesk::remote::Client;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const NOW: &str = "2026-11-25T10:00:00+08:00";

const CSV: &str = "工单编号,类型,受理时间,镇街,投诉人,联系电话,标题,事实与理由
SD2026112400001,投诉,2026-11-24 09:12:00,大良街道,陈美玲,13612345678,健身房突然停业拒不退还会员费,2026年3月办理年卡3888元，11月门店突然停业
SD2026112400002,投诉,2026-11-24 10:40:00,容桂街道,黄志强,13712345678,洗碗机无法正常使用,在某电器城购买的洗碗机无法正常使用，商家拖延维修
";

/// The binary with the umask of a usual login shell.
fn rightsdesk(data: &Path, config: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_rightsdesk"));
    command
        .arg("--data")
        .arg(data)
        .arg("--config")
        .arg(config)
        .env("RIGHTSDESK_NOW", NOW)
        .env_remove("RIGHTSDESK_DATA")
        .env_remove("RIGHTSDESK_CONFIG")
        .stdin(Stdio::null());
    // SAFETY: umask is async-signal-safe and has no preconditions.
    unsafe {
        command.pre_exec(|| {
            libc::umask(0o022);
            Ok(())
        });
    }
    command
}

fn ok(out: &Output) -> String {
    assert!(out.status.success(), "exit {:?}: {}", out.status.code(), String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Every path under `dir` with its mode bits (and whether it is a directory).
fn walk(dir: &Path, out: &mut Vec<(PathBuf, u32, bool)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let meta = std::fs::symlink_metadata(&path).unwrap();
        out.push((path.clone(), meta.permissions().mode() & 0o7777, meta.is_dir()));
        if meta.is_dir() {
            walk(&path, out);
        }
    }
}

/// Waits for the server of `data` to answer on its socket.
fn wait_for_server(data: &Path, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !matches!(Client::attach(data), Ok(Some(_))) {
        assert!(child.try_wait().unwrap().is_none(), "serve exited early");
        assert!(Instant::now() < deadline, "serve did not open its socket within 60 s");
        std::thread::sleep(Duration::from_millis(25));
    }
}

fn terminate(mut child: Child) {
    // SAFETY: sending a signal to our own child has no memory-safety preconditions.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    child.wait().unwrap();
}

/// A store in `dir/data` holding the CSV's tickets, imported with an empty `dir/config`.
fn imported(dir: &Path) -> (PathBuf, PathBuf) {
    let (data, config) = (dir.join("data"), dir.join("config"));
    std::fs::create_dir(&config).unwrap();
    let csv = dir.join("tickets.csv");
    std::fs::write(&csv, CSV).unwrap();
    ok(&rightsdesk(&data, &config).arg("import").arg(&csv).args(["--channel", "12345"]).output().unwrap());
    (data, config)
}

#[test]
fn under_umask_022_the_store_the_server_and_the_logs_create_owner_only_files() {
    let tmp = tempfile::tempdir().unwrap();
    let (data, config) = imported(tmp.path());

    let mut server = rightsdesk(&data, &config)
        .args(["serve", "--units-listen", "127.0.0.1:0"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_server(&data, &mut server);
    let listed =
        ok(&rightsdesk(&data, &config).args(["tickets", "list", "--format", "json"]).output().unwrap());
    assert!(listed.contains("SD2026112400002"), "through the server: {listed}");
    let mut during = Vec::new();
    walk(&data, &mut during);
    terminate(server);

    let mut after = Vec::new();
    walk(&data, &mut after);
    let data_mode = std::fs::metadata(&data).unwrap().permissions().mode() & 0o777;
    assert_eq!(data_mode, 0o700, "the data directory");
    assert!(after.iter().any(|(p, ..)| p.ends_with("logs")), "logs were written");
    assert!(after.iter().any(|(p, ..)| p.starts_with(data.join("store"))), "the store was written");
    for (path, mode, is_dir) in during.iter().chain(&after) {
        if path.ends_with("serve.sock") {
            assert_eq!(*mode, 0o660, "the socket is the server's group's");
            continue;
        }
        let want = if *is_dir { 0o700 } else { 0o600 };
        assert_eq!(mode & 0o077, 0, "{} is {mode:o}, not owner-only ({want:o})", path.display());
    }
}

#[test]
fn a_store_an_older_version_left_readable_to_others_is_made_owner_only_when_opened() {
    let tmp = tempfile::tempdir().unwrap();
    let (data, config) = imported(tmp.path());
    // As a version before owner-only files left it under umask 022; and a file of the user's
    // own in the same directory, which is not rightsdesk's to change.
    let mut made = Vec::new();
    walk(&data, &mut made);
    for (path, _, is_dir) in &made {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(if *is_dir { 0o755 } else { 0o644 }))
            .unwrap();
    }
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(data.join("备忘.txt"), "科室值班表").unwrap();
    std::fs::set_permissions(data.join("备忘.txt"), std::fs::Permissions::from_mode(0o644)).unwrap();

    let listed =
        ok(&rightsdesk(&data, &config).args(["tickets", "list", "--format", "json"]).output().unwrap());
    assert!(listed.contains("SD2026112400002"), "{listed}");
    let mut after = Vec::new();
    walk(&data, &mut after);
    assert!(after.iter().any(|(p, ..)| p.starts_with(data.join("store"))));
    for (path, mode, _) in &after {
        if path.ends_with("备忘.txt") {
            assert_eq!(*mode, 0o644, "the user's own file is left as it was");
        } else {
            assert_eq!(mode & 0o077, 0, "{} is {mode:o}, not owner-only", path.display());
        }
    }
    let data_mode = std::fs::metadata(&data).unwrap().permissions().mode() & 0o777;
    assert_eq!(data_mode, 0o750, "others lose the data directory; its group keeps its bits");
}

/// Runs `command` (a program and its arguments) and says whether it succeeded.
fn sh(command: &[&str]) -> bool {
    Command::new(command[0]).args(&command[1..]).output().is_ok_and(|o| o.status.success())
}

/// Makes sure a user exists (in `group` when given).
fn user(name: &str, group: Option<&str>) {
    let mut args = vec!["useradd", "-M", "-s", "/usr/sbin/nologin"];
    if let Some(g) = group {
        args.extend(["-G", g]);
    }
    args.push(name);
    if !sh(&args) {
        assert!(sh(&["id", name]), "cannot create user {name} (CI runs the tests as root)");
    }
}

fn uid_of(login: &str) -> u32 {
    let out = Command::new("id").args(["-u", login]).output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

fn gid_of_group(group: &str) -> u32 {
    let out = Command::new("getent").args(["group", group]).output().unwrap();
    let line = String::from_utf8_lossy(&out.stdout).into_owned();
    line.split(':').nth(2).and_then(|g| g.trim().parse().ok()).expect("the group exists")
}

/// `rightsdesk` as another Unix user, with that user's groups.
fn as_user(login: &str, data: &Path, config: &Path, home: &Path) -> Command {
    let mut command = Command::new("setpriv");
    command
        .args(["--reuid", login, "--regid", login, "--init-groups", "--"])
        .arg(env!("CARGO_BIN_EXE_rightsdesk"))
        .arg("--data")
        .arg(data)
        .arg("--config")
        .arg(config)
        .env("RIGHTSDESK_NOW", NOW)
        .env("HOME", home)
        .env("USER", login)
        .env_remove("RIGHTSDESK_DATA")
        .env_remove("RIGHTSDESK_CONFIG")
        .stdin(Stdio::null());
    // SAFETY: as above.
    unsafe {
        command.pre_exec(|| {
            libc::umask(0o022);
            Ok(())
        });
    }
    command
}

#[test]
fn a_shared_data_directory_lets_the_clerks_group_reach_the_data_through_the_server_only() {
    // SAFETY: geteuid has no preconditions.
    assert_eq!(unsafe { libc::geteuid() }, 0, "this test creates users: run it as root (CI does)");
    assert!(sh(&["groupadd", "-f", "rdaudit_clerks"]), "groupadd");
    user("rdaudit_svc", None);
    user("rdaudit_clerk", Some("rdaudit_clerks"));
    user("rdaudit_out", None);

    let tmp = tempfile::tempdir().unwrap();
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let (data, config, home) = (tmp.path().join("data"), tmp.path().join("config"), tmp.path().join("home"));
    std::fs::create_dir(&config).unwrap();
    // The server admits the people users.toml names: the clerk is one, the outsider is not;
    // root (this test, waiting for the socket) only looks.
    let users = "[users.rdaudit_clerk]\nname = \"陈丽\"\nrole = \"clerk\"\n\n[users.root]\nname = \"运维\"\nrole = \"viewer\"\n";
    std::fs::write(config.join("users.toml"), users).unwrap();
    std::fs::create_dir(&home).unwrap();
    std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o777)).unwrap();
    let setup = rightsdesk(&data, &config)
        .args(["setup", "--shared"])
        .arg(&data)
        .args(["--group", "rdaudit_clerks", "--user", "rdaudit_svc"])
        .output()
        .unwrap();
    ok(&setup);
    let dir = std::fs::metadata(&data).unwrap();
    assert_eq!(dir.permissions().mode() & 0o7777, 0o2710, "the group passes through, setgid");
    assert_eq!((dir.uid(), dir.gid()), (uid_of("rdaudit_svc"), gid_of_group("rdaudit_clerks")));
    for inner in ["store", "logs"] {
        let meta = std::fs::metadata(data.join(inner)).unwrap();
        assert_eq!(meta.permissions().mode() & 0o077, 0, "{inner} is the service user's only");
        assert_eq!(meta.uid(), uid_of("rdaudit_svc"));
    }

    let csv = tmp.path().join("tickets.csv");
    std::fs::write(&csv, CSV).unwrap();
    std::fs::set_permissions(&csv, std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut server = as_user("rdaudit_svc", &data, &config, &home)
        .args(["serve", "--units-listen", "127.0.0.1:0"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_server(&data, &mut server);
    let socket = std::fs::metadata(data.join("serve.sock")).unwrap();
    assert_eq!(socket.gid(), gid_of_group("rdaudit_clerks"), "the socket is the clerks' group's");

    let clerk = |args: &[&str]| as_user("rdaudit_clerk", &data, &config, &home).args(args).output().unwrap();
    ok(&clerk(&["import", csv.to_str().unwrap(), "--channel", "12345"]));
    let listed = ok(&clerk(&["tickets", "list", "--format", "json"]));
    assert!(listed.contains("SD2026112400001"), "a clerk works through the server: {listed}");

    let outsider = as_user("rdaudit_out", &data, &config, &home).args(["tickets", "list"]).output().unwrap();
    assert!(!outsider.status.success(), "someone outside the group reaches nothing");
    terminate(server);

    let direct = clerk(&["tickets", "list"]);
    assert!(!direct.status.success(), "without the server a clerk cannot open the store");
    let err = String::from_utf8_lossy(&direct.stderr);
    assert!(err.contains("ermission denied"), "the file system refuses: {err}");
    let mut files = Vec::new();
    walk(&data.join("store"), &mut files);
    for (path, mode, _) in files {
        assert_eq!(mode & 0o077, 0, "{} is {mode:o}", path.display());
    }
}
