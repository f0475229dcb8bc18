//! `rightsdesk stats` as scripts use it: the keys of INTERFACES.md, the period and the one
//! before, the tickets behind a figure, and the same answers through a running `serve`, kept
//! current as tickets arrive.

mod support;

use rightsdesk::remote::Client;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const NOW: &str = "2026-05-15T10:00:00+08:00";

fn desk(data: &Path, args: &[&str]) -> Output {
    support::rightsdesk_on(data, NOW)
        .args(args)
        .env("TZ", "UTC")
        .env("USER", "wangwenshu")
        .stdin(Stdio::null())
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

fn json(out: &Output) -> Value {
    serde_json::from_str(&ok(out)).expect("JSON output")
}

/// Four tickets from 12345 in the first days of May, one in late April (the period before).
const MAY: &str = "工单编号,类型,受理时间,镇街,投诉人,联系电话,投诉人地址,被投诉人,统一社会信用代码,被投诉人地址,标题,诉求,事实与理由,商品服务类别,问题类型,涉案金额
GD202605060001,投诉,2026-05-06 09:12:00,大良街道,陈美玲,13612345678,顺德区大良街道府又社区,佛山市顺德区大良某某健身会所,91440606MA4UQ1XX9C,大良街道新桂中路2号,健身房突然停业拒不退还会员费,退还剩余会费,2026年3月办理年卡3888元，5月门店突然停业,预付式消费,合同,3888
GD202605060002,举报,2026-05-06 10:40:00,容桂街道,,,,容桂某某超市,,容桂街道华口市场,超市销售过期牛奶,依法查处,在容桂某某超市购买的牛奶已过保质期,一般食品,食品安全,
GD202605070003,投诉,2026-05-07 11:05:00,大良,梁先生,13500001111,大良街道金榜社区,佛山市顺德区大良某某健身会所,91440606MA4UQ1XX9C,大良街道新桂中路2号,私教课程未上完门店关门,退还剩余课时费,购买私教课20节仅上5节,预付式消费,合同,6000
GD202605080004,咨询,2026-05-08 15:30:00,北滘镇,何女士,13800002222,,,,,网购家电七天无理由退货怎么办理,咨询,网购空调未拆封想退货，商家称定制商品不能退,家用电器,售后服务,
GD202604280005,投诉,2026-04-28 09:00:00,伦教,黄先生,13900003333,伦教街道三洲社区,佛山市顺德区伦教某某家具店,,伦教街道环市路8号,沙发使用一月即开裂,退货退款,沙发坐垫开裂,家居用品,质量,4200
";

fn import(data: &Path, dir: &Path) {
    let file = dir.join("12345.csv");
    std::fs::write(&file, MAY).unwrap();
    let out = ok(&desk(data, &["import", file.to_str().unwrap(), "--channel", "12345"]));
    assert!(out.contains("5 registered"), "{out}");
}

fn counts(v: &Value, key: &str) -> Vec<(String, u64)> {
    v[key]
        .as_array()
        .unwrap_or_else(|| panic!("{key} is an array: {v}"))
        .iter()
        .map(|e| (e["key"].as_str().unwrap_or("").to_string(), e["count"].as_u64().unwrap()))
        .collect()
}

#[test]
fn stats_json_has_the_interface_keys_and_the_period_before() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    import(&data, tmp.path());
    let s = json(&desk(&data, &["stats", "--from", "2026-05-01", "--to", "2026-05-14", "--format", "json"]));
    for key in ["total", "by_channel", "by_kind", "by_town", "by_category", "by_dispute_type", "kpis"] {
        assert!(s.get(key).is_some(), "stats has {key}: {s}");
    }
    assert_eq!(s["total"], 4);
    assert_eq!(counts(&s, "by_channel"), vec![("12345".into(), 4)]);
    assert_eq!(
        counts(&s, "by_kind"),
        vec![("complaint".into(), 2), ("enquiry".into(), 1), ("report".into(), 1)]
    );
    assert_eq!(counts(&s, "by_town"), vec![("大良".into(), 2), ("北滘".into(), 1), ("容桂".into(), 1)]);
    assert_eq!(counts(&s, "by_category")[0], ("预付式消费".into(), 2));
    // The gym's two complaints (its credit code fails the check character, so its name groups
    // them), both overdue (never triaged, the 12345 order's two working days to hand it back ran
    // out): 2 + 0.5 × 2 more than before + 2 overdue = 5 points.
    let risk = &s["merchants_at_risk"][0];
    assert_eq!(risk["merchant"], "佛山市顺德区大良某某健身会所");
    assert_eq!(risk["tickets"], 2);
    assert_eq!(risk["score"], 5.0);
    assert_eq!(s["by_day"].as_array().unwrap().len(), 14);
    // 1–14 May against 17–30 April: the sofa of 28 April.
    assert_eq!(s["previous"]["from"], "2026-04-17");
    assert_eq!(s["previous"]["total"], 1);
    assert_eq!(counts(&s["previous"], "by_town"), vec![("伦教".into(), 1)]);
    // Nothing accepted yet. The acceptance of 6 May's complaint (7 working days: 7, 8, the
    // make-up Saturday 9, 11–14 May) was due on 14 May and is overdue at 10:00 on 15 May; that
    // of 7 May's is due today, not decided yet. The reports' 15 days run on.
    let first_check = &s["kpis"]["first_check_on_time_rate"];
    assert_eq!((first_check["numerator"].as_u64(), first_check["denominator"].as_u64()), (Some(0), Some(1)));
    assert_eq!(first_check["value"], 0.0);
    assert_eq!(s["kpis"]["mediation_success_rate"]["value"], Value::Null, "no mediation concluded");
}

#[test]
fn stats_lists_the_tickets_behind_a_figure() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    import(&data, tmp.path());
    let period = ["--from", "2026-05-01", "--to", "2026-05-14", "--format", "json"];
    let ids = |figure: &str, previous: bool| -> Vec<u64> {
        let mut args = vec!["stats", "--tickets", figure];
        args.extend(period);
        if previous {
            args.push("--previous");
        }
        json(&desk(&data, &args)).as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect()
    };
    assert_eq!(ids("category=预付式消费", false), vec![1, 3]);
    assert_eq!(ids("day=2026-05-06", false), vec![1, 2]);
    // The gym of the merchants at risk, by its key: its two complaints.
    assert_eq!(ids("merchant=佛山市顺德区大良某某健身会所", false), vec![1, 3]);
    assert_eq!(ids("total", true), vec![5]);
    let bad = desk(&data, &["stats", "--tickets", "colour=red"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("names no figure"));
}

#[test]
fn stats_for_a_town_and_a_reversed_period_is_a_usage_error() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    import(&data, tmp.path());
    let s = json(&desk(
        &data,
        &["stats", "--from", "2026-05-01", "--to", "2026-05-14", "--town", "大良街道", "--format", "json"],
    ));
    assert_eq!(s["total"], 2);
    assert_eq!(s["town"], "大良");
    let reversed = desk(&data, &["stats", "--from", "2026-05-14", "--to", "2026-05-01"]);
    assert_eq!(reversed.status.code(), Some(2));
    let table = ok(&desk(&data, &["stats", "--from", "2026-05-01", "--to", "2026-05-14"]));
    assert!(table.contains("受理总量 4（上期 1，+300.0%）"), "{table}");
    assert!(table.contains("按时初查率"), "{table}");
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(data: &PathBuf) -> Server {
    let child = Command::new(env!("CARGO_BIN_EXE_rightsdesk"))
        .arg("--data")
        .arg(data)
        .args(["serve", "--units-listen", "127.0.0.1:0"])
        .env("RIGHTSDESK_NOW", NOW)
        .env_remove("RIGHTSDESK_CONFIG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starts serve");
    let server = Server(child);
    let deadline = Instant::now() + Duration::from_secs(60);
    while !matches!(Client::attach(data), Ok(Some(_))) {
        assert!(Instant::now() < deadline, "serve did not open its socket within 60 s");
        std::thread::sleep(Duration::from_millis(25));
    }
    server
}

#[test]
fn stats_through_serve_answer_the_same_and_follow_new_tickets() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    import(&data, tmp.path());
    let alone =
        json(&desk(&data, &["stats", "--from", "2026-05-01", "--to", "2026-05-14", "--format", "json"]));
    let _server = serve(&data);
    let args = ["stats", "--from", "2026-05-01", "--to", "2026-05-14", "--format", "json"];
    let attached = json(&desk(&data, &args));
    assert_eq!(attached, alone, "the same figures whoever owns the store");
    let letter = tmp.path().join("letter.csv");
    std::fs::write(
        &letter,
        "channel_ticket_id,kind,received_at,town,complainant_name,respondent_name,title,category\n\
         XF-2026-0509,complaint,2026-05-09 10:00,伦教,王先生,佛山市顺德区某某家具有限公司,沙发开裂,家居用品\n",
    )
    .unwrap();
    ok(&desk(&data, &["import", letter.to_str().unwrap(), "--channel", "letter"]));
    let after = json(&desk(&data, &args));
    assert_eq!(after["total"], 5, "the server's facts follow the event log");
    assert!(counts(&after, "by_channel").contains(&("letter".into(), 1)));
}

#[test]
fn hot_words_are_counted_per_ticket_and_a_config_directory_adds_to_the_dictionary() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    import(&data, tmp.path());
    let args = ["stats", "--from", "2026-05-01", "--to", "2026-05-14", "--format", "json"];
    let s = json(&desk(&data, &args));
    let words: Vec<(String, u64, i64)> = s["hot_words"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["word"].as_str().unwrap().to_string(),
                w["count"].as_u64().unwrap(),
                w["change"].as_i64().unwrap(),
            )
        })
        .collect();
    // Each ticket's words once: the gym's 年卡 and 停业, the enquiry's 七天无理由 (the trade's
    // dictionary keeps it whole); boilerplate and places are not words.
    for word in ["年卡", "停业", "七天无理由", "私教课程"] {
        assert!(words.contains(&(word.to_string(), 1, 1)), "{word} in {words:?}");
    }
    for stopped in ["消费者", "大良", "某某", "怎么"] {
        assert!(!words.iter().any(|(w, ..)| w == stopped), "{stopped} in {words:?}");
    }
    assert!(!words.iter().any(|(w, ..)| w == "拒不退还"), "not a word of the shipped dictionary");
    let config = tmp.path().join("config");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(config.join("stats.toml"), "[hot_words]\nmore_words = [\"拒不退还\"]\n").unwrap();
    let mut with_config = vec!["--config", config.to_str().unwrap()];
    with_config.extend(args);
    let s = json(&desk(&data, &with_config));
    let counted: Vec<&str> =
        s["hot_words"].as_array().unwrap().iter().filter_map(|w| w["word"].as_str()).collect();
    assert!(counted.contains(&"拒不退还"), "{counted:?}");
}

fn sheet(book: &mut calamine::Xlsx<std::io::BufReader<std::fs::File>>, name: &str) -> Vec<Vec<String>> {
    use calamine::Reader;
    let range = book.worksheet_range(name).unwrap_or_else(|e| panic!("sheet {name}: {e}"));
    range.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
}

#[test]
fn the_report_workbook_and_csv_hold_the_numbers_of_the_stats_json_with_native_charts() {
    use calamine::Reader;
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    import(&data, tmp.path());
    let period = ["--from", "2026-05-01", "--to", "2026-05-14"];
    let s = json(&desk(&data, &[&["stats"][..], &period, &["--format", "json"]].concat()));
    let book_path = tmp.path().join("report.xlsx");
    let csv_dir = tmp.path().join("csv");
    let args = [
        &["report"][..],
        &period,
        &["--xlsx", book_path.to_str().unwrap(), "--csv", csv_dir.to_str().unwrap()],
    ]
    .concat();
    ok(&desk(&data, &args));

    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&book_path).expect("a valid workbook");
    let names = book.sheet_names();
    for expected in [
        "汇总",
        "按日趋势",
        "渠道",
        "商品服务类别",
        "争议类型",
        "镇街",
        "商圈",
        "高频词",
        "维权预警",
        "问题突出企业",
        "超期工单",
    ] {
        assert!(names.iter().any(|n| n == expected), "sheet {expected} in {names:?}");
    }
    let summary = sheet(&mut book, "汇总");
    assert_eq!(summary[2][0], "受理总量（件）");
    assert_eq!(summary[2][1], s["total"].to_string());
    assert_eq!(summary[2][2], s["previous"]["total"].to_string());
    let towns: Vec<(String, String)> =
        sheet(&mut book, "镇街")[2..].iter().map(|r| (r[0].clone(), r[1].clone())).collect();
    let json_towns: Vec<(String, String)> =
        counts(&s, "by_town").into_iter().map(|(k, n)| (k, n.to_string())).collect();
    assert_eq!(towns[..json_towns.len()], json_towns[..], "the sheet and the JSON agree");
    let words = sheet(&mut book, "高频词");
    assert_eq!(words.len() - 2, s["hot_words"].as_array().unwrap().len());
    assert_eq!(words[2][0], s["hot_words"][0]["word"].as_str().unwrap());
    let overdue = sheet(&mut book, "超期工单");
    assert!(overdue.len() > 2, "the overdue 12345 orders are listed: {overdue:?}");
    // Native charts: chart parts in the package, one for the daily trend at least.
    let bytes = std::fs::read(&book_path).unwrap();
    let has = |part: &str| bytes.windows(part.len()).any(|w| w == part.as_bytes());
    assert!(has("xl/charts/chart1.xml") && has("xl/drawings/drawing1.xml"), "the workbook has charts");

    let summary_csv = std::fs::read_to_string(csv_dir.join("summary.csv")).unwrap();
    assert!(summary_csv.starts_with('\u{feff}'), "a byte-order mark for Excel");
    assert!(
        summary_csv.contains(&format!("受理总量（件）,{},{}", s["total"], s["previous"]["total"])),
        "{summary_csv}"
    );
    let town_csv = std::fs::read_to_string(csv_dir.join("by_town.csv")).unwrap();
    assert!(town_csv.contains("大良,2,0"), "{town_csv}");
}

#[test]
fn the_report_records_the_audit_chains_head_so_the_store_can_be_checked_against_the_paper_later() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    import(&data, tmp.path());
    let head = ok(&desk(&data, &["audit", "head"])).trim().to_string();
    assert_eq!(head.len(), 64, "a sha256 in hex: {head}");
    let (book_path, csv_dir) = (tmp.path().join("report.xlsx"), tmp.path().join("csv"));
    let args = [
        "report",
        "--from",
        "2026-05-01",
        "--to",
        "2026-05-14",
        "--xlsx",
        book_path.to_str().unwrap(),
        "--csv",
        csv_dir.to_str().unwrap(),
    ];
    let out = desk(&data, &args);
    ok(&out);
    assert!(String::from_utf8_lossy(&out.stderr).contains(&head), "said on standard error too");
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&book_path).expect("a valid workbook");
    let audit = sheet(&mut book, "审计链");
    let value = |what: &str| audit.iter().find(|r| r[0] == what).map(|r| r[1].clone());
    assert_eq!(value("审计链头 哈希").as_deref(), Some(head.as_str()), "{audit:?}");
    assert_eq!(value("统计期间").as_deref(), Some("2026-05-01 至 2026-05-14"));
    let audit_csv = std::fs::read_to_string(csv_dir.join("audit.csv")).unwrap();
    assert!(audit_csv.contains(&format!("审计链头 哈希,{head}")), "{audit_csv}");
    // What the paper says checks the store as it is.
    ok(&desk(&data, &["audit", "verify", "--head", &head]));
}

/// Every file of a report's CSV directory, by name.
fn csv_files(dir: &Path) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            (
                path.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&path).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn a_lone_report_reads_the_facts_the_first_one_stored_and_equals_the_report_through_serve() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    import(&data, tmp.path());
    let report = |name: &str| {
        let dir = tmp.path().join(name);
        let args = ["report", "--from", "2026-05-01", "--to", "2026-05-14", "--csv", dir.to_str().unwrap()];
        ok(&desk(&data, &args));
        csv_files(&dir)
    };
    let first = report("first");
    {
        let store = rightsdesk::store::Store::open(&data, &Default::default()).unwrap();
        let stamp = store.fact_tree().unwrap().stamp().unwrap().expect("the first report stored the facts");
        assert_eq!(stamp.seq, store.last_seq().unwrap());
        store.close().unwrap();
    }
    let again = report("again");
    assert_eq!(again, first, "read from the store, the same report");
    let _server = serve(&data);
    // The server fires the deadline alarms due at its start: the audit chain's head moves on,
    // the figures stay.
    let figures = |files: Vec<(String, String)>| -> Vec<(String, String)> {
        files.into_iter().filter(|(name, _)| name != "audit.csv").collect()
    };
    let through_serve = report("through-serve");
    assert_eq!(figures(through_serve), figures(first.clone()), "the server's facts give the same report");
    assert!(first.iter().any(|(name, text)| name == "by_town.csv" && text.contains("大良,2,0")));
}
