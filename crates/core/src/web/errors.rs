//! Error answers of the API: RFC 7807 problem documents, with `errors: [{field, message}]` on a
//! 422 that names fields (see [`crate::error::AppError::Invalid`]); and axum's JSON body
//! rejections turned into the same shape.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::error::{title_for, ErrorInfo};

/// A problem document: `type`, `title`, `status`, `detail`, and `errors` when fields are named.
pub fn problem_with_fields(status: StatusCode, detail: &str, fields: &[(String, String)]) -> Response {
    let mut body = serde_json::json!({
        "type": "about:blank",
        "title": title_for(status),
        "status": status.as_u16(),
        "detail": detail,
    });
    if !fields.is_empty() {
        body["errors"] =
            fields.iter().map(|(f, m)| serde_json::json!({"field": f, "message": m})).collect::<Vec<_>>().into();
    }
    let mut res = (status, body.to_string()).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
    if status == StatusCode::UNAUTHORIZED {
        res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    res
}

const JSON_PREFIX: &str = "Failed to deserialize the JSON body into the target type: ";

/// The 422 of a JSON body that does not fit its type (axum's rejection text, e.g.
/// `…target type: temperature_c: invalid type: string "x", expected f64 at line 1 column 22`):
/// `detail` says what is wrong and `errors` names the field when the text does.
pub fn json_rejection(text: &str) -> ErrorInfo {
    let generic = "Some fields are missing or have the wrong type.";
    let Some(rest) = text.trim().strip_prefix(JSON_PREFIX) else {
        return ErrorInfo::new(StatusCode::UNPROCESSABLE_ENTITY, generic);
    };
    // " at line 1 column 22" says nothing a client can act on.
    let rest = match rest.rfind(" at line ") {
        Some(i) if rest[i + 9..].split(" column ").all(|n| n.chars().all(|c| c.is_ascii_digit())) => &rest[..i],
        _ => rest,
    };
    let rest: String = rest.chars().take(300).collect();
    let field = match rest.split_once(": ") {
        // "path.to[0].field: message" (serde_path_to_error).
        Some((path, msg))
            if !path.is_empty()
                && path.chars().all(|c| c.is_ascii_alphanumeric() || "_.[]".contains(c))
                && path != "." =>
        {
            Some((path.to_string(), msg.to_string()))
        }
        // "missing field `name`" at the top level.
        _ => rest
            .strip_prefix("missing field `")
            .and_then(|r| r.split_once('`'))
            .map(|(name, _)| (name.to_string(), format!("missing field `{name}`"))),
    };
    let mut info =
        ErrorInfo::new(StatusCode::UNPROCESSABLE_ENTITY, format!("The body does not fit the schema: {rest}"));
    info.fields.extend(field);
    info
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_rejections_name_the_field() {
        let i = json_rejection(&format!(
            "{JSON_PREFIX}temperature_c: invalid type: string \"x\", expected f64 at line 1 column 22"
        ));
        assert_eq!(
            i.detail,
            "The body does not fit the schema: temperature_c: invalid type: string \"x\", expected f64"
        );
        assert_eq!(i.fields, vec![("temperature_c".into(), "invalid type: string \"x\", expected f64".into())]);
        let i = json_rejection(&format!("{JSON_PREFIX}missing field `given_name` at line 1 column 2"));
        assert_eq!(i.fields, vec![("given_name".into(), "missing field `given_name`".into())]);
        let i = json_rejection("something else");
        assert!(i.fields.is_empty());
        assert_eq!(i.detail, "Some fields are missing or have the wrong type.");
    }
}
