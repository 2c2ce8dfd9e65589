//! Commitments of a pledge as the pledge form edits them: a table of rows
//! (number, area and text in both languages), checked cell by cell.

use crate::domain::text;

/// A commitment's number: digits separated by dots, e.g. `1`, `2.3`.
pub fn commitment_number(input: &str) -> Result<String, &'static str> {
    let s = input.trim();
    let ok = !s.is_empty()
        && s.len() <= 12
        && s.split('.').all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()));
    if ok {
        Ok(s.to_owned())
    } else {
        Err("error.commitment.number")
    }
}

/// One commitment as typed in the pledge form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitmentDraft {
    pub number: String,
    pub area_zh: String,
    pub area_en: String,
    pub text_zh: String,
    pub text_en: String,
}

/// A column of the commitments table of the pledge form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CommitmentField {
    Number,
    AreaZh,
    AreaEn,
    TextZh,
    TextEn,
}

impl CommitmentField {
    pub const ALL: [CommitmentField; 5] = [
        CommitmentField::Number,
        CommitmentField::AreaZh,
        CommitmentField::AreaEn,
        CommitmentField::TextZh,
        CommitmentField::TextEn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CommitmentField::Number => "number",
            CommitmentField::AreaZh => "area_zh",
            CommitmentField::AreaEn => "area_en",
            CommitmentField::TextZh => "text_zh",
            CommitmentField::TextEn => "text_en",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        CommitmentField::ALL.into_iter().find(|f| f.as_str() == s)
    }

    /// The catalog key of the column's label.
    pub fn label_key(self) -> &'static str {
        match self {
            CommitmentField::Number => "commitment.number",
            CommitmentField::AreaZh => "commitment.area_zh",
            CommitmentField::AreaEn => "commitment.area_en",
            CommitmentField::TextZh => "commitment.text_zh",
            CommitmentField::TextEn => "commitment.text_en",
        }
    }

    /// Longest value, in characters.
    pub fn max(self) -> usize {
        match self {
            CommitmentField::Number => 12,
            CommitmentField::AreaZh => 100,
            CommitmentField::AreaEn => 200,
            CommitmentField::TextZh => 2000,
            CommitmentField::TextEn => 4000,
        }
    }
}

/// Most commitments a pledge may have.
pub const COMMITMENTS_MAX: usize = 200;

/// One row of the commitments table as typed (a blank row is skipped).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommitmentRow {
    pub number: String,
    pub area_zh: String,
    pub area_en: String,
    pub text_zh: String,
    pub text_en: String,
}

impl CommitmentRow {
    pub fn get(&self, f: CommitmentField) -> &str {
        match f {
            CommitmentField::Number => &self.number,
            CommitmentField::AreaZh => &self.area_zh,
            CommitmentField::AreaEn => &self.area_en,
            CommitmentField::TextZh => &self.text_zh,
            CommitmentField::TextEn => &self.text_en,
        }
    }

    pub fn set(&mut self, f: CommitmentField, v: &str) {
        let slot = match f {
            CommitmentField::Number => &mut self.number,
            CommitmentField::AreaZh => &mut self.area_zh,
            CommitmentField::AreaEn => &mut self.area_en,
            CommitmentField::TextZh => &mut self.text_zh,
            CommitmentField::TextEn => &mut self.text_en,
        };
        *slot = v.to_owned();
    }

    pub fn is_blank(&self) -> bool {
        CommitmentField::ALL.iter().all(|f| self.get(*f).trim().is_empty())
    }
}

impl From<&CommitmentDraft> for CommitmentRow {
    fn from(c: &CommitmentDraft) -> Self {
        CommitmentRow {
            number: c.number.clone(),
            area_zh: c.area_zh.clone(),
            area_en: c.area_en.clone(),
            text_zh: c.text_zh.clone(),
            text_en: c.text_en.clone(),
        }
    }
}

/// What is wrong with one cell of the commitments table: the row (0-based,
/// as typed, blank rows counted), the column and the catalog key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub row: usize,
    pub field: CommitmentField,
    pub key: &'static str,
}

/// Check the commitments table: blank rows are skipped; in every other row
/// the number is dotted digits, unique, and every column is filled. At least
/// one commitment, at most [`COMMITMENTS_MAX`].
pub fn parse_commitment_rows(rows: &[CommitmentRow]) -> Result<Vec<CommitmentDraft>, Vec<RowError>> {
    let mut out: Vec<CommitmentDraft> = Vec::new();
    let mut numbers: Vec<String> = Vec::new();
    let mut errors = Vec::new();
    let mut filled = 0;
    for (i, row) in rows.iter().enumerate() {
        if row.is_blank() {
            continue;
        }
        filled += 1;
        if filled == COMMITMENTS_MAX + 1 {
            errors.push(RowError { row: i, field: CommitmentField::Number, key: "error.commitment.too_many" });
        }
        let mut cells: Vec<String> = Vec::new();
        for f in CommitmentField::ALL {
            let checked = match f {
                CommitmentField::Number => commitment_number(row.get(f)).map_err(|k| {
                    if row.get(f).trim().is_empty() {
                        "error.required"
                    } else {
                        k
                    }
                }),
                _ => text::bounded(row.get(f), true, f.max()),
            };
            match checked {
                Ok(v) => cells.push(v),
                Err(key) => errors.push(RowError { row: i, field: f, key }),
            }
        }
        if let Ok(n) = commitment_number(&row.number) {
            if numbers.contains(&n) {
                errors.push(RowError { row: i, field: CommitmentField::Number, key: "error.commitment.duplicate" });
                continue;
            }
            numbers.push(n);
        }
        if let Ok([number, area_zh, area_en, text_zh, text_en]) = <[String; 5]>::try_from(cells) {
            out.push(CommitmentDraft { number, area_zh, area_en, text_zh, text_en });
        }
    }
    if filled == 0 {
        errors.push(RowError { row: 0, field: CommitmentField::Number, key: "error.commitment.none" });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Commitments written one a line, `number | area (zh) | area (en) | text (zh)
/// | text (en)`: how the demo and generated data spell them. Blank lines are
/// skipped; a line without five parts is refused with its (1-based) number.
pub fn parse_commitments(input: &str) -> Result<Vec<CommitmentDraft>, Vec<(usize, &'static str)>> {
    let mut rows = Vec::new();
    for (i, line) in input.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let parts: Vec<&str> = line.split('|').map(str::trim).collect();
        let [number, area_zh, area_en, text_zh, text_en] = parts[..] else {
            return Err(vec![(i + 1, "error.commitment.columns")]);
        };
        rows.push(CommitmentRow {
            number: number.into(),
            area_zh: area_zh.into(),
            area_en: area_en.into(),
            text_zh: text_zh.into(),
            text_en: text_en.into(),
        });
    }
    parse_commitment_rows(&rows).map_err(|e| e.into_iter().map(|e| (e.row + 1, e.key)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(n: &str, az: &str, ae: &str, tz: &str, te: &str) -> CommitmentRow {
        CommitmentRow {
            number: n.into(),
            area_zh: az.into(),
            area_en: ae.into(),
            text_zh: tz.into(),
            text_en: te.into(),
        }
    }

    #[test]
    fn commitment_rows() {
        let blank = CommitmentRow::default();
        let ok = parse_commitment_rows(&[
            row(" 1.1 ", "落实平台责任", "Platform responsibility", "核验主播资质", "Verify hosts"),
            blank.clone(),
            row("2", "消费者", "Consumers", "及时处理投诉", "Handle complaints"),
            blank.clone(),
        ])
        .unwrap();
        assert_eq!(ok.len(), 2);
        assert_eq!(ok[0].number, "1.1");
        assert_eq!(ok[1].text_en, "Handle complaints");
        let back: Vec<CommitmentRow> = ok.iter().map(CommitmentRow::from).collect();
        assert_eq!(parse_commitment_rows(&back), Ok(ok));

        let bad = parse_commitment_rows(&[
            row("1.1", "a", "b", "c", "d"),
            row("x.1", "a", "b", "c", "d"),
            row("2", "a", "", "c", "d"),
            row("", "a", "b", "c", "d"),
            blank.clone(),
            row("1.1", "a", "b", "c", "d"),
        ])
        .unwrap_err();
        let e = |row, field, key| RowError { row, field, key };
        use CommitmentField as F;
        assert_eq!(
            bad,
            vec![
                e(1, F::Number, "error.commitment.number"),
                e(2, F::AreaEn, "error.required"),
                e(3, F::Number, "error.required"),
                e(5, F::Number, "error.commitment.duplicate"),
            ]
        );
        assert_eq!(parse_commitment_rows(&[blank.clone(), blank]), Err(vec![e(0, F::Number, "error.commitment.none")]));
        let many: Vec<CommitmentRow> =
            (1..=COMMITMENTS_MAX + 1).map(|i| row(&i.to_string(), "a", "b", "c", "d")).collect();
        assert_eq!(parse_commitment_rows(&many), Err(vec![e(COMMITMENTS_MAX, F::Number, "error.commitment.too_many")]));
        for f in F::ALL {
            assert_eq!(F::parse(f.as_str()), Some(f));
        }
    }

    #[test]
    fn commitment_lines_for_demo_data() {
        let ok = parse_commitments("1.1 | 落实平台责任 | Platform responsibility | 核验主播资质 | Verify hosts\n\n2 | 消费者 | Consumers | 及时处理投诉 | Handle complaints").unwrap();
        assert_eq!(ok.len(), 2);
        assert_eq!(parse_commitments("1 | a | b | c\n"), Err(vec![(1, "error.commitment.columns")]));
        assert_eq!(
            parse_commitments("1 | a | b | c | d\n1 | a | b | c | d"),
            Err(vec![(2, "error.commitment.duplicate")])
        );
        for n in ["1", "1.2", "10.12.3"] {
            assert!(commitment_number(n).is_ok(), "{n}");
        }
        for n in ["", "a", "1.", ".1", "1..2", "1,2", "1234"] {
            assert!(commitment_number(n).is_err(), "{n}");
        }
    }
}
