//! `rightsdesk import` with exports of unseen shape: `--map`, profiles in imports.toml,
//! `--dry-run`, and the exit status of a partial import (INTERFACES.md, "Import").

mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const NOW: &str = "2026-11-28T10:00:00+08:00";

fn desk(data: &Path, config: Option<&Path>, args: &[&str]) -> Output {
    let mut command = support::rightsdesk_on(data, NOW);
    if let Some(config) = config {
        command.arg("--config").arg(config);
    }
    command.args(args).env("TZ", "UTC").env("USER", "liyan").output().expect("runs the binary")
}

fn text(out: &Output) -> (String, String) {
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn ok(out: &Output) -> String {
    let (stdout, stderr) = text(out);
    assert!(out.status.success(), "exit {:?}\nstdout: {stdout}\nstderr: {stderr}", out.status.code());
    stdout
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn tickets(data: &Path) -> Vec<Value> {
    let out = ok(&desk(data, None, &["tickets", "list", "--status", "all", "--format", "json"]));
    serde_json::from_str::<Value>(&out).unwrap().as_array().unwrap().clone()
}

/// An export of an old letters system: its own headers, dates and words for the kinds.
const OLD_LETTERS: &str = "来信编号,收信日期,来信类别,来信人,联系方式,反映对象,反映内容,备注
LX2024-0001,2024年03月05日,来信投诉,陈美玲,13612345678,佛山市顺德区大良某某健身会所,健身房停业拒不退还会员费,已电话回复
LX2024-0002,2024年03月06日,来信举报,,,容桂某某超市,超市销售过期牛奶,
";

const IMPORTS_TOML: &str = r#"
[profile.old-letters]
columns = { "来信编号" = "channel_ticket_id", "收信日期" = "received_at", "来信类别" = "kind", "来信人" = "complainant_name", "联系方式" = "complainant_phone", "反映对象" = "respondent_name", "反映内容" = "facts" }
date_format = "%Y年%m月%d日"
kinds = { "来信投诉" = "complaint", "来信举报" = "report" }
default_town = "大良街道"
"#;

#[test]
fn a_profile_in_imports_toml_reads_an_export_of_another_shape() {
    let tmp = tempfile::tempdir().unwrap();
    let (data, config) = (tmp.path().join("data"), tmp.path().join("config"));
    std::fs::create_dir_all(&config).unwrap();
    write(&config, "imports.toml", IMPORTS_TOML);
    let file = write(tmp.path(), "来信.csv", OLD_LETTERS);
    let out = desk(
        &data,
        Some(&config),
        &["import", file.to_str().unwrap(), "--channel", "letter", "--profile", "old-letters"],
    );
    let stdout = ok(&out);
    assert!(stdout.contains("2 registered"), "{stdout}");
    // The column no profile maps is reported, never used.
    assert!(text(&out).1.contains("ignored columns: 备注"), "{}", text(&out).1);
    let all = tickets(&data);
    let first = all.iter().find(|t| t["channel_ticket_id"] == "LX2024-0001").unwrap();
    assert_eq!(first["kind"], "complaint");
    assert_eq!(first["town"], "大良");
    assert_eq!(first["received_at"], "2024-03-05T00:00:00+08:00");
    let second = all.iter().find(|t| t["channel_ticket_id"] == "LX2024-0002").unwrap();
    assert_eq!(second["kind"], "report");
}

#[test]
fn map_names_the_columns_of_an_unseen_export_and_a_typo_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let file = write(
        tmp.path(),
        "walkins.csv",
        "登记号,登记时间,来访人,备注\nLF-001,2026-11-27 15:20,李娜,带了发票\n",
    );
    let path = file.to_str().unwrap();
    let args = [
        "import",
        path,
        "--channel",
        "walkin",
        "--map",
        "登记号=channel_ticket_id",
        "--map",
        "登记时间=received_at",
    ];
    let out = desk(&data, None, &[&args[..], &["--map", "来访人=complainant_name"]].concat());
    assert!(ok(&out).contains("1 registered"));
    assert!(text(&out).1.contains("ignored columns: 备注"));

    let out = desk(&data, None, &["import", path, "--channel", "walkin", "--map", "登记号=ticket_no"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("unknown field \"ticket_no\""), "{}", text(&out).1);

    let out = desk(&data, None, &[&args[..], &["--map", "来访者=complainant_name"]].concat());
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).1.contains("no column is headed \"来访者\""), "{}", text(&out).1);
}

#[test]
fn dry_run_shows_the_mapping_and_first_rows_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let (data, config) = (tmp.path().join("data"), tmp.path().join("config"));
    std::fs::create_dir_all(&config).unwrap();
    write(&config, "imports.toml", IMPORTS_TOML);
    let file = write(tmp.path(), "来信.csv", OLD_LETTERS);
    let args =
        ["import", file.to_str().unwrap(), "--channel", "letter", "--profile", "old-letters", "--dry-run"];
    let out = ok(&desk(&data, Some(&config), &args));
    assert!(out.contains("来信编号 → channel_ticket_id"), "{out}");
    assert!(out.contains("备注     → (not imported)"), "{out}");
    assert!(out.contains("line 2:"), "{out}");
    assert!(out.contains("complainant_name: 陈*"), "names are masked: {out}");
    assert!(!out.contains("陈美玲"), "{out}");
    assert!(out.contains("2 row(s): 2 good, 0 rejected. Dry run: nothing was written"), "{out}");
    assert!(!data.exists() || tickets(&data).is_empty());

    let json: Value =
        serde_json::from_str(&ok(&desk(&data, Some(&config), &[&args[..], &["--format", "json"]].concat())))
            .unwrap();
    assert_eq!(json["good"], 2);
    assert_eq!(json["columns"][0]["header"], "来信编号");
    assert_eq!(json["columns"][0]["field"], "channel_ticket_id");
    assert_eq!(json["columns"][7]["field"], Value::Null);
}

#[test]
fn skip_bad_that_skipped_rows_exits_3() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let file = write(
        tmp.path(),
        "12345.csv",
        "工单编号,受理时间,标题\nSD0001,2026-11-27 09:00,空调漏水\nSD0002,昨天,奶茶有异物\nSD0003,2026-11-27 10:00,过期牛奶\n",
    );
    let path = file.to_str().unwrap();
    let strict = desk(&data, None, &["import", path, "--channel", "12345"]);
    assert_eq!(strict.status.code(), Some(1));
    assert!(text(&strict).1.contains("line 3: received_at \"昨天\" is not a time"), "{}", text(&strict).1);
    assert!(!data.exists() || tickets(&data).is_empty(), "a rejected file leaves the store unchanged");

    let partial = desk(&data, None, &["import", path, "--channel", "12345", "--skip-bad"]);
    assert_eq!(partial.status.code(), Some(3), "{:?}", text(&partial));
    assert!(text(&partial).0.contains("2 registered, 0 already registered, 1 skipped"));
    assert_eq!(tickets(&data).len(), 2);

    // Again: nothing added, still partial.
    let again = desk(&data, None, &["import", path, "--channel", "12345", "--skip-bad"]);
    assert_eq!(again.status.code(), Some(3));
    assert!(text(&again).0.contains("0 registered, 2 already registered, 1 skipped"), "{:?}", text(&again));
    assert_eq!(tickets(&data).len(), 2);
}

#[test]
fn a_large_file_is_written_in_batches_and_reimporting_adds_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let mut csv = String::from("工单编号,受理时间,镇街,被投诉人,标题\n");
    for i in 0..9_000 {
        csv.push_str(&format!(
            "SD2026{i:07},2026-11-{:02} 09:{:02},大良,某某商行{i},商品质量问题\n",
            1 + i % 27,
            i % 60
        ));
    }
    let file = write(tmp.path(), "12345.csv", &csv);
    let path = file.to_str().unwrap();
    assert!(ok(&desk(&data, None, &["import", path, "--channel", "12345"])).contains("9000 registered"));
    let again = ok(&desk(&data, None, &["import", path, "--channel", "12345"]));
    assert!(again.contains("0 registered, 9000 already registered"), "{again}");
}

#[test]
fn map_on_the_command_line_wins_over_the_profile() {
    let tmp = tempfile::tempdir().unwrap();
    let (data, config) = (tmp.path().join("data"), tmp.path().join("config"));
    std::fs::create_dir_all(&config).unwrap();
    write(&config, "imports.toml", IMPORTS_TOML);
    let file = write(tmp.path(), "来信.csv", OLD_LETTERS);
    let args = ["import", file.to_str().unwrap(), "--channel", "letter", "--profile", "old-letters"];
    // The profile reads 反映内容 as the facts; this export's clerks wrote the request there.
    let out = desk(&data, Some(&config), &[&args[..], &["--map", "反映内容=request"]].concat());
    ok(&out);
    let shown = ok(&desk(&data, None, &["ticket", "show", "letter:LX2024-0001", "--format", "json"]));
    let shown: Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(shown["dispute"]["request"], "健身房停业拒不退还会员费");
    assert_eq!(shown["dispute"]["facts"], Value::Null);
}

#[test]
fn an_import_killed_part_way_is_finished_by_importing_again() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let mut csv = String::from("工单编号,受理时间,镇街,被投诉人,标题\n");
    for i in 0..20_000 {
        csv.push_str(&format!(
            "SD2026{i:07},2026-11-{:02} 10:{:02},容桂,某某美容店{i},预付卡退费\n",
            1 + i % 27,
            i % 60
        ));
    }
    let file = write(tmp.path(), "12345.csv", &csv);
    let path = file.to_str().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_rightsdesk"))
        .arg("--data")
        .arg(&data)
        .args(["import", path, "--channel", "12345"])
        .env("RIGHTSDESK_NOW", NOW)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wherever it is by then (checking, writing, or done): killed without a chance to clean up.
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let _ = child.kill();
    let _ = child.wait();
    let out = ok(&desk(&data, None, &["import", path, "--channel", "12345"]));
    assert!(out.contains("20000 row(s)"), "{out}");
    assert_eq!(tickets(&data).len(), 20_000);
    let again = ok(&desk(&data, None, &["import", path, "--channel", "12345"]));
    assert!(again.contains("0 registered, 20000 already registered"), "{again}");
    // Written in runs (the store's bulk layout), cut wherever the kill fell: still whole.
    let store = rightsdesk::store::Store::open(&data, &Default::default()).unwrap();
    let report = rightsdesk::store::check::verify(&store).unwrap();
    assert!(report.is_ok() && report.tickets == 20_000, "{report}");
    let chain = store.verify_chain(None).unwrap();
    assert!(matches!(chain, rightsdesk::store::chain::Verdict::Intact { events: 20_000, .. }), "{chain:?}");
}

#[test]
fn import_help_lists_every_column_the_messages_point_to() {
    let tmp = tempfile::tempdir().unwrap();
    let help = ok(&desk(&tmp.path().join("data"), None, &["import", "--help"]));
    for column in ["channel_ticket_id (工单编号", "received_at (受理时间", "business_district (商圈"]
    {
        assert!(help.contains(column), "{column} missing from:\n{help}");
    }
}
