//! The split of an invoice's lines between the payer and the patient by a plan's rules. Pure:
//! the caller loads the plan and the running totals (locked) and stores the result.
//!
//! Per line, in order: an **excluded** code is the patient's; a code needing
//! **pre-authorisation** without an approved one valid on the service date is the patient's and
//! flagged; otherwise the **co-pay** (visit lines, codes `APPT:*`, at most the line) is the
//! patient's, then what is left of the **deductible** for the year, then the rest is split by the
//! **co-insurance** percentage with billing's largest-remainder rule (`money::split`), and the
//! payer's part is capped by what is left of the **annual limit**. The patient's share is always
//! the line total minus the payer's, so the two sum exactly to the line.

use hearth_billing::money;

/// A plan's coverage rules (minor units of the plan's currency).
#[derive(Debug, Clone)]
pub struct Rules {
    pub copay: i64,
    pub coinsurance_bp: i32,
    pub deductible: i64,
    pub annual_limit: Option<i64>,
    pub excluded: Vec<String>,
    pub preauth: Vec<String>,
}

/// The running totals of a policy for a plan year.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub deductible_used: i64,
    pub payer_paid: i64,
}

/// One line's split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Share {
    pub payer: i64,
    pub patient: i64,
    pub copay: i64,
    pub deductible: i64,
    /// `covered`, `excluded`, `preauth_missing` or `limit_reached`.
    pub rule: &'static str,
}

fn listed(list: &[String], code: &str) -> bool {
    list.iter().any(|c| match c.strip_suffix('*') {
        Some(prefix) => code.starts_with(prefix),
        None => c == code,
    })
}

impl Rules {
    pub fn needs_preauth(&self, code: &str) -> bool {
        listed(&self.preauth, code)
    }

    /// Splits a line of `total` (≥ 0) with code `code`; `authorised`: an approved
    /// pre-authorisation covers it. Updates `t`.
    pub fn share(&self, code: &str, total: i64, authorised: bool, t: &mut Totals) -> Share {
        let total = total.max(0);
        let patient_all = |rule| Share { payer: 0, patient: total, copay: 0, deductible: 0, rule };
        if listed(&self.excluded, code) {
            return patient_all("excluded");
        }
        if self.needs_preauth(code) && !authorised {
            return patient_all("preauth_missing");
        }
        let copay = if code.starts_with("APPT:") { self.copay.min(total) } else { 0 };
        let mut rest = total - copay;
        let deductible = (self.deductible - t.deductible_used).clamp(0, rest);
        t.deductible_used += deductible;
        rest -= deductible;
        let bp = i64::from(self.coinsurance_bp.clamp(0, 10_000));
        let parts = money::split(rest, &[10_000 - bp, bp]);
        let mut payer = parts[0];
        let mut rule = "covered";
        if let Some(limit) = self.annual_limit {
            let left = (limit - t.payer_paid).max(0);
            if payer > left {
                payer = left;
                rule = "limit_reached";
            }
        }
        t.payer_paid += payer;
        Share { payer, patient: total - payer, copay, deductible, rule }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Rules {
        Rules {
            copay: 1000,
            coinsurance_bp: 2000,
            deductible: 5000,
            annual_limit: Some(20_000),
            excluded: vec!["COSMETIC:*".into()],
            preauth: vec!["SURG:KNEE".into()],
        }
    }

    #[test]
    fn copay_deductible_coinsurance_and_limit_in_order() {
        let r = rules();
        let mut t = Totals::default();
        // A visit of 100.00: co-pay 10.00, deductible 50.00, the 40.00 left 80/20.
        let s = r.share("APPT:GP", 10_000, false, &mut t);
        assert_eq!((s.payer, s.patient, s.copay, s.deductible), (3200, 6800, 1000, 5000));
        assert_eq!(t, Totals { deductible_used: 5000, payer_paid: 3200 });
        // The deductible is spent: 200.00 of lab, 80 % payer = 160.00, under the limit.
        let s = r.share("LAB:CBC", 20_000, false, &mut t);
        assert_eq!((s.payer, s.patient), (16_000, 4000));
        // The limit (200.00) leaves 8.00 for the payer.
        let s = r.share("LAB:CBC", 10_000, false, &mut t);
        assert_eq!((s.payer, s.patient, s.rule), (800, 9200, "limit_reached"));
        assert_eq!(t.payer_paid, 20_000);
        assert_eq!(r.share("COSMETIC:NOSE", 500, false, &mut t).rule, "excluded");
        let s = r.share("SURG:KNEE", 500, false, &mut t);
        assert_eq!((s.payer, s.patient, s.rule), (0, 500, "preauth_missing"));
    }

    #[test]
    fn shares_always_sum_to_the_line_and_never_pass_the_totals() {
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..500 {
            let r = Rules {
                copay: (next() % 3000) as i64,
                coinsurance_bp: (next() % 10_001) as i32,
                deductible: (next() % 20_000) as i64,
                annual_limit: (next() % 2 == 0).then(|| (next() % 50_000) as i64),
                excluded: vec![],
                preauth: vec![],
            };
            let mut t = Totals::default();
            for _ in 0..10 {
                let total = (next() % 30_001) as i64;
                let code = if next() % 2 == 0 { "APPT:GP" } else { "LAB:X" };
                let s = r.share(code, total, true, &mut t);
                assert_eq!(s.payer + s.patient, total);
                assert!(s.payer >= 0 && s.patient >= 0);
                assert!(t.deductible_used <= r.deductible);
                if let Some(l) = r.annual_limit {
                    assert!(t.payer_paid <= l);
                }
            }
        }
    }
}
