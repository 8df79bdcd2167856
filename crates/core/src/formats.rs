//! Local formats: dates, times and numbers written the way the reader's locale writes them.
//!
//! One service for every page (issue 15): CLDR's patterns through ICU4X (`icu_datetime`,
//! `icu_decimal`, compiled data in the binary, nothing read at run time). Pages get a
//! [`Formats`] with their [`Zone`](crate::web::time::Zone) (`page.zone.date(t)` is already local
//! and localised); where no reader's locale is known (the JSON API, CSV files, jobs) the same
//! calls give ISO 8601 forms, which other programs read.
//!
//! Choices, fixed here so that every module shows the same thing:
//! - **Dates** use the locale's *medium* form: `Mar 8, 2026` (en), `8 mar 2026` (es),
//!   `08/03/2026` (ar). The month is a word wherever the locale's medium form has one; a short
//!   numeric form (`3/8/26`) is never used, because dd/mm against mm/dd is a clinical hazard.
//! - **Times** are on the 24-hour clock (`14:05`) unless the locale tag asks otherwise with a
//!   Unicode extension (`en-US-u-hc-h12`): clinical records are kept on the 24-hour clock.
//! - **The Gregorian calendar** always, whatever the locale's default calendar (`ar-SA`).
//! - **Digits**: Latin digits in Arabic by default (`ar` → `ar-u-nu-latn`), so doses, MRNs and
//!   times read the same on every screen; a tag with its own `-u-nu-…` keeps it.
//! - **Numbers** group as the locale does: `1,234,567.5` (en), `1.234.567,5` (es; `1234,5`: no
//!   grouping of four digits),
//!   `12,34,567.5` (Indian English and Hindi: lakh grouping).
//! - **Money** is the amount in the locale's number form with the ISO 4217 code on the side the
//!   locale puts a currency: `USD 1,234.50`, `1.234,50 EUR`. A code, not a symbol: `$` alone is
//!   ambiguous between the currencies a network of facilities may bill in.
//! - **Units** (`mmHg`, `kg`, `/min`) are written as they are, after the localised number.
//!
//! Formatters are built once per locale tag and shared (a bounded cache): building one costs
//! more than formatting with it.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

use icu_calendar::{Date as IcuDate, Gregorian};
use icu_datetime::fieldsets::{T, YMD, YMDT};
use icu_datetime::input::{DateTime as IcuDateTime, Time as IcuTime};
use icu_datetime::{FixedCalendarDateTimeFormatter, NoCalendarFormatter};
use icu_decimal::input::Decimal;
use icu_decimal::DecimalFormatter;
use icu_locale_core::extensions::unicode::{key, value};
use icu_locale_core::Locale;
use time::{Date, PrimitiveDateTime, Time};

/// The formats of one locale, or ISO 8601 forms ([`Formats::iso`], the default). Cheap to clone.
#[derive(Clone, Default)]
pub struct Formats(Option<Arc<Inner>>);

struct Inner {
    /// The locale tag with the extensions applied (`ar-u-hc-h23-nu-latn`).
    tag: String,
    date: FixedCalendarDateTimeFormatter<Gregorian, YMD>,
    datetime: FixedCalendarDateTimeFormatter<Gregorian, YMDT>,
    datetime_secs: FixedCalendarDateTimeFormatter<Gregorian, YMDT>,
    time: NoCalendarFormatter<T>,
    time_secs: NoCalendarFormatter<T>,
    decimal: DecimalFormatter,
    /// Whether the locale writes a currency after the amount.
    currency_after: bool,
}

impl std::fmt::Debug for Formats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Formats({})", self.tag())
    }
}

/// At most this many locales' formatters are kept (tags come from users' and facilities'
/// settings and `Accept-Language`, so a few in practice; past this, formatters are built per
/// call rather than letting the cache grow).
const CACHE_MAX: usize = 64;

fn cache() -> &'static RwLock<HashMap<String, Arc<Inner>>> {
    static CACHE: OnceLock<RwLock<HashMap<String, Arc<Inner>>>> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// Languages that write a currency code after the amount (CLDR's currency pattern `#,##0.00 ¤`).
const CURRENCY_AFTER: &[&str] =
    &["ar", "fa", "es", "fr", "de", "it", "pt", "ru", "pl", "cs", "sv", "nb", "da", "fi", "tr", "sw", "vi", "uk"];

impl Formats {
    /// ISO 8601 forms: `2026-03-08`, `14:05`, `2026-03-08 14:05`; numbers as Rust prints them.
    pub fn iso() -> Formats {
        Formats(None)
    }

    /// The formats of a BCP 47 tag (`es`, `en-IN`, `ar-SA`). A tag ICU4X cannot read gives
    /// English's.
    pub fn for_tag(tag: &str) -> Formats {
        let key = tag.trim().to_string();
        if let Some(i) = cache().read().ok().and_then(|c| c.get(&key).cloned()) {
            return Formats(Some(i));
        }
        let Some(inner) = build(&key).or_else(|| build("en")) else { return Formats::iso() };
        let inner = Arc::new(inner);
        if let Ok(mut c) = cache().write() {
            if c.len() < CACHE_MAX {
                c.insert(key, inner.clone());
            }
        }
        Formats(Some(inner))
    }

    /// The locale tag in use, with its extensions (`""` for ISO forms).
    pub fn tag(&self) -> &str {
        self.0.as_ref().map(|i| i.tag.as_str()).unwrap_or("")
    }

    /// A calendar date: `Mar 8, 2026` (`2026-03-08` in ISO forms).
    pub fn date(&self, d: Date) -> String {
        match (&self.0, gregorian(d)) {
            (Some(i), Some(g)) => plain(i.date.format(&g).to_string()),
            _ => d.to_string(),
        }
    }

    /// A wall-clock time to the minute: `14:05`.
    pub fn time(&self, t: Time) -> String {
        match (&self.0, clock(t)) {
            (Some(i), Some(c)) => plain(i.time.format(&c).to_string()),
            _ => hhmm(t),
        }
    }

    /// A wall-clock time to the second: `14:05:09`.
    pub fn time_secs(&self, t: Time) -> String {
        match (&self.0, clock(t)) {
            (Some(i), Some(c)) => plain(i.time_secs.format(&c).to_string()),
            _ => format!("{}:{:02}", hhmm(t), t.second()),
        }
    }

    /// A date and time to the minute: `Mar 8, 2026, 14:05` (`2026-03-08 14:05`).
    pub fn datetime(&self, l: PrimitiveDateTime) -> String {
        match (&self.0, gregorian(l.date()), clock(l.time())) {
            (Some(i), Some(date), Some(time)) => plain(i.datetime.format(&IcuDateTime { date, time }).to_string()),
            _ => format!("{} {}", l.date(), hhmm(l.time())),
        }
    }

    /// A date and time to the second: `Mar 8, 2026, 14:05:09` (`2026-03-08 14:05:09`).
    pub fn datetime_secs(&self, l: PrimitiveDateTime) -> String {
        match (&self.0, gregorian(l.date()), clock(l.time())) {
            (Some(i), Some(date), Some(time)) => plain(i.datetime_secs.format(&IcuDateTime { date, time }).to_string()),
            _ => format!("{} {}:{:02}", l.date(), hhmm(l.time()), l.second()),
        }
    }

    /// A whole number with the locale's grouping: `12,345` (`12.345` in Spanish).
    pub fn integer(&self, n: i64) -> String {
        self.decimal(n, 0)
    }

    /// `units × 10^-scale`, exactly, with the locale's grouping and decimal separator, keeping
    /// the scale's trailing zeros: `(123450, 2)` → `1,234.50` (`1.234,50` in Spanish).
    pub fn decimal(&self, units: i64, scale: u8) -> String {
        match &self.0 {
            Some(i) => {
                let mut d = Decimal::from(units);
                d.multiply_pow10(-i16::from(scale));
                plain(i.decimal.format(&d).to_string())
            }
            None => plain_decimal(units, scale),
        }
    }

    /// An amount of money in minor units of `currency` (ISO 4217, with its exponent):
    /// `USD 1,234.50`, `1.234,50 EUR` (`1234.50 USD` in ISO forms).
    pub fn money(&self, minor: i64, exponent: u8, currency: &str) -> String {
        let amount = self.decimal(minor, exponent);
        match &self.0 {
            Some(i) if !i.currency_after => format!("{currency}\u{a0}{amount}"),
            _ => format!("{amount}\u{a0}{currency}"),
        }
    }
}

/// Without CLDR's bidi marks (U+200E, U+200F, U+061C, in Arabic dates): pages isolate dates,
/// times and numbers left to right (`<bdi class="ltr">`, like MRNs and codes), where the marks
/// would scatter a date's parts (`09‏/03‏/1984` shown as `091984/03/`).
fn plain(s: String) -> String {
    if s.contains(['\u{200e}', '\u{200f}', '\u{61c}']) {
        s.replace(['\u{200e}', '\u{200f}', '\u{61c}'], "")
    } else {
        s
    }
}

fn build(tag: &str) -> Option<Inner> {
    let mut loc: Locale = tag.parse().ok()?;
    let kw = &mut loc.extensions.unicode.keywords;
    if kw.get(&key!("hc")).is_none() {
        kw.set(key!("hc"), value!("h23"));
    }
    let language = loc.id.language.as_str().to_string();
    if language == "ar" && loc.extensions.unicode.keywords.get(&key!("nu")).is_none() {
        loc.extensions.unicode.keywords.set(key!("nu"), value!("latn"));
    }
    let dt = |f| FixedCalendarDateTimeFormatter::<Gregorian, YMDT>::try_new((&loc).into(), f).ok();
    Some(Inner {
        tag: loc.to_string(),
        date: FixedCalendarDateTimeFormatter::try_new((&loc).into(), YMD::medium()).ok()?,
        datetime: dt(YMD::medium().with_time_hm())?,
        datetime_secs: dt(YMD::medium().with_time_hms())?,
        time: NoCalendarFormatter::try_new((&loc).into(), T::hm()).ok()?,
        time_secs: NoCalendarFormatter::try_new((&loc).into(), T::hms()).ok()?,
        decimal: DecimalFormatter::try_new((&loc).into(), Default::default()).ok()?,
        currency_after: CURRENCY_AFTER.contains(&language.as_str()),
    })
}

fn gregorian(d: Date) -> Option<IcuDate<Gregorian>> {
    IcuDate::try_new_gregorian(d.year(), u8::from(d.month()), d.day()).ok()
}

fn clock(t: Time) -> Option<IcuTime> {
    IcuTime::try_new(t.hour(), t.minute(), t.second(), 0).ok()
}

/// `09:05`: a wall-clock time in ISO form.
pub(crate) fn hhmm(t: Time) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

fn plain_decimal(units: i64, scale: u8) -> String {
    if scale == 0 {
        return units.to_string();
    }
    let s = 10u64.pow(u32::from(scale.min(18)));
    let sign = if units < 0 { "-" } else { "" };
    let a = units.unsigned_abs();
    format!("{sign}{}.{:0width$}", a / s, a % s, width = usize::from(scale.min(18)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime, time};

    #[test]
    fn dates_and_times_follow_the_locale_on_the_24_hour_clock() {
        let d = date!(2026 - 03 - 08);
        let t = datetime!(2026-03-08 14:05:09);
        let en = Formats::for_tag("en");
        assert_eq!(en.date(d), "Mar 8, 2026");
        assert_eq!(en.datetime(t), "Mar 8, 2026, 14:05");
        assert_eq!(en.datetime_secs(t), "Mar 8, 2026, 14:05:09");
        assert_eq!(en.time(time!(9:30)), "09:30");
        assert_eq!(Formats::for_tag("en-GB").date(d), "8 Mar 2026");
        assert_eq!(Formats::for_tag("es").datetime(t), "8 mar 2026, 14:05");
        // A tag may ask for the 12-hour clock.
        assert!(Formats::for_tag("en-US-u-hc-h12").time(time!(14:05)).starts_with("2:05"));
    }

    #[test]
    fn arabic_keeps_latin_digits_and_the_gregorian_calendar_unless_asked() {
        let d = date!(2026 - 03 - 08);
        let ar = Formats::for_tag("ar");
        assert_eq!(ar.tag(), "ar-u-hc-h23-nu-latn");
        assert!(ar.date(d).contains("2026"), "{}", ar.date(d));
        assert_eq!(ar.date(d), "08/03/2026", "day first, Latin digits, no bidi marks");
        // Saudi Arabia's default calendar is the Islamic one and its digits Arabic-Indic: the
        // date stays Gregorian and Latin.
        let sa = Formats::for_tag("ar-SA");
        assert!(sa.date(d).contains("2026") && sa.integer(1234).contains("1,234"), "{}", sa.date(d));
        // Asked for explicitly, Arabic-Indic digits are used.
        assert!(Formats::for_tag("ar-u-nu-arab").integer(12).contains('١'));
    }

    #[test]
    fn numbers_group_as_the_locale_does_with_lakh_grouping_in_india() {
        assert_eq!(Formats::for_tag("en").decimal(123456750, 2), "1,234,567.50");
        assert_eq!(Formats::for_tag("es").decimal(123456750, 2), "1.234.567,50");
        assert_eq!(Formats::for_tag("en-IN").integer(12345678), "1,23,45,678");
        assert_eq!(Formats::for_tag("hi-IN").decimal(123456750, 2), "12,34,567.50");
        assert_eq!(Formats::for_tag("en").decimal(-5, 3), "-0.005");
    }

    #[test]
    fn money_is_the_localised_amount_with_its_code_on_the_locales_side() {
        assert_eq!(Formats::for_tag("en").money(123450, 2, "USD"), "USD\u{a0}1,234.50");
        assert_eq!(Formats::for_tag("es").money(1234500, 2, "EUR"), "12.345,00\u{a0}EUR");
        // Spanish does not group a four-digit number (CLDR's minimum grouping digits).
        assert_eq!(Formats::for_tag("es").money(123450, 2, "EUR"), "1234,50\u{a0}EUR");
        assert_eq!(Formats::for_tag("en").money(1500, 0, "JPY"), "JPY\u{a0}1,500");
        assert_eq!(Formats::iso().money(-1234, 3, "KWD"), "-1.234\u{a0}KWD");
    }

    #[test]
    fn iso_forms_where_no_locale_is_known_and_for_bad_tags_english() {
        let iso = Formats::iso();
        assert_eq!(iso.date(date!(2026 - 03 - 08)), "2026-03-08");
        assert_eq!(iso.datetime(datetime!(2026-03-08 04:05:09)), "2026-03-08 04:05");
        assert_eq!(iso.datetime_secs(datetime!(2026-03-08 04:05:09)), "2026-03-08 04:05:09");
        assert_eq!(iso.decimal(1234, 2), "12.34");
        assert_eq!(iso.integer(-7), "-7");
        assert_eq!(Formats::for_tag("not a tag!").date(date!(2026 - 03 - 08)), "Mar 8, 2026");
    }
}
