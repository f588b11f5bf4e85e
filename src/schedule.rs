//! When a nudge is due: a wait after the last event, counted in business days in the
//! user's time zone, moved into the send window; a deferral that names a day waits for
//! that day plus one business day. Pure: the clock is passed in (`--now` drives it).

use jiff::civil::{Date, DateTime, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, Zoned};

use crate::config::NudgeConfig;

/// What the schedule needs to know about a thread.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Timeline {
    /// The user's message, or the last human reply that left asks open, or the user's
    /// own follow-up: the wait counts from here.
    pub last_event: Option<Timestamp>,
    /// When the nudges made so far were made, oldest first.
    pub nudges: Vec<Timestamp>,
    /// Some open ask is unanswered (not merely deferred).
    pub any_unanswered: bool,
    /// The days named by the deferrals of the open asks ("by Friday"); `None` for a
    /// deferral that named no day.
    pub deferred_until: Vec<Option<Date>>,
}

/// The moment the next nudge is due, or `None` when no more nudges may be made.
pub fn next_due(cfg: &NudgeConfig, timeline: &Timeline) -> Option<Timestamp> {
    if timeline.nudges.len() >= cfg.max_nudges as usize {
        return None;
    }
    let (from, days) = match timeline.nudges.last() {
        Some(last) => (*last, cfg.repeat_days),
        None => (timeline.last_event?, cfg.wait_days),
    };
    let tz = &cfg.timezone;
    let mut due = add_days(cfg, &from.to_zoned(tz.clone()), days);
    // Only deferrals left: wait for the latest day they named, plus one business day.
    if !timeline.any_unanswered
        && let Some(latest) = timeline.deferred_until.iter().flatten().max()
    {
        let start = at(tz, latest.to_datetime(cfg.send_window.0));
        let after = add_days(cfg, &start, 1);
        if after > due {
            due = after;
        }
    }
    Some(into_window(cfg, &due).timestamp())
}

/// `days` days later (business days when so configured), same local time of day.
fn add_days(cfg: &NudgeConfig, from: &Zoned, days: u32) -> Zoned {
    let mut date = from.date();
    let mut left = days;
    while left > 0 {
        date = date.tomorrow().unwrap_or(date);
        if !cfg.business_days || is_business_day(date) {
            left -= 1;
        }
    }
    at(&cfg.timezone, date.to_datetime(from.time()))
}

/// The first moment at or after `when` that lies inside the send window on a day nudges
/// may go out.
fn into_window(cfg: &NudgeConfig, when: &Zoned) -> Zoned {
    let (start, end) = cfg.send_window;
    let mut date = when.date();
    let mut time = when.time();
    if time >= end {
        date = date.tomorrow().unwrap_or(date);
        time = start;
    } else if time < start {
        time = start;
    }
    while cfg.business_days && !is_business_day(date) {
        date = date.tomorrow().unwrap_or(date);
        time = start;
    }
    at(&cfg.timezone, date.to_datetime(time))
}

fn is_business_day(date: Date) -> bool {
    !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
}

/// A local date and time in the zone. A time skipped by a DST change moves forward past
/// the gap, a time that happens twice takes the first ("compatible", as calendars do).
fn at(tz: &TimeZone, dt: DateTime) -> Zoned {
    tz.to_ambiguous_zoned(dt)
        .compatible()
        .unwrap_or_else(|_| Timestamp::UNIX_EPOCH.to_zoned(tz.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::NudgeConfig;
    use jiff::civil::Time;

    fn parse_time(text: &str) -> Option<Time> {
        text.parse().ok()
    }

    fn cfg(tz: &str) -> NudgeConfig {
        NudgeConfig {
            timezone: TimeZone::get(tz).unwrap(),
            ..NudgeConfig::for_tests()
        }
    }

    fn local(cfg: &NudgeConfig, text: &str) -> Timestamp {
        at(&cfg.timezone, text.parse().unwrap()).timestamp()
    }

    fn show(cfg: &NudgeConfig, ts: Timestamp) -> String {
        ts.to_zoned(cfg.timezone.clone())
            .strftime("%a %Y-%m-%d %H:%M")
            .to_string()
    }

    fn due(cfg: &NudgeConfig, timeline: Timeline) -> String {
        show(cfg, next_due(cfg, &timeline).unwrap())
    }

    fn sent_at(cfg: &NudgeConfig, text: &str) -> Timeline {
        Timeline {
            last_event: Some(local(cfg, text)),
            any_unanswered: true,
            ..Timeline::default()
        }
    }

    #[test]
    fn business_days_skip_the_weekend() {
        let c = cfg("Europe/Berlin");
        // Thursday + 3 business days = Tuesday, same time.
        assert_eq!(
            due(&c, sent_at(&c, "2026-11-05T10:30")),
            "Tue 2026-11-10 10:30"
        );
        // Friday evening + 3 = Wednesday evening, past the window: Thursday 09:00.
        assert_eq!(
            due(&c, sent_at(&c, "2026-11-06T19:00")),
            "Thu 2026-11-12 09:00"
        );
    }

    #[test]
    fn calendar_days_when_not_business_days() {
        let mut c = cfg("Europe/Berlin");
        c.business_days = false;
        // Thursday + 3 = Sunday, inside the window: a Sunday is fine then.
        assert_eq!(
            due(&c, sent_at(&c, "2026-11-05T10:30")),
            "Sun 2026-11-08 10:30"
        );
    }

    #[test]
    fn early_morning_waits_for_the_window() {
        let c = cfg("America/New_York");
        assert_eq!(
            due(&c, sent_at(&c, "2026-11-02T06:15")),
            "Thu 2026-11-05 09:00"
        );
    }

    #[test]
    fn dst_change_keeps_local_time() {
        let c = cfg("Europe/Berlin");
        // Clocks go back on Sunday 2026-10-25; 10:00 stays 10:00 local.
        assert_eq!(
            due(&c, sent_at(&c, "2026-10-22T10:00")),
            "Tue 2026-10-27 10:00"
        );
        let us = cfg("America/New_York");
        // Clocks go forward on Sunday 2027-03-14.
        assert_eq!(
            due(&us, sent_at(&us, "2027-03-11T16:30")),
            "Tue 2027-03-16 16:30"
        );
    }

    #[test]
    fn window_start_in_a_dst_gap_moves_past_it() {
        let mut c = cfg("Europe/Berlin");
        c.business_days = false;
        c.send_window = (parse_time("02:30").unwrap(), parse_time("05:00").unwrap());
        // 2027-03-28 02:30 does not exist in Berlin; the nudge goes at 03:30.
        assert_eq!(
            due(&c, sent_at(&c, "2027-03-25T01:00")),
            "Sun 2027-03-28 03:30"
        );
    }

    #[test]
    fn repeats_then_stops() {
        let c = cfg("Europe/Berlin");
        let mut t = sent_at(&c, "2026-11-02T10:00");
        t.nudges = vec![local(&c, "2026-11-05T09:00")];
        // Thursday + 4 business days = Wednesday.
        assert_eq!(due(&c, t.clone()), "Wed 2026-11-11 09:00");
        t.nudges.push(local(&c, "2026-11-11T09:00"));
        assert_eq!(next_due(&c, &t), None);
    }

    #[test]
    fn dated_deferral_waits_for_its_day_plus_one() {
        let c = cfg("Europe/Berlin");
        let mut t = sent_at(&c, "2026-11-02T10:00");
        t.any_unanswered = false;
        t.deferred_until = vec![Some(Date::new(2026, 11, 13).unwrap())];
        // Deferred "by Friday the 13th": due Monday the 16th, window start.
        assert_eq!(due(&c, t.clone()), "Mon 2026-11-16 09:00");
        // Something else is still unanswered: the ordinary wait applies.
        t.any_unanswered = true;
        assert_eq!(due(&c, t), "Thu 2026-11-05 10:00");
    }

    #[test]
    fn undated_deferral_uses_the_ordinary_wait() {
        let c = cfg("Europe/Berlin");
        let mut t = sent_at(&c, "2026-11-02T10:00");
        t.any_unanswered = false;
        t.deferred_until = vec![None];
        assert_eq!(due(&c, t), "Thu 2026-11-05 10:00");
    }

    #[test]
    fn nothing_to_count_from() {
        let c = cfg("Europe/Berlin");
        assert_eq!(next_due(&c, &Timeline::default()), None);
    }
}
