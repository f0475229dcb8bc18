//! The simulator as rightsdesk's sync workers and tests meet it: the real binary on a free port,
//! spoken to over HTTP (INTERFACES.md, "The simulator"; the shapes in `src/sim/mod.rs`).

mod support;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use rightsdesk::time::Timestamp;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const NOW: &str = "2026-11-28T10:00:00+08:00";
const PINYIN: [&str; 3] = ["12345", "8180", "mayor"];
const NESTED: [&str; 5] = ["12315", "12315-odr", "upper", "dept", "council"];
const SINCE: [&str; 3] = ["wechat", "miniapp", "station"];
const MAIL: [&str; 2] = ["email", "media"];
const GATEWAY: [&str; 1] = ["rmw"];

/// A running simulator, killed when dropped.
struct Sim {
    /// Kills the simulator when the test is done with it.
    _process: support::SimProcess,
    base: String,
    http: reqwest::Client,
}

impl Sim {
    /// `sim --listen 127.0.0.1:0 --rate 0 --tickets 200 --seed 7`, each overridable by `extra`.
    fn start(extra: &[&str]) -> Sim {
        let mut args = vec!["sim", "--listen", "127.0.0.1:0"];
        for (flag, value) in [("--rate", "0"), ("--tickets", "200"), ("--seed", "7")] {
            if !extra.contains(&flag) {
                args.extend([flag, value]);
            }
        }
        let mut rest = args[3..].to_vec();
        rest.extend(extra);
        let process = support::SimProcess::start(&rest, NOW);
        let http = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(10)).build().unwrap();
        Sim { base: process.base.clone(), _process: process, http }
    }

    /// A request with the channel's own credentials.
    fn request(
        &self,
        method: reqwest::Method,
        channel: &str,
        path_and_query: &str,
    ) -> reqwest::RequestBuilder {
        let url = format!("{}{path_and_query}", self.base);
        let builder = self.http.request(method.clone(), &url);
        if NESTED.contains(&channel) || MAIL.contains(&channel) {
            let path = path_and_query.split('?').next().unwrap();
            let stamp = Timestamp::parse(NOW).unwrap().millis().to_string();
            builder
                .header("X-App-Key", format!("sim-{channel}"))
                .header("X-Timestamp", &stamp)
                .header("X-Signature", rightsdesk::sim::sign(channel, method.as_str(), path, &stamp))
        } else if GATEWAY.contains(&channel) {
            builder.header("X-Api-Key", format!("sim-{channel}-key"))
        } else {
            builder.bearer_auth(format!("sim-{channel}-token"))
        }
    }

    async fn get_json(&self, channel: &str, path_and_query: &str) -> Value {
        let r = self.request(reqwest::Method::GET, channel, path_and_query).send().await.unwrap();
        assert_eq!(r.status(), 200, "GET {path_and_query}");
        r.json().await.unwrap()
    }

    async fn ledger(&self) -> Value {
        self.http.get(format!("{}/_sim/ledger", self.base)).send().await.unwrap().json().await.unwrap()
    }
}

/// The ids the ledger says were generated for `channel`, in generation order, with validity.
fn generated(ledger: &Value, channel: &str) -> Vec<(String, bool)> {
    ledger["generated"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["channel"] == channel)
        .map(|g| (g["channel_ticket_id"].as_str().unwrap().to_string(), g["valid"].as_bool().unwrap()))
        .collect()
}

fn list_path(channel: &str, limit: usize, cursor: Option<&str>) -> String {
    if NESTED.contains(&channel) {
        let c = cursor.map(|c| format!("&cursor={c}")).unwrap_or_default();
        format!("/{channel}/v2/cases?limit={limit}{c}")
    } else {
        let c = cursor.map(|c| format!("&token={c}")).unwrap_or_default();
        format!("/{channel}/openapi/letters?size={limit}{c}")
    }
}

/// Every item of a channel, walking its pages, cursors or since-marks to the end.
async fn walk(sim: &Sim, channel: &str) -> Vec<Value> {
    let mut all = Vec::new();
    if GATEWAY.contains(&channel) {
        for page in 1.. {
            let path = format!("/{channel}/gateway/workorders?pageNo={page}&pageSize=7");
            let body = sim.get_json(channel, &path).await;
            assert_eq!(body["resultCode"], "0000", "{body}");
            let rows = body["data"]["list"].as_array().unwrap().clone();
            if rows.is_empty() {
                assert_eq!(body["data"]["totalCount"].as_u64().unwrap() as usize, all.len());
                break;
            }
            all.extend(rows);
        }
    } else if PINYIN.contains(&channel) {
        for page in 1.. {
            let body =
                sim.get_json(channel, &format!("/{channel}/api/gd/list?page={page}&page_size=7")).await;
            let rows = body["data"]["rows"].as_array().unwrap().clone();
            if rows.is_empty() {
                assert_eq!(body["data"]["total"].as_u64().unwrap() as usize, all.len());
                break;
            }
            all.extend(rows);
        }
    } else if SINCE.contains(&channel) {
        let mut mark: Option<(String, String)> = None;
        loop {
            let q = match &mark {
                None => String::new(),
                Some((at, id)) => format!("&since={}&after_id={id}", at.replace('+', "%2B")),
            };
            let body = sim.get_json(channel, &format!("/{channel}/messages?limit=7{q}")).await;
            let items = body.as_array().unwrap().clone();
            let Some(last) = items.last() else { break };
            mark =
                Some((last["received_at"].as_str().unwrap().into(), last["msg_id"].as_str().unwrap().into()));
            all.extend(items);
        }
    } else {
        let mut cursor: Option<String> = None;
        loop {
            let body = sim.get_json(channel, &list_path(channel, 7, cursor.as_deref())).await;
            let (items, next) = if NESTED.contains(&channel) {
                (body["items"].clone(), body["next_cursor"].clone())
            } else {
                (body["result"]["list"].clone(), body["result"]["next"].clone())
            };
            let next = next.as_str().expect("a cursor is always returned").to_string();
            if items.as_array().unwrap().is_empty() {
                assert_eq!(cursor.as_deref(), Some(next.as_str()), "nothing new: the same cursor back");
                break;
            }
            all.extend(items.as_array().unwrap().clone());
            cursor = Some(next);
        }
    }
    all
}

fn id_of(channel: &str, item: &Value) -> String {
    let key = if GATEWAY.contains(&channel) {
        "orderNo"
    } else if PINYIN.contains(&channel) {
        "gdbh"
    } else if NESTED.contains(&channel) {
        "id"
    } else if SINCE.contains(&channel) {
        "msg_id"
    } else {
        "信件编号"
    };
    item[key].as_str().unwrap_or_else(|| panic!("{channel} item without {key}: {item}")).to_string()
}

/// The pinyin row as an adapter must read it: every key a string, the time and amount well-formed,
/// no field beyond 2,000 characters.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct PinyinRow {
    gdbh: String,
    sllx: String,
    slsj: String,
    zj: String,
    tsrxm: String,
    tsrdh: String,
    tsrdz: String,
    btsrmc: String,
    tyshxydm: String,
    btsrdz: String,
    bt: String,
    sq: String,
    nr: String,
    je: String,
    splb: String,
    wtlx: String,
}

#[derive(Deserialize)]
struct PinyinPage {
    data: PinyinData,
}
#[derive(Deserialize)]
struct PinyinData {
    rows: Vec<PinyinRow>,
}

fn strict_pinyin(text: &str) -> Result<Vec<PinyinRow>, String> {
    let page: PinyinPage = serde_json::from_str(text).map_err(|e| e.to_string())?;
    for row in &page.data.rows {
        chrono::NaiveDateTime::parse_from_str(&row.slsj, "%Y-%m-%d %H:%M:%S").map_err(|e| e.to_string())?;
        if !row.je.is_empty() && row.je.parse::<f64>().is_err() {
            return Err(format!("amount {:?}", row.je));
        }
        if [&row.bt, &row.nr, &row.sq].iter().any(|t| t.chars().count() > 2000) {
            return Err("oversized field".into());
        }
    }
    Ok(page.data.rows)
}

#[tokio::test]
async fn every_shape_lists_each_item_exactly_once_across_pages() {
    let sim = Sim::start(&[]);
    let ledger = sim.ledger().await;
    assert_eq!(ledger["generated"].as_array().unwrap().len(), 200);
    for channel in PINYIN.iter().chain(&NESTED).chain(&SINCE).chain(&MAIL).chain(&GATEWAY) {
        let expected = generated(&ledger, channel);
        assert!(expected.iter().all(|(_, valid)| *valid), "no faults, no malformed items");
        let items = walk(&sim, channel).await;
        let mut seen: Vec<String> = items.iter().map(|i| id_of(channel, i)).collect();
        let mut want: Vec<String> = expected.into_iter().map(|(id, _)| id).collect();
        if SINCE.contains(channel) {
            // Served in (received_at, msg_id) order rather than generation order.
            seen.sort();
            want.sort();
        }
        assert_eq!(seen, want, "channel {channel}");
    }
    let rows = sim.request(reqwest::Method::GET, "12345", "/12345/api/gd/list?page=1&page_size=500");
    let text = rows.send().await.unwrap().text().await.unwrap();
    assert!(!strict_pinyin(&text).unwrap().is_empty());
    let first = &sim.get_json("12315", "/12315/v2/cases?limit=1").await["items"][0];
    assert!(
        first["received_at"].is_i64() && first["consumer"].is_object() && first["region"]["town"].is_string()
    );
    let letter = &sim.get_json("email", "/email/openapi/letters?size=1").await["result"]["list"][0];
    assert!(letter["来信时间"].as_str().unwrap().starts_with("2026/11/28 10:00"));
    let order = &sim.get_json("rmw", "/rmw/gateway/workorders?pageSize=1").await["data"]["list"][0];
    assert_eq!(order["acceptTime"], "2026/11/28 10:00:00", "slash dates to the second");
}

#[tokio::test]
async fn the_ledger_says_when_each_item_was_released() {
    // 600 a minute: item k is due k × 100 ms after the start of publication.
    let sim = Sim::start(&["--rate", "600", "--tickets", "40"]);
    let ledger = sim.ledger().await;
    assert_eq!(ledger["started_at"], "2026-11-28T10:00:00.000+08:00", "RIGHTSDESK_NOW fixes the clock");
    for (k, g) in ledger["generated"].as_array().unwrap().iter().enumerate() {
        let released = g["released_ms"].as_u64().unwrap();
        let due = k as u64 * 100;
        if SINCE.contains(&g["channel"].as_str().unwrap()) {
            // Published with the rest of its receipt second, never before it is due.
            assert!(released >= due && released < (due / 1000 + 1) * 1000, "item {k}: {g}");
        } else {
            assert_eq!(released, due, "item {k}: {g}");
        }
    }
    let all_at_once = Sim::start(&["--rate", "0", "--tickets", "20"]).ledger().await;
    assert!(all_at_once["generated"].as_array().unwrap().iter().all(|g| g["released_ms"] == 0));
}

#[tokio::test]
async fn wrong_or_missing_credentials_get_401_and_record_nothing() {
    let sim = Sim::start(&[]);
    let get = |url: &str| sim.http.get(format!("{}{url}", sim.base));
    assert_eq!(get("/12345/api/gd/list").send().await.unwrap().status(), 401);
    assert_eq!(get("/12345/api/gd/list").bearer_auth("sim-8180-token").send().await.unwrap().status(), 401);
    assert_eq!(get("/wechat/messages").bearer_auth("nope").send().await.unwrap().status(), 401);
    assert_eq!(get("/12315/v2/cases").send().await.unwrap().status(), 401);
    let now = Timestamp::parse(NOW).unwrap().millis();
    let signed = |channel: &str, key: &str, stamp: i64, path_signed: &str| {
        let stamp = stamp.to_string();
        get(&format!("/{channel}/v2/cases"))
            .header("X-App-Key", key)
            .header("X-Timestamp", &stamp)
            .header("X-Signature", rightsdesk::sim::sign(channel, "GET", path_signed, &stamp))
    };
    let ok = signed("12315", "sim-12315", now, "/12315/v2/cases");
    assert_eq!(ok.send().await.unwrap().status(), 200);
    let stale = signed("12315", "sim-12315", now - 6 * 60 * 1000, "/12315/v2/cases");
    assert_eq!(stale.send().await.unwrap().status(), 401);
    let other_key = signed("12315", "sim-dept", now, "/12315/v2/cases");
    assert_eq!(other_key.send().await.unwrap().status(), 401);
    let wrong_path = signed("12315", "sim-12315", now, "/12315/v2/cases/x");
    assert_eq!(wrong_path.send().await.unwrap().status(), 401);

    let id = generated(&sim.ledger().await, "12345")[0].0.clone();
    let sign = sim.http.post(format!("{}/12345/api/gd/{id}/qs", sim.base)).header("Idempotency-Key", "k1");
    assert_eq!(sign.bearer_auth("sim-mayor-token").send().await.unwrap().status(), 401);
    let sms = sim.http.post(format!("{}/sms/send", sim.base)).header("Idempotency-Key", "s1");
    assert_eq!(sms.json(&json!({"to": "13800000000", "text": "x"})).send().await.unwrap().status(), 401);
    let ledger = sim.ledger().await;
    assert_eq!(ledger["signed"], json!([]));
    assert_eq!(ledger["sms"], json!([]));
}

#[tokio::test]
async fn sign_for_twice_with_one_key_is_one_key_and_two_arrivals() {
    let sim = Sim::start(&[]);
    let ledger = sim.ledger().await;
    let id = generated(&ledger, "12345")[0].0.clone();
    let post = |channel: &str, path: &str| sim.request(reqwest::Method::POST, channel, path);
    let qs = format!("/12345/api/gd/{id}/qs");
    for _ in 0..2 {
        let r = post("12345", &qs)
            .header("Idempotency-Key", "sign-1")
            .json(&json!({"qsr": "王文书", "qssj": "2026-11-28 10:05:00"}));
        let r = r.send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.json::<Value>().await.unwrap(), json!({"code": 0, "msg": "ok"}));
    }
    assert_eq!(post("12345", &qs).send().await.unwrap().status(), 400, "no Idempotency-Key");
    let unknown = post("12345", "/12345/api/gd/SD1999/qs").header("Idempotency-Key", "x");
    assert_eq!(unknown.send().await.unwrap().status(), 404);
    let hf = format!("/12345/api/gd/{id}/hf");
    let empty = post("12345", &hf).header("Idempotency-Key", "wb-1").json(&json!({"wcsj": "x"}));
    assert_eq!(empty.send().await.unwrap().status(), 400, "a write-back needs its result");
    let body = json!({"bljg": "经调解，商家同意退款。", "wcsj": "2026-11-28 16:00:00", "whjjss": "120.00"});
    let wb = post("12345", &hf).header("Idempotency-Key", "wb-1").json(&body);
    assert_eq!(wb.send().await.unwrap().status(), 200);

    let case = generated(&ledger, "12315")[0].0.clone();
    let ack = post("12315", &format!("/12315/v2/cases/{case}/ack")).header("Idempotency-Key", "ack-1");
    assert_eq!(ack.send().await.unwrap().status(), 200);
    let msg = generated(&ledger, "wechat")[0].0.clone();
    let receipt = post("wechat", &format!("/wechat/messages/{msg}/receipt")).header("Idempotency-Key", "r-1");
    assert_eq!(receipt.send().await.unwrap().status(), 200);
    let letter = generated(&ledger, "email")[0].0.clone();
    let reply = post("email", &format!("/email/openapi/letters/{letter}/reply"))
        .header("Idempotency-Key", "m-1")
        .json(&json!({"办理结果": "已答复", "办结时间": "2026/11/28 16:00", "挽回金额": "0.00"}));
    assert_eq!(reply.send().await.unwrap().status(), 200);
    for key in ["sms-1", "sms-1", "sms-2"] {
        let sms = sim
            .http
            .post(format!("{}/sms/send", sim.base))
            .bearer_auth("sim-sms-token")
            .header("Idempotency-Key", key);
        let sms =
            sms.json(&json!({"to": "13800000000", "text": "【区市场监管局】您有新派工单，请及时签收。"}));
        assert_eq!(sms.send().await.unwrap().status(), 200);
    }

    let ledger = sim.ledger().await;
    let signed = ledger["signed"].as_array().unwrap();
    let first = signed.iter().find(|s| s["channel"] == "12345").unwrap();
    assert_eq!(
        (first["channel_ticket_id"].as_str(), &first["keys"], first["count"].as_u64()),
        (Some(id.as_str()), &json!(["sign-1"]), Some(2))
    );
    assert_eq!(signed.len(), 3, "12345, 12315 and wechat: {signed:?}");
    let writebacks = ledger["writebacks"].as_array().unwrap();
    assert_eq!(writebacks.len(), 2);
    let wb = writebacks.iter().find(|w| w["channel"] == "12345").unwrap();
    assert_eq!((&wb["keys"], wb["count"].as_u64(), &wb["last"]), (&json!(["wb-1"]), Some(1), &body));
    assert_eq!(ledger["sms"], json!([{"to": "13800000000", "keys": ["sms-1", "sms-2"], "count": 3}]));
}

#[tokio::test]
async fn the_same_seed_gives_the_same_generated_ledger() {
    let (a, b, c) = (Sim::start(&[]), Sim::start(&[]), Sim::start(&["--seed", "8"]));
    let (a, b, c) = (a.ledger().await, b.ledger().await, c.ledger().await);
    assert_eq!(a["generated"], b["generated"]);
    assert_ne!(a["generated"], c["generated"]);
    let mut channels: Vec<&str> =
        a["generated"].as_array().unwrap().iter().map(|g| g["channel"].as_str().unwrap()).collect();
    channels.sort();
    channels.dedup();
    assert_eq!(channels.len(), 14, "every remote channel gets tickets: {channels:?}");
}

#[tokio::test]
async fn malformed_items_are_flagged_and_fail_a_strict_parse() {
    let sim = Sim::start(&["--faults", "malformed=0.2"]);
    let ledger = sim.ledger().await;
    let all = ledger["generated"].as_array().unwrap();
    let bad: Vec<&str> =
        all.iter().filter(|g| g["valid"] == false).map(|g| g["malformed"].as_str().unwrap()).collect();
    assert!((20..=60).contains(&bad.len()), "about 20% of 200: {}", bad.len());
    for how in ["wrong_type", "missing_field", "bad_text", "oversized"] {
        assert!(bad.contains(&how), "{how} among {bad:?}");
    }
    // One row a page: each page is one item, in publication (= generation) order.
    let items = generated(&ledger, "12345");
    assert!(items.iter().any(|(_, valid)| !valid));
    for (k, (id, valid)) in items.iter().enumerate() {
        let url = format!("/12345/api/gd/list?page={}&page_size=1", k + 1);
        let text =
            sim.request(reqwest::Method::GET, "12345", &url).send().await.unwrap().text().await.unwrap();
        match strict_pinyin(&text) {
            Ok(rows) => {
                assert!(valid, "{id} is malformed in the ledger yet parsed");
                assert_eq!(rows[0].gdbh, *id);
            }
            Err(e) => assert!(!valid, "{id} is valid in the ledger yet failed: {e}"),
        }
    }
}

#[tokio::test]
async fn with_5xx_certain_every_list_and_effect_answers_503() {
    let sim = Sim::start(&["--faults", "5xx=1"]);
    for (channel, path) in [
        ("12345", "/12345/api/gd/list"),
        ("12315-odr", "/12315-odr/v2/cases"),
        ("station", "/station/messages"),
        ("media", "/media/openapi/letters"),
    ] {
        let r = sim.request(reqwest::Method::GET, channel, path).send().await.unwrap();
        assert_eq!(r.status(), 503, "{path}");
        assert!(r.json::<Value>().await.unwrap()["error"].is_string());
    }
    let id = generated(&sim.ledger().await, "8180")[0].0.clone();
    let sign = sim
        .request(reqwest::Method::POST, "8180", &format!("/8180/api/gd/{id}/qs"))
        .header("Idempotency-Key", "k");
    assert_eq!(sign.send().await.unwrap().status(), 503);
    assert_eq!(sim.ledger().await["signed"], json!([]), "a failed sign-for is not recorded");
}

#[tokio::test]
async fn a_reset_limited_to_12345_breaks_only_its_lists() {
    let sim = Sim::start(&["--faults", "12345:reset=1"]);
    for _ in 0..3 {
        let e = sim.request(reqwest::Method::GET, "12345", "/12345/api/gd/list").send().await;
        let e = e.expect_err("no response from a reset connection");
        assert!(e.status().is_none() && !e.is_timeout(), "a connection error: {e:?}");
        sim.get_json("8180", "/8180/api/gd/list").await;
        sim.get_json("12315", "/12315/v2/cases").await;
    }
}

#[test]
fn a_bad_fault_entry_exits_2_naming_it() {
    for (spec, named) in [
        ("5xx=0.1,bogus=2", "bogus=2"),
        ("12345:5xx=1.5", "12345:5xx=1.5"),
        ("nowhere:reset=1", "nowhere:reset=1"),
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_rightsdesk"))
            .args(["sim", "--listen", "127.0.0.1:0", "--faults", spec])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while child.try_wait().unwrap().is_none() {
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("--faults {spec} was accepted");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(named), "{stderr}");
    }
}

#[tokio::test]
async fn items_are_published_at_the_rate() {
    // 1200 a minute: 20 a second, all 200 after 10 s.
    let sim = Sim::start(&["--rate", "1200"]);
    let in_12345 = generated(&sim.ledger().await, "12345").len();
    let total = |body: Value| body["data"]["total"].as_u64().unwrap() as usize;
    let early = total(sim.get_json("12345", "/12345/api/gd/list").await);
    tokio::time::sleep(Duration::from_millis(2000)).await;
    let later = total(sim.get_json("12345", "/12345/api/gd/list?page_size=500").await);
    assert!(early < later && later < in_12345, "{early} then {later} of {in_12345}");
}

/// A stand-in for rightsdesk's units API: tickets move on as the units act.
#[derive(Default)]
struct FakeUnits {
    statuses: Mutex<HashMap<u64, String>>,
    calls: Mutex<Vec<(u64, String, Value)>>,
}

fn authorized(h: &HeaderMap) -> bool {
    h.get("authorization").and_then(|v| v.to_str().ok()) == Some("Bearer tok-dl")
}

#[tokio::test]
async fn simulated_units_sign_contact_and_resolve_through_the_units_api() {
    let fake = Arc::new(FakeUnits::default());
    for (id, status) in [(1, "dispatched"), (2, "signed"), (3, "contacted"), (4, "resolved")] {
        fake.statuses.lock().unwrap().insert(id, status.to_string());
    }
    let app = axum::Router::new()
        .route(
            "/api/units/daliang/tickets",
            get(|State(f): State<Arc<FakeUnits>>, h: HeaderMap| async move {
                if !authorized(&h) {
                    return (StatusCode::UNAUTHORIZED, axum::Json(json!([])));
                }
                let list: Vec<Value> = f
                    .statuses
                    .lock()
                    .unwrap()
                    .iter()
                    .map(|(id, s)| json!({"id": id, "status": s, "kind": "complaint"}))
                    .collect();
                (StatusCode::OK, axum::Json(Value::Array(list)))
            }),
        )
        .route(
            "/api/units/daliang/tickets/{id}/{action}",
            post(
                |State(f): State<Arc<FakeUnits>>,
                 Path((id, action)): Path<(u64, String)>,
                 h: HeaderMap,
                 axum::Json(body): axum::Json<Value>| async move {
                    if !authorized(&h) {
                        return (StatusCode::UNAUTHORIZED, axum::Json(json!({})));
                    }
                    let next = match action.as_str() {
                        "sign" => "signed",
                        "contact" => "contacted",
                        "resolve" => "resolved",
                        _ => "returned",
                    };
                    f.statuses.lock().unwrap().insert(id, next.to_string());
                    f.calls.lock().unwrap().push((id, action, body));
                    (StatusCode::OK, axum::Json(json!({"ok": true})))
                },
            ),
        )
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let units_url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let sim = Sim::start(&["--unit-delay", "10ms..30ms"]);
    let reg = json!({"base_url": units_url, "tokens": {"daliang": "tok-dl"}});
    let r = sim.http.post(format!("{}/_sim/units", sim.base)).json(&reg).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let deadline = Instant::now() + Duration::from_secs(10);
    let finished =
        |f: &FakeUnits| f.statuses.lock().unwrap().values().all(|s| s == "resolved" || s == "returned");
    while !finished(&fake) {
        assert!(Instant::now() < deadline, "units did not finish: {:?}", fake.statuses.lock().unwrap());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let calls = fake.calls.lock().unwrap().clone();
    let actions = |id: u64| calls.iter().filter(|c| c.0 == id).map(|c| c.1.as_str()).collect::<Vec<_>>();
    let last = |a: Vec<&str>| a.last().map(|s| s.to_string());
    assert_eq!(actions(1)[..2], ["sign", "contact"]);
    assert_eq!(actions(1).len(), 3, "one step each, no repeats: {calls:?}");
    assert_eq!(actions(2)[0], "contact");
    assert_eq!(actions(2).len(), 2);
    assert_eq!(actions(3).len(), 1);
    assert!(actions(4).is_empty(), "a resolved ticket is left alone");
    for id in [1, 2, 3] {
        let end = last(actions(id)).unwrap();
        let body = &calls.iter().rfind(|c| c.0 == id).unwrap().2;
        match end.as_str() {
            "resolve" => assert!(
                body["result"].as_str().is_some_and(|r| !r.is_empty())
                    && body["amount_recovered"].is_string()
            ),
            "return" => assert_eq!(body["reason"], "not_our_duty"),
            other => panic!("ticket {id} ended with {other}"),
        }
    }
    let contact = &calls.iter().find(|c| c.1 == "contact").unwrap().2;
    assert!(contact["note"].as_str().unwrap().contains("电话联系消费者"));
}

#[tokio::test]
async fn dup_repeats_earlier_items_and_reorder_shuffles_pages() {
    let sim = Sim::start(&["--faults", "dup=1,reorder=1"]);
    let ids: Vec<String> = generated(&sim.ledger().await, "12345").into_iter().map(|(id, _)| id).collect();
    let (mut seen, mut extra, mut shuffled) = (Vec::new(), 0, false);
    for page in 1..=ids.len().div_ceil(10) {
        let body = sim.get_json("12345", &format!("/12345/api/gd/list?page={page}&page_size=10")).await;
        let rows: Vec<String> =
            body["data"]["rows"].as_array().unwrap().iter().map(|r| id_of("12345", r)).collect();
        let own = &ids[(page - 1) * 10..(page * 10).min(ids.len())];
        let (mine, earlier): (Vec<String>, Vec<String>) = rows.into_iter().partition(|id| own.contains(id));
        assert!(
            earlier.iter().all(|id| ids[..(page - 1) * 10].contains(id)),
            "page {page} repeats only earlier pages"
        );
        assert!(page == 1 || (1..=3).contains(&earlier.len()), "page {page}: {earlier:?}");
        extra += earlier.len();
        shuffled |= mine != own;
        let mut sorted = mine.clone();
        sorted.sort();
        let mut want = own.to_vec();
        want.sort();
        assert_eq!(sorted, want, "page {page} still has each of its own items once");
        seen.extend(mine);
    }
    assert!(extra > 0 && shuffled);
    assert_eq!(seen.len(), ids.len());
}

#[tokio::test]
async fn slow_answers_late_and_a_timeout_is_recorded_before_it_is_held() {
    let sim = Sim::start(&["--faults", "mayor:slow=1,dept:timeout=1"]);
    let started = Instant::now();
    sim.get_json("mayor", "/mayor/api/gd/list").await;
    assert!(started.elapsed() >= Duration::from_millis(500));

    let id = generated(&sim.ledger().await, "dept")[0].0.clone();
    let path = format!("/dept/v2/cases/{id}/ack");
    for _ in 0..2 {
        let ack = sim.request(reqwest::Method::POST, "dept", &path).header("Idempotency-Key", "ack-dept");
        let e = ack
            .timeout(Duration::from_millis(800))
            .send()
            .await
            .expect_err("held past the client's patience");
        assert!(e.is_timeout(), "{e:?}");
    }
    let ledger = sim.ledger().await;
    assert_eq!(
        ledger["signed"],
        json!([{"channel": "dept", "channel_ticket_id": id, "keys": ["ack-dept"], "count": 2}])
    );
}

#[tokio::test]
async fn the_gateway_refuses_inside_http_200_and_records_only_what_it_accepts() {
    let sim = Sim::start(&["--faults", "rmw:refuse=1"]);
    let ledger = sim.ledger().await;
    let list = sim.get_json("rmw", "/rmw/gateway/workorders?pageNo=1&pageSize=5").await;
    assert_eq!(list, json!({"resultCode": "5001", "resultMsg": "系统繁忙，请稍后再试"}));
    let id = generated(&ledger, "rmw")[0].0.clone();
    let receive = sim
        .request(reqwest::Method::POST, "rmw", &format!("/rmw/gateway/workorders/{id}/receive"))
        .header("Idempotency-Key", "sign:rmw:1")
        .json(&json!({"receiver": "王文书", "receiveTime": "2026/11/28 10:05:00"}));
    let answer = receive.send().await.unwrap();
    assert_eq!(answer.status(), 200, "refused, yet HTTP 200");
    assert_eq!(answer.json::<Value>().await.unwrap()["resultCode"], "2003");
    assert_eq!(sim.ledger().await["signed"], json!([]), "a refused sign-for is not recorded");

    let calm = Sim::start(&[]);
    let id = generated(&calm.ledger().await, "rmw")[0].0.clone();
    let post = |body: Value, key: &str| {
        calm.request(reqwest::Method::POST, "rmw", &format!("/rmw/gateway/workorders/{id}/receive"))
            .header("Idempotency-Key", key)
            .json(&body)
    };
    let dashed = post(json!({"receiver": "王文书", "receiveTime": "2026-11-28 10:05:00"}), "k1");
    let dashed: Value = dashed.send().await.unwrap().json().await.unwrap();
    assert_eq!(dashed["resultCode"], "1004", "only slash dates: {dashed}");
    let slashed = post(json!({"receiver": "王文书", "receiveTime": "2026/11/28 10:05:00"}), "k1");
    let slashed: Value = slashed.send().await.unwrap().json().await.unwrap();
    assert_eq!(slashed, json!({"resultCode": "0000", "resultMsg": "成功"}));
    let wrong_key =
        calm.http.get(format!("{}/rmw/gateway/workorders", calm.base)).header("X-Api-Key", "nope");
    let wrong_key: Value = wrong_key.send().await.unwrap().json().await.unwrap();
    assert_eq!(wrong_key["resultCode"], "1001");
    let signed = &calm.ledger().await["signed"];
    assert_eq!(signed, &json!([{"channel": "rmw", "channel_ticket_id": id, "keys": ["k1"], "count": 1}]));
}
