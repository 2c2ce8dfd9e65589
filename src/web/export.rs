//! Exports shared by every area: CSV (UTF-8 with BOM, so Excel shows Chinese)
//! and XLSX. Cells that a spreadsheet would run as a formula are defused.

use actix_web::http::header;
use actix_web::HttpResponse;

use crate::error::{AppError, AppResult};

/// A table to export: header row and data rows of text.
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// Spreadsheets run cells starting with these as formulas (CSV injection).
fn defuse(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

fn csv_field(out: &mut String, cell: &str) {
    let cell = defuse(cell);
    if cell.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&cell.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(&cell);
    }
}

/// CSV text: BOM, CRLF line ends, RFC 4180 quoting.
pub fn to_csv(t: &Table) -> String {
    let mut out = String::from("\u{feff}");
    for row in std::iter::once(&t.header).chain(t.rows.iter()) {
        for (i, cell) in row.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            csv_field(&mut out, cell);
        }
        out.push_str("\r\n");
    }
    out
}

/// XLSX bytes: one sheet, bold header, frozen first row.
pub fn to_xlsx(t: &Table, sheet: &str) -> AppResult<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    let fail = |e: rust_xlsxwriter::XlsxError| AppError::Internal(anyhow::anyhow!("xlsx: {e}"));
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(sheet).map_err(fail)?;
    let bold = Format::new().set_bold();
    for (c, h) in t.header.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &bold).map_err(fail)?;
        ws.set_column_width(c as u16, 18).map_err(fail)?;
    }
    for (r, row) in t.rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            ws.write_string((r + 1) as u32, c as u16, defuse(cell).as_ref()).map_err(fail)?;
        }
    }
    ws.set_freeze_panes(1, 0).map_err(fail)?;
    wb.save_to_buffer().map_err(fail)
}

fn attachment(filename: &str) -> String {
    // ASCII fallback plus the UTF-8 name (RFC 6266 / 5987).
    let ascii: String =
        filename.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_".contains(c) { c } else { '_' }).collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{}", super::urlencode(filename))
}

pub fn csv_response(filename: &str, t: &Table) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((header::CONTENT_DISPOSITION, attachment(filename)))
        .body(to_csv(t))
}

pub fn xlsx_response(filename: &str, sheet: &str, t: &Table) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
        .insert_header((header::CONTENT_DISPOSITION, attachment(filename)))
        .body(to_xlsx(t, sheet)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table {
        Table {
            header: vec!["序号".into(), "意见".into()],
            rows: vec![
                vec!["1".into(), "含逗号,与\"引号\"\n换行".into()],
                vec!["2".into(), "=HYPERLINK(\"x\")".into()],
            ],
        }
    }

    #[test]
    fn csv_has_bom_quotes_and_defuses_formulas() {
        let csv = to_csv(&table());
        assert!(csv.starts_with('\u{feff}'));
        assert!(csv.contains("\"含逗号,与\"\"引号\"\"\n换行\""));
        assert!(csv.contains("'=HYPERLINK"));
        assert!(csv.ends_with("\r\n"));
    }

    #[test]
    fn xlsx_is_a_zip() {
        let bytes = to_xlsx(&table(), "意见").unwrap();
        assert_eq!(&bytes[..2], b"PK");
    }
}
