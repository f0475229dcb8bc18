//! Record encoding. Every value starts with a schema version byte, so a newer binary can read
//! every record an older one wrote, and a migration can run in place one record at a time.
//!
//! - version 1: JSON (the first store format, readable while the model settled);
//! - version 2: postcard (compact and fast);
//! - version 3: postcard, with the fields added since version 2 (the current format).
//!
//! postcard writes fields in order without names, so a field added to a record type changes
//! how every record holding it is laid out, and `#[serde(default)]` alone cannot skip it when
//! reading a record written before. Such a field carries
//! `#[serde(default, deserialize_with = "codec::since_v3")]`: while a version-2 record is
//! decoded it takes its default without reading a byte; JSON (version 1, and the socket)
//! leaves it out and gets the default too.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use std::cell::Cell;

pub const JSON_V1: u8 = 1;
pub const POSTCARD_V2: u8 = 2;
pub const POSTCARD_V3: u8 = 3;
pub const CURRENT: u8 = POSTCARD_V3;

thread_local! {
    /// Set while a version-2 record is being decoded on this thread.
    static DECODING_V2: Cell<bool> = const { Cell::new(false) };
}

/// For a field added in version 3: its default in a version-2 record, else the value written.
pub fn since_v3<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    if DECODING_V2.with(Cell::get) { Ok(T::default()) } else { T::deserialize(deserializer) }
}

/// Decodes a version-2 body, the fields added since taking their defaults.
fn decode_v2<T: DeserializeOwned>(body: &[u8]) -> Result<T, postcard::Error> {
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            DECODING_V2.with(|flag| flag.set(false));
        }
    }
    DECODING_V2.with(|flag| flag.set(true));
    let _reset = Reset;
    postcard::from_bytes(body)
}

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
        POSTCARD_V2 => decode_v2(body).map_err(|e| CodecError::Corrupt { version, detail: e.to_string() }),
        POSTCARD_V3 => {
            postcard::from_bytes(body).map_err(|e| CodecError::Corrupt { version, detail: e.to_string() })
        }
        v if v > CURRENT => Err(CodecError::NewerVersion(v)),
        v => Err(CodecError::Corrupt { version: v, detail: "unknown version".into() }),
    }
}

pub fn version_of(bytes: &[u8]) -> Option<u8> {
    bytes.first().copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Before {
        town: Option<String>,
        next: u32,
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Inner {
        town: Option<String>,
        #[serde(default, deserialize_with = "since_v3")]
        business_district: Option<String>,
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct After {
        inner: Inner,
        next: u32,
    }

    #[test]
    fn a_record_followed_by_its_chain_link_reads_as_the_record() {
        // The store appends an event's link to its record (`chain.rs`); readers rely on postcard
        // reading the fields and leaving what follows.
        let now = After { inner: Inner { town: Some("容桂".into()), business_district: None }, next: 3 };
        let mut value = encode(&now);
        value.extend_from_slice(&[0xAB; 32]);
        assert_eq!(decode::<After>(&value).unwrap(), now);
    }

    #[test]
    fn a_version_2_record_reads_with_the_fields_added_since_at_their_default() {
        let mut old = vec![POSTCARD_V2];
        old.extend(postcard::to_allocvec(&Before { town: Some("大良".into()), next: 7 }).unwrap());
        let read: After = decode(&old).unwrap();
        assert_eq!(
            read,
            After { inner: Inner { town: Some("大良".into()), business_district: None }, next: 7 }
        );

        let now = After {
            inner: Inner { town: None, business_district: Some("大良中心商圈".into()) },
            next: 8,
        };
        assert_eq!(decode::<After>(&encode(&now)).unwrap(), now);
        let json = serde_json::to_vec(&serde_json::json!({"inner": {"town": null}, "next": 1})).unwrap();
        let mut v1 = vec![JSON_V1];
        v1.extend(json);
        assert_eq!(decode::<After>(&v1).unwrap().inner.business_district, None);
    }
}
