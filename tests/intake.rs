//! Intake never drops a complaint: tickets typed in by hand and rows of a file go through one
//! check, every walk-in is a ticket of its own, a phone is never stripped, and 商圈 is kept.
//! The real binary, as clerks and scripts run it.

mod support;

use proptest::prelude::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;

const NOW: &str = "2026-11-28T10:00:00+08:00";

fn desk(data: &Path, args: &[&str]) -> Output {
    desk_in(data, None, args)
}

fn desk_in(data: &Path, config: Option<&Path>, args: &[&str]) -> Output {
    let mut command = support::rightsdesk_on(data, NOW);
    if let Some(config) = config {
        command.arg("--config").arg(config);
    }
    command.args(args).env("TZ", "UTC").env("USER", "liyan").output().expect("runs the binary")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        stdout(out),
        stderr(out)
    );
    stdout(out)
}

fn json(out: &Output) -> Value {
    serde_json::from_str(&ok(out)).expect("JSON output")
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn register_walk_in(data: &Path, name: &str, phone: &str) -> Output {
    desk(
        data,
        &[
            "ticket",
            "register",
            "--channel",
            "walkin",
            "--kind",
            "complaint",
            "--title",
            "空调安装后漏水",
            "--name",
            name,
            "--phone",
            phone,
            "--respondent",
            "佛山市顺德区某某电器商行",
            "--town",
            "大良",
        ],
    )
}

#[test]
fn two_walk_ins_in_one_second_are_two_tickets() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    // RIGHTSDESK_NOW fixes the clock: both are registered in the same second.
    let first = ok(&register_walk_in(&data, "张伟", "13800001234"));
    let second = ok(&register_walk_in(&data, "王芳", "13900005678"));
    assert!(!second.contains("already registered"), "{second}");
    assert!(first.contains("walkin:WALKIN-20261128-N1"), "{first}");
    assert!(second.contains("walkin:WALKIN-20261128-N2"), "{second}");

    let list = json(&desk(&data, &["tickets", "list", "--channel", "walkin", "--format", "json"]));
    let ids: Vec<&str> =
        list.as_array().unwrap().iter().map(|t| t["channel_ticket_id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 2, "{list}");
    assert_ne!(ids[0], ids[1]);
}

#[test]
fn a_walk_in_registered_twice_with_its_own_number_is_one_ticket() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let args = [
        "ticket",
        "register",
        "--channel",
        "letter",
        "--channel-ticket-id",
        "来信-2026-0318",
        "--title",
        "预付卡商家停业",
    ];
    ok(&desk(&data, &args));
    let again = ok(&desk(&data, &args));
    assert!(again.contains("already registered"), "{again}");
}

#[test]
fn a_phone_with_letters_is_flagged_not_stripped() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let out = ok(&register_walk_in(&data, "张伟", "138ABCD1234"));
    assert!(out.contains("bad_phone"), "{out}");
    let shown =
        json(&desk(&data, &["ticket", "show", "walkin:WALKIN-20261128-N1", "--reveal", "--format", "json"]));
    assert_eq!(shown["complainant"]["phone"], "138ABCD1234");
    assert!(shown["flags"].as_array().unwrap().iter().any(|f| f == "bad_phone"), "{shown}");

    // The same number in an imported file: kept and flagged the same way.
    let file = write(
        tmp.path(),
        "来访登记.csv",
        "工单编号,受理时间,投诉人,联系电话,标题\nLF-0001,2026-11-27 15:20,李娜,138ABCD1234,美容卡退费\n",
    );
    ok(&desk(&data, &["import", file.to_str().unwrap(), "--channel", "walkin"]));
    let shown = json(&desk(&data, &["ticket", "show", "walkin:LF-0001", "--reveal", "--format", "json"]));
    assert_eq!(shown["complainant"]["phone"], "138ABCD1234");
    assert!(shown["flags"].as_array().unwrap().iter().any(|f| f == "bad_phone"), "{shown}");
}

#[test]
fn business_district_comes_from_the_column_or_the_station_the_address_names() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let file = write(
        tmp.path(),
        "12345.csv",
        "工单编号,受理时间,被投诉人,被投诉人地址,商圈,标题\n\
         SD0001,2026-11-27 09:00,某某服饰店,大良街道凤城时代广场2楼,,衣服起球拒绝退货\n\
         SD0002,2026-11-27 09:30,某某奶茶店,容桂街道某路1号,容桂商业街,奶茶有异物\n\
         SD0003,2026-11-27 10:00,某某超市,北滘镇君兰社区,,过期牛奶\n",
    );
    ok(&desk(&data, &["import", file.to_str().unwrap(), "--channel", "12345"]));
    let list = json(&desk(&data, &["tickets", "list", "--format", "json"]));
    let district = |id: &str| {
        list.as_array().unwrap().iter().find(|t| t["channel_ticket_id"] == id).unwrap()["business_district"]
            .clone()
    };
    assert_eq!(district("SD0001"), "大良中心商圈");
    assert_eq!(district("SD0002"), "容桂商业街");
    assert_eq!(district("SD0003"), Value::Null);
    let shown = json(&desk(&data, &["ticket", "show", "12345:SD0001", "--format", "json"]));
    assert_eq!(shown["business_district"], "大良中心商圈");
}

#[test]
fn register_refuses_what_import_refuses_with_the_same_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let out = desk(
        &data,
        &[
            "ticket",
            "register",
            "--channel",
            "walkin",
            "--title",
            "退费",
            "--received-at",
            "1999-12-31 09:00",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("received_at \"1999-12-31 09:00\" is before 2000-01-01"),
        "{}",
        stderr(&out)
    );
}

/// One generated row: each field good, bad or absent.
#[derive(Clone, Debug)]
struct GeneratedRow {
    kind: Option<&'static str>,
    received_at: &'static str,
    amount: Option<&'static str>,
    title: String,
    credit_code: Option<&'static str>,
    phone: Option<&'static str>,
}

fn generated_row() -> impl Strategy<Value = GeneratedRow> {
    let kind = prop::sample::select(vec![None, Some("complaint"), Some("report"), Some("未知类型")]);
    let received = prop::sample::select(vec![
        "2026-11-27 09:30",
        "2026/11/26 14:05",
        "2026年11月25日 08:00",
        "1999-12-31 09:00",
        "2026-12-05 09:00",
        "昨天下午",
    ]);
    let amount = prop::sample::select(vec![
        None,
        Some("1299.50"),
        Some("¥300"),
        Some("-5"),
        Some("三百元"),
        Some("1.234"),
    ]);
    let title =
        prop_oneof![Just("空调安装后不制冷".to_string()), (190usize..215).prop_map(|n| "退".repeat(n))];
    let credit = prop::sample::select(vec![None, Some("91440606MA4UXXXX0X"), Some("91440606MA4UQ1XX9C")]);
    let phone =
        prop::sample::select(vec![None, Some("13800138000"), Some("138ABCD1234"), Some("0757-2222 3333")]);
    (kind, received, amount, title, credit, phone).prop_map(
        |(kind, received_at, amount, title, credit_code, phone)| GeneratedRow {
            kind,
            received_at,
            amount,
            title,
            credit_code,
            phone,
        },
    )
}

fn field_args(row: &GeneratedRow) -> Vec<(&'static str, String)> {
    let mut out = vec![("received_at", row.received_at.to_string()), ("title", row.title.clone())];
    let optional =
        [("kind", row.kind), ("amount", row.amount), ("credit_code", row.credit_code), ("phone", row.phone)];
    out.extend(optional.into_iter().filter_map(|(k, v)| v.map(|v| (k, v.to_string()))));
    out
}

/// The reason import gives for line 2, or None when it imports the row.
fn import_refusal(data: &Path, dir: &Path, id: &str, row: &GeneratedRow) -> Option<String> {
    let fields = field_args(row);
    let header: Vec<&str> = std::iter::once("channel_ticket_id")
        .chain(fields.iter().map(|(k, _)| if *k == "phone" { "complainant_phone" } else { *k }))
        .collect();
    let values: Vec<String> =
        std::iter::once(id.to_string()).chain(fields.iter().map(|(_, v)| v.clone())).collect();
    let file = write(dir, &format!("{id}.csv"), &format!("{}\n{}\n", header.join(","), values.join(",")));
    let out = desk(data, &["import", file.to_str().unwrap(), "--channel", "walkin"]);
    if out.status.success() {
        return None;
    }
    let err = stderr(&out);
    let prefix = format!("{}: line 2: ", file.display());
    Some(err.lines().find_map(|l| l.strip_prefix(&prefix)).unwrap_or(&err).to_string())
}

/// The reason `ticket register` gives, or None when it registers the ticket.
fn register_refusal(data: &Path, id: &str, row: &GeneratedRow) -> Option<String> {
    let mut args = vec!["ticket".to_string(), "register".into(), "--channel".into(), "walkin".into()];
    args.extend(["--channel-ticket-id".to_string(), id.to_string()]);
    for (field, value) in field_args(row) {
        // `--amount=-5`: a value may start with '-'.
        args.push(format!("--{}={value}", field.replace('_', "-")));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = desk(data, &args);
    if out.status.success() {
        return None;
    }
    let err = stderr(&out);
    let reason = err.trim().strip_prefix("error: not registered: ").unwrap_or(&err);
    Some(reason.strip_suffix(". Correct it and register again").unwrap_or(reason).to_string())
}

proptest! {
    // Each case runs the binary twice; a few dozen rows cover every value of every field.
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn register_and_import_refuse_the_same_generated_rows(row in generated_row(), serial in 0u32..1_000_000) {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        let id = format!("LF-{serial:06}");
        let imported = import_refusal(&data, tmp.path(), &format!("{id}-i"), &row);
        let registered = register_refusal(&data, &format!("{id}-r"), &row);
        prop_assert_eq!(imported, registered);
    }
}

#[test]
fn a_channel_profile_maps_a_business_district_field_like_any_other() {
    use rightsdesk::sync::mapping::map_page;
    let config = rightsdesk::config::load(None).unwrap();
    let mut profile = config.channels.get("12345").and_then(|c| c.sync.clone()).unwrap();
    profile.fields.insert("business_district".into(), "sq_mc".into());
    let body = serde_json::json!({"code": 0, "data": {"total": 1, "page": 1, "rows": [{
        "gdbh": "SD2026112800018", "sllx": "投诉", "slsj": "2026-11-28 09:20:00", "zj": "容桂街道",
        "btsrmc": "佛山市顺德区容桂某某奶茶店", "bt": "奶茶有异物", "sq_mc": "容桂商业街"}]}});
    let now = rightsdesk::time::Timestamp::parse(NOW).unwrap();
    let page = map_page(&profile, "12345", &body, now).unwrap();
    assert!(page.malformed.is_empty(), "{:?}", page.malformed);
    assert_eq!(page.tickets[0].intake.business_district.as_deref(), Some("容桂商业街"));
}
