//! The console as a clerk meets it: the real binary in a pseudo-terminal (expectrl + vt100), a
//! real `serve`, the simulator's channels and units over HTTP.

mod console_pty;
mod support;

use console_pty::{Console, Serve, cli};
use expectrl::process::unix::Signal;
use serde_json::Value;
use std::path::Path;
use std::time::{Duration, Instant};
use support::SimProcess;

const NOW: &str = "2026-11-27T10:00:00+08:00";

fn register(data: &Path, id: &str, title: &str, received: &str, town: &str) {
    console_pty::register_walkin(data, NOW, id, title, received, town);
}

/// The pid of the server of `data`, to stop one the console started.
fn stop_server(data: &Path) {
    if let Ok(Some(c)) = rightsdesk::remote::Client::attach(data) {
        // SAFETY: a signal to a process this test caused to run.
        unsafe {
            libc::kill(c.server_pid as i32, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while rightsdesk::remote::Client::attach(data).ok().flatten().is_some() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

#[test]
fn the_console_starts_its_server_shows_new_tickets_as_they_come_and_q_restores_the_terminal() {
    let _terminal = console_pty::one_at_a_time();
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    register(&data, "LF-001", "健身房预付卡退费难", "2026-11-26 09:30", "容桂");
    let mut c = Console::spawn(&["--data", data.to_str().unwrap()], &[("RIGHTSDESK_NOW", NOW)], 120, 40);
    c.wait_for("the first ticket", 60, |s| s.contains("健身房预付卡退费难"));
    // Another clerk's command attaches to the server the console started.
    register(&data, "LF-002", "空调安装后漏水拒不处理", "2026-11-27 09:10", "大良");
    c.wait_for("the new ticket, without a key pressed", 20, |s| s.contains("空调安装后漏水拒不处理"));
    c.send("q");
    assert_eq!(c.exit_code(20), 0);
    assert!(c.restored(), "the terminal is left as the shell had it");
    stop_server(&data);
}

#[test]
fn a_ticket_found_by_pinyin_is_dispatched_with_sms_answered_by_its_unit_and_written_back() {
    let _terminal = console_pty::one_at_a_time();
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let sim = SimProcess::start(
        &["--seed", "3", "--tickets", "40", "--rate", "0", "--unit-delay", "10ms..40ms"],
        NOW,
    );
    let _serve = Serve::start(&data, NOW, &["--sim", &sim.base]);
    // The channels' tickets arrive.
    let deadline = Instant::now() + Duration::from_secs(60);
    let tickets: Vec<Value> = loop {
        let list: Vec<Value> =
            serde_json::from_str(&cli(&data, NOW, &["tickets", "list", "--format", "json"])).unwrap();
        if list.len() >= 20 {
            break list;
        }
        assert!(Instant::now() < deadline, "tickets did not arrive: {}", list.len());
        std::thread::sleep(Duration::from_millis(200));
    };
    let config = rightsdesk::config::load(None).unwrap();
    let (town, pinyin) = tickets
        .iter()
        .filter_map(|t| t["town"].as_str())
        .find_map(|t| config.org.branch_of_town(t).map(|b| (t.to_string(), b.id.clone())))
        .expect("a ticket in a known town");
    let mut c = Console::spawn(&["--data", data.to_str().unwrap()], &[("RIGHTSDESK_NOW", NOW)], 120, 40);
    // Typed as soon as the frame is up, before the queue's rows may have come: the search is
    // the view's, answered when the server has it (the count shows only with its answer).
    c.wait_for("the queue", 60, |s| s.contains("全部在办"));
    c.send("/");
    c.send(&pinyin);
    c.send("\r");
    let found =
        c.wait_for("the search's matches", 20, |s| s.contains(&format!("/{pinyin}")) && s.contains("条匹配"));
    assert!(found.contains('〔'), "a match outside the shown columns leads the title:\n{found}");
    c.send("d");
    c.wait_for("the dispatch panel with its suggestions", 20, |s| s.contains("建议单位"));
    c.send("\r");
    let screen = c.wait_for("the dispatch saved", 20, |s| s.contains("已保存 派单"));
    let id: String = screen
        .split("已保存 派单: #")
        .nth(1)
        .map(|rest| rest.chars().take_while(|ch| ch.is_ascii_digit()).collect())
        .expect("the ticket number");
    let shown: Value =
        serde_json::from_str(&cli(&data, NOW, &["ticket", "show", &id, "--format", "json"])).unwrap();
    assert_eq!(shown["town"].as_str(), Some(town.as_str()), "the pinyin search found a ticket of {town}");
    let ext = shown["channel_ticket_id"].as_str().unwrap().to_string();
    let unit = shown["unit"].as_str().expect("dispatched").to_string();
    let phone = config.org.unit(&unit).unwrap().phone.clone();
    // The unit is told by SMS, answers through the units API, and the result goes back. The
    // simulated units work in rounds over all 163 units: generous on a loaded machine.
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let ledger = ledger(&sim);
        let written_back =
            ledger["writebacks"].as_array().unwrap().iter().any(|w| w["channel_ticket_id"] == ext);
        let sms = ledger["sms"].as_array().unwrap().iter().any(|s| s["to"] == phone.as_str());
        if written_back && sms {
            break;
        }
        assert!(Instant::now() < deadline, "no write-back / SMS for {ext} in the ledger: {ledger}");
        std::thread::sleep(Duration::from_millis(250));
    }
    c.send("q");
    assert_eq!(c.exit_code(20), 0);
}

fn ledger(sim: &SimProcess) -> Value {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        http.get(format!("{}/_sim/ledger", sim.base)).send().await.unwrap().json().await.unwrap()
    })
}

#[test]
fn the_overdue_list_shows_an_overdue_ticket() {
    let _terminal = console_pty::one_at_a_time();
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    register(&data, "LF-010", "美容院办卡后拒绝退款", "2026-11-10 10:00", "乐从");
    register(&data, "LF-011", "外卖食品变质", "2026-11-27 09:00", "北滘");
    let _serve = Serve::start(&data, NOW, &[]);
    let mut c = Console::spawn(&["--data", data.to_str().unwrap()], &[("RIGHTSDESK_NOW", NOW)], 120, 40);
    c.wait_for("the queue", 60, |s| s.contains("美容院办卡后拒绝退款"));
    c.send("o");
    let s = c
        .wait_for("the overdue list", 20, |s| s.contains("临期与超期") && s.contains("美容院办卡后拒绝退款"));
    assert!(s.contains("-"), "an overdue ticket shows negative time left:\n{s}");
    c.send("q");
    assert_eq!(c.exit_code(20), 0);
}

#[test]
fn two_consoles_attached_to_one_serve_see_each_others_dispatch() {
    let _terminal = console_pty::one_at_a_time();
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    register(&data, "LF-020", "健身房预付卡退费难", "2026-11-27 08:30", "容桂");
    let _serve = Serve::start(&data, NOW, &[]);
    let args = ["--data", data.to_str().unwrap()];
    let mut a = Console::spawn(&args, &[("RIGHTSDESK_NOW", NOW), ("USER", "chenli")], 100, 30);
    let mut b = Console::spawn(&args, &[("RIGHTSDESK_NOW", NOW), ("USER", "lina")], 100, 30);
    a.wait_for("the ticket in A", 60, |s| s.contains("健身房预付卡退费难"));
    b.wait_for("the ticket in B", 60, |s| s.contains("健身房预付卡退费难") && s.contains("待分拣"));
    a.send("d");
    a.wait_for("A's dispatch panel", 20, |s| s.contains("分拣派单 #"));
    a.send("\r");
    a.wait_for("A's dispatch saved", 20, |s| s.contains("已保存 派单"));
    b.wait_for("A's dispatch on B's screen", 20, |s| {
        s.contains(rightsdesk::domain::status::Status::Dispatched.zh())
    });
    for c in [&mut a, &mut b] {
        c.send("q");
        assert_eq!(c.exit_code(20), 0);
    }
}

/// A Unix user for a console of its own, with a home it may write (drafts, logs); created once.
fn clerk_user(login: &str, home: &Path) {
    let out = std::process::Command::new("useradd")
        .args(["--no-create-home", "--shell", "/usr/sbin/nologin", login])
        .output()
        .expect("useradd runs");
    // 9: the user exists already.
    assert!(out.status.success() || out.status.code() == Some(9), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::create_dir_all(home).unwrap();
    let chown = std::process::Command::new("chown").arg(login).arg(home).status().unwrap();
    assert!(chown.success());
}

#[test]
fn two_clerks_dispatching_one_ticket_at_once_make_one_dispatch_and_one_conflict_and_see_each_other() {
    let _terminal = console_pty::one_at_a_time();
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipped: two clerks need two Unix users, which needs root (CI runs as root)");
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let (data, config) = (tmp.path().join("data"), tmp.path().join("config"));
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("users.toml"),
        "[users.rdp_chenli]\nname = \"陈丽\"\nrole = \"clerk\"\n\n[users.rdp_lina]\nname = \"李娜\"\nrole = \"clerk\"\n",
    )
    .unwrap();
    register(&data, "LF-025", "健身房预付卡退费难", "2026-11-27 08:30", "容桂");
    let cfg = config.to_str().unwrap();
    let _serve = Serve::start(&data, NOW, &["--config", cfg]);
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o711)).unwrap();
    std::fs::set_permissions(data.join("serve.sock"), std::fs::Permissions::from_mode(0o666)).unwrap();
    let args = ["--data", data.to_str().unwrap(), "--config", cfg];
    let console = |login: &str| {
        let home = tmp.path().join(login);
        clerk_user(login, &home);
        let env = [("RIGHTSDESK_NOW", NOW), ("HOME", home.to_str().unwrap()), ("USER", "root")];
        Console::spawn_as(Some(login), &args, &env, 200, 30)
    };
    let (mut a, mut b) = (console("rdp_chenli"), console("rdp_lina"));
    a.wait_for("the ticket in A", 60, |s| s.contains("健身房预付卡退费难"));
    b.wait_for("the ticket in B", 60, |s| s.contains("健身房预付卡退费难"));
    // Both open it: each sees the other there.
    a.send("\r");
    b.send("\r");
    b.wait_for("A named on B's detail", 20, |s| s.contains("也在查看: 陈丽 (rdp_chenli)"));
    a.wait_for("B named on A's detail", 20, |s| s.contains("也在查看: 李娜 (rdp_lina)"));
    a.send("\x1b");
    b.send("\x1b");
    // Both begin a dispatch of the ticket as it stands; A confirms first.
    a.send("d");
    a.wait_for("A's dispatch panel", 20, |s| s.contains("分拣派单 #"));
    b.send("d");
    b.wait_for("B's dispatch panel", 20, |s| s.contains("分拣派单 #"));
    a.send("\r");
    a.wait_for("A's dispatch saved", 20, |s| s.contains("已保存 派单"));
    b.send("\r");
    // Waited for whole: a screen read in the middle of a frame could show half the line.
    b.wait_for("B told who changed the ticket, and to reload", 20, |s| {
        s.contains("changed since you saw it") && s.contains("rdp_chenli") && s.contains("reload")
    });
    let shown: Value =
        serde_json::from_str(&cli(&data, NOW, &["ticket", "show", "1", "--format", "json"])).unwrap();
    let actions: Vec<(&str, &str)> = shown["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["actor"].as_str().unwrap(), e["action"].as_str().unwrap()))
        .collect();
    assert_eq!(actions.iter().filter(|(_, a)| *a == "dispatched").count(), 1, "{actions:?}");
    assert!(actions.iter().all(|(who, _)| *who != "rdp_lina"), "B changed nothing: {actions:?}");
    for c in [&mut a, &mut b] {
        c.send("\x1b");
        c.send("q");
        assert_eq!(c.exit_code(20), 0);
    }
}

#[test]
fn users_toml_edited_while_serving_applies_to_an_open_console_a_new_role_at_once_and_removal_with_the_reason()
{
    let _terminal = console_pty::one_at_a_time();
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!(
            "skipped: a clerk's console needs a Unix user of its own, which needs root (CI runs as root)"
        );
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let (data, config) = (tmp.path().join("data"), tmp.path().join("config"));
    std::fs::create_dir_all(&config).unwrap();
    let users = config.join("users.toml");
    std::fs::write(&users, "[users.rdp_zhaomin]\nname = \"赵敏\"\nrole = \"clerk\"\n").unwrap();
    register(&data, "LF-027", "美容院预付卡退费难", "2026-11-27 08:30", "大良");
    let cfg = config.to_str().unwrap();
    let _serve = Serve::start(&data, NOW, &["--config", cfg]);
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o711)).unwrap();
    std::fs::set_permissions(data.join("serve.sock"), std::fs::Permissions::from_mode(0o666)).unwrap();
    let home = tmp.path().join("rdp_zhaomin");
    clerk_user("rdp_zhaomin", &home);
    let env = [("RIGHTSDESK_NOW", NOW), ("HOME", home.to_str().unwrap()), ("USER", "root")];
    let args = ["--data", data.to_str().unwrap(), "--config", cfg];
    let mut c = Console::spawn_as(Some("rdp_zhaomin"), &args, &env, 200, 30);
    c.wait_for("the queue", 60, |s| s.contains("美容院预付卡退费难"));
    // The chief makes her a viewer: no restart of serve, no key pressed in her console.
    std::fs::write(&users, "[users.rdp_zhaomin]\nname = \"赵敏\"\nrole = \"viewer\"\n").unwrap();
    c.wait_for("the new role said", 30, |s| s.contains("您的角色现为 viewer"));
    // Then takes her out: the console says why it is refused instead of "reconnecting".
    std::fs::write(&users, "# 赵敏 调离本科室\n").unwrap();
    c.wait_for("the refusal and its reason on the banner", 30, |s| {
        s.contains("服务拒绝了本控制台") && s.contains("rdp_zhaomin is not registered")
    });
    c.send("q");
    assert_eq!(c.exit_code(20), 0);
    assert!(c.restored());
}

#[test]
fn sighup_from_a_dropped_session_leaves_the_terminal_restored() {
    let _terminal = console_pty::one_at_a_time();
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    register(&data, "LF-030", "健身房预付卡退费难", "2026-11-27 08:30", "容桂");
    let _serve = Serve::start(&data, NOW, &[]);
    let mut c = Console::spawn(&["--data", data.to_str().unwrap()], &[("RIGHTSDESK_NOW", NOW)], 100, 30);
    c.wait_for("the queue", 60, |s| s.contains("健身房预付卡退费难"));
    c.signal(Signal::SIGHUP);
    assert_eq!(c.exit_code(20), 0);
    assert!(c.restored());
}

#[test]
fn a_resize_storm_and_a_20x5_terminal_do_not_panic() {
    let _terminal = console_pty::one_at_a_time();
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    register(&data, "LF-040", "健身房预付卡退费难", "2026-11-27 08:30", "容桂");
    let _serve = Serve::start(&data, NOW, &[]);
    let mut c = Console::spawn(&["--data", data.to_str().unwrap()], &[("RIGHTSDESK_NOW", NOW)], 100, 30);
    c.wait_for("the queue", 60, |s| s.contains("健身房预付卡退费难"));
    for i in 0..40u16 {
        c.resize(40 + (i * 7) % 140, 10 + (i * 3) % 40);
        c.send("j");
    }
    c.resize(20, 5);
    c.wait_for("the too-small message", 20, |s| s.contains("终端太小"));
    c.resize(100, 30);
    c.wait_for("the queue again", 20, |s| s.contains("健身房预付卡退费难"));
    c.send("q");
    assert_eq!(c.exit_code(20), 0, "q ends the console after the storm");
    assert!(c.restored(), "the terminal is left as the shell had it");
    assert!(!String::from_utf8_lossy(&c.raw).contains("panicked"));
}

/// Each round resizes the terminal and presses a key at the same moment, then waits for what the
/// key does with no other key sent to push it through: a key that came in with the resize signal
/// used to stay unread until the next key (and an Esc followed by `k` became Alt-k).
#[test]
fn a_key_pressed_as_the_terminal_is_resized_is_answered_without_waiting_for_the_next_key() {
    let _terminal = console_pty::one_at_a_time();
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    register(&data, "LF-041", "健身房预付卡退费难", "2026-11-27 08:30", "容桂");
    let _serve = Serve::start(&data, NOW, &[]);
    let mut c = Console::spawn(&["--data", data.to_str().unwrap()], &[("RIGHTSDESK_NOW", NOW)], 100, 30);
    c.wait_for("the queue", 60, |s| s.contains("健身房预付卡退费难"));
    for round in 0..30u16 {
        let (cols, rows) = if round % 2 == 0 { (120, 40) } else { (100, 30) };
        c.resize(cols, rows);
        c.send("?");
        c.wait_for(&format!("the help, round {round}"), 20, |s| s.contains("按键帮助"));
        c.resize(cols - 10, rows - 5);
        c.send("\x1b");
        c.wait_for(&format!("the help closed, round {round}"), 20, |s| !s.contains("按键帮助"));
    }
    c.send("q");
    assert_eq!(c.exit_code(20), 0);
    assert!(c.restored());
}

/// Ctrl-L draws the whole screen again, here in a terminal that never answers a query of its
/// cursor's position: ratatui's own clear asks one first and, unanswered, gave up the clear
/// after two seconds, so the screen stayed as garbled as it was.
#[test]
fn ctrl_l_draws_a_garbled_screen_whole_again_without_asking_the_terminal_anything() {
    let _terminal = console_pty::one_at_a_time();
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    register(&data, "LF-042", "健身房预付卡退费难", "2026-11-27 08:30", "容桂");
    let _serve = Serve::start(&data, NOW, &[]);
    let mut c = Console::spawn(&["--data", data.to_str().unwrap()], &[("RIGHTSDESK_NOW", NOW)], 100, 30);
    c.wait_for("the queue", 60, |s| s.contains("健身房预付卡退费难"));
    // Something else wrote over the terminal (a `wall` message, a background job's output).
    c.parser.process(b"\x1b[2J\x1b[Hmessage from root");
    assert!(!c.screen().contains("健身房预付卡退费难"));
    c.send("\x0c");
    let s = c.wait_for("the screen drawn again", 20, |s| s.contains("健身房预付卡退费难"));
    assert!(!s.contains("message from root"), "the whole screen is drawn again:\n{s}");
    assert!(!String::from_utf8_lossy(&c.raw).contains("\x1b[6n"), "the cursor's position was asked");
    c.send("q");
    assert_eq!(c.exit_code(20), 0);
    assert!(c.restored());
}

#[test]
fn without_a_terminal_or_on_term_dumb_the_console_says_so_and_starts_nothing() {
    let _terminal = console_pty::one_at_a_time();
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rightsdesk"))
        .arg("--data")
        .arg(&data)
        .env("RIGHTSDESK_NOW", NOW)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs a terminal"), "{out:?}");
    let mut c = Console::spawn(
        &["--data", data.to_str().unwrap()],
        &[("TERM", "dumb"), ("RIGHTSDESK_NOW", NOW)],
        100,
        30,
    );
    assert_eq!(c.exit_code(20), 1);
    assert!(c.screen().contains("TERM=dumb"));
    assert!(rightsdesk::remote::Client::attach(&data).unwrap().is_none(), "no server was started");
}

#[test]
fn the_demo_shows_tickets_from_several_channels_and_cleans_up_after_itself() {
    let _terminal = console_pty::one_at_a_time();
    let mut c = Console::spawn(&["--demo"], &[], 120, 40);
    let pid = c.session.get_process().pid();
    let s = c.wait_for("demo tickets from several channels", 120, |s| {
        ["12345", "12315", "8180"].iter().filter(|ch| s.contains(*ch)).count() >= 2 && s.contains("全部在办")
    });
    assert!(s.contains("临期超期"), "{s}");
    c.send("q");
    assert_eq!(c.exit_code(60), 0);
    assert!(c.restored());
    let dir = std::env::temp_dir().join(format!("rightsdesk-demo-{pid}"));
    assert!(!dir.exists(), "the throw-away store is removed: {}", dir.display());
}
