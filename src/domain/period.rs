//! Reporting periods: the dates a period is made of and the rules between
//! them and between the periods of one pledge.

use chrono::NaiveDate;

/// The dates of a reporting period (all Beijing dates, both ends counted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeriodDates {
    pub covers_from: NaiveDate,
    pub covers_to: NaiveDate,
    pub opens_on: NaiveDate,
    pub due_on: NaiveDate,
}

/// A period's field and the catalog key of what is wrong with it.
pub type DateProblem = (&'static str, &'static str);

impl PeriodDates {
    /// What is wrong with the dates themselves, each under the field it is about.
    pub fn problems(&self) -> Vec<DateProblem> {
        let mut out = Vec::new();
        if self.covers_to < self.covers_from {
            out.push(("covers_to", "error.period.covers_order"));
        }
        if self.due_on < self.opens_on {
            out.push(("due_on", "error.report.due_before_open"));
        }
        out
    }

    /// Whether two periods cover a common day.
    pub fn overlaps(&self, other: &PeriodDates) -> bool {
        self.covers_from <= other.covers_to && other.covers_from <= self.covers_to
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn p(from: &str, to: &str) -> PeriodDates {
        PeriodDates { covers_from: d(from), covers_to: d(to), opens_on: d("2027-07-01"), due_on: d("2027-07-31") }
    }

    #[test]
    fn problems_name_their_field() {
        assert_eq!(p("2027-01-01", "2027-06-30").problems(), vec![]);
        assert_eq!(p("2027-06-30", "2027-01-01").problems(), vec![("covers_to", "error.period.covers_order")]);
        let mut late = p("2027-01-01", "2027-06-30");
        late.due_on = d("2027-06-30");
        assert_eq!(late.problems(), vec![("due_on", "error.report.due_before_open")]);
        let mut same_day = late;
        same_day.due_on = same_day.opens_on;
        assert!(same_day.problems().is_empty(), "filing may open on the due date");
    }

    #[test]
    fn coverage_overlaps_when_a_day_is_shared() {
        let h1 = p("2027-01-01", "2027-06-30");
        assert!(h1.overlaps(&p("2027-06-30", "2027-12-31")), "the boundary day counts for both");
        assert!(!h1.overlaps(&p("2027-07-01", "2027-12-31")));
        assert!(h1.overlaps(&p("2027-03-01", "2027-03-31")), "inside");
        assert!(h1.overlaps(&p("2026-01-01", "2028-01-01")), "around");
        assert!(!h1.overlaps(&p("2026-01-01", "2026-12-31")));
    }
}
