//! Uploads: reading a multipart form with a size limit per file, checking each file's content
//! against its name, and serving stored files back safely.
//!
//! ```ignore
//! const PHOTO: FileRule = FileRule::new("photo", 512 * 1024, &[upload::JPEG, upload::PNG]);
//! let form = upload::read(&mut multipart, &[PHOTO]).await?;        // 413 / 400 as AppError
//! let file = match form.file("photo") { Some(f) => PHOTO.check(f), None => Err(...) };
//! // file: CheckedFile { file_name, kind, bytes, sha256 } — or the message for the form field.
//! ```
//!
//! - [`read`] takes the text fields (at most 4 KiB each, UTF-8 without NUL, else 400) and, for
//!   each [`FileRule`], at most one file of at most `max_bytes` (else 413, naming the limit).
//!   The route's `DefaultBodyLimit` must leave room for it ([`FileRule::body_limit`]).
//! - [`FileRule::check`] cleans the file name (last path component, no control characters), then
//!   requires that its extension names an accepted [`Kind`], that the bytes are not empty, and that
//!   the content *sniffed from the bytes* (magic numbers; for PDFs a structural check, for CSV
//!   UTF-8 text) is that same kind. What the browser claims (`Content-Type` of the part) is
//!   ignored. The error is a sentence for the form field.
//! - [`serve`] answers a stored file: only an accepted type keeps its `Content-Type` (anything
//!   else becomes `application/octet-stream` and an attachment), always with
//!   `X-Content-Type-Options: nosniff`, a `Content-Disposition` with a safe file name, and
//!   `Cache-Control: private, no-store`. An upload is never served as HTML.

use std::collections::HashMap;

use axum::extract::Multipart;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::error::{AppError, AppResult};

/// Text fields of an upload form are short; anything longer is not a form we rendered.
pub const MAX_FIELD_BYTES: usize = 4096;

/// A structural check of a file's bytes; the error says why not (for "… is not a well-formed X: …").
pub type Verify = fn(&[u8]) -> Result<(), &'static str>;

/// A kind of file an upload may hold (kinds are equal when their media types are).
#[derive(Debug, Clone, Copy)]
pub struct Kind {
    pub mime: &'static str,
    /// Lower-case extensions without the dot, the first one preferred.
    pub extensions: &'static [&'static str],
    /// For messages: "PDF", "JPEG image".
    pub label: &'static str,
    /// Whether the bytes are of this kind (only called on non-empty bytes).
    pub sniff: fn(&[u8]) -> bool,
    /// A deeper check once the kind is known (the PDF structure); the message says why not.
    pub verify: Option<Verify>,
}

impl PartialEq for Kind {
    fn eq(&self, other: &Kind) -> bool {
        self.mime == other.mime
    }
}

impl Eq for Kind {}

pub const PDF: Kind = Kind {
    mime: "application/pdf",
    extensions: &["pdf"],
    label: "PDF",
    sniff: |b| b.starts_with(b"%PDF-"),
    verify: Some(check_pdf),
};

pub const JPEG: Kind = Kind {
    mime: "image/jpeg",
    extensions: &["jpg", "jpeg"],
    label: "JPEG image",
    sniff: |b| b.starts_with(&[0xFF, 0xD8, 0xFF]),
    verify: None,
};

pub const PNG: Kind = Kind {
    mime: "image/png",
    extensions: &["png"],
    label: "PNG image",
    sniff: |b| b.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]),
    verify: None,
};

/// Comma-separated text: no control characters but tabs and line ends (else it is a binary
/// file), and UTF-8 (an optional byte-order mark).
pub const CSV: Kind = Kind {
    mime: "text/csv",
    extensions: &["csv", "txt"],
    label: "CSV text file",
    sniff: |b| b.iter().all(|c| *c >= 0x20 || matches!(c, b'\t' | b'\n' | b'\r' | 0x0c)),
    verify: Some(|b| match std::str::from_utf8(b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b)) {
        Ok(_) => Ok(()),
        Err(_) => Err("it is not UTF-8 text; save it as CSV UTF-8."),
    }),
};

/// Every kind this module knows, for [`serve`] (types stored from an upload).
const SERVABLE: [Kind; 3] = [PDF, JPEG, PNG];

/// The kind of `bytes` among `kinds`, by content alone.
pub fn sniff(bytes: &[u8], kinds: &[Kind]) -> Option<Kind> {
    if bytes.is_empty() {
        return None;
    }
    kinds.iter().copied().find(|k| (k.sniff)(bytes))
}

/// One file field of an upload form and what it accepts.
#[derive(Debug, Clone, Copy)]
pub struct FileRule {
    /// The form field's name.
    pub field: &'static str,
    pub max_bytes: usize,
    pub kinds: &'static [Kind],
    /// Whether a file name without an extension is accepted (its kind then comes from the bytes).
    pub bare_names: bool,
}

impl FileRule {
    pub const fn new(field: &'static str, max_bytes: usize, kinds: &'static [Kind]) -> FileRule {
        FileRule { field, max_bytes, kinds, bare_names: false }
    }

    /// Also accepts a file name without an extension.
    pub const fn allow_bare_names(mut self) -> FileRule {
        self.bare_names = true;
        self
    }

    /// The request body limit for a route taking this file: the file, the form's text fields and
    /// the multipart framing.
    pub const fn body_limit(&self) -> usize {
        self.max_bytes + 64 * 1024
    }

    /// "10 MiB", "512 KiB".
    pub fn max_label(&self) -> String {
        size_label(self.max_bytes)
    }

    /// "PDF, JPEG image or PNG image".
    pub fn kinds_label(&self) -> String {
        or_list(&self.kinds.iter().map(|k| k.label).collect::<Vec<_>>())
    }

    /// Checks a received file (see the module docs); the error is a sentence for the field.
    pub fn check(&self, file: &ReceivedFile) -> Result<CheckedFile, String> {
        let file_name = clean_file_name(&file.name);
        let ext = file_name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
        let claimed = ext.as_deref().and_then(|e| self.kinds.iter().copied().find(|k| k.extensions.contains(&e)));
        if claimed.is_none() && !(ext.is_none() && self.bare_names) {
            let exts: Vec<String> =
                self.kinds.iter().flat_map(|k| k.extensions.iter().map(|e| format!(".{e}"))).collect();
            return Err(format!("Upload a {} named {}.", self.kinds_label(), or_list(&exts)));
        }
        if file.bytes.is_empty() {
            return Err("The file is empty.".into());
        }
        let found = sniff(&file.bytes, self.kinds);
        let kind = match (found, claimed) {
            (Some(k), Some(c)) if k == c => k,
            (Some(k), None) => k,
            (Some(k), Some(_)) => {
                return Err(format!(
                    "The file is not what its name says: it is named {file_name} but holds a {}.",
                    k.label
                ))
            }
            (None, Some(c)) if self.kinds.len() == 1 => {
                return Err(format!("The file is not what its name says: {file_name} is not a {}.", c.label))
            }
            (None, Some(c)) => {
                return Err(format!(
                    "The file is not what its name says: {file_name} is not a {} (nor any {}).",
                    c.label,
                    self.kinds_label()
                ))
            }
            (None, None) => return Err(format!("The file is not a {}.", self.kinds_label())),
        };
        if let Some(verify) = kind.verify {
            verify(&file.bytes).map_err(|why| format!("{file_name} is not a well-formed {}: {why}", kind.label))?;
        }
        let sha256 = Sha256::digest(&file.bytes).to_vec();
        Ok(CheckedFile { file_name, kind, bytes: file.bytes.clone(), sha256 })
    }
}

/// A file as received: the name the client gave and the bytes.
#[derive(Debug, Clone, Default)]
pub struct ReceivedFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// A file whose content is what its name says.
#[derive(Debug, Clone)]
pub struct CheckedFile {
    /// The cleaned name (last path component, no control characters, at most 255 characters).
    pub file_name: String,
    pub kind: Kind,
    pub bytes: Vec<u8>,
    pub sha256: Vec<u8>,
}

impl CheckedFile {
    pub fn content_type(&self) -> &'static str {
        self.kind.mime
    }
}

/// A multipart form: its text fields and its files (by field name).
#[derive(Debug, Default)]
pub struct UploadForm {
    pub fields: HashMap<String, String>,
    pub files: HashMap<String, ReceivedFile>,
}

impl UploadForm {
    /// A text field, or "".
    pub fn field(&self, name: &str) -> &str {
        self.fields.get(name).map(String::as_str).unwrap_or("")
    }

    /// The file of a field, if one was chosen (a part with an empty file name is no file).
    pub fn file(&self, field: &str) -> Option<&ReceivedFile> {
        self.files.get(field).filter(|f| !(f.name.trim().is_empty() && f.bytes.is_empty()))
    }
}

/// Reads a multipart body: the text fields, and for each rule at most one file of at most its
/// `max_bytes`. Errors: 413 ([`AppError::TooLarge`]) for a file over its limit or a body over the
/// route's, 400 for an unreadable body, a second file in a field, a long or non-text field.
pub async fn read(mp: &mut Multipart, rules: &[FileRule]) -> AppResult<UploadForm> {
    let unreadable = || AppError::BadRequest("The upload could not be read.".into());
    let body_too_large = || AppError::TooLarge("The upload is larger than this form accepts.".into());
    let mut form = UploadForm::default();
    loop {
        let mut part = match mp.next_field().await {
            Ok(Some(p)) => p,
            Ok(None) => return Ok(form),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(body_too_large()),
            Err(_) => return Err(unreadable()),
        };
        let name = part.name().unwrap_or("").to_string();
        let rule = rules.iter().find(|r| r.field == name);
        let file_name = part.file_name().map(str::to_string);
        let limit = rule.map_or(MAX_FIELD_BYTES, |r| r.max_bytes);
        let mut buf = Vec::new();
        loop {
            match part.chunk().await {
                Ok(Some(c)) => {
                    if buf.len() + c.len() > limit {
                        return Err(match rule {
                            Some(r) => AppError::TooLarge(format!("The file is larger than {}.", r.max_label())),
                            None => AppError::BadRequest(format!("The field {name} is too long.")),
                        });
                    }
                    buf.extend_from_slice(&c);
                }
                Ok(None) => break,
                Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    return Err(match rule {
                        Some(r) => AppError::TooLarge(format!("The file is larger than {}.", r.max_label())),
                        None => body_too_large(),
                    })
                }
                Err(_) => return Err(unreadable()),
            }
        }
        if rule.is_some() {
            if form.files.contains_key(&name) {
                return Err(AppError::BadRequest("Send one file per field.".into()));
            }
            form.files.insert(name, ReceivedFile { name: file_name.unwrap_or_default(), bytes: buf });
        } else {
            match String::from_utf8(buf) {
                Ok(text) if !text.contains('\0') => {
                    form.fields.insert(name, text);
                }
                _ => return Err(AppError::BadRequest(format!("The field {name} is not text."))),
            }
        }
    }
}

/// How a stored file is offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// Shown by the browser (images in a page, PDFs in its viewer).
    Inline,
    /// Saved as a file.
    Attachment,
}

/// The response carrying a stored file (see the module docs): a type outside the uploadable
/// kinds is never served as itself.
pub fn serve(bytes: Vec<u8>, content_type: &str, file_name: &str, disposition: Disposition) -> Response {
    let known = SERVABLE.iter().find(|k| k.mime == content_type);
    let (ct, disposition) = match known {
        Some(k) => (k.mime, disposition),
        None => ("application/octet-stream", Disposition::Attachment),
    };
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    if let Ok(cd) = HeaderValue::from_str(&content_disposition(disposition, file_name)) {
        h.insert(header::CONTENT_DISPOSITION, cd);
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    res
}

/// `inline` or `attachment` with an ASCII fallback name and the UTF-8 name (RFC 6266 / 5987).
pub fn content_disposition(disposition: Disposition, name: &str) -> String {
    let ascii: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_ ".contains(c) { c } else { '_' }).collect();
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    let kind = match disposition {
        Disposition::Inline => "inline",
        Disposition::Attachment => "attachment",
    };
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// The last path component (some browsers send a full path), without control characters,
/// at most 255 characters.
pub fn clean_file_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    base.chars().filter(|c| !c.is_control()).take(255).collect::<String>().trim().to_string()
}

/// "10 MiB", "512 KiB", "100 bytes".
pub fn size_label(bytes: usize) -> String {
    const MIB: usize = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= 1024 {
        format!("{} KiB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

fn or_list<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_string(),
        [init @ .., last] => {
            format!("{} or {}", init.iter().map(|s| s.as_ref()).collect::<Vec<_>>().join(", "), last.as_ref())
        }
    }
}

/// How far from the start HTML markup is looked for, and from the end the `%%EOF` marker.
const PDF_WINDOW: usize = 1024;

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

/// A structural check of a PDF, beyond its first bytes: the header `%PDF-1.x` (or `%PDF-2.0`);
/// no HTML markup in the first KiB (a file that is also a web page); an `%%EOF` marker in the
/// last KiB (trailing whitespace aside); a `startxref` offset inside the file before it; and a
/// cross-reference table (`xref`) or stream (`/XRef`). Not a full parser: it refuses what is
/// plainly not a PDF file, it does not prove that a reader can render one.
pub fn check_pdf(bytes: &[u8]) -> Result<(), &'static str> {
    let version_ok = match bytes.get(..8) {
        Some([b'%', b'P', b'D', b'F', b'-', b'1', b'.', d]) => d.is_ascii_digit(),
        Some(h) => h == b"%PDF-2.0",
        None => false,
    };
    if !version_ok {
        return Err("it does not start with a PDF header (%PDF-1.x).");
    }
    let start: Vec<u8> = bytes[..bytes.len().min(PDF_WINDOW)].to_ascii_lowercase();
    const MARKUP: [&[u8]; 9] =
        [b"<!doctype", b"<html", b"<head", b"<body", b"<script", b"<iframe", b"<svg", b"<object", b"<embed"];
    if MARKUP.iter().any(|m| find(&start, m).is_some()) {
        return Err("it also holds web page (HTML) markup.");
    }
    let end = bytes.iter().rposition(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'\x0c' | 0)).map_or(0, |i| i + 1);
    let tail_start = end.saturating_sub(PDF_WINDOW);
    let tail = &bytes[tail_start..end];
    let Some(eof) = rfind(tail, b"%%EOF") else {
        return Err("it has no end-of-file marker (%%EOF); it may be incomplete.");
    };
    let offset = rfind(&tail[..eof], b"startxref").and_then(|i| {
        let digits: String = tail[i + 9..eof]
            .iter()
            .skip_while(|b| b.is_ascii_whitespace())
            .take_while(|b| b.is_ascii_digit())
            .map(|b| *b as char)
            .collect();
        digits.parse::<usize>().ok()
    });
    let Some(offset) = offset.filter(|o| *o < tail_start + eof) else {
        return Err("it has no valid cross-reference pointer (startxref).");
    };
    let at_offset = &bytes[offset..];
    let xref_there =
        at_offset.iter().position(|b| !b.is_ascii_whitespace()).is_some_and(|i| at_offset[i..].starts_with(b"xref"))
            || find(&at_offset[..at_offset.len().min(PDF_WINDOW)], b"/XRef").is_some();
    let xref_anywhere =
        || find(bytes, b"\nxref").is_some() || find(bytes, b"\rxref").is_some() || find(bytes, b"/XRef").is_some();
    if !(xref_there || xref_anywhere()) {
        return Err("it has no cross-reference table.");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png() -> Vec<u8> {
        let mut v = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
        v.extend_from_slice(&[0u8; 16]);
        v
    }

    fn minimal_pdf() -> Vec<u8> {
        let body = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n".to_vec();
        let xref = body.len();
        let mut v = body;
        v.extend_from_slice(
            b"xref\n0 2\n0000000000 65535 f \n0000000009 00000 n \ntrailer << /Size 2 /Root 1 0 R >>\n",
        );
        v.extend_from_slice(format!("startxref\n{xref}\n%%EOF\n").as_bytes());
        v
    }

    const DOCS: FileRule = FileRule::new("file", 1024, &[PDF, JPEG, PNG]);

    fn check(name: &str, bytes: Vec<u8>) -> Result<CheckedFile, String> {
        DOCS.check(&ReceivedFile { name: name.into(), bytes })
    }

    #[test]
    fn pdfs_are_checked_for_structure() {
        let good = minimal_pdf();
        assert_eq!(check_pdf(&good), Ok(()));
        let mut padded = good.clone();
        padded.extend_from_slice(&[b' '; 5000]);
        assert_eq!(check_pdf(&padded), Ok(()), "trailing whitespace is allowed");
        // A cross-reference stream instead of a table.
        let stream =
            b"%PDF-1.7\n1 0 obj << /Type /XRef /Size 1 >> stream\nendstream endobj\nstartxref\n9\n%%EOF".to_vec();
        assert_eq!(check_pdf(&stream), Ok(()));
        assert_eq!(check_pdf(b"%PDF-2.0\nxref\nstartxref\n9\n%%EOF"), Ok(()));
        for (bad, why) in [
            (&b"%PDF-1.4\n..."[..], "%%EOF"),
            (b"%PDF-1.4\nxref\n%%EOF", "startxref"),
            (b"%PDF-1.4\nxref\nstartxref\n999999\n%%EOF", "startxref"),
            (b"%PDF-1.4\n1 0 obj endobj\nstartxref\n9\n%%EOF", "cross-reference"),
            (b"%PDF-9.9\nxref\nstartxref\n9\n%%EOF", "header"),
            (b"%PDF-1.4\n<HTML><Script>alert(1)</script>\nxref\nstartxref\n9\n%%EOF", "HTML"),
        ] {
            let e = check_pdf(bad).err().unwrap_or_default();
            assert!(e.contains(why), "{}: {e}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn files_must_be_what_their_names_say() {
        let pdf = minimal_pdf();
        assert_eq!(check("letter.PDF", pdf.clone()).map(|f| f.content_type()), Ok("application/pdf"));
        assert!(check("letter.pdf", b"%PDF-1.4\n...".to_vec())
            .err()
            .is_some_and(|e| e.contains("not a well-formed PDF")));
        assert_eq!(check("C:\\scans\\x-ray.png", png()).map(|f| f.file_name), Ok("x-ray.png".to_string()));
        assert!(check("scan.pdf", png()).err().is_some_and(|e| e.contains("not what its name says")));
        assert!(check("notes.pdf", b"hello".to_vec()).err().is_some_and(|e| e.contains("not what its name says")));
        assert!(check("letter.docx", pdf.clone()).err().is_some_and(|e| e.contains("named .pdf, .jpg, .jpeg or .png")));
        assert!(check("letter", pdf.clone()).is_err());
        assert!(check("empty.pdf", Vec::new()).is_err());
        let bare = DOCS.allow_bare_names();
        assert_eq!(bare.check(&ReceivedFile { name: "blob".into(), bytes: png() }).map(|f| f.kind), Ok(PNG));
        let csv = FileRule::new("file", 1024, &[CSV]);
        assert!(csv.check(&ReceivedFile { name: "p.csv".into(), bytes: b"a,b\n1,2\n".to_vec() }).is_ok());
        assert!(csv.check(&ReceivedFile { name: "p.csv".into(), bytes: png() }).is_err(), "binary is not CSV");
    }

    #[test]
    fn stored_files_are_never_served_as_html() {
        let res = serve(b"<script>".to_vec(), "text/html", "x.html", Disposition::Inline);
        assert_eq!(res.headers()[header::CONTENT_TYPE], "application/octet-stream");
        assert!(res.headers()[header::CONTENT_DISPOSITION].to_str().unwrap().starts_with("attachment;"));
        assert_eq!(res.headers()[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        let res = serve(png(), "image/png", "a.png", Disposition::Inline);
        assert_eq!(res.headers()[header::CONTENT_TYPE], "image/png");
        assert!(res.headers()[header::CONTENT_DISPOSITION].to_str().unwrap().starts_with("inline;"));
    }

    #[test]
    fn content_disposition_is_safe() {
        let cd = content_disposition(Disposition::Attachment, "Brief \"Müller\".pdf");
        assert!(cd.starts_with("attachment; filename=\"Brief _M_ller_.pdf\""), "{cd}");
        assert!(cd.contains("filename*=UTF-8''Brief%20%22M%C3%BCller%22.pdf"), "{cd}");
        assert!(HeaderValue::from_str(&cd).is_ok());
        assert_eq!(size_label(10 * 1024 * 1024), "10 MiB");
        assert_eq!(size_label(512 * 1024), "512 KiB");
    }
}
