//! A channel of an unseen shape is a configuration change: an override's `[channel.ID.sync]`
//! replaces the shipped profile whole, `config show channels` prints the effective profile,
//! the `header` and `query` auth schemes carry the secret, a channel without its secret is not
//! configured (not a failure), and effects waiting for configuration go out once it is fixed.

mod support;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::routing::get;
use rightsdesk::config;
use rightsdesk::domain::channel_profile::{Auth, OneOrMany, Secret, SyncProfile, TimeFormat};
use rightsdesk::sync::http::{Channel, HttpChannel, SecretSource};
use rightsdesk::time::Timestamp;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};

const NOW: &str = "2026-11-28T10:00:00+08:00";

/// An integrator re-points rmw at the county's work-order API: another auth, paging, fields.
const COUNTY_RMW: &str = r#"
[channel."rmw"]
name = "人民网领导留言板（县级对接）"

[channel."rmw".sync]
base_url = "https://gd.county.example.gov.cn/api"
auth = { scheme = "query", param = "appKey", value = { env = "RIGHTSDESK_SECRET_RMW" } }
list = { path = "/orders", items = "rows", paging = { style = "cursor", cursor_param = "next", size_param = "n", next = "next" } }
sign_for = { path = "/orders/{id}/accept" }
write_back = { path = "/orders/{id}/reply", body = { content = "{result}" } }
time_format = "rfc3339"
fields = { channel_ticket_id = "no", received_at = "at", title = "title", complainant_phone = "tel" }

[channel."8180"]
name = "8180 区政务热线（新）"
"#;

fn write_override(dir: &Path, text: &str) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("channels.toml"), text).unwrap();
}

fn profile_of(config: &config::Config, id: &str) -> SyncProfile {
    config.channels.get(id).and_then(|c| c.sync.clone()).unwrap()
}

#[test]
fn an_override_sync_table_replaces_the_shipped_profile_whole() {
    let tmp = tempfile::tempdir().unwrap();
    write_override(tmp.path(), COUNTY_RMW);
    let config = config::load(Some(tmp.path())).unwrap();
    let rmw = profile_of(&config, "rmw");
    assert_eq!(rmw.base_url, "https://gd.county.example.gov.cn/api");
    assert!(matches!(&rmw.auth, Auth::Query { param, .. } if param == "appKey"));
    // Nothing of the shipped gateway profile leaks in: no envelope, no shipped field path, no
    // shipped body field, no shipped time format.
    assert_eq!(rmw.envelope, None);
    assert_eq!(
        rmw.fields.keys().collect::<Vec<_>>(),
        ["channel_ticket_id", "complainant_phone", "received_at", "title"]
    );
    assert_eq!(rmw.fields["complainant_phone"], "tel");
    assert!(rmw.sign_for.body.is_empty());
    assert_eq!(rmw.write_back.body.keys().collect::<Vec<_>>(), ["content"]);
    assert_eq!(rmw.time_format, TimeFormat::Rfc3339);
    assert_eq!((rmw.poll_interval_ms, rmw.page_size), (5_000, 100), "defaults, not the shipped values");
    assert_eq!(config.channels.get("rmw").unwrap().name, "人民网领导留言板（县级对接）");

    // Outside a sync table, keys still merge one by one: 8180 keeps its shipped profile.
    let shipped = config::load(None).unwrap();
    assert_eq!(config.channels.get("8180").unwrap().name, "8180 区政务热线（新）");
    assert_eq!(profile_of(&config, "8180"), profile_of(&shipped, "8180"));
}

#[test]
fn a_partial_sync_table_is_refused_naming_the_file_and_what_is_missing() {
    let tmp = tempfile::tempdir().unwrap();
    write_override(tmp.path(), "[channel.\"12345\".sync]\ntimeout_ms = 1500\n");
    let errors = config::load(Some(tmp.path())).unwrap_err().to_string();
    assert!(errors.contains("channels.toml"), "{errors}");
    assert!(errors.contains("missing field"), "{errors}");
}

fn rightsdesk(data: &Path, config: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_rightsdesk"));
    command
        .arg("--data")
        .arg(data)
        .arg("--config")
        .arg(config)
        .env("RIGHTSDESK_NOW", NOW)
        .stdin(Stdio::null());
    for (name, _) in std::env::vars().filter(|(n, _)| n.starts_with("RIGHTSDESK_")) {
        command.env_remove(name);
    }
    command.env("RIGHTSDESK_NOW", NOW);
    command
}

fn ok(out: &Output) -> String {
    assert!(out.status.success(), "exit {:?}: {}", out.status.code(), String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn config_show_channels_prints_the_effective_profile_as_an_override_that_loads_back() {
    let tmp = tempfile::tempdir().unwrap();
    let (data, over) = (tmp.path().join("data"), tmp.path().join("config"));
    write_override(&over, COUNTY_RMW);
    let shown = ok(&rightsdesk(&data, &over).args(["config", "show", "channels"]).output().unwrap());
    assert!(shown.contains("[channel.\"rmw\".sync]"), "{shown}");
    assert!(shown.contains("base_url = \"https://gd.county.example.gov.cn/api\""), "{shown}");
    assert!(!shown.contains("resultCode"), "the shipped envelope is gone: {shown}");
    // Every profile printed is a valid override: written back, the configuration is the same.
    let tables = shown.split_once("\n\n").map(|(_, rest)| rest).unwrap();
    let again = tmp.path().join("again");
    write_override(&again, tables);
    let (first, second) = (config::load(Some(&over)).unwrap(), config::load(Some(&again)).unwrap());
    for id in first.channels.ids() {
        assert_eq!(first.channels.get(id).unwrap().sync, second.channels.get(id).unwrap().sync, "{id}");
    }
}

type Seen = Arc<Mutex<Vec<(HashMap<String, String>, Option<String>)>>>;

/// A county API on 127.0.0.1 that records each list request's query and X-Api-Key.
async fn county_api() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let app =
        Router::new()
            .route(
                "/api/orders",
                get(
                    |State(seen): State<Seen>,
                     Query(q): Query<HashMap<String, String>>,
                     headers: HeaderMap| async move {
                        let key = headers.get("x-api-key").and_then(|v| v.to_str().ok()).map(str::to_string);
                        seen.lock().unwrap().push((q, key));
                        axum::Json(json!({"rows": [{"no": "XJ-2026-0001", "at": "2026-11-28T09:30:00+08:00",
                    "title": "预付卡商家跑路无法退款", "tel": "13800138000"}], "next": "c1"}))
                    },
                ),
            )
            .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/api", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, seen)
}

#[tokio::test]
async fn header_and_query_auth_carry_the_secret_from_the_environment_or_a_file() {
    let (base, seen) = county_api().await;
    let tmp = tempfile::tempdir().unwrap();
    write_override(tmp.path(), COUNTY_RMW);
    let mut profile = profile_of(&config::load(Some(tmp.path())).unwrap(), "rmw");
    profile.base_url = base;
    let now = Timestamp::parse(NOW).unwrap();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();

    let fixed =
        SecretSource::Fixed(BTreeMap::from([("RIGHTSDESK_SECRET_RMW".into(), "k-2026-query".into())]));
    let by_query = HttpChannel::new("rmw", &profile, client.clone(), &fixed).unwrap();
    let pulled = by_query.pull(None, now).await.unwrap();
    assert_eq!(pulled.page.tickets[0].intake.channel_ticket_id, "XJ-2026-0001");

    let secret_file = tmp.path().join("rmw.key");
    std::fs::write(&secret_file, "k-2026-header\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&secret_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let from_file = Secret { env: None, file: Some(secret_file.display().to_string()) };
    profile.auth = Auth::Header { header: "X-Api-Key".into(), value: from_file };
    let by_header = HttpChannel::new("rmw", &profile, client, &SecretSource::Environment).unwrap();
    by_header.pull(Some("c1"), now).await.unwrap();

    let seen = seen.lock().unwrap();
    assert_eq!(seen[0].0.get("appKey").map(String::as_str), Some("k-2026-query"));
    assert_eq!(seen[0].1, None);
    assert_eq!(seen[1].1.as_deref(), Some("k-2026-header"));
    assert_eq!(seen[1].0.get("appKey"), None);
    assert_eq!(seen[1].0.get("next").map(String::as_str), Some("c1"));
}

#[test]
fn an_envelope_success_may_be_one_code_or_a_list() {
    let tmp = tempfile::tempdir().unwrap();
    let text = COUNTY_RMW.replace(
        "time_format = \"rfc3339\"",
        "time_format = \"rfc3339\"\nenvelope = { code = \"head.code\", success = [\"0\", \"0000\"], message = \"head.msg\" }",
    );
    write_override(tmp.path(), &text);
    let envelope = profile_of(&config::load(Some(tmp.path())).unwrap(), "rmw").envelope.unwrap();
    assert_eq!(envelope.success, OneOrMany::Many(vec!["0".into(), "0000".into()]));
    assert!(envelope.success.contains("0") && !envelope.success.contains("0001"));
}

/// The simulator's ledger.
fn ledger(sim: &str) -> Value {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime
        .block_on(async { reqwest::get(format!("{sim}/_sim/ledger")).await.unwrap().json().await.unwrap() })
}

fn outbox(data: &Path, config: &Path) -> Vec<Value> {
    let out = ok(&rightsdesk(data, config).args(["outbox", "list", "--format", "json"]).output().unwrap());
    serde_json::from_str::<Value>(&out).unwrap().as_array().unwrap().clone()
}

#[test]
fn the_waiting_outbox_goes_out_after_the_configuration_is_fixed() {
    let sim = support::SimProcess::start(&["--rate", "0", "--tickets", "1000", "--seed", "4"], NOW);
    let rmw_ids: Vec<String> = ledger(&sim.base)["generated"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["channel"] == "rmw" && g["valid"] == true)
        .map(|g| g["channel_ticket_id"].as_str().unwrap().to_string())
        .take(2)
        .collect();
    assert_eq!(rmw_ids.len(), 2);
    let tmp = tempfile::tempdir().unwrap();
    let (data, over) = (tmp.path().join("data"), tmp.path().join("config"));
    // The deployment points rmw at the gateway (here the simulator); its secret comes later.
    let mut profile = profile_of(&config::load(None).unwrap(), "rmw");
    profile.base_url = format!("{}/rmw", sim.base);
    write_override(&over, &profile.to_override_toml("rmw").unwrap());
    for (n, id) in rmw_ids.iter().enumerate() {
        let register = rightsdesk(&data, &over)
            .args(["--as", "李娜", "ticket", "register", "--channel", "rmw", "--channel-ticket-id", id])
            .args(["--kind", "complaint", "--title", &format!("网购电饭煲收到即损坏（{n}）")])
            .args(["--name", "陈美玲", "--phone", "13902851234", "--town", "大良"])
            .output()
            .unwrap();
        ok(&register);
    }
    let clerk =
        |args: &[&str]| ok(&rightsdesk(&data, &over).args(["--as", "李娜"]).args(args).output().unwrap());
    clerk(&["ticket", "triage", "1", "--kind", "complaint"]);
    clerk(&["ticket", "dispatch", "1", "--unit", "daliang"]);

    // No secret for any channel, no SMS gateway: nothing is configured, which is no failure.
    let once = rightsdesk(&data, &over).args(["sync", "--once", "--timeout", "20"]).output().unwrap();
    let printed = ok(&once);
    assert!(
        printed.contains("rmw        not configured: environment variable RIGHTSDESK_SECRET_RMW is not set"),
        "{printed}"
    );
    assert!(
        printed.contains("2 waiting for configuration") || printed.contains("3 waiting for configuration"),
        "{printed}"
    );
    let waiting = outbox(&data, &over);
    assert_eq!(waiting.len(), 3, "two sign-fors and the dispatch SMS: {waiting:?}");
    for entry in &waiting {
        assert_eq!(
            (entry["state"].as_str(), entry["attempts"].as_u64()),
            (Some("waiting"), Some(0)),
            "{entry}"
        );
    }
    let sign = waiting.iter().find(|e| e["kind"] == "sign_for").unwrap();
    assert_eq!(
        sign["last_error"],
        "waiting: channel rmw is not configured: environment variable RIGHTSDESK_SECRET_RMW is not set"
    );
    let sms = waiting.iter().find(|e| e["kind"] == "sms").unwrap();
    assert!(sms["last_error"].as_str().unwrap().contains("no SMS gateway configured"), "{sms}");
    // Waiting is not trying: however often it runs, nothing dies.
    ok(&rightsdesk(&data, &over).args(["sync", "--once", "--timeout", "5"]).output().unwrap());
    assert!(outbox(&data, &over).iter().all(|e| e["attempts"] == 0 && e["state"] == "waiting"));

    // The secret is provided: the next start sends the sign-fors, once each.
    let fixed = rightsdesk(&data, &over)
        .env("RIGHTSDESK_SECRET_RMW", "sim-rmw-key")
        .args(["sync", "--once", "--timeout", "60"])
        .output()
        .unwrap();
    ok(&fixed);
    let signed = &ledger(&sim.base)["signed"];
    for id in &rmw_ids {
        let entry = signed.as_array().unwrap().iter().find(|s| s["channel_ticket_id"] == id.as_str());
        assert_eq!(entry.map(|e| e["keys"].as_array().unwrap().len()), Some(1), "{id} signed for once");
    }
    let left = outbox(&data, &over);
    assert_eq!(left.len(), 1, "only the SMS still waits: {left:?}");

    // Then the SMS gateway: the SMS goes out too.
    let sms_toml = format!("gateway_url = \"{}\"\ntoken_env = \"RIGHTSDESK_SMS_TOKEN\"\n", sim.base);
    std::fs::write(over.join("sms.toml"), sms_toml).unwrap();
    let fixed = rightsdesk(&data, &over)
        .env("RIGHTSDESK_SECRET_RMW", "sim-rmw-key")
        .env("RIGHTSDESK_SMS_TOKEN", "sim-sms-token")
        .args(["sync", "--once", "--timeout", "60"])
        .output()
        .unwrap();
    ok(&fixed);
    assert!(outbox(&data, &over).is_empty());
    assert_eq!(ledger(&sim.base)["sms"].as_array().unwrap().len(), 1);
}

#[test]
fn channel_try_shows_how_each_item_maps_or_why_it_would_be_quarantined_and_writes_nothing() {
    let sim = support::SimProcess::start(
        &["--rate", "0", "--tickets", "2000", "--seed", "3", "--faults", "malformed=0.3"],
        NOW,
    );
    let tmp = tempfile::tempdir().unwrap();
    let (data, over) = (tmp.path().join("data"), tmp.path().join("config"));
    std::fs::create_dir_all(&over).unwrap();
    let mut tried = rightsdesk(&data, &over);
    tried.args(["channel", "try", "rmw", "--limit", "5", "--sim", &sim.base]);
    let printed = ok(&tried.output().unwrap());
    assert!(printed.starts_with("rmw: "), "{printed}");
    assert!(printed.contains("would be quarantined: "), "{printed}");
    assert!(
        printed.contains("maps to:") && printed.contains("received_at   2026-11-28T10:00:00+08:00"),
        "{printed}"
    );
    // Phones are masked as on every screen: 3 digits, 4 stars, 4 digits.
    let phone = printed.lines().find_map(|l| l.trim().strip_prefix("phone")).unwrap().trim().to_string();
    assert!(phone.contains("****") && phone.chars().count() == 11, "{phone}");
    assert!(!data.exists(), "channel try opens no store");

    let unconfigured = rightsdesk(&data, &over).args(["channel", "try", "rmw"]).output().unwrap();
    assert_eq!(unconfigured.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&unconfigured.stderr);
    assert!(
        stderr.contains("channel rmw is not configured: environment variable RIGHTSDESK_SECRET_RMW"),
        "{stderr}"
    );
}

#[test]
fn a_page_refused_inside_http_200_is_a_failure_in_health_and_log_with_the_channels_code() {
    let sim = support::SimProcess::start(
        &["--rate", "0", "--tickets", "200", "--seed", "3", "--faults", "rmw:refuse=1"],
        NOW,
    );
    let tmp = tempfile::tempdir().unwrap();
    let (data, over) = (tmp.path().join("data"), tmp.path().join("config"));
    let mut profile = profile_of(&config::load(None).unwrap(), "rmw");
    profile.base_url = format!("{}/rmw", sim.base);
    write_override(&over, &profile.to_override_toml("rmw").unwrap());
    let once = rightsdesk(&data, &over)
        .env("RIGHTSDESK_SECRET_RMW", "sim-rmw-key")
        .args(["sync", "--once", "--timeout", "2"])
        .output()
        .unwrap();
    assert_eq!(once.status.code(), Some(3), "never an empty page that counts as caught up");
    let printed = String::from_utf8_lossy(&once.stdout);
    assert!(
        printed.contains("last error: refused by the channel: code 5001: 系统繁忙，请稍后再试"),
        "{printed}"
    );
    assert!(String::from_utf8_lossy(&once.stderr).contains("not caught up: rmw"));
    let logs: String = std::fs::read_dir(data.join("logs"))
        .unwrap()
        .map(|f| std::fs::read_to_string(f.unwrap().path()).unwrap())
        .collect();
    assert!(logs.contains("code 5001"), "{logs}");
    assert!(!logs.contains("resultCode"), "no response body in the log: {logs}");
}

#[test]
fn sms_toml_takes_a_ca_file_for_the_gateway() {
    let tmp = tempfile::tempdir().unwrap();
    let text =
        "gateway_url = \"https://sms.example.internal\"\nca_file = \"/etc/rightsdesk/bureau-ca.pem\"\n";
    std::fs::write(tmp.path().join("sms.toml"), text).unwrap();
    let sms = config::load(Some(tmp.path())).unwrap().sms;
    assert_eq!(sms.ca_file.as_deref(), Some("/etc/rightsdesk/bureau-ca.pem"));
}
