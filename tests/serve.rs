//! `rightsdesk serve` against a real simulator process on 127.0.0.1: while it runs, commands
//! from other processes work through `DATA/serve.sock`; it stops cleanly on SIGTERM; and when
//! it is killed with SIGKILL at random moments and restarted, every write-back and every SMS
//! still reaches the simulator under exactly one idempotency key.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rightsdesk::domain::action::TicketAction;
use rightsdesk::domain::event::EventBody;
use rightsdesk::domain::ticket::{Kind, TicketId};
use rightsdesk::engine::{
    Answer, Command as EngineCommand, Engine, Envelope, ListFilter, Outcome, Query, StatusFilter,
};
use rightsdesk::remote::{Client, Notice};
use rightsdesk::time::Clock;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

mod support;
use support::SimProcess;

const NOW: &str = "2026-11-28T10:00:00+08:00";

struct Dirs {
    _tmp: tempfile::TempDir,
    data: PathBuf,
    config: PathBuf,
}

fn dirs() -> Dirs {
    let tmp = tempfile::tempdir().unwrap();
    let (data, config) = (tmp.path().join("data"), tmp.path().join("config"));
    std::fs::create_dir_all(&config).unwrap();
    Dirs { _tmp: tmp, data, config }
}

/// The binary on a data directory, with the fixed "now", no input and no channel secrets from
/// the environment.
fn rightsdesk(data: &Path, config: &Path) -> Command {
    let mut command = support::rightsdesk_on(data, NOW);
    command.arg("--config").arg(config).stdin(Stdio::null());
    for (name, _) in std::env::vars().filter(|(name, _)| name.starts_with("RIGHTSDESK_SECRET_")) {
        command.env_remove(name);
    }
    command
}

fn desk(d: &Dirs, args: &[&str]) -> Output {
    rightsdesk(&d.data, &d.config).args(["--as", "李娜"]).args(args).output().unwrap()
}

fn ok(out: &Output) -> String {
    assert!(out.status.success(), "exit {:?}: {}", out.status.code(), String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `rightsdesk serve`, ready once its socket answers.
struct Server {
    child: Child,
}

impl Server {
    /// `serve --sim URL`.
    fn start(d: &Dirs, sim: &SimProcess) -> Server {
        Server::start_with(d, &["--sim", &sim.base])
    }

    fn start_with(d: &Dirs, args: &[&str]) -> Server {
        let child = rightsdesk(&d.data, &d.config)
            .args(["serve", "--units-listen", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starts serve");
        let server = Server { child };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(Some(_)) = Client::attach(&d.data) {
                return server;
            }
            assert!(Instant::now() < deadline, "serve did not open its socket within 60 s");
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// SIGTERM, and how the process ended.
    fn terminate(mut self) -> std::process::ExitStatus {
        // SAFETY: sending a signal to our own child has no memory-safety preconditions.
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGTERM);
        }
        self.child.wait().unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The login of the Unix user running the tests: who the server takes its clients to be.
fn me() -> String {
    // SAFETY: geteuid has no preconditions.
    rightsdesk::remote::sessions::login_of(unsafe { libc::geteuid() }).unwrap()
}

fn attach(d: &Dirs) -> Client {
    Client::attach(&d.data).unwrap().expect("a server is running")
}

fn tickets_in(client: &mut Client, status: &str) -> Vec<TicketId> {
    let status = StatusFilter::Only(vec![rightsdesk::domain::status::Status::parse(status).unwrap()]);
    match client.query(Query::List(ListFilter { status, ..Default::default() })).unwrap().unwrap() {
        Answer::List(rows) => rows.iter().map(|r| TicketId(r.id)).collect(),
        other => panic!("{other:?}"),
    }
}

/// A clerk triages and dispatches up to `n` registered tickets to handling units.
fn dispatch_some(client: &mut Client, n: usize, units: &[String], rng: &mut StdRng) -> usize {
    let mut envelopes = Vec::new();
    let registered = tickets_in(client, "registered");
    for id in registered.iter().take(n) {
        let act =
            |action| Envelope { actor: "李娜".into(), command: EngineCommand::Act { ticket: *id, action } };
        envelopes.push(act(TicketAction::Triage {
            kind: Kind::Complaint,
            category: Some("家用电器".into()),
            dispute_type: Some("质量".into()),
        }));
        let unit = units[rng.random_range(0..units.len())].clone();
        envelopes.push(act(TicketAction::Dispatch { unit }));
    }
    let results = client.execute_all(envelopes).unwrap();
    results.chunks(2).filter(|pair| pair.iter().all(Result::is_ok)).count()
}

#[test]
fn while_serve_runs_commands_from_other_processes_go_through_its_socket() {
    let sim = SimProcess::start(&["--rate", "0", "--tickets", "30", "--seed", "21"], NOW);
    let d = dirs();
    let server = Server::start(&d, &sim);

    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(d.data.join("serve.sock")).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o660, "the socket is for the server's user and group only");

    let synced = desk(&d, &["sync", "--once", "--timeout", "60"]);
    assert_eq!(synced.status.code(), Some(0), "{}", String::from_utf8_lossy(&synced.stderr));
    let listed: Value =
        serde_json::from_str(&ok(&desk(&d, &["tickets", "list", "--format", "json"]))).unwrap();
    let first = listed.as_array().unwrap().first().expect("tickets arrived").clone();
    let id = first["id"].as_u64().unwrap().to_string();

    ok(&desk(
        &d,
        &["ticket", "triage", &id, "--kind", "complaint", "--category", "食品", "--dispute-type", "质量"],
    ));
    ok(&desk(&d, &["ticket", "dispatch", &id, "--unit", "大良分局"]));
    let shown: Value =
        serde_json::from_str(&ok(&desk(&d, &["ticket", "show", &id, "--format", "json"]))).unwrap();
    assert_eq!(shown["unit"], "daliang");
    let actors: Vec<&str> =
        shown["timeline"].as_array().unwrap().iter().filter_map(|e| e["actor"].as_str()).collect();
    assert_eq!(
        actors[0],
        "sync:".to_string() + first["channel"].as_str().unwrap(),
        "registered by the server's sync"
    );
    // The test runs as the server's own Unix user, a chief: its --as is honoured and recorded.
    let acting = format!("{} acting as 李娜", me());
    assert!(actors.contains(&acting.as_str()), "the clerk's actions are in the audit trail: {actors:?}");
    let details: Vec<&str> =
        shown["timeline"].as_array().unwrap().iter().filter_map(|e| e["detail"].as_str()).collect();
    assert!(details.contains(&"派单至 大良分局"), "the timeline names the unit: {details:?}");

    let refused = desk(&d, &["ticket", "close", &id]);
    assert_eq!(refused.status.code(), Some(1), "a refused action through the socket is still an error");
    assert!(!String::from_utf8_lossy(&refused.stderr).is_empty());

    let letters = d.config.parent().unwrap().join("letters.csv");
    std::fs::write(
        &letters,
        "channel_ticket_id,kind,received_at,town,complainant_name,respondent_name,facts\n\
         XF-2026-0412,complaint,2026-11-27 16:00,伦教,王先生,佛山市顺德区某某家具有限公司,沙发开裂\n",
    )
    .unwrap();
    let imported = ok(&desk(&d, &["import", letters.to_str().unwrap(), "--channel", "letter"]));
    assert!(imported.contains("1 registered"), "{imported}");
    ok(&desk(&d, &["ticket", "show", "letter:XF-2026-0412"]));
    // Forty at once: the server writes them as one group of registrations, kept as runs.
    let many = d.config.parent().unwrap().join("letters-40.csv");
    let mut csv =
        String::from("channel_ticket_id,kind,received_at,town,complainant_name,respondent_name,facts\n");
    for i in 0..40 {
        csv.push_str(&format!(
            "XF-2026-05{i:02},complaint,2026-11-27 16:{i:02},伦教,王先生,佛山市顺德区某某家具有限公司,沙发开裂\n"
        ));
    }
    std::fs::write(&many, csv).unwrap();
    let imported = ok(&desk(&d, &["import", many.to_str().unwrap(), "--channel", "letter"]));
    assert!(imported.contains("40 registered"), "{imported}");
    ok(&desk(&d, &["ticket", "show", "letter:XF-2026-0539"]));
    let token = ok(&desk(&d, &["unit", "token", "issue", "ronggui"]));
    assert_eq!(token.trim().len(), 64, "a fresh token, shown once");
    let outbox: Value =
        serde_json::from_str(&ok(&desk(&d, &["outbox", "list", "--all", "--format", "json"]))).unwrap();
    assert!(outbox.as_array().unwrap().iter().any(|e| e["kind"] == "sign_for"), "{outbox}");
    ok(&desk(&d, &["quarantine", "list", "--format", "json"]));

    let second = desk(&d, &["serve", "--units-listen", "127.0.0.1:0"]);
    assert_eq!(second.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&second.stderr).contains("already runs"), "{second:?}");

    let continuous = desk(&d, &["sync"]);
    assert_eq!(continuous.status.code(), Some(1), "the server already syncs");

    assert_eq!(server.terminate().code(), Some(0), "SIGTERM stops serve cleanly");
    assert!(!d.data.join("serve.sock").exists(), "the socket is removed on a clean stop");
    let after: Value =
        serde_json::from_str(&ok(&desk(&d, &["ticket", "show", &id, "--format", "json"]))).unwrap();
    assert_eq!(
        after["id"].as_u64(),
        first["id"].as_u64(),
        "the store opens on its own once serve has stopped"
    );
    let store = rightsdesk::store::Store::open(&d.data, &Default::default()).unwrap();
    let report = rightsdesk::store::check::verify(&store).unwrap();
    assert!(report.is_ok(), "what serve wrote, the bulk import included, checks clean: {report}");
    let runs = store.keys_in_space(rightsdesk::store::keys::RUN_TICKETS).count();
    assert_eq!(runs, 1, "the forty were kept as runs");
}

#[test]
fn sync_once_through_a_server_whose_channels_lack_secrets_names_them_not_configured_and_exits_0() {
    let d = dirs();
    let server = Server::start_with(&d, &[]);
    let out = desk(&d, &["sync", "--once", "--timeout", "2"]);
    let health = attach(&d).health().unwrap();
    server.kill();
    let rmw = health.iter().find(|h| h.channel == "rmw").expect("rmw's health is published");
    let why = rmw.not_configured.as_deref();
    assert_eq!(why, Some("environment variable RIGHTSDESK_SECRET_RMW is not set"));
    assert_eq!((rmw.last_error.as_deref(), rmw.failures), (None, 0), "not configured is no failure");
    // A channel whose secret is not provided is not configured, which is no failure.
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = "12345      not configured: environment variable RIGHTSDESK_SECRET_12345 is not set";
    assert!(stdout.contains(line), "{stdout}");
}

#[test]
fn a_data_directory_too_long_for_a_socket_works_alone_and_serve_says_why_it_cannot() {
    let d = dirs();
    let long = d.data.join("顺德区市场监督管理局消费者权益保护科工单数据目录".repeat(2));
    let run = |args: &[&str]| rightsdesk(&long, &d.config).args(args).output().unwrap();
    assert!(long.join("serve.sock").as_os_str().len() > 107);
    ok(&run(&["tickets", "list"]));
    let serve = run(&["serve", "--units-listen", "127.0.0.1:0"]);
    assert_eq!(serve.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&serve.stderr).contains("shorter --data"), "{serve:?}");
    ok(&run(&["tickets", "list"]));
}

#[test]
fn a_command_facing_a_frozen_server_gives_up_after_the_handshake_timeout() {
    let sim = SimProcess::start(&["--rate", "0", "--tickets", "1", "--seed", "27"], NOW);
    let d = dirs();
    let server = Server::start(&d, &sim);
    let pid = server.child.id() as i32;
    // SAFETY: signalling our own child process.
    unsafe { libc::kill(pid, libc::SIGSTOP) };
    let started = Instant::now();
    let out = desk(&d, &["tickets", "list"]);
    unsafe { libc::kill(pid, libc::SIGCONT) };
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("did not answer"), "{out:?}");
    assert!(started.elapsed() < Duration::from_secs(30), "it gave up rather than hang");
}

#[test]
fn a_subscriber_hears_each_change_and_channel_health() {
    // Tickets keep arriving (10 a second), so there is news after the watcher subscribes.
    let sim = SimProcess::start(&["--rate", "600", "--tickets", "2000", "--seed", "22"], NOW);
    let d = dirs();
    let _server = Server::start(&d, &sim);
    let mut watcher = attach(&d);
    watcher.subscribe().unwrap();
    let (mut changes, mut health) = (0, 0);
    let deadline = Instant::now() + Duration::from_secs(60);
    while (changes == 0 || health == 0) && Instant::now() < deadline {
        match watcher.next_notice().unwrap() {
            Notice::Change(c) if c.event == "registered" && c.actor.starts_with("sync:") => changes += 1,
            Notice::Health(h) if h.last_success.is_some() => health += 1,
            _ => {}
        }
    }
    assert!(changes > 0, "registrations by the sync workers are pushed to subscribers");
    assert!(health > 0, "channel health is pushed to subscribers");

    let mut clerk = attach(&d);
    let id = tickets_in(&mut clerk, "registered")[0];
    let note = Envelope {
        actor: "王芳".into(),
        command: EngineCommand::Act {
            ticket: id,
            action: TicketAction::Note { text: "已电话联系消费者".into() },
        },
    };
    let seq = match clerk.execute_all(vec![note]).unwrap().pop().unwrap().unwrap() {
        Outcome::Applied(c) => c[0].seq,
        other => panic!("{other:?}"),
    };
    loop {
        if let Notice::Change(c) = watcher.next_notice().unwrap()
            && c.seq == seq
        {
            // Recorded as the Unix user behind the socket, not as the envelope claims.
            assert_eq!((c.ticket, c.actor.as_str()), (id, me().as_str()));
            break;
        }
    }
}

#[test]
fn a_client_of_another_protocol_version_is_refused_with_the_reason() {
    let sim = SimProcess::start(&["--rate", "0", "--tickets", "1", "--seed", "23"], NOW);
    let d = dirs();
    let _server = Server::start(&d, &sim);
    let mut stream = UnixStream::connect(d.data.join("serve.sock")).unwrap();
    stream.write_all(b"{\"hello\":{\"protocol\":99,\"client\":\"rightsdesk 9.0\"}}\n").unwrap();
    let mut line = String::new();
    BufReader::new(&stream).read_line(&mut line).unwrap();
    let reply: Value = serde_json::from_str(&line).unwrap();
    let reason = reply["refused"]["reason"].as_str().unwrap();
    assert!(
        reason.contains(&format!("protocol {}", rightsdesk::remote::wire::PROTOCOL)) && reason.contains("99"),
        "{reason}"
    );

    let mut twice = UnixStream::connect(d.data.join("serve.sock")).unwrap();
    let hello =
        format!("{{\"hello\":{{\"protocol\":{},\"client\":\"t\"}}}}\n", rightsdesk::remote::wire::PROTOCOL);
    twice.write_all(format!("{hello}{hello}").as_bytes()).unwrap();
    let replies: Vec<String> = BufReader::new(&twice).lines().map(Result::unwrap).collect();
    assert_eq!(replies.len(), 2, "welcome, then the refusal, then the connection ends: {replies:?}");
    assert!(replies[1].contains("hello twice"), "{replies:?}");

    let mut rude = UnixStream::connect(d.data.join("serve.sock")).unwrap();
    rude.write_all(b"{\"query\":{\"id\":1,\"query\":{\"resolve\":\"1\"}}}\n").unwrap();
    let mut line = String::new();
    BufReader::new(&rude).read_line(&mut line).unwrap();
    assert!(line.contains("hello first"), "{line}");
}

#[test]
fn commands_sent_back_to_back_on_one_connection_are_applied_in_order_and_answered_after_a_half_close() {
    let sim = SimProcess::start(&["--rate", "0", "--tickets", "3", "--seed", "26"], NOW);
    let d = dirs();
    let _server = Server::start(&d, &sim);
    let mut clerk = attach(&d);
    let deadline = Instant::now() + Duration::from_secs(30);
    let id = loop {
        if let Some(id) = tickets_in(&mut clerk, "registered").first() {
            break *id;
        }
        assert!(Instant::now() < deadline, "no ticket arrived");
        std::thread::sleep(Duration::from_millis(50));
    };
    let frame = |n: u64, action: TicketAction| {
        let envelope =
            Envelope { actor: "赵敏".into(), command: EngineCommand::Act { ticket: id, action } };
        serde_json::json!({ "execute": { "id": n, "envelopes": [envelope] } }).to_string()
    };
    let triage = frame(
        1,
        TicketAction::Triage {
            kind: Kind::Complaint, category: Some("通讯器材".into()), dispute_type: None
        },
    );
    let dispatch = frame(2, TicketAction::Dispatch { unit: "leliu".into() });
    let mut stream = UnixStream::connect(d.data.join("serve.sock")).unwrap();
    let protocol = rightsdesk::remote::wire::PROTOCOL;
    let text =
        format!("{{\"hello\":{{\"protocol\":{protocol},\"client\":\"raw\"}}}}\n{triage}\n{dispatch}\n");
    stream.write_all(text.as_bytes()).unwrap();
    // The client says it is done sending; what it asked is still answered.
    stream.shutdown(std::net::Shutdown::Write).unwrap();
    let replies: Vec<Value> =
        BufReader::new(&stream).lines().map(|l| serde_json::from_str(&l.unwrap()).unwrap()).collect();
    let executed: Vec<&Value> = replies.iter().filter_map(|r| r.get("executed")).collect();
    assert_eq!(executed.len(), 2, "{replies:?}");
    for e in executed {
        assert!(e["results"][0].get("Ok").is_some(), "dispatch after triage, in the order sent: {e}");
    }
}

/// The effects a store's event log intends: write-back keys of remote tickets and SMS keys.
fn intended_effects(data: &Path, config: &Path) -> (BTreeSet<String>, BTreeSet<String>, usize) {
    let config = Arc::new(rightsdesk::config::load(Some(config)).unwrap());
    let engine = Engine::open(data, config, Clock::from_env().unwrap()).unwrap();
    let Answer::EventsAfter(events) =
        engine.reader().query(&Query::EventsAfter { seq: 0, limit: usize::MAX }).unwrap()
    else {
        panic!("events")
    };
    let (mut writebacks, mut sms, mut resolved) = (BTreeSet::new(), BTreeSet::new(), 0);
    for e in &events {
        match &e.body {
            EventBody::Resolved { .. } => {
                resolved += 1;
                writebacks.insert(format!("writeback:{}", e.seq));
            }
            EventBody::Dispatched { .. } => {
                sms.insert(format!("sms:dispatch:{}", e.seq));
            }
            _ => {}
        }
    }
    // A 催办 goes out for a deadline alarm only while a unit holds the ticket: the outbox says
    // which alarms called for one, and each must be an alarm of the log.
    let alarms: BTreeSet<u64> =
        events.iter().filter(|e| matches!(e.body, EventBody::DeadlineAlarm { .. })).map(|e| e.seq).collect();
    let Answer::Outbox(outbox) = engine.reader().query(&Query::Outbox { all: true }).unwrap() else {
        panic!("outbox")
    };
    for entry in outbox {
        let key = entry.effect.key;
        if let Some(seq) = key.strip_prefix("sms:due_soon:").or(key.strip_prefix("sms:overdue:")) {
            assert!(alarms.contains(&seq.parse().unwrap()), "{key} is not an alarm of the log");
            sms.insert(key);
        }
    }
    (writebacks, sms, resolved)
}

fn keys_of(ledger: &Value, part: &str) -> (Vec<String>, usize) {
    let mut keys = Vec::new();
    let mut most = 0;
    for entry in ledger[part].as_array().unwrap() {
        let k: Vec<String> =
            entry["keys"].as_array().unwrap().iter().map(|k| k.as_str().unwrap().to_string()).collect();
        if part != "sms" {
            most = most.max(k.len());
        }
        keys.extend(k);
    }
    (keys, most)
}

/// Open tickets a unit holds: dispatched and not yet written back.
fn with_units(client: &mut Client) -> usize {
    let Answer::List(rows) = client.query(Query::List(ListFilter::default())).unwrap().unwrap() else {
        panic!("a list")
    };
    let idle = ["registered", "triaged", "written_back", "followed_up", "reopened", "suspended"];
    rows.iter().filter(|r| !idle.contains(&r.status.as_str())).count()
}

fn ledger(sim: &SimProcess) -> Value {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        http.get(format!("{}/_sim/ledger", sim.base)).send().await.unwrap().json().await.unwrap()
    })
}

#[test]
fn serve_raises_the_alarms_that_came_due_while_it_was_down_and_reminds_the_unit() {
    let d = dirs();
    let letters = d.config.parent().unwrap().join("letters.csv");
    // Received Wed 11-18: 7 working days ran out on Fri 11-27, so overdue on Sat 11-28.
    // Received Thu 11-19: due Mon 11-30, so due soon.
    std::fs::write(
        &letters,
        "channel_ticket_id,kind,received_at,town,complainant_name,complainant_phone,respondent_name,facts\n\
         XF-2026-0388,complaint,2026-11-18 09:00,伦教,陈女士,13800138000,佛山市顺德区伦教某某家具厂,衣柜门板开裂要求退货\n\
         XF-2026-0391,complaint,2026-11-19 10:00,伦教,黄先生,13900139000,佛山市顺德区伦教某某电器店,新购冰箱不制冷\n",
    )
    .unwrap();
    ok(&desk(&d, &["import", letters.to_str().unwrap(), "--channel", "letter"]));
    for ticket in ["letter:XF-2026-0388", "letter:XF-2026-0391"] {
        ok(&desk(&d, &["ticket", "triage", ticket, "--kind", "complaint"]));
        ok(&desk(&d, &["ticket", "dispatch", ticket, "--unit", "伦教分局"]));
    }

    let sim = SimProcess::start(&["--rate", "0", "--tickets", "1", "--seed", "25"], NOW);
    let server = Server::start(&d, &sim);
    let deadline = Instant::now() + Duration::from_secs(60);
    let reminders = loop {
        let (keys, _) = keys_of(&ledger(&sim), "sms");
        let reminders: Vec<String> = keys.into_iter().filter(|k| !k.starts_with("sms:dispatch:")).collect();
        if reminders.len() >= 2 || Instant::now() > deadline {
            break reminders;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(reminders.len(), 2, "one 催办 per alarm: {reminders:?}");
    assert!(reminders.iter().any(|k| k.starts_with("sms:overdue:")), "{reminders:?}");
    assert!(reminders.iter().any(|k| k.starts_with("sms:due_soon:")), "{reminders:?}");

    let shown: Value =
        serde_json::from_str(&ok(&desk(&d, &["ticket", "show", "letter:XF-2026-0388", "--format", "json"])))
            .unwrap();
    let alarm = shown["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "overdue")
        .expect("an overdue entry");
    assert_eq!(alarm["actor"], "scheduler");
    drop(server);
}

#[test]
fn serve_killed_at_random_moments_still_delivers_each_writeback_and_sms_under_one_key() {
    let sim = SimProcess::start(
        &[
            "--rate",
            "0",
            "--tickets",
            "60",
            "--seed",
            "24",
            "--unit-delay",
            "20ms..120ms",
            "--faults",
            "5xx=0.1",
        ],
        NOW,
    );
    let d = dirs();
    let units: Vec<String> = ["daliang", "ronggui", "lunjiao", "beijiao", "lecong", "chencun"]
        .into_iter()
        .map(String::from)
        .collect();
    let mut rng = StdRng::seed_from_u64(24);
    let mut dispatched = 0;
    for _ in 0..12 {
        let server = Server::start(&d, &sim);
        let mut clerk = attach(&d);
        dispatched += dispatch_some(&mut clerk, rng.random_range(1..=5), &units, &mut rng);
        std::thread::sleep(Duration::from_millis(rng.random_range(100..1500)));
        server.kill();
    }
    assert!(!d.data.join("serve.sock").exists() || Client::attach(&d.data).unwrap().is_none());

    let server = Server::start(&d, &sim);
    let mut clerk = attach(&d);
    while dispatch_some(&mut clerk, 20, &units, &mut rng) > 0 {}
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let open = with_units(&mut clerk);
        let report = clerk.sync_once(30).unwrap().unwrap();
        if open == 0 && report.pending == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{open} tickets still with units, {} effects pending",
            report.pending
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    drop(clerk);
    assert_eq!(server.terminate().code(), Some(0));

    let ledger = ledger(&sim);
    let (intended_writebacks, intended_sms, resolved) = intended_effects(&d.data, &d.config);
    assert!(dispatched > 0 && resolved >= 40, "the units worked the tickets ({resolved} resolved)");

    let (writeback_keys, most) = keys_of(&ledger, "writebacks");
    assert_eq!(most, 1, "a ticket's write-back arrived under more than one key");
    assert_eq!(writeback_keys.iter().cloned().collect::<BTreeSet<_>>(), intended_writebacks);
    assert_eq!(writeback_keys.len(), intended_writebacks.len(), "one key per write-back");

    let (sms_keys, _) = keys_of(&ledger, "sms");
    assert_eq!(sms_keys.iter().cloned().collect::<BTreeSet<_>>(), intended_sms);
    assert_eq!(sms_keys.len(), intended_sms.len(), "one key per SMS");

    let (signed_keys, most) = keys_of(&ledger, "signed");
    assert_eq!(most, 1);
    let generated_valid =
        ledger["generated"].as_array().unwrap().iter().filter(|g| g["valid"] == true).count();
    assert_eq!(signed_keys.len(), generated_valid, "every ticket signed for once");
    let counts: HashMap<&str, u64> = ["writebacks", "sms"]
        .iter()
        .map(|p| (*p, ledger[*p].as_array().unwrap().iter().map(|e| e["count"].as_u64().unwrap()).sum()))
        .collect();
    eprintln!(
        "{dispatched} dispatched while being killed, {resolved} resolved, {} write-backs, {} SMS; arrivals with redeliveries: {counts:?}",
        writeback_keys.len(),
        sms_keys.len()
    );
}
