//! From the text of one row to a [`NewTicket`], or the reasons it cannot be one.

use super::columns::{FIELD_COUNT, Field};
use super::{ImportRow, RowError};
use crate::domain::ticket::{Attachment, Complainant, Dispute, Fen, Intake, Kind, NewTicket, Respondent};
use crate::time::Timestamp;
use chrono::{NaiveDate, NaiveDateTime};
use std::collections::HashMap;

/// One row as read by a format reader: the trimmed text of each known field (`None` when absent
/// or blank) and any problem the reader already found (a JSON object where text was expected).
pub(crate) struct RawRow {
    pub line: usize,
    values: [Option<String>; FIELD_COUNT],
    problems: Vec<String>,
}

impl RawRow {
    pub fn new(line: usize) -> Self {
        RawRow { line, values: std::array::from_fn(|_| None), problems: Vec::new() }
    }

    /// Sets a field; blank text counts as absent. Line breaks are normalised to `\n` so a facts
    /// field typed on Windows reads the same as one typed anywhere else.
    pub fn set(&mut self, field: Field, text: &str) {
        let text = unwrap_excel_text(text.trim());
        if text.is_empty() {
            return;
        }
        let text = if text.contains('\r') {
            text.replace("\r\n", "\n").replace('\r', "\n")
        } else {
            text.to_owned()
        };
        self.values[field as usize] = Some(text);
    }

    pub fn problem(&mut self, reason: String) {
        self.problems.push(reason);
    }

    pub(crate) fn get(&self, field: Field) -> Option<&str> {
        self.values[field as usize].as_deref()
    }
}

/// Excel users write `="0757-22223333"` to keep a phone's leading zero; the value is what is
/// inside the quotes.
fn unwrap_excel_text(text: &str) -> &str {
    match text.strip_prefix("=\"").and_then(|t| t.strip_suffix('"')) {
        Some(inner) if !inner.contains('"') => inner.trim(),
        _ => text,
    }
}

/// What a source says beyond its columns (an import profile, INTERFACES.md "Import"): a date
/// format its times are written in, its own words for the kinds, and the town of rows that
/// name none. The default reads every source the same way.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RowRules {
    /// A chrono format (`%Y年%m月%d日 %H时%M分`, `%d/%m/%Y`) tried before the usual spellings.
    pub date_format: Option<String>,
    /// The source's word for a kind (`来访投诉`) and the kind it means.
    pub kinds: Vec<(String, Kind)>,
    /// The town of a row that has none.
    pub default_town: Option<String>,
}

/// Where a built row goes: kept for the caller, or handed on one at a time so that a file of a
/// million rows is never held whole.
type Emit<'a> = Box<dyn FnMut(Result<ImportRow, RowError>) + 'a>;

/// Turns raw rows into tickets, remembering ids already seen in this file.
pub(crate) struct Builder<'a> {
    channel: String,
    now: Timestamp,
    rules: RowRules,
    /// The ids seen so far, as 128-bit hashes: a million ids as strings would cost 100 MB.
    first_line_of_id: HashMap<(u64, u64), usize>,
    rows: Vec<ImportRow>,
    rejected: Vec<RowError>,
    emit: Option<Emit<'a>>,
}

impl<'a> Builder<'a> {
    pub fn new(channel: &str, now: Timestamp) -> Self {
        Builder {
            channel: channel.to_owned(),
            now,
            rules: RowRules::default(),
            first_line_of_id: HashMap::new(),
            rows: Vec::new(),
            rejected: Vec::new(),
            emit: None,
        }
    }

    /// A builder that hands each row to `emit` as it is built instead of keeping it.
    pub fn streaming(
        channel: &str,
        now: Timestamp,
        rules: RowRules,
        emit: impl FnMut(Result<ImportRow, RowError>) + 'a,
    ) -> Self {
        Builder { rules, emit: Some(Box::new(emit)), ..Builder::new(channel, now) }
    }

    /// A row the reader could not even split into fields.
    pub fn reject(&mut self, line: usize, reason: String) {
        self.give(Err(RowError { line, reason }));
    }

    pub fn push(&mut self, raw: RawRow) {
        let line = raw.line;
        let built = self.build(raw);
        self.give(match built {
            Ok(ticket) => Ok(ImportRow { line, ticket }),
            // Every problem of the row at once, so one round of fixing is enough.
            Err(problems) => Err(RowError { line, reason: problems.join("; ") }),
        });
    }

    pub fn finish(self) -> (Vec<ImportRow>, Vec<RowError>) {
        (self.rows, self.rejected)
    }

    fn give(&mut self, row: Result<ImportRow, RowError>) {
        match (&mut self.emit, row) {
            (Some(emit), row) => emit(row),
            (None, Ok(row)) => self.rows.push(row),
            (None, Err(e)) => self.rejected.push(e),
        }
    }

    fn build(&mut self, mut raw: RawRow) -> Result<NewTicket, Vec<String>> {
        let mut repeat = None;
        if let Some(id) = raw.get(Field::ChannelTicketId) {
            let key = id_hash(id);
            match self.first_line_of_id.get(&key) {
                Some(first) => repeat = Some(format!("channel_ticket_id {} repeats line {first}", cut(id))),
                None => {
                    self.first_line_of_id.insert(key, raw.line);
                }
            }
        }
        self.rules.apply(&mut raw);
        let reader_problems = raw.problems.len();
        let checked = check_row(&raw, &self.channel, self.now, self.rules.date_format.as_deref(), true);
        match (checked, repeat) {
            (Ok(ticket), None) => Ok(ticket),
            (Ok(_), Some(repeat)) => Err(vec![repeat]),
            (Err(mut problems), Some(repeat)) => {
                // The reader's problems, then the id's, then the other fields'.
                problems.insert(reader_problems.min(problems.len()), repeat);
                Err(problems)
            }
            (Err(problems), None) => Err(problems),
        }
    }
}

impl RowRules {
    /// The source's words made ours: its kind vocabulary and its default town.
    fn apply(&self, raw: &mut RawRow) {
        if let Some(text) = raw.get(Field::Kind)
            && let Some((_, kind)) = self.kinds.iter().find(|(word, _)| word == text)
        {
            let code = kind.code();
            raw.set(Field::Kind, code);
        }
        if raw.get(Field::Town).is_none()
            && let Some(town) = &self.default_town
        {
            let town = town.clone();
            raw.set(Field::Town, &town);
        }
    }
}

fn id_hash(id: &str) -> (u64, u64) {
    use std::hash::{Hash, Hasher};
    let mut first = std::collections::hash_map::DefaultHasher::new();
    id.hash(&mut first);
    let mut second = std::collections::hash_map::DefaultHasher::new();
    (0x5eed_u16, id).hash(&mut second);
    (first.finish(), second.finish())
}

/// The one check of a ticket's fields, whatever brought them: a row of a file, a channel's
/// item, the `ticket register` command or the console's intake form (through
/// [`super::intake::validate_intake`]). `id_required` is false for a ticket typed in by hand,
/// which the engine numbers when it has no number.
pub(crate) fn check_row(
    raw: &RawRow,
    channel: &str,
    now: Timestamp,
    date_format: Option<&str>,
    id_required: bool,
) -> Result<NewTicket, Vec<String>> {
    let mut problems = raw.problems.clone();
    let mut check = Check { raw, problems: &mut problems, date_format };

    let id = check.text(Field::ChannelTicketId);
    if id.is_none() && id_required {
        check.problems.push("no channel_ticket_id".into());
    }
    if let Some(given) = raw.get(Field::Channel)
        && !given.eq_ignore_ascii_case(channel)
    {
        check.problems.push(format!(
            "the channel column says {} but the file is imported for channel {}",
            shown(given),
            channel
        ));
    }
    let received_at = check.received_at(now);
    let kind = check.kind();

    let ticket = NewTicket {
        kind,
        intake: Intake {
            channel: channel.to_owned(),
            channel_ticket_id: id.unwrap_or_default(),
            order_no: check.text(Field::OrderNo),
            received_at,
            caller_number: check.text(Field::CallerNumber),
            region_code: check.text(Field::RegionCode),
            town: check.text(Field::Town),
            business_district: check.text(Field::BusinessDistrict),
        },
        complainant: Complainant {
            name: check.text(Field::ComplainantName),
            phone: check.text(Field::ComplainantPhone),
            address: check.text(Field::ComplainantAddress),
            id_verified: check.boolean(Field::IdVerified),
            proxy: check.boolean(Field::Proxy),
        },
        respondent: Respondent {
            name: check.text(Field::RespondentName),
            credit_code: check.text(Field::CreditCode),
            address: check.text(Field::RespondentAddress),
            premises: check.text(Field::Premises),
            platform: check.text(Field::Platform),
            odr: check.boolean(Field::Odr),
        },
        dispute: Dispute {
            title: String::new(),
            request: check.text(Field::Request),
            facts: check.text(Field::Facts),
            purchase_date: check.date(Field::PurchaseDate),
            harm_known_date: check.date(Field::HarmKnownDate),
            amount: check.amount(),
            category: check.text(Field::Category),
            dispute_type: check.text(Field::DisputeType),
            gb_code: check.text(Field::GbCode),
        },
        attachments: check.attachments(),
    };
    let title = check.text(Field::Title);
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut ticket = ticket;
    ticket.dispute.title = title.unwrap_or_else(|| default_title(&ticket.dispute));
    Ok(ticket)
}

/// 2000-01-01 00:00 China time: nothing the bureau handles is older, so an earlier time is a
/// typo or a spreadsheet's zero date (1900-01-00).
const EARLIEST_RECEIVED_MS: i64 = 946_656_000_000;

/// Reads typed values out of a row, noting each problem instead of stopping at the first.
struct Check<'a> {
    raw: &'a RawRow,
    problems: &'a mut Vec<String>,
    date_format: Option<&'a str>,
}

impl Check<'_> {
    fn text(&mut self, field: Field) -> Option<String> {
        let text = self.raw.get(field)?;
        let len = text.chars().count();
        if len > field.max_chars() {
            self.problems.push(format!(
                "{} is {len} characters long (at most {})",
                field.name(),
                field.max_chars()
            ));
            return None;
        }
        Some(text.to_owned())
    }

    fn received_at(&mut self, now: Timestamp) -> Option<Timestamp> {
        let Some(text) = self.raw.get(Field::ReceivedAt) else {
            self.problems.push("no received_at".into());
            return None;
        };
        let Some(at) = parse_time_as(text, self.date_format) else {
            self.problems.push(format!(
                "received_at {} is not a time (write e.g. 2026-11-28 09:30, China time)",
                shown(text)
            ));
            return None;
        };
        let earliest = Timestamp::from_millis(EARLIEST_RECEIVED_MS);
        let latest = now.plus_seconds(24 * 3600);
        if at < earliest {
            self.problems.push(format!("received_at {} is before 2000-01-01", shown(text)));
            return None;
        }
        if at > latest {
            self.problems.push(format!("received_at {} is more than a day after now ({now})", shown(text)));
            return None;
        }
        Some(at)
    }

    fn kind(&mut self) -> Option<Kind> {
        let text = self.raw.get(Field::Kind)?;
        let kind = Kind::parse(text);
        if kind.is_none() {
            self.problems.push(format!(
                "unknown kind {} (expected complaint, report, enquiry, suggestion or 投诉, 举报, 咨询, 建议)",
                shown(text)
            ));
        }
        kind
    }

    fn boolean(&mut self, field: Field) -> bool {
        let Some(text) = self.raw.get(field) else { return false };
        match text.to_lowercase().as_str() {
            "true" | "1" | "是" | "y" | "yes" => true,
            "false" | "0" | "否" | "n" | "no" => false,
            _ => {
                self.problems.push(format!(
                    "{} {} is not a yes/no value (true/false, 1/0, 是/否, y/n)",
                    field.name(),
                    shown(text)
                ));
                false
            }
        }
    }

    fn date(&mut self, field: Field) -> Option<NaiveDate> {
        let text = self.raw.get(field)?;
        let date = parse_time_as(text, self.date_format).map(Timestamp::china_date);
        if date.is_none() {
            self.problems.push(format!(
                "{} {} is not a date (write e.g. 2026-11-01)",
                field.name(),
                shown(text)
            ));
        }
        date
    }

    fn amount(&mut self) -> Option<Fen> {
        let text = self.raw.get(Field::Amount)?;
        let bare = text.trim_start_matches(['¥', '￥']).trim();
        match Fen::parse_yuan(bare) {
            Some(fen) if fen.0 >= 0 => Some(fen),
            Some(_) => {
                self.problems.push(format!("amount {} is negative", shown(text)));
                None
            }
            None => {
                self.problems
                    .push(format!("amount {} is not an amount in yuan (write e.g. 1299.50)", shown(text)));
                None
            }
        }
    }

    fn attachments(&mut self) -> Vec<Attachment> {
        let Some(text) = self.text(Field::Attachments) else { return Vec::new() };
        text.split([';', '；'])
            .map(str::trim)
            .filter(|uri| !uri.is_empty())
            .map(|uri| Attachment { name: attachment_name(uri), uri: uri.to_owned() })
            .collect()
    }
}

/// The last path segment, without a query or fragment; the whole URI when there is none.
fn attachment_name(uri: &str) -> String {
    let path = uri.split(['?', '#']).next().unwrap_or(uri);
    let name = path.trim_end_matches(['/', '\\']).rsplit(['/', '\\']).next().unwrap_or("");
    if name.is_empty() || name.ends_with(':') { uri.to_owned() } else { name.to_owned() }
}

fn default_title(dispute: &Dispute) -> String {
    let source = dispute.facts.as_deref().or(dispute.request.as_deref());
    match source {
        Some(text) => text
            .chars()
            .map(|c| if c.is_whitespace() { ' ' } else { c })
            .take(30)
            .collect::<String>()
            .trim()
            .to_owned(),
        None => "（无标题）".to_owned(),
    }
}

/// A value quoted in a message, cut to 40 characters so a stray essay does not flood the screen.
pub(crate) fn shown(text: &str) -> String {
    format!("\"{}\"", cut(text))
}

fn cut(text: &str) -> String {
    if text.chars().count() > 40 {
        format!("{}…", text.chars().take(40).collect::<String>())
    } else {
        text.to_owned()
    }
}

/// A time in the source's own format when it has one, else in any spelling [`parse_time`] knows.
pub(crate) fn parse_time_as(text: &str, format: Option<&str>) -> Option<Timestamp> {
    let text = text.trim();
    if let Some(format) = format {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, format) {
            return Some(Timestamp::from_china(naive));
        }
        if let Ok(date) = NaiveDate::parse_from_str(text, format) {
            return Some(Timestamp::from_china(date.and_hms_opt(0, 0, 0)?));
        }
    }
    parse_time(text)
}

/// [`Timestamp::parse`], plus what spreadsheets and channel exports also produce: fractional
/// seconds, `2026年11月28日 09:30`, `2026.11.28` and compact `20261128`.
pub(crate) fn parse_time(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    if let Some(t) = Timestamp::parse(text) {
        return Some(t);
    }
    for fmt in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y/%m/%d %H:%M:%S%.f",
        "%Y年%m月%d日 %H:%M:%S",
        "%Y年%m月%d日 %H:%M",
        "%Y年%m月%d日%H:%M",
        "%Y.%m.%d %H:%M:%S",
        "%Y.%m.%d %H:%M",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, fmt) {
            return Some(Timestamp::from_china(naive));
        }
    }
    for fmt in ["%Y.%m.%d", "%Y%m%d"] {
        if let Ok(date) = NaiveDate::parse_from_str(text, fmt) {
            return Some(Timestamp::from_china(date.and_hms_opt(0, 0, 0)?));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_earliest_accepted_time_is_new_year_2000_in_china() {
        assert_eq!(Timestamp::from_millis(EARLIEST_RECEIVED_MS).rfc3339(), "2000-01-01T00:00:00+08:00");
    }

    #[test]
    fn attachment_names_are_the_last_path_segment() {
        assert_eq!(attachment_name("https://files.example.cn/a/b/发票.jpg?token=1"), "发票.jpg");
        assert_eq!(attachment_name(r"\\share\scans\合同.pdf"), "合同.pdf");
        assert_eq!(attachment_name("https://files.example.cn/dir/"), "dir");
        assert_eq!(attachment_name("file:"), "file:");
    }

    #[test]
    fn spreadsheet_time_spellings_are_read_as_china_time() {
        let t = parse_time("2026-11-28 09:30:00.000").map(|t| t.rfc3339());
        assert_eq!(t.as_deref(), Some("2026-11-28T09:30:00+08:00"));
        let t = parse_time("2026年11月28日 09:30").map(|t| t.rfc3339());
        assert_eq!(t.as_deref(), Some("2026-11-28T09:30:00+08:00"));
        assert!(parse_time("20261128").is_some());
        assert!(parse_time("昨天下午").is_none());
    }

    #[test]
    fn excel_text_formulas_keep_their_value() {
        assert_eq!(unwrap_excel_text("=\"0757-22223333\""), "0757-22223333");
        assert_eq!(unwrap_excel_text("=A1"), "=A1");
    }
}
