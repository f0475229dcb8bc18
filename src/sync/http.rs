//! Talking to the remote channels over HTTP: one `HttpChannel` per `[channel.ID.sync]` profile
//! pulls pages and carries out sign-fors and write-backs; `SmsGateway` sends the units' SMS.
//! What a page means is `mapping`'s business; this module only builds requests (paging,
//! authentication, bodies from the profile's templates) and classifies failures. Nothing a
//! remote sends back is logged, only its status or result code.

use super::auth::Credentials;
pub use super::auth::SecretSource;
use super::body::effect_body;
use super::envelope;
use super::mapping::{self, MappedPage, PageError};
use super::profile::{Endpoint, Paging, ResultEnvelope, SyncProfile};
use crate::domain::effect::Effect;
use crate::time::Timestamp;
use reqwest::header::CONTENT_TYPE;
use reqwest::{Method, Url};
use serde_json::Value;
use std::pin::Pin;
use std::time::Duration;

/// What one pull gave: the mapped page (with the raw items count, `page.items`), and the cursor
/// to store if the page is written.
#[derive(Debug)]
pub struct Pulled {
    pub page: MappedPage,
    pub next_cursor: Option<String>,
    /// The page was full: more may be waiting right now.
    pub full: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The remote answered with a status other than 2xx. Its body is not kept: it may hold
    /// personal data, and it is no one's business in a log.
    #[error("HTTP {status}")]
    Http { status: u16 },
    /// An answer in HTTP 200 whose result code (the profile's `envelope`) is not a success.
    #[error("refused by the channel: {}", refusal_text(.code, .message))]
    Refused { code: String, message: String },
    /// Connect, reset, timeout, or the body could not be read.
    #[error("network: {0}")]
    Network(String),
    #[error("unreadable page: {0}")]
    Page(#[from] PageError),
    #[error("no secret for channel {channel}: {what}")]
    NoSecret { channel: String, what: String },
    #[error("the secret file {path} is readable by group or others; chmod 600 it")]
    InsecureSecretFile { path: String },
    /// Nothing to send as asked: a profile's base URL that is no URL, an SMS without a number.
    /// Retrying cannot help.
    #[error("{0}")]
    Invalid(String),
}

impl SyncError {
    /// Whether trying again later may succeed: a 5xx or 429, or a network failure. A page that
    /// cannot be read is not retryable here (the worker retries it anyway, counting a failure).
    pub fn is_retryable(&self) -> bool {
        match self {
            SyncError::Http { status, .. } => *status >= 500 || *status == 429,
            // The channel's codes mean what the channel says; a refusal is tried again (and
            // counts toward the outbox's limit), so a busy or not-yet-ready channel catches up.
            SyncError::Network(_) | SyncError::Refused { .. } => true,
            SyncError::Page(_)
            | SyncError::NoSecret { .. }
            | SyncError::InsecureSecretFile { .. }
            | SyncError::Invalid(_) => false,
        }
    }

    /// The error as a log line may carry it: a channel's refusal message is its response body's
    /// words (often about the consumer) and stays out; its code is kept.
    pub fn for_log(&self) -> String {
        match self {
            SyncError::Refused { code, .. } => {
                let code: String =
                    code.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').take(16).collect();
                format!("refused by the channel: code {code}")
            }
            other => other.to_string(),
        }
    }
}

/// `code 2003: 工单当前状态不允许该操作`, or the message alone when the answer had no code.
fn refusal_text(code: &str, message: &str) -> String {
    match (code.is_empty(), message.is_empty()) {
        (true, _) => message.to_string(),
        (false, true) => format!("code {code}"),
        (false, false) => format!("code {code}: {message}"),
    }
}

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A remote channel as the sync workers use it.
pub trait Channel: Send + Sync {
    fn id(&self) -> &str;
    /// The profile that maps this channel's items (also used to read quarantined ones again).
    fn profile(&self) -> &SyncProfile;
    fn poll_interval(&self) -> Duration;
    /// One page from `cursor` (`None`: from the start).
    fn pull<'a>(
        &'a self,
        cursor: Option<&'a str>,
        now: Timestamp,
    ) -> BoxFuture<'a, Result<Pulled, SyncError>>;
    fn sign_for<'a>(
        &'a self,
        effect: &'a Effect,
        actor: &'a str,
        now: Timestamp,
    ) -> BoxFuture<'a, Result<(), SyncError>>;
    fn write_back<'a>(
        &'a self,
        effect: &'a Effect,
        actor: &'a str,
        now: Timestamp,
    ) -> BoxFuture<'a, Result<(), SyncError>>;
}

/// A remote channel driven by its adapter profile.
pub struct HttpChannel {
    id: String,
    profile: SyncProfile,
    /// The profile's base URL without a trailing slash.
    base: String,
    client: reqwest::Client,
    credentials: Credentials,
}

impl HttpChannel {
    /// Resolves the profile's secret now, so a missing one is reported at start, not per pull.
    pub fn new(
        id: &str,
        profile: &SyncProfile,
        client: reqwest::Client,
        secrets: &SecretSource,
    ) -> Result<HttpChannel, SyncError> {
        let base = profile.base_url.trim().trim_end_matches('/').to_string();
        Url::parse(&base).map_err(|e| {
            SyncError::Invalid(format!("channel {id}: base_url {:?} is not a URL: {e}", profile.base_url))
        })?;
        let credentials = secrets.credentials(id, &profile.auth)?;
        credentials.check(id)?;
        // A private authority needs a client of its own; every other channel shares one.
        let client = match &profile.ca_file {
            Some(ca_file) => super::tls::client(Some(ca_file), &format!("channel {id}"))?,
            None => client,
        };
        Ok(HttpChannel { id: id.to_string(), profile: profile.clone(), base, client, credentials })
    }

    pub fn profile(&self) -> &SyncProfile {
        &self.profile
    }

    fn url(&self, path: &str) -> Result<Url, SyncError> {
        let text = format!("{}{}", self.base, path);
        Url::parse(&text).map_err(|e| SyncError::Invalid(format!("channel {}: bad URL: {e}", self.id)))
    }

    /// The list URL for `cursor`, per the profile's paging style.
    fn list_url(&self, cursor: Option<&str>) -> Result<Url, SyncError> {
        let mut url = self.url(&self.profile.list.path)?;
        let size = self.profile.page_size.to_string();
        {
            let mut q = url.query_pairs_mut();
            match &self.profile.list.paging {
                Paging::Page { page_param, size_param, .. } => {
                    let page = match cursor {
                        None => 1,
                        Some(c) => c.trim().parse::<u64>().ok().filter(|&p| p >= 1).unwrap_or_else(|| {
                            tracing::warn!(channel = %self.id, "stored page cursor is not a page number; starting at 1");
                            1
                        }),
                    };
                    q.append_pair(page_param, &page.to_string());
                    q.append_pair(size_param, &size);
                }
                Paging::Cursor { cursor_param, size_param, .. } => {
                    if let Some(c) = cursor.filter(|c| !c.is_empty()) {
                        q.append_pair(cursor_param, c);
                    }
                    q.append_pair(size_param, &size);
                }
                Paging::Since { since_param, after_param, size_param } => {
                    if let Some(c) = cursor.filter(|c| !c.is_empty()) {
                        // `next_cursor` stores "{time}|{id}"; the time never holds a '|'.
                        match c.split_once('|') {
                            Some((time, id)) => {
                                q.append_pair(since_param, time);
                                if !id.is_empty() {
                                    q.append_pair(after_param, id);
                                }
                            }
                            None => {
                                q.append_pair(since_param, c);
                            }
                        }
                    }
                    q.append_pair(size_param, &size);
                }
            }
        }
        Ok(url)
    }

    /// A request with the channel's credentials and the profile's timeout.
    fn request(&self, method: Method, url: Url, now: Timestamp) -> reqwest::RequestBuilder {
        let builder = self.credentials.request(&self.client, method, url, now);
        builder.timeout(Duration::from_millis(self.profile.timeout_ms.max(1)))
    }

    /// One page as the channel sent it, once its status and result code say it is a page.
    pub async fn fetch_page(&self, cursor: Option<&str>, now: Timestamp) -> Result<Value, SyncError> {
        let url = self.list_url(cursor)?;
        let response = self.request(Method::GET, url, now).send().await.map_err(network)?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(network)?;
        if !status.is_success() {
            tracing::debug!(channel = %self.id, status = status.as_u16(), "list refused");
            return Err(SyncError::Http { status: status.as_u16() });
        }
        let body = mapping::parse_body(&bytes)?;
        // A refusal inside a 200 is no page, not even an empty one: the cursor stays.
        accepted(self.profile.envelope.as_ref(), &body)?;
        Ok(body)
    }

    async fn do_pull(&self, cursor: Option<&str>, now: Timestamp) -> Result<Pulled, SyncError> {
        let body = self.fetch_page(cursor, now).await?;
        let page = mapping::map_page(&self.profile, &self.id, &body, now)?;
        let items: &[Value] = mapping::at_path(&body, &self.profile.list.items)
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let next_cursor = mapping::next_cursor(&self.profile, cursor, &body, items);
        // With page numbers, "more waiting" means the cursor moved on to a next page (the
        // channel's total says so even when a page is padded with repeats).
        let full = match &self.profile.list.paging {
            Paging::Page { .. } => next_cursor.as_deref() != Some(cursor.unwrap_or("1")),
            _ => items.len() as u64 >= u64::from(self.profile.page_size),
        };
        tracing::debug!(
            channel = %self.id,
            items = page.items,
            tickets = page.tickets.len(),
            malformed = page.malformed.len(),
            repeated = page.repeated,
            full,
            "pulled"
        );
        Ok(Pulled { page, next_cursor, full })
    }

    async fn post_effect(
        &self,
        what: &'static str,
        endpoint: &Endpoint,
        effect: &Effect,
        actor: &str,
        now: Timestamp,
    ) -> Result<(), SyncError> {
        if effect.channel_ticket_id.is_empty() {
            return Err(SyncError::Invalid(format!("{what} on channel {}: no channel ticket id", self.id)));
        }
        let path = endpoint.path.replace("{id}", &encode_path_segment(&effect.channel_ticket_id));
        let url = self.url(&path)?;
        let body = effect_body(&self.profile, endpoint, effect, actor, now);
        let envelope = self.profile.envelope.as_ref();
        let result = deliver(self.request(Method::POST, url, now), &effect.key, &body, envelope).await;
        match &result {
            Err(SyncError::Refused { code, .. }) => {
                tracing::info!(channel = %self.id, what, code = %code, "effect refused inside HTTP 200")
            }
            _ => tracing::debug!(channel = %self.id, what, delivered = result.is_ok(), "effect sent"),
        }
        result
    }
}

impl Channel for HttpChannel {
    fn id(&self) -> &str {
        &self.id
    }

    fn profile(&self) -> &SyncProfile {
        &self.profile
    }

    fn poll_interval(&self) -> Duration {
        Duration::from_millis(self.profile.poll_interval_ms)
    }

    fn pull<'a>(
        &'a self,
        cursor: Option<&'a str>,
        now: Timestamp,
    ) -> BoxFuture<'a, Result<Pulled, SyncError>> {
        Box::pin(self.do_pull(cursor, now))
    }

    fn sign_for<'a>(
        &'a self,
        effect: &'a Effect,
        actor: &'a str,
        now: Timestamp,
    ) -> BoxFuture<'a, Result<(), SyncError>> {
        Box::pin(self.post_effect("sign_for", &self.profile.sign_for, effect, actor, now))
    }

    fn write_back<'a>(
        &'a self,
        effect: &'a Effect,
        actor: &'a str,
        now: Timestamp,
    ) -> BoxFuture<'a, Result<(), SyncError>> {
        Box::pin(self.post_effect("write_back", &self.profile.write_back, effect, actor, now))
    }
}

/// The SMS gateway: `POST {base}/sms/send {"to","text"}` with a bearer token.
pub struct SmsGateway {
    base: String,
    token: String,
    client: reqwest::Client,
}

impl SmsGateway {
    pub fn new(base_url: &str, token: String, client: reqwest::Client) -> Self {
        SmsGateway { base: base_url.trim().trim_end_matches('/').to_string(), token, client }
    }

    pub async fn send(&self, effect: &Effect) -> Result<(), SyncError> {
        let to = effect.to.as_deref().filter(|t| !t.trim().is_empty()).ok_or_else(|| {
            SyncError::Invalid(format!("the SMS of ticket {} has no number to send to", effect.ticket))
        })?;
        let url = format!("{}/sms/send", self.base);
        let body = serde_json::json!({ "to": to, "text": effect.text });
        let result = deliver(self.client.post(url).bearer_auth(&self.token), &effect.key, &body, None).await;
        tracing::debug!(delivered = result.is_ok(), "sms sent");
        result
    }
}

/// POSTs an effect's JSON body with its idempotency key: delivered on a 2xx whose result code,
/// when the profile has an envelope, is a success.
async fn deliver(
    request: reqwest::RequestBuilder,
    key: &str,
    body: &serde_json::Value,
    envelope: Option<&ResultEnvelope>,
) -> Result<(), SyncError> {
    let response = request
        .header("Idempotency-Key", key)
        .header(CONTENT_TYPE, "application/json")
        .body(body.to_string())
        .send()
        .await
        .map_err(network)?;
    let status = response.status();
    if !status.is_success() {
        return Err(SyncError::Http { status: status.as_u16() });
    }
    let Some(envelope) = envelope else { return Ok(()) };
    let bytes = response.bytes().await.map_err(network)?;
    // An answer that is no JSON (a maintenance page served with 200) accepts nothing; it is
    // tried again like any refusal.
    let answer = mapping::parse_body(&bytes).unwrap_or(Value::Null);
    accepted(Some(envelope), &answer)
}

/// Whether an answer's result code (when the profile reads one) says the channel accepted.
fn accepted(envelope: Option<&ResultEnvelope>, body: &Value) -> Result<(), SyncError> {
    match envelope {
        Some(envelope) => envelope::check(envelope, body)
            .map_err(|r| SyncError::Refused { code: r.code, message: r.message }),
        None => Ok(()),
    }
}

/// The profile with its base URL replaced by `{sim}/{channel}` (for `--sim URL`).
pub fn point_at_simulator(profile: &SyncProfile, sim_base: &str, channel: &str) -> SyncProfile {
    let mut p = profile.clone();
    p.base_url = format!("{}/{channel}", sim_base.trim().trim_end_matches('/'));
    p
}

fn network(e: reqwest::Error) -> SyncError {
    let what = if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "connect"
    } else if e.is_body() || e.is_decode() {
        "body"
    } else {
        "request"
    };
    // Without the URL: its query may carry a cursor, which is no one's business in a log.
    SyncError::Network(format!("{what}: {}", e.without_url()))
}

/// Percent-encodes everything but RFC 3986's unreserved characters, for one path segment.
fn encode_path_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_is_logged_by_its_code_without_the_channels_words() {
        let e = SyncError::Refused {
            code: "2003".into(),
            message: "投诉人陈美玲（13612345678）不存在".into(),
        };
        assert_eq!(e.for_log(), "refused by the channel: code 2003");
        assert!(e.to_string().contains("13612345678"), "the outbox keeps the words for the operator");
    }

    fn channel(id: &str) -> HttpChannel {
        let config = crate::config::load(None).expect("the shipped config loads");
        let profile = config.channels.get(id).and_then(|c| c.sync.clone()).expect("a sync profile");
        HttpChannel::new(id, &profile, reqwest::Client::new(), &SecretSource::Simulator).expect("builds")
    }

    #[test]
    fn list_urls_follow_each_paging_style() {
        let since = channel("wechat");
        let url = since.list_url(Some("2026-11-28T10:00:00+08:00|WX2026112800001")).unwrap();
        assert_eq!(
            url.query(),
            Some("since=2026-11-28T10%3A00%3A00%2B08%3A00&after_id=WX2026112800001&limit=100")
        );
        assert_eq!(since.list_url(None).unwrap().query(), Some("limit=100"));
        let page = channel("12345");
        assert_eq!(page.list_url(None).unwrap().query(), Some("page=1&page_size=100"));
        assert_eq!(page.list_url(Some("3")).unwrap().query(), Some("page=3&page_size=100"));
        let cursor = channel("email");
        assert_eq!(cursor.list_url(None).unwrap().query(), Some("size=100"));
        assert_eq!(cursor.list_url(Some("ab12")).unwrap().query(), Some("token=ab12&size=100"));
    }

    #[test]
    fn bodies_are_text_except_numbers_an_epoch_ms_profile_expects() {
        use crate::domain::effect::EffectKind;
        use crate::domain::ticket::{Fen, TicketId};
        let now = Timestamp::parse("2026-11-28T10:00:00+08:00").unwrap();
        let effect = Effect {
            kind: EffectKind::WriteBack,
            key: "writeback:9".into(),
            ticket: TicketId(1),
            channel: "x".into(),
            channel_ticket_id: "X1".into(),
            to: None,
            text: "已调解".into(),
            amount_recovered: Some(Fen(12_050)),
            at: now,
        };
        let nested = channel("12315");
        let body = effect_body(nested.profile(), &nested.profile().write_back, &effect, "张三", now);
        assert_eq!(
            body,
            serde_json::json!({"result": "已调解", "finished_at": now.millis(), "recovered": 120.5})
        );
        let pinyin = channel("12345");
        let body = effect_body(pinyin.profile(), &pinyin.profile().write_back, &effect, "张三", now);
        assert_eq!(
            body,
            serde_json::json!({"bljg": "已调解", "wcsj": "2026-11-28 10:00:00", "whjjss": "120.50"})
        );
        let body = effect_body(pinyin.profile(), &pinyin.profile().sign_for, &effect, "张三", now);
        assert_eq!(body, serde_json::json!({"qsr": "张三", "qssj": "2026-11-28 10:00:00"}));
        let since = channel("station");
        let none = Effect { amount_recovered: None, ..effect };
        let body = effect_body(since.profile(), &since.profile().write_back, &none, "张三", now);
        assert_eq!(
            body,
            serde_json::json!({"text": "已调解", "done_at": "2026-11-28T10:00:00+08:00", "recovered": ""})
        );
    }

    #[test]
    fn a_refusal_reads_with_the_channels_code_and_message() {
        let refused =
            |code: &str, message: &str| SyncError::Refused { code: code.into(), message: message.into() };
        assert_eq!(
            refused("2003", "工单当前状态不允许该操作").to_string(),
            "refused by the channel: code 2003: 工单当前状态不允许该操作"
        );
        assert_eq!(
            refused("", "no result code at \"resultCode\" in the answer").to_string(),
            "refused by the channel: no result code at \"resultCode\" in the answer"
        );
        assert!(refused("5001", "").is_retryable());
    }

    #[test]
    fn a_path_segment_is_percent_encoded() {
        assert_eq!(encode_path_segment("SD-2026/1 信"), "SD-2026%2F1%20%E4%BF%A1");
    }

    #[test]
    fn only_5xx_429_and_network_are_retryable() {
        let http = |status| SyncError::Http { status };
        assert!(http(503).is_retryable() && http(429).is_retryable());
        assert!(!http(400).is_retryable() && !http(404).is_retryable());
        assert!(SyncError::Network("reset".into()).is_retryable());
        assert!(!SyncError::Page(PageError::NotJson("x".into())).is_retryable());
    }
}
