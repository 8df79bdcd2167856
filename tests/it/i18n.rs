//! Localisation (issue 15): the catalogues agree with the code and templates, converted
//! templates hold no raw English, and the language is chosen per user, facility and browser.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{header, Method, StatusCode};

use crate::helpers::*;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn files(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n != "target") {
                files(&p, ext, out);
            }
        } else if p.extension().is_some_and(|e| e == ext) {
            out.push(p);
        }
    }
}

/// Keys used as `t("…")`, `t1("…"`, `t2("…"`, `t_args("…"`, `BannerItem::keyed("…"` (a first argument that is a
/// variable, `i18n::t(&lang, "…")`, is skipped).
fn used_keys(src: &str) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    let b = src.as_bytes();
    for name in ["t(", "t1(", "t2(", "t_args(", "keyed("] {
        let mut from = 0;
        while let Some(i) = src[from..].find(name) {
            let at = from + i;
            from = at + name.len();
            // A whole identifier: not `get(` nor `format_t(`.
            if at > 0 && (b[at - 1].is_ascii_alphanumeric() || b[at - 1] == b'_') {
                continue;
            }
            let mut rest = src[from..].trim_start();
            if !rest.starts_with('"') {
                // `i18n::t(&lang, "key")`: skip one argument.
                match rest.find(',') {
                    Some(c) if !rest[..c].contains(['(', ')', '"']) => rest = rest[c + 1..].trim_start(),
                    _ => continue,
                }
                if !rest.starts_with('"') {
                    continue;
                }
            }
            let rest = &rest[1..];
            if let Some(end) = rest.find('"') {
                let key = &rest[..end];
                if !key.is_empty() && key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
                    keys.insert(key.to_string());
                }
            }
        }
    }
    keys
}

fn catalogue_keys(lang: &str) -> BTreeSet<String> {
    let mut all = BTreeSet::new();
    for m in hearth::MODULES {
        for (l, ftl) in m.messages {
            if *l == lang {
                all.extend(hearth_core::i18n::parse_keys(ftl).unwrap_or_else(|e| panic!("{lang}/{}: {e}", m.name)));
            }
        }
    }
    all
}

#[test]
fn every_key_used_in_code_and_templates_is_in_the_english_catalogue() {
    let mut paths = Vec::new();
    files(&root().join("crates"), "rs", &mut paths);
    files(&root().join("src"), "rs", &mut paths);
    files(&root().join("templates"), "html", &mut paths);
    let english = catalogue_keys("en");
    let mut missing = Vec::new();
    let mut used = 0;
    for p in &paths {
        let src = std::fs::read_to_string(p).unwrap();
        for key in used_keys(&src) {
            used += 1;
            if !english.contains(&key) {
                missing.push(format!("{}: {key}", p.strip_prefix(root()).unwrap().display()));
            }
        }
    }
    for key in hearth_core::i18n::detail_keys() {
        if !english.contains(key) {
            missing.push(format!("crates/core/src/i18n.rs DETAILS: {key}"));
        }
    }
    assert!(used > 100, "the scan finds the keys ({used})");
    assert!(missing.is_empty(), "keys missing from locales/en: {missing:#?}");
}

#[test]
fn the_key_scanner_reads_every_form() {
    let src = r#"page.t("a-b") page.t1("c", "n", 1) x.t2("d", "a", 1, "b", 2) i18n::t(&lang, "e") t_args("f", &[]) get("no") format_t("no")"#;
    let keys: Vec<String> = used_keys(src).into_iter().collect();
    assert_eq!(keys, vec!["a-b", "c", "d", "e", "f"]);
}

#[test]
fn other_languages_have_no_keys_english_lacks_and_modules_prefix_their_keys() {
    for m in hearth::MODULES {
        let en: BTreeSet<String> = m
            .messages
            .iter()
            .filter(|(l, _)| *l == "en")
            .flat_map(|(_, f)| hearth_core::i18n::parse_keys(f).unwrap())
            .collect();
        if !m.messages.is_empty() {
            assert!(!en.is_empty(), "{}: a module with catalogues has an English one", m.name);
        }
        for (lang, ftl) in m.messages {
            assert!(hearth_core::i18n::valid_tag(lang), "{}: {lang} is not a BCP 47 tag", m.name);
            let keys = hearth_core::i18n::parse_keys(ftl).unwrap_or_else(|e| panic!("{lang}/{}: {e}", m.name));
            let extra: Vec<&String> = keys.difference(&en).collect();
            assert!(extra.is_empty(), "locales/{lang}/{}.ftl has keys English lacks: {extra:?}", m.name);
            if m.name != hearth_core::i18n::CORE_MODULE {
                let bad: Vec<&String> = keys.iter().filter(|k| !k.starts_with(&format!("{}-", m.name))).collect();
                assert!(bad.is_empty(), "{}: keys must start with `{}-`: {bad:?}", m.name, m.name);
            }
            // The header states the review either way.
            assert!(ftl.contains("# reviewed: true") || ftl.contains("# reviewed: false"), "{lang}/{}", m.name);
        }
    }
    // Spanish and Arabic cover every key of what is converted so far.
    let en = catalogue_keys("en");
    for lang in ["es", "ar"] {
        let missing: Vec<String> = en.difference(&catalogue_keys(lang)).cloned().collect();
        assert!(missing.is_empty(), "{lang} lacks {missing:?}");
    }
    assert!(hearth_core::i18n::catalogues().is_reviewed("en", "platform"));
    // English is the source: every module's English catalogue is reviewed (else a patient-facing
    // text could find no reviewed language at all).
    for m in hearth::MODULES.iter().filter(|m| !m.messages.is_empty()) {
        assert!(
            hearth_core::i18n::catalogues().is_reviewed("en", m.name),
            "locales/en/{}.ftl is not marked reviewed",
            m.name
        );
    }
    assert!(!hearth_core::i18n::catalogues().is_reviewed("ar", "immunizations"));
}

/// Templates converted to messages, checked for raw English: grows as pages are converted.
const CONVERTED: &[&str] = &[
    "bednet/availability.html",
    "bednet/board.html",
    "layout/base.html",
    "layout/time.html",
    "auth/account.html",
    "auth/login.html",
    "auth/mfa.html",
    "auth/mfa_setup.html",
    "auth/password.html",
    "auth/session_ended.html",
    "auth/sessions.html",
    "errors/error.html",
    "immunizations/page.html",
    "components/_pager.html",
    "patients/new.html",
    "patients/list.html",
    "patients/list_rows.html",
    "patients/_matches.html",
    "patients/show.html",
    "patients/_banner.html",
    "patients/today.html",
    "patients/today_rows.html",
    "ehr/chart.html",
    "ehr/messages.html",
    "ehr/notes.html",
    "ehr/summary.html",
    "ehr/problems.html",
    "ehr/allergies.html",
    "ehr/encounters.html",
    "ehr/medications.html",
    "ehr/procedures.html",
    "ehr/vitals.html",
    "ehr/documents.html",
    "ehr/document.html",
    "dashboard.html",
    "notify/email.html",
    "notify/email.txt",
    "appointments/_patient_rows.html",
    "appointments/_queue_rows.html",
    "appointments/book.html",
    "appointments/book_mrn.html",
    "appointments/day.html",
    "appointments/desk.html",
    "appointments/queue.html",
    "appointments/reschedule.html",
    "appointments/slots.html",
    "appointments/tab.html",
    "appointments/templates.html",
    "emergency/_board_rows.html",
    "emergency/_wall_rows.html",
    "emergency/arrival.html",
    "emergency/bays.html",
    "emergency/board.html",
    "emergency/chart.html",
    "emergency/instructions.html",
    "emergency/wall.html",
    "inpatient/_board_rows.html",
    "inpatient/_ward_rows.html",
    "inpatient/board.html",
    "inpatient/census.html",
    "inpatient/chart.html",
    "inpatient/config.html",
    "inpatient/config_ward.html",
    "inpatient/housekeeping.html",
    "inpatient/ward.html",
    "inpatient/_placement_rows.html",
    "inpatient/bed_request.html",
    "inpatient/placement.html",
    "laboratory/catalogue.html",
    "laboratory/chart.html",
    "laboratory/collect.html",
    "laboratory/overview.html",
    "laboratory/receive.html",
    "laboratory/worksheet.html",
    "surgery/board.html",
    "surgery/_board_rows.html",
    "surgery/case.html",
    "surgery/chart.html",
    "surgery/theatres.html",
    "radiology/catalogue.html",
    "radiology/chart.html",
    "radiology/order.html",
    "radiology/overview.html",
    "radiology/print.html",
    "radiology/worklist.html",
    "pharmacy/chart.html",
    "pharmacy/formulary.html",
    "pharmacy/queue.html",
    "pharmacy/stock.html",
    "billing/_invoice_rows.html",
    "billing/invoice.html",
    "billing/patient.html",
    "billing/payments.html",
    "billing/prices.html",
    "billing/receipt.html",
    "billing/worklist.html",
    "insurance/_claim_rows.html",
    "insurance/claim.html",
    "insurance/claims.html",
    "insurance/patient.html",
    "emar/administer.html",
    "emar/chart.html",
    "emar/ward.html",
    "emar/wristband.html",
    // Batch i18n-a: orders, alerts, charges.
    "orders/_panel_countersign.html",
    "orders/_panel_results.html",
    "orders/inbox.html",
    "orders/new.html",
    "orders/set_edit.html",
    "orders/set_place.html",
    "orders/sets.html",
    "orders/show.html",
    "orders/tab.html",
    "alerts/_banner.html",
    "alerts/_start_panel.html",
    "alerts/assignments.html",
    "alerts/chain.html",
    "alerts/chains.html",
    "alerts/list.html",
    "alerts/on_call.html",
    "alerts/patient.html",
    "alerts/show.html",
    "charges/_rows.html",
    "charges/list.html",
    "charges/patient.html",
    // Batch i18n-b: administration, audit log, notifications, search.
    "admin/api_clients.html",
    "admin/break_glass.html",
    "admin/facilities.html",
    "admin/facility.html",
    "admin/jobs.html",
    "admin/role.html",
    "admin/role_confirm.html",
    "admin/roles.html",
    "admin/security.html",
    "admin/user_form.html",
    "admin/users.html",
    "admin/webhooks.html",
    "audit/list.html",
    "notify/list.html",
    "notify/settings.html",
    "search/page.html",
    "search/suggest.html",
    // i18n-c: the rest of the registry, the chart's notes, visit start and ICD-10-CM browser.
    "patients/_start_panel.html",
    "patients/break_glass.html",
    "patients/close.html",
    "patients/flags.html",
    "patients/import.html",
    "patients/merge.html",
    "patients/merges.html",
    "patients/requests.html",
    "patients/summary.html",
    "patients/unidentified.html",
    "patients/unmerge.html",
    "ehr/_start_panel.html",
    "ehr/note.html",
    "ehr/note_new.html",
    "ehr/visit_start.html",
    "ehr/icd10.html",
    "ehr/icd10_listbox.html",
    "ehr/icd10_options.html",
    "ehr/icd10_picker.html",
    "ehr/icd10_results.html",
];

/// Words that may stay as they are in any language (codes, product names, key caps, clinical
/// units until the formatting service localises units, the names of clinical scores (ESI,
/// NEWS2) and code systems (LOINC), STAT as a priority, KB for the drug knowledge base's name).
const ALLOWED: &[&str] = &["CVX", "Ctrl", "mmHg", "kg", "min", "ESI", "NEWS", "LOINC", "STAT", "KB"];

/// Raw English in a template: letters in text between tags, in the human-readable attributes
/// (aria-label, title, placeholder, alt), or in a capitalised or spaced string literal inside
/// `{{ }}` / `{% %}` (labels passed to macros).
fn raw_english(src: &str) -> Vec<String> {
    let mut found = Vec::new();
    // Template expressions and statements: their string literals.
    let mut text = String::new();
    let mut rest = src;
    while let Some(i) = rest.find('{') {
        text.push_str(&rest[..i]);
        let after = &rest[i..];
        let close = match &after.get(..2) {
            Some("{{") => "}}",
            Some("{%") => "%}",
            Some("{#") => "#}",
            _ => {
                text.push('{');
                rest = &after[1..];
                continue;
            }
        };
        let end = after.find(close).map(|e| e + 2).unwrap_or(after.len());
        let code = &after[..end];
        if close != "#}" {
            // An escaped quote (`attrs = " maxlength=\"40\" required"`) is part of its literal.
            let code = code.replace("\\\"", "'");
            for (n, lit) in code.split('"').enumerate() {
                if n % 2 == 1
                    && !lit.contains('=')
                    && lit.chars().any(|c| c.is_ascii_alphabetic())
                    && (lit.contains(' ') || lit.chars().next().is_some_and(|c| c.is_ascii_uppercase()))
                {
                    // `page.t("key")` keys are lower-case; a spaced or capitalised literal is text.
                    if !ALLOWED.contains(&lit) {
                        found.push(format!("literal {lit:?}"));
                    }
                }
            }
        }
        text.push(' ');
        rest = &after[end..];
    }
    text.push_str(rest);
    let words = |s: &str, what: &str, found: &mut Vec<String>| {
        for w in s.split(|c: char| !c.is_ascii_alphabetic()).filter(|w| w.len() >= 2) {
            if !ALLOWED.contains(&w) {
                found.push(format!("{what} {w:?} in {:?}", s.trim()));
            }
        }
    };
    // Text between tags.
    for (n, part) in text.split(['<', '>']).enumerate() {
        if n % 2 == 0 {
            let clean: String = part
                .split('&')
                .enumerate()
                .map(|(i, p)| if i == 0 { p } else { p.split_once(';').map(|x| x.1).unwrap_or(p) })
                .collect();
            words(&clean, "text", &mut found);
        } else {
            for attr in ["aria-label=\"", "title=\"", "placeholder=\"", "alt=\""] {
                let mut from = 0;
                while let Some(i) = part[from..].find(attr) {
                    let s = from + i + attr.len();
                    let e = part[s..].find('"').map(|e| s + e).unwrap_or(part.len());
                    words(&part[s..e], "attribute", &mut found);
                    from = e;
                }
            }
        }
    }
    found
}

#[test]
fn the_english_lint_catches_raw_text() {
    assert!(raw_english(r#"<p>{{ page.t("a-b") }}</p><a title="{{ page.t("c") }}">x</a>"#).is_empty());
    assert!(!raw_english("<p>Hello</p>").is_empty());
    assert!(!raw_english(r#"<input placeholder="Search">"#).is_empty());
    assert!(!raw_english(r#"{% call f::input("x", "Lot number", v) %}"#).is_empty());
    assert!(raw_english(r#"<span>CVX {{ x }}</span>&nbsp;"#).is_empty());
}

#[test]
fn converted_templates_hold_no_raw_english() {
    let mut problems = Vec::new();
    for t in CONVERTED {
        let src = std::fs::read_to_string(root().join("templates").join(t)).unwrap();
        for p in raw_english(&src) {
            problems.push(format!("{t}: {p}"));
        }
    }
    assert!(problems.is_empty(), "raw English in converted templates: {problems:#?}");
}

async fn get_lang(app: &mut TestApp, path: &str, accept: &str) -> TestResponse {
    let req = app.builder(Method::GET, path).header(header::ACCEPT_LANGUAGE, accept).body(Body::empty()).unwrap();
    app.request(req).await
}

#[tokio::test]
async fn the_sign_in_page_speaks_the_browsers_language() {
    let mut app = TestApp::new().await;
    let es = get_lang(&mut app, "/login", "es-MX,es;q=0.9,en;q=0.5").await;
    assert_eq!(es.status, StatusCode::OK);
    assert!(es.body.contains(r#"<html lang="es" dir="ltr">"#), "{}", &es.body[..200]);
    assert!(es.body.contains("Iniciar sesión en Hearth") && es.body.contains("Correo electrónico"));
    assert!(!es.body.contains("Sign in to Hearth"));
    assert!(!es.body.contains('⟦'), "no key missing in Spanish");

    let ar = get_lang(&mut app, "/login", "ar").await;
    assert!(ar.body.contains(r#"<html lang="ar" dir="rtl">"#));
    assert!(ar.body.contains("تسجيل الدخول إلى Hearth"));
    assert!(!ar.body.contains('⟦'), "no key missing in Arabic");

    // A language not offered: English.
    let de = get_lang(&mut app, "/login", "de-DE").await;
    assert!(de.body.contains(r#"<html lang="en" dir="ltr">"#) && de.body.contains("Sign in to Hearth"));

    // A failed sign-in answers in the same language.
    let token = app.csrf().await;
    let body = serde_urlencoded::to_string([("csrf_token", token.as_str()), ("email", "x@y.z"), ("password", "nope")])
        .unwrap();
    let req = app
        .builder(Method::POST, "/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT_LANGUAGE, "es")
        .body(Body::from(body))
        .unwrap();
    let r = app.request(req).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.body.contains("No se pudo iniciar sesión"));
}

#[tokio::test]
async fn the_facility_language_then_the_users_own_choice_win_over_the_browser() {
    let (mut app, _) = TestApp::signed_in("nurse").await;
    // The facility's language (default en) is the user's default, whatever the browser says.
    let en = get_lang(&mut app, "/account", "ar").await;
    assert!(en.body.contains(r#"<html lang="en" dir="ltr">"#));
    sqlx::query("UPDATE facilities SET locale = 'ar' WHERE id = $1")
        .bind(app.facility_id)
        .execute(&app.pool)
        .await
        .unwrap();
    let ar = get_lang(&mut app, "/account", "es").await;
    assert!(ar.body.contains(r#"<html lang="ar" dir="rtl">"#), "the facility's language");
    assert!(ar.body.contains("حسابي"));
    assert!(!ar.body.contains('⟦'));

    // The user's saved language wins over the facility's and the browser's.
    let r = app.post_form("/account/language", &[("locale", "es")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let stored: Option<String> =
        sqlx::query_scalar("SELECT locale FROM users WHERE email LIKE 'nurse.%'").fetch_one(&app.pool).await.unwrap();
    assert_eq!(stored.as_deref(), Some("es"));
    assert_eq!(app.audit_count("user.locale_changed").await, 1);
    let es = get_lang(&mut app, "/account", "ar").await;
    assert!(es.body.contains(r#"<html lang="es" dir="ltr">"#));
    assert!(es.body.contains("Se guardó su idioma.") && es.body.contains("Mi cuenta"));
    assert!(es.body.contains(r#"<option value="es" lang="es" selected>Español</option>"#));

    // A language not offered is refused with the form and its message.
    let bad = app.post_form("/account/language", &[("locale", "xx-Nope")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Elija uno de los idiomas ofrecidos."));

    // Back to the facility's language.
    app.post_form("/account/language", &[("locale", "")]).await;
    let back = get_lang(&mut app, "/account", "es").await;
    assert!(back.body.contains(r#"<html lang="ar" dir="rtl">"#));
}

#[tokio::test]
async fn converted_pages_have_every_message_in_spanish_and_arabic() {
    let (mut app, email) = TestApp::signed_in("nurse").await;
    let pid = app
        .register_patient(&[
            ("given_name", "Ada"),
            ("family_name", "Lovelace"),
            ("sex", "female"),
            ("birth_date", "1950-12-10"),
        ])
        .await;
    for lang in ["es", "ar"] {
        sqlx::query("UPDATE users SET locale = $2 WHERE email = $1")
            .bind(&email)
            .bind(lang)
            .execute(&app.pool)
            .await
            .unwrap();
        for path in [
            "/account".to_string(),
            "/account/sessions".to_string(),
            "/account/mfa".to_string(),
            "/account/password".to_string(),
            "/no-such-page".to_string(),
            format!("/patients/{pid}/immunizations"),
        ] {
            let r = app.get(&path).await;
            assert!(r.status == StatusCode::OK || r.status == StatusCode::NOT_FOUND, "{path}: {}", r.status);
            assert!(r.body.contains(&format!(r#"<html lang="{lang}""#)), "{lang} {path}");
            // The shell, the page and its form are translated (no ⟦key⟧ marks of dev mode).
            let shell = r.body.split("<main").next().unwrap();
            assert!(!shell.contains('⟦'), "{lang} {path}: {shell}");
            if !path.contains("immunizations") {
                assert!(!r.body.contains('⟦'), "{lang} {path}");
            }
        }
        let imm = app.get(&format!("/patients/{pid}/immunizations")).await;
        let (heading, site) = if lang == "es" {
            ("Registrar una vacuna", "Brazo izquierdo (deltoides)")
        } else {
            ("تسجيل لقاح", "في العضل")
        };
        assert!(imm.body.contains(heading), "{lang}");
        // The code lists' labels are translated too (their keys are built from the codes).
        assert!(imm.body.contains(site), "{lang}");
        // Codes stay left to right inside right-to-left text.
        assert!(imm.body.contains(r#"<bdi class="ltr">"#));
    }
    let nf = app.get("/no-such-page").await;
    assert!(nf.body.contains("غير موجود"), "the error title in Arabic");
    assert!(nf.body.contains("لا يوجد شيء في هذا العنوان"), "the error detail in Arabic");
}

#[tokio::test]
async fn a_flash_message_is_in_the_users_language() {
    let (mut app, email) = TestApp::signed_in("nurse").await;
    sqlx::query("UPDATE users SET locale = 'es' WHERE email = $1").bind(&email).execute(&app.pool).await.unwrap();
    let pid = app
        .register_patient(&[
            ("given_name", "Ada"),
            ("family_name", "Lovelace"),
            ("sex", "female"),
            ("birth_date", "1950-12-10"),
        ])
        .await;
    let r = app
        .post_form(
            &format!("/patients/{pid}/immunizations"),
            &[
                ("cvx", "140"),
                ("occurred_on", "2026-10-15"),
                ("status", "completed"),
                ("route", "IM"),
                ("reaction", "none"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get(r.location()).await;
    assert!(page.body.contains("Se registró la vacunación."), "{}", page.body);
    // The chart tabs' flash messages too.
    let r = app.post_form(&format!("/patients/{pid}/allergies/nka"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get(r.location()).await;
    assert!(page.body.contains("Registrado: sin alergias conocidas."), "{}", page.body);
}

async fn set_locale(app: &TestApp, email: &str, lang: &str) {
    sqlx::query("UPDATE users SET locale = $2 WHERE email = $1")
        .bind(email)
        .bind(lang)
        .execute(&app.pool)
        .await
        .unwrap();
}

/// The page without the `⟦key⟧` marks of a message missing from its language (dev mode).
fn assert_translated(lang: &str, path: &str, body: &str) {
    assert!(body.contains(&format!(r#"<html lang="{lang}""#)), "{lang} {path}");
    if let Some(i) = body.find('⟦') {
        panic!("{lang} {path}: a missing message: {}", &body[i..(i + 80).min(body.len())]);
    }
}

#[tokio::test]
async fn a_patient_is_registered_listed_and_charted_in_spanish_and_arabic() {
    let (mut app, email) = TestApp::signed_in("nurse").await;
    for (lang, heading, registered, given_missing, bad_language, sex) in [
        (
            "es",
            "Registrar paciente",
            "Registrado con el número de historia",
            "Escriba el nombre.",
            "Elija un idioma de la lista",
            "mujer",
        ),
        ("ar", "تسجيل مريض", "سُجِّل برقم الملف الطبي", "أدخل الاسم الأول.", "اختر لغة من القائمة", "أنثى"),
    ] {
        set_locale(&app, &email, lang).await;
        let form = app.get("/patients/new").await;
        assert_eq!(form.status, StatusCode::OK);
        assert_translated(lang, "/patients/new", &form.body);
        assert!(form.body.contains(heading), "{lang}");
        // The preferred language is a choice of tags, each named in the page's language.
        assert!(form.body.contains(r#"<select id="preferred_language" name="preferred_language""#));
        assert!(form.body.contains(r#"<option value="es" lang="es">"#));

        // Form errors come back in the page's language, the form keeping what was typed.
        let r = app
            .post_form(
                "/patients",
                &[
                    ("given_name", ""),
                    ("family_name", "Lovelace"),
                    ("sex", "female"),
                    ("age_years", "40"),
                    ("preferred_language", "Spanish"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_translated(lang, "POST /patients", &r.body);
        assert!(r.body.contains(given_missing) && r.body.contains(bad_language), "{lang}: {}", r.body);
        assert!(r.body.contains(r#"value="Lovelace""#));

        let pid = app
            .register_patient(&[
                ("given_name", "Ada"),
                ("family_name", &format!("Lovelace{lang}")),
                ("sex", "female"),
                ("birth_date", "1950-12-10"),
                ("preferred_language", "es-mx"),
            ])
            .await;
        let page = app.get(&format!("/patients/{pid}")).await;
        assert_translated(lang, "/patients/{id}", &page.body);
        assert!(page.body.contains(registered), "{lang}: the flash");
        assert!(page.body.contains(sex), "{lang}: the sex's label");
        // MRNs and dates stay left to right.
        assert!(page.body.contains(r#"<dd class="mono"><bdi class="ltr">"#));

        for path in ["/patients".to_string(), format!("/patients?q=Lovelace{lang}"), format!("/patients/{pid}/edit")] {
            let r = app.get(&path).await;
            assert_eq!(r.status, StatusCode::OK, "{path}");
            assert_translated(lang, &path, &r.body);
        }
        // The chart's overview with its banner and tabs.
        let chart = app.get(&format!("/patients/{pid}/chart")).await;
        assert_eq!(chart.status, StatusCode::OK);
        assert_translated(lang, "/patients/{id}/chart", &chart.body);
        assert!(chart.body.contains(if lang == "es" { "Problemas activos" } else { "المشكلات النشطة" }), "{lang}");
        let messages = app.get(&format!("/patients/{pid}/messages")).await;
        assert_translated(lang, "/patients/{id}/messages", &messages.body);
    }
    let stored: Vec<Option<String>> = sqlx::query_scalar("SELECT preferred_language FROM patients ORDER BY created_at")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored, vec![Some("es-MX".to_string()), Some("es-MX".to_string())], "stored as canonical tags");
}

#[tokio::test]
async fn the_preferred_language_is_a_bcp47_tag_on_the_api_too() {
    let mut app = TestApp::new().await;
    let email = app.user("receptionist").await;
    let token = app.api_token(&email).await;
    let body = |lang: &str| {
        serde_json::json!({"given_name": "Jan", "family_name": "Nowak", "sex": "male", "register_anyway": true,
            "preferred_language": lang})
    };
    let r = app.api(Method::POST, "/api/v1/patients", Some(&token), Some(body("Polish"))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("preferred_language"), "{}", r.body);
    let r = app.api(Method::POST, "/api/v1/patients", Some(&token), Some(body("PL"))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let stored: Option<String> =
        sqlx::query_scalar("SELECT preferred_language FROM patients").fetch_one(&app.pool).await.unwrap();
    assert_eq!(stored.as_deref(), Some("pl"));
    // The database refuses free text whatever the path.
    let e = sqlx::query("UPDATE patients SET preferred_language = 'Polish'").execute(&app.pool).await.unwrap_err();
    assert!(e.to_string().contains("patients_preferred_language_bcp47"), "{e}");
}

/// The first migration of issue 15's phase 2.
const PREFERRED_LANGUAGE_TAGS: i64 = 20261204130001;

#[tokio::test]
async fn free_text_preferred_languages_become_tags_or_are_kept_as_text() {
    use sqlx::{Connection, Executor, PgConnection};
    let name = format!("hearth_lang_{}", std::process::id());
    let mut admin = PgConnection::connect(&server_url("postgres")).await.unwrap();
    admin.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str()).await.unwrap();
    admin.execute(format!("CREATE DATABASE {name}").as_str()).await.unwrap();
    let mut db = PgConnection::connect(&server_url(&name)).await.unwrap();
    let (before, after): (Vec<_>, Vec<_>) =
        hearth::db::MIGRATOR.iter().partition(|m| m.version < PREFERRED_LANGUAGE_TAGS);
    for m in before {
        sqlx::raw_sql(&m.sql).execute(&mut db).await.unwrap_or_else(|e| panic!("{}: {e}", m.description));
    }
    sqlx::raw_sql(
        "INSERT INTO facilities (id, code, name) VALUES ('00000000-0000-4000-8000-0000000000f1', 'OLD', 'Old Hospital');
         INSERT INTO patients (id, facility_id, mrn, given_name, family_name, sex, birth_date, preferred_language)
         SELECT ('00000000-0000-4000-8000-0000000000' || lpad(n::text, 2, '0'))::uuid,
                '00000000-0000-4000-8000-0000000000f1', 'OLD-0000' || lpad(n::text, 2, '0'), 'Ada', 'Old', 'female',
                '1950-01-01', v
         FROM unnest(ARRAY['English', ' spanish ', 'Español', 'Arabic', 'العربية', 'es_mx', 'EN', 'Klingon', NULL, 'Welsh'])
              WITH ORDINALITY AS t(v, n)",
    )
    .execute(&mut db)
    .await
    .expect("rows in the old schema");
    for m in after {
        sqlx::raw_sql(&m.sql).execute(&mut db).await.unwrap_or_else(|e| panic!("{}: {e}", m.description));
    }
    let rows: Vec<(Option<String>, Option<String>)> =
        sqlx::query_as("SELECT preferred_language, preferred_language_legacy FROM patients ORDER BY mrn")
            .fetch_all(&mut db)
            .await
            .unwrap();
    let tag = |t: &str| (Some(t.to_string()), None);
    assert_eq!(
        rows,
        vec![
            tag("en"),
            tag("es"),
            tag("es"),
            tag("ar"),
            tag("ar"),
            tag("es-MX"),
            tag("en"),
            (None, Some("Klingon".to_string())),
            (None, None),
            tag("cy"),
        ]
    );
    drop(db);
    admin.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str()).await.unwrap();
}

#[tokio::test]
async fn patient_message_templates_are_never_sent_in_an_unreviewed_language() {
    let (mut app, email) = TestApp::signed_in("nurse").await;
    let pid = app
        .register_patient(&[
            ("given_name", "Lina"),
            ("family_name", "Haddad"),
            ("sex", "female"),
            ("birth_date", "1980-02-02"),
            ("phone", "+961 1 234 567"),
            ("preferred_language", "ar"),
        ])
        .await;
    let r = app
        .post_form(
            &format!("/patients/{pid}/consents"),
            &[("kind", "communications"), ("channel", "sms"), ("decision", "granted")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // Arabic (the patient's) and Spanish (the facility's) are not reviewed: the template goes out
    // in English, the reviewed source, and the message records that language.
    assert!(!hearth_core::i18n::is_reviewed("ar", "ehr") && !hearth_core::i18n::is_reviewed("es", "ehr"));
    sqlx::query("UPDATE facilities SET locale = 'es' WHERE id = $1")
        .bind(app.facility_id)
        .execute(&app.pool)
        .await
        .unwrap();
    set_locale(&app, &email, "ar").await;
    let tab = format!("/patients/{pid}/messages");
    let r = app.post_form(&tab, &[("channel", "sms"), ("template", "results-ready")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let (subject, body, locale): (String, String, Option<String>) =
        sqlx::query_as("SELECT subject, body, locale FROM messages").fetch_one(&app.pool).await.unwrap();
    assert_eq!(subject, "Your test results are ready");
    assert!(body.starts_with("Please call "), "{body}");
    assert_eq!(locale.as_deref(), Some("en"));
    let changes: serde_json::Value =
        sqlx::query_scalar("SELECT changes FROM audit_events WHERE action = 'message.send'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(changes["template"], "results-ready");
    assert_eq!(changes["locale"], "en");
    // The staff page around it is in the user's language; an unknown template is refused.
    let r = app.post_form(&tab, &[("channel", "sms"), ("template", "nope")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("اختر قالبًا من القائمة."), "{}", r.body);

    // The safety rule itself, on the running catalogues: a reviewed language (English) is used
    // as it is; an unreviewed one never.
    assert_eq!(hearth_core::i18n::patient_language(Some("en-GB"), Some("es"), &["ehr", "platform"]), "en");
    assert_eq!(hearth_core::i18n::patient_language(Some("ar"), Some("es"), &["ehr", "platform"]), "en");
}

#[tokio::test]
async fn an_sms_is_cut_to_the_segment_budget_of_its_script() {
    let (mut app, _) = TestApp::signed_in("nurse").await;
    let pid = app
        .register_patient(&[
            ("given_name", "Omar"),
            ("family_name", "Saleh"),
            ("sex", "male"),
            ("phone", "+961 1 765 432"),
        ])
        .await;
    app.post_form(
        &format!("/patients/{pid}/consents"),
        &[("kind", "communications"), ("channel", "sms"), ("decision", "granted")],
    )
    .await;
    // 600 Arabic characters fit the form but not 4 UCS-2 segments (4 × 67).
    let long = "ب".repeat(600);
    let r = app
        .post_form(&format!("/patients/{pid}/messages"), &[("channel", "sms"), ("subject", "نتائج"), ("body", &long)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let w = hearth::platform::jobs::Worker::new(app.state.clone())
        .poll(std::time::Duration::from_millis(20))
        .backoff_base(std::time::Duration::from_millis(5));
    let sent: String = crate::fakes::eventually(10, "the SMS", || async {
        w.run_once().await.unwrap();
        sqlx::query_scalar::<_, String>("SELECT body FROM sms_local_outbox").fetch_optional(&app.pool).await.unwrap()
    })
    .await;
    let budget = hearth_core::platform::notify::sms::sms_budget(&sent);
    assert_eq!(budget.encoding, hearth_core::platform::notify::sms::SmsEncoding::Ucs2);
    assert_eq!(budget.segments, 4, "{sent}");
    assert!(sent.ends_with('…'));
}

/// The share of the English keys each language covers, per catalogue: the table of
/// docs/i18n.md's "Coverage" (`cargo test --test it -- i18n::coverage --nocapture` prints it).
#[test]
fn coverage_of_each_language() {
    let mut rows = Vec::new();
    let mut langs: BTreeSet<&str> = BTreeSet::new();
    for m in hearth::MODULES {
        for (l, _) in m.messages {
            langs.insert(l);
        }
    }
    let mut totals: std::collections::BTreeMap<&str, (usize, usize)> = Default::default();
    for m in hearth::MODULES.iter().filter(|m| !m.messages.is_empty()) {
        let keys = |lang: &str| -> BTreeSet<String> {
            m.messages
                .iter()
                .filter(|(l, _)| *l == lang)
                .flat_map(|(_, f)| hearth_core::i18n::parse_keys(f).unwrap())
                .collect()
        };
        let en = keys("en");
        let mut cells = Vec::new();
        for lang in &langs {
            let covered = keys(lang).intersection(&en).count();
            let t = totals.entry(lang).or_default();
            t.0 += covered;
            t.1 += en.len();
            let reviewed =
                m.messages.iter().any(|(l, f)| l == lang && f.lines().any(|x| x.trim() == "# reviewed: true"));
            cells.push(format!(
                "{covered} of {} ({}%){}",
                en.len(),
                covered * 100 / en.len().max(1),
                if reviewed { ", reviewed" } else { "" }
            ));
        }
        rows.push(format!("| {} | {} |", m.name, cells.join(" | ")));
    }
    println!("| catalogue | {} |", langs.iter().copied().collect::<Vec<_>>().join(" | "));
    println!("| --- |{}", " --- |".repeat(langs.len()));
    for r in &rows {
        println!("{r}");
    }
    let all: Vec<String> = langs
        .iter()
        .map(|l| {
            let (c, n) = totals[l];
            format!("{c} of {n} ({}%)", c * 100 / n.max(1))
        })
        .collect();
    println!("| all | {} |", all.join(" | "));
    let mut templates = Vec::new();
    files(&root().join("templates"), "html", &mut templates);
    println!("templates converted (no raw English, CONVERTED): {} of {}", CONVERTED.len(), templates.len());
    assert!(rows.len() >= 4, "platform, patients, ehr and immunizations have catalogues");
}

/// Dates on pages follow the reader's locale (issue 15's formatting service): the page's
/// language with the region of the tag that chose it, the Gregorian calendar and Latin digits
/// in Arabic. Form values stay ISO.
#[tokio::test]
async fn pages_write_dates_in_the_readers_locale() {
    let (mut app, email) = TestApp::signed_in("nurse").await;
    let pid = app
        .register_patient(&[
            ("given_name", "Ada"),
            ("family_name", "Formats"),
            ("sex", "female"),
            ("birth_date", "1960-03-04"),
        ])
        .await;
    let ar = hearth::formats::Formats::for_tag("ar").date(time::macros::date!(1960 - 03 - 04));
    for (tag, born) in
        [("en", "Mar 4, 1960"), ("en-IN", "04 Mar 1960"), ("es", "4 mar 1960"), ("es-MX", "4 mar 1960"), ("ar", &ar)]
    {
        set_locale(&app, &email, tag).await;
        let chart = app.get(&format!("/patients/{pid}/chart")).await;
        assert_eq!(chart.status, StatusCode::OK);
        let banner = &chart.body[chart.body.find("banner-facts").expect("the banner")..];
        assert!(banner.contains(born), "{tag}: {born} in {}", &banner[..banner.len().min(1500)]);
        assert!(!banner.contains("1960-03-04"), "{tag}: not the ISO form");
        assert!(!banner.chars().any(|c| ('\u{660}'..='\u{669}').contains(&c)), "{tag}: Latin digits");
    }
    // The banner's fixed texts are in the page's language too (BannerItem::keyed).
    let chart = app.get(&format!("/patients/{pid}/chart")).await;
    assert!(chart.body.contains("لا يوجد نشط") && chart.body.contains("الحساسية غير مسجَّلة"), "{}", chart.body);
    assert!(!chart.body.contains("None active") && !chart.body.contains(">Not recorded<"));
    assert!(chart.body.contains("<dt>الزيارة</dt>"), "the banner group's label");
    assert!(ar.contains("1960") && ar.contains("03"), "{ar}");
    // The vital signs form's time field keeps its ISO value and speaks the page's language.
    set_locale(&app, &email, "es").await;
    let form = app.get(&format!("/patients/{pid}/vitals")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("type=\"datetime-local\""));
    assert!(form.body.contains("Hora local."), "layout/time.html in Spanish");
}

/// The API's problem documents keep their English `type` and `title` (clients match on them)
/// and give the platform's `detail` in the reader's language.
#[tokio::test]
async fn problem_details_are_in_the_readers_language_with_english_titles() {
    let (mut app, email) = TestApp::signed_in("nurse").await;
    let token = app.api_token(&email).await;
    let missing = format!("/api/v1/patients/{}", uuid::Uuid::new_v4());
    let get = |accept: &'static str| {
        app.builder(Method::GET, &missing)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::ACCEPT_LANGUAGE, accept)
            .body(Body::empty())
            .unwrap()
    };
    let (en, es) = (get("en"), get("es-MX,es;q=0.9"));
    let en = app.request(en).await;
    assert_eq!(en.status, StatusCode::NOT_FOUND, "{}", en.body);
    assert!(en.body.contains("There is nothing at this address"), "{}", en.body);
    let es = app.request(es).await;
    assert_eq!(es.status, StatusCode::NOT_FOUND);
    let doc: serde_json::Value = serde_json::from_str(&es.body).unwrap();
    assert_eq!(doc["title"], "Not found", "{doc}");
    assert_eq!(doc["detail"], "No hay nada en esta dirección, o no puede verlo.", "{doc}");
}

/// Every module's navigation entry and chart tab has its label in every language (the shell
/// and the chart's tab row would otherwise mix English into a translated page).
#[test]
fn navigation_entries_and_chart_tabs_have_their_labels_in_every_language() {
    let mut missing = Vec::new();
    for lang in ["en", "es", "ar"] {
        let keys = catalogue_keys(lang);
        for m in hearth::MODULES {
            for n in m.nav {
                let key =
                    if n.href == "/" { "nav-home".to_string() } else { format!("nav{}", n.href.replace('/', "-")) };
                if !keys.contains(&key) {
                    missing.push(format!("{lang}: {key} ({})", n.label));
                }
            }
            for t in m.chart_tabs {
                let key = format!("patients-tab-{}", t.key);
                if !keys.contains(&key) {
                    missing.push(format!("{lang}: {key} ({})", t.label));
                }
            }
        }
    }
    assert!(missing.is_empty(), "labels missing: {missing:#?}");
}
