//! Personal data is masked; seeing it unmasked is on the record, with who and when.

mod support;

use serde_json::Value;
use std::path::Path;
use std::process::Stdio;

const NOW: &str = "2026-11-27T10:00:00+08:00";

fn desk(data: &Path, args: &[&str]) -> String {
    let out = support::rightsdesk_on(data, NOW)
        .args(["--as", "陈丽"])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_reveal_of_personal_data_is_recorded_in_the_timeline_with_its_actor() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    desk(
        &data,
        &[
            "ticket",
            "register",
            "--channel",
            "walkin",
            "--channel-ticket-id",
            "LF-100",
            "--title",
            "健身房预付卡退费难",
            "--name",
            "霍敏仪",
            "--phone",
            "18023450868",
        ],
    );
    let masked: Value =
        serde_json::from_str(&desk(&data, &["ticket", "show", "1", "--format", "json"])).unwrap();
    assert_eq!(masked["complainant"]["phone"], "180****0868");
    assert!(!masked["timeline"].as_array().unwrap().iter().any(|e| e["action"] == "revealed"));
    let shown: Value =
        serde_json::from_str(&desk(&data, &["ticket", "show", "1", "--reveal", "--format", "json"])).unwrap();
    assert_eq!(shown["complainant"]["phone"], "18023450868");
    let after: Value =
        serde_json::from_str(&desk(&data, &["ticket", "show", "1", "--format", "json"])).unwrap();
    let reveal = after["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "revealed")
        .expect("on the record");
    assert_eq!(reveal["actor"], "陈丽");
    assert_eq!(after["status"], masked["status"], "a reveal changes nothing else");
}
