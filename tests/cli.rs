//! The command line as scripts and clerks use it: the real binary, its output formats, its exit
//! statuses and its messages (INTERFACES.md).

mod support;

use rightsdesk::engine::Engine;
use rightsdesk::time::{Clock, Timestamp};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;

const NOW: &str = "2026-11-25T10:00:00+08:00";

fn desk(data: &Path, args: &[&str]) -> Output {
    support::rightsdesk_on(data, NOW)
        .args(args)
        .env("TZ", "UTC")
        .env("USER", "wangwenshu")
        .output()
        .expect("runs the binary")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).expect("UTF-8 output")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json(out: &Output) -> Value {
    serde_json::from_str(&ok(out)).expect("JSON output")
}

const CSV: &str = "工单编号,类型,受理时间,镇街,投诉人,联系电话,投诉人地址,被投诉人,统一社会信用代码,被投诉人地址,标题,诉求,事实与理由,商品服务类别,问题类型,涉案金额
SD2026112400001,投诉,2026-11-24 09:12:00,大良街道,陈美玲,13612345678,顺德区大良街道府又社区,佛山市顺德区大良某某健身会所,91440606MA4UQ1XX9C,大良街道新桂中路2号,健身房突然停业拒不退还会员费,退还剩余会费,2026年3月办理年卡3888元，11月门店突然停业,预付式消费,合同,3888
SD2026112400002,举报,2026-11-24 10:40:00,容桂街道,,,,容桂某某超市,,容桂街道华口市场,超市销售过期牛奶,依法查处,在容桂某某超市购买的牛奶已过保质期,一般食品,食品安全,
SD2026112400003,咨询,2026-11-24 11:05:00,北滘镇,梁先生,13500001111,,,,,网购家电七天无理由退货怎么办理,咨询,网购空调未拆封想退货，商家称定制商品不能退,家用电器,售后服务,
";

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn an_imported_csv_lists_as_json_with_the_interface_keys() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let file = write(tmp.path(), "12345.csv", CSV.as_bytes());
    let out = ok(&desk(&data, &["import", file.to_str().unwrap(), "--channel", "12345"]));
    assert!(out.contains("3 registered"), "{out}");
    let list = json(&desk(&data, &["tickets", "list", "--format", "json"]));
    let items = list.as_array().unwrap();
    assert_eq!(items.len(), 3);
    for key in [
        "id",
        "channel",
        "channel_ticket_id",
        "kind",
        "status",
        "received_at",
        "title",
        "town",
        "respondent_name",
        "unit",
        "flags",
        "clocks",
    ] {
        assert!(items[0].get(key).is_some(), "missing key {key} in {}", items[0]);
    }
    let complaint = items.iter().find(|t| t["channel_ticket_id"] == "SD2026112400001").unwrap();
    assert_eq!(complaint["kind"], "complaint");
    assert_eq!(complaint["status"], "registered");
    assert_eq!(complaint["town"], "大良");
    assert_eq!(complaint["received_at"], "2026-11-24T09:12:00+08:00", "China time even with TZ=UTC");
    assert!(complaint["unit"].is_null());
    let acceptance =
        complaint["clocks"].as_array().unwrap().iter().find(|c| c["name"] == "complaint_acceptance").unwrap();
    assert_eq!(acceptance["due_at"], "2026-12-03T23:59:59+08:00");
    assert_eq!(acceptance["state"], "running");
    assert_eq!(acceptance["provisional"], false);
    let flags = |t: &Value| -> Vec<String> {
        t["flags"].as_array().unwrap().iter().map(|f| f.as_str().unwrap().to_string()).collect()
    };
    let report = items.iter().find(|t| t["kind"] == "report").unwrap();
    assert!(flags(report).is_empty(), "an anonymous report is legitimate: {:?}", flags(report));
    assert_eq!(
        flags(complaint),
        vec!["bad_credit_code"],
        "the check character of 91440606MA4UQ1XX9C is wrong"
    );
}

#[test]
fn reimporting_a_file_adds_nothing_and_gb18030_is_detected() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let (gbk, _, _) = encoding_rs::GB18030.encode(CSV);
    let file = write(tmp.path(), "export.csv", &gbk);
    let first = ok(&desk(&data, &["import", file.to_str().unwrap(), "--channel", "8180"]));
    assert!(first.contains("GB18030") && first.contains("3 registered"), "{first}");
    let again = ok(&desk(&data, &["import", file.to_str().unwrap(), "--channel", "8180"]));
    assert!(again.contains("0 registered, 3 already registered"), "{again}");
    let titles = json(&desk(&data, &["tickets", "list", "--format", "json"]));
    assert!(titles.as_array().unwrap().iter().any(|t| t["title"] == "超市销售过期牛奶"));
}

#[test]
fn one_bad_row_rejects_the_whole_file_naming_its_line_and_skip_bad_imports_the_rest() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let bad =
        CSV.replace("SD2026112400002,举报,2026-11-24 10:40:00", "SD2026112400002,举报,1900-01-01 10:40:00");
    let file = write(tmp.path(), "bad.csv", bad.as_bytes());
    let out = desk(&data, &["import", file.to_str().unwrap(), "--channel", "12345"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("bad.csv: line 3:"), "{err}");
    assert!(err.contains("nothing was imported"), "{err}");
    let list = json(&desk(&data, &["tickets", "list", "--format", "json"]));
    assert_eq!(list.as_array().unwrap().len(), 0, "the store is unchanged");
    // Rows were skipped: a partial import, exit status 3.
    let partial = desk(&data, &["import", file.to_str().unwrap(), "--channel", "12345", "--skip-bad"]);
    assert_eq!(partial.status.code(), Some(3));
    let out = String::from_utf8_lossy(&partial.stdout);
    assert!(out.contains("2 registered") && out.contains("1 skipped"), "{out}");
}

#[test]
fn an_unknown_channel_is_a_usage_error() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), "x.csv", CSV.as_bytes());
    let out = desk(&tmp.path().join("data"), &["import", file.to_str().unwrap(), "--channel", "fax"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unknown channel \"fax\""), "{}", stderr(&out));
}

#[test]
fn a_clerk_works_a_ticket_from_registration_to_closing_and_show_has_the_timeline() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let file = write(tmp.path(), "12345.csv", CSV.as_bytes());
    ok(&desk(&data, &["import", file.to_str().unwrap(), "--channel", "12345"]));
    let t = "12345:SD2026112400001";
    let steps: Vec<Vec<&str>> = vec![
        vec!["triage", t, "--kind", "complaint", "--category", "预付式消费", "--dispute-type", "合同"],
        vec!["assign", t],
        vec!["dispatch", t, "--unit", "大良分局"],
        vec!["sign", t],
        vec!["contact", t, "--note", "电话联系陈女士，已约定调解时间"],
        vec!["accept", t],
        vec!["mediate", t],
        vec!["settle", t, "--agreement", "会所退还剩余会费2600元", "--amount-recovered", "2600"],
        vec!["resolve", t, "--result", "经调解，会所退还剩余会费", "--amount-recovered", "2600"],
        vec!["write-back", t],
        vec!["follow-up", t, "--satisfaction", "satisfied"],
        vec!["close", t],
    ];
    for step in &steps {
        let mut args = vec!["ticket"];
        args.extend(step);
        ok(&desk(&data, &args));
    }
    let show = json(&desk(&data, &["ticket", "show", t, "--format", "json"]));
    assert_eq!(show["status"], "closed");
    assert_eq!(show["unit"], "daliang");
    assert_eq!(show["owner"], "wangwenshu", "assign without --to assigns the acting clerk");
    assert_eq!(show["workflow"]["amount_recovered"], 260000);
    assert_eq!(show["complainant"]["name"], "陈**", "personal data is masked by default");
    assert_eq!(show["complainant"]["phone"], "136****5678");
    let timeline = show["timeline"].as_array().unwrap();
    assert_eq!(timeline.len(), steps.len() + 1);
    let actions: Vec<&str> = timeline.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions[0], "registered");
    assert_eq!(actions[3], "dispatched");
    assert_eq!(timeline[3]["actor"], "wangwenshu");
    assert_eq!(timeline[3]["before"], "triaged");
    assert_eq!(timeline[3]["after"], "dispatched");
    for key in ["seq", "at", "actor", "action", "detail"] {
        assert!(timeline[1].get(key).is_some(), "timeline entry lacks {key}");
    }
    let revealed = json(&desk(&data, &["ticket", "show", t, "--format", "json", "--reveal"]));
    assert_eq!(revealed["complainant"]["name"], "陈美玲");
    let open = json(&desk(&data, &["tickets", "list", "--format", "json"]));
    assert_eq!(open.as_array().unwrap().len(), 2, "a closed ticket leaves the open queue");
    let all = json(&desk(&data, &["tickets", "list", "--status", "all", "--format", "json"]));
    assert_eq!(all.as_array().unwrap().len(), 3);
}

#[test]
fn an_action_not_allowed_now_fails_with_the_state_and_the_action() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let file = write(tmp.path(), "12345.csv", CSV.as_bytes());
    ok(&desk(&data, &["import", file.to_str().unwrap(), "--channel", "12345"]));
    let out = desk(&data, &["ticket", "accept", "1"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("cannot accept ticket #1: it is registered (待分拣)"), "{err}");
    let out = desk(&data, &["ticket", "sign", "999"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no ticket \"999\""), "{}", stderr(&out));
}

#[test]
fn filters_select_by_channel_town_status_and_search() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let file = write(tmp.path(), "12345.csv", CSV.as_bytes());
    ok(&desk(&data, &["import", file.to_str().unwrap(), "--channel", "12345"]));
    let count = |args: &[&str]| {
        let mut all = vec!["tickets", "list", "--format", "json"];
        all.extend(args);
        json(&desk(&data, &all)).as_array().unwrap().len()
    };
    assert_eq!(count(&["--channel", "12345"]), 3);
    assert_eq!(count(&["--channel", "12315"]), 0);
    assert_eq!(count(&["--town", "容桂街道"]), 1);
    assert_eq!(count(&["--status", "registered"]), 3);
    assert_eq!(count(&["--status", "triaged,dispatched"]), 0);
    assert_eq!(count(&["--search", "13612345678"]), 1);
    assert_eq!(count(&["--search", "过期"]), 1);
    assert_eq!(count(&["--limit", "2"]), 2);
    let csv = ok(&desk(&data, &["tickets", "list", "--format", "csv"]));
    assert_eq!(csv.lines().count(), 4);
    assert!(csv.starts_with("id,channel,channel_ticket_id,kind,status"));
    let bad = desk(&data, &["tickets", "list", "--status", "pending"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn overdue_and_due_soon_follow_the_clock_fixed_by_rightsdesk_now() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let file = write(tmp.path(), "12345.csv", CSV.as_bytes());
    ok(&desk(&data, &["import", file.to_str().unwrap(), "--channel", "12345"]));
    let at = |now: &str, flag: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_rightsdesk"))
            .args(["--data", data.to_str().unwrap(), "tickets", "list", flag, "--format", "json"])
            .env("RIGHTSDESK_NOW", now)
            .output()
            .unwrap();
        json(&out).as_array().unwrap().len()
    };
    // The 12345 misrouting window (2 working days) runs out on 11-26.
    assert_eq!(at("2026-11-25T10:00:00+08:00", "--overdue"), 0);
    assert_eq!(at("2026-11-26T10:00:00+08:00", "--due-soon"), 3);
    assert_eq!(at("2026-11-27T10:00:00+08:00", "--overdue"), 3);
}

#[test]
fn a_second_process_is_told_who_holds_the_store() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let config = Arc::new(rightsdesk::config::load(None).unwrap());
    let _engine = Engine::open(&data, config, Clock::Fixed(Timestamp::parse(NOW).unwrap())).unwrap();
    let out = desk(&data, &["tickets", "list"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("is in use by pid"), "{err}");
    assert!(err.contains(&format!("pid {}", std::process::id())), "{err}");
}

#[test]
fn a_bad_config_override_is_reported_with_file_line_and_key() {
    let tmp = tempfile::tempdir().unwrap();
    let config_dir = tmp.path().join("config");
    let out = Command::new(env!("CARGO_BIN_EXE_rightsdesk"))
        .args(["config", "init", config_dir.to_str().unwrap()])
        .output()
        .unwrap();
    ok(&out);
    assert!(config_dir.join("org.toml").exists() && config_dir.join("holidays/2026.toml").exists());
    std::fs::write(
        config_dir.join("org.toml"),
        "[station.daliang-01]\nname = \"大良某广场消费维权服务站\"\nbranch = \"mars\"\n",
    )
    .unwrap();
    std::fs::write(config_dir.join("sla.toml"), "[rule.complaint_acceptance]\namount = \"seven\"\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_rightsdesk"))
        .args(["--config", config_dir.to_str().unwrap(), "config", "check"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    let org = format!("{}:3: station.daliang-01.branch:", config_dir.join("org.toml").display());
    assert!(err.contains(&org), "{err}");
    let sla = format!("{}:2: rule.complaint_acceptance.amount:", config_dir.join("sla.toml").display());
    assert!(err.contains(&sla), "{err}");
}

#[test]
fn a_2027_holiday_file_in_the_config_directory_makes_a_deadline_final() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let run = |config: Option<&Path>, args: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_rightsdesk"));
        cmd.args(["--data", data.to_str().unwrap()]).env("RIGHTSDESK_NOW", "2026-12-24T10:00:00+08:00");
        if let Some(c) = config {
            cmd.args(["--config", c.to_str().unwrap()]);
        }
        cmd.args(args).output().unwrap()
    };
    ok(&run(
        None,
        &["ticket", "register", "--channel", "walkin", "--kind", "complaint", "--title", "年货礼盒短斤缺两"],
    ));
    let list = json(&run(None, &["tickets", "list", "--format", "json"]));
    let clock = &list[0]["clocks"][0];
    assert_eq!(clock["provisional"], true);
    assert!(list[0]["flags"].as_array().unwrap().iter().any(|f| f == "provisional_deadline"));
    let config = tmp.path().join("config");
    std::fs::create_dir_all(config.join("holidays")).unwrap();
    std::fs::write(
        config.join("holidays/2027.toml"),
        "year = 2027\ndays_off = [\"2027-01-01\"]\nmakeup_workdays = []\n",
    )
    .unwrap();
    let list = json(&run(Some(&config), &["tickets", "list", "--format", "json"]));
    assert_eq!(list[0]["clocks"][0]["provisional"], false);
    assert_eq!(list[0]["clocks"][0]["due_at"], "2027-01-05T23:59:59+08:00");
}

#[test]
fn the_outbox_lists_what_waits_for_delivery_as_json() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let file = write(tmp.path(), "12345.csv", CSV.as_bytes());
    ok(&desk(&data, &["import", file.to_str().unwrap(), "--channel", "12345"]));
    ok(&desk(&data, &["ticket", "triage", "1", "--kind", "complaint"]));
    ok(&desk(&data, &["ticket", "dispatch", "1", "--unit", "daliang"]));
    let items = json(&desk(&data, &["outbox", "list", "--format", "json"]));
    let items = items.as_array().unwrap();
    assert_eq!(items.len(), 4, "three sign-fors and one SMS: {items:?}");
    for key in ["id", "channel", "kind", "attempts", "state"] {
        assert!(items[0].get(key).is_some(), "outbox item lacks {key}");
    }
    assert_eq!(items.iter().filter(|i| i["kind"] == "sign_for").count(), 3);
    let sms = items.iter().find(|i| i["kind"] == "sms").unwrap();
    assert_eq!((sms["state"].as_str(), sms["attempts"].as_u64()), (Some("pending"), Some(0)));
    let retry = desk(&data, &["outbox", "retry", &sms["id"].to_string()]);
    assert_eq!(retry.status.code(), Some(1), "only a dead entry can be retried");
    let quarantine = json(&desk(&data, &["quarantine", "list", "--format", "json"]));
    assert_eq!(quarantine.as_array().unwrap().len(), 0);
}
