//! The HTTP side of channel sync against the real simulator: every shipped profile, pointed at
//! it, pulls every item once, signs for and writes back so the ledger records it, and failures
//! come back classified (src/sync/http.rs; the shapes in src/sim/mod.rs).

mod support;

use rightsdesk::config;
use rightsdesk::domain::channel_profile::{Auth, Secret, SyncProfile};
use rightsdesk::domain::effect::{Effect, EffectKind};
use rightsdesk::domain::ticket::{Fen, TicketId};
use rightsdesk::sync::http::{Channel, HttpChannel, SecretSource, SmsGateway, SyncError, point_at_simulator};
use rightsdesk::time::Timestamp;
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

const NOW: &str = "2026-11-28T10:00:00+08:00";
/// Small pages, so every channel takes several.
const PAGE: u32 = 5;

fn now() -> Timestamp {
    Timestamp::parse(NOW).unwrap()
}

/// A running simulator, killed when dropped.
struct Sim {
    /// Kills the simulator when the test is done with it.
    _process: support::SimProcess,
    base: String,
    http: reqwest::Client,
}

impl Sim {
    /// `sim --listen 127.0.0.1:0 --rate 0 --tickets 300 --seed 11` plus `extra`.
    fn start(extra: &[&str]) -> Sim {
        let mut args = vec!["--rate", "0", "--tickets", "300", "--seed", "11"];
        args.extend(extra);
        let process = support::SimProcess::start(&args, NOW);
        Sim { base: process.base.clone(), _process: process, http: client() }
    }

    async fn ledger(&self) -> Value {
        self.http.get(format!("{}/_sim/ledger", self.base)).send().await.unwrap().json().await.unwrap()
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

/// The shipped profiles of the remote channels, by id.
fn shipped() -> BTreeMap<String, SyncProfile> {
    let config = config::load(None).unwrap();
    config.channels.remote().map(|c| (c.id.clone(), c.sync.clone().expect("a sync profile"))).collect()
}

fn profile(channel: &str) -> SyncProfile {
    shipped().remove(channel).unwrap_or_else(|| panic!("no remote channel {channel}"))
}

fn channel(sim: &Sim, id: &str) -> HttpChannel {
    let p = point_at_simulator(&profile(id), &sim.base, id);
    HttpChannel::new(id, &p, client(), &SecretSource::Simulator).unwrap()
}

/// `(id, valid)` of what the simulator generated for `channel`, in generation order.
fn generated(ledger: &Value, channel: &str) -> Vec<(String, bool)> {
    ledger["generated"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["channel"] == channel)
        .map(|g| (g["channel_ticket_id"].as_str().unwrap().to_string(), g["valid"].as_bool().unwrap()))
        .collect()
}

/// The ledger entry of one effect on one ticket.
fn entry<'a>(ledger: &'a Value, what: &str, channel: &str, id: &str) -> Option<&'a Value> {
    ledger[what].as_array().unwrap().iter().find(|e| e["channel"] == channel && e["channel_ticket_id"] == id)
}

fn effect(kind: EffectKind, key: &str, channel: &str, id: &str) -> Effect {
    Effect {
        kind,
        key: key.to_string(),
        ticket: TicketId(1),
        channel: channel.to_string(),
        channel_ticket_id: id.to_string(),
        to: None,
        text: String::new(),
        amount_recovered: None,
        at: now(),
    }
}

/// Pulls `channel` from no cursor until a short page: the ticket ids (in order), the distinct raw
/// payloads of malformed items, and the number of pages.
async fn pull_all(ch: &HttpChannel) -> (Vec<String>, HashSet<String>, usize) {
    let (mut ids, mut malformed, mut pages) = (Vec::new(), HashSet::new(), 0);
    let mut cursor: Option<String> = None;
    loop {
        let pulled = ch.pull(cursor.as_deref(), now()).await.unwrap_or_else(|e| panic!("{}: {e}", ch.id()));
        pages += 1;
        assert!(pages < 200, "{}: the pages never end", ch.id());
        assert_eq!(
            pulled.page.tickets.len() + pulled.page.malformed.len() + pulled.page.repeated,
            pulled.page.items
        );
        assert_eq!(pulled.full, pulled.page.items >= PAGE as usize, "{}", ch.id());
        ids.extend(pulled.page.tickets.iter().map(|t| {
            assert_eq!(t.intake.channel, ch.id());
            t.intake.channel_ticket_id.clone()
        }));
        malformed.extend(pulled.page.malformed.iter().map(|m| m.raw.clone()));
        if pulled.full {
            assert!(pulled.next_cursor.is_some(), "{}: a full page gives a cursor", ch.id());
            assert_ne!(pulled.next_cursor, cursor, "{}: a full page moves the cursor on", ch.id());
        }
        cursor = pulled.next_cursor;
        if !pulled.full {
            break;
        }
    }
    // Nothing new: pulling again from the stored cursor brings no ticket not seen before.
    let again = ch.pull(cursor.as_deref(), now()).await.unwrap();
    assert!(again.page.tickets.iter().all(|t| ids.contains(&t.intake.channel_ticket_id)), "{}", ch.id());
    (ids, malformed, pages)
}

/// Every remote channel's items arrive once each: valid ones as tickets, bad ones as malformed.
async fn check_every_channel_pulls_what_was_generated(sim: &Sim) -> usize {
    let ledger = sim.ledger().await;
    let profiles = shipped();
    assert_eq!(profiles.len(), 14);
    let mut malformed_total = 0;
    for (id, p) in &profiles {
        let mut p = point_at_simulator(p, &sim.base, id);
        assert_eq!(p.base_url, format!("{}/{id}", sim.base));
        p.page_size = PAGE;
        let ch = HttpChannel::new(id, &p, client(), &SecretSource::Simulator).unwrap();
        assert_eq!(ch.poll_interval(), Duration::from_millis(p.poll_interval_ms));
        let (ids, malformed, pages) = pull_all(&ch).await;
        let expected = generated(&ledger, id);
        let valid: Vec<&str> = expected.iter().filter(|(_, v)| *v).map(|(i, _)| i.as_str()).collect();
        let got: HashSet<&str> = ids.iter().map(String::as_str).collect();
        assert_eq!(got.len(), ids.len(), "{id}: a ticket came twice");
        assert_eq!(got, valid.iter().copied().collect::<HashSet<_>>(), "{id}: tickets");
        assert_eq!(malformed.len(), expected.len() - valid.len(), "{id}: malformed items");
        // Full pages, then one short (maybe empty) page.
        assert_eq!(pages, expected.len() / PAGE as usize + 1, "{id}: pages of {PAGE}");
        malformed_total += malformed.len();
    }
    malformed_total
}

#[tokio::test]
async fn every_shipped_profile_pulls_each_generated_item_once() {
    let sim = Sim::start(&[]);
    let malformed = check_every_channel_pulls_what_was_generated(&sim).await;
    assert_eq!(malformed, 0, "no faults, no malformed items");
}

#[tokio::test]
async fn malformed_items_are_quarantined_and_the_rest_still_arrive() {
    let sim = Sim::start(&["--faults", "malformed=0.15"]);
    let malformed = check_every_channel_pulls_what_was_generated(&sim).await;
    assert!(malformed > 10, "about 45 of 300 are malformed, got {malformed}");
}

#[tokio::test]
async fn sign_for_twice_with_one_key_is_one_key_and_two_arrivals_in_every_shape() {
    let sim = Sim::start(&[]);
    let ledger = sim.ledger().await;
    for id in ["12345", "12315", "wechat", "email"] {
        let ch = channel(&sim, id);
        let (ticket, _) = generated(&ledger, id).into_iter().next().unwrap();
        let key = format!("sign:{id}:{ticket}");
        let e = effect(EffectKind::SignFor, &key, id, &ticket);
        for _ in 0..2 {
            ch.sign_for(&e, "张三", now()).await.unwrap_or_else(|err| panic!("{id}: {err}"));
        }
        let ledger = sim.ledger().await;
        let signed = entry(&ledger, "signed", id, &ticket).unwrap_or_else(|| panic!("{id}: not signed"));
        assert_eq!(signed["keys"], serde_json::json!([key]), "{id}");
        assert_eq!(signed["count"], 2, "{id}");
    }
}

#[tokio::test]
async fn write_backs_land_in_the_ledger_with_each_shapes_body() {
    let sim = Sim::start(&[]);
    let ledger = sim.ledger().await;
    let cases = [
        ("12315", serde_json::json!({"result": "已调解", "finished_at": now().millis(), "recovered": 120.0})),
        ("12345", serde_json::json!({"bljg": "已调解", "wcsj": "2026-11-28 10:00:00", "whjjss": "120.00"})),
        (
            "station",
            serde_json::json!({"text": "已调解", "done_at": "2026-11-28T10:00:00+08:00", "recovered": "120.00"}),
        ),
        (
            "media",
            serde_json::json!({"办理结果": "已调解", "办结时间": "2026/11/28 10:00", "挽回金额": "120.00"}),
        ),
    ];
    for (id, body) in cases {
        let ch = channel(&sim, id);
        let (ticket, _) = generated(&ledger, id).into_iter().next().unwrap();
        let mut e = effect(EffectKind::WriteBack, &format!("writeback:{id}"), id, &ticket);
        e.text = "已调解".into();
        e.amount_recovered = Some(Fen(12_000));
        ch.write_back(&e, "张三", now()).await.unwrap_or_else(|err| panic!("{id}: {err}"));
        let ledger = sim.ledger().await;
        let wb =
            entry(&ledger, "writebacks", id, &ticket).unwrap_or_else(|| panic!("{id}: not written back"));
        assert_eq!(wb["keys"], serde_json::json!([format!("writeback:{id}")]));
        assert_eq!(wb["count"], 1);
        assert_eq!(wb["last"], body, "{id}");
    }
}

#[tokio::test]
async fn an_effect_on_an_unknown_ticket_is_a_404_that_is_not_retried() {
    let sim = Sim::start(&[]);
    let ch = channel(&sim, "12315");
    let e = effect(EffectKind::SignFor, "sign:x", "12315", "NO/SUCH ID");
    match ch.sign_for(&e, "张三", now()).await {
        Err(err @ SyncError::Http { status: 404, .. }) => assert!(!err.is_retryable()),
        other => panic!("expected a 404, got {other:?}"),
    }
}

#[tokio::test]
async fn a_missing_secret_is_named_and_a_loose_secret_file_refused() {
    let p = profile("12345");
    let client = client();
    match HttpChannel::new("12345", &p, client.clone(), &SecretSource::Fixed(BTreeMap::new())) {
        Err(SyncError::NoSecret { channel, what }) => {
            assert_eq!(channel, "12345");
            assert_eq!(what, "environment variable RIGHTSDESK_SECRET_12345 is not set");
        }
        other => panic!("expected NoSecret, got {:?}", other.err()),
    }
    let mut unset = profile("12315");
    unset.auth = Auth::AppKey {
        key: "sim-12315".into(),
        secret: Secret { env: Some("RIGHTSDESK_SECRET_SURELY_NOT_SET_4711".into()), file: None },
    };
    assert!(matches!(
        HttpChannel::new("12315", &unset, client.clone(), &SecretSource::Environment),
        Err(SyncError::NoSecret { .. })
    ));
    let fixed = BTreeMap::from([("RIGHTSDESK_SECRET_12345".to_string(), "t".to_string())]);
    assert!(HttpChannel::new("12345", &p, client.clone(), &SecretSource::Fixed(fixed)).is_ok());

    // A secret file: owner-only is read (and works against the simulator); group-readable is refused.
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("token");
    std::fs::write(&path, "sim-12345-token\n").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    let sim = Sim::start(&[]);
    let mut from_file = point_at_simulator(&p, &sim.base, "12345");
    let path_text = path.to_str().unwrap().to_string();
    from_file.auth = Auth::Bearer { token: Secret { env: None, file: Some(path_text.clone()) } };
    match HttpChannel::new("12345", &from_file, client.clone(), &SecretSource::Environment) {
        Err(err @ SyncError::InsecureSecretFile { .. }) => {
            assert!(!err.is_retryable());
            assert!(matches!(err, SyncError::InsecureSecretFile { path } if path == path_text));
        }
        other => panic!("expected InsecureSecretFile, got {:?}", other.err()),
    }
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let ch = HttpChannel::new("12345", &from_file, client, &SecretSource::Environment).unwrap();
    let pulled = ch.pull(None, now()).await.unwrap();
    assert!(!pulled.page.tickets.is_empty());
}

#[tokio::test]
async fn wrong_credentials_are_a_401_that_is_not_retried() {
    let sim = Sim::start(&[]);
    let p = point_at_simulator(&profile("email"), &sim.base, "email");
    let fixed = BTreeMap::from([("RIGHTSDESK_SECRET_EMAIL".to_string(), "not-the-secret".to_string())]);
    let ch = HttpChannel::new("email", &p, client(), &SecretSource::Fixed(fixed)).unwrap();
    match ch.pull(None, now()).await {
        Err(err @ SyncError::Http { status: 401, .. }) => assert!(!err.is_retryable()),
        other => panic!("expected a 401, got {:?}", other.err()),
    }
}

#[tokio::test]
async fn an_sms_lands_in_the_ledger_once_per_key() {
    let sim = Sim::start(&[]);
    let gateway = SmsGateway::new(&sim.base, "sim-sms-token".into(), client());
    let mut e = effect(EffectKind::Sms, "sms:dispatch:17", "12345", "");
    e.to = Some("13800000001".into());
    e.text = "工单#1（投诉）派至大良分局".into();
    gateway.send(&e).await.unwrap();
    gateway.send(&e).await.unwrap();
    let ledger = sim.ledger().await;
    let sms = ledger["sms"].as_array().unwrap().iter().find(|s| s["to"] == "13800000001").unwrap();
    assert_eq!(sms["keys"], serde_json::json!(["sms:dispatch:17"]));
    assert_eq!(sms["count"], 2);

    let wrong = SmsGateway::new(&sim.base, "wrong".into(), client());
    assert!(matches!(wrong.send(&e).await, Err(SyncError::Http { status: 401, .. })));
    e.to = None;
    assert!(matches!(gateway.send(&e).await, Err(SyncError::Invalid(_))));
}

#[tokio::test]
async fn with_5xx_certain_pulls_and_effects_fail_retryably() {
    let sim = Sim::start(&["--faults", "5xx=1"]);
    let ledger = sim.ledger().await;
    for id in ["12345", "12315", "wechat", "email"] {
        let ch = channel(&sim, id);
        match ch.pull(None, now()).await {
            Err(err @ SyncError::Http { status: 503, .. }) => assert!(err.is_retryable(), "{id}"),
            other => panic!("{id}: expected a 503, got {:?}", other.err()),
        }
        let (ticket, _) = generated(&ledger, id).into_iter().next().unwrap();
        let e = effect(EffectKind::SignFor, "sign:k", id, &ticket);
        let err = ch.sign_for(&e, "张三", now()).await.unwrap_err();
        assert!(err.is_retryable(), "{id}: {err}");
    }
}

#[tokio::test]
async fn a_refused_connection_or_a_reset_is_a_retryable_network_error() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let p = point_at_simulator(&profile("wechat"), &format!("http://127.0.0.1:{port}"), "wechat");
    let ch = HttpChannel::new("wechat", &p, client(), &SecretSource::Simulator).unwrap();
    match ch.pull(None, now()).await {
        Err(err @ SyncError::Network(_)) => assert!(err.is_retryable()),
        other => panic!("expected a network error, got {:?}", other.err()),
    }

    let sim = Sim::start(&["--faults", "reset=1"]);
    let ch = channel(&sim, "mayor");
    match ch.pull(None, now()).await {
        Err(err @ SyncError::Network(_)) => assert!(err.is_retryable()),
        other => panic!("expected a network error, got {:?}", other.err()),
    }
}

#[tokio::test]
async fn a_request_held_past_the_profile_timeout_is_a_retryable_network_error() {
    let sim = Sim::start(&["--faults", "dept:timeout=1"]);
    let mut p = point_at_simulator(&profile("dept"), &sim.base, "dept");
    p.timeout_ms = 300;
    let ch = HttpChannel::new("dept", &p, client(), &SecretSource::Simulator).unwrap();
    let started = std::time::Instant::now();
    match ch.pull(None, now()).await {
        Err(err @ SyncError::Network(_)) => assert!(err.is_retryable()),
        other => panic!("expected a timeout, got {:?}", other.err()),
    }
    assert!(started.elapsed() < Duration::from_secs(5));
}
