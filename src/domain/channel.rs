//! Intake channels (渠道), as shipped in `config/channels.toml`. The ids are an external interface
//! (INTERFACES.md, "Channels"): the simulator, imports and scripts use them.

use crate::domain::ConfigProblem;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Remote channels are pulled by a sync worker and get their results written back; manual ones are
/// typed in at the console or imported from a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelMode {
    Remote,
    Manual,
}

/// The 17 stable channel ids of INTERFACES.md with their modes, for the simulator and the tests.
pub const STANDARD_CHANNELS: [(&str, ChannelMode); 17] = [
    ("12345", ChannelMode::Remote),
    ("12315", ChannelMode::Remote),
    ("12315-odr", ChannelMode::Remote),
    ("8180", ChannelMode::Remote),
    ("mayor", ChannelMode::Remote),
    ("rmw", ChannelMode::Remote),
    ("wechat", ChannelMode::Remote),
    ("miniapp", ChannelMode::Remote),
    ("email", ChannelMode::Remote),
    ("upper", ChannelMode::Remote),
    ("dept", ChannelMode::Remote),
    ("media", ChannelMode::Remote),
    ("council", ChannelMode::Remote),
    ("station", ChannelMode::Remote),
    ("walkin", ChannelMode::Manual),
    ("letter", ChannelMode::Manual),
    ("phone", ChannelMode::Manual),
];

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Channel {
    /// The table key in the file; filled in by `ChannelsFile::build`.
    #[serde(skip)]
    pub id: String,
    pub name: String,
    pub mode: ChannelMode,
    /// Deadline rule ids (`config/sla.toml`) whose clocks a ticket from this channel runs.
    pub rules: Vec<String>,
    /// How to pull from and report to a remote channel's system.
    #[serde(default)]
    pub sync: Option<crate::domain::channel_profile::SyncProfile>,
}

impl Channel {
    pub fn is_remote(&self) -> bool {
        self.mode == ChannelMode::Remote
    }
}

/// The number a ticket typed in by hand (a walk-in, a letter, a call) gets in its channel when
/// the clerk gives none: the channel, the day of receipt and the bureau's own ticket number,
/// e.g. `WALKIN-20261128-N17`. The bureau's number is unique, so two walk-ins registered in the
/// same second are two tickets; the `N` keeps these apart from the `WALKIN-20261128-093000`
/// (time of day) numbers earlier versions gave, which could otherwise be taken for a repeat.
pub fn manual_ticket_id(
    channel: &str,
    received: chrono::NaiveDate,
    ticket: crate::domain::ticket::TicketId,
) -> String {
    format!("{}-{}-N{}", channel.to_uppercase(), received.format("%Y%m%d"), ticket.0)
}

/// `config/channels.toml` as parsed (after the loader merged any override file into the defaults).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelsFile {
    pub channel: BTreeMap<String, Channel>,
}

/// The checked channels, in id order.
#[derive(Clone, Debug)]
pub struct Channels {
    channels: BTreeMap<String, Channel>,
}

impl ChannelsFile {
    /// Checks names and rule ids against the deadline rules actually loaded, so a typo in a rule id
    /// fails at start-up instead of silently leaving a ticket without its clock.
    pub fn build(self, known_rules: &[&str]) -> Result<Channels, ConfigProblem> {
        let mut channels = BTreeMap::new();
        for (id, mut ch) in self.channel {
            let key = format!("channel.{id}");
            // Ids travel in URLs, file names and command lines (`--channel 12315-odr`).
            let plain = !id.is_empty()
                && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
            if !plain {
                return Err(ConfigProblem::new(
                    key,
                    format!("channel id '{id}' must be lower-case ASCII letters, digits, '-' or '_'"),
                ));
            }
            let name = ch.name.trim();
            if name.is_empty() {
                return Err(ConfigProblem::new(format!("{key}.name"), "must not be empty"));
            }
            ch.name = name.to_string();
            for (i, rule) in ch.rules.iter().enumerate() {
                let rule_key = format!("{key}.rules[{i}]");
                if !known_rules.contains(&rule.as_str()) {
                    return Err(ConfigProblem::new(
                        rule_key,
                        format!("unknown deadline rule '{rule}' (known: {})", known_rules.join(", ")),
                    ));
                }
                if ch.rules[..i].contains(rule) {
                    return Err(ConfigProblem::new(
                        rule_key,
                        format!("deadline rule '{rule}' is listed twice"),
                    ));
                }
            }
            ch.id = id.clone();
            channels.insert(id, ch);
        }
        Ok(Channels { channels })
    }
}

impl Channels {
    pub fn get(&self, id: &str) -> Option<&Channel> {
        self.channels.get(id)
    }
    /// In id order.
    pub fn all(&self) -> impl Iterator<Item = &Channel> {
        self.channels.values()
    }
    /// In id order.
    pub fn ids(&self) -> Vec<&str> {
        self.channels.keys().map(String::as_str).collect()
    }
    pub fn remote(&self) -> impl Iterator<Item = &Channel> {
        self.all().filter(|c| c.is_remote())
    }
    pub fn len(&self) -> usize {
        self.channels.len()
    }
    pub fn is_empty(&self) -> bool {
        self.channels.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: [&str; 2] = ["first_contact", "complaint_acceptance"];

    fn parse(text: &str) -> ChannelsFile {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn a_rule_listed_twice_names_its_index() {
        let file = parse(
            "[channel.walkin]\nname = \"来人来访\"\nmode = \"manual\"\nrules = [\"first_contact\", \"first_contact\"]\n",
        );
        let err = file.build(&RULES).unwrap_err();
        assert_eq!(err.key, "channel.walkin.rules[1]");
    }

    #[test]
    fn ids_are_filled_in_from_the_table_keys() {
        let file = parse("[channel.letter]\nname = \" 来信 \"\nmode = \"manual\"\nrules = []\n");
        let channels = file.build(&RULES).unwrap();
        let letter = channels.get("letter").unwrap();
        assert_eq!(letter.id, "letter");
        assert_eq!(letter.name, "来信");
        assert!(!letter.is_remote());
    }

    #[test]
    fn an_unknown_field_is_refused() {
        let r: Result<ChannelsFile, _> =
            toml::from_str("[channel.letter]\nname = \"来信\"\nmode = \"manual\"\nrules = []\nurl = \"x\"\n");
        assert!(r.is_err());
    }
}
