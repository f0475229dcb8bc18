//! Import: files from the channels' exports become tickets, or say exactly which line is wrong.

use chrono::NaiveDate;
use rightsdesk::domain::ticket::{Fen, Kind};
use rightsdesk::import::{COLUMNS, Format, ImportError, Parsed, parse_bytes, parse_file};
use rightsdesk::time::Timestamp;
use std::path::Path;

fn now() -> Timestamp {
    Timestamp::parse("2026-11-28T12:00:00+08:00").unwrap()
}

fn parse(bytes: &[u8], format: Format) -> Result<Parsed, ImportError> {
    parse_bytes(bytes, format, "12345", now(), "导出/工单.csv")
}

fn csv(text: &str) -> Parsed {
    match parse(text.as_bytes(), Format::Csv) {
        Ok(parsed) => parsed,
        Err(e) => panic!("{e}"),
    }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn reasons(parsed: &Parsed) -> Vec<String> {
    parsed.rejected.iter().map(|r| r.to_string()).collect()
}

const HEADER_ZH: &str = "工单编号,类型,受理时间,镇街,投诉人,联系电话,投诉人地址,被投诉人,统一社会信用代码,\
被投诉人地址,标题,诉求,事实与理由,购买日期,涉案金额,商品服务类别,问题类型,附件";

/// Three tickets as the 12345 hotline exports them (Excel "CSV UTF-8").
fn sample_zh() -> String {
    [
        HEADER_ZH,
        "12345-20261128-0001,投诉,2026-11-28 09:30,大良,陈女士,13800138000,佛山市顺德区大良街道新桂路1号,\
佛山市顺德区某某电器有限公司,91440606MA4UXXXX0X,佛山市顺德区容桂街道容奇大道中88号,空调安装后不制冷,退货退款,\
11月1日在该店购买空调一台，安装后不制冷，商家拒绝退货。,2026-11-01,\"3,299.00\",家用电器,质量,\
https://files.example.cn/12345/0001/发票.jpg；https://files.example.cn/12345/0001/聊天记录.png",
        "12345-20261128-0002,投诉,2026/11/28 10:05,容桂街道,李先生,13922223333,佛山市顺德区容桂街道华口社区,\
佛山市顺德区某某美容有限公司,,佛山市顺德区容桂街道桂洲大道12号,,要求退还预付卡余额,\
办理美容卡充值5000元，门店突然停业无法联系。,2026-03-15,5000,预付式消费,合同,",
        "12345-20261128-0003,举报,2026-11-28T11:40:00+08:00,北滘镇,,,,佛山市顺德区北滘某某超市,,\
北滘镇君兰社区,销售过期食品,,货架上的牛奶已过保质期。,,,一般食品,食品安全,",
    ]
    .join("\n")
        + "\n"
}

#[test]
fn utf8_csv_with_chinese_headers_gives_tickets_with_their_file_lines() {
    let parsed = csv(&sample_zh());
    assert_eq!(parsed.format, Format::Csv);
    assert_eq!(parsed.encoding, "UTF-8");
    assert!(parsed.rejected.is_empty(), "{:?}", reasons(&parsed));
    assert!(parsed.ignored_columns.is_empty());
    let lines: Vec<usize> = parsed.rows.iter().map(|r| r.line).collect();
    assert_eq!(lines, [2, 3, 4]);

    let t = &parsed.rows[0].ticket;
    assert_eq!(t.kind, Some(Kind::Complaint));
    assert_eq!(t.intake.channel, "12345");
    assert_eq!(t.intake.channel_ticket_id, "12345-20261128-0001");
    assert_eq!(t.intake.received_at.map(|t| t.rfc3339()).as_deref(), Some("2026-11-28T09:30:00+08:00"));
    assert_eq!(t.intake.town.as_deref(), Some("大良"));
    assert_eq!(t.complainant.name.as_deref(), Some("陈女士"));
    assert_eq!(t.complainant.phone.as_deref(), Some("13800138000"));
    assert_eq!(t.respondent.name.as_deref(), Some("佛山市顺德区某某电器有限公司"));
    assert_eq!(t.respondent.credit_code.as_deref(), Some("91440606MA4UXXXX0X"));
    assert_eq!(t.dispute.title, "空调安装后不制冷");
    assert_eq!(t.dispute.request.as_deref(), Some("退货退款"));
    assert_eq!(t.dispute.purchase_date, Some(date(2026, 11, 1)));
    assert_eq!(t.dispute.amount, Some(Fen(329_900)));
    assert_eq!(t.dispute.category.as_deref(), Some("家用电器"));
    assert_eq!(t.dispute.dispute_type.as_deref(), Some("质量"));
    let names: Vec<&str> = t.attachments.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["发票.jpg", "聊天记录.png"]);
    assert_eq!(t.attachments[1].uri, "https://files.example.cn/12345/0001/聊天记录.png");

    let t = &parsed.rows[2].ticket;
    assert_eq!(t.kind, Some(Kind::Report));
    assert_eq!(t.intake.town.as_deref(), Some("北滘镇"), "town aliases are resolved by the domain, not here");
    assert_eq!(t.intake.received_at.map(|t| t.rfc3339()).as_deref(), Some("2026-11-28T11:40:00+08:00"));
    assert_eq!(t.dispute.amount, None);
}

#[test]
fn utf8_csv_with_a_bom_reads_like_one_without() {
    let plain = csv(&sample_zh());
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(sample_zh().as_bytes());
    let bom = parse(&bytes, Format::Csv).unwrap();
    assert_eq!(bom.encoding, "UTF-8 with BOM");
    assert_eq!(bom.rows, plain.rows);
}

#[test]
fn gb18030_and_gbk_csv_give_the_same_tickets_as_utf8() {
    let text = sample_zh();
    let utf8 = csv(&text);
    for encoding in [encoding_rs::GB18030, encoding_rs::GBK] {
        let (bytes, _, unmappable) = encoding.encode(&text);
        assert!(!unmappable);
        assert!(std::str::from_utf8(&bytes).is_err(), "the fixture must really be non-UTF-8");
        let parsed = parse(&bytes, Format::Csv).unwrap();
        assert_eq!(parsed.encoding, "GB18030");
        assert_eq!(parsed.rows, utf8.rows);
    }
}

#[test]
fn english_headers_match_whatever_their_case_and_spacing() {
    let text = "Channel_Ticket_ID,kind,RECEIVED_AT,town,complainant name,respondent_name,facts,amount,id_verified,odr\n\
                W-0001,complaint,2026-11-27 16:00,伦教,王先生,佛山市顺德区某某家具有限公司,沙发开裂,800元,是,n\n";
    let parsed = csv(text);
    assert!(parsed.rejected.is_empty(), "{:?}", reasons(&parsed));
    let t = &parsed.rows[0].ticket;
    assert_eq!(t.intake.channel_ticket_id, "W-0001");
    assert_eq!(t.complainant.name.as_deref(), Some("王先生"));
    assert_eq!(t.dispute.amount, Some(Fen(80_000)));
    assert!(t.complainant.id_verified);
    assert!(!t.respondent.odr);
}

#[test]
fn a_quoted_multi_line_facts_field_keeps_later_line_numbers_right() {
    let text = "工单编号,受理时间,事实与理由\n\
                A1,2026-11-20 09:00,\"第一段：购买电饭煲。\r\n第二段：使用一周后漏电。\n第三段：商家不予处理。\"\n\
                A2,2026-11-21 09:00,短\n\
                A3,not a time,短\n";
    let parsed = csv(text);
    assert_eq!(parsed.rows.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 5]);
    assert_eq!(
        parsed.rows[0].ticket.dispute.facts.as_deref(),
        Some("第一段：购买电饭煲。\n第二段：使用一周后漏电。\n第三段：商家不予处理。")
    );
    assert_eq!(parsed.rejected.len(), 1);
    assert_eq!(parsed.rejected[0].line, 6);
    assert!(
        parsed.rejected[0].reason.contains("received_at \"not a time\" is not a time"),
        "{:?}",
        reasons(&parsed)
    );
}

#[test]
fn a_row_with_the_wrong_number_of_fields_names_its_physical_line() {
    let mut lines: Vec<String> = sample_zh().lines().map(str::to_owned).collect();
    lines.insert(2, "12345-20261128-0009,投诉,2026-11-28 09:31,大良,张三,139,地址,某店,,,短标题,退款".into());
    let parsed = csv(&(lines.join("\n") + "\n"));
    assert_eq!(reasons(&parsed), ["line 3: 12 fields, the header has 18"]);
    assert_eq!(parsed.rows.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 4, 5]);
}

#[test]
fn an_unclosed_quote_rejects_its_record_instead_of_swallowing_the_rest() {
    let text = "工单编号,受理时间,事实与理由\nB1,2026-11-20 09:00,\"没有结束的引号\nB2,2026-11-21 09:00,短\n";
    let parsed = csv(text);
    assert_eq!(parsed.rejected.len(), 1);
    assert_eq!(parsed.rejected[0].line, 2);
    assert!(parsed.rows.is_empty());
    assert!(parsed.rejected[0].reason.contains("never closed"), "{}", parsed.rejected[0]);
}

#[test]
fn an_unknown_kind_rejects_the_row_and_an_empty_kind_is_kept_unset() {
    let text = "工单编号,类型,受理时间\nK1,投拆,2026-11-28 09:00\nK2,,2026-11-28 09:00\nK3,Enquiry,2026-11-28 09:00\n";
    let parsed = csv(text);
    assert_eq!(parsed.rejected.len(), 1);
    assert_eq!(parsed.rejected[0].line, 2);
    assert!(parsed.rejected[0].reason.starts_with("unknown kind \"投拆\""), "{}", parsed.rejected[0]);
    assert_eq!(parsed.rows[0].ticket.kind, None);
    assert_eq!(parsed.rows[1].ticket.kind, Some(Kind::Enquiry));
}

#[test]
fn received_at_before_2000_or_more_than_a_day_ahead_is_rejected() {
    let text = "工单编号,受理时间\nD1,1900-01-01 00:00\nD2,2099-01-01 00:00\nD3,2026-11-29 11:00\nD4,2026-11-29 13:00\nD5,\n";
    let parsed = csv(text);
    assert_eq!(
        parsed.rows.iter().map(|r| r.ticket.intake.channel_ticket_id.as_str()).collect::<Vec<_>>(),
        ["D3"]
    );
    assert_eq!(
        reasons(&parsed),
        [
            "line 2: received_at \"1900-01-01 00:00\" is before 2000-01-01",
            "line 3: received_at \"2099-01-01 00:00\" is more than a day after now (2026-11-28 12:00)",
            "line 5: received_at \"2026-11-29 13:00\" is more than a day after now (2026-11-28 12:00)",
            "line 6: no received_at",
        ]
    );
}

#[test]
fn a_100_kb_title_is_rejected_with_its_length() {
    let text = format!(
        "工单编号,受理时间,标题\nT1,2026-11-28 09:00,{}\nT2,2026-11-28 09:00,{}\n",
        "x".repeat(102_400),
        "标".repeat(200)
    );
    let parsed = csv(&text);
    assert_eq!(reasons(&parsed), ["line 2: title is 102400 characters long (at most 200)"]);
    assert_eq!(parsed.rows[0].ticket.dispute.title.chars().count(), 200);
}

#[test]
fn a_row_without_channel_ticket_id_is_rejected() {
    let parsed = csv("工单编号,受理时间,投诉人\n,2026-11-28 09:00,陈女士\n  ,2026-11-28 09:00,李先生\n");
    assert_eq!(reasons(&parsed), ["line 2: no channel_ticket_id", "line 3: no channel_ticket_id"]);
}

#[test]
fn the_same_channel_ticket_id_twice_in_a_file_rejects_the_second() {
    let parsed = csv("工单编号,受理时间\nR1,2026-11-28 09:00\nR2,2026-11-28 09:00\nR1,2026-11-28 10:00\n");
    assert_eq!(reasons(&parsed), ["line 4: channel_ticket_id R1 repeats line 2"]);
    assert_eq!(parsed.rows.len(), 2);
}

#[test]
fn a_utf16_file_is_an_encoding_error_naming_the_file() {
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(sample_zh().encode_utf16().flat_map(u16::to_le_bytes));
    let err = parse(&bytes, Format::Csv).unwrap_err();
    assert!(matches!(err, ImportError::Encoding { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("导出/工单.csv") && message.contains("UTF-16"), "{message}");

    let without_bom: Vec<u8> = sample_zh().encode_utf16().flat_map(u16::to_le_bytes).collect();
    assert!(matches!(parse(&without_bom, Format::Csv), Err(ImportError::Encoding { .. })));
}

#[test]
fn a_binary_file_is_an_encoding_error() {
    let bytes: Vec<u8> = (0u8..=255).cycle().take(4096).collect();
    assert!(matches!(parse(&bytes, Format::Csv), Err(ImportError::Encoding { .. })));
}

#[test]
fn an_empty_or_blank_file_has_no_tickets() {
    for bytes in [&b""[..], b"   \n\r\n\t", b"\xEF\xBB\xBF", b"\n\n"] {
        let err = parse(bytes, Format::Csv).unwrap_err();
        assert!(matches!(err, ImportError::Empty { .. }), "{bytes:?}: {err:?}");
        assert!(err.to_string().contains("导出/工单.csv has no tickets"), "{err}");
    }
    assert!(matches!(parse(b"", Format::JsonLines), Err(ImportError::Empty { .. })));
    assert!(matches!(parse(b"", Format::Xlsx), Err(ImportError::Empty { .. })));
}

#[test]
fn a_header_only_file_has_no_tickets() {
    for text in [HEADER_ZH.to_owned(), format!("{HEADER_ZH}\n"), format!("{HEADER_ZH}\n,,,,,,,,,,,,,,,,,\n")]
    {
        assert!(matches!(parse(text.as_bytes(), Format::Csv), Err(ImportError::Empty { .. })), "{text}");
    }
}

#[test]
fn a_header_without_received_at_is_a_file_error_listing_accepted_names() {
    let err = parse("工单编号,投诉人\nX1,陈女士\n".as_bytes(), Format::Csv).unwrap_err();
    assert!(matches!(err, ImportError::MissingColumn { column: "received_at", .. }), "{err:?}");
    assert!(err.to_string().contains("受理时间"), "{err}");
}

#[test]
fn a_first_row_with_no_known_column_is_not_taken_for_a_header() {
    let err = parse("X1,2026-11-28 09:00,陈女士\n".as_bytes(), Format::Csv).unwrap_err();
    assert!(matches!(err, ImportError::UnknownColumns { .. }), "{err:?}");
    assert!(matches!(parse(b",,,\nX1,2026-11-28,a,b\n", Format::Csv), Err(ImportError::NoHeader { .. })));
}

#[test]
fn a_banner_row_above_the_header_is_skipped() {
    let parsed =
        csv("顺德区市场监督管理局投诉工单明细表,,\n工单编号,受理时间,投诉人\nB1,2026-11-28 09:00,陈女士\n");
    assert_eq!(parsed.rows.iter().map(|r| r.line).collect::<Vec<_>>(), [3]);
}

#[test]
fn two_columns_for_one_field_are_a_file_error() {
    let err = parse("工单编号,编号,受理时间\nX1,X1,2026-11-28 09:00\n".as_bytes(), Format::Csv).unwrap_err();
    match err {
        ImportError::DuplicateColumn { field, first, second, .. } => {
            assert_eq!((field, first.as_str(), second.as_str()), ("channel_ticket_id", "工单编号", "编号"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn unknown_columns_are_ignored_and_named_once() {
    let parsed = csv("工单编号,受理时间,备注,坐席,备注\nU1,2026-11-28 09:00,加急,07号,\n");
    assert_eq!(parsed.ignored_columns, ["备注", "坐席"]);
    assert_eq!(parsed.rows.len(), 1);
}

#[test]
fn a_missing_title_comes_from_the_facts_then_the_request() {
    let facts = "2026年11月1日在大良某商场购买的洗衣机运行时噪音很大，多次联系售后无人处理，要求更换。";
    let text = format!(
        "工单编号,受理时间,标题,诉求,事实与理由\nN1,2026-11-28 09:00,,退款,{facts}\nN2,2026-11-28 09:00,,要求退款,\nN3,2026-11-28 09:00,,,\n"
    );
    let parsed = csv(&text);
    let titles: Vec<&str> = parsed.rows.iter().map(|r| r.ticket.dispute.title.as_str()).collect();
    assert_eq!(titles, [facts.chars().take(30).collect::<String>().as_str(), "要求退款", "（无标题）"]);
}

#[test]
fn missing_materials_bad_credit_codes_and_unknown_towns_are_kept() {
    let parsed = csv("工单编号,受理时间,镇街,统一社会信用代码\nM1,2026-11-28 09:00,火星镇,123\n");
    assert!(parsed.rejected.is_empty());
    let t = &parsed.rows[0].ticket;
    assert_eq!(t.intake.town.as_deref(), Some("火星镇"));
    assert_eq!(t.respondent.credit_code.as_deref(), Some("123"));
    assert_eq!(t.complainant.name, None);
}

#[test]
fn an_unparseable_amount_date_or_flag_rejects_the_row_naming_field_and_value() {
    let long = "很".repeat(60);
    let text = format!(
        "工单编号,受理时间,涉案金额,购买日期,知道受损日期,代理投诉\n\
         V1,2026-11-28 09:00,约三千元,,,\n\
         V2,2026-11-28 09:00,,上个月,,\n\
         V3,2026-11-28 09:00,,,{long},\n\
         V4,2026-11-28 09:00,12.345,2026-13-01,,也许\n"
    );
    let parsed = csv(&text);
    let r = reasons(&parsed);
    assert_eq!(r[0], "line 2: amount \"约三千元\" is not an amount in yuan (write e.g. 1299.50)");
    assert_eq!(r[1], "line 3: purchase_date \"上个月\" is not a date (write e.g. 2026-11-01)");
    assert!(r[2].contains(&format!("harm_known_date \"{}…\"", "很".repeat(40))), "{}", r[2]);
    assert!(r[3].contains("amount \"12.345\"") && r[3].contains("purchase_date \"2026-13-01\""), "{}", r[3]);
    assert!(r[3].contains("proxy \"也许\" is not a yes/no value"), "{}", r[3]);
}

#[test]
fn a_channel_column_that_disagrees_with_the_import_rejects_the_row() {
    let parsed = csv(
        "工单编号,受理时间,channel\nC1,2026-11-28 09:00,12345\nC2,2026-11-28 09:00,12315\nC3,2026-11-28 09:00,\n",
    );
    assert_eq!(
        reasons(&parsed),
        ["line 3: the channel column says \"12315\" but the file is imported for channel 12345"]
    );
    assert!(parsed.rows.iter().all(|r| r.ticket.intake.channel == "12345"));
}

#[test]
fn tab_separated_text_is_read_like_csv() {
    let parsed = csv("工单编号\t受理时间\t被投诉人\nTSV1\t2026-11-28 09:00\t佛山市顺德区某某电器有限公司\n");
    assert_eq!(parsed.rows[0].ticket.respondent.name.as_deref(), Some("佛山市顺德区某某电器有限公司"));
}

#[test]
fn json_lines_skip_blank_lines_and_reject_bad_lines_by_file_line() {
    let text = [
        r#"{"channel_ticket_id":"J1","kind":"投诉","received_at":"2026-11-28 09:00","town":"陈村","amount":1299.5,"odr":true,"attachments":["https://f.example.cn/a/票据.pdf"],"坐席":"07"}"#,
        "",
        "   ",
        r#"{"工单编号":"J2","受理时间":"2026-11-28 09:10","诉求":"退款"}"#,
        r#"{"channel_ticket_id":"J3","received_at":"2026-11-28 09:20","#,
        r#"["J4","2026-11-28 09:30"]"#,
        r#"{"channel_ticket_id":"J5","received_at":"2026-11-28 09:40","facts":{"text":"嵌套"}}"#,
        r#"{"channel_ticket_id":20261128000006,"received_at":"2026-11-28 09:50"}"#,
    ]
    .join("\n");
    let parsed = parse(text.as_bytes(), Format::JsonLines).unwrap();
    assert_eq!(parsed.format, Format::JsonLines);
    assert_eq!(parsed.rows.iter().map(|r| r.line).collect::<Vec<_>>(), [1, 4, 8]);
    let t = &parsed.rows[0].ticket;
    assert_eq!(t.dispute.amount, Some(Fen(129_950)));
    assert!(t.respondent.odr);
    assert_eq!(t.attachments[0].name, "票据.pdf");
    assert_eq!(parsed.rows[2].ticket.intake.channel_ticket_id, "20261128000006");
    assert_eq!(parsed.ignored_columns, ["坐席"]);
    let r = reasons(&parsed);
    assert_eq!(r.len(), 3, "{r:?}");
    assert!(r[0].starts_with("line 5: not valid JSON"), "{}", r[0]);
    assert_eq!(r[1], "line 6: an array is not a JSON object");
    assert_eq!(r[2], "line 7: facts is an object, expected text");
}

#[test]
fn a_json_array_file_is_refused_with_a_way_out() {
    let err = parse(br#"[{"channel_ticket_id":"J1"}]"#, Format::JsonLines).unwrap_err();
    assert!(matches!(err, ImportError::JsonArray { .. }), "{err:?}");
    assert!(err.to_string().contains("jq -c"), "{err}");
}

fn sample_xlsx() -> Vec<u8> {
    use rust_xlsxwriter::{ExcelDateTime, Format as Cell, Workbook};
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    let header = [
        "工单编号",
        "类型",
        "受理时间",
        "镇街",
        "被投诉人",
        "涉案金额",
        "购买日期",
        "联系电话",
        "事实与理由",
    ];
    for (col, name) in header.iter().enumerate() {
        sheet.write_string(0, col as u16, *name).unwrap();
    }
    let datetime = Cell::new().set_num_format("yyyy-mm-dd hh:mm");
    let day = Cell::new().set_num_format("yyyy/m/d");
    // Row 2: real date cells and a number amount.
    sheet.write_string(1, 0, "X-0001").unwrap();
    sheet.write_string(1, 1, "投诉").unwrap();
    sheet
        .write_datetime_with_format(
            1,
            2,
            ExcelDateTime::parse_from_str("2026-11-28 09:30:00").unwrap(),
            &datetime,
        )
        .unwrap();
    sheet.write_string(1, 3, "龙江").unwrap();
    sheet.write_string(1, 4, "佛山市顺德区某某家具有限公司").unwrap();
    sheet.write_number(1, 5, 2680.5).unwrap();
    sheet.write_datetime_with_format(1, 6, ExcelDateTime::from_ymd(2026, 11, 1).unwrap(), &day).unwrap();
    sheet.write_number(1, 7, 13800138000.0).unwrap();
    sheet.write_string(1, 8, "定制衣柜尺寸与合同不符。").unwrap();
    // Row 3 left blank; row 4: the time as text, the purchase date as a bare serial number.
    sheet.write_string(3, 0, "X-0002").unwrap();
    sheet.write_string(3, 2, "2026-11-28 10:15").unwrap();
    sheet.write_number(3, 6, 46327.0).unwrap();
    // Row 5: impossible.
    sheet.write_string(4, 0, "X-0003").unwrap();
    sheet.write_string(4, 1, "表扬").unwrap();
    sheet.write_string(4, 2, "2026-11-28 10:20").unwrap();
    let second = workbook.add_worksheet();
    second.write_string(0, 0, "不读第二张表").unwrap();
    workbook.save_to_buffer().unwrap()
}

#[test]
fn xlsx_cells_are_read_with_their_types_and_sheet_row_numbers() {
    let parsed = parse(&sample_xlsx(), Format::Xlsx).unwrap();
    assert_eq!(parsed.format, Format::Xlsx);
    assert_eq!(parsed.rows.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 4]);
    let t = &parsed.rows[0].ticket;
    assert_eq!(t.kind, Some(Kind::Complaint));
    assert_eq!(t.intake.received_at.map(|t| t.rfc3339()).as_deref(), Some("2026-11-28T09:30:00+08:00"));
    assert_eq!(t.intake.town.as_deref(), Some("龙江"));
    assert_eq!(t.dispute.amount, Some(Fen(268_050)));
    assert_eq!(t.dispute.purchase_date, Some(date(2026, 11, 1)));
    assert_eq!(t.complainant.phone.as_deref(), Some("13800138000"));
    assert_eq!(t.dispute.title, "定制衣柜尺寸与合同不符。");
    let t = &parsed.rows[1].ticket;
    assert_eq!(t.intake.received_at.map(|t| t.rfc3339()).as_deref(), Some("2026-11-28T10:15:00+08:00"));
    assert_eq!(t.dispute.purchase_date, Some(date(2026, 11, 1)));
    assert_eq!(reasons(&parsed).len(), 1);
    assert!(reasons(&parsed)[0].starts_with("line 5: unknown kind \"表扬\""), "{:?}", reasons(&parsed));
}

#[test]
fn a_truncated_xlsx_is_an_xlsx_error_naming_the_file() {
    let bytes = sample_xlsx();
    let half = &bytes[..bytes.len() / 2];
    let err = parse_bytes(half, Format::Xlsx, "12345", now(), "12345导出.xlsx").unwrap_err();
    assert!(matches!(err, ImportError::Xlsx { .. }), "{err:?}");
    assert!(err.to_string().contains("12345导出.xlsx"), "{err}");
}

#[test]
fn parse_file_takes_the_format_from_the_extension_then_the_content() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    let json = r#"{"channel_ticket_id":"F1","received_at":"2026-11-28 09:00"}"#;
    let cases = [
        (write("a.csv", sample_zh().as_bytes()), Format::Csv),
        (write("b.ndjson", json.as_bytes()), Format::JsonLines),
        (write("c.txt", format!("\n  {json}\n").as_bytes()), Format::JsonLines),
        (write("d", sample_zh().as_bytes()), Format::Csv),
        (write("e.xlsx", &sample_xlsx()), Format::Xlsx),
        (write("f.csv", &sample_xlsx()), Format::Xlsx),
    ];
    for (path, format) in cases {
        let parsed = parse_file(&path, "walkin", now()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(parsed.format, format, "{}", path.display());
        assert!(parsed.rows.iter().all(|r| r.ticket.intake.channel == "walkin"));
    }
    let missing = Path::new("/nonexistent/导出.csv");
    let err = parse_file(missing, "walkin", now()).unwrap_err();
    assert!(
        matches!(err, ImportError::Io { .. }) && err.to_string().contains("/nonexistent/导出.csv"),
        "{err}"
    );
}

#[test]
fn the_column_table_names_every_field_with_its_chinese_aliases() {
    let find = |name: &str| COLUMNS.iter().find(|c| c.0 == name).unwrap_or_else(|| panic!("{name}"));
    assert!(find("channel_ticket_id").1.contains(&"工单编号"));
    assert!(find("received_at").1.contains(&"受理时间"));
    assert!(find("facts").1.contains(&"事实与理由"));
    assert!(find("attachments").1.contains(&"附件"));
    assert!(COLUMNS.iter().all(|c| !c.2.is_empty()));
}
