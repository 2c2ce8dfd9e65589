//! Reminders of a report's due date: which one, if any, is due on a day.
//! Each is sent once per report (or signatory and period) and kind; the
//! outbox's dedupe key makes "once" hold across instances and restarts.

use chrono::NaiveDate;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reminder {
    /// A week or less before the due date.
    DueInAWeek,
    /// The day before, or the day itself.
    DueTomorrow,
    /// The due date has passed (sent in the first days after it).
    Overdue,
}

impl Reminder {
    /// The kind of message (`mail::render::KINDS`).
    pub fn kind(self) -> &'static str {
        match self {
            Reminder::DueInAWeek => "reminder_due_7d",
            Reminder::DueTomorrow => "reminder_due_1d",
            Reminder::Overdue => "reminder_overdue",
        }
    }
}

/// The reminder due on `today` (Beijing) for a report due at the end of
/// `due_on`. A week before: from seven days to two days left; the last
/// one: one day left or the day itself; overdue: in the three days after
/// (a server down on the first day still sends it, once).
pub fn due(today: NaiveDate, due_on: NaiveDate) -> Option<Reminder> {
    match (due_on - today).num_days() {
        2..=7 => Some(Reminder::DueInAWeek),
        0..=1 => Some(Reminder::DueTomorrow),
        -3..=-1 => Some(Reminder::Overdue),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_reminder_on_which_day() {
        let due_on = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
        let day = |d: u32| NaiveDate::from_ymd_opt(2026, 12, d).unwrap();
        assert_eq!(due(day(23), due_on), None, "eight days before: nothing yet");
        assert_eq!(due(day(24), due_on), Some(Reminder::DueInAWeek));
        assert_eq!(due(day(29), due_on), Some(Reminder::DueInAWeek));
        assert_eq!(due(day(30), due_on), Some(Reminder::DueTomorrow));
        assert_eq!(due(day(31), due_on), Some(Reminder::DueTomorrow), "the due day itself");
        let jan = |d: u32| NaiveDate::from_ymd_opt(2027, 1, d).unwrap();
        assert_eq!(due(jan(1), due_on), Some(Reminder::Overdue), "the first day overdue");
        assert_eq!(due(jan(3), due_on), Some(Reminder::Overdue));
        assert_eq!(due(jan(4), due_on), None, "no reminder long after");
    }
}
