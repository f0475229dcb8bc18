//! Many clerks on one jump host: a real `rightsdesk serve` and clients running as other Unix
//! users (created here with `useradd`, run with `runuser`). Who acts is the Unix user behind the
//! socket, mapped in `users.toml`; what they may do is their role's. Needs root (CI runs as
//! root); elsewhere each test says it is skipped and why.

use rightsdesk::domain::action::TicketAction as A;
use rightsdesk::domain::ticket::{Complainant, Dispute, Intake, Kind, NewTicket, TicketId};
use rightsdesk::engine::{Command as EngineCommand, Engine, Envelope};
use rightsdesk::remote::Client;
use rightsdesk::time::{Clock, Timestamp};
use serde_json::Value;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

const NOW: &str = "2026-11-25T10:00:00+08:00";

/// Logins of this suite (short: a Unix login has at most 32 characters).
const CLERK: &str = "rdt_chenli";
const CHIEF: &str = "rdt_wangfang";
const UNIT_LUNJIAO: &str = "rdt_lbstation";
const VIEWER: &str = "rdt_wall";
const STRANGER: &str = "rdt_stranger";

const USERS_TOML: &str = r#"
[users.rdt_chenli]
name = "陈丽"
role = "clerk"

[users.rdt_wangfang]
name = "王芳"
role = "chief"

[users.rdt_lbstation]
name = "伦教分局 值班"
role = "unit"
unit = "lunjiao"

[users.rdt_wall]
name = "大屏"
role = "viewer"
"#;

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// Creates the suite's Unix users once (a user already there is fine).
fn ensure_users() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        for login in [CLERK, CHIEF, UNIT_LUNJIAO, VIEWER, STRANGER] {
            let out = Command::new("useradd")
                .args(["--no-create-home", "--shell", "/usr/sbin/nologin", login])
                .output()
                .expect("useradd runs");
            // 9: the user exists already.
            assert!(
                out.status.success() || out.status.code() == Some(9),
                "useradd {login}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    });
}

struct Host {
    _tmp: tempfile::TempDir,
    data: PathBuf,
    config: PathBuf,
    serve: Child,
    /// Ticket at the 伦教 branch, and one at 大良.
    lunjiao: TicketId,
    daliang: TicketId,
}

impl Drop for Host {
    fn drop(&mut self) {
        let _ = self.serve.kill();
        let _ = self.serve.wait();
    }
}

fn complaint(ext: &str, title: &str) -> NewTicket {
    NewTicket {
        kind: Some(Kind::Complaint),
        intake: Intake {
            channel: "12345".into(),
            channel_ticket_id: ext.into(),
            received_at: Some(Timestamp::parse("2026-11-24 14:30").unwrap()),
            town: Some("伦教".into()),
            ..Intake::default()
        },
        complainant: Complainant {
            name: Some("黄志强".into()),
            phone: Some("13712345678".into()),
            ..Complainant::default()
        },
        dispute: Dispute { title: title.into(), request: Some("退款".into()), ..Dispute::default() },
        ..NewTicket::default()
    }
}

/// A store with one ticket dispatched to 伦教 and one to 大良, served by root as a service would
/// be, its socket open to the clerks.
fn host() -> Option<Host> {
    if !is_root() {
        eprintln!("skipped: creating Unix users and running clients as them needs root (CI runs as root)");
        return None;
    }
    ensure_users();
    let tmp = tempfile::tempdir().unwrap();
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let (data, config) = (tmp.path().join("data"), tmp.path().join("config"));
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(config.join("users.toml"), USERS_TOML).unwrap();
    for dir in [&data, &config] {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let cfg = Arc::new(rightsdesk::config::load(Some(&config)).unwrap());
    let mut engine = Engine::open(&data, cfg, Clock::Fixed(Timestamp::parse(NOW).unwrap())).unwrap();
    let mut dispatched = Vec::new();
    for (ext, title, unit) in
        [("SD2026112400001", "预付卡商家跑路", "lunjiao"), ("SD2026112400002", "装修押金不退", "daliang")]
    {
        let register = Envelope {
            actor: "sync:12345".into(),
            command: EngineCommand::Register(Box::new(complaint(ext, title))),
        };
        let id = engine.execute(register).unwrap().ticket().unwrap();
        for action in [
            A::Triage { kind: Kind::Complaint, category: None, dispute_type: None },
            A::DispatchWithoutSms { unit: unit.into() },
        ] {
            engine
                .execute(Envelope {
                    actor: "李娜".into(),
                    command: EngineCommand::Act { ticket: id, action },
                })
                .unwrap();
        }
        dispatched.push(id);
    }
    engine.close().unwrap();
    let serve = Command::new(env!("CARGO_BIN_EXE_rightsdesk"))
        .args(["--data"])
        .arg(&data)
        .arg("--config")
        .arg(&config)
        .args(["serve", "--units-listen", "127.0.0.1:0"])
        .env("RIGHTSDESK_NOW", NOW)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while Client::attach(&data).ok().flatten().is_none() {
        assert!(Instant::now() < deadline, "serve did not open its socket within 60 s");
        std::thread::sleep(Duration::from_millis(25));
    }
    // The clerks' way in: the socket (a deployment gives it to the clerks' group instead).
    std::fs::set_permissions(data.join("serve.sock"), std::fs::Permissions::from_mode(0o666)).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o711)).unwrap();
    Some(Host { _tmp: tmp, data, config, serve, lunjiao: dispatched[0], daliang: dispatched[1] })
}

/// `rightsdesk ARGS` as Unix user `login`. `USER` still says root: what the client claims to be
/// must not matter.
fn as_user(h: &Host, login: &str, args: &[&str]) -> Output {
    Command::new("runuser")
        .args(["-u", login, "--"])
        .arg(env!("CARGO_BIN_EXE_rightsdesk"))
        .arg("--data")
        .arg(&h.data)
        .arg("--config")
        .arg(&h.config)
        .args(args)
        .env("RIGHTSDESK_NOW", NOW)
        .env("USER", "root")
        .env("HOME", "/nonexistent")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    assert!(out.status.success(), "exit {:?}: {}", out.status.code(), String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn refused(out: &Output) -> String {
    assert!(!out.status.success(), "expected a refusal, got: {}", String::from_utf8_lossy(&out.stdout));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The actors of a ticket's timeline, read by the server's own user.
fn actors(h: &Host, id: TicketId) -> Vec<String> {
    let out = Command::new(env!("CARGO_BIN_EXE_rightsdesk"))
        .arg("--data")
        .arg(&h.data)
        .arg("--config")
        .arg(&h.config)
        .args(["ticket", "show", &id.to_string(), "--format", "json"])
        .env("RIGHTSDESK_NOW", NOW)
        .output()
        .unwrap();
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    v["timeline"].as_array().unwrap().iter().map(|e| e["actor"].as_str().unwrap().to_string()).collect()
}

fn ids_listed(text: &str) -> Vec<u64> {
    let v: Value = serde_json::from_str(text).unwrap();
    v.as_array().unwrap().iter().map(|t| t["id"].as_u64().unwrap()).collect()
}

#[test]
fn an_unknown_login_is_refused_with_whom_to_ask() {
    let Some(h) = host() else { return };
    let said = refused(&as_user(&h, STRANGER, &["tickets", "list"]));
    assert!(said.contains("rdt_stranger is not registered with this server"), "{said}");
    assert!(said.contains("王芳 (rdt_wangfang)"), "names the chief to ask: {said}");
    assert!(!said.contains("panicked"), "{said}");
}

#[test]
fn a_unit_user_lists_views_and_changes_only_its_units_tickets() {
    let Some(h) = host() else { return };
    let (mine, theirs) = (h.lunjiao.to_string(), h.daliang.to_string());
    let listed =
        stdout(&as_user(&h, UNIT_LUNJIAO, &["tickets", "list", "--status", "all", "--format", "json"]));
    assert_eq!(ids_listed(&listed), vec![h.lunjiao.0]);
    let asked_for_daliang =
        stdout(&as_user(&h, UNIT_LUNJIAO, &["tickets", "list", "--unit", "daliang", "--format", "json"]));
    assert!(!ids_listed(&asked_for_daliang).contains(&h.daliang.0));
    refused(&as_user(&h, UNIT_LUNJIAO, &["ticket", "show", &theirs]));
    // Another unit's ticket is not even found (the engine's own refusal, should the number get
    // through, is in tests/roles.rs).
    let said = refused(&as_user(&h, UNIT_LUNJIAO, &["ticket", "sign", &theirs]));
    assert!(said.contains(&format!("no ticket \"{theirs}\"")), "{said}");
    refused(&as_user(&h, UNIT_LUNJIAO, &["ticket", "contact", &theirs, "--note", "已联系"]));
    // Both consumers share the phone number: the unit finds only its own ticket by it.
    let by_phone = stdout(&as_user(
        &h,
        UNIT_LUNJIAO,
        &["tickets", "list", "--search", "13712345678", "--format", "json"],
    ));
    assert_eq!(ids_listed(&by_phone), vec![h.lunjiao.0]);
    let signed = stdout(&as_user(&h, UNIT_LUNJIAO, &["ticket", "sign", &mine]));
    assert!(signed.contains("伦教分局 签收"), "the unit reads the events of its own ticket: {signed}");
    stdout(&as_user(&h, UNIT_LUNJIAO, &["ticket", "show", &mine]));
    let said = refused(&as_user(&h, UNIT_LUNJIAO, &["ticket", "recall", &mine, "--reason", "误派"]));
    assert!(said.contains("needs the role clerk or chief"), "{said}");
    assert_eq!(actors(&h, h.daliang).last().map(String::as_str), Some("李娜"), "大良's ticket untouched");
    assert_eq!(actors(&h, h.lunjiao).last().map(String::as_str), Some(UNIT_LUNJIAO));
}

#[test]
fn a_viewer_reads_and_changes_nothing() {
    let Some(h) = host() else { return };
    let id = h.lunjiao.to_string();
    stdout(&as_user(&h, VIEWER, &["tickets", "list"]));
    stdout(&as_user(&h, VIEWER, &["ticket", "show", &id]));
    let said = refused(&as_user(&h, VIEWER, &["ticket", "note", &id, "--text", "看看"]));
    assert!(said.contains("needs the role"), "{said}");
    refused(&as_user(&h, VIEWER, &["ticket", "show", &id, "--reveal"]));
    let register = [
        "ticket",
        "register",
        "--channel",
        "walkin",
        "--kind",
        "complaint",
        "--title",
        "空调安装后漏水",
        "--name",
        "张伟",
        "--phone",
        "13800001234",
    ];
    refused(&as_user(&h, VIEWER, &register));
    assert_eq!(actors(&h, h.lunjiao).len(), 3, "registered, triaged, dispatched: nothing more");
}

#[test]
fn as_from_a_clerk_is_refused_and_a_clerks_command_is_recorded_with_the_clerks_login() {
    let Some(h) = host() else { return };
    let id = h.lunjiao.to_string();
    let said = refused(&as_user(&h, CLERK, &["--as", "王芳", "ticket", "note", &id, "--text", "已电话督促"]));
    assert!(said.contains("acting for someone else is a chief's"), "{said}");
    stdout(&as_user(&h, CLERK, &["ticket", "note", &id, "--text", "已电话督促"]));
    assert_eq!(actors(&h, h.lunjiao).last().map(String::as_str), Some(CLERK), "not root, whatever USER says");
    stdout(&as_user(&h, CHIEF, &["--as", CLERK, "ticket", "note", &id, "--text", "科长代为登记"]));
    assert_eq!(actors(&h, h.lunjiao).last().map(String::as_str), Some("rdt_wangfang acting as rdt_chenli"));
}

#[test]
fn every_internal_command_from_a_client_is_refused_even_from_the_servers_own_user() {
    let Some(h) = host() else { return };
    // Root is the server's own user, a chief here: still a client.
    let mut client = Client::attach(&h.data).unwrap().unwrap();
    let snapshot = rightsdesk::domain::ticket::Ticket::blank(TicketId(0), Timestamp::parse(NOW).unwrap());
    let ingest = rightsdesk::engine::Ingest {
        channel: "12345".into(),
        cursor: Some("99999999".into()),
        tickets: vec![complaint("SD-FORGED-1", "伪造工单")],
        malformed: vec![],
        released: vec![],
    };
    let commands = [
        EngineCommand::Ingest(Box::new(ingest)),
        EngineCommand::Delivery { outbox: 1, result: rightsdesk::engine::DeliveryResult::Delivered },
        EngineCommand::Backfill(Box::new(snapshot)),
        EngineCommand::FireAlarms,
    ];
    let envelopes =
        commands.into_iter().map(|command| Envelope { actor: "sync:12345".into(), command }).collect();
    for result in client.execute_all(envelopes).unwrap() {
        let e = result.unwrap_err().to_string();
        assert!(e.contains("is the server's own"), "{e}");
    }
    // And from a clerk, through the command line: the units' tokens are a chief's.
    let said = refused(&as_user(&h, CLERK, &["unit", "token", "issue", "lunjiao"]));
    assert!(said.contains("needs the role chief"), "{said}");
}

#[test]
fn status_shows_uptime_channels_outbox_and_who_is_attached() {
    let Some(h) = host() else { return };
    let mut console =
        Client::attach_with(&h.data, &rightsdesk::remote::Hello { as_user: None, console: true })
            .unwrap()
            .unwrap();
    console.viewing(Some(h.daliang)).unwrap();
    let out = as_user(&h, CLERK, &["status", "--format", "json"]);
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(v["uptime_secs"].is_u64() && v["channels"].as_array().unwrap().len() >= 14, "{v}");
    assert!(v["outbox_pending"].is_u64(), "{v}");
    let attached = v["attached"].as_array().unwrap();
    let root = attached.iter().find(|a| a["console"] == true).expect("the console is listed");
    assert_eq!(root["viewing"], h.daliang.0);
    assert!(attached.iter().any(|a| a["login"] == CLERK && a["role"] == "clerk"), "{v}");
    // 伦教's staff do not see who has 大良's ticket open.
    let theirs: Value =
        serde_json::from_str(&stdout(&as_user(&h, UNIT_LUNJIAO, &["status", "--format", "json"]))).unwrap();
    assert!(theirs["attached"].as_array().unwrap().iter().all(|a| a["viewing"].is_null()), "{theirs}");
    let table = stdout(&as_user(&h, CLERK, &["status"]));
    assert!(table.contains("attached: 2 (1 console(s))") && table.contains("陈丽 (rdt_chenli)"), "{table}");
}
