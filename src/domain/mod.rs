//! Pure domain: types and rules, no IO and no clock reads (time is always a parameter).

pub mod action;
pub mod alarm;
pub mod calendar;
pub mod channel;
pub mod channel_profile;
pub mod credit_code;
pub mod early_warning;
pub mod effect;
pub mod event;
pub mod lifecycle;
pub mod limits;
pub mod mask;
pub mod offer;
pub mod org;
pub mod role;
pub mod sla;
pub mod status;
pub mod suggest;
pub mod ticket;
pub mod validate;
pub mod vocab;
pub mod watch;

/// A semantic problem in a configuration file, found after it parsed as TOML. `key` is the dotted
/// path of the offending key (e.g. `station.daliang-03.branch`); the loader turns it into a line.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{key}: {message}")]
pub struct ConfigProblem {
    pub key: String,
    pub message: String,
}

impl ConfigProblem {
    pub fn new(key: impl Into<String>, message: impl Into<String>) -> Self {
        ConfigProblem { key: key.into(), message: message.into() }
    }
}
