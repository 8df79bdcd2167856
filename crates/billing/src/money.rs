//! Money: integer minor units of a currency with its ISO 4217 exponent (0 for JPY, 2 for most,
//! 3 for BHD, KWD and OMR). Never floating point.
//!
//! **The rounding rule** (the one rule of billing): a part of a whole — a percentage, a share of
//! a split — is computed exactly as a fraction, its integer part taken, and the minor units
//! still missing go one each to the parts with the largest fractional remainders (the first
//! such part on a tie): the **largest remainder** method, so parts always sum exactly to the
//! whole. A single percentage of an amount (a line's tax) is the same rule with one part:
//! rounded half away from zero.

/// The ISO 4217 exponents billing knows (the currencies a facility may be set to).
pub const CURRENCIES: &[(&str, u8)] = &[
    ("USD", 2),
    ("EUR", 2),
    ("GBP", 2),
    ("CHF", 2),
    ("INR", 2),
    ("KES", 2),
    ("NGN", 2),
    ("ZAR", 2),
    ("AED", 2),
    ("SAR", 2),
    ("EGP", 2),
    ("JPY", 0),
    ("KRW", 0),
    ("UGX", 0),
    ("BHD", 3),
    ("KWD", 3),
    ("OMR", 3),
    ("JOD", 3),
    ("TND", 3),
];

/// The exponent of an ISO 4217 code billing knows.
pub fn exponent_of(code: &str) -> Option<u8> {
    CURRENCIES.iter().find(|(c, _)| *c == code).map(|(_, e)| *e)
}

fn scale(exponent: u8) -> i64 {
    10i64.pow(u32::from(exponent))
}

/// `minor` as a decimal in major units: `1234` with exponent 2 is `12.34`, with 0 `1234`, with
/// 3 `1.234`. No grouping separators (pages put it in `<bdi class="ltr">`).
pub fn format(minor: i64, exponent: u8) -> String {
    hearth_core::formats::Formats::iso().decimal(minor, exponent)
}

/// Reads a decimal in major units ("12.5", "12.50", "1200") into minor units; at most
/// `exponent` decimals, at most 12 digits before the point. `Err` with a sentence otherwise.
pub fn parse(s: &str, exponent: u8) -> Result<i64, &'static str> {
    let s = s.trim();
    let (neg, s) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, f),
        None => (s, ""),
    };
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err("Enter an amount such as 12.50.");
    }
    if int.len() > 12 {
        return Err("The amount is too large.");
    }
    if frac.len() > usize::from(exponent) || (exponent == 0 && s.contains('.')) {
        return Err("Too many decimals for this currency.");
    }
    let int: i64 = int.parse().map_err(|_| "Enter an amount such as 12.50.")?;
    let mut f: i64 = if frac.is_empty() { 0 } else { frac.parse().map_err(|_| "Enter an amount such as 12.50.")? };
    for _ in frac.len()..usize::from(exponent) {
        f *= 10;
    }
    let v = int * scale(exponent) + f;
    Ok(if neg { -v } else { v })
}

/// `bp` basis points (1/100 of a percent) of `amount`, rounded half away from zero.
pub fn percent(amount: i64, bp: i64) -> i64 {
    let n = i128::from(amount) * i128::from(bp);
    let (q, r) = (n / 10_000, n % 10_000);
    let q = if r.abs() * 2 >= 10_000 { q + n.signum() } else { q };
    q as i64
}

/// Splits `total` into parts proportional to `weights` (each ≥ 0) by the largest remainder
/// method: the parts sum exactly to `total`. All weights zero: equal shares.
pub fn split(total: i64, weights: &[i64]) -> Vec<i64> {
    if weights.is_empty() {
        return Vec::new();
    }
    let weights: Vec<i128> = if weights.iter().all(|w| *w <= 0) {
        vec![1; weights.len()]
    } else {
        weights.iter().map(|w| i128::from((*w).max(0))).collect()
    };
    let sum: i128 = weights.iter().sum();
    let sign: i128 = if total < 0 { -1 } else { 1 };
    let t = i128::from(total).abs();
    let mut parts: Vec<i128> = weights.iter().map(|w| t * w / sum).collect();
    let mut rema: Vec<(usize, i128)> = weights.iter().enumerate().map(|(i, w)| (i, t * w % sum)).collect();
    // Largest remainder first; the first part on a tie.
    rema.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let missing = t - parts.iter().sum::<i128>();
    for (i, _) in rema.iter().take(missing as usize) {
        parts[*i] += 1;
    }
    parts.into_iter().map(|p| (p * sign) as i64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses_by_exponent() {
        assert_eq!(format(1234, 2), "12.34");
        assert_eq!(format(-5, 2), "-0.05");
        assert_eq!(format(1500, 0), "1500");
        assert_eq!(format(1234, 3), "1.234");
        assert_eq!(parse("12.5", 2), Ok(1250));
        assert_eq!(parse("1500", 0), Ok(1500));
        assert!(parse("15.5", 0).is_err());
        assert_eq!(parse("1.234", 3), Ok(1234));
        assert_eq!(parse("0.5", 3), Ok(500));
        assert!(parse("1.2345", 3).is_err());
        assert!(parse("abc", 2).is_err());
        assert!(parse("", 2).is_err());
        assert!(parse("1e5", 2).is_err());
        assert_eq!(exponent_of("JPY"), Some(0));
        assert_eq!(exponent_of("BHD"), Some(3));
        assert_eq!(exponent_of("USD"), Some(2));
        assert_eq!(exponent_of("XXX"), None);
    }

    #[test]
    fn percent_rounds_half_away_from_zero() {
        assert_eq!(percent(1000, 1500), 150);
        assert_eq!(percent(5, 1000), 1); // 0.5 → 1
        assert_eq!(percent(4, 1000), 0); // 0.4 → 0
        assert_eq!(percent(-5, 1000), -1);
        assert_eq!(percent(333, 3333), 111); // 110.9889 → 111
    }

    #[test]
    fn splits_sum_exactly_to_the_whole_in_jpy_usd_and_bhd() {
        // JPY (exponent 0): ¥100 in three equal parts.
        let p = split(100, &[1, 1, 1]);
        assert_eq!(p, vec![34, 33, 33]);
        assert_eq!(p.iter().sum::<i64>(), 100);
        // USD: a $10.00 discount over lines of $3.33, $3.33, $3.34.
        let p = split(1000, &[333, 333, 334]);
        assert_eq!(p.iter().sum::<i64>(), 1000);
        assert_eq!(p, vec![333, 333, 334]);
        // BHD (exponent 3): 1.000 BHD over 7 equal lines.
        let p = split(1000, &[1; 7]);
        assert_eq!(p.iter().sum::<i64>(), 1000);
        assert!(p.iter().all(|x| *x == 142 || *x == 143));
        // Negative wholes (a credit note) split the same way.
        let p = split(-1001, &[1, 1]);
        assert_eq!(p.iter().sum::<i64>(), -1001);
        // A pseudo-random sweep: every split sums to its whole, no part is off by more than one.
        let mut seed: u64 = 0x9e37_79b9;
        for _ in 0..2000 {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let n = (seed >> 60) as usize + 1;
            let total = ((seed >> 20) % 1_000_000) as i64;
            let ws: Vec<i64> = (0..n).map(|i| ((seed >> (i * 3)) % 5000) as i64).collect();
            let parts = split(total, &ws);
            assert_eq!(parts.iter().sum::<i64>(), total, "{total} {ws:?}");
            let sum: i64 = ws.iter().sum();
            if sum > 0 {
                for (p, w) in parts.iter().zip(&ws) {
                    let exact = total as f64 * *w as f64 / sum as f64;
                    assert!((*p as f64 - exact).abs() < 1.0, "{p} vs {exact}");
                }
            }
        }
        assert!(split(5, &[]).is_empty());
        assert_eq!(split(5, &[0, 0]), vec![3, 2]);
    }
}
