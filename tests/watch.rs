//! Early warnings as events, and the merchant watch list. A surge is raised by the server's own
//! warning scheduler as one store-wide event, once: evaluated again, or after a restart, it
//! writes nothing; it clears on a later day when the surge is over. A chief puts a merchant on
//! watch (a clerk is refused, naming the role chief); its tickets, old and new, are flagged in
//! the queues and listed by the "watched merchants" view. Time is fixed; moving it means
//! reopening the engine with a later clock, as a server restarted later.

use rightsdesk::config::{self, Config};
use rightsdesk::domain::credit_code::with_check_char;
use rightsdesk::domain::event::{EventBody, STORE_WIDE};
use rightsdesk::domain::role::{Person, Role};
use rightsdesk::domain::ticket::{Complainant, Dispute, Intake, Kind, NewTicket, Respondent, TicketId};
use rightsdesk::domain::watch::WatchTarget;
use rightsdesk::engine::marks::WATCHED_FLAG;
use rightsdesk::engine::stats::StatsQuery;
use rightsdesk::engine::warnings::WARNINGS;
use rightsdesk::engine::window::{Scope, ViewSpec, WindowQuery};
use rightsdesk::engine::{Command, Engine, EngineError, Envelope, Origin, Outcome};
use rightsdesk::stats::warnings::Subject;
use rightsdesk::time::{Clock, Timestamp};
use std::sync::Arc;

const NOW: &str = "2026-11-27T10:00:00+08:00";
/// The merchant of the planted surge: a gym that closed with its members' prepaid cards.
const GYM: &str = "顺德区悦享健身会所";
/// Ten appliance shops that each get a complaint now and then: the noise.
const SHOPS: [&str; 10] = [
    "顺德区大良美家电器商行",
    "容桂华润电器城",
    "伦教新世纪家电",
    "勒流顺发电器店",
    "北滘美的电器专卖",
    "陈村万家乐电器",
    "乐从国美电器",
    "龙江苏宁易购",
    "杏坛永安电器",
    "均安好帮手电器",
];

fn config() -> Arc<Config> {
    Arc::new(config::load(None).expect("built-in configuration"))
}

fn at(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

fn chief() -> Origin {
    Origin::Person(Arc::new(Person {
        login: "wangfang".into(),
        name: "王芳".into(),
        role: Role::Chief,
        acting_as: None,
    }))
}

fn clerk() -> Origin {
    Origin::Person(Arc::new(Person {
        login: "chenli".into(),
        name: "陈丽".into(),
        role: Role::Clerk,
        acting_as: None,
    }))
}

fn complaint(ext: &str, received: Timestamp, merchant: &str, code: Option<&str>) -> NewTicket {
    NewTicket {
        kind: Some(Kind::Complaint),
        intake: Intake {
            channel: "walkin".into(),
            channel_ticket_id: ext.into(),
            received_at: Some(received),
            town: Some("大良街道".into()),
            ..Intake::default()
        },
        complainant: Complainant {
            name: Some("陈美玲".into()),
            phone: Some(format!("1380013{:04}", ext.len() * 37 % 10_000)),
            ..Complainant::default()
        },
        respondent: Respondent {
            name: Some(merchant.into()),
            credit_code: code.map(str::to_string),
            ..Respondent::default()
        },
        dispute: Dispute { title: "商家拒绝退款".into(), ..Dispute::default() },
        attachments: vec![],
    }
}

/// A store and an engine whose clock is moved by reopening it.
struct Desk {
    dir: tempfile::TempDir,
    engine: Option<Engine>,
}

impl Desk {
    fn new(now: &str) -> Desk {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::open(dir.path(), config(), Clock::Fixed(at(now))).unwrap();
        Desk { dir, engine: Some(engine) }
    }

    /// The server restarted at `now`.
    fn restart_at(&mut self, now: &str) {
        self.engine.take().unwrap().close().unwrap();
        self.engine = Some(Engine::open(self.dir.path(), config(), Clock::Fixed(at(now))).unwrap());
    }

    fn engine(&mut self) -> &mut Engine {
        self.engine.as_mut().unwrap()
    }

    fn register_all(&mut self, tickets: Vec<NewTicket>) -> Vec<TicketId> {
        let envelopes = tickets
            .into_iter()
            .map(|t| Envelope { actor: "sync:walkin".into(), command: Command::Register(Box::new(t)) })
            .collect();
        self.engine().execute_all(envelopes).into_iter().map(|r| r.unwrap().ticket().unwrap()).collect()
    }

    /// Three complaints a day for the 31 days up to `NOW` about the ten shops in turn.
    fn noise(&mut self) {
        let now = at(NOW);
        let tickets = (0..93)
            .map(|i| {
                let received = now.plus_seconds(-(i / 3) * 86_400 - (i % 3) * 3_600);
                complaint(&format!("LF-N{i:03}"), received, SHOPS[i as usize % 10], None)
            })
            .collect();
        self.register_all(tickets);
    }

    /// Eight complaints about the gym in the last three days (it had none before).
    fn surge(&mut self) -> Vec<TicketId> {
        let now = at(NOW);
        let tickets = (0..8)
            .map(|i| complaint(&format!("LF-S{i:02}"), now.plus_seconds(-i * 7_200), GYM, None))
            .collect();
        self.register_all(tickets)
    }

    /// One evaluation of the warning scheduler: what it found, sent as the server's own command.
    fn evaluate(&mut self) -> Vec<rightsdesk::engine::Change> {
        let found = self.engine().reader().current_warnings().unwrap();
        let command = Envelope { actor: WARNINGS.into(), command: Command::RaiseWarnings { found } };
        match self.engine().execute(command).unwrap() {
            Outcome::Applied(changes) => changes,
            other => panic!("RaiseWarnings gave {other:?}"),
        }
    }

    fn store_wide_events(&mut self) -> Vec<(String, EventBody)> {
        let store = self.engine().store().clone();
        store
            .events_after(0)
            .map(Result::unwrap)
            .filter(|e| e.ticket == STORE_WIDE)
            .map(|e| (e.actor, e.body))
            .collect()
    }

    fn raised(&mut self) -> Vec<(Subject, String, usize)> {
        self.store_wide_events()
            .into_iter()
            .filter_map(|(_, body)| match body {
                EventBody::WarningRaised(w) => Some((w.subject, w.key, w.tickets.len())),
                _ => None,
            })
            .collect()
    }

    fn window(&mut self, view: ViewSpec) -> rightsdesk::engine::window::Window {
        let q = WindowQuery { view, offset: 0, limit: 100, anchor: None };
        self.engine().reader().window(&q).unwrap()
    }
}

fn watched_view() -> ViewSpec {
    ViewSpec { scope: Scope::All, watched: true, ..ViewSpec::default() }
}

#[test]
fn a_planted_surge_raises_exactly_one_warning_event_with_its_tickets() {
    let mut desk = Desk::new(NOW);
    desk.noise();
    let surge = desk.surge();
    let changes = desk.evaluate();
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(desk.raised(), vec![(Subject::Merchant, GYM.to_string(), 8)]);
    let events = desk.store_wide_events();
    let (actor, body) = events.last().unwrap();
    assert_eq!(actor, WARNINGS, "raised by the server's warning scheduler");
    let EventBody::WarningRaised(w) = body else { panic!("{body:?}") };
    assert_eq!((w.count, w.expected), (8, 0.3), "8 tickets in 3 days against the floor of 0.1 a day");
    assert_eq!((w.from.to_string(), w.to.to_string()), ("2026-11-25".into(), "2026-11-27".into()));
    let mut tickets = w.tickets.clone();
    tickets.sort();
    assert_eq!(tickets, surge);
    assert!(
        body.detail().starts_with("维权预警：经营者「顺德区悦享健身会所」11-25至11-27 8 件"),
        "{}",
        body.detail()
    );
}

#[test]
fn a_surge_evaluated_twice_or_after_a_restart_is_still_one_warning() {
    let mut desk = Desk::new(NOW);
    desk.noise();
    desk.surge();
    assert_eq!(desk.evaluate().len(), 1);
    assert!(desk.evaluate().is_empty(), "a second evaluation raises nothing");
    desk.restart_at("2026-11-27T16:00:00+08:00");
    assert!(desk.evaluate().is_empty(), "nor does one after a restart");
    assert_eq!(desk.raised().len(), 1);
    let report = rightsdesk::store::check::verify_with(desk.engine().store(), &config()).unwrap();
    assert!(report.is_ok(), "the store stays consistent: {report}");
}

#[test]
fn noise_raises_no_warning() {
    let mut desk = Desk::new(NOW);
    desk.noise();
    assert!(desk.evaluate().is_empty());
    assert!(desk.raised().is_empty());
}

#[test]
fn a_warning_clears_on_a_later_day_once_the_surge_is_over_and_leaves_the_warnings_view() {
    let mut desk = Desk::new(NOW);
    desk.noise();
    desk.surge();
    desk.evaluate();
    let warned = ViewSpec { scope: Scope::All, warned: true, ..ViewSpec::default() };
    assert_eq!(desk.window(warned.clone()).total, 8, "the warnings view lists its tickets");
    desk.restart_at("2026-12-03T09:00:00+08:00");
    let changes = desk.evaluate();
    assert_eq!(changes.iter().map(|c| c.event.as_str()).collect::<Vec<_>>(), ["warning_cleared"]);
    assert_eq!(desk.window(warned).total, 0);
    let cleared = desk.store_wide_events().pop().unwrap();
    assert_eq!(cleared.1.detail(), "预警解除：经营者「顺德区悦享健身会所」");
}

#[test]
fn warnings_are_the_servers_own_a_person_cannot_raise_one() {
    let mut desk = Desk::new(NOW);
    let command = Envelope { actor: "wangfang".into(), command: Command::RaiseWarnings { found: vec![] } };
    let result = desk.engine().execute_from(vec![(chief(), command)]).pop().unwrap();
    let Err(e) = result else { panic!("a person raised warnings") };
    assert!(e.to_string().contains("the server's own"), "{e}");
}

#[test]
fn a_clerk_is_refused_putting_a_merchant_on_watch_naming_the_role_chief() {
    let mut desk = Desk::new(NOW);
    let command = Command::WatchMerchant {
        merchant: WatchTarget::Name(GYM.into()),
        name: None,
        reason: "预付卡投诉集中".into(),
    };
    let result = desk.engine().execute_from(vec![(clerk(), Envelope { actor: "chenli".into(), command })]);
    let Err(e) = result.into_iter().next().unwrap() else { panic!("a clerk watched a merchant") };
    assert!(matches!(e, EngineError::Forbidden(_)));
    assert!(e.to_string().contains("needs the role chief"), "{e}");
    assert!(desk.store_wide_events().is_empty(), "nothing on the record");
}

#[test]
fn a_merchant_watched_by_credit_code_flags_its_old_and_new_tickets_whatever_name_they_give() {
    let mut desk = Desk::new(NOW);
    let code = with_check_char("91440606MA4WJ7XK3").unwrap();
    let now = at(NOW);
    let old = desk.register_all(vec![
        complaint("LF-C01", now.plus_seconds(-86_400), "顺德区悦享健身会所", Some(&code)),
        complaint("LF-C02", now.plus_seconds(-3_600), "悦享健身（大良店）", Some(&code.to_lowercase())),
        complaint("LF-C03", now.plus_seconds(-1_800), "容桂华润电器城", None),
    ]);
    let command = Command::WatchMerchant {
        merchant: WatchTarget::CreditCode(code.to_lowercase()),
        name: Some(GYM.into()),
        reason: "预付卡投诉集中，已约谈".into(),
    };
    let outcome = desk.engine().execute_from(vec![(chief(), Envelope { actor: "x".into(), command })]);
    assert!(outcome[0].is_ok(), "{outcome:?}");
    let view = desk.window(watched_view());
    let mut ids: Vec<u64> = view.rows.iter().map(|r| r.id).collect();
    ids.sort();
    assert_eq!(ids, vec![old[0].0, old[1].0], "both name variants, not the other shop");
    assert!(view.rows.iter().all(|r| r.flags.iter().any(|f| f == WATCHED_FLAG)));
    let queue = desk.window(ViewSpec::default());
    let other = queue.rows.iter().find(|r| r.id == old[2].0).unwrap();
    assert!(!other.flags.iter().any(|f| f == WATCHED_FLAG), "another merchant is not flagged");
    // A new ticket about the merchant joins the view and the count at once.
    let new = desk.register_all(vec![complaint("LF-C04", now, "悦享健身会所", Some(&code))]);
    let view = desk.window(watched_view());
    assert!(view.rows.iter().any(|r| r.id == new[0].0));
    assert_eq!(desk.engine().reader().counts(&[watched_view()]).unwrap().views, vec![3]);
    // On the record with its actor, whatever the envelope claimed.
    let (actor, body) = desk.store_wide_events().pop().unwrap();
    assert_eq!(actor, "wangfang");
    assert_eq!(body.detail(), format!("列为重点关注经营者：{GYM}（{code}）：预付卡投诉集中，已约谈"));
}

#[test]
fn a_merchant_watched_by_name_is_flagged_until_a_chief_takes_it_off() {
    let mut desk = Desk::new(NOW);
    let now = at(NOW);
    desk.register_all(vec![complaint("LF-D01", now, "容桂 好味道 餐厅", None)]);
    let watch = Command::WatchMerchant {
        merchant: WatchTarget::Name("容桂好味道餐厅".into()),
        name: None,
        reason: "食品安全投诉".into(),
    };
    desk.engine().execute_from(vec![(chief(), Envelope { actor: "x".into(), command: watch.clone() })]);
    assert_eq!(desk.window(watched_view()).total, 1, "the name matches with its blanks removed");
    let again = desk.engine().execute_from(vec![(chief(), Envelope { actor: "x".into(), command: watch })]);
    assert!(again[0].as_ref().is_err_and(|e| e.to_string().contains("already")), "{again:?}");
    let unwatch = Command::UnwatchMerchant {
        merchant: WatchTarget::Name("容桂好味道餐厅".into()),
        reason: "已整改".into(),
    };
    let off = desk.engine().execute_from(vec![(chief(), Envelope { actor: "x".into(), command: unwatch })]);
    assert!(off[0].is_ok(), "{off:?}");
    assert_eq!(desk.window(watched_view()).total, 0);
    assert!(desk.engine().reader().query(&rightsdesk::engine::Query::Watched).is_ok());
    let names: Vec<&'static str> = desk.store_wide_events().iter().map(|(_, b)| b.name()).collect();
    assert_eq!(names, ["merchant_watched", "merchant_unwatched"]);
}

#[test]
fn merchants_at_risk_say_whether_they_are_watched() {
    let mut desk = Desk::new(NOW);
    desk.surge();
    let now = at(NOW);
    desk.register_all(vec![
        complaint("LF-E01", now.plus_seconds(-86_400), SHOPS[0], None),
        complaint("LF-E02", now.plus_seconds(-3_600), SHOPS[0], None),
    ]);
    let watch = Command::WatchMerchant {
        merchant: WatchTarget::Name(GYM.into()),
        name: None,
        reason: "预付卡投诉集中".into(),
    };
    desk.engine().execute_from(vec![(chief(), Envelope { actor: "x".into(), command: watch })]);
    let s = desk.engine().reader().statistics_with_watch(&StatsQuery::default()).unwrap();
    let gym = s.merchants_at_risk.iter().find(|m| m.merchant == GYM).expect("the gym is at risk");
    assert!(gym.watched);
    let shop = s.merchants_at_risk.iter().find(|m| m.merchant == SHOPS[0]).expect("the shop is ranked");
    assert!(!shop.watched);
}

/// The binary on a data directory with the fixed "now", as the owner of its store (a chief).
fn rightsdesk(data: &std::path::Path, args: &[&str]) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_rightsdesk"));
    command
        .arg("--data")
        .arg(data)
        .args(args)
        .env("RIGHTSDESK_NOW", NOW)
        .env("USER", "wangfang")
        .env_remove("RIGHTSDESK_CONFIG")
        .env_remove("RIGHTSDESK_DATA")
        .stdin(std::process::Stdio::null());
    command
}

fn ok(data: &std::path::Path, args: &[&str]) -> String {
    let out = rightsdesk(data, args).output().expect("runs the binary");
    assert!(
        out.status.success(),
        "{args:?}: exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// Eight complaints from 12345 about the gym in the three days up to `NOW`.
fn surge_csv() -> String {
    let mut csv = "工单编号,类型,受理时间,镇街,投诉人,联系电话,被投诉人,标题,诉求\n".to_string();
    for i in 0..8 {
        let day = 25 + i / 3;
        csv += &format!(
            "GD2026112{day}{i:04},投诉,2026-11-{day} 0{}:30:00,大良街道,会员{i},1361234{i:04},{GYM},健身房突然停业拒不退还会员费,退还剩余会费\n",
            i % 3 + 1
        );
    }
    csv
}

fn audit_actions(data: &std::path::Path, action: &str) -> Vec<serde_json::Value> {
    let log: serde_json::Value =
        serde_json::from_str(&ok(data, &["audit", "log", "--format", "json"])).unwrap();
    log.as_array().unwrap().iter().filter(|e| e["action"] == action).cloned().collect()
}

#[test]
fn serve_raises_a_planted_surge_once_on_its_schedule_and_audit_log_shows_it() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let file = tmp.path().join("12345.csv");
    std::fs::write(&file, surge_csv()).unwrap();
    let out = ok(&data, &["import", file.to_str().unwrap(), "--channel", "12345"]);
    assert!(out.contains("8 registered"), "{out}");
    let mut serve = rightsdesk(&data, &["serve", "--units-listen", "127.0.0.1:0", "--warnings-every", "1"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("starts serve");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while rightsdesk::remote::Client::attach(&data).ok().flatten().is_none() {
        assert!(std::time::Instant::now() < deadline, "serve did not open its socket");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let mut raised = Vec::new();
    while raised.is_empty() {
        assert!(std::time::Instant::now() < deadline, "no warning raised within 60 s");
        std::thread::sleep(std::time::Duration::from_millis(200));
        raised = audit_actions(&data, "warning_raised");
    }
    // Several more evaluations (one a second) raise nothing more.
    std::thread::sleep(std::time::Duration::from_secs(3));
    let raised = audit_actions(&data, "warning_raised");
    // Through the server, the store's owner is a chief: the gym goes on watch, and the
    // merchants at risk say so.
    ok(&data, &["watch", "add", "--name", GYM, "--reason", "预付卡投诉集中，已约谈"]);
    let stats: serde_json::Value = serde_json::from_str(&ok(&data, &["stats", "--format", "json"])).unwrap();
    let at_risk = stats["merchants_at_risk"].as_array().unwrap();
    let gym = at_risk.iter().find(|m| m["merchant"] == GYM).expect("the gym is at risk");
    assert_eq!(gym["watched"], true);
    assert!(ok(&data, &["stats"]).contains("【关注】本期 8 件"));
    let list: serde_json::Value =
        serde_json::from_str(&ok(&data, &["tickets", "list", "--format", "json"])).unwrap();
    let flagged = list.as_array().unwrap().iter().filter(|t| {
        t["flags"].as_array().unwrap().iter().any(|f| f == rightsdesk::engine::marks::WATCHED_FLAG)
    });
    assert_eq!(flagged.count(), 8, "the gym's tickets are flagged in the list too");
    let _ = serve.kill();
    let _ = serve.wait();
    let gym: Vec<_> = raised.iter().filter(|e| e["detail"].as_str().unwrap().contains(GYM)).collect();
    assert_eq!(gym.len(), 1, "{raised:?}");
    assert_eq!(gym[0]["actor"], WARNINGS);
    assert_eq!(gym[0]["ticket"], serde_json::Value::Null, "a store-wide record");
    let keys: std::collections::BTreeSet<&str> =
        raised.iter().map(|e| e["detail"].as_str().unwrap()).collect();
    assert_eq!(keys.len(), raised.len(), "no warning raised twice: {raised:?}");
}

#[test]
fn watch_add_list_and_remove_from_the_command_line_are_on_the_record() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let code = with_check_char("91440606MA4WJ7XK3").unwrap();
    ok(&data, &["watch", "add", "--credit-code", &code, "--name", GYM, "--reason", "预付卡投诉集中"]);
    ok(&data, &["watch", "add", "--name", "容桂 好味道 餐厅", "--reason", "食品安全投诉"]);
    let list: serde_json::Value =
        serde_json::from_str(&ok(&data, &["watch", "list", "--format", "json"])).unwrap();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    let by_code = list.iter().find(|w| w["by"] == "credit_code").unwrap();
    assert_eq!((by_code["merchant"].as_str(), by_code["name"].as_str()), (Some(code.as_str()), Some(GYM)));
    assert_eq!(by_code["actor"], "wangfang");
    let by_name = list.iter().find(|w| w["by"] == "name").unwrap();
    assert_eq!(by_name["merchant"], "容桂好味道餐厅");
    let bad = rightsdesk(&data, &["watch", "add", "--credit-code", "91440606MA4WJ7XK30", "--reason", "x"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not a valid 统一社会信用代码"));
    ok(&data, &["watch", "remove", "--name", "容桂好味道餐厅", "--reason", "已整改"]);
    let table = ok(&data, &["watch", "list"]);
    assert!(table.contains(GYM) && !table.contains("容桂好味道餐厅"), "{table}");
    let watched = audit_actions(&data, "merchant_watched");
    assert_eq!(watched.len(), 2);
    assert!(watched.iter().all(|e| e["actor"] == "wangfang"));
    let unwatched = audit_actions(&data, "merchant_unwatched");
    assert_eq!(unwatched[0]["detail"], "取消重点关注经营者：容桂好味道餐厅：已整改");
}

#[test]
fn the_shipped_sidebar_counts_the_open_tickets_behind_live_warnings_and_of_watched_merchants() {
    let views = rightsdesk::tui::views::parse("views.toml", rightsdesk::tui::views::SHIPPED).unwrap();
    let spec = |name: &str| views.iter().find(|v| v.name == name).expect(name).spec_for("wangfang");
    let (warned, watched) = (spec("维权预警"), spec("关注经营者"));
    assert!(warned.warned && watched.watched);
    assert_eq!((warned.scope, watched.scope), (Scope::Open, Scope::Open), "views of the working queue");
    let mut desk = Desk::new(NOW);
    desk.noise();
    desk.surge();
    desk.evaluate();
    let watch = Command::WatchMerchant {
        merchant: WatchTarget::Name(SHOPS[3].into()),
        name: None,
        reason: "多次投诉未整改".into(),
    };
    desk.engine().execute_from(vec![(chief(), Envelope { actor: "x".into(), command: watch })]);
    let counts = desk.engine().reader().counts(&[warned.clone(), watched.clone()]).unwrap();
    assert_eq!(counts.views, vec![8, 9], "the gym's eight; the shop's nine of the 93");
    let newest_first = desk.window(warned);
    let received: Vec<_> = newest_first.rows.iter().map(|r| r.received_at).collect();
    assert!(received.windows(2).all(|w| w[0] >= w[1]), "newest first");
}
