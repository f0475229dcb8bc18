//! `rightsdesk report`: the statistics of a period as a workbook a section chief sends upward
//! (one sheet a table, native Excel charts) or as CSV files, with the overdue list. The numbers
//! are those of `stats --format json` for the same period: both come from one answer.

use super::context::Context;
use super::stats_cmd::{StatsScopeArgs, stats_query};
use super::{Failure, OK};
use crate::engine::audit::{AuditAnswer, AuditQuery, HeadView};
use crate::engine::{Answer, EngineError, ListFilter, Query, StatusFilter};
use crate::stats::tables::{Cell, Table, tables};
use clap::Args;
use rust_xlsxwriter::{Chart, ChartType, Format, Workbook, XlsxError};
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct ReportArgs {
    #[command(flatten)]
    pub scope: StatsScopeArgs,
    /// Write the workbook here (.xlsx).
    #[arg(long, value_name = "FILE")]
    pub xlsx: Option<PathBuf>,
    /// Write one CSV file a table into this directory (created if missing).
    #[arg(long, value_name = "DIR")]
    pub csv: Option<PathBuf>,
}

pub fn run(ctx: &Context, args: &ReportArgs) -> Result<i32, Failure> {
    if args.xlsx.is_none() && args.csv.is_none() {
        return Err(Failure::usage("give --xlsx FILE, --csv DIR or both"));
    }
    let query = stats_query(ctx, &args.scope)?;
    let mut desk = ctx.open_desk()?;
    let statistics = desk.statistics(query.clone())?;
    let overdue = ListFilter {
        status: StatusFilter::Open,
        unit: query.unit.clone(),
        town: query.town.clone(),
        overdue: true,
        ..ListFilter::default()
    };
    let overdue = match desk.query(crate::engine::Query::List(overdue))? {
        crate::engine::Answer::List(rows) => rows,
        _ => return Err(Failure::new("the server answered the overdue list with something else")),
    };
    let mut all = tables(&statistics);
    all.push(Table {
        sheet: "超期工单",
        file: "overdue",
        headers: vec!["编号", "渠道", "受理时间", "标题", "镇街", "承办单位", "超期时限", "到期时间"],
        rows: overdue
            .iter()
            .map(|t| {
                let clock = t.most_urgent();
                vec![
                    Cell::Number(t.id as f64),
                    Cell::Text(t.channel.clone()),
                    Cell::Text(
                        t.received_at
                            .map(|r| r.china().format("%Y-%m-%d %H:%M").to_string())
                            .unwrap_or_default(),
                    ),
                    Cell::Text(t.title.clone()),
                    Cell::Text(t.town.clone().unwrap_or_default()),
                    Cell::Text(t.unit.clone().unwrap_or_default()),
                    Cell::Text(clock.map(|c| ctx.config.sla.clock_name(&c.name)).unwrap_or_default()),
                    Cell::Text(
                        clock
                            .map(|c| c.due_at.china().format("%Y-%m-%d %H:%M").to_string())
                            .unwrap_or_default(),
                    ),
                ]
            })
            .collect(),
        chart: None,
    });
    let head = audit_head(&mut desk)?;
    if let Some(head) = &head {
        all.push(audit_table(head, &statistics.period, ctx.clock.now()));
    }
    if let Some(dir) = &args.csv {
        write_csv(dir, &all)
            .map_err(|e| Failure::new(format!("cannot write the CSV files in {}: {e}", dir.display())))?;
        eprintln!("{} tables written to {}", all.len(), dir.display());
    }
    if let Some(file) = &args.xlsx {
        let title = format!("消费投诉举报统计 {} 至 {}", statistics.period.from, statistics.period.to);
        write_xlsx(file, &title, &all)
            .map_err(|e| Failure::new(format!("cannot write {}: {e}", file.display())))?;
        eprintln!("workbook written to {}", file.display());
    }
    if let Some(head) = head {
        eprintln!("the audit chain's head as of this report: event {} {}", head.seq, head.hash);
    }
    Ok(OK)
}

/// The audit chain's head as the report is made, so that the paper the chief files is also a
/// record outside the store (`audit verify --head` checks the store against it later). A unit's
/// staff may not read the audit trail: their report has no such sheet.
fn audit_head(desk: &mut crate::remote::Desk) -> Result<Option<HeadView>, Failure> {
    match desk.query(Query::Audit(AuditQuery::Head)) {
        Ok(Answer::Audit(AuditAnswer::Head(head))) => Ok(head),
        Ok(_) => Err(Failure::new("the server answered the audit head with something else")),
        // Refused through the server (the role's words), Forbidden without one.
        Err(e @ (EngineError::Forbidden(_) | EngineError::Refused(_))) => {
            eprintln!("no audit sheet in this report: {e}");
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

fn audit_table(head: &HeadView, period: &crate::stats::Period, now: crate::time::Timestamp) -> Table {
    let row = |what: &str, value: String| vec![Cell::Text(what.to_string()), Cell::Text(value)];
    Table {
        sheet: "审计链",
        file: "audit",
        headers: vec!["项目", "内容"],
        rows: vec![
            row("统计期间", format!("{} 至 {}", period.from, period.to)),
            row("报表生成时间", now.china().format("%Y-%m-%d %H:%M").to_string()),
            row("审计链头 事件序号", head.seq.to_string()),
            row("审计链头 哈希", head.hash.clone()),
            row("核对方法", format!("rightsdesk audit verify --head {}", head.hash)),
        ],
        chart: None,
    }
}

fn cell_text(c: &Cell) -> String {
    match c {
        Cell::Text(t) => t.clone(),
        Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
        Cell::Number(n) => format!("{n}"),
        Cell::Empty => String::new(),
    }
}

/// One `FILE.csv` a table, UTF-8 with a byte-order mark so that Excel on a Chinese Windows
/// opens it as UTF-8.
fn write_csv(dir: &Path, all: &[Table]) -> Result<(), Box<dyn std::error::Error>> {
    std::fs::create_dir_all(dir)?;
    for t in all {
        let mut bytes = "\u{feff}".as_bytes().to_vec();
        {
            let mut w = csv::Writer::from_writer(&mut bytes);
            w.write_record(&t.headers)?;
            for row in &t.rows {
                w.write_record(row.iter().map(cell_text))?;
            }
            w.flush()?;
        }
        std::fs::write(dir.join(format!("{}.csv", t.file)), bytes)?;
    }
    Ok(())
}

fn write_xlsx(file: &Path, title: &str, all: &[Table]) -> Result<(), XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    for t in all {
        let sheet = book.add_worksheet();
        sheet.set_name(t.sheet)?;
        sheet.write_string_with_format(0, 0, title, &bold)?;
        for (c, h) in t.headers.iter().enumerate() {
            sheet.write_string_with_format(1, c as u16, *h, &bold)?;
        }
        for (r, row) in t.rows.iter().enumerate() {
            let r = (r + 2) as u32;
            for (c, cell) in row.iter().enumerate() {
                match cell {
                    Cell::Text(s) => sheet.write_string(r, c as u16, s)?,
                    Cell::Number(n) => sheet.write_number(r, c as u16, *n)?,
                    Cell::Empty => sheet,
                };
            }
        }
        sheet.set_column_width(0, 24)?;
        if let Some(spec) = &t.chart {
            let mut chart = Chart::new(if spec.line { ChartType::Line } else { ChartType::Column });
            chart.title().set_name(&spec.title);
            let last = (spec.rows + 1) as u32;
            chart
                .add_series()
                .set_name("本期")
                .set_categories((t.sheet, 2, 0, last, 0))
                .set_values((t.sheet, 2, 1, last, 1));
            chart.legend().set_hidden();
            sheet.insert_chart(1, (t.headers.len() + 1) as u16, &chart)?;
        }
    }
    book.save(file)
}
