//! Localisation: Project Fluent message catalogues, one per language and module, and the
//! per-request choice of language.
//!
//! Each module ships its catalogues in its registry descriptor
//! ([`Module::messages`](crate::registry::Module::messages)): `(language, FTL source)` pairs,
//! embedded with `include_str!` from `locales/<lang>/<module>.ftl`. The platform's own (shell,
//! sign-in, errors) are `locales/<lang>/core.ftl`. They are parsed once, at start-up
//! ([`init`]), into one bundle per language; a page looks messages up through
//! [`Page::t`](crate::web::Page::t) (templates: `{{ page.t("nav-home") }}`), Rust code through
//! [`t`] / [`t_args`] with the page's `locale`.
//!
//! A key missing from a language falls back to English: visibly in development (`⟦key⟧`, so a
//! missing translation shows on the page), silently otherwise. The languages offered are those
//! with a catalogue of the platform (`core.ftl`, module [`CORE_MODULE`]; [`available`]); the request's language is chosen by [`choose`].
//! How to add and translate messages: docs/i18n.md.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use fluent_langneg::{negotiate_languages, NegotiationStrategy};
use unic_langid::LanguageIdentifier;

use crate::registry::Registry;

/// The language every key exists in, and the fallback of every other.
pub const FALLBACK: &str = "en";

/// The platform's module name: its catalogues (`locales/<lang>/core.ftl`) decide which languages
/// are offered.
pub const CORE_MODULE: &str = "platform";

/// Languages written right to left (their pages get `dir="rtl"`).
const RTL: &[&str] = &["ar", "he", "fa", "ur", "ps", "yi", "dv", "ku", "sd", "ug"];

/// All catalogues of the running application, parsed.
pub struct Catalogues {
    bundles: BTreeMap<String, FluentBundle<FluentResource>>,
    /// `(lang, module)` → the catalogue's `# reviewed: true` header.
    reviewed: BTreeMap<(String, String), bool>,
    /// `(lang, module)` → the keys of that catalogue.
    keys: BTreeMap<(String, String), BTreeSet<String>>,
    available: Vec<LanguageIdentifier>,
    /// Mark missing keys on the page (`⟦key⟧`) instead of falling back silently.
    dev: bool,
}

static CATALOGUES: OnceLock<Catalogues> = OnceLock::new();

/// Parses every module's catalogues once; later calls (another test app in the same process)
/// keep the first. `dev` marks missing keys visibly. Errors in a catalogue are a programming
/// error caught by the tests (`every_catalogue_parses`); a broken message is skipped, not fatal.
pub fn init(registry: &Registry, dev: bool) -> &'static Catalogues {
    CATALOGUES.get_or_init(|| {
        let sources: Vec<(&str, &str, &str)> =
            registry.modules().flat_map(|m| m.messages.iter().map(move |(lang, ftl)| (m.name, *lang, *ftl))).collect();
        Catalogues::build(&sources, dev)
    })
}

/// The catalogues: those [`init`] parsed, else (a unit test without an application) the
/// platform's own.
pub fn catalogues() -> &'static Catalogues {
    CATALOGUES.get_or_init(|| {
        let m = &crate::platform::module::MODULE;
        let sources: Vec<(&str, &str, &str)> = m.messages.iter().map(|(l, f)| (m.name, *l, *f)).collect();
        Catalogues::build(&sources, true)
    })
}

/// A message argument: a string or a number (numbers choose plural forms).
#[derive(Debug, Clone)]
pub enum Arg {
    Str(String),
    Num(f64),
}

/// What may be passed as a message argument, from Rust or from a template.
pub trait ToArg {
    fn to_arg(&self) -> Arg;
}

impl<T: ToArg + ?Sized> ToArg for &T {
    fn to_arg(&self) -> Arg {
        (**self).to_arg()
    }
}
impl ToArg for str {
    fn to_arg(&self) -> Arg {
        Arg::Str(self.to_string())
    }
}
impl ToArg for String {
    fn to_arg(&self) -> Arg {
        Arg::Str(self.clone())
    }
}
macro_rules! num_arg {
    ($($t:ty),*) => {$(
        impl ToArg for $t {
            fn to_arg(&self) -> Arg {
                Arg::Num(*self as f64)
            }
        }
    )*};
}
num_arg!(i16, i32, i64, u16, u32, u64, usize);
impl ToArg for f64 {
    fn to_arg(&self) -> Arg {
        Arg::Num(*self)
    }
}

impl Catalogues {
    /// Builds the bundles from `(module, lang, ftl)` sources.
    pub fn build(sources: &[(&str, &str, &str)], dev: bool) -> Catalogues {
        let mut bundles: BTreeMap<String, FluentBundle<FluentResource>> = BTreeMap::new();
        let mut reviewed = BTreeMap::new();
        let mut keys: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
        let mut available = Vec::new();
        for (module, lang, ftl) in sources {
            let Ok(langid) = lang.parse::<LanguageIdentifier>() else {
                tracing::error!(module, lang, "catalogue with an invalid language tag skipped");
                continue;
            };
            let resource = match FluentResource::try_new(ftl.to_string()) {
                Ok(r) => r,
                Err((r, errors)) => {
                    tracing::error!(
                        module,
                        lang,
                        ?errors,
                        "catalogue has syntax errors; the broken messages are skipped"
                    );
                    r
                }
            };
            let set = keys.entry((lang.to_string(), module.to_string())).or_default();
            for entry in resource.entries() {
                if let fluent_syntax::ast::Entry::Message(m) = entry {
                    set.insert(m.id.name.to_string());
                }
            }
            reviewed.insert((lang.to_string(), module.to_string()), header_reviewed(ftl));
            if *module == CORE_MODULE && !available.contains(&langid) {
                available.push(langid.clone());
            }
            let bundle = bundles.entry(lang.to_string()).or_insert_with(|| {
                let mut b = FluentBundle::new_concurrent(vec![langid.clone()]);
                // Unicode isolation marks around arguments only where the text runs right to
                // left (a left-to-right name or number inside Arabic); elsewhere they are noise.
                b.set_use_isolating(is_rtl(lang));
                b
            });
            if let Err(errors) = bundle.add_resource(resource) {
                tracing::error!(module, lang, ?errors, "catalogue redefines keys of another module");
            }
        }
        Catalogues { bundles, reviewed, keys, available, dev }
    }

    /// The message `key` in `lang` with `args`; English when the language lacks it (marked
    /// `⟦key⟧` in development); the key itself when English lacks it too.
    pub fn format(&self, lang: &str, key: &str, args: &[(&str, Arg)]) -> String {
        if let Some(s) = self.lookup(lang, key, args) {
            return s;
        }
        if self.dev {
            return format!("⟦{key}⟧");
        }
        self.lookup(FALLBACK, key, args).unwrap_or_else(|| key.to_string())
    }

    /// Like [`format`](Self::format), but `default` when not even English has the key (the
    /// navigation: a module's entry is translated once its catalogue names it `nav-…`).
    pub fn format_or(&self, lang: &str, key: &str, default: &str) -> String {
        if self.lookup(FALLBACK, key, &[]).is_none() {
            return default.to_string();
        }
        self.format(lang, key, &[])
    }

    fn lookup(&self, lang: &str, key: &str, args: &[(&str, Arg)]) -> Option<String> {
        let bundle = self.bundles.get(lang)?;
        let pattern = bundle.get_message(key)?.value()?;
        let fargs = (!args.is_empty()).then(|| {
            let mut a = FluentArgs::new();
            for (name, value) in args {
                match value {
                    Arg::Str(s) => a.set(*name, FluentValue::from(s.clone())),
                    Arg::Num(n) => a.set(*name, FluentValue::from(*n)),
                }
            }
            a
        });
        let mut errors = Vec::new();
        let s = bundle.format_pattern(pattern, fargs.as_ref(), &mut errors);
        Some(s.into_owned())
    }

    /// The languages offered (those with a platform catalogue, `core.ftl`), English first.
    pub fn available(&self) -> Vec<String> {
        let mut v: Vec<String> = self.available.iter().map(|l| l.to_string()).collect();
        v.sort_by_key(|l| (l != FALLBACK, l.clone()));
        v
    }

    /// The keys of one catalogue (empty when the module has none in that language).
    pub fn keys(&self, lang: &str, module: &str) -> BTreeSet<String> {
        self.keys.get(&(lang.to_string(), module.to_string())).cloned().unwrap_or_default()
    }

    /// Every `(lang, module)` catalogue loaded.
    pub fn catalogues(&self) -> Vec<(String, String)> {
        self.keys.keys().cloned().collect()
    }

    /// Whether the catalogue of `module` in `lang` carries the `# reviewed: true` header.
    pub fn is_reviewed(&self, lang: &str, module: &str) -> bool {
        self.reviewed.get(&(lang.to_string(), module.to_string())).copied().unwrap_or(false)
    }

    /// The available language that best serves a stored preference (a BCP 47 tag, possibly
    /// more specific than what is offered: `es-MX` → `es`), else the best of an
    /// `Accept-Language` header, else English.
    pub fn choose(&self, preferred: Option<&str>, accept_language: Option<&str>) -> String {
        let default: LanguageIdentifier = FALLBACK.parse().expect("valid tag");
        let pick = |requested: Vec<LanguageIdentifier>| -> Option<String> {
            if requested.is_empty() {
                return None;
            }
            negotiate_languages(&requested, &self.available, None, NegotiationStrategy::Filtering)
                .first()
                .map(|l| l.to_string())
        };
        if let Some(l) = preferred.filter(|p| !p.is_empty()).and_then(|p| p.parse::<LanguageIdentifier>().ok()) {
            if let Some(found) = pick(vec![l]) {
                return found;
            }
        }
        if let Some(h) = accept_language {
            if let Some(found) = pick(fluent_langneg::accepted_languages::parse(h)) {
                return found;
            }
        }
        default.to_string()
    }
}

impl Catalogues {
    /// The offered language that serves `tag` (`es-MX` → `es`), if any (no English default).
    pub fn offered(&self, tag: &str) -> Option<String> {
        let l = tag.parse::<LanguageIdentifier>().ok()?;
        negotiate_languages(&[l], &self.available, None, NegotiationStrategy::Filtering).first().map(|l| l.to_string())
    }

    /// The language of a patient-facing text (SMS, e-mail, printed instructions) built from the
    /// catalogues of `modules`: the patient's preferred language when it is offered and every
    /// one of those catalogues is reviewed in it; else the facility's language on the same
    /// terms; else English, the reviewed source. An unreviewed clinical instruction is a safety
    /// risk, so an unreviewed translation is never sent to a patient.
    pub fn patient_language(&self, preferred: Option<&str>, facility: Option<&str>, modules: &[&str]) -> String {
        for tag in [preferred, facility].into_iter().flatten() {
            if let Some(l) = self.offered(tag) {
                if modules.iter().all(|m| self.is_reviewed(&l, m)) {
                    return l;
                }
            }
        }
        FALLBACK.to_string()
    }
}

/// The language of a patient-facing text (see [`Catalogues::patient_language`]).
pub fn patient_language(preferred: Option<&str>, facility: Option<&str>, modules: &[&str]) -> String {
    catalogues().patient_language(preferred, facility, modules)
}

/// The message keys of an FTL source, or its syntax errors (the catalogue tests use it).
pub fn parse_keys(ftl: &str) -> Result<BTreeSet<String>, String> {
    let resource = FluentResource::try_new(ftl.to_string()).map_err(|(_, errors)| format!("{errors:?}"))?;
    Ok(resource
        .entries()
        .filter_map(|e| match e {
            fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_string()),
            _ => None,
        })
        .collect())
}

/// A catalogue is reviewed when one of its leading comment lines reads `# reviewed: true`.
fn header_reviewed(ftl: &str) -> bool {
    ftl.lines()
        .take_while(|l| l.starts_with('#') || l.trim().is_empty())
        .any(|l| l.trim_start_matches('#').trim().replace(' ', "") == "reviewed:true")
}

/// The message `key` in `lang` (see [`Catalogues::format`]).
pub fn t(lang: &str, key: &str) -> String {
    catalogues().format(lang, key, &[])
}

/// The message `key` in `lang` with arguments (numbers select plural forms).
pub fn t_args(lang: &str, key: &str, args: &[(&str, &dyn ToArg)]) -> String {
    let args: Vec<(&str, Arg)> = args.iter().map(|(n, v)| (*n, v.to_arg())).collect();
    catalogues().format(lang, key, &args)
}

/// Whether the catalogue of `module` in `lang` has been reviewed by a qualified translator
/// (its `# reviewed: true` header).
///
/// Patient-facing texts — SMS, e-mail, discharge and medication instructions — must not be
/// sent in an unreviewed language: they fall back to the facility's language, because an
/// unreviewed clinical instruction is a safety risk. Staff pages may show unreviewed
/// translations. (Wiring this into the SMS and e-mail templates is the next step of issue 15;
/// today the notification texts are English.)
pub fn is_reviewed(lang: &str, module: &str) -> bool {
    catalogues().is_reviewed(lang, module)
}

/// The languages offered, English first.
pub fn available() -> Vec<String> {
    catalogues().available()
}

/// Whether `lang` is written right to left.
pub fn is_rtl(lang: &str) -> bool {
    let primary = lang.split(['-', '_']).next().unwrap_or("");
    RTL.contains(&primary)
}

/// The language's own name, for the language picker.
pub fn native_name(lang: &str) -> &'static str {
    match lang {
        "en" => "English",
        "es" => "Español",
        "ar" => "العربية",
        "hi" => "हिन्दी",
        "fr" => "Français",
        _ => "",
    }
}

/// The locale tag a page's dates and numbers are written in ([`crate::formats`]): the page's
/// language ([`Catalogues::choose`]) with the region of the tag that chose it, so a user or
/// facility set to `en-IN` reads English pages with Indian formats (lakh grouping) and a browser
/// asking for `es-MX` reads Mexican Spanish ones.
pub fn format_tag(preferred: Option<&str>, accept_language: Option<&str>) -> String {
    let lang = catalogues().choose(preferred, accept_language);
    let same_language = |t: &str| normalize_tag(t).filter(|n| n.split('-').next() == Some(lang.as_str()));
    if let Some(t) = preferred.and_then(same_language) {
        return t;
    }
    let accepted = accept_language.unwrap_or("").split(',').map(|t| t.split(';').next().unwrap_or("").trim());
    accepted.filter_map(same_language).next().unwrap_or(lang)
}

/// The platform's error details (English, as `AppError` and the error middleware write them)
/// and their keys: what a page or a problem document says in the reader's language. A module's
/// own details (validation, refusals) are English until the module maps them.
const DETAILS: &[(&str, &str)] = &[
    ("There is nothing at this address, or you may not see it.", "error-detail-not-found"),
    ("Your role does not allow this. Ask an administrator if you need it.", "error-detail-forbidden"),
    ("Please sign in.", "error-detail-sign-in"),
    ("The error was logged. Quote the request id below if you contact support.", "error-detail-internal"),
    ("The error was logged. Quote the request id if you contact support.", "error-detail-internal"),
    ("The database is unreachable. Try again in a moment.", "error-detail-unavailable"),
    ("The server is busy and could not answer in time. Try again in a moment.", "error-detail-busy"),
    ("The request could not be read. Check the fields and try again.", "error-detail-unreadable"),
    ("This address does not accept that method.", "error-detail-method"),
    ("The request body is too large.", "error-detail-too-large"),
    ("Send the body as application/json (API) or as a form (pages).", "error-detail-media-type"),
    ("Some fields are missing or have the wrong type.", "error-detail-fields"),
    ("The request failed.", "error-detail-failed"),
    ("The request contains a character that cannot be stored (NUL).", "error-detail-nul"),
    ("This would duplicate an existing record (or one saved at the same moment).", "error-detail-unique"),
    ("This overlaps an existing record (or one saved at the same moment).", "error-detail-exclusion"),
    (
        "A record this refers to does not exist (or no longer does), or others still refer to this one.",
        "error-detail-foreign-key",
    ),
    ("A value is outside what this record allows.", "error-detail-check"),
    ("A required value is missing.", "error-detail-not-null"),
    ("A value cannot be stored as given (out of range or malformed).", "error-detail-data"),
    ("The record changed in the meantime and no longer allows this; reload and try again.", "error-detail-state"),
    (
        "The form could not be accepted: its page was open for too long, or your session ended. Reload the page (or sign in again) and send it again — your draft is kept in this browser.",
        "error-detail-csrf",
    ),
];

/// An error's `detail` in `lang`: the platform's details ([`DETAILS`]) are translated, any
/// other stays as written. Problem documents keep their English `type` and `title`.
pub fn detail(lang: &str, english: &str) -> String {
    match DETAILS.iter().find(|(en, _)| *en == english) {
        Some((_, key)) if lang != FALLBACK => t(lang, key),
        _ => english.to_string(),
    }
}

/// The keys of the platform's error details (the missing-key test checks them).
pub fn detail_keys() -> impl Iterator<Item = &'static str> {
    DETAILS.iter().map(|(_, k)| *k)
}

/// Whether `tag` is a well-formed BCP 47 language tag (what `users.locale` and
/// `facilities.locale` accept).
pub fn valid_tag(tag: &str) -> bool {
    !tag.is_empty() && tag.len() <= 35 && tag.parse::<LanguageIdentifier>().is_ok()
}

/// A well-formed BCP 47 language tag in its canonical case (`ES-mx` → `es-MX`), or None: what
/// patients' preferred language holds. Free-text names (`Spanish`) are not tags.
pub fn normalize_tag(tag: &str) -> Option<String> {
    let tag = tag.trim().replace('_', "-");
    if tag.is_empty() || tag.len() > 35 {
        return None;
    }
    let primary = tag.split('-').next().unwrap_or("");
    // Language subtags are 2-3 letters (ISO 639); 4-8 letter "languages" are registered-only or
    // free text like `English` that the parser would accept.
    if !(2..=3).contains(&primary.len()) {
        return None;
    }
    tag.parse::<LanguageIdentifier>().ok().map(|l| l.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const EN: &str = "# reviewed: true\nhello = Hello, { $name }!\nitems = { $n ->\n    [one] one item\n   *[other] { $n } items\n}\nonly-en = Only English\n";
    const ES: &str = "# reviewed: false\nhello = ¡Hola, { $name }!\nitems = { $n ->\n    [one] un elemento\n   *[other] { $n } elementos\n}\n";

    fn cats(dev: bool) -> Catalogues {
        Catalogues::build(
            &[(CORE_MODULE, "en", EN), (CORE_MODULE, "es", ES), (CORE_MODULE, "ar", "hello = مرحبا { $name }\n")],
            dev,
        )
    }

    #[test]
    fn formats_variables_and_plurals() {
        let c = cats(true);
        assert_eq!(c.format("es", "hello", &[("name", Arg::Str("Ana".into()))]), "¡Hola, Ana!");
        assert_eq!(c.format("en", "items", &[("n", Arg::Num(1.0))]), "one item");
        assert_eq!(c.format("en", "items", &[("n", Arg::Num(3.0))]), "3 items");
        assert_eq!(c.format("es", "items", &[("n", Arg::Num(1.0))]), "un elemento");
        // Arabic isolates the left-to-right argument.
        assert_eq!(c.format("ar", "hello", &[("name", Arg::Str("Ana".into()))]), "مرحبا \u{2068}Ana\u{2069}");
    }

    #[test]
    fn missing_keys_are_marked_in_development_and_fall_back_to_english_otherwise() {
        assert_eq!(cats(true).format("es", "only-en", &[]), "⟦only-en⟧");
        assert_eq!(cats(false).format("es", "only-en", &[]), "Only English");
        assert_eq!(cats(false).format("es", "nowhere", &[]), "nowhere");
    }

    #[test]
    fn reviewed_flag_comes_from_the_header() {
        let c = cats(true);
        assert!(c.is_reviewed("en", CORE_MODULE));
        assert!(!c.is_reviewed("es", CORE_MODULE));
        assert!(!c.is_reviewed("ar", CORE_MODULE));
        assert!(!c.is_reviewed("en", "other"));
    }

    #[test]
    fn chooses_preference_then_accept_language_then_english() {
        let c = cats(true);
        assert_eq!(c.available(), vec!["en", "ar", "es"]);
        assert_eq!(c.choose(Some("es-MX"), Some("ar")), "es");
        assert_eq!(c.choose(Some("de"), Some("de-DE,ar;q=0.8,en;q=0.5")), "ar");
        assert_eq!(c.choose(None, Some("es-419,es;q=0.9")), "es");
        assert_eq!(c.choose(None, Some("de")), "en");
        assert_eq!(c.choose(Some(""), None), "en");
        assert_eq!(c.choose(Some("not a tag!"), None), "en");
    }

    #[test]
    fn rtl_and_tags() {
        assert!(is_rtl("ar"));
        assert!(is_rtl("ar-EG"));
        assert!(!is_rtl("es"));
        assert!(valid_tag("es-MX"));
        assert!(!valid_tag("es MX"));
        assert!(!valid_tag(""));
    }

    #[test]
    fn patient_texts_use_a_reviewed_language_only() {
        let es_reviewed = "# reviewed: true\nhello = Hola\n";
        let c = Catalogues::build(
            &[
                (CORE_MODULE, "en", EN),
                (CORE_MODULE, "es", es_reviewed),
                (CORE_MODULE, "ar", "# reviewed: false\nhello = مرحبا\n"),
                ("clinic", "en", "# reviewed: true\nclinic-x = X\n"),
                ("clinic", "es", "# reviewed: false\nclinic-x = X\n"),
            ],
            false,
        );
        // The patient's language when reviewed (a regional tag served by its language).
        assert_eq!(c.patient_language(Some("es-MX"), Some("en"), &[CORE_MODULE]), "es");
        // Unreviewed: the facility's language.
        assert_eq!(c.patient_language(Some("ar"), Some("es"), &[CORE_MODULE]), "es");
        // Every catalogue the text comes from must be reviewed.
        assert_eq!(c.patient_language(Some("es"), Some("ar"), &[CORE_MODULE, "clinic"]), "en");
        // Not offered at all, or not recorded: the facility's, else English.
        assert_eq!(c.patient_language(Some("pl"), Some("es"), &[CORE_MODULE]), "es");
        assert_eq!(c.patient_language(None, None, &[CORE_MODULE]), "en");
        assert_eq!(c.offered("es-419").as_deref(), Some("es"));
        assert_eq!(c.offered("de"), None);
    }

    #[test]
    fn patient_language_tags_are_normalised_and_names_refused() {
        assert_eq!(normalize_tag("es").as_deref(), Some("es"));
        assert_eq!(normalize_tag(" ES-mx ").as_deref(), Some("es-MX"));
        assert_eq!(normalize_tag("zh_Hant_TW").as_deref(), Some("zh-Hant-TW"));
        assert_eq!(normalize_tag("sgn").as_deref(), Some("sgn"));
        for bad in ["", "English", "Spanish", "Español", "es MX", "e", "x-klingon", "es-"] {
            assert_eq!(normalize_tag(bad), None, "{bad}");
        }
    }
}
