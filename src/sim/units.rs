//! Simulated handling units (stations, sections, branches) answering their tickets through
//! rightsdesk's units API, once `POST /_sim/units` has told them where it is and their tokens.
//!
//! Every second, each unit lists its tickets and moves each one a step after `--unit-delay`:
//! dispatched → sign, signed → contact, contacted (or accepted) → resolve, or for about 5% return
//! as not its duty. A failed call is logged and tried again on a later round.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const ROUND: Duration = Duration::from_secs(1);
const RETURN_SHARE: f64 = 0.05;

/// `POST /_sim/units` body.
#[derive(Clone, Debug, Deserialize)]
pub struct Registration {
    pub base_url: String,
    /// Unit id → bearer token.
    pub tokens: BTreeMap<String, String>,
}

/// `--unit-delay MIN..MAX`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnitDelay {
    pub min: Duration,
    pub max: Duration,
}

impl Default for UnitDelay {
    fn default() -> Self {
        UnitDelay { min: Duration::from_millis(50), max: Duration::from_millis(200) }
    }
}

impl UnitDelay {
    /// `50ms..200ms`, `1s..3s`, `0..500ms` (a bare number is milliseconds).
    pub fn parse(text: &str) -> Result<UnitDelay, String> {
        let (lo, hi) =
            text.split_once("..").ok_or_else(|| format!("'{text}' is not MIN..MAX, e.g. 50ms..200ms"))?;
        let (min, max) = (duration(lo)?, duration(hi)?);
        if min > max {
            return Err(format!("'{text}': the minimum is above the maximum"));
        }
        Ok(UnitDelay { min, max })
    }
}

fn duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let (digits, scale) = if let Some(n) = t.strip_suffix("ms") {
        (n, 1)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1000)
    } else if let Some(n) = t.strip_suffix('m') {
        (n, 60_000)
    } else {
        (t, 1)
    };
    let n: u64 = digits.trim().parse().map_err(|_| format!("'{t}' is not a duration such as 200ms or 2s"))?;
    Ok(Duration::from_millis(n.saturating_mul(scale)))
}

#[derive(Deserialize)]
struct UnitTicket {
    id: u64,
    status: String,
    #[serde(default)]
    kind: Option<String>,
}

/// What the unit has done, or is doing, about a ticket in a given status.
struct Track {
    status: String,
    done: bool,
}

pub struct Units {
    delay: UnitDelay,
    seed: u64,
    client: reqwest::Client,
    registration: Mutex<Option<Arc<Registration>>>,
    tracks: Mutex<HashMap<(String, u64), Track>>,
}

impl Units {
    pub fn new(delay: UnitDelay, seed: u64) -> Result<Units, reqwest::Error> {
        // The units API runs on 127.0.0.1: no proxy from the environment may sit in between.
        let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).no_proxy().build()?;
        Ok(Units { delay, seed, client, registration: Mutex::new(None), tracks: Mutex::default() })
    }

    pub fn register(&self, reg: Registration) {
        tracing::info!(base_url = %reg.base_url, units = reg.tokens.len(), "units API registered");
        *self.registration.lock().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(reg));
        // Ticket ids belong to the store behind the old address.
        self.tracks.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    /// Runs the rounds until the task is dropped.
    pub async fn run(self: Arc<Self>) {
        let mut tick = tokio::time::interval(ROUND);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let reg = self.registration.lock().unwrap_or_else(|e| e.into_inner()).clone();
            let Some(reg) = reg else { continue };
            for (unit, token) in &reg.tokens {
                self.round(&reg, unit, token).await;
            }
        }
    }

    async fn round(self: &Arc<Self>, reg: &Arc<Registration>, unit: &str, token: &str) {
        let url = format!("{}/api/units/{unit}/tickets", reg.base_url.trim_end_matches('/'));
        let listed = async {
            let response = self.client.get(&url).bearer_auth(token).send().await?.error_for_status()?;
            response.json::<Vec<UnitTicket>>().await
        };
        let tickets = match listed.await {
            Ok(t) => t,
            Err(e) => {
                tracing::warn!(unit, error = %e, "unit could not list its tickets; next round");
                return;
            }
        };
        let mut tracks = self.tracks.lock().unwrap_or_else(|e| e.into_inner());
        tracks.retain(|(u, id), _| u != unit || tickets.iter().any(|t| t.id == *id));
        for ticket in tickets {
            let Some(step) = self.step(unit, &ticket) else { continue };
            let key = (unit.to_string(), ticket.id);
            if tracks.get(&key).is_some_and(|t| t.status == ticket.status) {
                // Done and waiting for the status to change, or still under way.
                continue;
            }
            tracks.insert(key.clone(), Track { status: ticket.status.clone(), done: false });
            let delay = {
                let (lo, hi) = (self.delay.min.as_millis() as u64, self.delay.max.as_millis() as u64);
                Duration::from_millis(rand::rng().random_range(lo..=hi))
            };
            let url = format!(
                "{}/api/units/{unit}/tickets/{}/{}",
                reg.base_url.trim_end_matches('/'),
                ticket.id,
                step.0
            );
            let (units, token, status) = (self.clone(), token.to_string(), ticket.status);
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                let sent = units.client.post(&url).bearer_auth(&token).json(&step.1).send().await;
                let outcome = match sent {
                    Ok(r) if r.status().is_success() => Ok(()),
                    Ok(r) => Err(format!("HTTP {}", r.status())),
                    Err(e) => Err(e.to_string()),
                };
                let mut tracks = units.tracks.lock().unwrap_or_else(|e| e.into_inner());
                match outcome {
                    Ok(()) => {
                        if let Some(t) = tracks.get_mut(&key).filter(|t| t.status == status) {
                            t.done = true;
                        }
                    }
                    Err(e) => {
                        tracing::warn!(unit = %key.0, ticket = key.1, action = step.0, error = %e, "unit action failed; next round");
                        if tracks.get(&key).is_some_and(|t| t.status == status && !t.done) {
                            tracks.remove(&key);
                        }
                    }
                }
            });
        }
    }

    /// The next step for a ticket in its status: the action's path and its body.
    fn step(&self, unit: &str, t: &UnitTicket) -> Option<(&'static str, Value)> {
        // Per ticket, not per round: a unit that returns a ticket always returns it.
        let mut rng = StdRng::seed_from_u64(self.seed ^ fnv(unit) ^ t.id.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        match t.status.as_str() {
            "dispatched" => Some(("sign", json!({}))),
            "signed" => {
                Some(("contact", json!({ "note": "电话联系消费者，已了解具体诉求，约定尽快核实处理。" })))
            }
            "contacted" | "accepted" if rng.random_bool(RETURN_SHARE) => Some((
                "return",
                json!({ "reason": "not_our_duty", "note": "经核实，该事项不属本单位职责范围，请重新分派。" }),
            )),
            "contacted" | "accepted" => Some(("resolve", resolution(t.kind.as_deref(), &mut rng))),
            // Part way to a result (a unit's resolve cut short by an older server): finish it.
            "mediating" | "settled" | "mediation_ended" | "verified" | "case_filed" | "not_filed"
            | "reporter_told" | "answered" => Some(("resolve", resolution(t.kind.as_deref(), &mut rng))),
            _ => None,
        }
    }
}

fn resolution(kind: Option<&str>, rng: &mut StdRng) -> Value {
    const COMPLAINT: &[&str] = &[
        "经调解，商家同意为消费者办理退货退款，消费者表示满意。",
        "经调解，双方达成和解，商家退还部分费用，消费者接受处理结果。",
        "经核实，商家已为消费者免费维修并延长保修期，消费者对处理结果表示认可。",
    ];
    const REPORT: &[&str] = &[
        "经现场核查，举报反映的问题基本属实，已责令当事人立即整改，并依法作进一步处理。",
        "经现场核查，未发现举报反映的违法行为，已将核查情况告知举报人。",
    ];
    const ANSWER: &[&str] = &[
        "已电话联系当事人，就所咨询事项作出解答，当事人表示清楚。",
        "已认真研究所提建议，将在今后工作中予以参考，并向当事人作了反馈。",
    ];
    let pick = |list: &[&'static str], rng: &mut StdRng| list[rng.random_range(0..list.len())];
    match kind {
        Some("report") => json!({ "result": pick(REPORT, rng) }),
        Some("enquiry") | Some("suggestion") => json!({ "result": pick(ANSWER, rng) }),
        _ => {
            let yuan = rng.random_range(50..3000);
            json!({ "result": pick(COMPLAINT, rng), "amount_recovered": format!("{yuan}.00") })
        }
    }
}

/// A stable hash of a unit id (std's hasher is randomly keyed per process).
fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_delays_parse_with_units() {
        let d = UnitDelay::parse("50ms..200ms").unwrap();
        assert_eq!((d.min, d.max), (Duration::from_millis(50), Duration::from_millis(200)));
        assert_eq!(UnitDelay::parse("1s..2s").unwrap().max, Duration::from_secs(2));
        assert!(UnitDelay::parse("200ms..50ms").is_err());
        assert!(UnitDelay::parse("fast").is_err());
    }
}
