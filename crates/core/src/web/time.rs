//! Facility time: how pages show instants and how forms read wall-clock times.
//!
//! The database stores instants (`timestamptz`, UTC) and the JSON API reads and writes RFC 3339
//! in UTC. Pages show every time in the reader's [`Zone`] — the time zone of their facility
//! (see [`crate::platform::auth::user_zone_sql`] for the rule) — and forms read local times in
//! it. Every [`Page`](super::Page) carries the zone; handlers without a page take `Zone` as an
//! argument (it is resolved once per request, with the session).
//!
//! **At a daylight-saving change** a form's local time is read by this rule:
//! - a time the clocks skip (spring forward, e.g. 02:30 on 2026-03-08 in `America/New_York`)
//!   does not exist: the field is refused with a message saying so;
//! - a time the clocks show twice (fall back, e.g. 01:30 on 2026-11-01) is the **first**
//!   occurrence (the earlier instant, still on summer time) unless the form carries an explicit
//!   offset (`<field>_offset`, e.g. `-05:00`), which must be one that local time has.
//!
//! Displayed times carry the zone's abbreviation where the wall-clock time alone is ambiguous
//! (the repeated hour), and [`Zone::datetime_zoned`] always does (printouts, single stamps).
//!
//! The zone rules are the IANA database read by `jiff` (the host's `/usr/share/zoneinfo`, else
//! the copy in the binary). PostgreSQL's copy does the same for job schedules and quiet hours;
//! facility zones are checked against both ([`Zone::named`] here, `pg_timezone_names` there).

use std::fmt;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use jiff::tz::{AmbiguousOffset, Offset, TimeZone};
use jiff::Timestamp;
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

use super::FieldErrors;
use crate::formats::{hhmm, Formats};

/// A time zone to show and read times in: an IANA name and its rules.
#[derive(Clone)]
pub struct Zone {
    name: String,
    tz: TimeZone,
    /// How its display methods write dates and times: the reader's locale on pages, ISO 8601
    /// forms elsewhere ([`Formats::iso`], the default).
    fmt: Formats,
}

impl Default for Zone {
    fn default() -> Self {
        Zone::utc()
    }
}

impl fmt::Debug for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Zone({})", self.name)
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

impl PartialEq for Zone {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

/// What the display methods take: an instant, an optional one (shown as empty when absent), or
/// a reference to either (as templates pass them).
pub trait AsInstant {
    fn instant(&self) -> Option<OffsetDateTime>;
}

impl AsInstant for OffsetDateTime {
    fn instant(&self) -> Option<OffsetDateTime> {
        Some(*self)
    }
}

impl AsInstant for Option<OffsetDateTime> {
    fn instant(&self) -> Option<OffsetDateTime> {
        *self
    }
}

impl<T: AsInstant + ?Sized> AsInstant for &T {
    fn instant(&self) -> Option<OffsetDateTime> {
        (**self).instant()
    }
}

/// What [`Zone::day`] takes: a calendar date, an optional one, or a reference to either.
pub trait AsDay {
    fn day(&self) -> Option<Date>;
}

impl AsDay for Date {
    fn day(&self) -> Option<Date> {
        Some(*self)
    }
}

impl AsDay for Option<Date> {
    fn day(&self) -> Option<Date> {
        *self
    }
}

impl<T: AsDay + ?Sized> AsDay for &T {
    fn day(&self) -> Option<Date> {
        (**self).day()
    }
}

/// A choice of UTC offset for a form's time (`<field>_offset`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffsetChoice {
    /// The form value, `+HH:MM` or `-HH:MM`.
    pub value: String,
    /// E.g. `EDT (UTC−04:00)`.
    pub label: String,
}

/// Why a local time from a form was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocalTimeError {
    /// Not a date and time in the expected form.
    Malformed,
    /// The offset field holds something other than an offset.
    MalformedOffset,
    /// The clocks skip this local time (spring forward).
    Skipped { local: PrimitiveDateTime, zone: String, jump: Option<(Time, Time)> },
    /// The explicit offset is not one this local time has.
    WrongOffset { local: PrimitiveDateTime, zone: String, offsets: Vec<UtcOffset> },
}

impl fmt::Display for LocalTimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LocalTimeError::Malformed => f.write_str("Use the form YYYY-MM-DDTHH:MM."),
            LocalTimeError::MalformedOffset => f.write_str("Choose an offset from the list, or leave it on automatic."),
            LocalTimeError::Skipped { local, zone, jump } => {
                write!(f, "{} {} does not exist in {zone}: ", local.date(), hhmm(local.time()))?;
                match jump {
                    Some((from, to)) => write!(
                        f,
                        "the clocks go forward from {} to {} that day. Enter the time the clocks showed.",
                        hhmm(*from),
                        hhmm(*to)
                    ),
                    None => f.write_str("the clocks skip it that day. Enter the time the clocks showed."),
                }
            }
            LocalTimeError::WrongOffset { local, zone, offsets } => {
                let list: Vec<String> = offsets.iter().map(|o| utc_label(*o)).collect();
                write!(
                    f,
                    "At {} {} {zone} is {}; choose that offset or leave it on automatic.",
                    local.date(),
                    hhmm(local.time()),
                    list.join(" or ")
                )
            }
        }
    }
}

impl std::error::Error for LocalTimeError {}

/// `UTC−04:00` (with a true minus sign), `UTC+05:30`, `UTC`.
fn utc_label(o: UtcOffset) -> String {
    if o.is_utc() {
        return "UTC".into();
    }
    let (h, m, _) = o.as_hms();
    let sign = if o.is_negative() { '−' } else { '+' };
    format!("UTC{sign}{:02}:{:02}", h.unsigned_abs(), m.unsigned_abs())
}

/// `-04:00`, `+05:30`: the form value of an offset.
fn offset_value(o: UtcOffset) -> String {
    let (h, m, _) = o.as_hms();
    let sign = if o.is_negative() { '-' } else { '+' };
    format!("{sign}{:02}:{:02}", h.unsigned_abs(), m.unsigned_abs())
}

fn to_utc_offset(o: Offset) -> UtcOffset {
    UtcOffset::from_whole_seconds(o.seconds()).unwrap_or(UtcOffset::UTC)
}

fn timestamp(t: OffsetDateTime) -> Option<Timestamp> {
    Timestamp::new(t.unix_timestamp(), t.nanosecond() as i32).ok()
}

fn civil(p: PrimitiveDateTime) -> Option<jiff::civil::DateTime> {
    jiff::civil::DateTime::new(
        i16::try_from(p.year()).ok()?,
        p.month() as i8,
        p.day() as i8,
        p.hour() as i8,
        p.minute() as i8,
        p.second() as i8,
        p.nanosecond() as i32,
    )
    .ok()
}

impl Zone {
    /// Coordinated Universal Time.
    pub fn utc() -> Zone {
        Zone { name: "UTC".into(), tz: TimeZone::UTC, fmt: Formats::iso() }
    }

    /// The zone of an IANA name (`Europe/London`, `America/New_York`, `UTC`); `None` when the
    /// time zone database does not know it.
    pub fn named(name: &str) -> Option<Zone> {
        let name = name.trim();
        if name.is_empty() || name.len() > 60 {
            return None;
        }
        TimeZone::get(name).ok().map(|tz| Zone { name: name.to_string(), tz, fmt: Formats::iso() })
    }

    /// The same zone writing dates, times and numbers in `fmt`'s locale (pages: the reader's).
    pub fn with_formats(mut self, fmt: Formats) -> Zone {
        self.fmt = fmt;
        self
    }

    /// The locale formats this zone's display methods use (templates:
    /// `{{ page.zone.fmt().integer(n) }}`).
    pub fn fmt(&self) -> &Formats {
        &self.fmt
    }

    /// A calendar date (a birth date, an onset), not an instant: `Mar 8, 2026` in the reader's
    /// locale; empty when absent.
    pub fn day(&self, d: impl AsDay) -> String {
        d.day().map(|d| self.fmt.date(d)).unwrap_or_default()
    }

    /// The IANA name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The zone's offset from UTC at `t`.
    pub fn offset_at(&self, t: OffsetDateTime) -> UtcOffset {
        timestamp(t).map(|ts| to_utc_offset(self.tz.to_offset(ts))).unwrap_or(UtcOffset::UTC)
    }

    /// The same instant, at the zone's offset (its date and time are the wall-clock ones).
    pub fn local(&self, t: OffsetDateTime) -> OffsetDateTime {
        t.checked_to_offset(self.offset_at(t)).unwrap_or(t)
    }

    /// The zone's abbreviation at `t` (`EST`, `BST`; `+0530`-style where the zone has none).
    pub fn abbreviation(&self, t: impl AsInstant) -> String {
        let Some(t) = t.instant() else { return String::new() };
        match timestamp(t) {
            Some(ts) => self.tz.to_offset_info(ts).abbreviation().to_string(),
            None => "UTC".into(),
        }
    }

    /// Whether `t`'s wall-clock time occurs twice in the zone (the hour repeated when the clocks
    /// go back), so that the time alone does not say which instant it is.
    pub fn is_repeated(&self, t: OffsetDateTime) -> bool {
        let l = self.local(t);
        civil(PrimitiveDateTime::new(l.date(), l.time()))
            .is_some_and(|c| matches!(self.tz.to_ambiguous_timestamp(c).offset(), AmbiguousOffset::Fold { .. }))
    }

    fn suffix(&self, t: OffsetDateTime) -> String {
        if self.is_repeated(t) {
            format!(" {}", self.abbreviation(t))
        } else {
            String::new()
        }
    }

    /// As [`day`](Self::day), with `absent` in place of a missing date (`"—"` in tables).
    pub fn day_or(&self, d: impl AsDay, absent: &str) -> String {
        d.day().map(|d| self.fmt.date(d)).unwrap_or_else(|| absent.to_string())
    }

    /// The local date of `t`: `2026-03-08` (in the reader's locale on pages: `Mar 8, 2026`).
    pub fn date(&self, t: impl AsInstant) -> String {
        t.instant().map(|t| self.fmt.date(self.local(t).date())).unwrap_or_default()
    }

    /// The local time of `t`: `09:30` (`01:30 EDT` in a repeated hour).
    pub fn time(&self, t: impl AsInstant) -> String {
        t.instant().map(|t| format!("{}{}", self.fmt.time(self.local(t).time()), self.suffix(t))).unwrap_or_default()
    }

    /// The local date and time of `t`: `2026-03-08 09:30` (`2026-11-01 01:30 EST` in a repeated
    /// hour; `Mar 8, 2026, 09:30` in English on pages).
    pub fn datetime(&self, t: impl AsInstant) -> String {
        let Some(t) = t.instant() else { return String::new() };
        let l = self.local(t);
        format!("{}{}", self.fmt.datetime(PrimitiveDateTime::new(l.date(), l.time())), self.suffix(t))
    }

    /// As [`datetime`](Self::datetime) with seconds: `2026-03-08 09:30:05`.
    pub fn datetime_secs(&self, t: impl AsInstant) -> String {
        let Some(t) = t.instant() else { return String::new() };
        let l = self.local(t);
        format!("{}{}", self.fmt.datetime_secs(PrimitiveDateTime::new(l.date(), l.time())), self.suffix(t))
    }

    /// The local date and time with the zone's abbreviation, always: `2026-03-08 09:30 EST`.
    pub fn datetime_zoned(&self, t: impl AsInstant) -> String {
        let Some(t) = t.instant() else { return String::new() };
        let l = self.local(t);
        format!("{} {}", self.fmt.datetime(PrimitiveDateTime::new(l.date(), l.time())), self.abbreviation(t))
    }

    /// The value of a `datetime-local` input showing `t`: `2026-03-08T09:30`.
    pub fn input_value(&self, t: impl AsInstant) -> String {
        let Some(t) = t.instant() else { return String::new() };
        let l = self.local(t);
        format!("{}T{}", l.date(), hhmm(l.time()))
    }

    /// Today's date in the zone.
    pub fn today(&self) -> Date {
        self.local(OffsetDateTime::now_utc()).date()
    }

    /// The first instant of local day `d` (midnight, or the end of a gap at midnight).
    pub fn day_start(&self, d: Date) -> OffsetDateTime {
        let midnight = PrimitiveDateTime::new(d, Time::MIDNIGHT);
        let offset = civil(midnight).map(|c| match self.tz.to_ambiguous_timestamp(c).offset() {
            AmbiguousOffset::Unambiguous { offset } => offset,
            // Midnight skipped: the day starts at the transition, which is midnight read with the
            // offset before it. Midnight repeated: the first one.
            AmbiguousOffset::Gap { before, .. } | AmbiguousOffset::Fold { before, .. } => before,
        });
        let t = midnight.assume_offset(offset.map(to_utc_offset).unwrap_or(UtcOffset::UTC));
        t.checked_to_offset(UtcOffset::UTC).unwrap_or(t)
    }

    /// Local day `d` as the half-open range of instants `[start, next day's start)` (23, 24 or
    /// 25 hours long).
    pub fn day_range(&self, d: Date) -> (OffsetDateTime, OffsetDateTime) {
        let next = d.next_day().unwrap_or(d);
        (self.day_start(d), self.day_start(next))
    }

    /// The instant of a local date and time, by the rule at DST changes (module docs): a skipped
    /// time is an error, a repeated one is the first occurrence unless `offset` picks one.
    pub fn resolve(
        &self,
        local: PrimitiveDateTime,
        offset: Option<UtcOffset>,
    ) -> Result<OffsetDateTime, LocalTimeError> {
        let c = civil(local).ok_or(LocalTimeError::Malformed)?;
        let wrong = |offsets: Vec<UtcOffset>| LocalTimeError::WrongOffset { local, zone: self.name.clone(), offsets };
        let chosen = match self.tz.to_ambiguous_timestamp(c).offset() {
            AmbiguousOffset::Unambiguous { offset: o } => {
                let o = to_utc_offset(o);
                match offset {
                    Some(x) if x != o => return Err(wrong(vec![o])),
                    _ => o,
                }
            }
            AmbiguousOffset::Gap { before, after } => {
                return Err(LocalTimeError::Skipped {
                    local,
                    zone: self.name.clone(),
                    jump: self.gap_bounds(local, to_utc_offset(before), to_utc_offset(after)),
                });
            }
            AmbiguousOffset::Fold { before, after } => {
                let (before, after) = (to_utc_offset(before), to_utc_offset(after));
                match offset {
                    None => before,
                    Some(x) if x == before || x == after => x,
                    Some(_) => return Err(wrong(vec![before, after])),
                }
            }
        };
        local.assume_offset(chosen).checked_to_offset(UtcOffset::UTC).ok_or(LocalTimeError::Malformed)
    }

    /// The wall-clock times on either side of the gap `local` falls in (`02:00` → `03:00`).
    fn gap_bounds(&self, local: PrimitiveDateTime, before: UtcOffset, after: UtcOffset) -> Option<(Time, Time)> {
        // Read with the offset before the gap, a time inside it lies just after the transition.
        let probe = timestamp(local.assume_offset(before))?.checked_add(jiff::SignedDuration::from_nanos(1)).ok()?;
        let transition = self.tz.preceding(probe).next()?.timestamp();
        let at = OffsetDateTime::from_unix_timestamp(transition.as_second()).ok()?;
        Some((at.checked_to_offset(before)?.time(), at.checked_to_offset(after)?.time()))
    }

    /// Reads a form's local date-time (`YYYY-MM-DDTHH:MM[:SS]` as a `datetime-local` input sends
    /// it, or with a space) and its optional offset field (empty or `auto`: by the rule). A value
    /// in RFC 3339 (with its own offset or `Z`) is that instant, whatever the zone.
    pub fn parse_local(&self, value: &str, offset: Option<&str>) -> Result<OffsetDateTime, LocalTimeError> {
        if let Ok(t) = OffsetDateTime::parse(value.trim(), &time::format_description::well_known::Rfc3339) {
            return Ok(t);
        }
        let local = parse_local_datetime(value).ok_or(LocalTimeError::Malformed)?;
        let offset = match offset.map(str::trim).filter(|o| !o.is_empty() && *o != "auto") {
            None => None,
            Some(o) => Some(parse_offset(o).ok_or(LocalTimeError::MalformedOffset)?),
        };
        self.resolve(local, offset)
    }

    /// [`parse_local`](Self::parse_local) for a form field: an empty value is `None` without an
    /// error (the caller decides what empty means); a refused one adds its message to `errors`
    /// under `field` (the offset's own errors too, so one message sits by the input).
    pub fn read_field(
        &self,
        errors: &mut FieldErrors,
        field: &'static str,
        value: &str,
        offset: Option<&str>,
    ) -> Option<OffsetDateTime> {
        if value.trim().is_empty() {
            return None;
        }
        match self.parse_local(value, offset) {
            Ok(t) => Some(t),
            Err(e) => {
                errors.add(field, e.to_string());
                None
            }
        }
    }

    /// The offsets the zone uses from a year ago to a year ahead, for a form's offset choice
    /// (one entry: the zone has no DST, and forms show no choice).
    pub fn offset_choices(&self) -> Vec<OffsetChoice> {
        let now = OffsetDateTime::now_utc();
        let mut seen: Vec<(UtcOffset, String)> = Vec::new();
        let mut add = |o: UtcOffset, abbr: String| {
            if !seen.iter().any(|(s, _)| *s == o) {
                seen.push((o, abbr));
            }
        };
        add(self.offset_at(now), self.abbreviation(now));
        if let (Some(from), Some(to)) =
            (timestamp(now - time::Duration::days(366)), timestamp(now + time::Duration::days(366)))
        {
            for t in self.tz.following(from).take(8).take_while(|t| t.timestamp() < to) {
                add(to_utc_offset(t.offset()), t.abbreviation().to_string());
            }
        }
        seen.sort_by_key(|(o, _)| std::cmp::Reverse(*o));
        seen.into_iter()
            .map(|(o, abbr)| {
                let utc = utc_label(o);
                let label = if abbr.is_empty() || abbr.starts_with(['+', '-']) || abbr == utc {
                    utc
                } else {
                    format!("{abbr} ({utc})")
                };
                OffsetChoice { value: offset_value(o), label }
            })
            .collect()
    }

    /// Whether forms in this zone offer an offset choice (the zone changes its clocks).
    pub fn has_dst(&self) -> bool {
        self.offset_choices().len() > 1
    }
}

/// `2026-03-08T09:30`, `2026-03-08T09:30:15`, `2026-03-08 09:30`.
pub fn parse_local_datetime(v: &str) -> Option<PrimitiveDateTime> {
    let v = v.trim();
    let (d, t) = v.split_once(['T', ' '])?;
    let date = Date::parse(d, time::macros::format_description!("[year]-[month]-[day]")).ok()?;
    let time = Time::parse(t, time::macros::format_description!("[hour]:[minute]:[second]"))
        .or_else(|_| Time::parse(t, time::macros::format_description!("[hour]:[minute]")))
        .ok()?;
    Some(PrimitiveDateTime::new(date, time))
}

/// `-05:00`, `+05:30`, `Z`.
pub fn parse_offset(v: &str) -> Option<UtcOffset> {
    let v = v.trim();
    if v == "Z" {
        return Some(UtcOffset::UTC);
    }
    UtcOffset::parse(v, time::macros::format_description!("[offset_hour sign:mandatory]:[offset_minute]")).ok()
}

impl<S: Send + Sync> FromRequestParts<S> for Zone {
    type Rejection = std::convert::Infallible;
    /// The zone resolved with the session (the user's facility's, else the installation's);
    /// UTC outside a page request.
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<Zone>().cloned().unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use time::macros::{date, datetime, offset};

    use super::*;

    fn ny() -> Zone {
        Zone::named("America/New_York").expect("tzdb knows New York")
    }

    #[test]
    fn shows_instants_in_the_zone() {
        let z = ny();
        // Winter: UTC−5.
        assert_eq!(z.datetime(datetime!(2026-01-15 14:30 UTC)), "2026-01-15 09:30");
        // Summer: UTC−4.
        assert_eq!(z.datetime(datetime!(2026-07-15 13:30 UTC)), "2026-07-15 09:30");
        assert_eq!(z.time(datetime!(2026-07-15 13:30 UTC)), "09:30");
        // The local date, not the UTC one.
        assert_eq!(z.date(datetime!(2026-07-16 02:00 UTC)), "2026-07-15");
        assert_eq!(z.datetime_zoned(datetime!(2026-01-15 14:30 UTC)), "2026-01-15 09:30 EST");
        assert_eq!(z.input_value(datetime!(2026-01-15 14:30 UTC)), "2026-01-15T09:30");
        assert_eq!(Zone::utc().datetime(datetime!(2026-01-15 14:30 UTC)), "2026-01-15 14:30");
        let london = Zone::named("Europe/London").expect("tzdb knows London");
        assert_eq!(london.datetime_zoned(datetime!(2026-07-15 13:30 UTC)), "2026-07-15 14:30 BST");
    }

    #[test]
    fn the_repeated_hour_carries_its_abbreviation() {
        let z = ny();
        // 2026-11-01: 01:00–02:00 happens twice (EDT, then EST).
        assert_eq!(z.datetime(datetime!(2026-11-01 05:30 UTC)), "2026-11-01 01:30 EDT");
        assert_eq!(z.datetime(datetime!(2026-11-01 06:30 UTC)), "2026-11-01 01:30 EST");
        assert_eq!(z.datetime(datetime!(2026-11-01 08:30 UTC)), "2026-11-01 03:30");
    }

    #[test]
    fn reads_local_times_by_the_dst_rule() {
        let z = ny();
        assert_eq!(z.parse_local("2026-01-15T09:30", None), Ok(datetime!(2026-01-15 14:30 UTC)));
        assert_eq!(z.parse_local("2026-07-15 09:30", Some("")), Ok(datetime!(2026-07-15 13:30 UTC)));
        // Skipped: 2026-03-08 02:00 → 03:00.
        let e = z.parse_local("2026-03-08T02:30", None).unwrap_err();
        assert!(matches!(e, LocalTimeError::Skipped { .. }));
        assert_eq!(
            e.to_string(),
            "2026-03-08 02:30 does not exist in America/New_York: the clocks go forward from 02:00 to 03:00 \
             that day. Enter the time the clocks showed."
        );
        assert_eq!(z.parse_local("2026-03-08T03:00", None), Ok(datetime!(2026-03-08 07:00 UTC)));
        assert_eq!(z.parse_local("2026-03-08T01:59", None), Ok(datetime!(2026-03-08 06:59 UTC)));
        // Repeated: the first occurrence, unless an offset says which.
        assert_eq!(z.parse_local("2026-11-01T01:30", None), Ok(datetime!(2026-11-01 05:30 UTC)));
        assert_eq!(z.parse_local("2026-11-01T01:30", Some("auto")), Ok(datetime!(2026-11-01 05:30 UTC)));
        assert_eq!(z.parse_local("2026-11-01T01:30", Some("-05:00")), Ok(datetime!(2026-11-01 06:30 UTC)));
        assert_eq!(z.parse_local("2026-11-01T01:30", Some("-04:00")), Ok(datetime!(2026-11-01 05:30 UTC)));
        let e = z.parse_local("2026-11-01T01:30", Some("+01:00")).unwrap_err();
        assert!(e.to_string().contains("UTC−04:00 or UTC−05:00"), "{e}");
        // An offset the time does not have.
        let e = z.parse_local("2026-07-15T09:30", Some("-05:00")).unwrap_err();
        assert!(matches!(e, LocalTimeError::WrongOffset { .. }), "{e}");
        assert_eq!(z.parse_local("2026-07-15T09:30", Some("-04:00")), Ok(datetime!(2026-07-15 13:30 UTC)));
        assert_eq!(z.parse_local("2026-07-15T09:30", Some("nonsense")), Err(LocalTimeError::MalformedOffset));
        assert_eq!(z.parse_local("15/07/2026 09:30", None), Err(LocalTimeError::Malformed));
        // An explicit instant is that instant.
        assert_eq!(z.parse_local("2026-03-08T02:30:00-05:00", None), Ok(datetime!(2026-03-08 07:30 UTC)));
        assert_eq!(Zone::utc().parse_local("2026-03-08T02:30", None), Ok(datetime!(2026-03-08 02:30 UTC)));
        assert_eq!(z.parse_local("2026-02-30T09:30", None), Err(LocalTimeError::Malformed));
    }

    #[test]
    fn form_fields_add_their_message() {
        let z = ny();
        let mut errors = FieldErrors::default();
        assert_eq!(z.read_field(&mut errors, "at", "  ", None), None);
        assert!(errors.is_empty());
        assert_eq!(z.read_field(&mut errors, "at", "2026-03-08T02:15", None), None);
        assert!(errors.get("at").is_some_and(|m| m.contains("does not exist")));
    }

    #[test]
    fn local_days_are_23_24_or_25_hours() {
        let z = ny();
        assert_eq!(
            z.day_range(date!(2026 - 01 - 15)),
            (datetime!(2026-01-15 05:00 UTC), datetime!(2026-01-16 05:00 UTC))
        );
        let (s, e) = z.day_range(date!(2026 - 03 - 08));
        assert_eq!(e - s, time::Duration::hours(23));
        let (s, e) = z.day_range(date!(2026 - 11 - 01));
        assert_eq!(e - s, time::Duration::hours(25));
        // A zone whose clocks skip midnight (Santiago, first Sunday of September 2024): the day
        // starts at the transition.
        let santiago = Zone::named("America/Santiago").expect("tzdb knows Santiago");
        assert_eq!(santiago.day_start(date!(2024 - 09 - 08)), datetime!(2024-09-08 04:00 UTC));
    }

    #[test]
    fn offset_choices_follow_the_zone() {
        let values: Vec<String> = ny().offset_choices().into_iter().map(|c| c.value).collect();
        assert_eq!(values, ["-04:00", "-05:00"]);
        assert!(ny().offset_choices()[1].label.starts_with("EST (UTC−05:00)"));
        assert_eq!(Zone::utc().offset_choices().len(), 1);
        assert!(!Zone::named("Asia/Kolkata").expect("tzdb knows Kolkata").has_dst());
        assert_eq!(parse_offset("+05:30"), Some(offset!(+5:30)));
    }

    #[test]
    fn the_bundled_database_serves_hosts_without_tzdata() {
        // The slim image has no /usr/share/zoneinfo: the copy in the binary must answer.
        let db = jiff::tz::TimeZoneDatabase::bundled();
        let tz = db.get("America/New_York").expect("bundled tzdb knows New York");
        let ts = timestamp(datetime!(2026-07-15 13:30 UTC)).expect("in range");
        assert_eq!(tz.to_offset(ts).seconds(), -4 * 3600);
    }

    #[test]
    fn unknown_zones_are_refused() {
        assert!(Zone::named("Mars/Olympus_Mons").is_none());
        assert!(Zone::named("").is_none());
        assert_eq!(Zone::named(" UTC ").map(|z| z.name().to_string()), Some("UTC".into()));
    }
}
