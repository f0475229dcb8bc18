//! The HTTP side: routes, authentication, faults, paging and the effects recorded in the ledger.

use super::conn::Conn;
use super::faults::{self, Decision, FaultSpec, Outcome};
use super::feed::{ChannelFeed, Feed};
use super::ledger::{Effect, Ledger};
use super::shapes::Shape;
use super::units::{Registration, Units};
use crate::time::{Clock, Timestamp};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequestParts, Path, Query, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use rand::Rng;
use rand::seq::SliceRandom;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

const DEFAULT_PAGE: usize = 20;
/// Larger pages are cut to this, as real platforms do.
const MAX_PAGE: usize = 500;
/// How far an app-key timestamp may be from the simulator's clock.
const SIGNATURE_SKEW_MS: i64 = 5 * 60 * 1000;

/// Everything the handlers share.
pub struct Sim {
    pub feed: Feed,
    pub ledger: Ledger,
    pub faults: FaultSpec,
    pub seed: u64,
    pub clock: Clock,
    /// Publication times count from here.
    pub started: Instant,
    /// Numbers requests, so fault draws replay for the same seed and request order.
    pub requests: AtomicU64,
    pub units: Arc<Units>,
}

pub fn router(sim: Arc<Sim>) -> Router {
    Router::new()
        .route("/_sim/health", get(health))
        .route("/_sim/ledger", get(ledger))
        .route("/_sim/units", post(register_units))
        .route("/sms/send", post(sms))
        .route("/{channel}/api/gd/list", get(pinyin_list))
        .route("/{channel}/api/gd/{id}/qs", post(pinyin_sign))
        .route("/{channel}/api/gd/{id}/hf", post(pinyin_reply))
        .route("/{channel}/v2/cases", get(nested_list))
        .route("/{channel}/v2/cases/{id}/ack", post(nested_sign))
        .route("/{channel}/v2/cases/{id}/result", post(nested_reply))
        .route("/{channel}/messages", get(since_list))
        .route("/{channel}/messages/{id}/receipt", post(since_sign))
        .route("/{channel}/messages/{id}/reply", post(since_reply))
        .route("/{channel}/openapi/letters", get(mail_list))
        .route("/{channel}/openapi/letters/{id}/sign", post(mail_sign))
        .route("/{channel}/openapi/letters/{id}/reply", post(mail_reply))
        .route("/{channel}/gateway/workorders", get(gateway_list))
        .route("/{channel}/gateway/workorders/{id}/receive", post(gateway_sign))
        .route("/{channel}/gateway/workorders/{id}/feedback", post(gateway_reply))
        .fallback(|| async { error(StatusCode::NOT_FOUND, "no such endpoint") })
        .with_state(sim)
}

type St = State<Arc<Sim>>;

async fn health() -> Response {
    json_text(StatusCode::OK, r#"{"ok":true}"#.to_string())
}

async fn ledger(State(sim): St) -> Response {
    json_text(StatusCode::OK, sim.ledger.to_json())
}

async fn register_units(State(sim): St, body: Bytes) -> Response {
    match serde_json::from_slice::<Registration>(&body) {
        Ok(reg) => {
            let units = reg.tokens.len();
            sim.units.register(reg);
            json_text(StatusCode::OK, json!({ "ok": true, "units": units }).to_string())
        }
        Err(e) => error(StatusCode::BAD_REQUEST, &format!("expected {{\"base_url\", \"tokens\"}}: {e}")),
    }
}

async fn pinyin_list(State(sim): St, Path(ch): Path<String>, req: Req) -> Response {
    sim.list(Shape::Pinyin, &ch, req).await
}
async fn nested_list(State(sim): St, Path(ch): Path<String>, req: Req) -> Response {
    sim.list(Shape::Nested, &ch, req).await
}
async fn since_list(State(sim): St, Path(ch): Path<String>, req: Req) -> Response {
    sim.list(Shape::Since, &ch, req).await
}
async fn mail_list(State(sim): St, Path(ch): Path<String>, req: Req) -> Response {
    sim.list(Shape::Mail, &ch, req).await
}
async fn gateway_list(State(sim): St, Path(ch): Path<String>, req: Req) -> Response {
    sim.list(Shape::Gateway, &ch, req).await
}

type Target = Path<(String, String)>;

async fn pinyin_sign(State(sim): St, Path((ch, id)): Target, req: Req, body: Bytes) -> Response {
    sim.effect(Shape::Pinyin, Effect::Sign, &ch, &id, req, body).await
}
async fn pinyin_reply(State(sim): St, Path((ch, id)): Target, req: Req, body: Bytes) -> Response {
    sim.effect(Shape::Pinyin, Effect::Writeback, &ch, &id, req, body).await
}
async fn nested_sign(State(sim): St, Path((ch, id)): Target, req: Req, body: Bytes) -> Response {
    sim.effect(Shape::Nested, Effect::Sign, &ch, &id, req, body).await
}
async fn nested_reply(State(sim): St, Path((ch, id)): Target, req: Req, body: Bytes) -> Response {
    sim.effect(Shape::Nested, Effect::Writeback, &ch, &id, req, body).await
}
async fn since_sign(State(sim): St, Path((ch, id)): Target, req: Req, body: Bytes) -> Response {
    sim.effect(Shape::Since, Effect::Sign, &ch, &id, req, body).await
}
async fn since_reply(State(sim): St, Path((ch, id)): Target, req: Req, body: Bytes) -> Response {
    sim.effect(Shape::Since, Effect::Writeback, &ch, &id, req, body).await
}
async fn mail_sign(State(sim): St, Path((ch, id)): Target, req: Req, body: Bytes) -> Response {
    sim.effect(Shape::Mail, Effect::Sign, &ch, &id, req, body).await
}
async fn mail_reply(State(sim): St, Path((ch, id)): Target, req: Req, body: Bytes) -> Response {
    sim.effect(Shape::Mail, Effect::Writeback, &ch, &id, req, body).await
}
async fn gateway_sign(State(sim): St, Path((ch, id)): Target, req: Req, body: Bytes) -> Response {
    sim.effect(Shape::Gateway, Effect::Sign, &ch, &id, req, body).await
}
async fn gateway_reply(State(sim): St, Path((ch, id)): Target, req: Req, body: Bytes) -> Response {
    sim.effect(Shape::Gateway, Effect::Writeback, &ch, &id, req, body).await
}

async fn sms(State(sim): St, req: Req, body: Bytes) -> Response {
    if bearer(&req.headers) != Some(format!("sim-{}-token", faults::SMS).as_str()) {
        return error(StatusCode::UNAUTHORIZED, "bad or missing bearer token");
    }
    let Some(key) = idempotency_key(&req.headers) else {
        return error(StatusCode::BAD_REQUEST, "an Idempotency-Key header is required");
    };
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let (Some(to), Some(_text)) = (non_empty(&body, "to"), non_empty(&body, "text")) else {
        return error(StatusCode::BAD_REQUEST, "expected a JSON body with non-empty \"to\" and \"text\"");
    };
    if let Err(r) = sim.suffer(faults::SMS, &req, true).await {
        return r;
    }
    sim.ledger.record_sms(to, &key);
    tracing::debug!(key = %key, "sms accepted");
    json_text(StatusCode::OK, r#"{"code":0,"msg":"ok"}"#.to_string())
}

/// The parts of a request every channel handler needs.
struct Req {
    conn: Option<Conn>,
    method: Method,
    path: String,
    headers: HeaderMap,
    query: HashMap<String, String>,
}

impl<S: Send + Sync> FromRequestParts<S> for Req {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Req, Response> {
        let Query(query) = Query::<HashMap<String, String>>::try_from_uri(&parts.uri)
            .map_err(|e| error(StatusCode::BAD_REQUEST, &format!("bad query string: {e}")))?;
        Ok(Req {
            conn: parts.extensions.get::<ConnectInfo<Conn>>().map(|c| c.0.clone()),
            method: parts.method.clone(),
            path: parts.uri.path().to_string(),
            headers: parts.headers.clone(),
            query,
        })
    }
}

/// Where a list request starts and how its answer is wrapped.
enum Page {
    Pinyin { page: usize, size: usize },
    Cursor { from: usize, limit: usize },
    Since { after: Option<(Timestamp, String)>, limit: usize },
}

impl Sim {
    fn feed(&self, shape: Shape, channel: &str) -> Option<&ChannelFeed> {
        self.feed.channel(channel).filter(|f| f.shape == shape)
    }

    fn visible(&self, feed: &ChannelFeed) -> usize {
        feed.visible(self.started.elapsed().as_millis() as u64)
    }

    fn authorized(&self, shape: Shape, channel: &str, req: &Req) -> bool {
        if shape == Shape::Gateway {
            let key = req.headers.get("x-api-key").and_then(|v| v.to_str().ok());
            return key.map(str::trim) == Some(format!("sim-{channel}-key").as_str());
        }
        if !shape.signed() {
            return bearer(&req.headers) == Some(format!("sim-{channel}-token").as_str());
        }
        let header = |name: &str| req.headers.get(name).and_then(|v| v.to_str().ok());
        let (Some(app_key), Some(stamp), Some(signature)) =
            (header("x-app-key"), header("x-timestamp"), header("x-signature"))
        else {
            return false;
        };
        let Ok(ms) = stamp.trim().parse::<i64>() else { return false };
        if app_key != format!("sim-{channel}") || (self.clock.now().millis() - ms).abs() > SIGNATURE_SKEW_MS {
            return false;
        }
        signature.eq_ignore_ascii_case(&sign(channel, req.method.as_str(), &req.path, stamp))
    }

    /// Applies the request's faults: `Err` is the answer instead of the real one (a 503, or a
    /// reset connection). A timeout holds the request, then lets it through; when `record_first`,
    /// the caller's effect is already due, so the hold comes after the caller records it.
    async fn suffer(&self, channel: &str, req: &Req, record_first: bool) -> Result<Decision, Response> {
        let n = self.requests.fetch_add(1, Ordering::Relaxed);
        let decision = self.faults.decide(channel, self.seed, n);
        match decision.outcome {
            Outcome::Reset => {
                if let Some(conn) = &req.conn {
                    tracing::debug!(channel, path = %req.path, peer = %conn.peer, "fault: reset");
                    conn.reset();
                }
                return Err(error(StatusCode::SERVICE_UNAVAILABLE, "connection reset"));
            }
            Outcome::Unavailable => {
                tracing::debug!(channel, path = %req.path, "fault: 503");
                return Err(error(StatusCode::SERVICE_UNAVAILABLE, "service unavailable (simulated)"));
            }
            Outcome::Timeout if !record_first => {
                tracing::debug!(channel, path = %req.path, "fault: timeout");
                tokio::time::sleep(faults::TIMEOUT_HOLD).await;
            }
            Outcome::Timeout | Outcome::Answer => {}
        }
        if let Some(pause) = decision.slow {
            tokio::time::sleep(pause).await;
        }
        Ok(decision)
    }

    async fn list(&self, shape: Shape, channel: &str, req: Req) -> Response {
        let Some(feed) = self.feed(shape, channel) else {
            return error(StatusCode::NOT_FOUND, "no such channel for this API");
        };
        if !self.authorized(shape, channel, &req) {
            return refusal(shape, StatusCode::UNAUTHORIZED, code::CREDENTIALS, "bad or missing credentials");
        }
        let page = match parse_page(shape, channel, feed, &req.query) {
            Ok(p) => p,
            Err(msg) => return refusal(shape, StatusCode::BAD_REQUEST, code::PARAMETER, &msg),
        };
        let mut decision = match self.suffer(channel, &req, false).await {
            Ok(d) => d,
            Err(r) => return r,
        };
        if shape.coded() && decision.refuse {
            tracing::debug!(channel, path = %req.path, "fault: refused inside 200");
            return coded(code::BUSY, "系统繁忙，请稍后再试");
        }
        let visible = self.visible(feed);
        let (start, end) = match &page {
            Page::Pinyin { page, size } => {
                let start = (page - 1).saturating_mul(*size).min(visible);
                (start, start.saturating_add(*size).min(visible))
            }
            // A cursor is never past what was visible when it was issued.
            Page::Cursor { from, limit } => (*from, from.saturating_add(*limit).min(visible).max(*from)),
            Page::Since { after, limit } => {
                let start = match after {
                    None => 0,
                    Some((at, id)) => {
                        feed.items.partition_point(|i| (i.received, i.id.as_str()) <= (*at, id.as_str()))
                    }
                }
                .min(visible);
                (start, start.saturating_add(*limit).min(visible))
            }
        };
        let mut rows: Vec<usize> = (start..end).collect();
        if decision.dup && start > 0 {
            // Earlier items again, somewhere in the page, as a platform re-sends after a retry.
            for _ in 0..decision.rng.random_range(1..=3usize.min(start)) {
                let again = decision.rng.random_range(0..start);
                let at = decision.rng.random_range(0..=rows.len());
                rows.insert(at, again);
            }
        }
        if decision.reorder {
            rows.shuffle(&mut decision.rng);
        }
        let items = join(feed, &rows);
        let body = match page {
            Page::Pinyin { page, .. } if shape == Shape::Gateway => format!(
                r#"{{"resultCode":"0000","resultMsg":"成功","data":{{"totalCount":{visible},"pageNo":{page},"list":[{items}]}}}}"#
            ),
            Page::Pinyin { page, .. } => format!(
                r#"{{"code":0,"msg":"ok","data":{{"total":{visible},"page":{page},"rows":[{items}]}}}}"#
            ),
            Page::Cursor { .. } if shape == Shape::Mail => {
                format!(r#"{{"result":{{"list":[{items}],"next":"{}"}}}}"#, cursor_token(channel, end))
            }
            Page::Cursor { .. } => {
                format!(r#"{{"items":[{items}],"next_cursor":"{}"}}"#, cursor_token(channel, end))
            }
            Page::Since { .. } => format!("[{items}]"),
        };
        tracing::debug!(channel, from = start, to = end, "list");
        json_text(StatusCode::OK, body)
    }

    async fn effect(
        &self,
        shape: Shape,
        effect: Effect,
        channel: &str,
        id: &str,
        req: Req,
        body: Bytes,
    ) -> Response {
        let Some(feed) = self.feed(shape, channel) else {
            return error(StatusCode::NOT_FOUND, "no such channel for this API");
        };
        if !self.authorized(shape, channel, &req) {
            return refusal(shape, StatusCode::UNAUTHORIZED, code::CREDENTIALS, "bad or missing credentials");
        }
        let Some(key) = idempotency_key(&req.headers) else {
            let msg = "an Idempotency-Key header is required";
            return refusal(shape, StatusCode::BAD_REQUEST, code::PARAMETER, msg);
        };
        let known = feed.position(id).is_some_and(|i| i < self.visible(feed));
        if !known {
            return refusal(shape, StatusCode::NOT_FOUND, code::NO_TICKET, "no such ticket");
        }
        let parsed: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let mut recorded_body = None;
        if effect == Effect::Writeback {
            let required = shape.writeback_required();
            if non_empty(&parsed, required).is_none() {
                let msg = format!("expected a JSON body with a non-empty \"{required}\"");
                return refusal(shape, StatusCode::BAD_REQUEST, code::PARAMETER, &msg);
            }
            recorded_body = Some(parsed.clone());
        }
        if shape == Shape::Gateway
            && let Some(bad) = gateway_time_mistake(&parsed)
        {
            return coded(code::TIME_FORMAT, &bad);
        }
        let decision = match self.suffer(channel, &req, true).await {
            Ok(d) => d,
            Err(r) => return r,
        };
        if shape.coded() && decision.refuse {
            // Refused, not recorded: the ledger holds only what the channel accepted.
            tracing::debug!(channel, path = %req.path, "fault: refused inside 200");
            return coded(code::REFUSED, "工单当前状态不允许该操作");
        }
        // Recorded before answering: a client that times out and retries with the same key shows
        // up as one more arrival of one key, which is what a receiver that deduplicates sees.
        self.ledger.record(effect, channel, id, &key, recorded_body);
        if decision.outcome == Outcome::Timeout {
            tracing::debug!(channel, path = %req.path, "fault: timeout");
            tokio::time::sleep(faults::TIMEOUT_HOLD).await;
        }
        let answer = match (shape, effect) {
            (Shape::Pinyin, _) => json!({ "code": 0, "msg": "ok" }),
            (Shape::Nested, Effect::Sign) => json!({ "id": id, "status": "acknowledged" }),
            (Shape::Nested, Effect::Writeback) => json!({ "id": id, "status": "closed" }),
            (Shape::Since, _) => json!({ "ok": true }),
            (Shape::Mail, _) => json!({ "result": { "success": true } }),
            (Shape::Gateway, _) => json!({ "resultCode": code::OK, "resultMsg": "成功" }),
        };
        json_text(StatusCode::OK, answer.to_string())
    }
}

fn parse_page(
    shape: Shape,
    channel: &str,
    feed: &ChannelFeed,
    q: &HashMap<String, String>,
) -> Result<Page, String> {
    let number = |name: &str, default: usize| -> Result<usize, String> {
        match q.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()) {
            None => Ok(default),
            Some(v) => v.parse::<usize>().map_err(|_| format!("{name} must be a whole number, not '{v}'")),
        }
    };
    let size = |name: &str| -> Result<usize, String> {
        match number(name, DEFAULT_PAGE)? {
            0 => Err(format!("{name} must be at least 1")),
            n => Ok(n.min(MAX_PAGE)),
        }
    };
    match shape {
        Shape::Pinyin => match number("page", 1)? {
            0 => Err("page counts from 1".into()),
            page => Ok(Page::Pinyin { page, size: size("page_size")? }),
        },
        Shape::Gateway => match number("pageNo", 1)? {
            0 => Err("pageNo counts from 1".into()),
            page => Ok(Page::Pinyin { page, size: size("pageSize")? }),
        },
        Shape::Nested | Shape::Mail => {
            let (token, limit) = if shape == Shape::Mail { ("token", "size") } else { ("cursor", "limit") };
            let from = match q.get(token).map(|v| v.trim()).filter(|v| !v.is_empty()) {
                None => 0,
                Some(t) => read_cursor(channel, t)
                    .filter(|&p| p <= feed.items.len())
                    .ok_or_else(|| format!("{token} '{t}' was not issued by this channel"))?,
            };
            Ok(Page::Cursor { from, limit: size(limit)? })
        }
        Shape::Since => {
            let after = match q.get("since").map(|v| v.trim()).filter(|v| !v.is_empty()) {
                None => None,
                Some(text) => {
                    // A '+' sent unencoded arrives as a space.
                    let at = Timestamp::parse(text)
                        .or_else(|| Timestamp::parse(&text.replace(' ', "+")))
                        .ok_or_else(|| format!("since '{text}' is not an RFC 3339 time"))?;
                    Some((at, q.get("after_id").cloned().unwrap_or_default()))
                }
            };
            Ok(Page::Since { after, limit: size("limit")? })
        }
    }
}

/// An opaque cursor: the position after the last item served, bound to its channel.
fn cursor_token(channel: &str, position: usize) -> String {
    hex::encode(format!("{channel}:{position}"))
}

fn read_cursor(channel: &str, token: &str) -> Option<usize> {
    let text = String::from_utf8(hex::decode(token).ok()?).ok()?;
    let (ch, position) = text.rsplit_once(':')?;
    (ch == channel).then(|| position.parse().ok()).flatten()
}

/// `hex(sha256("sim-{channel}-secret\nMETHOD\nPATH\nTIMESTAMP"))`.
pub fn sign(channel: &str, method: &str, path: &str, timestamp: &str) -> String {
    let text = format!("sim-{channel}-secret\n{method}\n{path}\n{timestamp}");
    hex::encode(Sha256::digest(text.as_bytes()))
}

fn join(feed: &ChannelFeed, rows: &[usize]) -> String {
    let mut out = String::with_capacity(rows.iter().map(|&i| feed.items[i].raw.len() + 1).sum());
    for (n, &i) in rows.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        out.push_str(&feed.items[i].raw);
    }
    out
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    value.strip_prefix("Bearer ").map(str::trim)
}

fn idempotency_key(headers: &HeaderMap) -> Option<String> {
    let key = headers.get("idempotency-key")?.to_str().ok()?.trim();
    (!key.is_empty()).then(|| key.to_string())
}

fn non_empty<'a>(body: &'a Value, key: &str) -> Option<&'a str> {
    body.get(key).and_then(Value::as_str).filter(|s| !s.trim().is_empty())
}

/// The gateway shape's result codes.
mod code {
    pub const OK: &str = "0000";
    pub const CREDENTIALS: &str = "1001";
    pub const PARAMETER: &str = "1002";
    pub const TIME_FORMAT: &str = "1004";
    pub const REFUSED: &str = "2003";
    pub const NO_TICKET: &str = "2004";
    pub const BUSY: &str = "5001";
}

/// An answer in HTTP 200 carrying a failure code, as the gateway shape refuses.
fn coded(code: &str, message: &str) -> Response {
    json_text(StatusCode::OK, json!({ "resultCode": code, "resultMsg": message }).to_string())
}

/// A refusal as `shape` answers it: in HTTP 200 with a code, or with the HTTP status.
fn refusal(shape: Shape, status: StatusCode, code: &str, message: &str) -> Response {
    if shape.coded() { coded(code, message) } else { error(status, message) }
}

/// The gateway takes its times as `2026/11/28 09:30:00` and nothing else.
fn gateway_time_mistake(body: &Value) -> Option<String> {
    for key in ["receiveTime", "finishTime"] {
        if let Some(text) = body.get(key).and_then(Value::as_str)
            && chrono::NaiveDateTime::parse_from_str(text, super::shapes::GATEWAY_TIME).is_err()
        {
            return Some(format!("{key} 时间格式错误，应为 yyyy/MM/dd HH:mm:ss"));
        }
    }
    None
}

fn json_text(status: StatusCode, body: String) -> Response {
    (status, [(CONTENT_TYPE, "application/json; charset=utf-8")], body).into_response()
}

fn error(status: StatusCode, message: &str) -> Response {
    json_text(status, json!({ "error": message }).to_string())
}
