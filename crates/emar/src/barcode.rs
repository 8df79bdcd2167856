//! A minimal Code 128 (code set B) encoder rendering an SVG, server-side, without script or
//! inline style. Code set B covers printable ASCII (32..=126), which is all a wristband token
//! or a dispensing label needs.

/// Bar and space widths (in modules) of the 107 symbols, values 0..=105 and the stop (106).
const PATTERNS: [&str; 107] = [
    "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212", "221213", "221312",
    "231212", "112232", "122132", "122231", "113222", "123122", "123221", "223211", "221132", "221231", "213212",
    "223112", "312131", "311222", "321122", "321221", "312212", "322112", "322211", "212123", "212321", "232121",
    "111323", "131123", "131321", "112313", "132113", "132311", "211313", "231113", "231311", "112133", "112331",
    "132131", "113123", "113321", "133121", "313121", "211331", "231131", "213113", "213311", "213131", "311123",
    "311321", "331121", "312113", "312311", "332111", "314111", "221411", "431111", "111224", "111422", "121124",
    "121421", "141122", "141221", "112214", "112412", "122114", "122411", "142112", "142211", "241211", "221114",
    "413111", "241112", "134111", "111242", "121142", "121241", "114212", "124112", "124211", "411212", "421112",
    "421211", "212141", "214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311",
    "113141", "114131", "311141", "411131", "211412", "211214", "211232", "2331112",
];
const START_B: usize = 104;
const STOP: usize = 106;

/// The symbol values of `data` in code set B with the start, the check symbol and the stop, or
/// `None` when a character is outside printable ASCII.
pub fn code128b_values(data: &str) -> Option<Vec<usize>> {
    let mut values = vec![START_B];
    for c in data.chars() {
        let b = c as u32;
        if !(32..=126).contains(&b) {
            return None;
        }
        values.push((b - 32) as usize);
    }
    let check = values.iter().enumerate().map(|(i, v)| if i == 0 { *v } else { v * i }).sum::<usize>() % 103;
    values.push(check);
    values.push(STOP);
    Some(values)
}

/// The bars as (start module, width in modules), and the total width in modules (with the
/// 10-module quiet zones either side).
pub fn bars(data: &str) -> Option<(Vec<(u32, u32)>, u32)> {
    let values = code128b_values(data)?;
    let mut x = 10u32;
    let mut out = Vec::new();
    for v in values {
        for (i, w) in PATTERNS[v].bytes().enumerate() {
            let w = u32::from(w - b'0');
            if i % 2 == 0 {
                out.push((x, w));
            }
            x += w;
        }
    }
    Some((out, x + 10))
}

/// An SVG of `data` as Code 128-B, `height` modules high, labelled for assistive technology.
/// Characters outside printable ASCII give an empty string.
pub fn svg(data: &str, height: u32, label: &str) -> String {
    let Some((bars, width)) = bars(data) else { return String::new() };
    let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"barcode\" viewBox=\"0 0 {width} {height}\" \
         role=\"img\" aria-label=\"{}\" preserveAspectRatio=\"none\"><rect width=\"{width}\" height=\"{height}\" fill=\"#fff\"/>",
        esc(label)
    );
    for (x, w) in bars {
        s.push_str(&format!("<rect x=\"{x}\" width=\"{w}\" height=\"{height}\" fill=\"#000\"/>"));
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_code128() {
        for (i, p) in PATTERNS.iter().enumerate() {
            let sum: u32 = p.bytes().map(|b| u32::from(b - b'0')).sum();
            assert_eq!(sum, if i == STOP { 13 } else { 11 }, "symbol {i}");
        }
        let mut sorted: Vec<&str> = PATTERNS.to_vec();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), 107, "every symbol distinct");
    }

    #[test]
    fn encodes_with_the_check_symbol() {
        // "A" (33): check = (104 + 33 × 1) mod 103 = 34.
        assert_eq!(code128b_values("A"), Some(vec![104, 33, 34, 106]));
        // "AB": (104 + 33 + 34 × 2) mod 103 = 205 mod 103 = 102.
        assert_eq!(code128b_values("AB"), Some(vec![104, 33, 34, 102, 106]));
        assert_eq!(code128b_values("é"), None);
        let (bars, width) = bars("HELLO").unwrap();
        // quiet 10 + start 11 + 5 × 11 + check 11 + stop 13 + quiet 10.
        assert_eq!(width, 10 + 11 + 55 + 11 + 13 + 10);
        // Start B begins with a 2-module bar after the quiet zone; the stop ends with a 2-module bar.
        assert_eq!(bars[0], (10, 2));
        assert_eq!(*bars.last().unwrap(), (width - 10 - 2, 2));
        let s = svg("AB12", 40, "Wristband <x>");
        assert!(s.starts_with("<svg") && s.contains("aria-label=\"Wristband &lt;x&gt;\"") && !s.contains("style"));
        assert_eq!(svg("\u{1}", 40, "x"), "");
    }
}
