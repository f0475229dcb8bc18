//! The units API: the handling units (sections, branches, stations) list the tickets dispatched
//! to them, sign for them, record first contact and progress, resolve or return them.
//!
//! Every route is under `/api/units/{unit}/tickets` and needs `Authorization: Bearer TOKEN`,
//! checked against the hash the store keeps for that unit (`rightsdesk unit token issue`). A
//! unit sees and touches only its own tickets; every change goes through the engine as the
//! actor `unit:{unit}`, so it is in the audit trail.

use crate::domain::action::TicketAction;
use crate::domain::lifecycle::{self, Rules};
use crate::domain::role::{Person, Role};
use crate::domain::status::Status;
use crate::domain::ticket::{Fen, Kind, Ticket, TicketId};
use crate::engine::{Command, EngineError, EngineHandle, Envelope, Origin};
use crate::time::Timestamp;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// The routes of the units API, over the engine.
pub fn router(engine: EngineHandle) -> Router {
    Router::new()
        .route("/api/units/{unit}/tickets", get(list))
        .route("/api/units/{unit}/tickets/{id}/{action}", post(act))
        .with_state(engine)
}

/// A fresh token: 32 random bytes, hex.
pub fn new_token() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

/// What the store keeps of a token: its SHA-256, hex.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// One ticket as a unit sees it. The consumer's name and phone are not masked: the unit has to
/// reach them, and it only ever sees its own tickets.
#[derive(Serialize)]
struct UnitTicket {
    id: u64,
    status: &'static str,
    kind: &'static str,
    title: String,
    received_at: Option<Timestamp>,
    due_at: Option<Timestamp>,
    complainant_name: Option<String>,
    complainant_phone: Option<String>,
}

/// A failure as JSON: `{"error": "..."}` with its HTTP status.
struct ApiError(StatusCode, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, axum::Json(json!({ "error": self.1 }))).into_response()
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> ApiError {
        tracing::error!(error = %e, "units API: store read failed");
        ApiError(StatusCode::INTERNAL_SERVER_ERROR, "store read failed".into())
    }
}

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> ApiError {
        let status = match &e {
            EngineError::Rule(_) | EngineError::BadMergeTarget { .. } => StatusCode::CONFLICT,
            EngineError::NoTicket(_) => StatusCode::NOT_FOUND,
            // The ticket left the unit between the API's look and the engine's write.
            EngineError::Forbidden(_) => StatusCode::FORBIDDEN,
            EngineError::NotSaved(_) => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        ApiError(status, e.to_string())
    }
}

fn unauthorized() -> ApiError {
    ApiError(StatusCode::UNAUTHORIZED, "missing or wrong unit token".into())
}

fn not_found(id: &str) -> ApiError {
    ApiError(StatusCode::NOT_FOUND, format!("no ticket {id} at this unit"))
}

fn bad_request(what: impl Into<String>) -> ApiError {
    ApiError(StatusCode::BAD_REQUEST, what.into())
}

/// The unit's id if the bearer token is the one issued to it; 401 otherwise.
fn authenticate(engine: &EngineHandle, unit: &str, headers: &HeaderMap) -> Result<String, ApiError> {
    let reader = engine.reader();
    let unit = reader.config().org.find_unit(unit).map(|u| u.id.clone()).ok_or_else(unauthorized)?;
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|token| !token.is_empty())
        .ok_or_else(unauthorized)?;
    let stored = reader.store().unit_token_hash(&unit)?.ok_or_else(unauthorized)?;
    if same(hash_token(token).as_bytes(), stored.as_bytes()) { Ok(unit) } else { Err(unauthorized()) }
}

/// Equality in time independent of where the inputs differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A ticket is at a unit from its dispatch until it goes back to triage or leaves the unit.
fn at_unit(t: &Ticket, unit: &str) -> bool {
    t.workflow.unit.as_deref() == Some(unit) && !matches!(t.status, Status::Registered | Status::Triaged)
}

/// The ticket as the unit sees it: the consumer's name and phone only while the unit holds it
/// (see `role::holds`), not once it is resolved, closed or taken away.
fn view(engine: &EngineHandle, t: &Ticket, unit: &str) -> Result<UnitTicket, ApiError> {
    let holds = crate::domain::role::holds(t, unit);
    let due_at = engine.reader().store().row(t.id)?.and_then(|r| r.earliest_due);
    Ok(UnitTicket {
        id: t.id.0,
        status: t.status.code(),
        kind: t.kind.code(),
        title: t.dispute.title.clone(),
        received_at: t.intake.received_at,
        due_at,
        complainant_name: t.complainant.name.clone().filter(|_| holds),
        complainant_phone: t.complainant.phone.clone().filter(|_| holds),
    })
}

async fn list(
    State(engine): State<EngineHandle>,
    Path(unit): Path<String>,
    headers: HeaderMap,
) -> Result<axum::Json<Vec<UnitTicket>>, ApiError> {
    let unit = authenticate(&engine, &unit, &headers)?;
    let store = engine.reader().store();
    let mut out = Vec::new();
    for id in store.ids_with(crate::store::TextIndex::Unit, &unit) {
        let Some(t) = store.ticket(id?)? else { continue };
        if crate::domain::role::holds(&t, &unit) {
            out.push(view(&engine, &t, &unit)?);
        }
    }
    out.sort_by_key(|t| (t.due_at.is_none(), t.due_at, t.id));
    Ok(axum::Json(out))
}

async fn act(
    State(engine): State<EngineHandle>,
    Path((unit, id, action)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<axum::Json<UnitTicket>, ApiError> {
    let unit = authenticate(&engine, &unit, &headers)?;
    let ticket = id.trim().parse::<u64>().map(TicketId).map_err(|_| not_found(&id))?;
    let mine = |engine: &EngineHandle| -> Result<Ticket, ApiError> {
        match engine.reader().ticket(ticket)? {
            Some(t) if at_unit(&t, &unit) => Ok(t),
            _ => Err(not_found(&id)),
        }
    };
    let t = mine(&engine)?;
    let body: Value = if body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        serde_json::from_slice(&body).map_err(|e| bad_request(format!("the body is not JSON: {e}")))?
    };
    let actor = format!("unit:{unit}");
    // The engine checks again, as it writes, that the unit still holds the ticket: a redispatch
    // between the look above and the action below cannot let this unit act.
    let origin = Origin::Person(Arc::new(Person {
        login: actor.clone(),
        name: actor.clone(),
        role: Role::Unit(unit.clone()),
        acting_as: None,
    }));
    let run = |action: TicketAction| {
        let envelope = Envelope { actor: actor.clone(), command: Command::Act { ticket, action } };
        let (engine, origin) = (engine.clone(), origin.clone());
        async move {
            engine
                .execute_from(&origin, vec![envelope])
                .await
                .pop()
                .unwrap_or_else(|| Err(EngineError::NotSaved("no result".into())))
        }
    };
    match action.as_str() {
        "sign" => {
            run(TicketAction::Sign).await?;
        }
        "contact" => {
            run(TicketAction::Contact { note: text(&body, "note")?.unwrap_or_default() }).await?;
        }
        "progress" => {
            run(TicketAction::Note { text: text(&body, "note")?.unwrap_or_default() }).await?;
        }
        "return" => {
            let reason = text(&body, "reason")?.ok_or_else(|| bad_request("return needs a reason"))?;
            run(TicketAction::Return { reason, note: text(&body, "note")? }).await?;
        }
        "resolve" => {
            let result = text(&body, "result")?.ok_or_else(|| bad_request("resolve needs a result"))?;
            let amount = amount(&body)?;
            let filed = match body.get("case_filed") {
                None | Some(Value::Null) => false,
                Some(Value::Bool(b)) => *b,
                Some(_) => return Err(bad_request("case_filed is not true or false")),
            };
            // The whole way to `resolved` as one job, which the engine writes as one batch: a
            // crash leaves the ticket where it was or resolved, never half way (settled but not
            // resolved, where no unit step fits).
            let steps = steps_to_resolve(&engine, &t, &result, amount, filed);
            let envelopes = steps
                .into_iter()
                .map(|action| Envelope { actor: actor.clone(), command: Command::Act { ticket, action } })
                .collect();
            for result in engine.execute_from(&origin, envelopes).await {
                result?;
            }
        }
        other => {
            return Err(ApiError(
                StatusCode::NOT_FOUND,
                format!("no action {other:?}: use sign, contact, progress, resolve or return"),
            ));
        }
    }
    let t = engine.reader().ticket(ticket)?.ok_or_else(|| not_found(&id))?;
    Ok(axum::Json(view(&engine, &t, &unit)?))
}

/// The actions that take the ticket from where it stands to `resolved`, each decided against
/// the state the one before leaves. A ticket already resolved (or further) needs none: a unit
/// repeating a resolve whose answer it lost gets the ticket as it stands. Where a step is not
/// allowed it is still the last one, so that the engine explains why.
fn steps_to_resolve(
    engine: &EngineHandle,
    t: &Ticket,
    result: &str,
    amount: Option<Fen>,
    filed: bool,
) -> Vec<TicketAction> {
    let reader = engine.reader();
    let config = reader.config();
    let rules = Rules { sla: &config.sla, channels: &config.channels, org: &config.org };
    let mut current = t.clone();
    let mut steps = Vec::new();
    // The lifecycle is a handful of steps long.
    for _ in 0..8 {
        if matches!(
            current.status,
            Status::Resolved | Status::WrittenBack | Status::FollowedUp | Status::Closed
        ) {
            break;
        }
        let action = next_step(&current, result, amount, filed);
        let decided = lifecycle::decide(&current, &action, rules, reader.now());
        steps.push(action);
        match decided {
            Ok(d) => current.status = d.after,
            Err(_) => break,
        }
    }
    steps
}

/// The next step towards `resolved` from where the ticket stands, for its kind. Where no step
/// fits, `Resolve` itself, so that the engine explains why it cannot be done.
fn next_step(t: &Ticket, result: &str, amount: Option<Fen>, filed: bool) -> TicketAction {
    use Status as S;
    let resolve = TicketAction::Resolve { result: result.to_string(), amount_recovered: amount };
    match (t.kind, t.status) {
        (Kind::Complaint, S::Signed | S::Contacted) => TicketAction::Accept,
        (Kind::Complaint, S::Accepted | S::Mediating) => {
            TicketAction::Settle { agreement: result.to_string(), amount_recovered: amount }
        }
        (Kind::Report, S::Signed | S::Contacted) => TicketAction::Verify { findings: result.to_string() },
        (Kind::Report, S::Verified) => TicketAction::DecideFiling { filed, note: result.to_string() },
        (Kind::Report, S::CaseFiled | S::NotFiled) if t.is_real_name() => {
            TicketAction::TellReporter { note: result.to_string() }
        }
        (Kind::Enquiry | Kind::Suggestion, S::Signed | S::Contacted) => {
            TicketAction::Answer { text: result.to_string() }
        }
        _ => resolve,
    }
}

/// A string field of the body; absent or null is None.
fn text(body: &Value, field: &str) -> Result<Option<String>, ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(bad_request(format!("{field} is not a string"))),
    }
}

/// `amount_recovered` in yuan: `"120.00"` (or a number).
fn amount(body: &Value) -> Result<Option<Fen>, ApiError> {
    let text = match body.get("amount_recovered") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => return Ok(None),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(_) => return Err(bad_request("amount_recovered is not an amount such as \"120.00\"")),
    };
    match Fen::parse_yuan(&text) {
        Some(fen) if fen.0 >= 0 => Ok(Some(fen)),
        _ => Err(bad_request(format!("amount_recovered {text:?} is not an amount such as \"120.00\""))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_hex_and_hash_to_hex_sha256() {
        let token = new_token();
        assert_eq!(token.len(), 64);
        assert_ne!(token, new_token());
        assert_eq!(hash_token("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert!(same(b"abc", b"abc") && !same(b"abc", b"abd") && !same(b"abc", b"ab"));
    }
}
