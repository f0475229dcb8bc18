//! The units API over HTTP: a unit sees and touches only its own tickets, every call needs its
//! token, and every change goes through the engine into the audit trail as `unit:{unit}`.

use rightsdesk::config::{self, Config};
use rightsdesk::domain::action::TicketAction as A;
use rightsdesk::domain::effect::EffectKind;
use rightsdesk::domain::status::Status;
use rightsdesk::domain::ticket::{Complainant, Dispute, Intake, Kind, NewTicket, Respondent, TicketId};
use rightsdesk::engine::{Command, Engine, EngineHandle, Envelope, Outcome};
use rightsdesk::time::{Clock, Timestamp};
use rightsdesk::units_api::{hash_token, new_token, router};
use serde_json::{Value, json};
use std::sync::Arc;

fn config() -> Arc<Config> {
    Arc::new(config::load(None).expect("built-in configuration"))
}

fn now() -> Timestamp {
    Timestamp::parse("2026-11-25T10:00:00+08:00").unwrap()
}

fn ticket(channel: &str, ext: &str, kind: Kind, title: &str) -> NewTicket {
    NewTicket {
        kind: Some(kind),
        intake: Intake {
            channel: channel.into(),
            channel_ticket_id: ext.into(),
            received_at: Some(Timestamp::parse("2026-11-24 14:30").unwrap()),
            town: Some("大良街道".into()),
            ..Intake::default()
        },
        complainant: Complainant {
            name: Some("黄志强".into()),
            phone: Some("13800138000".into()),
            ..Complainant::default()
        },
        respondent: Respondent {
            name: Some("佛山市顺德区大良某某电器有限公司".into()),
            ..Respondent::default()
        },
        dispute: Dispute {
            title: title.into(),
            request: Some("退款".into()),
            facts: Some("在某电器城购买的洗碗机无法正常使用，商家拖延维修".into()),
            ..Dispute::default()
        },
        attachments: vec![],
    }
}

struct Desk {
    engine: EngineHandle,
    base: String,
    client: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl Desk {
    async fn start() -> Desk {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::open(dir.path(), config(), Clock::Fixed(now())).expect("opens");
        let (engine, _thread) = EngineHandle::spawn(engine);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let app = router(engine.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        Desk { engine, base, client, _dir: dir }
    }

    async fn run(&self, command: Command) -> Outcome {
        self.engine.execute(Envelope { actor: "王文书".into(), command }).await.expect("engine accepts")
    }

    async fn issue(&self, unit: &str) -> String {
        let token = new_token();
        let command = Command::SetUnitToken { unit: unit.into(), token_hash: Some(hash_token(&token)) };
        assert_eq!(self.run(command).await, Outcome::Updated(vec![]));
        token
    }

    /// Registers, triages and dispatches a ticket to `unit`.
    async fn dispatched(&self, channel: &str, ext: &str, kind: Kind, unit: &str) -> TicketId {
        let outcome =
            self.run(Command::Register(Box::new(ticket(channel, ext, kind, "洗碗机无法使用")))).await;
        let id = outcome.ticket().expect("registered");
        let triage = A::Triage { kind, category: None, dispute_type: None };
        self.run(Command::Act { ticket: id, action: triage }).await;
        self.run(Command::Act { ticket: id, action: A::Dispatch { unit: unit.into() } }).await;
        id
    }

    fn status(&self, id: TicketId) -> Status {
        self.engine.reader().ticket(id).unwrap().unwrap().status
    }

    fn events(&self, id: TicketId) -> usize {
        self.engine.reader().ticket(id).unwrap().unwrap().events.len()
    }

    async fn get(&self, unit: &str, token: Option<&str>) -> (u16, Value) {
        let mut request = self.client.get(format!("{}/api/units/{unit}/tickets", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        (response.status().as_u16(), response.json().await.unwrap())
    }

    async fn post(
        &self,
        unit: &str,
        token: Option<&str>,
        id: TicketId,
        action: &str,
        body: Value,
    ) -> (u16, Value) {
        let url = format!("{}/api/units/{unit}/tickets/{}/{action}", self.base, id.0);
        let mut request = self.client.post(url).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        (response.status().as_u16(), response.json().await.unwrap())
    }
}

#[tokio::test]
async fn a_unit_lists_only_its_own_tickets_with_the_consumers_contact() {
    let desk = Desk::start().await;
    let token = desk.issue("daliang").await;
    desk.issue("ronggui").await;
    let mine = desk.dispatched("12345", "GD-1", Kind::Complaint, "daliang").await;
    let other = desk.dispatched("12345", "GD-2", Kind::Complaint, "ronggui").await;

    let (status, list) = desk.get("daliang", Some(&token)).await;
    assert_eq!(status, 200, "{list}");
    let items = list.as_array().unwrap();
    assert_eq!(items.len(), 1, "{list}");
    let item = &items[0];
    assert_eq!(item["id"], json!(mine.0));
    assert_ne!(item["id"], json!(other.0));
    assert_eq!(item["status"], "dispatched");
    assert_eq!(item["kind"], "complaint");
    assert_eq!(item["title"], "洗碗机无法使用");
    assert_eq!(item["complainant_name"], "黄志强");
    assert_eq!(item["complainant_phone"], "13800138000");
    assert!(item["received_at"].is_string(), "{item}");
    assert!(item.get("due_at").is_some(), "{item}");
}

#[tokio::test]
async fn sign_contact_resolve_takes_a_complaint_to_resolved_as_the_unit() {
    let desk = Desk::start().await;
    let token = desk.issue("daliang").await;
    let id = desk.dispatched("12345", "GD-10", Kind::Complaint, "daliang").await;

    let (s, body) = desk.post("daliang", Some(&token), id, "sign", json!({})).await;
    assert_eq!((s, body["status"].as_str()), (200, Some("signed")), "{body}");
    let (s, body) =
        desk.post("daliang", Some(&token), id, "contact", json!({ "note": "电话联系消费者" })).await;
    assert_eq!((s, body["status"].as_str()), (200, Some("contacted")), "{body}");
    let (s, _) = desk.post("daliang", Some(&token), id, "progress", json!({ "note": "已约商家面谈" })).await;
    assert_eq!(s, 200);
    let flushes = desk.engine.reader().store().flush_count();
    let resolve = json!({ "result": "经调解，商家同意退货退款。", "amount_recovered": "120.00" });
    let (s, body) = desk.post("daliang", Some(&token), id, "resolve", resolve).await;
    assert_eq!((s, body["status"].as_str()), (200, Some("resolved")), "{body}");
    assert_eq!(desk.status(id), Status::Resolved);
    assert_eq!(
        desk.engine.reader().store().flush_count() - flushes,
        1,
        "accept, settle and resolve are written together: a crash cannot leave the ticket half way"
    );

    let t = desk.engine.reader().ticket(id).unwrap().unwrap();
    let timeline = desk.engine.reader().timeline(&t).unwrap();
    let by_unit: Vec<&str> =
        timeline.iter().filter(|e| e.actor == "unit:daliang").map(|e| e.body.name()).collect();
    assert_eq!(by_unit, ["signed", "contacted", "note", "accepted", "settled", "resolved"]);
    assert_eq!(timeline.last().unwrap().actor, "unit:daliang");

    // A resolved ticket is no longer in the unit's list; a repeated resolve (a lost answer)
    // changes nothing and gets the ticket as it stands.
    let (_, list) = desk.get("daliang", Some(&token)).await;
    assert_eq!(list, json!([]));
    let before = desk.events(id);
    let (s, body) = desk.post("daliang", Some(&token), id, "resolve", json!({ "result": "再次" })).await;
    assert_eq!((s, body["status"].as_str()), (200, Some("resolved")), "{body}");
    assert_eq!(desk.events(id), before);
    // No longer the unit's work: the consumer's name and phone are not shown to it any more.
    assert!(body["complainant_name"].is_null() && body["complainant_phone"].is_null(), "{body}");
    // A resolved ticket is no longer the unit's to act on: the engine refuses, naming why.
    let (s, body) = desk.post("daliang", Some(&token), id, "sign", json!({})).await;
    assert_eq!(s, 403, "{body}");
    assert!(body["error"].as_str().unwrap().contains("not in hand at unit daliang"), "{body}");
}

#[tokio::test]
async fn reports_and_enquiries_are_walked_to_resolved_for_their_kind() {
    let desk = Desk::start().await;
    let token = desk.issue("daliang").await;
    let report = desk.dispatched("12345", "GD-20", Kind::Report, "daliang").await;
    let enquiry = desk.dispatched("12345", "GD-21", Kind::Enquiry, "daliang").await;
    for id in [report, enquiry] {
        assert_eq!(desk.post("daliang", Some(&token), id, "sign", json!({})).await.0, 200);
    }
    let body = json!({ "result": "经现场核查，举报问题属实，已责令整改。", "case_filed": true });
    let (s, out) = desk.post("daliang", Some(&token), report, "resolve", body).await;
    assert_eq!((s, out["status"].as_str()), (200, Some("resolved")), "{out}");
    let t = desk.engine.reader().ticket(report).unwrap().unwrap();
    let names: Vec<&str> = desk.engine.reader().timeline(&t).unwrap().iter().map(|e| e.body.name()).collect();
    // The reporter gave a name and a phone: told before the ticket is resolved.
    assert!(names.ends_with(&["verified", "filing_decided", "reporter_told", "resolved"]), "{names:?}");
    assert_eq!(t.status, Status::Resolved);

    let (s, out) =
        desk.post("daliang", Some(&token), enquiry, "resolve", json!({ "result": "已电话解答。" })).await;
    assert_eq!((s, out["status"].as_str()), (200, Some("resolved")), "{out}");
}

#[tokio::test]
async fn another_units_ticket_is_not_found_and_unchanged() {
    let desk = Desk::start().await;
    let token = desk.issue("daliang").await;
    desk.issue("ronggui").await;
    let other = desk.dispatched("12345", "GD-30", Kind::Complaint, "ronggui").await;
    let before = desk.events(other);
    for action in ["sign", "contact", "progress", "resolve", "return"] {
        let body = json!({ "note": "x", "result": "x", "reason": "not_our_duty" });
        let (s, out) = desk.post("daliang", Some(&token), other, action, body).await;
        assert_eq!(s, 404, "{action}: {out}");
        assert!(out["error"].is_string());
    }
    let (s, _) = desk.post("daliang", Some(&token), TicketId(9_999), "sign", json!({})).await;
    assert_eq!(s, 404);
    assert_eq!(desk.status(other), Status::Dispatched);
    assert_eq!(desk.events(other), before);
}

#[tokio::test]
async fn wrong_missing_and_revoked_tokens_get_401_and_change_nothing() {
    let desk = Desk::start().await;
    let token = desk.issue("daliang").await;
    let ronggui = desk.issue("ronggui").await;
    let id = desk.dispatched("12345", "GD-40", Kind::Complaint, "daliang").await;
    let before = desk.events(id);

    let (s, out) = desk.get("daliang", Some("not-the-token")).await;
    assert_eq!(s, 401, "{out}");
    assert!(out["error"].is_string());
    assert_eq!(desk.get("daliang", None).await.0, 401);
    // Another unit's valid token is a wrong token here.
    assert_eq!(desk.get("daliang", Some(&ronggui)).await.0, 401);
    assert_eq!(desk.get("nowhere", Some(&token)).await.0, 401);
    assert_eq!(desk.post("daliang", Some("not-the-token"), id, "sign", json!({})).await.0, 401);
    assert_eq!(desk.post("daliang", None, id, "sign", json!({})).await.0, 401);
    assert_eq!(desk.post("daliang", Some(&ronggui), id, "sign", json!({})).await.0, 401);
    assert_eq!(desk.events(id), before);

    // The store keeps the hash, not the token.
    let stored = desk.engine.reader().store().unit_token_hash("daliang").unwrap().unwrap();
    assert_eq!(stored, hash_token(&token));
    assert_ne!(stored, token);

    let revoke = Command::SetUnitToken { unit: "daliang".into(), token_hash: None };
    assert_eq!(desk.run(revoke).await, Outcome::Updated(vec![]));
    assert_eq!(desk.engine.reader().store().unit_token_hash("daliang").unwrap(), None);
    assert_eq!(desk.get("daliang", Some(&token)).await.0, 401);
    assert_eq!(desk.post("daliang", Some(&token), id, "sign", json!({})).await.0, 401);
    assert_eq!(desk.status(id), Status::Dispatched);
    assert_eq!(desk.events(id), before);

    // A token for a unit the organisation does not have is refused by the engine.
    let unknown = Command::SetUnitToken { unit: "nowhere".into(), token_hash: Some(hash_token("x")) };
    let refused = desk.engine.execute(Envelope { actor: "王文书".into(), command: unknown }).await;
    assert!(refused.unwrap_err().to_string().contains("unknown unit"));
}

#[tokio::test]
async fn a_return_with_a_reason_puts_the_ticket_back_to_triage() {
    let desk = Desk::start().await;
    let token = desk.issue("daliang").await;
    let id = desk.dispatched("12345", "GD-50", Kind::Complaint, "daliang").await;
    assert_eq!(desk.post("daliang", Some(&token), id, "sign", json!({})).await.0, 200);

    let before = desk.events(id);
    let (s, out) =
        desk.post("daliang", Some(&token), id, "return", json!({ "reason": "no_such_reason" })).await;
    assert_eq!(s, 409, "{out}");
    assert_eq!(desk.events(id), before);

    let body = json!({ "reason": "not_our_duty", "note": "不属本单位职责范围" });
    let (s, out) = desk.post("daliang", Some(&token), id, "return", body).await;
    assert_eq!((s, out["status"].as_str()), (200, Some("triaged")), "{out}");
    assert_eq!(desk.status(id), Status::Triaged);
    let t = desk.engine.reader().ticket(id).unwrap().unwrap();
    let last = desk.engine.reader().timeline(&t).unwrap().pop().unwrap();
    assert_eq!((last.body.name(), last.actor.as_str()), ("returned", "unit:daliang"));

    // Back at the bureau: no longer the unit's.
    assert_eq!(desk.get("daliang", Some(&token)).await.1, json!([]));
    assert_eq!(desk.post("daliang", Some(&token), id, "sign", json!({})).await.0, 404);
}

#[tokio::test]
async fn a_resolved_ticket_from_a_remote_channel_has_a_write_back_in_the_outbox() {
    let desk = Desk::start().await;
    let token = desk.issue("daliang").await;
    let id = desk.dispatched("12345", "GD-60", Kind::Complaint, "daliang").await;
    for (action, body) in [
        ("sign", json!({})),
        ("contact", json!({ "note": "已联系" })),
        ("resolve", json!({ "result": "双方和解，商家退款。", "amount_recovered": "88.50" })),
    ] {
        let (s, out) = desk.post("daliang", Some(&token), id, action, body).await;
        assert_eq!(s, 200, "{action}: {out}");
    }
    let store = desk.engine.reader().store();
    let write_backs: Vec<_> = store
        .outbox_entries()
        .map(Result::unwrap)
        .filter(|e| e.effect.ticket == id && e.effect.kind == EffectKind::WriteBack)
        .collect();
    assert_eq!(write_backs.len(), 1, "{write_backs:?}");
    assert_eq!(write_backs[0].effect.channel, "12345");
}
