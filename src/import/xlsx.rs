//! XLSX workbooks: the first sheet, its first non-empty row (below any banner) as the header.

use super::columns::{Field, Header, ReadColumns, is_banner};
use super::row::{Builder, RawRow};
use super::{ImportError, ReadOptions};
use calamine::{Data, ExcelDateTime, ExcelDateTimeType, Reader, Xlsx};
use chrono::{NaiveDate, TimeDelta};
use std::io::Cursor;
use std::path::Path;

/// Reads the first sheet; returns the ignored column names.
pub(super) fn read(
    bytes: &[u8],
    path: &Path,
    options: &ReadOptions,
    out: &mut Builder,
) -> Result<ReadColumns, ImportError> {
    let bad = |detail: String| ImportError::Xlsx { path: path.to_path_buf(), detail };
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(bad("it is an Excel 97-2003 .xls workbook: save it as .xlsx".into()));
    }
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| bad(e.to_string()))?;
    let range = match workbook.worksheet_range_at(0) {
        None => return Err(bad("it has no worksheet".into())),
        Some(Err(e)) => return Err(bad(format!("its first sheet is unreadable: {e}"))),
        Some(Ok(range)) => range,
    };
    let Some((top, _)) = range.start() else {
        return Err(ImportError::Empty { path: path.to_path_buf() });
    };
    // calamine counts rows from 0 at the sheet's top; people (and Excel) count from 1.
    let mut rows = range.rows().enumerate().map(|(i, cells)| (top as usize + i + 1, cells));
    let names: Vec<String> = loop {
        let Some((_, cells)) = rows.next() else {
            return Err(ImportError::Empty { path: path.to_path_buf() });
        };
        if cells.iter().all(is_blank) {
            continue;
        }
        let names: Vec<String> = cells.iter().map(Data::to_string).collect();
        if !is_banner(names.iter().map(String::as_str)) {
            break names;
        }
    };
    let header = Header::read(&names, path, options)?;
    for (line, cells) in rows {
        if cells.iter().all(is_blank) {
            continue;
        }
        let mut raw = RawRow::new(line);
        for (field, cell) in header.fields.iter().zip(cells) {
            let Some(field) = *field else { continue };
            match cell_text(cell, field) {
                Ok(text) => raw.set(field, &text),
                Err(error) => raw.problem(format!("{} cell shows the error {error}", field.name())),
            }
        }
        out.push(raw);
    }
    Ok(header.into_read())
}

fn is_blank(cell: &Data) -> bool {
    match cell {
        Data::Empty => true,
        Data::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

/// The text a cell stands for. Dates become China wall-clock text (a workbook has no time
/// zone and the bureau's clerks type China time); so do plain numbers in a date column, which
/// is how a date looks once its cell format is lost.
fn cell_text(cell: &Data, field: Field) -> Result<String, String> {
    Ok(match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Bool(b) => b.to_string(),
        Data::Int(i) if field.is_time() => {
            serial_text(ExcelDateTime::new(*i as f64, ExcelDateTimeType::DateTime, false))
                .unwrap_or_else(|| i.to_string())
        }
        Data::Int(i) => i.to_string(),
        Data::Float(f) if field.is_time() => {
            serial_text(ExcelDateTime::new(*f, ExcelDateTimeType::DateTime, false))
                .unwrap_or_else(|| f.to_string())
        }
        Data::Float(f) => f.to_string(),
        Data::DateTime(dt) if dt.is_datetime() => serial_text(*dt).unwrap_or_else(|| dt.as_f64().to_string()),
        Data::DateTime(dt) => dt.as_f64().to_string(),
        Data::Error(e) => return Err(e.to_string()),
    })
}

/// `YYYY-MM-DD HH:MM:SS`, rounded to the second (serials carry float noise such as 09:29:59.999).
fn serial_text(dt: ExcelDateTime) -> Option<String> {
    let serial = dt.as_f64();
    // Excel's own range: day 1 is 1900-01-01, the last is 9999-12-31.
    if !(1.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let (y, mo, d, h, mi, s, ms) = dt.to_ymd_hms_milli();
    let mut at = NaiveDate::from_ymd_opt(i32::from(y), u32::from(mo), u32::from(d))?.and_hms_opt(
        u32::from(h),
        u32::from(mi),
        u32::from(s),
    )?;
    if ms >= 500 {
        at += TimeDelta::seconds(1);
    }
    Some(at.format("%Y-%m-%d %H:%M:%S").to_string())
}
