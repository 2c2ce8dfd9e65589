//! Clause-by-clause comparison of two versions of a standard's text. Clauses
//! are the numbered headings of the Markdown (`## 4 要求`, `### 4.1 …`); text
//! before the first numbered heading is clause "0" (front matter).

/// One clause: its number, heading and body text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    pub number: String,
    pub heading: String,
    pub body: String,
}

/// A heading line's clause number: `## 4.1 标题` → `4.1`; also `附录A`, `A.1`.
fn clause_number(line: &str) -> Option<(String, String)> {
    let t = line.trim_start();
    if !t.starts_with('#') {
        return None;
    }
    let t = t.trim_start_matches('#').trim();
    let (first, rest) = t.split_once(char::is_whitespace).unwrap_or((t, ""));
    let first = first.trim_end_matches('.');
    let numeric = !first.is_empty()
        && first.split('.').all(|p| {
            !p.is_empty()
                && (p.bytes().all(|b| b.is_ascii_digit()) || (p.len() == 1 && p.as_bytes()[0].is_ascii_uppercase()))
        })
        && first.bytes().any(|b| b.is_ascii_digit());
    numeric.then(|| (first.to_owned(), rest.trim().to_owned()))
}

pub fn split(text: &str) -> Vec<Clause> {
    let mut out: Vec<Clause> = Vec::new();
    let mut current = Clause { number: "0".into(), heading: String::new(), body: String::new() };
    for line in text.lines() {
        if let Some((number, heading)) = clause_number(line) {
            if current.number != "0" || !current.body.trim().is_empty() {
                out.push(current);
            }
            current = Clause { number, heading, body: String::new() };
        } else {
            current.body.push_str(line);
            current.body.push('\n');
        }
    }
    if current.number != "0" || !current.body.trim().is_empty() {
        out.push(current);
    }
    for c in &mut out {
        c.body = c.body.trim().to_owned();
    }
    out
}

/// The clause number a heading's text starts with (`5.2 培训` → `5.2`).
pub fn heading_number(text: &str) -> Option<String> {
    clause_number(&format!("# {text}")).map(|(n, _)| n)
}

/// The numbered clauses of a text, in the order they appear.
pub fn numbers(text: &str) -> Vec<String> {
    split(text).into_iter().filter(|c| c.number != "0").map(|c| c.number).collect()
}

/// A clause reference as people type it, in the form the headings use:
/// full-width digits, letters and dots made plain, `第5.2条` → `5.2`, `5.2.` → `5.2`.
pub fn normalise_ref(s: &str) -> String {
    let plain: String = s
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '．' | '。' => '.',
            c => c,
        })
        .collect();
    let t = plain.trim();
    let t = t.strip_prefix('第').unwrap_or(t);
    let t = t.trim_end_matches(['条', '章', '节', '款']);
    let t = t.trim().trim_end_matches('.');
    let t = t.strip_prefix("附录").map(str::trim).unwrap_or(t);
    if t.len() == 1 || t.contains('.') {
        t.to_ascii_uppercase()
    } else {
        t.to_owned()
    }
}

/// The references in a comment's clause field that the text commented on does
/// not have. Several may be given (separated by `、`, `，`, `,`, `；`, `;` or
/// spaces). An empty field is a general comment; a text without numbered
/// clauses takes any reference; `前言` or "foreword" names the front matter.
pub fn unknown_refs(reference: &str, text: &str) -> Vec<String> {
    let clauses = split(text);
    if !clauses.iter().any(|c| c.number != "0") {
        return Vec::new();
    }
    let has_front = clauses.iter().any(|c| c.number == "0");
    reference
        .split(|c: char| matches!(c, '、' | '，' | ',' | '；' | ';') || c.is_whitespace())
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .filter(|r| {
            let n = normalise_ref(r);
            let front = n == "前言" || n.eq_ignore_ascii_case("foreword") || n == "0";
            !((front && has_front) || clauses.iter().any(|c| c.number == n))
        })
        .map(str::to_owned)
        .collect()
}

/// A piece of a text diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Same(String),
    Added(String),
    Removed(String),
}

/// Tokens: each CJK (non-ASCII) character alone, ASCII words and spaces as runs.
pub fn tokens(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut prev_kind = 0u8;
    for (i, c) in s.char_indices() {
        let kind = if c.is_ascii_alphanumeric() {
            1
        } else if c.is_whitespace() {
            2
        } else {
            3
        };
        if i > start && (kind != prev_kind || kind == 3) {
            out.push(&s[start..i]);
            start = i;
        }
        prev_kind = kind;
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out
}

fn push(out: &mut Vec<Piece>, p: Piece) {
    match (out.last_mut(), &p) {
        (Some(Piece::Same(a)), Piece::Same(b))
        | (Some(Piece::Added(a)), Piece::Added(b))
        | (Some(Piece::Removed(a)), Piece::Removed(b)) => a.push_str(b),
        _ => out.push(p),
    }
}

/// One step of an edit script between two token sequences.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    /// Token `a[i]` equals `b[j]`.
    Same(usize, usize),
    /// Token `a[i]` was removed.
    Removed(usize),
    /// Token `b[j]` was added.
    Added(usize),
}

/// The edit script from `a` to `b` (longest common subsequence; very long
/// middles fall back to removing all of one and adding all of the other).
pub fn edits(a: &[&str], b: &[&str]) -> Vec<Edit> {
    // Common prefix and suffix first: they are most of a typical edit.
    let pre = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suf = a[pre..].iter().rev().zip(b[pre..].iter().rev()).take_while(|(x, y)| x == y).count();
    let (am, bm) = (&a[pre..a.len() - suf], &b[pre..b.len() - suf]);
    let mut out: Vec<Edit> = (0..pre).map(|i| Edit::Same(i, i)).collect();
    let (n, m) = (am.len(), bm.len());
    if n * m > 4_000_000 {
        out.extend((0..n).map(|i| Edit::Removed(pre + i)));
        out.extend((0..m).map(|j| Edit::Added(pre + j)));
    } else {
        let mut lcs = vec![0u32; (n + 1) * (m + 1)];
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                lcs[i * (m + 1) + j] = if am[i] == bm[j] {
                    lcs[(i + 1) * (m + 1) + j + 1] + 1
                } else {
                    lcs[(i + 1) * (m + 1) + j].max(lcs[i * (m + 1) + j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < n && j < m {
            if am[i] == bm[j] {
                out.push(Edit::Same(pre + i, pre + j));
                i += 1;
                j += 1;
            } else if lcs[(i + 1) * (m + 1) + j] >= lcs[i * (m + 1) + j + 1] {
                out.push(Edit::Removed(pre + i));
                i += 1;
            } else {
                out.push(Edit::Added(pre + j));
                j += 1;
            }
        }
        out.extend((i..n).map(|i| Edit::Removed(pre + i)));
        out.extend((j..m).map(|j| Edit::Added(pre + j)));
    }
    out.extend((0..suf).map(|k| Edit::Same(a.len() - suf + k, b.len() - suf + k)));
    out
}

/// Differences between two texts, word by word (each CJK character a word).
pub fn diff(old: &str, new: &str) -> Vec<Piece> {
    if old == new {
        return if old.is_empty() { vec![] } else { vec![Piece::Same(old.to_owned())] };
    }
    let a = tokens(old);
    let b = tokens(new);
    let mut out = Vec::new();
    for e in edits(&a, &b) {
        push(
            &mut out,
            match e {
                Edit::Same(i, _) => Piece::Same(a[i].to_owned()),
                Edit::Removed(i) => Piece::Removed(a[i].to_owned()),
                Edit::Added(j) => Piece::Added(b[j].to_owned()),
            },
        );
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Unchanged,
    Changed,
    Added,
    Removed,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Unchanged => "unchanged",
            Change::Changed => "changed",
            Change::Added => "added",
            Change::Removed => "removed",
        }
    }
}

/// One row of a comparison: the clause in either version and what changed.
#[derive(Debug, Clone)]
pub struct ClauseDiff {
    pub number: String,
    pub change: Change,
    pub heading: Vec<Piece>,
    pub body: Vec<Piece>,
}

/// Order of clause numbers: 0 < 1 < 1.1 < 2 < 10 < A < A.1.
fn order_key(n: &str) -> Vec<(u8, u32)> {
    n.split('.')
        .map(|p| match p.parse::<u32>() {
            Ok(v) => (0, v),
            Err(_) => (1, p.bytes().next().map(u32::from).unwrap_or(0)),
        })
        .collect()
}

/// Compare two texts clause by clause, in clause-number order.
pub fn compare(old: &str, new: &str) -> Vec<ClauseDiff> {
    let old_c = split(old);
    let new_c = split(new);
    let mut numbers: Vec<&str> = old_c.iter().chain(new_c.iter()).map(|c| c.number.as_str()).collect();
    numbers.sort_by_key(|n| order_key(n));
    numbers.dedup();
    numbers
        .into_iter()
        .filter_map(|n| {
            let o = old_c.iter().find(|c| c.number == n);
            let w = new_c.iter().find(|c| c.number == n);
            match (o, w) {
                (Some(oc), Some(nc)) => {
                    let change = if oc.heading == nc.heading && oc.body == nc.body {
                        Change::Unchanged
                    } else {
                        Change::Changed
                    };
                    Some(ClauseDiff {
                        number: n.to_owned(),
                        change,
                        heading: diff(&oc.heading, &nc.heading),
                        body: diff(&oc.body, &nc.body),
                    })
                }
                (Some(oc), None) => Some(removed(oc)),
                (None, Some(nc)) => Some(ClauseDiff {
                    number: n.to_owned(),
                    change: Change::Added,
                    heading: vec![Piece::Added(nc.heading.clone())],
                    body: vec![Piece::Added(nc.body.clone())],
                }),
                (None, None) => None,
            }
        })
        .collect()
}

fn removed(oc: &Clause) -> ClauseDiff {
    ClauseDiff {
        number: oc.number.clone(),
        change: Change::Removed,
        heading: vec![Piece::Removed(oc.heading.clone())],
        body: vec![Piece::Removed(oc.body.clone())],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V1: &str = "前言\n\n## 1 范围\n本文件规定了直播间管理要求。\n\n## 4 主播管理\n### 4.1 资质核验\n平台应核验主播身份。\n### 4.2 培训\n应开展培训。\n";
    const V2: &str = "前言\n\n## 1 范围\n本文件规定了品质电商直播间管理要求。\n\n## 4 主播管理\n### 4.1 资质核验\n平台应核验主播身份。\n### 4.3 信用记录\n应建立主播信用记录。\n";

    #[test]
    fn splits_on_numbered_headings() {
        let c = split(V1);
        let numbers: Vec<_> = c.iter().map(|c| c.number.as_str()).collect();
        assert_eq!(numbers, ["0", "1", "4", "4.1", "4.2"]);
        assert_eq!(c[3].heading, "资质核验");
        assert_eq!(c[3].body, "平台应核验主播身份。");
        assert_eq!(split("## 附录A 说明\n文字\n## A.1 表\nx")[1].number, "A.1");
        assert!(split("# 标题\n正文").iter().all(|c| c.number == "0"), "unnumbered headings are text");
    }

    #[test]
    fn compares_clause_by_clause() {
        let rows = compare(V1, V2);
        let summary: Vec<_> = rows.iter().map(|r| (r.number.as_str(), r.change)).collect();
        assert_eq!(
            summary,
            [
                ("0", Change::Unchanged),
                ("1", Change::Changed),
                ("4", Change::Unchanged),
                ("4.1", Change::Unchanged),
                ("4.2", Change::Removed),
                ("4.3", Change::Added),
            ]
        );
        let scope = &rows[1].body;
        assert!(scope.contains(&Piece::Added("品质电商".into())), "{scope:?}");
    }

    #[test]
    fn clause_references_are_checked_against_the_text() {
        assert_eq!(numbers(V1), ["1", "4", "4.1", "4.2"]);
        assert_eq!(heading_number("4.1 资质核验").as_deref(), Some("4.1"));
        assert_eq!(heading_number("前言"), None);
        for ok in ["4.1", "第4.1条", "４．１", "4.1.", " 4 ", "4.1、4.2", "1, 4.2", "前言", "", "  "] {
            assert!(unknown_refs(ok, V1).is_empty(), "{ok:?} exists");
        }
        assert_eq!(unknown_refs("99.9", V1), ["99.9"]);
        assert_eq!(unknown_refs("4.1；5.3、4.3", V1), ["5.3", "4.3"]);
        assert_eq!(unknown_refs("4.1.1", V1), ["4.1.1"]);
        // A text without numbered clauses takes anything.
        assert!(unknown_refs("99.9", "# 标题\n正文").is_empty());
        assert_eq!(normalise_ref("附录a.1"), "A.1");
        assert_eq!(normalise_ref("第５章"), "5");
    }

    #[test]
    fn word_and_character_diff() {
        assert_eq!(
            diff("price marking is required", "clear price marking is required"),
            vec![Piece::Added("clear ".into()), Piece::Same("price marking is required".into())]
        );
        assert_eq!(
            diff("应当核验", "应核验"),
            vec![Piece::Same("应".into()), Piece::Removed("当".into()), Piece::Same("核验".into())]
        );
        assert_eq!(diff("", "新"), vec![Piece::Added("新".into())]);
        assert!(diff("", "").is_empty());
    }
}
