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
    /// Our field (the import's snake_case names: `channel_ticket_id`, `received_at`, …) → the
    /// dotted path of the channel's field in an item (`consumer.mobile`).
    pub fields: BTreeMap<String, String>,
    /// The channel's words for our kinds when they are neither our codes nor 投诉/举报/咨询/建议.
    #[serde(default)]
    pub kinds: BTreeMap<String, String>,
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

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeFormat {
    /// `2026-11-28 10:00:00` or `2026/11/28 10:00`, China time.
    China,
    /// Milliseconds since the epoch.
    EpochMs,
    Rfc3339,
}
