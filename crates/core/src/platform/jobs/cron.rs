//! Five-field cron expressions (`minute hour day-of-month month day-of-week`, UTC) with `*`,
//! lists, ranges and steps, plus the `@hourly`/`@daily`/`@weekly`/`@monthly` shorthands.
//! Small enough to own, and it keeps chrono out of the dependency tree.

use time::{Duration, OffsetDateTime, Time};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    minutes: u64,
    hours: u64,
    days: u64,
    months: u64,
    weekdays: u64,
    // Standard cron: when both day fields are restricted, either may match.
    dom_any: bool,
    dow_any: bool,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid cron expression {expr:?}: {why}")]
pub struct CronError {
    pub expr: String,
    pub why: String,
}

impl std::str::FromStr for Cron {
    type Err = CronError;
    fn from_str(s: &str) -> Result<Self, CronError> {
        Cron::parse(s)
    }
}

fn field(text: &str, min: u32, max: u32, name: &str) -> Result<u64, String> {
    let mut bits = 0u64;
    for part in text.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => {
                let step: u32 = s.parse().map_err(|_| format!("{name}: step {s:?} is not a number"))?;
                if step == 0 {
                    return Err(format!("{name}: step must be at least 1"));
                }
                (r, step)
            }
            None => (part, 1),
        };
        let (lo, hi) = if range == "*" {
            (min, max)
        } else if let Some((a, b)) = range.split_once('-') {
            let a: u32 = a.parse().map_err(|_| format!("{name}: {a:?} is not a number"))?;
            let b: u32 = b.parse().map_err(|_| format!("{name}: {b:?} is not a number"))?;
            (a, b)
        } else {
            let v: u32 = range.parse().map_err(|_| format!("{name}: {range:?} is not a number"))?;
            // "5/15" means from 5 to the end in steps of 15.
            (v, if step > 1 { max } else { v })
        };
        if lo < min || hi > max || lo > hi {
            return Err(format!("{name}: {part:?} is outside {min}-{max}"));
        }
        let mut v = lo;
        while v <= hi {
            bits |= 1 << v;
            v += step;
        }
    }
    Ok(bits)
}

impl Cron {
    pub fn parse(expr: &str) -> Result<Self, CronError> {
        let e = |why: String| CronError { expr: expr.to_string(), why };
        let text = match expr.trim() {
            "@hourly" => "0 * * * *",
            "@daily" | "@midnight" => "0 0 * * *",
            "@weekly" => "0 0 * * 0",
            "@monthly" => "0 0 1 * *",
            other => other,
        };
        let parts: Vec<&str> = text.split_whitespace().collect();
        if parts.len() != 5 {
            return Err(e(format!("expected 5 fields (minute hour day month weekday), found {}", parts.len())));
        }
        let mut weekdays = field(parts[4], 0, 7, "weekday").map_err(e)?;
        if weekdays & (1 << 7) != 0 {
            weekdays = (weekdays | 1) & !(1 << 7); // 7 is Sunday too
        }
        Ok(Cron {
            minutes: field(parts[0], 0, 59, "minute").map_err(e)?,
            hours: field(parts[1], 0, 23, "hour").map_err(e)?,
            days: field(parts[2], 1, 31, "day of month").map_err(e)?,
            months: field(parts[3], 1, 12, "month").map_err(e)?,
            weekdays,
            dom_any: parts[2].starts_with('*'),
            dow_any: parts[4].starts_with('*'),
        })
    }

    fn day_matches(&self, t: OffsetDateTime) -> bool {
        let dom = self.days & (1 << t.day()) != 0;
        let dow = self.weekdays & (1 << t.weekday().number_days_from_sunday()) != 0;
        match (self.dom_any, self.dow_any) {
            (true, true) => true,
            (true, false) => dow,
            (false, true) => dom,
            (false, false) => dom || dow,
        }
    }

    /// The first matching minute strictly after `after` (UTC), within five years.
    pub fn next_after(&self, after: OffsetDateTime) -> Option<OffsetDateTime> {
        let after = after.to_offset(time::UtcOffset::UTC);
        let mut t = after.replace_second(0).ok()?.replace_nanosecond(0).ok()? + Duration::minutes(1);
        let limit = after + Duration::days(5 * 366);
        while t <= limit {
            if self.months & (1 << u8::from(t.month())) == 0 {
                // First minute of the next month.
                let (y, m) = if t.month() == time::Month::December {
                    (t.year() + 1, 1)
                } else {
                    (t.year(), u8::from(t.month()) + 1)
                };
                let date = time::Date::from_calendar_date(y, time::Month::try_from(m).ok()?, 1).ok()?;
                t = date.with_time(Time::MIDNIGHT).assume_utc();
                continue;
            }
            if !self.day_matches(t) {
                t = (t.date().next_day()?).with_time(Time::MIDNIGHT).assume_utc();
                continue;
            }
            if self.hours & (1 << t.hour()) == 0 {
                t = t.replace_minute(0).ok()? + Duration::hours(1);
                continue;
            }
            if self.minutes & (1 << t.minute()) == 0 {
                t += Duration::minutes(1);
                continue;
            }
            return Some(t);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn parses_and_finds_next() {
        let c = Cron::parse("0 7 * * *").unwrap();
        assert_eq!(c.next_after(datetime!(2026-03-01 06:59:30 UTC)), Some(datetime!(2026-03-01 07:00 UTC)));
        assert_eq!(c.next_after(datetime!(2026-03-01 07:00 UTC)), Some(datetime!(2026-03-02 07:00 UTC)));
        let c = Cron::parse("*/15 * * * *").unwrap();
        assert_eq!(c.next_after(datetime!(2026-03-01 06:16 UTC)), Some(datetime!(2026-03-01 06:30 UTC)));
        let c = Cron::parse("30 9 * * 1-5").unwrap(); // 2026-03-07 is a Saturday
        assert_eq!(c.next_after(datetime!(2026-03-07 10:00 UTC)), Some(datetime!(2026-03-09 09:30 UTC)));
        let c = Cron::parse("0 0 29 2 *").unwrap();
        assert_eq!(c.next_after(datetime!(2026-03-01 00:00 UTC)), Some(datetime!(2028-02-29 00:00 UTC)));
        let c = Cron::parse("@monthly").unwrap();
        assert_eq!(c.next_after(datetime!(2026-12-15 00:00 UTC)), Some(datetime!(2027-01-01 00:00 UTC)));
        assert!(Cron::parse("0 0 * * 7").unwrap().next_after(datetime!(2026-03-07 10:00 UTC)).is_some());
    }

    #[test]
    fn refuses_malformed() {
        for bad in ["", "* * * *", "61 * * * *", "* 24 * * *", "*/0 * * * *", "a b c d e", "5-1 * * * *", "* * 0 * *"] {
            assert!(Cron::parse(bad).is_err(), "{bad:?} accepted");
        }
    }
}
