//! What the simulated parties received, for `GET /_sim/ledger` (INTERFACES.md): tests compare it
//! with the store to prove nothing was lost and every effect happened once.

use super::feed::Generated;
use crate::time::Timestamp;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// Arrivals of one intended effect: the distinct idempotency keys, in order of first arrival,
/// and how many requests came.
#[derive(Default)]
struct Arrivals {
    keys: Vec<String>,
    count: u64,
    /// The body of the latest arrival (write-backs only), so a test can check what was written.
    last: Option<Value>,
}

impl Arrivals {
    fn record(&mut self, key: &str, body: Option<Value>) {
        self.count += 1;
        if !self.keys.iter().any(|k| k == key) {
            self.keys.push(key.to_string());
        }
        if body.is_some() {
            self.last = body;
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    Sign,
    Writeback,
}

pub struct Ledger {
    generated: Value,
    /// The simulator's clock when publication began: `released_ms` counts from here.
    started_at: String,
    signed: Mutex<BTreeMap<(String, String), Arrivals>>,
    writebacks: Mutex<BTreeMap<(String, String), Arrivals>>,
    sms: Mutex<BTreeMap<String, Arrivals>>,
}

impl Ledger {
    /// `started_at`: the simulator's clock at the instant publication times count from.
    pub fn new(generated: &[Generated], started_at: Timestamp) -> Ledger {
        let generated = generated
            .iter()
            .map(|g| {
                let mut v = json!({
                    "channel": g.channel,
                    "channel_ticket_id": g.id,
                    "valid": g.malformed.is_none(),
                    "released_ms": g.visible_ms,
                });
                if let Some(m) = g.malformed {
                    v["malformed"] = json!(m.code());
                }
                v
            })
            .collect();
        Ledger {
            generated: Value::Array(generated),
            started_at: started_at.china().to_rfc3339_opts(chrono::SecondsFormat::Millis, false),
            signed: Mutex::default(),
            writebacks: Mutex::default(),
            sms: Mutex::default(),
        }
    }

    pub fn record(&self, effect: Effect, channel: &str, id: &str, key: &str, body: Option<Value>) {
        let map = match effect {
            Effect::Sign => &self.signed,
            Effect::Writeback => &self.writebacks,
        };
        // A poisoned lock only means another request panicked mid-insert; the map is still sound.
        let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
        map.entry((channel.to_string(), id.to_string())).or_default().record(key, body);
    }

    pub fn record_sms(&self, to: &str, key: &str) {
        let mut map = self.sms.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(to.to_string()).or_default().record(key, None);
    }

    /// The ledger as JSON text (serialised in place: `generated` can hold a million lines).
    pub fn to_json(&self) -> String {
        let effects = |map: &Mutex<BTreeMap<(String, String), Arrivals>>| -> Value {
            let map = map.lock().unwrap_or_else(|e| e.into_inner());
            map.iter()
                .map(|((channel, id), a)| {
                    let mut v = json!({
                        "channel": channel,
                        "channel_ticket_id": id,
                        "keys": a.keys,
                        "count": a.count,
                    });
                    if let Some(body) = &a.last {
                        v["last"] = body.clone();
                    }
                    v
                })
                .collect()
        };
        let sms: Value = {
            let map = self.sms.lock().unwrap_or_else(|e| e.into_inner());
            map.iter().map(|(to, a)| json!({ "to": to, "keys": a.keys, "count": a.count })).collect()
        };
        let view = View {
            started_at: &self.started_at,
            generated: &self.generated,
            signed: effects(&self.signed),
            writebacks: effects(&self.writebacks),
            sms,
        };
        serde_json::to_string(&view).unwrap_or_else(|_| unreachable!("a JSON value always serialises"))
    }
}

#[derive(serde::Serialize)]
struct View<'a> {
    started_at: &'a str,
    generated: &'a Value,
    signed: Value,
    writebacks: Value,
    sms: Value,
}
