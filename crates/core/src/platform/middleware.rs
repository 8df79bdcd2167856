//! The request pipeline shared by every module: metrics, security headers, session or bearer
//! resolution, CSRF, and error rendering (HTML page or problem+json by route kind).

use std::time::Instant;

use askama::Template;
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use futures_util::StreamExt;

use crate::app::AppState;
use crate::config::Env;
use crate::error::{AppError, ErrorInfo};
use crate::platform::audit::{self, Event};
use crate::platform::auth::session::{self, Lookup};
use crate::platform::auth::{token, CurrentUser, PendingMfa};
use crate::platform::csrf::{self, CsrfToken};
use crate::platform::ratelimit;
use crate::web::time::Zone;
use crate::web::{Page, FLASH_COOKIE};

fn is_api(path: &str) -> bool {
    path.starts_with("/api/") || path.starts_with("/fhir")
}

pub async fn metrics(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().clone();
    let route =
        req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_string()).unwrap_or_else(|| "unmatched".into());
    let res = next.run(req).await;
    state.metrics.observe(method.as_str(), &route, res.status().as_u16(), start.elapsed());
    res
}

pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; \
             connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
        ),
    );
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert("permissions-policy", HeaderValue::from_static("camera=(), microphone=(), geolocation=()"));
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    // HSTS only where the site is served over HTTPS (production requires an https:// base URL);
    // `hearth demo` over plain HTTP must not pin browsers to HTTPS for the host.
    if state.config.env == Env::Production || state.config.base_url.starts_with("https://") {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=63072000; includeSubDomains"));
    }
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// Resolves the browser session (never fails the request for a missing one) and keeps the
/// flash cookie one-shot. Users who must change their password are sent to do so first.
pub async fn browser_session(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let mut expired = false;
    if let Some(tok) = session::read_cookie(req.headers(), session::COOKIE).map(str::to_string) {
        match session::lookup(&state.pool, &state.config, &tok).await {
            Ok(Lookup::Valid(user)) => {
                req.extensions_mut().insert(*user);
            }
            Ok(Lookup::Pending(p)) => {
                req.extensions_mut().insert(p);
            }
            Ok(Lookup::Expired) => {
                expired = true;
                req.extensions_mut().insert(session::SessionEnded { timed_out: true });
            }
            Ok(Lookup::None) => {
                req.extensions_mut().insert(session::SessionEnded { timed_out: false });
            }
            Err(e) => return render_error(&state, &req_parts_page(&req), AppError::from(e), false),
        }
    }
    let user = req.extensions().get::<CurrentUser>();
    let accept = req.headers().get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    let formats = crate::formats::Formats::for_tag(&crate::i18n::format_tag(user.map(|u| u.locale.as_str()), accept));
    let zone = page_zone(&state, user).with_formats(formats);
    req.extensions_mut().insert(zone);
    req.extensions_mut().insert(session::IdleTimeout(state.config.session_idle.as_secs()));
    let path = req.uri().path().to_string();
    let always = path == "/logout" || path.starts_with("/static/");
    if req.extensions().get::<PendingMfa>().is_some() && !always && !path.starts_with("/mfa") && path != "/login" {
        return Redirect::to("/mfa").into_response();
    }
    if let Some(u) = req.extensions().get::<CurrentUser>() {
        if u.must_change_password && !always && path != "/account/password" {
            return Redirect::to("/account/password").into_response();
        }
        // Roles that require MFA: enrolment comes before anything else.
        if u.mfa_required && !u.mfa_enabled && !always && !path.starts_with("/account/mfa") {
            return Redirect::to("/account/mfa").into_response();
        }
    }
    let had_flash = session::read_cookie(req.headers(), FLASH_COOKIE).is_some();
    let mut res = next.run(req).await;
    if expired {
        res.headers_mut().append(header::SET_COOKIE, hv(&session::clear_cookie(&state.config, session::COOKIE)));
    }
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if had_flash && is_html {
        res.headers_mut()
            .append(header::SET_COOKIE, hv(&format!("{FLASH_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")));
    }
    // An expired session on a page that needs sign-in: say why on the sign-in page.
    if expired && res.status() == StatusCode::SEE_OTHER {
        if let Some(loc) = res.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()) {
            if loc.starts_with("/login") {
                let mut r = crate::web::redirect_flash(
                    loc,
                    "info",
                    &session::ended_message(state.config.session_idle.as_secs() / 60, true),
                );
                r.headers_mut().append(header::SET_COOKIE, hv(&session::clear_cookie(&state.config, session::COOKIE)));
                return r;
            }
        }
    }
    res
}

/// Bearer tokens for `/api/v1` and `/fhir`. Cookies are ignored there. Refused tokens are
/// security events; API clients are rate limited and every call they make is audited.
pub async fn bearer(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let auth = req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::to_string);
    let Some(value) = auth else { return next.run(req).await };
    let meta = crate::platform::auth::RequestMeta::from_head(req.headers(), req.extensions());
    let page = Page::default();
    let Some(tok) = value.strip_prefix("Bearer ").map(str::trim).filter(|t| !t.is_empty() && t.len() <= 4096) else {
        return problem(StatusCode::UNAUTHORIZED, "Authorization must be `Bearer <token>`");
    };
    let ip = meta.ip.map(|i| i.ip().to_string()).unwrap_or_else(|| "unknown".into());
    let user = match token::verify(&state, tok, meta.ip).await {
        Ok(Ok(user)) => user,
        Ok(Err(why)) => {
            let am = meta.audit(None);
            // Bad tokens are security events; a flood of them from one address is cut off.
            if let Err(e) =
                ratelimit::check(&state, &format!("badtoken:ip:{ip}"), ratelimit::BAD_TOKEN_PER_IP, &am).await
            {
                return render_error(&state, &page, e, true);
            }
            let ev = Event {
                action: "security.bad_token",
                entity_type: "token",
                entity_id: Some(why.as_str().into()),
                patient_id: None,
                changes: None,
            };
            if let Err(e) = audit::record_now(&state.pool, &am, ev).await {
                return render_error(&state, &page, e.into(), true);
            }
            return problem(StatusCode::UNAUTHORIZED, "The bearer token is invalid or expired");
        }
        Err(e) => return render_error(&state, &page, e, true),
    };
    let limit = ratelimit::api_limit(&state.config, user.client_id.is_some(), &user.perms);
    if let Err(e) = ratelimit::check(&state, &format!("api:{}", user.id), limit, &meta.audit(Some(&user))).await {
        return render_error(&state, &page, e, true);
    }
    let client = user.client_id.is_some().then(|| meta.audit(Some(&user)));
    let method = req.method().to_string();
    let route = req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_string()).unwrap_or_default();
    req.extensions_mut().insert(user);
    let res = next.run(req).await;
    if let Some(am) = client {
        let ev = Event::new("api.call", "api", format!("{method} {route}"))
            .changes(serde_json::json!({"status": res.status().as_u16()}));
        if let Err(e) = audit::record_now(&state.pool, &am, ev).await {
            tracing::error!(error = %e, "could not audit an API client call");
        }
    }
    res
}

/// The zone a browser request's pages show times in: the user's facility's, else the
/// installation's (`HEARTH_TIME_ZONE`). A facility zone PostgreSQL accepted but the time zone
/// database here does not know (not expected: both carry the IANA names) falls back to the
/// installation's, and says so in the log (the zone name only).
fn page_zone(state: &AppState, user: Option<&CurrentUser>) -> Zone {
    let installation = || Zone::named(&state.config.time_zone).unwrap_or_default();
    match user.and_then(|u| u.time_zone.as_deref()) {
        None => installation(),
        Some(name) => Zone::named(name).unwrap_or_else(|| {
            tracing::warn!(zone = %name, "facility time zone unknown to the time zone database; using the installation's");
            installation()
        }),
    }
}

fn req_parts_page(req: &Request) -> Page {
    // Page::from_parts needs Parts; rebuild a light one from the request head.
    let mut b = axum::http::Request::builder().uri(req.uri().clone()).method(req.method().clone());
    for (k, v) in req.headers() {
        b = b.header(k, v);
    }
    let (parts, _) = b.body(()).map(|r| r.into_parts()).unwrap_or_else(|_| axum::http::Request::new(()).into_parts());
    Page::from_parts(&parts)
}

/// Sets the CSRF token for the page and checks it on unsafe browser requests.
pub async fn csrf(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if is_api(&path) {
        return next.run(req).await;
    }
    let session_id = req.extensions().get::<CurrentUser>().and_then(|u| u.session_id);
    let mut new_cookie = None;
    let binding = match session_id {
        Some(sid) => format!("s:{sid}"),
        None => match session::read_cookie(req.headers(), csrf::COOKIE) {
            Some(c) if c.len() >= 20 && c.len() <= 100 => format!("a:{c}"),
            _ => {
                let c = session::new_token();
                new_cookie = Some(c.clone());
                format!("a:{c}")
            }
        },
    };
    let expected = csrf::token_for(&state.keys, &binding);
    let (mut parts, body) = req.into_parts();
    parts.extensions.insert(CsrfToken(expected.clone()));

    let unsafe_method = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    let body = if unsafe_method {
        let header_token = parts.headers.get(csrf::HEADER).and_then(|v| v.to_str().ok()).map(str::to_string);
        let (provided, body) = match header_token {
            Some(t) => (Some(t), body),
            // Never in the query string (it would leak into logs, history and Referer). A
            // multipart upload cannot be buffered here, so its token must be the form's first
            // part: only that part is read, and the handler gets the whole body unchanged.
            None if is_multipart(&parts.headers) => multipart_token(&parts.headers, body).await,
            None => {
                let is_form = parts
                    .headers
                    .get(header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
                if is_form {
                    match axum::body::to_bytes(body, state.config.max_body_bytes).await {
                        Ok(bytes) => (csrf::from_form(&bytes), Body::from(bytes)),
                        Err(_) => {
                            let page = Page::from_parts(&parts);
                            let mut res = StatusCode::PAYLOAD_TOO_LARGE.into_response();
                            res.extensions_mut().insert(ErrorInfo::new(
                                StatusCode::PAYLOAD_TOO_LARGE,
                                format!("The form is larger than {} bytes.", state.config.max_body_bytes),
                            ));
                            return finish_error(&state, &page, res, false);
                        }
                    }
                } else {
                    (None, body)
                }
            }
        };
        if !provided.is_some_and(|p| csrf::matches(&expected, &p)) {
            // The form was fine but its session is gone: say that, in words (issue 13, item 2).
            if let Some(ended) = parts.extensions.get::<session::SessionEnded>().copied() {
                return session_ended(&state, &parts, ended);
            }
            tracing::warn!(path = %parts.uri.path(), "CSRF token missing or wrong");
            return render_error(&state, &Page::from_parts(&parts), AppError::Csrf, false);
        }
        body
    } else {
        body
    };
    let mut res = next.run(Request::from_parts(parts, body)).await;
    if let Some(c) = new_cookie {
        res.headers_mut().append(header::SET_COOKIE, hv(&session::cookie(&state.config, csrf::COOKIE, &c)));
    }
    res
}

#[derive(Template)]
#[template(path = "auth/session_ended.html")]
struct SessionEndedPage {
    page: Page,
    message: String,
    /// `/login?next=…`, back to the form's page.
    login_href: String,
}

/// The answer to a form sent after its session ended: 401 with a page that says so and links
/// to sign in again, back to the page the form was on (its drafts are kept by the browser).
/// Signing out of an ended session just goes to the sign-in page.
fn session_ended(state: &AppState, parts: &axum::http::request::Parts, ended: session::SessionEnded) -> Response {
    // The page's language: the browser's (the user is no longer known).
    let page = Page::from_parts(parts);
    let message = if ended.timed_out {
        page.t1("session-ended-timeout", "minutes", state.config.session_idle.as_secs() / 60)
    } else {
        page.t("session-ended-elsewhere")
    };
    if parts.uri.path() == "/logout" {
        let mut r = crate::web::redirect_flash("/login", "ok", &page.t("login-signed-out"));
        r.headers_mut().append(header::SET_COOKIE, hv(&session::clear_cookie(&state.config, session::COOKIE)));
        return r;
    }
    // Back to the page the form was on: the Referer's path (only the path: always ours).
    let from = parts
        .headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.parse::<axum::http::Uri>().ok())
        .and_then(|u| u.path_and_query().map(|p| p.as_str().to_string()));
    let next = crate::web::safe_next(from.as_deref());
    let title = page.t("session-ended-title");
    let mut page = page.titled(title);
    page.flash = None;
    let login_href = format!("/login?{}", serde_urlencoded::to_string([("next", next.as_str())]).unwrap_or_default());
    let t = SessionEndedPage { page, message, login_href };
    // The (dead) session cookie stays: other tabs' forms then get this page too, not a token error.
    match t.render() {
        Ok(html) => (StatusCode::UNAUTHORIZED, Html(html)).into_response(),
        Err(_) => (StatusCode::UNAUTHORIZED, t.message).into_response(),
    }
}

/// Turns bare error responses (ours carry [`ErrorInfo`]; axum's rejections are text/plain)
/// into a full HTML page or problem+json.
pub async fn render_errors(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let api = is_api(req.uri().path());
    let (parts, body) = req.into_parts();
    let page = Page::from_parts(&parts);
    let mut res = next.run(Request::from_parts(parts, body)).await;
    if api && res.status() == StatusCode::UNPROCESSABLE_ENTITY && res.extensions().get::<ErrorInfo>().is_none() {
        // axum's JSON rejection (text/plain): keep what it says about the body, as field errors.
        let (mut head, body) = res.into_parts();
        let text = axum::body::to_bytes(body, 8 * 1024).await.unwrap_or_default();
        head.extensions.insert(crate::web::errors::json_rejection(&String::from_utf8_lossy(&text)));
        res = Response::from_parts(head, Body::empty());
    }
    finish_error(&state, &page, res, api)
}

fn finish_error(state: &AppState, page: &Page, res: Response, api: bool) -> Response {
    let status = res.status();
    if status.as_u16() < 400 {
        return res;
    }
    if let Some(info) = res.extensions().get::<ErrorInfo>().cloned() {
        return render_info(state, page, info, api, res);
    }
    let ct = res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !(ct.is_empty() || ct.starts_with("text/plain")) {
        return res;
    }
    // A framework rejection (bad form, bad JSON, wrong content type, unknown route...).
    let info = ErrorInfo::new(status, rejection_detail(status));
    render_info(state, page, info, api, res)
}

fn rejection_detail(status: StatusCode) -> String {
    match status.as_u16() {
        400 => "The request could not be read. Check the fields and try again.".into(),
        404 => "There is nothing at this address, or you may not see it.".into(),
        405 => "This address does not accept that method.".into(),
        413 => "The request body is too large.".into(),
        415 => "Send the body as application/json (API) or as a form (pages).".into(),
        422 => "Some fields are missing or have the wrong type.".into(),
        s if s >= 500 => "The error was logged. Quote the request id if you contact support.".into(),
        _ => "The request failed.".into(),
    }
}

pub fn render_error(state: &AppState, page: &Page, err: AppError, api: bool) -> Response {
    let res = err.into_response();
    finish_error(state, page, res, api)
}

fn render_info(state: &AppState, page: &Page, mut info: ErrorInfo, api: bool, original: Response) -> Response {
    let keep_headers = original.headers().clone();
    if let Some(m) = info.constraint.as_deref().and_then(|c| state.registry.constraint_message(c)) {
        info.detail = m.to_string();
    }
    // The detail in the reader's language: the page's, or on the API the client's
    // `Accept-Language`; the API's `type` and `title` stay English (clients match on them).
    let lang = if api { page.api_lang() } else { page.lang().to_string() };
    info.detail = crate::i18n::detail(&lang, &info.detail);
    let mut res = if info.status == StatusCode::UNAUTHORIZED && !api {
        let next = serde_urlencoded::to_string([("next", page.path.as_str())]).unwrap_or_default();
        Redirect::to(&format!("/login?{next}")).into_response()
    } else if api {
        crate::web::errors::problem_with_fields(info.status, &info.detail, &info.fields)
    } else {
        // The title in the page's language (the API keeps the English `title` clients match on).
        let title = crate::i18n::catalogues().format_or(
            page.lang(),
            &format!("error-title-{}", info.status.as_u16()),
            info.title,
        );
        let check = page.t("error-check-fields");
        let t = ErrorPage {
            page: page.clone().titled(title.clone()),
            status: info.status.as_u16(),
            title: &title,
            detail: if info.fields.is_empty() { &info.detail } else { &check },
            fields: &info.fields,
        };
        match t.render() {
            Ok(html) => (info.status, Html(html)).into_response(),
            Err(_) => (info.status, info.title).into_response(),
        }
    };
    for (k, v) in keep_headers.iter() {
        if k == header::SET_COOKIE || k == header::ALLOW || k == header::WWW_AUTHENTICATE || k == header::RETRY_AFTER {
            res.headers_mut().append(k, v.clone());
        }
    }
    if api && info.status == StatusCode::UNAUTHORIZED && !res.headers().contains_key(header::WWW_AUTHENTICATE) {
        res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    res
}

/// An RFC 7807 problem document.
pub fn problem(status: StatusCode, detail: &str) -> Response {
    crate::web::errors::problem_with_fields(status, detail, &[])
}

/// At most this much of a multipart body is read to find its first part, the CSRF token.
const MULTIPART_PEEK_BYTES: usize = 8 * 1024;

/// The `csrf_token` of a multipart form, which must be its first part, and the body to pass on
/// (the bytes read, then the rest). The part is parsed by the same multipart parser the
/// handlers use. A body whose first part is anything else, or that cannot be read, has no token.
async fn multipart_token(headers: &axum::http::HeaderMap, mut body: Body) -> (Option<String>, Body) {
    use http_body_util::BodyExt;
    let mut read: Vec<bytes::Bytes> = Vec::new();
    let mut head = bytes::BytesMut::new();
    let mut ended = false;
    while head.len() < MULTIPART_PEEK_BYTES {
        match body.frame().await {
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    head.extend_from_slice(&data[..data.len().min(MULTIPART_PEEK_BYTES - head.len())]);
                    read.push(data);
                }
            }
            Some(Err(_)) => return (None, Body::empty()),
            None => {
                ended = true;
                break;
            }
        }
    }
    let token = first_part_token(headers, head.freeze()).await;
    let read = futures_util::stream::iter(read.into_iter().map(Ok::<_, axum::Error>));
    let body = if ended { Body::from_stream(read) } else { Body::from_stream(read.chain(body.into_data_stream())) };
    (token, body)
}

async fn first_part_token(headers: &axum::http::HeaderMap, head: bytes::Bytes) -> Option<String> {
    use axum::extract::{FromRequest, Multipart};
    let mut req = axum::http::Request::new(Body::from(head));
    *req.headers_mut() = headers.clone();
    req.headers_mut().remove(header::CONTENT_LENGTH);
    let mut mp = Multipart::from_request(req, &()).await.ok()?;
    let field = mp.next_field().await.ok()??;
    if field.name() != Some(csrf::FIELD) || field.file_name().is_some() {
        return None;
    }
    field.text().await.ok()
}

fn is_multipart(h: &axum::http::HeaderMap) -> bool {
    h.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("multipart/form-data"))
}

fn hv(s: &str) -> HeaderValue {
    HeaderValue::from_str(s).unwrap_or_else(|_| HeaderValue::from_static(""))
}

#[derive(Template)]
#[template(path = "errors/error.html")]
struct ErrorPage<'a> {
    page: Page,
    status: u16,
    title: &'a str,
    detail: &'a str,
    fields: &'a [(String, String)],
}

/// Keeps a client-sent X-Request-Id only when it looks like an id (it ends up in logs and the
/// audit log); otherwise a fresh one is generated by the next layer.
pub async fn sanitize_request_id(mut req: Request) -> Request {
    let ok = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).is_some_and(|v| {
        (8..=64).contains(&v.len()) && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    });
    if !ok {
        req.headers_mut().remove("x-request-id");
    }
    req
}

/// Behind a trusted reverse proxy, the client is the last X-Forwarded-For hop.
pub async fn client_address(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    if state.config.trust_proxy {
        let forwarded = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|ip| ip.trim().parse::<std::net::IpAddr>().ok());
        if let Some(ip) = forwarded {
            req.extensions_mut().insert(axum::extract::ConnectInfo(std::net::SocketAddr::new(ip, 0)));
        }
    }
    next.run(req).await
}

pub const MAX_HEADER_BYTES: usize = 16 * 1024;
pub const MAX_COOKIE_BYTES: usize = 8 * 1024;

/// Oversized headers or cookies are refused (431) before any work, and recorded as a security
/// event (at most a few per address, through the rate limiter).
pub async fn header_limits(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let total: usize = req.headers().iter().map(|(k, v)| k.as_str().len() + v.len()).sum();
    let cookies: usize = req.headers().get_all(header::COOKIE).iter().map(|v| v.len()).sum();
    if total <= MAX_HEADER_BYTES && cookies <= MAX_COOKIE_BYTES {
        return next.run(req).await;
    }
    let meta = crate::platform::auth::RequestMeta::from_head(req.headers(), req.extensions());
    let ip = meta.ip.map(|i| i.ip().to_string()).unwrap_or_else(|| "unknown".into());
    let am = meta.audit(None);
    if ratelimit::check(&state, &format!("bigheaders:ip:{ip}"), ratelimit::BAD_TOKEN_PER_IP, &am).await.is_ok() {
        let ev =
            Event::new("security.oversized_headers", "request", req.uri().path().chars().take(200).collect::<String>())
                .changes(serde_json::json!({"header_bytes": total, "cookie_bytes": cookies}));
        if let Err(e) = audit::record_now(&state.pool, &am, ev).await {
            tracing::error!(error = %e, "could not record a security event");
        }
    }
    let api = is_api(req.uri().path());
    let status = StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE;
    if api {
        return problem(status, "Request headers or cookies are too large");
    }
    (status, "Request headers or cookies are too large. Clear this site's cookies and try again.").into_response()
}
