//! Import profiles: `imports.toml` in the config directory names the exports of other systems,
//! so a bureau migrating from one imports it with `--profile NAME` instead of renaming columns.
//!
//! ```toml
//! [profile.old-letters]
//! columns = { "来信编号" = "channel_ticket_id", "收信日期" = "received_at", "备注" = "-" }
//! date_format = "%Y年%m月%d日"
//! kinds = { "来信投诉" = "complaint", "来信举报" = "report" }
//! default_town = "大良"
//! ```

use super::{ReadOptions, RowRules};
use crate::domain::org::Organisation;
use crate::domain::ticket::Kind;
use chrono::format::{Item, StrftimeItems};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The file name in the config directory.
pub const IMPORTS_FILE: &str = "imports.toml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ImportsFile {
    #[serde(default)]
    profile: BTreeMap<String, ProfileEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileEntry {
    /// Header → field name (`-`: not imported).
    #[serde(default)]
    columns: BTreeMap<String, String>,
    date_format: Option<String>,
    /// The export's word → complaint, report, enquiry, suggestion (or 投诉 …).
    #[serde(default)]
    kinds: BTreeMap<String, String>,
    default_town: Option<String>,
}

/// A problem in `imports.toml`: the key and what to do; the caller names the file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}{key}: {message}", line.map(|l| format!("{l}: ")).unwrap_or_default())]
pub struct ProfileError {
    pub line: Option<usize>,
    pub key: String,
    pub message: String,
}

/// The read options profile `name` of `text` (the content of `imports.toml`) stands for.
pub fn load_profile(text: &str, name: &str, org: &Organisation) -> Result<ReadOptions, ProfileError> {
    let problem = |key: String, message: String| {
        let needle = key.rsplit('.').next().unwrap_or(&key).trim_matches('"').to_owned();
        let line = text.lines().position(|l| l.contains(&needle)).map(|i| i + 1);
        ProfileError { line, key, message }
    };
    let file: ImportsFile = toml::from_str(text).map_err(|e| ProfileError {
        line: e.span().map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1),
        key: String::new(),
        message: format!("not a valid imports file: {}", e.message()),
    })?;
    let Some(entry) = file.profile.get(name) else {
        let known: Vec<&str> = file.profile.keys().map(String::as_str).collect();
        return Err(ProfileError {
            line: None,
            key: format!("profile.{name}"),
            message: format!(
                "no such profile (profiles: {}); add a [profile.{name}] table",
                if known.is_empty() { "none".to_string() } else { known.join(", ") }
            ),
        });
    };
    let key = |rest: &str| format!("profile.{name}.{rest}");
    let mut options = ReadOptions::default();
    for (header, field) in &entry.columns {
        options
            .map_column(header, field)
            .map_err(|e| problem(key(&format!("columns.\"{header}\"")), e.to_string()))?;
    }
    let mut rules = RowRules::default();
    if let Some(format) = &entry.date_format {
        if format.trim().is_empty() || StrftimeItems::new(format).any(|i| matches!(i, Item::Error)) {
            return Err(problem(
                key("date_format"),
                format!(
                    "{format:?} is not a date format (write e.g. \"%Y年%m月%d日 %H:%M\" or \"%d/%m/%Y\")"
                ),
            ));
        }
        rules.date_format = Some(format.clone());
    }
    for (word, kind) in &entry.kinds {
        let parsed = Kind::parse(kind).ok_or_else(|| {
            problem(
                key(&format!("kinds.\"{word}\"")),
                format!("{kind:?} is not a kind (complaint, report, enquiry, suggestion or 投诉, 举报, 咨询, 建议)"),
            )
        })?;
        rules.kinds.push((word.clone(), parsed));
    }
    if let Some(town) = &entry.default_town {
        let canonical = org.resolve_town(town).ok_or_else(|| {
            problem(
                key("default_town"),
                format!("{town:?} is not a town of the organisation ({})", org.towns().join(", ")),
            )
        })?;
        rules.default_town = Some(canonical.to_owned());
    }
    options.rules = rules;
    Ok(options)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org() -> Organisation {
        crate::config::load(None).expect("the shipped configuration").org
    }

    const TEXT: &str = r#"
[profile.old-letters]
columns = { "来信编号" = "channel_ticket_id", "收信日期" = "received_at", "备注" = "-" }
date_format = "%Y年%m月%d日"
kinds = { "来信投诉" = "complaint" }
default_town = "大良街道"
"#;

    #[test]
    fn a_profile_gives_its_mapping_date_format_kinds_and_canonical_town() {
        let options = load_profile(TEXT, "old-letters", &org()).unwrap();
        assert_eq!(options.field_of("来信编号").map(|f| f.name()), Some("channel_ticket_id"));
        assert_eq!(options.field_of("备注"), None);
        assert_eq!(options.rules.date_format.as_deref(), Some("%Y年%m月%d日"));
        assert_eq!(options.rules.kinds, [("来信投诉".to_string(), Kind::Complaint)]);
        assert_eq!(options.rules.default_town.as_deref(), Some("大良"));
    }

    #[test]
    fn a_mistake_in_a_profile_names_its_line_and_key() {
        let text = TEXT.replace("\"received_at\"", "\"received\"");
        let e = load_profile(&text, "old-letters", &org()).unwrap_err();
        assert_eq!(e.key, "profile.old-letters.columns.\"收信日期\"");
        assert_eq!(e.line, Some(3));
        let e = load_profile(TEXT, "new-letters", &org()).unwrap_err();
        assert!(e.message.contains("profiles: old-letters"), "{e}");
        let text = TEXT.replace("大良街道", "深圳");
        assert!(load_profile(&text, "old-letters", &org()).unwrap_err().message.contains("not a town"));
    }
}
