//! The command line.

use std::path::PathBuf;

use clap::builder::TypedValueParser as _;
use clap::{Parser, Subcommand};

use crate::ops::Op;

#[derive(Parser, Debug, Clone)]
#[command(
    name = "hearth-bench",
    about = "Hearth load benchmark (docs/PERFORMANCE.md)",
    after_help = "`--help` (not `-h`) describes each operation of --only."
)]
pub struct Args {
    #[command(subcommand)]
    pub cmd: Option<Cmd>,
    /// Patients to seed (the database is reused when it already has them).
    #[arg(long, default_value_t = 200_000)]
    pub patients: usize,
    /// Seconds of measured load.
    #[arg(long, default_value_t = 60)]
    pub duration: u64,
    /// Concurrent clients.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=4096).map(|v| v as usize))]
    pub clients: usize,
    /// Target an already running Hearth (on the benchmark database) instead of starting one;
    /// export its `HEARTH_METRICS_TOKEN` so the benchmark can read `/metrics`.
    #[arg(long, conflicts_with = "server")]
    pub url: Option<String>,
    /// The `hearth` binary to start (default: the one beside this binary), e.g. the build of an
    /// older commit for a before/after comparison on the same database.
    #[arg(long)]
    pub server: Option<PathBuf>,
    /// Name of the benchmark database.
    #[arg(long, default_value = "hearth_bench", value_parser = db_name)]
    pub db: String,
    /// Workload and data seed.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Drop and seed the database again.
    #[arg(long)]
    pub reseed: bool,
    /// Only seed, then exit.
    #[arg(long)]
    pub seed_only: bool,
    /// Write the results as markdown to this file (e.g. docs/PERFORMANCE.md's results).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Write the results as JSON to this file (for `hearth-bench compare`).
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Database connections of the server under test (default: the server's own default).
    #[arg(long)]
    pub pool: Option<u32>,
    /// Sign-ins plus API tokens per second, paced in their own lane beside the clinical mix
    /// (argon2id is costly on purpose; a hospital's staff sign in a few times a shift).
    #[arg(long, default_value_t = 4.0, value_parser = non_negative)]
    pub auth_rate: f64,
    /// Open loop: offer this many requests per second in total, spread evenly over the
    /// clients, and measure each latency from its scheduled start (so queueing is counted, not
    /// hidden). Without it the clients run closed-loop: each sends its next request as soon as
    /// the last one answered, which measures the saturation throughput.
    #[arg(long, value_parser = positive)]
    pub rate: Option<f64>,
    /// Seconds per query kind of the direct (no HTTP) physical-limit measurement (0: skip it).
    #[arg(long, default_value_t = 5)]
    pub limit_seconds: u64,
    /// Run only these operations (comma-separated), in equal shares and without the paced
    /// sign-in lane, to measure each one's own ceiling: e.g. `--only register` or
    /// `--only chart`.
    #[arg(long, value_delimiter = ',', value_name = "OP")]
    pub only: Vec<Op>,
    /// Share of the seeded patients with a long history (0 to 1; 0: none). Seeding only: a
    /// reused database keeps its cohort.
    #[arg(long, default_value_t = 0.01, value_parser = fraction)]
    pub long_history_share: f64,
    /// Encounters per long-history patient.
    #[arg(long, default_value_t = 1_000, value_parser = clap::value_parser!(u32).range(0..=100_000))]
    pub long_history_encounters: u32,
    /// Vital-sign readings per long-history patient.
    #[arg(long, default_value_t = 5_000, value_parser = clap::value_parser!(u32).range(0..=100_000))]
    pub long_history_vitals: u32,
    /// Notes (encrypted bodies) per long-history patient.
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u32).range(0..=100_000))]
    pub long_history_notes: u32,
    /// Share of chart operations (chart, its pages, the timeline, the API lists) that open a
    /// long-history patient (0 to 1). Long-stay and chronic patients' charts are opened far
    /// more often than their share of the register.
    #[arg(long, default_value_t = 0.1, value_parser = fraction)]
    pub long_history_views: f64,
}

#[derive(Subcommand, Debug, Clone)]
pub enum Cmd {
    /// Compare runs written with `--json`: best throughput (highest) and best p99 (lowest) per
    /// operation of each side, with every run's figure.
    Compare {
        /// Results of the "before" runs.
        #[arg(long, num_args = 1.., required = true)]
        before: Vec<PathBuf>,
        /// Results of the "after" runs.
        #[arg(long, num_args = 1.., required = true)]
        after: Vec<PathBuf>,
        /// Percent by which a best p99 may grow (or the best throughput fall) before it is
        /// called worse.
        #[arg(long, default_value_t = 10.0)]
        tolerance: f64,
    },
}

/// A number from 0 to 1.
pub fn fraction(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(format!("{s:?} is not a number from 0 to 1")),
    }
}

fn positive(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!("{s:?} is not a positive number")),
    }
}

fn non_negative(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => Err(format!("{s:?} is not a number of at least 0")),
    }
}

/// A database name the benchmark may put into `CREATE DATABASE` as it is.
fn db_name(s: &str) -> Result<String, String> {
    let ok = !s.is_empty()
        && s.len() <= 63
        && s.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(s.to_string())
    } else {
        Err(format!("{s:?}: use lower-case letters, digits and _"))
    }
}

impl Args {
    /// The command line as the report shows it: the flags that shape the workload.
    pub fn describe(&self) -> String {
        let mut s = format!(
            "hearth-bench --patients {} --duration {} --clients {} --seed {}",
            self.patients, self.duration, self.clients, self.seed
        );
        if let Some(r) = self.rate {
            s += &format!(" --rate {r}");
        }
        if !self.only.is_empty() {
            s += &format!(" --only {}", self.only.iter().map(|o| o.key()).collect::<Vec<_>>().join(","));
        } else if self.auth_rate != 4.0 {
            s += &format!(" --auth-rate {}", self.auth_rate);
        }
        if let Some(p) = self.pool {
            s += &format!(" --pool {p}");
        }
        if self.long_history_views != 0.1 {
            s += &format!(" --long-history-views {}", self.long_history_views);
        }
        if self.server.is_some() {
            s += " --server …";
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Args, clap::Error> {
        Args::try_parse_from(std::iter::once("hearth-bench").chain(args.iter().copied()))
    }

    #[test]
    fn defaults() {
        let a = parse(&[]).unwrap();
        assert_eq!((a.patients, a.duration, a.clients, a.seed), (200_000, 60, 64, 42));
        assert!(a.only.is_empty());
        assert_eq!(a.long_history_share, 0.01);
        assert_eq!((a.long_history_encounters, a.long_history_vitals, a.long_history_notes), (1_000, 5_000, 300));
        assert_eq!(a.long_history_views, 0.1);
        assert_eq!(a.describe(), "hearth-bench --patients 200000 --duration 60 --clients 64 --seed 42");
    }

    #[test]
    fn only_takes_operation_names() {
        let a = parse(&["--only", "register"]).unwrap();
        assert_eq!(a.only, vec![Op::Register]);
        let a = parse(&["--only", "chart,vitals-page", "--only", "sign-in"]).unwrap();
        assert_eq!(a.only, vec![Op::OpenChart, Op::VitalsPage, Op::SignIn]);
        assert!(a.describe().ends_with("--only chart,vitals-page,sign-in"));
        let e = parse(&["--only", "charts"]).unwrap_err().to_string();
        assert!(e.contains("possible values") && e.contains("chart"), "{e}");
    }

    #[test]
    fn help_lists_the_operations() {
        let mut cmd = <Args as clap::CommandFactory>::command();
        let help = cmd.render_long_help().to_string();
        for op in Op::ALL {
            assert!(help.contains(&op.key()), "{} missing from --help", op.key());
        }
    }

    #[test]
    fn shares_are_fractions() {
        assert_eq!(parse(&["--long-history-share", "0.05"]).unwrap().long_history_share, 0.05);
        assert!(parse(&["--long-history-share", "1.5"]).is_err());
        assert!(parse(&["--long-history-views", "-0.1"]).is_err());
        assert!(parse(&["--long-history-views", "x"]).is_err());
        assert_eq!(fraction("0"), Ok(0.0));
        assert_eq!(fraction("1"), Ok(1.0));
        assert!(fraction("NaN").is_err());
    }

    #[test]
    fn counts_rates_and_names_are_checked() {
        assert_eq!(parse(&["--long-history-vitals", "50"]).unwrap().long_history_vitals, 50);
        assert!(parse(&["--long-history-vitals", "-1"]).is_err());
        assert!(parse(&["--long-history-notes", "1000000"]).is_err());
        assert!(parse(&["--rate", "0"]).is_err());
        assert_eq!(parse(&["--rate", "1000"]).unwrap().rate, Some(1000.0));
        assert!(parse(&["--clients", "0"]).is_err());
        assert!(parse(&["--db", "bench; DROP TABLE x"]).is_err());
        assert!(parse(&["--db", "hearth_bench_smoke"]).is_ok());
        assert!(parse(&["--url", "http://x", "--server", "/bin/hearth"]).is_err());
    }

    #[test]
    fn compare_subcommand() {
        let a = parse(&["compare", "--before", "a.json", "b.json", "--after", "c.json"]).unwrap();
        match a.cmd {
            Some(Cmd::Compare { before, after, tolerance }) => {
                assert_eq!(before.len(), 2);
                assert_eq!(after, vec![PathBuf::from("c.json")]);
                assert_eq!(tolerance, 10.0);
            }
            None => panic!("no subcommand"),
        }
        assert!(parse(&["compare", "--before", "a.json"]).is_err());
    }
}
