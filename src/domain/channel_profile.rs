//! A remote channel's adapter profile (`[channel.ID.sync]` in `config/channels.toml`): where its
//! API is, how to authenticate, how it pages, and which of its fields hold which of ours. A new
//! channel with another shape is a profile, not code.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncProfile {
    /// E.g. `https://12345.example.gov.cn/openapi`; `--sim URL` replaces it with `URL/ID`.
    pub base_url: String,
    #[serde(default = "default_poll_ms")]
    pub poll_interval_ms: u64,
    #[serde(default = "default_page_size")]
    pub page_size: u32,
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    pub auth: Auth,
    pub list: List,
    pub sign_for: Endpoint,
    pub write_back: Endpoint,
    pub time_format: TimeFormat,
    /// Many government APIs answer HTTP 200 with a result code in the body; when set, a page,
    /// sign-for or write-back whose code is not a success is a failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub envelope: Option<ResultEnvelope>,
    /// A PEM file of the certificate authority a bureau's private HTTPS endpoints are signed
    /// by, trusted besides the system's roots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<String>,
    /// Our field (the import's snake_case names: `channel_ticket_id`, `received_at`, …) → the
    /// dotted path of the channel's field in an item (`consumer.mobile`).
    pub fields: BTreeMap<String, String>,
    /// The channel's words for our kinds when they are neither our codes nor 投诉/举报/咨询/建议.
    #[serde(default)]
    pub kinds: BTreeMap<String, String>,
}

impl SyncProfile {
    /// The profile as a `[channel."ID".sync]` table of an override file: what `config show
    /// channels` prints, and what an integrator starts a new adapter from.
    pub fn to_override_toml(&self, id: &str) -> Result<String, toml::ser::Error> {
        let text = toml::to_string(self)?;
        // Sub-tables (`[list]`, `[fields]` …) belong under the channel's sync table.
        let prefix = format!("channel.\"{id}\".sync");
        let text = text
            .lines()
            .map(|line| match line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                Some(table) if !line.starts_with("[[") => format!("[{prefix}.{table}]"),
                _ => line.to_string(),
            })
            .collect::<Vec<_>>()
            .join("\n");
        Ok(format!("[{prefix}]\n{}", text.trim_end()))
    }
}

fn default_poll_ms() -> u64 {
    5_000
}
fn default_page_size() -> u32 {
    100
}
fn default_timeout_ms() -> u64 {
    10_000
}

/// Secrets never sit in the main config: the profile names an environment variable or a file
/// (which must be readable by its owner only).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "scheme", rename_all = "snake_case", deny_unknown_fields)]
pub enum Auth {
    /// `Authorization: Bearer TOKEN`.
    Bearer { token: Secret },
    /// `X-App-Key`, `X-Timestamp` and `X-Signature` = hex(sha256(secret \n METHOD \n PATH \n timestamp)).
    AppKey { key: String, secret: Secret },
    /// The secret as the value of a named header (`X-Api-Key: SECRET`).
    Header { header: String, value: Secret },
    /// The secret as a query parameter of every request (`?appKey=SECRET`).
    Query { param: String, value: Secret },
}

/// Where a channel's answer says whether it accepted the request: dotted paths into the body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultEnvelope {
    /// The result code (text or number in the body; compared as text).
    pub code: String,
    /// The code or codes that mean success.
    pub success: OneOrMany,
    /// The channel's explanation, carried into the failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// `"0000"` or `["0", "0000"]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn contains(&self, code: &str) -> bool {
        match self {
            OneOrMany::One(c) => c.trim() == code,
            OneOrMany::Many(cs) => cs.iter().any(|c| c.trim() == code),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub struct Secret {
    pub env: Option<String>,
    pub file: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct List {
    pub path: String,
    /// Dotted path of the item array in the response body; empty when the body is the array.
    #[serde(default)]
    pub items: String,
    pub paging: Paging,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "style", rename_all = "snake_case", deny_unknown_fields)]
pub enum Paging {
    /// `?page=N&size=M`, pages from 1 in publication order. `total` is the dotted path of the
    /// count of items published so far, when the channel gives one: it says whether a page is
    /// complete even when the channel pads pages with repeats.
    Page {
        page_param: String,
        size_param: String,
        #[serde(default)]
        total: Option<String>,
    },
    /// `?cursor=TOKEN&size=M`, the next token at a dotted path of the response.
    Cursor { cursor_param: String, size_param: String, next: String },
    /// `?since=TIME&after=ID&size=M`: items strictly after the last (time, id) seen.
    Since { since_param: String, after_param: String, size_param: String },
}

/// A call that tells the channel something: `{id}` in the path is the channel ticket id; body
/// values may use `{result}`, `{amount}`, `{now}`, `{now_ms}`, `{actor}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Endpoint {
    pub path: String,
    #[serde(default)]
    pub body: BTreeMap<String, String>,
}

/// How the channel writes times, in its items and in what we send it (`{now}`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum TimeFormat {
    /// `china`: we write `2026-11-28 10:00:00`; we read that or `2026/11/28 10:00`. China time.
    China,
    /// `epoch_ms`: milliseconds since the epoch.
    EpochMs,
    /// `rfc3339`: `2026-11-28T10:00:00+08:00`.
    Rfc3339,
    /// A chrono pattern in China time, e.g. `%Y/%m/%d %H:%M:%S`: we write and read exactly that.
    Pattern(String),
}

impl TryFrom<String> for TimeFormat {
    type Error = String;

    fn try_from(text: String) -> Result<TimeFormat, String> {
        match text.trim() {
            "china" => Ok(TimeFormat::China),
            "epoch_ms" => Ok(TimeFormat::EpochMs),
            "rfc3339" => Ok(TimeFormat::Rfc3339),
            pattern if pattern.contains('%') => {
                // A pattern chrono cannot use would fail at the first `{now}`: refuse it here.
                let items: Vec<_> = chrono::format::StrftimeItems::new(pattern).collect();
                if items.contains(&chrono::format::Item::Error) {
                    return Err(format!("time_format {pattern:?} is not a valid strftime pattern"));
                }
                Ok(TimeFormat::Pattern(pattern.to_string()))
            }
            other => Err(format!(
                "time_format {other:?}: expected china, epoch_ms, rfc3339 or a pattern such as \"%Y/%m/%d %H:%M:%S\""
            )),
        }
    }
}

impl From<TimeFormat> for String {
    fn from(format: TimeFormat) -> String {
        match format {
            TimeFormat::China => "china".into(),
            TimeFormat::EpochMs => "epoch_ms".into(),
            TimeFormat::Rfc3339 => "rfc3339".into(),
            TimeFormat::Pattern(p) => p,
        }
    }
}

impl Auth {
    /// The secret the scheme needs.
    pub fn secret(&self) -> &Secret {
        match self {
            Auth::Bearer { token } => token,
            Auth::AppKey { secret, .. } => secret,
            Auth::Header { value, .. } | Auth::Query { value, .. } => value,
        }
    }
}
