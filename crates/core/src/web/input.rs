//! Input hygiene at the edge, and the shared text validators.
//!
//! [`guard`] runs on the browser and API routers before any handler: it refuses (400) a NUL
//! character anywhere in the path or query (raw or `%00`), in an urlencoded form body or in a
//! JSON body (raw or as a `\u0000` escape), and bytes that are not UTF-8 in the query or a form
//! body (axum's `Form` and `Query` would silently turn them into U+FFFD). PostgreSQL refuses NUL
//! in text, so without this a NUL reached the database and came back as a 500. Multipart bodies
//! are not read here (they carry files); their text fields are checked where they are parsed.
//!
//! [`person_name`] and [`free_text`] are the checks every name and short free-text field uses.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::app::AppState;
use crate::error::AppError;

const NUL_MESSAGE: &str = "The request contains a NUL character (%00), which no field accepts.";
const UTF8_MESSAGE: &str =
    "The request contains bytes that are not valid UTF-8 text. Re-enter the text and send it again.";

#[derive(Debug, PartialEq, Eq)]
enum BodyKind {
    Form,
    Json,
}

fn body_kind(headers: &HeaderMap) -> Option<BodyKind> {
    let ct = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let mime = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if mime == "application/x-www-form-urlencoded" {
        Some(BodyKind::Form)
    } else if mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json")) {
        Some(BodyKind::Json)
    } else {
        None
    }
}

/// Refuses NUL and invalid UTF-8 before handlers see the request (see the module docs). Sits
/// inside `render_errors`, so its refusals become an HTML error page or problem+json.
pub async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let uri = req.uri();
    if contains_nul(&percent_decode(uri.path().as_bytes(), false)) {
        return AppError::BadRequest(NUL_MESSAGE.into()).into_response();
    }
    if let Some(q) = uri.query() {
        if let Err(m) = check_urlencoded(q.as_bytes()) {
            return AppError::BadRequest(m.into()).into_response();
        }
    }
    let Some(kind) = body_kind(req.headers()) else { return next.run(req).await };
    let (parts, body) = req.into_parts();
    // The same bound the extractors apply; a larger body would be refused by them anyway.
    let bytes = match axum::body::to_bytes(body, state.config.max_body_bytes).await {
        Ok(b) => b,
        Err(_) => return StatusCode::PAYLOAD_TOO_LARGE.into_response(),
    };
    let verdict = match kind {
        BodyKind::Form => check_urlencoded(&bytes),
        BodyKind::Json => {
            if json_has_nul(&bytes) {
                Err(NUL_MESSAGE)
            } else {
                Ok(())
            }
        }
    };
    if let Err(m) = verdict {
        return AppError::BadRequest(m.into()).into_response();
    }
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes))).await
}

fn contains_nul(b: &[u8]) -> bool {
    b.contains(&0)
}

/// An `application/x-www-form-urlencoded` text (a query string or a form body), decoded as
/// `serde_urlencoded` decodes it: no NUL and valid UTF-8.
fn check_urlencoded(raw: &[u8]) -> Result<(), &'static str> {
    let decoded = percent_decode(raw, true);
    if contains_nul(&decoded) {
        return Err(NUL_MESSAGE);
    }
    if std::str::from_utf8(&decoded).is_err() {
        return Err(UTF8_MESSAGE);
    }
    Ok(())
}

/// Percent-decoding (`+` as a space in forms); a `%` not followed by two hex digits stays as it is.
fn percent_decode(input: &[u8], plus_is_space: bool) -> Vec<u8> {
    fn hex(b: u8) -> Option<u8> {
        match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            b'A'..=b'F' => Some(b - b'A' + 10),
            _ => None,
        }
    }
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        let b = input[i];
        if b == b'%' && i + 2 < input.len() {
            if let (Some(h), Some(l)) = (hex(input[i + 1]), hex(input[i + 2])) {
                out.push(h * 16 + l);
                i += 3;
                continue;
            }
        }
        out.push(if plus_is_space && b == b'+' { b' ' } else { b });
        i += 1;
    }
    out
}

/// A NUL in a JSON text: a raw 0 byte, or a `\u0000` escape (one preceded by an odd run of
/// backslashes; `\\u0000` is a backslash followed by the text `u0000`).
fn json_has_nul(b: &[u8]) -> bool {
    if contains_nul(b) {
        return true;
    }
    let pat = b"u0000";
    let mut i = 1;
    while i + pat.len() <= b.len() {
        if &b[i..i + pat.len()] == pat && b[i - 1] == b'\\' {
            let run = b[..i].iter().rev().take_while(|&&c| c == b'\\').count();
            if run % 2 == 1 {
                return true;
            }
        }
        i += 1;
    }
    false
}

/// Characters that change the display direction of text around them: embeddings and overrides
/// (U+202A–U+202E), isolates (U+2066–U+2069).
pub fn is_bidi_override(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Every bidirectional control: the overrides and isolates above and the marks U+200E, U+200F
/// and U+061C.
pub fn is_bidi_control(c: char) -> bool {
    is_bidi_override(c) || matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Characters that occupy no visible space: zero-width space, joiners, word joiner and
/// invisible operators, byte-order mark, soft hyphen, Hangul fillers and the like.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{180B}'..='\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
    )
}

/// A person's name (patients, their contacts, staff): no control or bidirectional control
/// characters, and at least one visible letter (a name of only zero-width characters has none).
/// Length limits stay with each field.
pub fn person_name(s: &str) -> Result<(), &'static str> {
    if s.chars().any(is_bidi_control) {
        return Err("Remove the hidden text-direction characters (bidirectional controls) from the name.");
    }
    if s.chars().any(char::is_control) {
        return Err("Use letters, spaces, hyphens and apostrophes.");
    }
    if !s.chars().any(|c| c.is_alphabetic() && !is_invisible(c)) {
        return Err("Enter a name with at least one visible letter.");
    }
    Ok(())
}

/// Short free text (a relationship, a label): no control characters other than line breaks and
/// tabs, no direction overrides or isolates, and not made only of invisible characters.
pub fn free_text(s: &str) -> Result<(), &'static str> {
    if s.chars().any(is_bidi_override) {
        return Err("Remove the hidden text-direction characters (bidirectional overrides).");
    }
    if s.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err("Remove the control characters.");
    }
    if !s.is_empty() && s.chars().all(|c| c.is_whitespace() || is_invisible(c)) {
        return Err("The text has no visible characters.");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urlencoded_nul_and_utf8() {
        assert!(check_urlencoded(b"q=ann&x=%C3%A9").is_ok());
        assert_eq!(check_urlencoded(b"q=%00"), Err(NUL_MESSAGE));
        assert_eq!(check_urlencoded(b"a%00=1"), Err(NUL_MESSAGE));
        assert_eq!(check_urlencoded(b"given_name=%FF%FE"), Err(UTF8_MESSAGE));
        assert_eq!(check_urlencoded(b"x=%C3"), Err(UTF8_MESSAGE));
        assert!(check_urlencoded(b"x=%zz&y=%4").is_ok(), "malformed escapes stay literal");
        assert!(check_urlencoded(b"x=100%").is_ok());
    }

    #[test]
    fn json_nul_escapes() {
        assert!(json_has_nul(br#"{"q":"a\u0000b"}"#));
        assert!(json_has_nul(br#"{"q":"\\\u0000"}"#));
        assert!(json_has_nul(b"{\"q\":\"a\0\"}"));
        assert!(!json_has_nul(br#"{"q":"\\u0000"}"#), "an escaped backslash, then text");
        assert!(!json_has_nul(br#"{"q":"u0000","r":"\u00e9"}"#));
    }

    #[test]
    fn names() {
        for ok in ["Ann", "O'Brien", "Jean-Luc", "李", "محمد", "Zoë", "Mehr\u{200C}dad"] {
            assert!(person_name(ok).is_ok(), "{ok:?}");
        }
        for bad in ["\u{200B}\u{200B}", "\u{FEFF}", "---", "123", "Ann\u{202E}", "Ann\u{2066}x", "A\u{200F}", "A\u{7}"]
        {
            assert!(person_name(bad).is_err(), "{bad:?}");
        }
        assert!(free_text("Sister").is_ok());
        assert!(free_text("a\u{202E}b").is_err());
        assert!(free_text("\u{200B}").is_err());
    }
}
