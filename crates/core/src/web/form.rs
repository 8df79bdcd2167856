//! Reading urlencoded forms that a `Form<Struct>` cannot hold (repeated keys).

/// Every value of a repeated form key (checkbox groups).
pub fn all<'a>(pairs: &'a [(String, String)], key: &str) -> Vec<&'a str> {
    pairs.iter().filter(|(k, _)| k == key).map(|(_, v)| v.as_str()).collect()
}

/// The first value of a form key, or "".
pub fn one<'a>(pairs: &'a [(String, String)], key: &str) -> &'a str {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).unwrap_or("")
}
