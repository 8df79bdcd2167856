//! Shared UI pieces: the layout context every page carries, flash messages, redirects.

pub mod chart;
pub mod csv;
pub mod errors;
pub mod form;
pub mod input;
pub mod paging;
pub mod path;
pub mod search;
pub mod time;
pub mod upload;

pub use path::Path;

use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::error::AppResult;
pub use crate::error::FieldErrors;
use crate::platform::auth::CurrentUser;
use crate::platform::csrf::CsrfToken;
use crate::registry::Registry;

pub const FLASH_COOKIE: &str = "hearth_flash";

/// The locale of pages before sign-in and of users whose facility sets none.
pub const DEFAULT_LOCALE: &str = "en";

#[derive(Debug, Clone)]
pub struct NavItem {
    pub label: &'static str,
    pub href: &'static str,
    pub active: bool,
}

#[derive(Debug, Clone)]
pub struct Crumb {
    pub label: String,
    pub href: String,
}

#[derive(Debug, Clone)]
pub struct Flash {
    pub kind: String,
    pub message: String,
}

/// Everything the base layout needs. Extracted from the request in each page handler.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub title: String,
    pub user: Option<CurrentUser>,
    pub csrf: String,
    pub nav: Vec<NavItem>,
    pub crumbs: Vec<Crumb>,
    pub flash: Option<Flash>,
    pub request_id: String,
    pub path: String,
    /// The time zone the page shows times in and its forms read them in (the user's facility's;
    /// see [`time`]).
    pub zone: time::Zone,
    /// The page's language, one of [`crate::i18n::available`]: the user's, else their
    /// facility's, else negotiated from `Accept-Language`, else English.
    pub locale: String,
    /// The registry's layout fragments this user sees (the alerts banner…), fetched by the page.
    pub fragments: Vec<&'static crate::registry::LayoutFragment>,
    /// The session idle timeout in seconds (the page warns before it; 0 when unknown).
    pub session_idle_secs: u64,
    /// The request's `Accept-Language` (empty when absent): the language of the API's problem
    /// `detail` ([`Page::api_lang`]).
    pub accept_language: String,
}

impl Page {
    pub fn from_parts(parts: &Parts) -> Self {
        let user = parts.extensions.get::<CurrentUser>().cloned();
        let csrf = parts.extensions.get::<CsrfToken>().map(|t| t.0.clone()).unwrap_or_default();
        let path = parts.uri.path().to_string();
        let flash = crate::platform::auth::session::read_cookie(&parts.headers, FLASH_COOKIE).and_then(parse_flash);
        let request_id = parts.headers.get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let registry = parts.extensions.get::<&'static Registry>().copied();
        let nav = user.as_ref().map(|u| nav_for(u, &path, registry)).unwrap_or_default();
        let zone = parts.extensions.get::<time::Zone>().cloned().unwrap_or_default();
        // The user's language, else their facility's (both in `u.locale`), else the browser's.
        let accept = parts.headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
        let locale = crate::i18n::catalogues().choose(user.as_ref().map(|u| u.locale.as_str()), accept);
        let fragments = match (user.as_ref(), registry) {
            (Some(u), Some(r)) if !u.must_change_password => r.layout_fragments(u),
            _ => Vec::new(),
        };
        Page {
            title: String::new(),
            user,
            csrf,
            nav,
            crumbs: Vec::new(),
            flash,
            request_id,
            path,
            zone,
            locale,
            fragments,
            accept_language: accept.unwrap_or("").chars().take(200).collect(),
            session_idle_secs: parts
                .extensions
                .get::<crate::platform::auth::session::IdleTimeout>()
                .map(|t| t.0)
                .unwrap_or(0),
        }
    }

    pub fn titled(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }

    pub fn crumb(mut self, label: impl Into<String>, href: impl Into<String>) -> Self {
        self.crumbs.push(Crumb { label: label.into(), href: href.into() });
        self
    }

    pub fn can(&self, code: &str) -> bool {
        self.user.as_ref().is_some_and(|u| u.perms.iter().any(|p| p == code))
    }

    /// The message `key` in the page's language (templates: `{{ page.t("nav-home") }}`).
    pub fn t(&self, key: &str) -> String {
        crate::i18n::t(self.lang(), key)
    }

    /// The message `key` with arguments, from Rust: `page.t_args("mfa-backup-left", &[("count", &n)])`.
    pub fn t_args(&self, key: &str, args: &[(&str, &dyn crate::i18n::ToArg)]) -> String {
        crate::i18n::t_args(self.lang(), key, args)
    }

    /// The message `key` with one argument (templates: `{{ page.t1("mfa-backup-left", "count", n) }}`).
    pub fn t1(&self, key: &str, name: &str, value: impl crate::i18n::ToArg) -> String {
        crate::i18n::t_args(self.lang(), key, &[(name, &value)])
    }

    /// The message `key` with two arguments.
    pub fn t2(
        &self,
        key: &str,
        n1: &str,
        v1: impl crate::i18n::ToArg,
        n2: &str,
        v2: impl crate::i18n::ToArg,
    ) -> String {
        crate::i18n::t_args(self.lang(), key, &[(n1, &v1), (n2, &v2)])
    }

    /// A navigation entry's label: the message `nav-<href, slashes as dashes>` (`/admin/jobs` →
    /// `nav-admin-jobs`) when a catalogue has it, else the module's English label.
    pub fn nav_label(&self, item: &NavItem) -> String {
        let key = format!("nav{}", item.href.replace('/', "-"));
        let key = if item.href == "/" { "nav-home".to_string() } else { key };
        crate::i18n::catalogues().format_or(self.lang(), &key, item.label)
    }

    /// The message `key`, or `fallback` when not even English has it (labels of coded values
    /// whose keys are built from the code: `immunizations-site-left-arm`).
    pub fn t_or(&self, key: &str, fallback: &str) -> String {
        crate::i18n::catalogues().format_or(self.lang(), key, fallback)
    }

    /// The language of an API answer's human-readable texts: the client's `Accept-Language`
    /// (an API client states what it reads; a user's page language does not apply), else English.
    pub fn api_lang(&self) -> String {
        crate::i18n::catalogues().choose(None, Some(self.accept_language.as_str()).filter(|a| !a.is_empty()))
    }

    /// The page's language tag (`en` when unset).
    pub fn lang(&self) -> &str {
        if self.locale.is_empty() {
            DEFAULT_LOCALE
        } else {
            &self.locale
        }
    }

    /// `rtl` for right-to-left languages, else `ltr` (the `dir` of `<html>`).
    pub fn dir(&self) -> &'static str {
        if crate::i18n::is_rtl(self.lang()) {
            "rtl"
        } else {
            "ltr"
        }
    }

    pub fn user_name(&self) -> &str {
        self.user.as_ref().map(|u| u.display_name.as_str()).unwrap_or("")
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Page {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Page::from_parts(parts))
    }
}

fn nav_for(u: &CurrentUser, path: &str, registry: Option<&Registry>) -> Vec<NavItem> {
    let mut items = vec![NavItem { label: "Dashboard", href: "/", active: path == "/" }];
    let Some(registry) = registry else { return items };
    let entries = registry.nav();
    for e in entries.iter().filter(|e| e.href != "/" && Registry::nav_visible(e, u)) {
        // The longest matching entry is the active one (`/patients/today` over `/patients`).
        let matches = |href: &str| path == href || path.starts_with(&format!("{href}/"));
        let longer =
            entries.iter().any(|o| o.href.len() > e.href.len() && o.href.starts_with(e.href) && matches(o.href));
        items.push(NavItem { label: e.label, href: e.href, active: matches(e.href) && !longer });
    }
    items
}

fn parse_flash(v: &str) -> Option<Flash> {
    let (kind, msg) = v.split_once('.')?;
    let kind = match kind {
        "ok" | "error" | "info" => kind.to_string(),
        _ => return None,
    };
    let message: String =
        serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("m={msg}")).ok()?.into_iter().next()?.1;
    Some(Flash { kind, message: message.chars().take(300).collect() })
}

/// Renders a template as a 200 HTML response.
pub fn render<T: Template>(t: &T) -> AppResult<Response> {
    Ok(Html(t.render()?).into_response())
}

/// Renders with a status (a form re-rendered with errors gets 422).
pub fn render_status<T: Template>(status: StatusCode, t: &T) -> AppResult<Response> {
    Ok((status, Html(t.render()?)).into_response())
}

/// A 303 redirect carrying a flash message for the next page.
pub fn redirect_flash(to: &str, kind: &str, message: &str) -> Response {
    let mut res = Redirect::to(to).into_response();
    let value = serde_urlencoded::to_string([("m", message)]).unwrap_or_default();
    let value = value.trim_start_matches("m=");
    if let Ok(v) =
        HeaderValue::from_str(&format!("{FLASH_COOKIE}={kind}.{value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=60"))
    {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// Only a same-origin absolute path is followed after sign-in (and from a notification link):
/// it starts with exactly one `/`, holds only visible ASCII (no control characters, whitespace or
/// backslash, which browsers drop or read as `/`, so `/\t/host` would become `//host`), has no
/// `://`, and its path stays that way once percent-decoded (`/%09/host`, `/%2F/host`), in case a
/// proxy or browser decodes it. Anything else becomes `/`. The result is always a valid header
/// value, so a redirect to it cannot fail.
pub fn safe_next(next: Option<&str>) -> String {
    next.filter(|n| is_local_path(n)).map(str::to_string).unwrap_or_else(|| "/".to_string())
}

fn is_local_path(n: &str) -> bool {
    let b = n.as_bytes();
    let plain = n.len() <= 2048
        && b.first() == Some(&b'/')
        && b.get(1) != Some(&b'/')
        && b.iter().all(|c| c.is_ascii_graphic() && *c != b'\\')
        && !n.contains("://");
    if !plain {
        return false;
    }
    let path = n.split(['?', '#']).next().unwrap_or("");
    let decoded = percent_decode(path.as_bytes());
    decoded.get(1) != Some(&b'/')
        && !decoded.iter().any(|c| c.is_ascii_control() || c.is_ascii_whitespace() || *c == b'\\')
}

fn percent_decode(s: &[u8]) -> Vec<u8> {
    let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match (s[i], s.get(i + 1).copied().and_then(hex), s.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(h), Some(l)) => {
                out.push(h * 16 + l);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// Askama filter-free helper for optional strings in templates.
pub fn or_dash(s: &Option<String>) -> &str {
    s.as_deref().filter(|s| !s.is_empty()).unwrap_or("—")
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_is_a_same_origin_path_or_slash() {
        for good in ["/", "/patients", "/patients/abc/chart?tab=notes", "/search?q=ada%20lovelace"] {
            assert_eq!(safe_next(Some(good)), good);
        }
        for bad in [
            "",
            "patients",
            "//evil",
            "/\t/evil",
            "/\\evil",
            "/\r\n",
            "/%09/evil",
            "/%2F/evil",
            "/%5Cevil",
            "/%0d%0a",
            "https://evil",
            "/x?u=https://evil",
            "/é",
            "/a b",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
