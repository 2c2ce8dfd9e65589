//! How a refused move of a report is answered: which kind of answer it needs
//! and where on the page its messages go.

use super::*;

/// Every problem of the entries, beside the field it is about and in the
/// summary at the top (each named by its commitment's number and field).
pub(super) fn place_problems(lang: Lang, form: &mut Form, problems: &[rules::Problem]) {
    for p in problems {
        let spot = Spot::Field(p.field);
        form.error_labelled(&field_name(p.entry, spot), &spot_label(lang, &p.number, spot), lang.t(p.key).to_owned());
    }
}

impl UserError for Refusal {
    fn kind(&self) -> RefusalKind {
        match self {
            Refusal::Hidden => RefusalKind::NotFound,
            Refusal::WrongRole | Refusal::NotSigned => RefusalKind::Forbidden,
            Refusal::NotOpen | Refusal::NotEditable(_) | Refusal::NotPending(_) | Refusal::Stale => RefusalKind::Stale,
            Refusal::Invalid(_) | Refusal::NoReturnComment => RefusalKind::Invalid,
        }
    }

    fn place(&self, lang: Lang, form: &mut Form) {
        let message = |key: &str| Some(lang.t(key).to_owned());
        match self {
            Refusal::Hidden | Refusal::WrongRole | Refusal::NotSigned => {}
            Refusal::NotOpen => form.message = message("error.report.not_open"),
            Refusal::NotEditable(_) => form.message = message("error.report.submitted_elsewhere"),
            Refusal::NotPending(state) => {
                let key = format!("rpt.state.{}", state.as_str());
                form.message = Some(lang.tf("error.report.decided", &[("state", lang.t(&key))]));
            }
            Refusal::Stale => form.message = message("error.report.stale"),
            Refusal::Invalid(problems) => place_problems(lang, form, problems),
            Refusal::NoReturnComment => form.error(lang, "comment", "error.report.return_comment"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::report::{EntryField, Problem};

    #[test]
    fn refusals_say_what_happened_where_it_happened() {
        let kinds = [
            (Refusal::Hidden, RefusalKind::NotFound),
            (Refusal::WrongRole, RefusalKind::Forbidden),
            (Refusal::NotSigned, RefusalKind::Forbidden),
            (Refusal::NotOpen, RefusalKind::Stale),
            (Refusal::NotEditable(ReportState::Submitted), RefusalKind::Stale),
            (Refusal::NotPending(ReportState::Accepted), RefusalKind::Stale),
            (Refusal::Stale, RefusalKind::Stale),
            (Refusal::Invalid(Vec::new()), RefusalKind::Invalid),
            (Refusal::NoReturnComment, RefusalKind::Invalid),
        ];
        for (r, kind) in kinds {
            assert_eq!(r.kind(), kind, "{r:?}");
            if kind == RefusalKind::Stale {
                for lang in Lang::ALL {
                    let mut form = Form::new();
                    r.place(lang, &mut form);
                    let m = form.message.expect("a conflict says what happened");
                    assert!(!m.contains('{') && !m.contains("error."), "{lang:?} {r:?}: {m}");
                }
            }
        }
        let mut form = Form::new();
        Refusal::NotPending(ReportState::Returned).place(Lang::Zh, &mut form);
        assert!(form.message.unwrap().contains("已退回"), "names what the other reviewer decided");
        let mut form = Form::new();
        let p = Problem {
            entry: 7,
            number: "2.1".into(),
            field: EntryField::IndicatorValue(0),
            key: "error.report.indicator_value",
        };
        Refusal::Invalid(vec![p]).place(Lang::Zh, &mut form);
        assert_eq!(form.errors()[0].name, "e_7_ivalue_0");
        assert!(form.errors()[0].label.contains("2.1"), "{:?}", form.errors()[0]);
    }
}
