//! Configuration: the shipped defaults are compiled in; files in a config directory override
//! them key by key. Every problem is reported as `file:line: key: what to do`.

mod files;
mod locate;

pub use files::{HOLIDAY_DIR, KNOWN_FILES};

use crate::domain::ConfigProblem;
use crate::domain::calendar::{Calendar, HolidayYear, HolidayYearFile};
use crate::domain::channel::{Channels, ChannelsFile};
use crate::domain::effect::SmsTemplates;
use crate::domain::org::{OrgFile, Organisation};
use crate::domain::role::{Users, UsersFile};
use crate::domain::sla::{SlaFile, SlaPolicy};
use crate::stats::settings::StatsSettings;
use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};

/// The shipped defaults, by their file name in a config directory.
pub const SHIPPED: &[(&str, &str)] = &[
    ("config.toml", include_str!("../../config/config.toml")),
    ("channels.toml", include_str!("../../config/channels.toml")),
    ("org.toml", include_str!("../../config/org.toml")),
    ("sla.toml", include_str!("../../config/sla.toml")),
    ("sms.toml", include_str!("../../config/sms.toml")),
    ("stats.toml", include_str!("../../config/stats.toml")),
    ("holidays/2025.toml", include_str!("../../config/holidays/2025.toml")),
    ("holidays/2026.toml", include_str!("../../config/holidays/2026.toml")),
];

/// Settings of a deployment (`config.toml`): where the data lives and how much memory to use.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The shared data directory of a deployment (e.g. /var/lib/rightsdesk).
    pub data_dir: Option<PathBuf>,
    /// sled's page cache, in MiB.
    pub store_cache_mb: u64,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub settings: Settings,
    pub channels: Channels,
    pub org: Organisation,
    pub sla: SlaPolicy,
    pub calendar: Calendar,
    pub sms: SmsTemplates,
    /// `users.toml`: the people the server admits (none listed: only its own Unix user).
    pub users: Users,
    pub stats: StatsSettings,
}

/// One problem in one file: what the user must fix, and where.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    pub file: String,
    pub line: Option<usize>,
    pub key: Option<String>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(key) = &self.key {
            write!(f, ": {key}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// All problems found; `config check` prints every one, a command stops at them.
#[derive(Clone, Debug, thiserror::Error)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

/// One configuration file: the built-in text and, when the directory has it, the override.
struct Layer {
    name: String,
    shipped: Option<&'static str>,
    overriding: Option<(PathBuf, String)>,
}

impl Layer {
    fn label_for(&self, key: Option<&str>) -> (String, Option<usize>) {
        if let Some((path, text)) = &self.overriding {
            let line = key.and_then(|k| locate::line_of_key(text, k));
            if line.is_some() || self.shipped.is_none() || key.is_none() {
                return (path.display().to_string(), line);
            }
        }
        let line = match (self.shipped, key) {
            (Some(text), Some(k)) => locate::line_of_key(text, k),
            _ => None,
        };
        (format!("built-in {}", self.name), line)
    }

    fn error(&self, key: Option<&str>, message: impl Into<String>) -> ConfigError {
        let (file, line) = self.label_for(key);
        ConfigError { file, line, key: key.map(str::to_string), message: message.into() }
    }

    fn problem(&self, p: ConfigProblem) -> ConfigError {
        self.error(Some(&p.key), p.message)
    }

    /// Parses both texts and merges the override into the defaults, table by table.
    fn merged(&self) -> Result<toml::Table, ConfigError> {
        let mut base = match self.shipped {
            Some(text) => parse_table(text).map_err(|(line, msg)| ConfigError {
                file: format!("built-in {}", self.name),
                line,
                key: None,
                message: msg,
            })?,
            None => toml::Table::new(),
        };
        if let Some((path, text)) = &self.overriding {
            let over = parse_table(text).map_err(|(line, msg)| ConfigError {
                file: path.display().to_string(),
                line,
                key: None,
                message: msg,
            })?;
            if self.name == "channels.toml" {
                drop_replaced_profiles(&mut base, &over);
            }
            merge(&mut base, over);
        }
        Ok(base)
    }

    fn decode<T: serde::de::DeserializeOwned>(&self) -> Result<T, ConfigError> {
        let table = self.merged()?;
        toml::Value::Table(table).try_into::<T>().map_err(|e| {
            let text = e.to_string();
            let key = text.lines().find_map(|l| l.strip_prefix("in `").and_then(|k| k.strip_suffix('`')));
            self.error(key, e.message().to_string())
        })
    }
}

fn parse_table(text: &str) -> Result<toml::Table, (Option<usize>, String)> {
    toml::from_str::<toml::Table>(text).map_err(|e| {
        let line = e.span().map(|s| locate::line_of_offset(text, s.start));
        (line, format!("not valid TOML: {}", e.message()))
    })
}

/// Key-by-key override: tables merge recursively, any other value replaces the default.
fn merge(base: &mut toml::Table, over: toml::Table) {
    for (key, value) in over {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(key, v);
            }
        }
    }
}

/// A `[channel.ID.sync]` table in an override replaces the shipped profile whole: an adapter
/// for another API must not inherit a field path, a body field or an auth scheme of the shipped
/// one. Everything else in `channels.toml` merges key by key.
fn drop_replaced_profiles(base: &mut toml::Table, over: &toml::Table) {
    let Some(toml::Value::Table(over_channels)) = over.get("channel") else { return };
    let Some(toml::Value::Table(base_channels)) = base.get_mut("channel") else { return };
    for (id, channel) in over_channels {
        let replaces = channel.as_table().is_some_and(|c| c.contains_key("sync"));
        if replaces && let Some(toml::Value::Table(shipped)) = base_channels.get_mut(id) {
            shipped.remove("sync");
        }
    }
}

fn read_override(dir: Option<&Path>, name: &str) -> Result<Option<(PathBuf, String)>, ConfigError> {
    let Some(dir) = dir else { return Ok(None) };
    let path = dir.join(name);
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(Some((path, text))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(ConfigError {
            file: path.display().to_string(),
            line: None,
            key: None,
            message: format!("cannot read: {e}"),
        }),
    }
}

fn layer(dir: Option<&Path>, name: &str) -> Result<Layer, ConfigError> {
    let shipped = SHIPPED.iter().find(|(n, _)| *n == name).map(|(_, t)| *t);
    Ok(Layer { name: name.to_string(), shipped, overriding: read_override(dir, name)? })
}

/// The holiday files: the shipped years plus every `holidays/*.toml` in the directory (a name
/// that is not a year is refused by `files::check_directory`).
fn holiday_layers(dir: Option<&Path>) -> Result<Vec<Layer>, ConfigError> {
    let mut names: Vec<String> =
        SHIPPED.iter().map(|(n, _)| *n).filter(|n| n.starts_with("holidays/")).map(str::to_string).collect();
    if let Some(dir) = dir
        && let Ok(entries) = std::fs::read_dir(dir.join("holidays"))
    {
        for entry in entries.flatten() {
            let file = entry.file_name().to_string_lossy().into_owned();
            if file.ends_with(".toml") {
                let name = format!("holidays/{file}");
                if !names.contains(&name) {
                    names.push(name);
                }
            }
        }
    }
    names.sort();
    names.iter().map(|n| layer(dir, n)).collect()
}

/// Loads the configuration: built-in defaults overridden by the files in `dir`.
pub fn load(dir: Option<&Path>) -> Result<Config, ConfigErrors> {
    // A missing directory or a stray file is reported with whatever else is wrong.
    let mut errors = dir.map(files::check_directory).unwrap_or_default();
    let mut collect = |r: Result<Layer, ConfigError>| match r {
        Ok(l) => Some(l),
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let settings_layer = collect(layer(dir, "config.toml"));
    let sla_layer = collect(layer(dir, "sla.toml"));
    let channels_layer = collect(layer(dir, "channels.toml"));
    let org_layer = collect(layer(dir, "org.toml"));
    let sms_layer = collect(layer(dir, "sms.toml"));
    let users_layer = collect(layer(dir, "users.toml"));
    let stats_layer = collect(layer(dir, "stats.toml"));
    let holiday_layers = match holiday_layers(dir) {
        Ok(l) => l,
        Err(e) => {
            errors.push(e);
            Vec::new()
        }
    };

    let settings = settings_layer.and_then(|l| l.decode::<Settings>().map_err(|e| errors.push(e)).ok());
    let sla = sla_layer.and_then(|l| {
        l.decode::<SlaFile>()
            .and_then(|f| f.build().map_err(|p| l.problem(p)))
            .map_err(|e| errors.push(e))
            .ok()
    });
    let rule_ids: Vec<String> =
        sla.as_ref().map(|(p, _)| p.rules.keys().cloned().collect()).unwrap_or_default();
    let channels = channels_layer.and_then(|l| {
        let known: Vec<&str> = rule_ids.iter().map(String::as_str).collect();
        l.decode::<ChannelsFile>()
            .and_then(|f| f.build(&known).map_err(|p| l.problem(p)))
            .map_err(|e| errors.push(e))
            .ok()
    });
    let org = org_layer.and_then(|l| {
        l.decode::<OrgFile>()
            .and_then(|f| f.build().map_err(|p| l.problem(p)))
            .map_err(|e| errors.push(e))
            .ok()
    });
    let users = match (users_layer, &org) {
        (Some(l), Some(org)) => users_of(&l, org).map_err(|e| errors.push(e)).ok(),
        _ => None,
    };
    let sms = sms_layer.and_then(|l| l.decode::<SmsTemplates>().map_err(|e| errors.push(e)).ok());
    let stats = stats_layer.and_then(|l| {
        l.decode::<StatsSettings>()
            .and_then(|f| f.checked().map_err(|p| l.problem(p)))
            .map_err(|e| errors.push(e))
            .ok()
    });
    let mut years = Vec::new();
    for l in &holiday_layers {
        match l.decode::<HolidayYearFile>().and_then(|f| holiday_year_named(l, f)) {
            Ok(y) => years.push(y),
            Err(e) => errors.push(e),
        }
    }
    match (settings, sla, channels, org, sms, users, stats) {
        (
            Some(settings),
            Some((sla, hours)),
            Some(channels),
            Some(org),
            Some(sms),
            Some(users),
            Some(stats),
        ) if errors.is_empty() => Ok(Config {
            settings,
            channels,
            org,
            sla,
            calendar: Calendar::new(years, hours),
            sms,
            users,
            stats,
        }),
        _ => Err(ConfigErrors(errors)),
    }
}

fn users_of(layer: &Layer, org: &Organisation) -> Result<Users, ConfigError> {
    layer.decode::<UsersFile>().and_then(|f| f.build(org).map_err(|p| layer.problem(p)))
}

/// Reads `users.toml` of `dir` again, alone: a server admits the people of the file as it is
/// now, so that adding or removing a clerk needs no restart.
pub fn load_users(dir: Option<&Path>, org: &Organisation) -> Result<Users, ConfigError> {
    users_of(&layer(dir, "users.toml")?, org)
}

/// Checks a holiday file, and that it describes the year it is named for: `holidays/2027.toml`
/// saying `year = 2026` would otherwise replace the 2026 calendar and move deadlines.
fn holiday_year_named(layer: &Layer, file: HolidayYearFile) -> Result<HolidayYear, ConfigError> {
    if let Some(named) = files::holiday_year_of(&layer.name)
        && named != file.year
    {
        let message = format!(
            "says {} but the file is named for {named}: fix the year, or rename the file to {HOLIDAY_DIR}/{}.toml",
            file.year, file.year
        );
        return Err(layer.error(Some("year"), message));
    }
    file.build("").map_err(|p| layer.problem(p))
}

/// Writes the shipped defaults into `dir` for editing. Existing files are kept unless `force`.
pub fn init(dir: &Path, force: bool) -> std::io::Result<Vec<(PathBuf, bool)>> {
    let mut written = Vec::new();
    for (name, text) in SHIPPED {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let exists = path.exists();
        if !exists || force {
            std::fs::write(&path, text)?;
        }
        written.push((path, !exists || force));
    }
    Ok(written)
}

/// Timelines name clocks and units as the configuration does.
impl crate::domain::event::Names for Config {
    fn clock(&self, rule: &str) -> String {
        self.sla.clock_name(rule)
    }
    fn unit(&self, id: &str) -> String {
        self.org.unit(id).map(|u| u.name.clone()).unwrap_or_else(|| id.to_string())
    }
}
