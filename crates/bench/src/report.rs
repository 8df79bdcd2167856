//! Latency statistics, the markdown and JSON reports of a run, and the comparison of runs
//! (`hearth-bench compare`).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::time::Instant;

use anyhow::{anyhow, Context};
use serde_json::{json, Value};

use crate::ops::{Cohort, Op};
use crate::seed::CohortInfo;

/// An operation and the cohort of the patient it opened.
pub type Key = (Op, Cohort);

/// Latencies of one key, in microseconds, and its failed requests.
#[derive(Default, Clone, Debug)]
pub struct Stats {
    pub micros: Vec<u32>,
    pub errors: u64,
}

impl Stats {
    /// One request that started at `t` (its scheduled start in open loop).
    pub fn record(&mut self, t: Instant, ok: bool) {
        self.push(t.elapsed().as_micros().min(u32::MAX as u128) as u32, ok);
    }

    pub fn push(&mut self, micros: u32, ok: bool) {
        self.micros.push(micros);
        if !ok {
            self.errors += 1;
        }
    }

    pub fn merge(&mut self, other: &Stats) {
        self.micros.extend_from_slice(&other.micros);
        self.errors += other.errors;
    }
}

/// The `p` quantile (0..=1) of sorted microseconds, in milliseconds (nearest rank).
pub fn pct(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i] as f64 / 1000.0
}

/// The figures of one row of the report.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    pub count: usize,
    pub rps: f64,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
    pub errors: u64,
}

impl Summary {
    pub fn of(s: &Stats, elapsed: f64) -> Summary {
        let mut m = s.micros.clone();
        m.sort_unstable();
        Summary {
            count: m.len(),
            rps: if elapsed > 0.0 { m.len() as f64 / elapsed } else { 0.0 },
            p50: pct(&m, 0.50),
            p95: pct(&m, 0.95),
            p99: pct(&m, 0.99),
            max: pct(&m, 1.0),
            errors: s.errors,
        }
    }
}

/// CPU seconds over the measured window.
#[derive(Debug, Clone, Copy)]
pub struct Cpu {
    pub hearth: f64,
    pub postgres: f64,
    pub generator: f64,
}

/// Everything a run measured.
#[derive(Debug, Clone, Default)]
pub struct Run {
    pub machine: String,
    pub command: String,
    pub patients_in_db: usize,
    pub db_mib: f64,
    pub clients: usize,
    pub elapsed: f64,
    pub stats: BTreeMap<Key, Stats>,
    /// Queries per request, from the calibration.
    pub qpr: HashMap<Key, f64>,
    /// The paced sign-in lane's rate, when it ran.
    pub lane: Option<f64>,
    pub ready_ms: u128,
    pub cpu: Option<Cpu>,
    pub rss_mb: Option<f64>,
    /// The direct (no HTTP) limits: label, requests per second, the operation it compares to.
    pub limits: Vec<(&'static str, f64, Op)>,
    /// The long-history cohort and the share of chart operations that opened it.
    pub cohort: Option<(CohortInfo, f64)>,
}

impl Run {
    /// Every operation's requests, both cohorts together, in report order.
    pub fn by_op(&self) -> Vec<(Op, Stats)> {
        let mut out: Vec<(Op, Stats)> = Vec::new();
        for ((op, _), s) in &self.stats {
            match out.last_mut() {
                Some((o, acc)) if o == op => acc.merge(s),
                _ => out.push((*op, s.clone())),
            }
        }
        out
    }

    fn counted_in_mix(&self, op: Op) -> bool {
        !(self.lane.is_some() && op.is_auth())
    }

    /// (all requests, requests of the clients' mix, failed requests)
    pub fn totals(&self) -> (usize, usize, u64) {
        let mut total = 0;
        let mut mix = 0;
        let mut errors = 0;
        for ((op, _), s) in &self.stats {
            total += s.micros.len();
            if self.counted_in_mix(*op) {
                mix += s.micros.len();
            }
            errors += s.errors;
        }
        (total, mix, errors)
    }

    pub fn mix_rps(&self) -> f64 {
        if self.elapsed > 0.0 {
            self.totals().1 as f64 / self.elapsed
        } else {
            0.0
        }
    }

    /// Queries per request of an operation over both cohorts (weighted by the calibration's
    /// equal rounds: the normal cohort's figure when there is one).
    fn qpr_of(&self, op: Op) -> f64 {
        self.qpr.get(&(op, Cohort::Normal)).or_else(|| self.qpr.get(&(op, Cohort::Long))).copied().unwrap_or(0.0)
    }

    /// The chart operations with requests on the long-history cohort.
    fn split_ops(&self) -> Vec<Op> {
        let mut ops: Vec<Op> = self.stats.keys().filter(|(_, c)| *c == Cohort::Long).map(|(o, _)| *o).collect();
        ops.dedup();
        ops
    }

    pub fn markdown(&self) -> anyhow::Result<String> {
        let mut md = String::new();
        writeln!(md, "Machine: {}", self.machine)?;
        writeln!(
            md,
            "Command: `{}` ({} patients in the database, {:.0} MiB)\n",
            self.command, self.patients_in_db, self.db_mib
        )?;
        writeln!(md, "| operation | count | req/s | p50 ms | p95 ms | p99 ms | max ms | errors | queries/req |")?;
        writeln!(md, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")?;
        for (op, s) in self.by_op() {
            let x = Summary::of(&s, self.elapsed);
            writeln!(
                md,
                "| {}{} | {} | {:.0} | {:.1} | {:.1} | {:.1} | {:.1} | {} | {:.1} |",
                op.label(),
                if op.is_write() { " (write)" } else { "" },
                x.count,
                x.rps,
                x.p50,
                x.p95,
                x.p99,
                x.max,
                x.errors,
                self.qpr_of(op)
            )?;
        }
        let (total, mix, errors) = self.totals();
        match self.lane {
            Some(rate) => writeln!(
                md,
                "\nClinical mix: {mix} requests in {:.1} s = **{:.0} req/s**; with the paced sign-in lane ({rate} per s) {total} requests, {errors} errors.",
                self.elapsed,
                self.mix_rps()
            )?,
            None => writeln!(
                md,
                "\nOperations run: {mix} requests in {:.1} s = **{:.0} req/s**, {errors} errors (no sign-in lane).",
                self.elapsed,
                self.mix_rps()
            )?,
        }
        writeln!(md, "Start-up to ready (migrated database): {} ms.", self.ready_ms)?;
        if let Some(c) = self.cpu {
            let e = self.elapsed.max(f64::MIN_POSITIVE);
            writeln!(
                md,
                "CPU over {:.0} s: Hearth {:.1} s ({:.2} cores), PostgreSQL {:.1} s ({:.2} cores), load generator {:.1} s ({:.2} cores).",
                self.elapsed,
                c.hearth,
                c.hearth / e,
                c.postgres,
                c.postgres / e,
                c.generator,
                c.generator / e
            )?;
        }
        if let Some(r) = self.rss_mb {
            writeln!(md, "Server peak RSS: {r:.0} MB.")?;
        }
        if let Some((info, views)) = self.cohort {
            let split = self.split_ops();
            if !split.is_empty() {
                writeln!(
                    md,
                    "\nLong-history patients: {} of {} ({:.2}%) with {} encounters, {} vital-sign readings and {} notes each; {:.0}% of chart operations open one of them.\n",
                    info.patients,
                    self.patients_in_db,
                    100.0 * info.patients as f64 / self.patients_in_db.max(1) as f64,
                    info.encounters,
                    info.vitals,
                    info.notes,
                    views * 100.0
                )?;
                writeln!(md, "| operation | normal: count | p50 ms | p95 ms | p99 ms | queries/req | long history: count | p50 ms | p95 ms | p99 ms | max ms | queries/req | errors |")?;
                writeln!(
                    md,
                    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
                )?;
                for op in split {
                    let n =
                        Summary::of(self.stats.get(&(op, Cohort::Normal)).unwrap_or(&Stats::default()), self.elapsed);
                    let l = Summary::of(self.stats.get(&(op, Cohort::Long)).unwrap_or(&Stats::default()), self.elapsed);
                    let q = |c| self.qpr.get(&(op, c)).map(|q| format!("{q:.1}")).unwrap_or_else(|| "—".into());
                    writeln!(
                        md,
                        "| {} | {} | {:.1} | {:.1} | {:.1} | {} | {} | {:.1} | {:.1} | {:.1} | {:.1} | {} | {} |",
                        op.label(),
                        n.count,
                        n.p50,
                        n.p95,
                        n.p99,
                        q(Cohort::Normal),
                        l.count,
                        l.p50,
                        l.p95,
                        l.p99,
                        l.max,
                        q(Cohort::Long),
                        n.errors + l.errors
                    )?;
                }
            }
        }
        if !self.limits.is_empty() {
            let rps: HashMap<Op, f64> =
                self.by_op().into_iter().map(|(op, s)| (op, Summary::of(&s, self.elapsed).rps)).collect();
            writeln!(
                md,
                "\nPhysical limit (same SQL straight through a pool, {} concurrent, no HTTP):\n",
                self.clients
            )?;
            writeln!(md, "| query | direct req/s | Hearth req/s in the run |")?;
            writeln!(md, "| --- | ---: | ---: |")?;
            for (label, direct, op) in &self.limits {
                writeln!(md, "| {label} | {direct:.0} | {:.0} |", rps.get(op).copied().unwrap_or(0.0))?;
            }
            writeln!(
                md,
                "\n(In the mix each operation gets only its share of the time, so the right column is not the operation's own maximum; the direct figures run one query kind at a time.)"
            )?;
        }
        Ok(md)
    }

    /// The results as JSON (`--json`; read by `hearth-bench compare`).
    pub fn json(&self) -> Value {
        let row = |op: Op, cohort: &str, s: &Stats, qpr: Option<f64>| {
            let x = Summary::of(s, self.elapsed);
            json!({"op": op.key(), "cohort": cohort, "count": x.count, "rps": x.rps, "p50_ms": x.p50,
                   "p95_ms": x.p95, "p99_ms": x.p99, "max_ms": x.max, "errors": x.errors,
                   "queries_per_request": qpr})
        };
        let mut ops = Vec::new();
        for (op, s) in self.by_op() {
            ops.push(row(op, "all", &s, self.qpr.get(&(op, Cohort::Normal)).copied()));
        }
        for op in self.split_ops() {
            for c in [Cohort::Normal, Cohort::Long] {
                if let Some(s) = self.stats.get(&(op, c)) {
                    ops.push(row(op, c.key(), s, self.qpr.get(&(op, c)).copied()));
                }
            }
        }
        let (total, mix, errors) = self.totals();
        json!({
            "command": self.command,
            "machine": self.machine,
            "patients_in_db": self.patients_in_db,
            "elapsed_s": self.elapsed,
            "requests": total,
            "mix_requests": mix,
            "mix_rps": self.mix_rps(),
            "errors": errors,
            "sign_in_lane": self.lane,
            "ops": ops,
        })
    }
}

fn fmt_list(v: &[f64], digits: usize) -> String {
    v.iter().map(|x| format!("{x:.digits$}")).collect::<Vec<_>>().join(", ")
}

fn change(before: f64, after: f64) -> f64 {
    if before > 0.0 {
        (after - before) / before * 100.0
    } else {
        0.0
    }
}

/// Requests a row needs in every run before its p99 is judged.
pub const MIN_SAMPLES: u64 = 100;

/// Compares runs written with `--json`: the best throughput of each side (highest) and, per
/// operation and cohort, the best p99 (lowest), with every run's figure beside it. Returns the
/// markdown and the rows whose best got worse by more than `tolerance` percent.
pub fn compare(before: &[Value], after: &[Value], tolerance: f64) -> anyhow::Result<(String, Vec<String>)> {
    let rps = |runs: &[Value]| -> anyhow::Result<Vec<f64>> {
        runs.iter().map(|r| r["mix_rps"].as_f64().ok_or_else(|| anyhow!("a run without mix_rps"))).collect()
    };
    let (rb, ra) = (rps(before)?, rps(after)?);
    let best = |v: &[f64], hi: bool| {
        v.iter().copied().fold(None, |a: Option<f64>, x| Some(a.map_or(x, |a| if hi { a.max(x) } else { a.min(x) })))
    };
    let errors = |runs: &[Value]| runs.iter().map(|r| r["errors"].as_u64().unwrap_or(0)).sum::<u64>();
    let mut md = String::new();
    let mut worse = Vec::new();
    writeln!(md, "| throughput (req/s) | runs | best |")?;
    writeln!(md, "| --- | --- | ---: |")?;
    let (bb, ba) = (best(&rb, true).unwrap_or(0.0), best(&ra, true).unwrap_or(0.0));
    writeln!(md, "| before | {} | {bb:.0} |", fmt_list(&rb, 0))?;
    writeln!(md, "| after | {} | {ba:.0} |", fmt_list(&ra, 0))?;
    let c = change(bb, ba);
    writeln!(
        md,
        "\nBest throughput after vs before: {c:+.1}%; failed requests: {} before, {} after.\n",
        errors(before),
        errors(after)
    )?;
    if -c > tolerance {
        worse.push(format!("throughput {c:+.1}%"));
    }
    // Rows by operation in the order of their first appearance, each as all, normal, long.
    let mut ops: Vec<String> = Vec::new();
    let mut keys: Vec<(String, String)> = Vec::new();
    for r in before.iter().chain(after) {
        for o in r["ops"].as_array().into_iter().flatten() {
            let k = (o["op"].as_str().unwrap_or("").to_string(), o["cohort"].as_str().unwrap_or("all").to_string());
            if !ops.contains(&k.0) {
                ops.push(k.0.clone());
            }
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
    }
    let rank = |c: &str| ["all", "normal", "long"].iter().position(|x| *x == c).unwrap_or(3);
    keys.sort_by_key(|k| (ops.iter().position(|o| *o == k.0), rank(&k.1)));
    // (p99, count) of each run that has the row.
    let rows = |runs: &[Value], k: &(String, String)| -> Vec<(f64, u64)> {
        runs.iter()
            .filter_map(|r| {
                r["ops"].as_array()?.iter().find(|o| {
                    o["op"].as_str() == Some(k.0.as_str())
                        && o["cohort"].as_str() == Some(k.1.as_str())
                        && o["count"].as_u64().unwrap_or(0) > 0
                })
            })
            .filter_map(|o| Some((o["p99_ms"].as_f64()?, o["count"].as_u64()?)))
            .collect()
    };
    writeln!(
        md,
        "| operation | patients | fewest samples | p99 ms before (runs) | p99 ms after (runs) | best before | best after | change |"
    )?;
    writeln!(md, "| --- | --- | ---: | --- | --- | ---: | ---: | ---: |")?;
    for k in &keys {
        let (b, a) = (rows(before, k), rows(after, k));
        let p99 = |v: &[(f64, u64)]| v.iter().map(|x| x.0).collect::<Vec<_>>();
        let (pb, pa) = (p99(&b), p99(&a));
        let fewest = b.iter().chain(&a).map(|x| x.1).min().unwrap_or(0);
        let (Some(bb), Some(ba)) = (best(&pb, false), best(&pa, false)) else {
            writeln!(md, "| {} | {} | {fewest} | {} | {} | | | |", k.0, k.1, fmt_list(&pb, 1), fmt_list(&pa, 1))?;
            continue;
        };
        let c = change(bb, ba);
        // A p99 of fewer than MIN_SAMPLES requests is its one or two slowest: shown, not judged.
        let judged = fewest >= MIN_SAMPLES;
        let flag = judged && c > tolerance;
        if flag {
            worse.push(format!("{} ({}) p99 {c:+.1}%", k.0, k.1));
        }
        writeln!(
            md,
            "| {} | {} | {fewest} | {} | {} | {bb:.1} | {ba:.1} | {c:+.1}%{} |",
            k.0,
            k.1,
            fmt_list(&pb, 1),
            fmt_list(&pa, 1),
            if flag {
                " **worse**"
            } else if !judged {
                " (too few samples)"
            } else {
                ""
            }
        )?;
    }
    if worse.is_empty() {
        writeln!(md, "\nWithin {tolerance}% everywhere (best of each side; rows of fewer than {MIN_SAMPLES} samples not judged).")?;
    } else {
        writeln!(md, "\nBeyond {tolerance}%: {}.", worse.join("; "))?;
    }
    Ok((md, worse))
}

/// Reads result files written with `--json`.
pub fn read_runs(paths: &[std::path::PathBuf]) -> anyhow::Result<Vec<Value>> {
    paths
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).with_context(|| format!("read {}", p.display()))?;
            serde_json::from_str(&text).with_context(|| format!("{} is not a --json result", p.display()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_by_nearest_rank() {
        let v: Vec<u32> = (1..=100).map(|x| x * 1000).collect();
        assert_eq!(pct(&v, 0.5), 51.0);
        assert_eq!(pct(&v, 0.99), 99.0);
        assert_eq!(pct(&v, 1.0), 100.0);
        assert_eq!(pct(&v, 0.0), 1.0);
        assert_eq!(pct(&[], 0.99), 0.0);
        assert_eq!(pct(&[2500], 0.99), 2.5);
    }

    #[test]
    fn summary_sorts_and_counts_errors() {
        let mut s = Stats::default();
        for (m, ok) in [(3000, true), (1000, true), (2000, false), (4000, true)] {
            s.push(m, ok);
        }
        let x = Summary::of(&s, 2.0);
        assert_eq!(x.count, 4);
        assert_eq!(x.rps, 2.0);
        assert_eq!(x.p50, 3.0);
        assert_eq!(x.max, 4.0);
        assert_eq!(x.errors, 1);
    }

    fn stats(micros: &[u32], errors: u64) -> Stats {
        Stats { micros: micros.to_vec(), errors }
    }

    fn sample_run() -> Run {
        let mut r = Run { elapsed: 2.0, patients_in_db: 500, clients: 4, lane: Some(4.0), ..Default::default() };
        r.stats.insert((Op::SignIn, Cohort::Normal), stats(&[90_000, 100_000], 0));
        r.stats.insert((Op::OpenChart, Cohort::Normal), stats(&[1000, 2000, 3000], 0));
        r.stats.insert((Op::OpenChart, Cohort::Long), stats(&[10_000, 20_000], 1));
        r.stats.insert((Op::Register, Cohort::Normal), stats(&[5000], 0));
        r.qpr.insert((Op::OpenChart, Cohort::Normal), 5.0);
        r.qpr.insert((Op::OpenChart, Cohort::Long), 5.0);
        r.cohort = Some((CohortInfo { patients: 5, encounters: 1000, vitals: 5000, notes: 300 }, 0.1));
        r
    }

    #[test]
    fn run_totals_leave_the_sign_in_lane_out_of_the_mix() {
        let r = sample_run();
        assert_eq!(r.totals(), (8, 6, 1));
        assert_eq!(r.mix_rps(), 3.0);
        let by_op = r.by_op();
        assert_eq!(by_op.iter().map(|(o, _)| *o).collect::<Vec<_>>(), vec![Op::SignIn, Op::OpenChart, Op::Register]);
        assert_eq!(by_op[1].1.micros.len(), 5);
        assert_eq!(by_op[1].1.errors, 1);
        // Without the lane (--only sign-in), sign-ins are the run.
        let only = Run { lane: None, ..sample_run() };
        assert_eq!(only.totals().1, 8);
    }

    #[test]
    fn long_history_is_reported_apart() {
        let r = sample_run();
        let md = r.markdown().unwrap();
        assert!(md.contains("| open chart (banner + timeline) | 5 |"), "{md}");
        assert!(md.contains("Long-history patients: 5 of 500 (1.00%) with 1000 encounters, 5000 vital-sign readings and 300 notes each; 10% of chart operations"), "{md}");
        assert!(md.contains("| open chart (banner + timeline) | 3 | 2.0 | 3.0 | 3.0 | 5.0 | 2 | 20.0 | 20.0 | 20.0 | 20.0 | 5.0 | 1 |"), "{md}");
        let j = r.json();
        let ops = j["ops"].as_array().unwrap();
        let long = ops.iter().find(|o| o["op"] == "chart" && o["cohort"] == "long").unwrap();
        assert_eq!(long["count"], 2);
        assert_eq!(long["p99_ms"], 20.0);
        assert!(ops.iter().any(|o| o["op"] == "chart" && o["cohort"] == "all" && o["count"] == 5));
        assert!(!ops.iter().any(|o| o["op"] == "register" && o["cohort"] == "long"));
        assert_eq!(j["mix_rps"], 3.0);
    }

    fn result(rps: f64, chart_p99: f64, search_p99: f64) -> Value {
        json!({"mix_rps": rps, "errors": 0, "ops": [
            {"op": "chart", "cohort": "all", "count": 300, "p99_ms": chart_p99},
            {"op": "search-name", "cohort": "all", "count": 100, "p99_ms": search_p99},
            {"op": "chart", "cohort": "long", "count": 30, "p99_ms": chart_p99 * 3.0},
        ]})
    }

    #[test]
    fn compare_takes_the_best_of_each_side() {
        let before = [result(2000.0, 12.0, 8.0), result(2100.0, 11.0, 9.0), result(1900.0, 13.0, 8.5)];
        let after = [result(2050.0, 11.5, 10.0), result(1950.0, 12.5, 9.5), result(2080.0, 11.8, 9.9)];
        let (md, worse) = compare(&before, &after, 10.0).unwrap();
        assert!(md.contains("| before | 2000, 2100, 1900 | 2100 |"), "{md}");
        assert!(md.contains("| after | 2050, 1950, 2080 | 2080 |"), "{md}");
        assert!(md.contains("Best throughput after vs before: -1.0%"), "{md}");
        // chart: 11.0 → 11.5 (+4.5%); search: 8.0 → 9.5 (+18.8%, beyond 10%).
        assert!(
            md.contains("| chart | all | 300 | 12.0, 11.0, 13.0 | 11.5, 12.5, 11.8 | 11.0 | 11.5 | +4.5% |"),
            "{md}"
        );
        assert!(
            md.contains("| search-name | all | 100 | 8.0, 9.0, 8.5 | 10.0, 9.5, 9.9 | 8.0 | 9.5 | +18.8% **worse** |"),
            "{md}"
        );
        // The long-history chart row follows the chart's own; 30 samples are shown, not judged.
        let chart = md.find("| chart | all").unwrap();
        let long = md.find("| chart | long | 30 |").unwrap();
        let search = md.find("| search-name | all").unwrap();
        assert!(chart < long && long < search, "{md}");
        assert!(md.contains("| 33.0 | 34.5 | +4.5% (too few samples) |"), "{md}");
        assert_eq!(worse, vec!["search-name (all) p99 +18.8%".to_string()]);
        let (_, none) = compare(&before, &before, 10.0).unwrap();
        assert!(none.is_empty());
        let slower = [result(1500.0, 11.0, 8.0)];
        let (_, w) = compare(&before, &slower, 10.0).unwrap();
        assert_eq!(w, vec!["throughput -28.6%".to_string()]);
    }
}
