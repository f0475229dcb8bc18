//! A channel's credentials: where its secret comes from (the environment, a file readable by its
//! owner only, or the simulator's demo values) and how a request carries it, per the profile's
//! authentication scheme.

use super::http::SyncError;
use super::profile::{Auth, Secret};
use crate::time::Timestamp;
use reqwest::{Method, Url};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Where secrets come from.
#[derive(Clone, Debug, Default)]
pub enum SecretSource {
    /// The process environment (a profile's `env`), or its `file`.
    #[default]
    Environment,
    /// Fixed values by environment variable name, instead of the environment (tests). A
    /// profile's `file` is still read from disk.
    Fixed(BTreeMap<String, String>),
    /// The simulator's demo credentials (`--sim`): bearer `sim-{ch}-token`, app key `sim-{ch}`
    /// with secret `sim-{ch}-secret`, header or query key `sim-{ch}-key`, whatever the profile
    /// names.
    Simulator,
}

/// Credentials resolved once, when the channel is built.
pub(super) enum Credentials {
    Bearer(String),
    AppKey { key: String, secret: String },
    Header { name: String, value: String },
    Query { param: String, value: String },
}

impl SecretSource {
    fn resolve(&self, channel: &str, secret: &Secret) -> Result<String, SyncError> {
        let no_secret = |what: String| SyncError::NoSecret { channel: channel.to_string(), what };
        if let Some(var) = secret.env.as_deref().filter(|v| !v.trim().is_empty()) {
            let value = match self {
                SecretSource::Environment => std::env::var(var).ok(),
                SecretSource::Fixed(map) => map.get(var).cloned(),
                SecretSource::Simulator => None,
            };
            if let Some(value) = value.map(|v| v.trim().to_string()).filter(|v| !v.is_empty()) {
                return Ok(value);
            }
            if secret.file.is_none() {
                return Err(no_secret(format!("environment variable {var} is not set")));
            }
        }
        match secret.file.as_deref().filter(|f| !f.trim().is_empty()) {
            Some(path) => read_secret_file(channel, path),
            None => Err(no_secret("the profile names no environment variable or file".into())),
        }
    }

    pub(super) fn credentials(&self, channel: &str, auth: &Auth) -> Result<Credentials, SyncError> {
        if let SecretSource::Simulator = self {
            let key = format!("sim-{channel}-key");
            return Ok(match auth {
                Auth::Bearer { .. } => Credentials::Bearer(format!("sim-{channel}-token")),
                Auth::AppKey { .. } => Credentials::AppKey {
                    key: format!("sim-{channel}"),
                    secret: format!("sim-{channel}-secret"),
                },
                Auth::Header { header, .. } => Credentials::Header { name: header.clone(), value: key },
                Auth::Query { param, .. } => Credentials::Query { param: param.clone(), value: key },
            });
        }
        let secret = self.resolve(channel, auth.secret())?;
        Ok(match auth {
            Auth::Bearer { .. } => Credentials::Bearer(secret),
            Auth::AppKey { key, .. } => Credentials::AppKey { key: key.clone(), secret },
            Auth::Header { header, .. } => Credentials::Header { name: header.clone(), value: secret },
            Auth::Query { param, .. } => Credentials::Query { param: param.clone(), value: secret },
        })
    }
}

impl Credentials {
    /// Checks what the profile names before any request: a header name HTTP cannot carry is a
    /// mistake in the configuration, not in a request.
    pub(super) fn check(&self, channel: &str) -> Result<(), SyncError> {
        if let Credentials::Header { name, value } = self {
            reqwest::header::HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| {
                SyncError::Invalid(format!("channel {channel}: auth header {name:?} is not a header name"))
            })?;
            reqwest::header::HeaderValue::from_str(value).map_err(|_| {
                SyncError::Invalid(format!("channel {channel}: the secret cannot be sent in a header"))
            })?;
        }
        Ok(())
    }

    /// A request to `url` carrying the credentials.
    pub(super) fn request(
        &self,
        client: &reqwest::Client,
        method: Method,
        mut url: Url,
        now: Timestamp,
    ) -> reqwest::RequestBuilder {
        match self {
            Credentials::Bearer(token) => client.request(method, url).bearer_auth(token),
            Credentials::AppKey { key, secret } => {
                let stamp = now.millis().to_string();
                let signature = signature(secret, method.as_str(), url.path(), &stamp);
                client
                    .request(method, url)
                    .header("X-App-Key", key)
                    .header("X-Timestamp", stamp)
                    .header("X-Signature", signature)
            }
            Credentials::Header { name, value } => client.request(method, url).header(name.trim(), value),
            Credentials::Query { param, value } => {
                url.query_pairs_mut().append_pair(param, value);
                client.request(method, url)
            }
        }
    }
}

/// A secret file's first line; it must be readable by its owner only.
fn read_secret_file(channel: &str, path: &str) -> Result<String, SyncError> {
    let no_secret = |what: String| SyncError::NoSecret { channel: channel.to_string(), what };
    let meta = std::fs::metadata(path).map_err(|e| no_secret(format!("secret file {path}: {e}")))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o077 != 0 {
            return Err(SyncError::InsecureSecretFile { path: path.to_string() });
        }
    }
    #[cfg(not(unix))]
    let _ = meta;
    let text = std::fs::read_to_string(path).map_err(|e| no_secret(format!("secret file {path}: {e}")))?;
    let value = text.lines().next().unwrap_or("").trim().to_string();
    if value.is_empty() {
        return Err(no_secret(format!("secret file {path} is empty")));
    }
    Ok(value)
}

/// `hex(sha256(secret \n METHOD \n PATH \n timestamp))`, PATH without the query.
fn signature(secret: &str, method: &str, path: &str, timestamp: &str) -> String {
    let text = format!("{secret}\n{method}\n{path}\n{timestamp}");
    hex::encode(Sha256::digest(text.as_bytes()))
}
