//! The five native payload shapes, and how a generated ticket is written in each (see the module
//! docs of `sim` for the contract). Items are rendered once, at generation, to JSON text: a list
//! response is then the concatenation of stored texts, and a malformed item can carry bytes that
//! no `serde_json::Value` could hold (a lone surrogate escape).

use crate::domain::ticket::{Fen, NewTicket};
use crate::time::Timestamp;
use rand::Rng;
use rand::rngs::StdRng;
use serde_json::{Map, Value, json};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// 12345-style hotline platforms: pinyin abbreviations, page numbers, bearer token.
    Pinyin,
    /// 12315-style national platforms: nested English objects, epoch ms, cursor, signature.
    Nested,
    /// WeChat-style message feeds: flat English keys, RFC 3339, since + after_id, bearer token.
    Since,
    /// Mailbox systems: Chinese keys, `2026/11/28 10:00`, token paging, signature.
    Mail,
    /// Government gateways: camelCase keys, `2026/11/28 09:30:00`, page numbers with a total,
    /// an `X-Api-Key` header, and every answer (errors too) in HTTP 200 with a result code.
    Gateway,
}

impl Shape {
    pub fn of(channel: &str) -> Option<Shape> {
        match channel {
            "12345" | "8180" | "mayor" => Some(Shape::Pinyin),
            "rmw" => Some(Shape::Gateway),
            "12315" | "12315-odr" | "upper" | "dept" | "council" => Some(Shape::Nested),
            "wechat" | "miniapp" | "station" => Some(Shape::Since),
            "email" | "media" => Some(Shape::Mail),
            _ => None,
        }
    }

    /// Whether requests carry an app key and signature (else a bearer token).
    pub fn signed(self) -> bool {
        matches!(self, Shape::Nested | Shape::Mail)
    }

    fn keys(self) -> Keys {
        match self {
            Shape::Pinyin => Keys { id: "gdbh", received: "slsj", amount: "je", title: "bt" },
            Shape::Nested => Keys { id: "id", received: "received_at", amount: "amount", title: "subject" },
            Shape::Since => Keys { id: "msg_id", received: "received_at", amount: "amount", title: "title" },
            Shape::Mail => {
                Keys { id: "信件编号", received: "来信时间", amount: "金额", title: "标题" }
            }
            Shape::Gateway => {
                Keys { id: "orderNo", received: "acceptTime", amount: "involvedAmount", title: "subject" }
            }
        }
    }

    /// The body field a write-back must carry (400 without it): the result text.
    pub fn writeback_required(self) -> &'static str {
        match self {
            Shape::Pinyin => "bljg",
            Shape::Nested => "result",
            Shape::Since => "text",
            Shape::Mail => "办理结果",
            Shape::Gateway => "handleResult",
        }
    }

    /// Whether refusals are answered in HTTP 200 with a result code.
    pub fn coded(self) -> bool {
        self == Shape::Gateway
    }
}

/// The keys a malformation touches.
struct Keys {
    id: &'static str,
    received: &'static str,
    amount: &'static str,
    title: &'static str,
}

/// How a malformed item is broken (chosen at generation; recorded in the ledger).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Malformed {
    /// The amount is an object, or the id an array of numbers.
    WrongType,
    /// The id or the receipt time is missing.
    MissingField,
    /// The title carries a lone surrogate escape (`\udc80`): valid JSON syntax, invalid text.
    BadText,
    /// The title is 100 KB long.
    Oversized,
}

impl Malformed {
    pub const ALL: [Malformed; 4] =
        [Malformed::WrongType, Malformed::MissingField, Malformed::BadText, Malformed::Oversized];

    pub fn code(self) -> &'static str {
        match self {
            Malformed::WrongType => "wrong_type",
            Malformed::MissingField => "missing_field",
            Malformed::BadText => "bad_text",
            Malformed::Oversized => "oversized",
        }
    }
}

/// Replaced, after serialisation, by the escape serde_json refuses to write.
const BAD_TEXT_MARK: &str = "\u{1}SIM-LONE-SURROGATE\u{1}";
const LONE_SURROGATE: &str = "\\udc80";
const OVERSIZED_BYTES: usize = 100 * 1024;

/// One ticket as `shape` serves it, as JSON text.
pub fn render(
    shape: Shape,
    t: &NewTicket,
    received: Timestamp,
    broken: Option<(Malformed, &mut StdRng)>,
) -> String {
    let mut item = match shape {
        Shape::Pinyin => pinyin(t, received),
        Shape::Nested => nested(t, received),
        Shape::Since => since(t, received),
        Shape::Mail => mail(t, received),
        Shape::Gateway => gateway(t, received),
    };
    let keys = shape.keys();
    let mut bad_text = false;
    if let Some((how, rng)) = broken {
        match how {
            Malformed::WrongType => {
                if rng.random_bool(0.5) {
                    item.insert(keys.amount.into(), json!({}));
                } else {
                    item.insert(keys.id.into(), json!([1, 2, 3]));
                }
            }
            Malformed::MissingField => {
                let key = if rng.random_bool(0.5) { keys.id } else { keys.received };
                item.remove(key);
            }
            Malformed::BadText => {
                let title = format!("{}{BAD_TEXT_MARK}", t.dispute.title);
                item.insert(keys.title.into(), Value::String(title));
                bad_text = true;
            }
            Malformed::Oversized => {
                let unit = if t.dispute.title.is_empty() { "超长标题" } else { t.dispute.title.as_str() };
                let title = unit.repeat(OVERSIZED_BYTES / unit.len() + 1);
                item.insert(keys.title.into(), Value::String(title));
            }
        }
    }
    let text = Value::Object(item).to_string();
    if bad_text {
        // serde_json escapes the control characters of the mark as \u0001.
        let mark = Value::String(BAD_TEXT_MARK.into()).to_string();
        let mark = &mark[1..mark.len() - 1];
        text.replace(mark, LONE_SURROGATE)
    } else {
        text
    }
}

/// Absent text as the pinyin and mail systems write it: an empty string.
fn text(v: &Option<String>) -> Value {
    Value::String(v.clone().unwrap_or_default())
}

/// Absent text as the English-keyed systems write it: null.
fn opt(v: &Option<String>) -> Value {
    v.clone().map(Value::String).unwrap_or(Value::Null)
}

fn yuan_text(v: Option<Fen>) -> Option<String> {
    v.map(Fen::yuan_text)
}

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn pinyin(t: &NewTicket, received: Timestamp) -> Map<String, Value> {
    object(json!({
        "gdbh": t.intake.channel_ticket_id,
        "sllx": t.kind.map(|k| k.zh()).unwrap_or(""),
        "slsj": received.china().format("%Y-%m-%d %H:%M:%S").to_string(),
        "zj": text(&t.intake.town),
        "tsrxm": text(&t.complainant.name),
        "tsrdh": text(&t.complainant.phone),
        "tsrdz": text(&t.complainant.address),
        "btsrmc": text(&t.respondent.name),
        "tyshxydm": text(&t.respondent.credit_code),
        "btsrdz": text(&t.respondent.address),
        "bt": t.dispute.title,
        "sq": text(&t.dispute.request),
        "nr": text(&t.dispute.facts),
        "je": yuan_text(t.dispute.amount).unwrap_or_default(),
        "splb": text(&t.dispute.category),
        "wtlx": text(&t.dispute.dispute_type),
    }))
}

fn nested(t: &NewTicket, received: Timestamp) -> Map<String, Value> {
    object(json!({
        "id": t.intake.channel_ticket_id,
        "type": t.kind.map(|k| k.code()),
        "received_at": received.millis(),
        "consumer": {
            "name": opt(&t.complainant.name),
            "mobile": opt(&t.complainant.phone),
            "address": opt(&t.complainant.address),
        },
        "business": {
            "name": opt(&t.respondent.name),
            "uscc": opt(&t.respondent.credit_code),
            "address": opt(&t.respondent.address),
        },
        "subject": t.dispute.title,
        "appeal": opt(&t.dispute.request),
        "description": opt(&t.dispute.facts),
        // Fen to yuan: exact in an f64 for any amount a consumer dispute carries.
        "amount": t.dispute.amount.map(|f| f.0 as f64 / 100.0),
        "region": { "town": opt(&t.intake.town) },
        "category": opt(&t.dispute.category),
        "issue": opt(&t.dispute.dispute_type),
    }))
}

fn since(t: &NewTicket, received: Timestamp) -> Map<String, Value> {
    object(json!({
        "msg_id": t.intake.channel_ticket_id,
        "kind": t.kind.map(|k| k.code()),
        "received_at": received.rfc3339(),
        "town": opt(&t.intake.town),
        "name": opt(&t.complainant.name),
        "phone": opt(&t.complainant.phone),
        "address": opt(&t.complainant.address),
        "merchant": opt(&t.respondent.name),
        "merchant_code": opt(&t.respondent.credit_code),
        "merchant_address": opt(&t.respondent.address),
        "title": t.dispute.title,
        "request": opt(&t.dispute.request),
        "content": opt(&t.dispute.facts),
        "amount": yuan_text(t.dispute.amount),
        "category": opt(&t.dispute.category),
        "problem": opt(&t.dispute.dispute_type),
    }))
}

fn mail(t: &NewTicket, received: Timestamp) -> Map<String, Value> {
    object(json!({
        "信件编号": t.intake.channel_ticket_id,
        "类型": t.kind.map(|k| k.zh()).unwrap_or(""),
        "来信时间": received.china().format("%Y/%m/%d %H:%M").to_string(),
        "镇街": text(&t.intake.town),
        "姓名": text(&t.complainant.name),
        "电话": text(&t.complainant.phone),
        "地址": text(&t.complainant.address),
        "被反映单位": text(&t.respondent.name),
        "信用代码": text(&t.respondent.credit_code),
        "单位地址": text(&t.respondent.address),
        "标题": t.dispute.title,
        "诉求": text(&t.dispute.request),
        "内容": text(&t.dispute.facts),
        "金额": yuan_text(t.dispute.amount).unwrap_or_default(),
        "类别": text(&t.dispute.category),
        "问题类型": text(&t.dispute.dispute_type),
    }))
}

/// The gateway's time format, in and out.
pub const GATEWAY_TIME: &str = "%Y/%m/%d %H:%M:%S";

fn gateway(t: &NewTicket, received: Timestamp) -> Map<String, Value> {
    object(json!({
        "orderNo": t.intake.channel_ticket_id,
        "orderType": t.kind.map(|k| k.zh()).unwrap_or(""),
        "acceptTime": received.china().format(GATEWAY_TIME).to_string(),
        "street": text(&t.intake.town),
        "contactName": text(&t.complainant.name),
        "contactPhone": text(&t.complainant.phone),
        "contactAddr": text(&t.complainant.address),
        "targetName": text(&t.respondent.name),
        "targetCreditCode": text(&t.respondent.credit_code),
        "targetAddr": text(&t.respondent.address),
        "subject": t.dispute.title,
        "demand": text(&t.dispute.request),
        "content": text(&t.dispute.facts),
        "involvedAmount": yuan_text(t.dispute.amount).unwrap_or_default(),
        "categoryName": text(&t.dispute.category),
        "problemType": text(&t.dispute.dispute_type),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ticket::Kind;
    use rand::SeedableRng;

    fn ticket() -> NewTicket {
        let mut t = NewTicket { kind: Some(Kind::Complaint), ..NewTicket::default() };
        t.intake.channel_ticket_id = "SD2026112800001".into();
        t.dispute.title = "空调不制冷要求退货".into();
        t.dispute.amount = Some(Fen(329_900));
        t
    }

    fn at() -> Timestamp {
        Timestamp::parse("2026-11-28T10:00:00+08:00").unwrap()
    }

    #[test]
    fn each_shape_writes_time_and_amount_its_own_way() {
        let t = ticket();
        let p: Value = serde_json::from_str(&render(Shape::Pinyin, &t, at(), None)).unwrap();
        assert_eq!(
            (p["slsj"].as_str(), p["je"].as_str(), p["sllx"].as_str()),
            (Some("2026-11-28 10:00:00"), Some("3299.00"), Some("投诉"))
        );
        let n: Value = serde_json::from_str(&render(Shape::Nested, &t, at(), None)).unwrap();
        assert_eq!(n["received_at"].as_i64(), Some(at().millis()));
        assert_eq!(n["amount"].as_f64(), Some(3299.0));
        let s: Value = serde_json::from_str(&render(Shape::Since, &t, at(), None)).unwrap();
        assert_eq!(s["received_at"].as_str(), Some("2026-11-28T10:00:00+08:00"));
        let m: Value = serde_json::from_str(&render(Shape::Mail, &t, at(), None)).unwrap();
        assert_eq!(m["来信时间"].as_str(), Some("2026/11/28 10:00"));
        let g: Value = serde_json::from_str(&render(Shape::Gateway, &t, at(), None)).unwrap();
        assert_eq!(
            (g["acceptTime"].as_str(), g["involvedAmount"].as_str(), g["orderType"].as_str()),
            (Some("2026/11/28 10:00:00"), Some("3299.00"), Some("投诉"))
        );
    }

    #[test]
    fn bad_text_is_a_lone_surrogate_that_serde_json_refuses() {
        let mut rng = StdRng::seed_from_u64(1);
        let text = render(Shape::Since, &ticket(), at(), Some((Malformed::BadText, &mut rng)));
        assert!(text.contains("\\udc80"), "{text}");
        assert!(serde_json::from_str::<Value>(&text).is_err());
        let text = render(Shape::Mail, &ticket(), at(), Some((Malformed::Oversized, &mut rng)));
        assert!(text.len() > 100 * 1024);
    }
}
