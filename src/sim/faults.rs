//! `--faults`: what can go wrong, how often, and on which channel.
//!
//! A spec is a comma-separated list of `KIND=RATE` entries, each optionally prefixed with
//! `CHANNEL:` to limit it to one channel (one of the 14 remote channels, or `sms` for the SMS
//! gateway). A prefixed entry overrides the unprefixed one of the same kind for that channel.

use crate::domain::channel::{ChannelMode, STANDARD_CHANNELS};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

/// The kinds of fault, in the order of their spec names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    Server5xx,
    Timeout,
    Slow,
    Reset,
    Malformed,
    Dup,
    Reorder,
    /// Refused inside HTTP 200 with a result code (shapes with a result envelope only).
    Refuse,
}

const KINDS: [(Fault, &str); 8] = [
    (Fault::Server5xx, "5xx"),
    (Fault::Timeout, "timeout"),
    (Fault::Slow, "slow"),
    (Fault::Reset, "reset"),
    (Fault::Malformed, "malformed"),
    (Fault::Dup, "dup"),
    (Fault::Reorder, "reorder"),
    (Fault::Refuse, "refuse"),
];

/// The name the SMS gateway goes by in a `CHANNEL:` prefix.
pub const SMS: &str = "sms";

/// How long a "timeout" request is held: longer than any sane client timeout.
pub const TIMEOUT_HOLD: Duration = Duration::from_secs(30);

type Rates = [Option<f64>; KINDS.len()];

/// A parsed `--faults` value. The default injects nothing.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FaultSpec {
    global: Rates,
    per_channel: BTreeMap<String, Rates>,
}

/// A bad entry of a `--faults` value, named as the user wrote it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultSpecError {
    pub entry: String,
    pub reason: String,
}

impl fmt::Display for FaultSpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "bad fault entry '{}': {}", self.entry, self.reason)
    }
}

impl std::error::Error for FaultSpecError {}

impl FaultSpec {
    pub fn parse(text: &str) -> Result<FaultSpec, FaultSpecError> {
        let mut spec = FaultSpec::default();
        let text = text.trim();
        if text.is_empty() || text == "none" {
            return Ok(spec);
        }
        for raw in text.split(',') {
            let entry = raw.trim();
            let bad = |reason: String| FaultSpecError { entry: entry.to_string(), reason };
            let (scope, assignment) = match entry.split_once(':') {
                Some((channel, rest)) => (Some(channel.trim()), rest),
                None => (None, entry),
            };
            let Some((name, value)) = assignment.split_once('=') else {
                return Err(bad("expected KIND=RATE, e.g. 5xx=0.2".into()));
            };
            let (name, value) = (name.trim(), value.trim());
            let Some(index) = KINDS.iter().position(|(_, n)| *n == name) else {
                let known: Vec<&str> = KINDS.iter().map(|(_, n)| *n).collect();
                return Err(bad(format!("unknown fault '{name}' (known: {})", known.join(", "))));
            };
            let rate: f64 = value
                .parse()
                .ok()
                .filter(|r: &f64| (0.0..=1.0).contains(r))
                .ok_or_else(|| bad(format!("rate '{value}' must be a number from 0 to 1")))?;
            let rates = match scope {
                None => &mut spec.global,
                Some(channel) => {
                    let known = STANDARD_CHANNELS
                        .iter()
                        .any(|(id, mode)| *mode == ChannelMode::Remote && *id == channel)
                        || channel == SMS;
                    if !known {
                        return Err(bad(format!(
                            "unknown channel '{channel}' (a remote channel id such as 12345, or {SMS})"
                        )));
                    }
                    spec.per_channel.entry(channel.to_string()).or_default()
                }
            };
            rates[index] = Some(rate);
        }
        Ok(spec)
    }

    /// The rate of `fault` on `channel`: its own entry if it has one, else the global one.
    pub fn rate(&self, channel: &str, fault: Fault) -> f64 {
        let i = KINDS.iter().position(|(f, _)| *f == fault).unwrap_or(0);
        self.per_channel.get(channel).and_then(|r| r[i]).or(self.global[i]).unwrap_or(0.0)
    }

    /// The faults of one request, drawn from an rng that depends only on the seed and the
    /// request's number, so a run can be replayed.
    pub fn decide(&self, channel: &str, seed: u64, request: u64) -> Decision {
        let mut rng = StdRng::seed_from_u64(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ request);
        let mut roll = |fault: Fault| {
            let p = self.rate(channel, fault);
            // Draw even for zero rates so one entry's rate does not shift another's draws.
            let x: f64 = rng.random();
            x < p
        };
        let reset = roll(Fault::Reset);
        let failed = roll(Fault::Server5xx);
        let timeout = roll(Fault::Timeout);
        let slow = roll(Fault::Slow);
        let dup = roll(Fault::Dup);
        let reorder = roll(Fault::Reorder);
        // Drawn last, so the draws of the older kinds stay what they were for a seed.
        let refuse = roll(Fault::Refuse);
        let outcome = if reset {
            Outcome::Reset
        } else if failed {
            Outcome::Unavailable
        } else if timeout {
            Outcome::Timeout
        } else {
            Outcome::Answer
        };
        let slow = slow.then(|| Duration::from_millis(rng.random_range(500..=2000)));
        Decision { outcome, slow, dup, reorder, refuse, rng }
    }
}

/// What happens to a request as a whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Answer,
    /// 503 with a JSON error.
    Unavailable,
    /// Held for `TIMEOUT_HOLD`, then answered.
    Timeout,
    /// The connection is dropped without a response.
    Reset,
}

/// The faults drawn for one request, with the rng that drew them for the page's own choices
/// (which earlier items to repeat, how to shuffle).
pub struct Decision {
    pub outcome: Outcome,
    pub slow: Option<Duration>,
    pub dup: bool,
    pub reorder: bool,
    /// On a shape with a result envelope: answer HTTP 200 with a failure code instead.
    pub refuse: bool,
    pub rng: StdRng,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefixed_entry_overrides_the_global_one_for_its_channel_only() {
        let spec = FaultSpec::parse("5xx=0.2, 12345:5xx=1,reset=0.02,malformed=0.05").unwrap();
        assert_eq!(spec.rate("12345", Fault::Server5xx), 1.0);
        assert_eq!(spec.rate("12315", Fault::Server5xx), 0.2);
        assert_eq!(spec.rate("12345", Fault::Reset), 0.02);
        assert_eq!(spec.rate("12345", Fault::Dup), 0.0);
    }

    #[test]
    fn errors_name_the_entry() {
        let e = FaultSpec::parse("5xx=0.1,bogus=2").unwrap_err();
        assert_eq!(e.entry, "bogus=2");
        assert!(e.to_string().contains("unknown fault 'bogus'"), "{e}");
        assert_eq!(FaultSpec::parse("5xx=1.5").unwrap_err().entry, "5xx=1.5");
        assert_eq!(FaultSpec::parse("nowhere:5xx=0.1").unwrap_err().entry, "nowhere:5xx=0.1");
        assert_eq!(FaultSpec::parse("5xx").unwrap_err().entry, "5xx");
        assert_eq!(FaultSpec::parse("").unwrap(), FaultSpec::default());
    }

    #[test]
    fn certain_faults_always_happen_and_decisions_replay() {
        let spec = FaultSpec::parse("5xx=1").unwrap();
        assert!((0..50).all(|i| spec.decide("wechat", 7, i).outcome == Outcome::Unavailable));
        let spec = FaultSpec::parse("slow=0.5,dup=0.5").unwrap();
        let a: Vec<_> = (0..20).map(|i| spec.decide("12345", 3, i)).map(|d| (d.slow, d.dup)).collect();
        let b: Vec<_> = (0..20).map(|i| spec.decide("12345", 3, i)).map(|d| (d.slow, d.dup)).collect();
        assert_eq!(a, b);
    }
}
