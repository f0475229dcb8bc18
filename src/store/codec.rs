//! Record encoding. Every value starts with a schema version byte, so a newer binary can read
//! every record an older one wrote, and a migration can run in place one record at a time.
//!
//! - version 1: JSON (the first store format, readable while the model settled);
//! - version 2: postcard (compact and fast; the current format).

use serde::Serialize;
use serde::de::DeserializeOwned;

pub const JSON_V1: u8 = 1;
pub const POSTCARD_V2: u8 = 2;
pub const CURRENT: u8 = POSTCARD_V2;

#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    #[error("empty record")]
    Empty,
    #[error("record version {0} was written by a newer rightsdesk; upgrade this binary")]
    NewerVersion(u8),
    #[error("unreadable record (version {version}): {detail}")]
    Corrupt { version: u8, detail: String },
}

pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    let mut out = vec![CURRENT];
    // postcard only fails on types it cannot represent; ours are plain data.
    postcard::to_io(value, &mut out).expect("plain data encodes");
    out
}

/// Encodes in the version-1 format; kept so that tests can build a store as an old binary did.
pub fn encode_v1<T: Serialize>(value: &T) -> Vec<u8> {
    let mut out = vec![JSON_V1];
    serde_json::to_writer(&mut out, value).expect("plain data encodes");
    out
}

pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, CodecError> {
    let (&version, body) = bytes.split_first().ok_or(CodecError::Empty)?;
    match version {
        JSON_V1 => {
            serde_json::from_slice(body).map_err(|e| CodecError::Corrupt { version, detail: e.to_string() })
        }
        POSTCARD_V2 => {
            postcard::from_bytes(body).map_err(|e| CodecError::Corrupt { version, detail: e.to_string() })
        }
        v if v > CURRENT => Err(CodecError::NewerVersion(v)),
        v => Err(CodecError::Corrupt { version: v, detail: "unknown version".into() }),
    }
}

pub fn version_of(bytes: &[u8]) -> Option<u8> {
    bytes.first().copied()
}
