//! The tables of a report: the statistics laid out as rows, one table a sheet of the workbook
//! or a CSV file, so that the workbook, the CSV files and `stats --format json` show the very
//! same numbers.

use super::figures::{Dimension, Statistics};
use super::kpi::{Kpis, Ratio};

#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    Empty,
}

impl Cell {
    fn count(n: u64) -> Cell {
        Cell::Number(n as f64)
    }
    fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }
    fn maybe(n: Option<f64>) -> Cell {
        n.map_or(Cell::Empty, Cell::Number)
    }
}

/// What a chart of the table shows: its title and kind, over the first column (categories) and
/// the second (values), for the first `rows` rows.
#[derive(Clone, Debug, PartialEq)]
pub struct ChartSpec {
    pub title: String,
    pub line: bool,
    pub rows: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// The sheet's name (Chinese, at most 31 characters).
    pub sheet: &'static str,
    /// The CSV file's name, without `.csv`.
    pub file: &'static str,
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
    pub chart: Option<ChartSpec>,
}

fn ratio_rows(name: &str, now: Ratio, before: Ratio) -> Vec<Cell> {
    vec![
        Cell::text(name),
        Cell::maybe(now.percent()),
        Cell::maybe(before.percent()),
        Cell::count(now.numerator),
        Cell::count(now.denominator),
    ]
}

fn summary(s: &Statistics) -> Table {
    let (k, p): (&Kpis, &Kpis) = (&s.kpis, &s.previous_kpis);
    let rows = vec![
        vec![
            Cell::text("受理总量（件）"),
            Cell::count(s.total),
            Cell::count(s.previous_total),
            Cell::Empty,
            Cell::Empty,
        ],
        ratio_rows("按时初查率（%）", k.first_check_on_time, p.first_check_on_time),
        ratio_rows("按期办结率（%）", k.resolved_on_time, p.resolved_on_time),
        ratio_rows("调解成功率（%）", k.mediation_success, p.mediation_success),
        vec![
            Cell::text("挽回经济损失（万元）"),
            Cell::Number(k.amount_recovered_wan()),
            Cell::Number(p.amount_recovered_wan()),
            Cell::Empty,
            Cell::Empty,
        ],
        vec![
            Cell::text("平均首次联系用时（工作分钟）"),
            Cell::maybe(k.average_first_contact_minutes()),
            Cell::maybe(p.average_first_contact_minutes()),
            Cell::count(k.contacted),
            Cell::Empty,
        ],
        ratio_rows("1小时内首次联系率（%）", k.contacted_in_time, p.contacted_in_time),
    ];
    Table {
        sheet: "汇总",
        file: "summary",
        headers: vec!["指标", "本期", "上期", "本期分子", "本期分母"],
        rows,
        chart: None,
    }
}

fn breakdown(s: &Statistics, d: Dimension, sheet: &'static str) -> Table {
    let rows: Vec<Vec<Cell>> = s
        .breakdown(d)
        .iter()
        .map(|r| {
            vec![
                Cell::text(r.key.clone().unwrap_or_else(|| "（未填）".into())),
                Cell::count(r.count),
                Cell::count(r.previous),
                Cell::Number(r.count as f64 - r.previous as f64),
            ]
        })
        .collect();
    let shown = rows.iter().take_while(|r| r.get(1) != Some(&Cell::Number(0.0))).count().min(15);
    Table {
        sheet,
        file: d.json_key(),
        headers: vec![d.zh(), "本期", "上期", "增减"],
        chart: (shown > 0).then(|| ChartSpec { title: format!("按{}", d.zh()), line: false, rows: shown }),
        rows,
    }
}

/// Every table of a report, in the order of the workbook's sheets.
pub fn tables(s: &Statistics) -> Vec<Table> {
    let mut out = vec![summary(s)];
    out.push(Table {
        sheet: "按日趋势",
        file: "by_day",
        headers: vec!["日期", "受理量"],
        rows: s.by_day.iter().map(|d| vec![Cell::text(d.date.to_string()), Cell::count(d.count)]).collect(),
        chart: Some(ChartSpec { title: "受理量按日趋势".into(), line: true, rows: s.by_day.len() }),
    });
    for (d, sheet) in [
        (Dimension::Channel, "渠道"),
        (Dimension::Kind, "类型"),
        (Dimension::Category, "商品服务类别"),
        (Dimension::DisputeType, "争议类型"),
        (Dimension::Town, "镇街"),
        (Dimension::BusinessDistrict, "商圈"),
        (Dimension::Industry, "行业"),
        (Dimension::Unit, "承办单位"),
    ] {
        out.push(breakdown(s, d, sheet));
    }
    out.push(Table {
        sheet: "高频词",
        file: "hot_words",
        headers: vec!["词", "本期（件）", "上期（件）", "增减"],
        rows: s
            .hot_words
            .iter()
            .map(|w| {
                vec![
                    Cell::text(&w.word),
                    Cell::count(w.count),
                    Cell::count(w.previous),
                    Cell::Number(w.change() as f64),
                ]
            })
            .collect(),
        chart: (!s.hot_words.is_empty()).then(|| ChartSpec {
            title: "投诉高频词".into(),
            line: false,
            rows: s.hot_words.len().min(15),
        }),
    });
    out.push(Table {
        sheet: "维权预警",
        file: "warnings",
        headers: vec!["对象", "名称", "近期件数", "基线预期", "p值", "起", "止"],
        rows: s
            .warnings
            .iter()
            .map(|w| {
                vec![
                    Cell::text(w.subject.zh()),
                    Cell::text(&w.key),
                    Cell::count(w.count),
                    Cell::Number(w.expected),
                    Cell::Number(w.p_value),
                    Cell::text(w.from.to_string()),
                    Cell::text(w.to.to_string()),
                ]
            })
            .collect(),
        chart: None,
    });
    out.push(Table {
        sheet: "问题突出企业",
        file: "merchants_at_risk",
        headers: vec!["经营者", "信用代码或名称", "分值", "本期（件）", "上期（件）", "理由"],
        rows: s
            .merchants_at_risk
            .iter()
            .map(|m| {
                vec![
                    Cell::text(&m.name),
                    Cell::text(&m.merchant),
                    Cell::Number(m.score),
                    Cell::count(m.tickets),
                    Cell::count(m.previous),
                    Cell::text(m.reasons.join("；")),
                ]
            })
            .collect(),
        chart: None,
    });
    out.push(Table {
        sheet: "放心消费承诺推荐",
        file: "pledge_candidates",
        headers: vec!["经营者", "行业", "商圈", "本期（件）", "同行平均（件）", "理由"],
        rows: s
            .pledge_candidates
            .iter()
            .map(|c| {
                vec![
                    Cell::text(&c.name),
                    Cell::text(c.industry.clone().unwrap_or_default()),
                    Cell::text(c.business_district.clone().unwrap_or_default()),
                    Cell::count(c.tickets),
                    Cell::Number(c.peer_average),
                    Cell::text(c.reasons.join("；")),
                ]
            })
            .collect(),
        chart: None,
    });
    out
}
