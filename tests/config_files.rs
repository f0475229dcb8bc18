//! A config directory says what is wrong with it: a directory that does not exist, a file
//! rightsdesk does not read, or a holiday file whose `year` disagrees with its name is refused by
//! `config check` and by every other command, naming the file (and the near name meant).

mod support;

use std::path::Path;
use std::process::{Command, Output};

const NOW: &str = "2026-11-28T10:00:00+08:00";

fn desk(config: &Path, data: &Path, args: &[&str]) -> Output {
    support::rightsdesk_on(data, NOW)
        .arg("--config")
        .arg(config)
        .args(args)
        .output()
        .expect("runs rightsdesk")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A config directory as `config init` writes it.
fn initialised(root: &Path) -> std::path::PathBuf {
    let dir = root.join("config");
    let out = Command::new(env!("CARGO_BIN_EXE_rightsdesk"))
        .args(["config", "init"])
        .arg(&dir)
        .output()
        .expect("runs rightsdesk");
    assert!(out.status.success(), "{}", stderr(&out));
    dir
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("a parent")).unwrap();
    std::fs::write(path, text).unwrap();
}

/// `config check` and one ordinary command both refuse with status 1 and every `needle` on
/// stderr, and write nothing to the data directory.
fn refused_everywhere(config: &Path, needles: &[&str]) {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    for args in [&["config", "check"][..], &["tickets", "list"][..], &["quarantine", "list"][..]] {
        let out = desk(config, &data, args);
        assert_eq!(out.status.code(), Some(1), "{args:?} must refuse:\n{}", stderr(&out));
        for needle in needles {
            assert!(stderr(&out).contains(needle), "{args:?}: {needle:?} not in:\n{}", stderr(&out));
        }
        assert!(out.stdout.is_empty(), "{args:?} printed: {}", String::from_utf8_lossy(&out.stdout));
    }
    assert!(!data.join("store").exists(), "a refused command opens no store");
}

const HOLIDAYS_2027_SAYING_2026: &str =
    "# 2027年节假日安排（草稿）\nyear = 2026\ndays_off = []\nmakeup_workdays = []\n";

const HOLIDAYS_2027: &str = "year = 2027\nsource = \"国务院办公厅关于2027年部分节假日安排的通知\"\ndays_off = [\"2027-01-01\", \"2027-02-06..2027-02-12\"]\nmakeup_workdays = []\n";

#[test]
fn a_config_directory_that_does_not_exist_is_refused_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("顺德区配置");
    refused_everywhere(
        &missing,
        &[&missing.display().to_string(), "no such config directory", "config init"],
    );
}

#[test]
fn a_config_path_that_is_a_file_is_refused_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("channels.toml");
    write(&file, "");
    refused_everywhere(&file, &[&file.display().to_string(), "not a config directory"]);
}

#[test]
fn an_unknown_config_file_is_refused_naming_it() {
    let cases = [
        ("SLA.toml", "[rule.complaint_acceptance]\namount = 5\n", Some("sla.toml")),
        ("holiday/2027.toml", HOLIDAYS_2027, Some("holidays/2027.toml")),
        ("holidays/2027.tml", HOLIDAYS_2027, Some("holidays/2027.toml")),
        ("keymaps.toml", "[normal]\nj = \"down\"\n", Some("keymap.toml")),
        ("投诉台账.csv", "工单编号,受理时间\n", None),
    ];
    for (name, text, near) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let config = initialised(tmp.path());
        let path = config.join(name);
        write(&path, text);
        let shown = path.display().to_string();
        let suggestion = near.map(|n| format!("did you mean {n}?"));
        let mut needles = vec![shown.as_str(), "rightsdesk does not read this file"];
        needles.extend(suggestion.as_deref());
        refused_everywhere(&config, &needles);
    }
}

#[test]
fn a_holiday_file_whose_year_disagrees_with_its_name_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let config = initialised(tmp.path());
    let path = config.join("holidays/2027.toml");
    write(&path, HOLIDAYS_2027_SAYING_2026);
    // Line 2 holds the key; the message says both years and both ways out.
    let at = format!("{}:2: year: says 2026 but the file is named for 2027", path.display());
    refused_everywhere(&config, &[&at, "rename the file to holidays/2026.toml"]);
}

#[test]
fn the_files_the_console_reads_and_a_new_holiday_year_are_accepted() {
    let tmp = tempfile::tempdir().unwrap();
    let config = initialised(tmp.path());
    write(&config.join("keymap.toml"), "base = \"vim\"\n[list]\n\"J\" = \"page_down\"\n");
    write(&config.join("theme.toml"), "base = \"high-contrast\"\n[styles.overdue]\nfg = \"#ff00ff\"\n");
    write(
        &config.join("views.toml"),
        "[[view]]\nname = \"大良临期\"\nfilter = { town = \"大良\", at_risk = true }\n",
    );
    write(&config.join("console.toml"), "language = \"en\"\nascii_borders = true\n");
    write(&config.join("holidays/2027.toml"), HOLIDAYS_2027);
    // A version-control directory beside the files is not configuration.
    write(&config.join(".git/HEAD"), "ref: refs/heads/main\n");
    let out = desk(&config, &tmp.path().join("data"), &["config", "check"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("2025, 2026, 2027"), "{stdout}");
}

#[test]
fn every_mistake_in_a_directory_is_listed_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let config = initialised(tmp.path());
    write(&config.join("SLA.toml"), "");
    write(&config.join("holidays/2027.toml"), HOLIDAYS_2027_SAYING_2026);
    let out = desk(&config, &tmp.path().join("data"), &["config", "check"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("SLA.toml") && err.contains("holidays/2027.toml:2: year"), "{err}");
    assert!(err.contains("2 configuration problem(s)"), "{err}");
}

#[test]
fn a_typo_in_the_consoles_keymap_or_views_is_refused_by_config_check_naming_file_line_and_key() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = initialised(tmp.path());
    let data = tmp.path().join("data");
    write(&dir.join("keymap.toml"), "base = \"vim\"\n[list]\n\"x\" = \"dispach\"\n");
    let out = desk(&dir, &data, &["config", "check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("keymap.toml:3: x: no action \"dispach\""), "{}", stderr(&out));
    std::fs::remove_file(dir.join("keymap.toml")).unwrap();
    write(&dir.join("views.toml"), "[[view]]\nname = \"容桂\"\nfilter = { twon = \"容桂\" }\n");
    let out = desk(&dir, &data, &["config", "check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("views.toml:3") && stderr(&out).contains("twon"), "{}", stderr(&out));
    std::fs::remove_file(dir.join("views.toml")).unwrap();
    let out = desk(&dir, &data, &["config", "check"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn a_mistake_in_users_toml_is_refused_naming_file_line_and_key() {
    let tmp = tempfile::tempdir().unwrap();
    let config = initialised(tmp.path());
    let users = config.join("users.toml");
    write(
        &users,
        "[users.chenli]\nname = \"陈丽\"\nrole = \"clerk\"\n\n[users.lb_station]\nname = \"伦教分局 值班\"\nrole = \"boss\"\n",
    );
    let shown = users.display().to_string();
    refused_everywhere(&config, &[&format!("{shown}:7: users.lb_station.role"), "\"boss\" is not a role"]);
    write(&users, "[users.lb_station]\nname = \"伦教分局 值班\"\nrole = \"unit\"\nunit = \"月球分局\"\n");
    refused_everywhere(
        &config,
        &[&format!("{shown}:4: users.lb_station.unit"), "not a unit of the organisation"],
    );
    write(&users, "[users.lb_station]\nname = \"伦教分局 值班\"\nrole = \"unit\"\nunit = \"伦教分局\"\n");
    let out = desk(&config, &tmp.path().join("data"), &["config", "check"]);
    assert!(out.status.success(), "a unit named by its Chinese name is accepted: {}", stderr(&out));
}
