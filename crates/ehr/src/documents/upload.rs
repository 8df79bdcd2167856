//! Reading an upload (multipart) and checking its file: the type is sniffed from the bytes and
//! must agree with the file name's extension.

use std::collections::HashMap;

use axum::extract::Multipart;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use hearth_core::error::AppError;
use hearth_patients::edit::{sniff_image, too_large};

/// The largest file accepted (10 MiB). The database CHECKs the same figure.
pub const MAX_DOCUMENT_BYTES: usize = 10 * 1024 * 1024;
/// The request body limit on upload routes: the file plus the form fields and multipart framing.
pub const UPLOAD_BODY_LIMIT: usize = MAX_DOCUMENT_BYTES + 64 * 1024;
/// Text fields of an upload form are short; anything longer is not a form we rendered.
const MAX_FIELD_BYTES: usize = 4096;

/// What the bytes are, whatever the file name or the browser claims.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else {
        sniff_image(bytes)
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

pub(crate) fn type_label(content_type: &str) -> &'static str {
    match content_type {
        "application/pdf" => "PDF",
        "image/jpeg" => "JPEG image",
        "image/png" => "PNG image",
        _ => "file",
    }
}

/// The content type a file name's extension promises, if it is one we accept.
fn type_for_name(name: &str) -> Option<&'static str> {
    let (_, ext) = name.rsplit_once('.')?;
    match ext.to_ascii_lowercase().as_str() {
        "pdf" => Some("application/pdf"),
        "jpg" | "jpeg" => Some("image/jpeg"),
        "png" => Some("image/png"),
        _ => None,
    }
}

/// The last path component (some browsers send a full path), without control characters,
/// at most 255 characters.
fn clean_file_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    base.chars().filter(|c| !c.is_control()).take(255).collect::<String>().trim().to_string()
}

/// A checked file: its type agrees with its name, and its checksum.
pub struct ValidFile {
    pub file_name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
    pub sha256: Vec<u8>,
}

/// Checks a received file: a name with an accepted extension, not empty, and bytes that are what
/// the extension says.
pub fn check_file(raw_name: &str, bytes: Vec<u8>) -> Result<ValidFile, String> {
    let file_name = clean_file_name(raw_name);
    let Some(claimed) = type_for_name(&file_name) else {
        return Err("Upload a PDF, JPEG or PNG file named .pdf, .jpg, .jpeg or .png.".into());
    };
    if bytes.is_empty() {
        return Err("The file is empty.".into());
    }
    match sniff(&bytes) {
        Some(kind) if kind == claimed => {
            if kind == "application/pdf" {
                check_pdf(&bytes).map_err(|why| format!("{file_name} is not a well-formed PDF: {why}"))?;
            }
            let sha256 = Sha256::digest(&bytes).to_vec();
            Ok(ValidFile { file_name, content_type: kind, bytes, sha256 })
        }
        Some(kind) => Err(format!(
            "The file is not what its name says: it is named {file_name} but holds a {}.",
            type_label(kind)
        )),
        None => Err(format!(
            "The file is not what its name says: {file_name} does not hold a {} (nor any PDF, JPEG or PNG).",
            type_label(claimed)
        )),
    }
}

/// A multipart upload: its text fields and its one file.
#[derive(Default)]
pub struct Upload {
    pub fields: HashMap<String, String>,
    pub file: Option<(String, Vec<u8>)>,
}

impl Upload {
    pub fn field(&self, name: &str) -> &str {
        self.fields.get(name).map(String::as_str).unwrap_or("")
    }
}

/// Reads a multipart body: text fields and the field `file` (at most `max` bytes). `Err` is the
/// response to send: 413 for a file too large, 400 for an unreadable body.
pub async fn read_upload(mp: &mut Multipart, max: usize) -> Result<Upload, Response> {
    let too_big = || too_large(format!("The file is larger than {} MiB.", max / (1024 * 1024)));
    let unreadable = || AppError::BadRequest("The upload could not be read.".into()).into_response();
    let mut up = Upload::default();
    loop {
        let mut field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => return Ok(up),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_big()),
            Err(_) => return Err(unreadable()),
        };
        let name = field.name().unwrap_or("").to_string();
        let file_name = field.file_name().map(str::to_string);
        let limit = if name == "file" { max } else { MAX_FIELD_BYTES };
        let mut buf = Vec::new();
        loop {
            match field.chunk().await {
                Ok(Some(c)) => {
                    if buf.len() + c.len() > limit {
                        return Err(if name == "file" {
                            too_big()
                        } else {
                            AppError::BadRequest(format!("The field {name} is too long.")).into_response()
                        });
                    }
                    buf.extend_from_slice(&c);
                }
                Ok(None) => break,
                Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_big()),
                Err(_) => return Err(unreadable()),
            }
        }
        if name == "file" {
            if up.file.is_some() {
                return Err(AppError::BadRequest("Send one file per upload.".into()).into_response());
            }
            up.file = Some((file_name.unwrap_or_default(), buf));
        } else {
            let Ok(text) = String::from_utf8(buf) else {
                return Err(AppError::BadRequest(format!("The field {name} is not text.")).into_response());
            };
            up.fields.insert(name, text);
        }
    }
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
        assert_eq!(check_file("letter.PDF", pdf.clone()).map(|f| f.content_type), Ok("application/pdf"));
        assert!(check_file("letter.pdf", b"%PDF-1.4\n...".to_vec())
            .err()
            .is_some_and(|e| e.contains("not a well-formed PDF")));
        assert_eq!(check_file("C:\\scans\\x-ray.png", png()).map(|f| f.file_name), Ok("x-ray.png".to_string()));
        assert!(check_file("scan.pdf", png()).err().is_some_and(|e| e.contains("not what its name says")));
        assert!(check_file("notes.pdf", b"hello".to_vec()).err().is_some_and(|e| e.contains("not what its name says")));
        assert!(check_file("letter.docx", pdf.clone()).is_err());
        assert!(check_file("letter", pdf).is_err());
        assert!(check_file("empty.pdf", Vec::new()).is_err());
    }
}
