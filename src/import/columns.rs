//! The columns an import file may carry and how a header cell is matched to one.

use super::{ImportError, ReadOptions};
use std::path::Path;
use std::sync::OnceLock;

/// Every field an import file may carry: its snake_case name, the Chinese headers seen in channel
/// exports, and what it holds (shown by `rightsdesk import --help`).
///
/// The order is that of [`Field`]; a unit test keeps the two in step.
pub const COLUMNS: &[(&str, &[&str], &str)] = &[
    (
        "channel_ticket_id",
        &["工单编号", "来源工单号", "编号", "工单号"],
        "the ticket's id in its channel (required)",
    ),
    (
        "order_no",
        &["原始单号", "来源单号", "订单号"],
        "the channel's own order number, when it differs from the id",
    ),
    ("kind", &["类型", "工单类型", "诉求类型"], "complaint/report/enquiry/suggestion or 投诉/举报/咨询/建议"),
    (
        "received_at",
        &["受理时间", "登记时间", "来件时间", "接收时间", "收到时间"],
        "when the bureau received it (required): 2026-11-28 09:30, 2026/11/28 09:30 or RFC 3339; China time",
    ),
    ("caller_number", &["来电号码"], "the number the call came from"),
    ("region_code", &["行政区划代码", "区划代码"], "GB/T 2260 region code, six digits (Shunde: 440606)"),
    ("town", &["镇街", "所属镇街", "镇街道"], "town or street (镇街), e.g. 大良 or 大良街道"),
    (
        "business_district",
        &["商圈", "所属商圈"],
        "business district (商圈): the mall, market or street, e.g. 大良中心商圈 (default: from the stations' venues)",
    ),
    ("complainant_name", &["投诉人", "投诉人姓名", "举报人", "姓名", "诉求人"], "the complainant's name"),
    ("complainant_phone", &["联系电话", "投诉人电话", "手机号码", "电话"], "the complainant's phone"),
    ("complainant_address", &["投诉人地址", "联系地址"], "the complainant's address"),
    ("id_verified", &["身份已核验"], "identity checked: true/false/1/0/是/否/y/n"),
    ("proxy", &["代理投诉"], "complaining on someone's behalf: true/false/1/0/是/否/y/n"),
    (
        "respondent_name",
        &["被投诉人", "被投诉单位", "被举报人", "经营者名称", "商家名称"],
        "the merchant complained about",
    ),
    ("credit_code", &["统一社会信用代码", "信用代码"], "the merchant's 统一社会信用代码 (18 characters)"),
    ("respondent_address", &["被投诉人地址", "经营地址", "被投诉方地址"], "the merchant's address"),
    ("premises", &["经营场所"], "the shop or stall (经营场所)"),
    ("platform", &["网络平台", "平台店铺"], "online platform and store, for e-commerce disputes"),
    ("odr", &["ODR企业"], "the merchant is an ODR enterprise: true/false/1/0/是/否/y/n"),
    (
        "title",
        &["标题", "主题", "诉求标题"],
        "a short title, at most 200 characters (default: the start of the facts)",
    ),
    ("request", &["诉求", "投诉请求", "诉求内容"], "what the consumer asks for"),
    ("facts", &["事实与理由", "投诉内容", "问题描述", "内容", "详情"], "what happened"),
    ("purchase_date", &["购买日期", "消费日期"], "date of purchase, e.g. 2026-11-01"),
    (
        "harm_known_date",
        &["知道权益受损日期", "知道受损日期"],
        "date the consumer knew of the harm (3-year rule)",
    ),
    ("amount", &["涉案金额", "金额"], "amount in yuan, e.g. 1299.50"),
    ("category", &["商品服务类别", "类别", "行业"], "goods or service class, e.g. 家用电器, 预付式消费"),
    ("dispute_type", &["问题类型", "争议类型"], "dispute type, e.g. 质量, 售后服务"),
    ("gb_code", &["分类编码"], "GB/T 42499-2023 nine-digit code"),
    ("attachments", &["附件"], "URIs separated by ; or ；"),
    ("channel", &["渠道", "来源渠道", "受理渠道"], "if present, must equal the --channel of the import"),
];

/// The columns an import may carry, one a line with their Chinese headers and what they hold:
/// the help of `rightsdesk import`, which messages about columns point to.
pub fn columns_help() -> String {
    let mut out = String::from("Columns (field name, then the Chinese headers accepted for it):\n");
    for (name, aliases, what) in COLUMNS {
        out.push_str(&format!("  {name} ({}): {what}\n", aliases.join(", ")));
    }
    out
}

/// A known column; `field as usize` indexes [`COLUMNS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Field {
    ChannelTicketId,
    OrderNo,
    Kind,
    ReceivedAt,
    CallerNumber,
    RegionCode,
    Town,
    BusinessDistrict,
    ComplainantName,
    ComplainantPhone,
    ComplainantAddress,
    IdVerified,
    Proxy,
    RespondentName,
    CreditCode,
    RespondentAddress,
    Premises,
    Platform,
    Odr,
    Title,
    Request,
    Facts,
    PurchaseDate,
    HarmKnownDate,
    Amount,
    Category,
    DisputeType,
    GbCode,
    Attachments,
    Channel,
}

pub(crate) const FIELD_COUNT: usize = 30;

impl Field {
    pub(crate) const ALL: [Field; FIELD_COUNT] = [
        Field::ChannelTicketId,
        Field::OrderNo,
        Field::Kind,
        Field::ReceivedAt,
        Field::CallerNumber,
        Field::RegionCode,
        Field::Town,
        Field::BusinessDistrict,
        Field::ComplainantName,
        Field::ComplainantPhone,
        Field::ComplainantAddress,
        Field::IdVerified,
        Field::Proxy,
        Field::RespondentName,
        Field::CreditCode,
        Field::RespondentAddress,
        Field::Premises,
        Field::Platform,
        Field::Odr,
        Field::Title,
        Field::Request,
        Field::Facts,
        Field::PurchaseDate,
        Field::HarmKnownDate,
        Field::Amount,
        Field::Category,
        Field::DisputeType,
        Field::GbCode,
        Field::Attachments,
        Field::Channel,
    ];

    pub(crate) fn name(self) -> &'static str {
        COLUMNS[self as usize].0
    }

    pub(crate) fn aliases(self) -> &'static [&'static str] {
        COLUMNS[self as usize].1
    }

    /// Fields whose XLSX cells may be real dates or Excel serial numbers.
    pub(crate) fn is_time(self) -> bool {
        matches!(self, Field::ReceivedAt | Field::PurchaseDate | Field::HarmKnownDate)
    }

    pub(crate) fn is_bool(self) -> bool {
        matches!(self, Field::IdVerified | Field::Proxy | Field::Odr)
    }

    /// The longest text accepted, in characters: a title is shown in one list row, everything
    /// else only has to stay a sane size for the store and the screen.
    pub(crate) fn max_chars(self) -> usize {
        match self {
            Field::Title => crate::domain::limits::TITLE,
            _ => crate::domain::limits::INTAKE_FIELD,
        }
    }

    /// Matches a header cell (or a JSON key) to a field: case, spaces, `_` and `-` do not matter,
    /// nor a template's `*` required-marker or a trailing unit such as `（元）`.
    pub(crate) fn from_header(header: &str) -> Option<Field> {
        let key = normalise(header);
        if key.is_empty() {
            return None;
        }
        if let Some(f) = lookup(&key) {
            return Some(f);
        }
        let bare = strip_trailing_parenthetical(&key);
        if bare != key && !bare.is_empty() { lookup(bare) } else { None }
    }
}

/// What a header row says: the field of each column (`None` for an ignored one) and the names
/// of the ignored columns, each once.
pub(crate) struct Header {
    pub fields: Vec<Option<Field>>,
    pub ignored: Vec<String>,
    pub columns: Vec<(String, Option<&'static str>)>,
}

/// What a reader tells about the columns of its file.
pub(crate) struct ReadColumns {
    pub columns: Vec<(String, Option<&'static str>)>,
    pub ignored: Vec<String>,
}

impl Header {
    /// Refuses a header that cannot describe tickets: blank, with no known column, with a
    /// field twice (which value would be meant is a guess), or without an id or receipt time;
    /// and a mapping of a column the file does not have (a typo would leave a field empty).
    pub(crate) fn read(cells: &[String], path: &Path, options: &ReadOptions) -> Result<Header, ImportError> {
        let names: Vec<&str> = cells.iter().map(|c| c.trim().trim_start_matches('\u{feff}').trim()).collect();
        if names.iter().all(|n| n.is_empty()) {
            return Err(ImportError::NoHeader { path: path.to_path_buf() });
        }
        if let Some(missing) = options.mapped_headers().find(|h| !names.contains(h)) {
            return Err(ImportError::MappedColumnMissing {
                path: path.to_path_buf(),
                header: missing.to_owned(),
                found: names.iter().filter(|n| !n.is_empty()).map(|n| (*n).to_owned()).collect(),
            });
        }
        let mut fields = Vec::with_capacity(names.len());
        let mut ignored: Vec<String> = Vec::new();
        let mut first_column_of: Vec<Option<&str>> = vec![None; FIELD_COUNT];
        for name in &names {
            let field = options.field_of(name);
            match field {
                Some(f) => {
                    if let Some(first) = first_column_of[f as usize] {
                        return Err(ImportError::DuplicateColumn {
                            path: path.to_path_buf(),
                            field: f.name(),
                            first: first.to_owned(),
                            second: (*name).to_owned(),
                        });
                    }
                    first_column_of[f as usize] = Some(name);
                }
                None if !name.is_empty() && !ignored.iter().any(|i| i == name) => {
                    ignored.push((*name).to_owned())
                }
                None => {}
            }
            fields.push(field);
        }
        if fields.iter().all(Option::is_none) {
            let found = names.iter().filter(|n| !n.is_empty()).take(8).map(|n| (*n).to_owned()).collect();
            return Err(ImportError::UnknownColumns { path: path.to_path_buf(), found });
        }
        for required in [Field::ChannelTicketId, Field::ReceivedAt] {
            if first_column_of[required as usize].is_none() {
                return Err(missing_column(required, path));
            }
        }
        let columns = names.iter().zip(&fields).map(|(n, f)| ((*n).to_owned(), f.map(Field::name))).collect();
        Ok(Header { fields, ignored, columns })
    }

    pub(crate) fn into_read(self) -> ReadColumns {
        ReadColumns { columns: self.columns, ignored: self.ignored }
    }
}

pub(crate) fn missing_column(field: Field, path: &Path) -> ImportError {
    let mut accepted = vec![field.name()];
    accepted.extend_from_slice(field.aliases());
    ImportError::MissingColumn { path: path.to_path_buf(), column: field.name(), accepted }
}

fn lookup(key: &str) -> Option<Field> {
    // JSON lines repeat their keys on every line: normalise the table once, not per key.
    static KEYS: OnceLock<Vec<(String, Field)>> = OnceLock::new();
    let keys = KEYS.get_or_init(|| {
        Field::ALL
            .into_iter()
            .flat_map(|f| {
                std::iter::once(f.name()).chain(f.aliases().iter().copied()).map(move |n| (normalise(n), f))
            })
            .collect()
    });
    keys.iter().find(|(k, _)| k == key).map(|(_, f)| *f)
}

/// A banner row above the header, as government spreadsheets carry (`顺德区投诉工单明细表` in a
/// merged first row): one non-blank cell that is not a column name.
pub(crate) fn is_banner<'a>(cells: impl IntoIterator<Item = &'a str>) -> bool {
    let mut filled = cells.into_iter().map(str::trim).filter(|c| !c.is_empty());
    match (filled.next(), filled.next()) {
        (Some(only), None) => Field::from_header(only).is_none(),
        _ => false,
    }
}

fn normalise(text: &str) -> String {
    text.trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '_' | '-' | '*'))
        .flat_map(char::to_lowercase)
        .collect()
}

fn strip_trailing_parenthetical(key: &str) -> &str {
    for (open, close) in [('(', ')'), ('（', '）')] {
        if key.ends_with(close)
            && let Some(at) = key.rfind(open)
        {
            return &key[..at];
        }
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_order_follows_the_columns_table() {
        assert_eq!(COLUMNS.len(), FIELD_COUNT);
        for (i, f) in Field::ALL.into_iter().enumerate() {
            assert_eq!(f as usize, i, "{f:?}");
        }
        assert_eq!(Field::ReceivedAt.name(), "received_at");
        assert_eq!(Field::Channel.name(), "channel");
        assert_eq!(Field::Attachments.name(), "attachments");
    }

    #[test]
    fn headers_match_whatever_their_case_spacing_or_unit() {
        assert_eq!(Field::from_header("Channel Ticket ID"), Some(Field::ChannelTicketId));
        assert_eq!(Field::from_header(" 受理时间 "), Some(Field::ReceivedAt));
        assert_eq!(Field::from_header("*工单编号"), Some(Field::ChannelTicketId));
        assert_eq!(Field::from_header("涉案金额（元）"), Some(Field::Amount));
        assert_eq!(Field::from_header("odr企业"), Some(Field::Odr));
        assert_eq!(Field::from_header("备注"), None);
        assert_eq!(Field::from_header(""), None);
    }

    #[test]
    fn a_lone_title_cell_is_a_banner_but_a_lone_column_name_is_not() {
        assert!(is_banner(["顺德区投诉工单明细表", "", " "]));
        assert!(!is_banner(["工单编号", "", ""]));
        assert!(!is_banner(["工单编号", "受理时间"]));
        assert!(!is_banner(["", ""]));
    }
}
