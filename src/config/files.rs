//! Which files a config directory may hold. A file rightsdesk does not read is almost always a
//! mistake that would otherwise pass in silence (`SLA.toml`, `holiday/2027.toml`,
//! `holidays/2027.tml`): the override the user meant never takes effect. So every file in the
//! directory must be one of `KNOWN_FILES` or a holiday calendar `holidays/YEAR.toml`, and a
//! holiday file must describe the year in its name.

use super::ConfigError;
use std::path::Path;

/// Every file rightsdesk reads from a config directory, by its path inside it. The one list
/// that decides what a config directory may hold: a part of rightsdesk that reads a new file
/// from the config directory adds its name here (and, when the file has shipped defaults, to
/// `SHIPPED` in `mod.rs` as well). Holiday calendars are not listed: they are
/// `HOLIDAY_DIR/YEAR.toml`, one a year.
pub const KNOWN_FILES: &[&str] = &[
    "config.toml",
    "channels.toml",
    "org.toml",
    "sla.toml",
    "sms.toml",
    // Hot words, early warnings and scores of the statistics.
    "stats.toml",
    // Import profiles (`import --profile NAME`).
    "imports.toml",
    // Who may attach to the server, and in what role.
    "users.toml",
    // Read by the terminal console.
    "console.toml",
    "keymap.toml",
    "theme.toml",
    "views.toml",
];

/// The directory of the holiday calendars, one `YEAR.toml` a year.
pub const HOLIDAY_DIR: &str = "holidays";

/// How many problems a scan reports at most: `--config` pointed at a home directory by mistake
/// must give a readable answer, not thousands of lines.
const MAX_PROBLEMS: usize = 20;

/// The year a holiday file is named for: `holidays/2027.toml` → 2027.
pub fn holiday_year_of(name: &str) -> Option<i32> {
    let stem = name.strip_prefix(HOLIDAY_DIR)?.strip_prefix('/')?.strip_suffix(".toml")?;
    if stem.len() == 4 && stem.bytes().all(|b| b.is_ascii_digit()) { stem.parse().ok() } else { None }
}

fn is_known(name: &str) -> bool {
    KNOWN_FILES.contains(&name) || holiday_year_of(name).is_some()
}

/// Checks that `dir` exists and holds only files rightsdesk reads; one problem per stray file,
/// each with the near name the user probably meant.
pub fn check_directory(dir: &Path) -> Vec<ConfigError> {
    let problem = |file: &Path, message: String| ConfigError {
        file: file.display().to_string(),
        line: None,
        key: None,
        message,
    };
    match std::fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => {
            return vec![problem(
                dir,
                "is a file, not a config directory: give the directory (--config DIR)".into(),
            )];
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let message = format!(
                "no such config directory: check --config, or create it with `rightsdesk config init {}`",
                dir.display()
            );
            return vec![problem(dir, message)];
        }
        Err(e) => return vec![problem(dir, format!("cannot read the config directory: {e}"))],
    }
    let mut problems = Vec::new();
    for (name, is_dir) in entries(dir, "") {
        if problems.len() >= MAX_PROBLEMS {
            break;
        }
        let path = dir.join(&name);
        if !is_dir {
            if !is_known(&name) {
                problems.push(problem(&path, unknown_file_message(&name)));
            }
            continue;
        }
        // A directory: the holiday calendars, or one rightsdesk does not read, whose files are
        // named one by one (`holiday/2027.toml` is a typo of a path, not of a directory).
        let inner = entries(dir, &name);
        if inner.is_empty() {
            if name != HOLIDAY_DIR {
                problems.push(problem(&path, "a directory rightsdesk does not read: remove it".into()));
            }
            continue;
        }
        for (inner_name, inner_is_dir) in inner {
            if problems.len() >= MAX_PROBLEMS {
                break;
            }
            let inner_path = dir.join(&inner_name);
            if inner_is_dir {
                problems.push(problem(&inner_path, "a directory rightsdesk does not read: remove it".into()));
            } else if !is_known(&inner_name) {
                problems.push(problem(&inner_path, unknown_file_message(&inner_name)));
            }
        }
    }
    problems
}

/// The entries of `dir/sub` as paths relative to `dir` (`/` between parts), sorted, with
/// whether each is a directory. Hidden entries (`.git`, an editor's swap file) are not the
/// user's configuration and are skipped.
fn entries(dir: &Path, sub: &str) -> Vec<(String, bool)> {
    let Ok(read) = std::fs::read_dir(dir.join(sub)) else { return Vec::new() };
    let mut out: Vec<(String, bool)> = read
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                return None;
            }
            let is_dir = entry.path().is_dir();
            let relative = if sub.is_empty() { name } else { format!("{sub}/{name}") };
            Some((relative, is_dir))
        })
        .collect();
    out.sort();
    out
}

fn unknown_file_message(name: &str) -> String {
    let known = format!("a config directory holds {} and {HOLIDAY_DIR}/YEAR.toml", KNOWN_FILES.join(", "));
    match near_name(name) {
        Some(near) => format!("rightsdesk does not read this file: did you mean {near}? ({known})"),
        None => format!("rightsdesk does not read this file: rename or remove it ({known})"),
    }
}

/// The known name closest to `name`, when it is close enough to be the one meant: a different
/// case, or at most two letters off (`keymaps.toml`, `holiday/2027.toml`, `holidays/2027.tml`).
pub fn near_name(name: &str) -> Option<String> {
    let mut candidates: Vec<String> = KNOWN_FILES.iter().map(|s| s.to_string()).collect();
    if let Some(year) = first_year_in(name) {
        candidates.push(format!("{HOLIDAY_DIR}/{year}.toml"));
    }
    let lowered = name.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (edit_distance(&lowered, &c.to_lowercase()), c))
        .filter(|(distance, _)| *distance <= 2)
        .min()
        .map(|(_, c)| c)
}

/// The first run of exactly four digits in `name`, as a holiday file would be named for.
fn first_year_in(name: &str) -> Option<&str> {
    let bytes = name.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            if i - start == 4 {
                return name.get(start..i);
            }
        } else {
            i += 1;
        }
    }
    None
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_holiday_file_is_named_for_a_four_digit_year() {
        assert_eq!(holiday_year_of("holidays/2027.toml"), Some(2027));
        assert_eq!(holiday_year_of("holidays/27.toml"), None);
        assert_eq!(holiday_year_of("holidays/2027.tml"), None);
        assert_eq!(holiday_year_of("holiday/2027.toml"), None);
        assert_eq!(holiday_year_of("holidays/二〇二七.toml"), None);
    }

    #[test]
    fn the_near_name_is_suggested_for_a_typo_and_nothing_for_a_stranger() {
        assert_eq!(near_name("SLA.toml").as_deref(), Some("sla.toml"));
        assert_eq!(near_name("keymaps.toml").as_deref(), Some("keymap.toml"));
        assert_eq!(near_name("holiday/2027.toml").as_deref(), Some("holidays/2027.toml"));
        assert_eq!(near_name("holidays/2027.tml").as_deref(), Some("holidays/2027.toml"));
        assert_eq!(near_name("channel.toml").as_deref(), Some("channels.toml"));
        assert_eq!(near_name("售后投诉记录.xlsx"), None);
        assert_eq!(near_name("notes.txt"), None);
    }

    #[test]
    fn every_shipped_file_is_a_known_one() {
        for (name, _) in super::super::SHIPPED {
            assert!(is_known(name), "{name} ships but the config directory would refuse it");
        }
    }
}
