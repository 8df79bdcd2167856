//! The operations the benchmark drives, the mix they are drawn from, and which patients they
//! open (normal or long-history).

use rand::rngs::StdRng;
use rand::Rng;
use uuid::Uuid;

/// One operation of the workload. The names after `--only` are the kebab-case names below
/// (`hearth-bench --help` lists them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, clap::ValueEnum)]
pub enum Op {
    /// Sign in through the form: login page, CSRF token, argon2id, first page.
    SignIn,
    /// Exchange email and password for an API token (argon2id).
    ApiToken,
    /// The type-ahead: a name prefix.
    SearchName,
    /// Patient search by MRN.
    SearchMrn,
    /// Patient search by phone number (blind index).
    SearchPhone,
    /// Open a chart: banner, overview lists, first page of the timeline.
    #[value(name = "chart")]
    OpenChart,
    /// The encounters page of a chart.
    EncountersPage,
    /// The vital-signs page of a chart (table and trend charts).
    VitalsPage,
    /// The notes list of a chart.
    NotesPage,
    /// API: first page of a patient's timeline.
    Timeline,
    /// API: a page of the timeline from a random point in the last ten years (keyset cursor).
    TimelineDeep,
    /// API: a patient's encounters.
    ApiEncounters,
    /// API: a patient's vital signs.
    ApiVitals,
    /// API: a patient's notes (metadata).
    ApiNotes,
    /// Register a patient (write).
    Register,
    /// Record vital signs (write).
    Vitals,
    /// Write a note (write; the body is encrypted).
    Note,
    /// The audit log's first page.
    #[value(name = "audit")]
    AuditList,
    /// API: free appointment slots of the next days from a random day (the booking search).
    SlotSearch,
    /// Book an appointment: a free-slot search (API) and the booking form (write).
    #[value(name = "book")]
    BookAppointment,
    /// The bed board of the facility (312 beds, ~70 % occupied).
    BedBoard,
    /// The emergency department's tracking board rows (80 patients).
    EdBoard,
    /// The pharmacist's verification queue (pending medication orders).
    #[value(name = "rx-verify")]
    RxVerifyQueue,
    /// The laboratory's specimens to collect.
    LabCollect,
    /// The laboratory worksheet of biochemistry (received specimens with their tests and ranges).
    LabWorksheet,
    /// API: today's radiology worklist of one modality (XR, CT or US).
    #[value(name = "rad-worklist")]
    RadiologyWorklist,
    /// The theatre board's rows (today's cases in four theatres).
    TheatreBoard,
    /// The eMAR ward view: a ward's doses due in the next four hours.
    #[value(name = "emar-ward")]
    EmarWard,
    /// The billing worklist: unbilled charges by patient, drafts, unpaid invoices.
    BillingWorklist,
    /// Build an invoice draft for a patient from their unbilled charges, open it, and cancel it
    /// (write; the charges are unbilled again, so it repeats).
    InvoiceDraft,
    /// The bed network's public availability JSON from a point near the network's facilities
    /// (no sign-in, no token; half of the requests conditional on a previous answer's ETag).
    BednetPublic,
    /// The bed network board (every facility's counts, pending requests and holds).
    BednetBoard,
    /// FHIR: a Patient search by family-name prefix (bearer token).
    FhirPatientSearch,
    /// FHIR: a patient's vital-sign Observations (bearer token).
    FhirObservations,
    /// The insurance claims worklist (the latest claims of the facility, drafts and submitted).
    InsuranceClaims,
}

impl Op {
    /// Every operation, in report order (also the order the mix is drawn in).
    pub const ALL: [Op; 35] = [
        Op::SignIn,
        Op::ApiToken,
        Op::SearchName,
        Op::SearchMrn,
        Op::SearchPhone,
        Op::OpenChart,
        Op::EncountersPage,
        Op::VitalsPage,
        Op::NotesPage,
        Op::Timeline,
        Op::TimelineDeep,
        Op::ApiEncounters,
        Op::ApiVitals,
        Op::ApiNotes,
        Op::Register,
        Op::Vitals,
        Op::Note,
        Op::AuditList,
        Op::SlotSearch,
        Op::BookAppointment,
        Op::BedBoard,
        Op::EdBoard,
        Op::RxVerifyQueue,
        Op::LabCollect,
        Op::LabWorksheet,
        Op::RadiologyWorklist,
        Op::TheatreBoard,
        Op::EmarWard,
        Op::BillingWorklist,
        Op::InvoiceDraft,
        Op::BednetPublic,
        Op::BednetBoard,
        Op::FhirPatientSearch,
        Op::FhirObservations,
        Op::InsuranceClaims,
    ];

    /// The name on the command line and in the JSON results (`chart`, `register`, …).
    pub fn key(self) -> String {
        clap::ValueEnum::to_possible_value(&self).map(|v| v.get_name().to_string()).unwrap_or_default()
    }

    /// The label in the report.
    pub fn label(self) -> &'static str {
        match self {
            Op::SignIn => "sign in (form + CSRF, argon2id)",
            Op::ApiToken => "API token (argon2id)",
            Op::SearchName => "search: name prefix (type-ahead)",
            Op::SearchMrn => "search: MRN",
            Op::SearchPhone => "search: phone (blind index)",
            Op::OpenChart => "open chart (banner + timeline)",
            Op::EncountersPage => "chart: encounters page",
            Op::VitalsPage => "chart: vital signs page",
            Op::NotesPage => "chart: notes list",
            Op::Timeline => "API: timeline (first page)",
            Op::TimelineDeep => "API: timeline (a page years back)",
            Op::ApiEncounters => "API: encounters list",
            Op::ApiVitals => "API: vital signs list",
            Op::ApiNotes => "API: notes list",
            Op::Register => "register patient",
            Op::Vitals => "record vitals",
            Op::Note => "write a note",
            Op::AuditList => "list audit events",
            Op::SlotSearch => "API: free appointment slots",
            Op::BookAppointment => "book an appointment (slot search + book)",
            Op::BedBoard => "bed board (312 beds)",
            Op::EdBoard => "ED tracking board (80 patients)",
            Op::RxVerifyQueue => "pharmacy verification queue",
            Op::LabCollect => "laboratory: specimens to collect",
            Op::LabWorksheet => "laboratory: biochemistry worksheet",
            Op::RadiologyWorklist => "API: radiology worklist of a modality",
            Op::TheatreBoard => "theatre board",
            Op::EmarWard => "eMAR: a ward's doses due",
            Op::BillingWorklist => "billing worklist (unbilled)",
            Op::InvoiceDraft => "invoice draft (build, open, cancel)",
            Op::BednetPublic => "bed network: public availability (JSON)",
            Op::BednetBoard => "bed network board",
            Op::FhirPatientSearch => "FHIR: Patient search (family prefix)",
            Op::FhirObservations => "FHIR: a patient's vital-sign Observations",
            Op::InsuranceClaims => "insurance claims worklist",
        }
    }

    /// Relative frequency in the default mix (0: not drawn; sign-in and API tokens run in their
    /// own paced lane).
    pub fn weight(self) -> u32 {
        match self {
            Op::SignIn | Op::ApiToken => 0,
            Op::SearchName => 30,
            Op::SearchMrn => 10,
            Op::SearchPhone => 8,
            Op::OpenChart => 25,
            Op::EncountersPage => 2,
            Op::VitalsPage => 4,
            Op::NotesPage => 3,
            Op::Timeline => 3,
            Op::TimelineDeep => 1,
            Op::ApiEncounters => 1,
            Op::ApiVitals => 2,
            Op::ApiNotes => 1,
            Op::Register => 6,
            Op::Vitals => 10,
            Op::Note => 6,
            Op::AuditList => 3,
            Op::SlotSearch => 4,
            Op::BookAppointment => 2,
            Op::BedBoard => 4,
            Op::EdBoard => 4,
            Op::RxVerifyQueue => 2,
            Op::LabCollect => 2,
            Op::LabWorksheet => 2,
            Op::RadiologyWorklist => 3,
            Op::TheatreBoard => 2,
            Op::EmarWard => 3,
            Op::BillingWorklist => 1,
            Op::InvoiceDraft => 1,
            Op::BednetPublic => 3,
            Op::BednetBoard => 1,
            Op::FhirPatientSearch => 2,
            Op::FhirObservations => 2,
            Op::InsuranceClaims => 1,
        }
    }

    pub fn is_write(self) -> bool {
        matches!(self, Op::Register | Op::Vitals | Op::Note | Op::BookAppointment | Op::InvoiceDraft)
    }

    /// A read of one patient's chart: these sample the long-history cohort and are reported
    /// apart for it.
    pub fn reads_chart(self) -> bool {
        matches!(
            self,
            Op::OpenChart
                | Op::EncountersPage
                | Op::VitalsPage
                | Op::NotesPage
                | Op::Timeline
                | Op::TimelineDeep
                | Op::ApiEncounters
                | Op::ApiVitals
                | Op::ApiNotes
        )
    }

    /// Sent with a bearer token.
    pub fn needs_token(self) -> bool {
        matches!(
            self,
            Op::Timeline
                | Op::TimelineDeep
                | Op::ApiEncounters
                | Op::ApiVitals
                | Op::ApiNotes
                | Op::SlotSearch
                | Op::BookAppointment
                | Op::RadiologyWorklist
                | Op::FhirPatientSearch
                | Op::FhirObservations
        )
    }

    /// Runs argon2id (costly on purpose).
    pub fn is_auth(self) -> bool {
        matches!(self, Op::SignIn | Op::ApiToken)
    }
}

/// The operations the clients draw from, with their weights.
#[derive(Debug, Clone)]
pub struct Mix {
    ops: Vec<(Op, u32)>,
    total: u32,
}

impl Mix {
    /// The default mix, or (with `--only`) just the given operations in equal shares.
    pub fn new(only: &[Op]) -> Mix {
        let ops: Vec<(Op, u32)> = if only.is_empty() {
            Op::ALL.iter().map(|&o| (o, o.weight())).filter(|&(_, w)| w > 0).collect()
        } else {
            Op::ALL.iter().filter(|o| only.contains(o)).map(|&o| (o, 1)).collect()
        };
        let total = ops.iter().map(|&(_, w)| w).sum();
        Mix { ops, total }
    }

    /// Whether this is the default mix (then sign-in and API tokens run in the paced lane).
    pub fn is_default(only: &[Op]) -> bool {
        only.is_empty()
    }

    pub fn pick(&self, rng: &mut StdRng) -> Op {
        let mut x = rng.gen_range(0..self.total.max(1));
        for &(op, w) in &self.ops {
            if x < w {
                return op;
            }
            x -= w;
        }
        self.ops.first().map(|&(o, _)| o).unwrap_or(Op::SearchName)
    }

    pub fn ops(&self) -> impl Iterator<Item = Op> + '_ {
        self.ops.iter().map(|&(o, _)| o)
    }

    /// The share of draws that give `op`.
    #[cfg(test)]
    pub fn share(&self, op: Op) -> f64 {
        let w = self.ops.iter().find(|&&(o, _)| o == op).map(|&(_, w)| w).unwrap_or(0);
        if self.total == 0 {
            0.0
        } else {
            w as f64 / self.total as f64
        }
    }

    pub fn needs_token(&self) -> bool {
        self.ops().any(Op::needs_token)
    }
}

/// Which patients a chart operation opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Cohort {
    Normal,
    /// The long-history cohort (`--long-history-*`).
    Long,
}

impl Cohort {
    pub fn key(self) -> &'static str {
        match self {
            Cohort::Normal => "normal",
            Cohort::Long => "long",
        }
    }
}

/// What the workload needs to know about the seeded data.
#[derive(Debug, Clone, Default)]
pub struct Data {
    /// Benchmark patients in the database (search by MRN and phone draws from all of them).
    pub patients: usize,
    /// Patients with an ordinary (short) history, opened by chart operations and written to.
    pub ids: Vec<Uuid>,
    /// The long-history cohort.
    pub long: Vec<Uuid>,
    /// Share of chart operations that open a long-history patient.
    pub long_views: f64,
    /// The clinical modules' seeded work (the eMAR ward, the billing patients).
    pub modules: crate::modules::ModuleData,
}

impl Data {
    /// The cohort of the patient `op` opens (an ordinary one unless it reads a chart and the
    /// draw says long-history). Draws nothing when there is no cohort.
    pub fn cohort(&self, op: Op, rng: &mut StdRng) -> Cohort {
        if op.reads_chart() && !self.long.is_empty() && self.long_views > 0.0 && rng.gen_bool(self.long_views) {
            Cohort::Long
        } else {
            Cohort::Normal
        }
    }

    pub fn patient(&self, cohort: Cohort, rng: &mut StdRng) -> Uuid {
        let from = match cohort {
            Cohort::Long if !self.long.is_empty() => &self.long,
            _ => &self.ids,
        };
        from[rng.gen_range(0..from.len())]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn names_on_the_command_line() {
        let keys: Vec<String> = Op::ALL.iter().map(|o| o.key()).collect();
        for k in [
            "sign-in",
            "api-token",
            "search-name",
            "chart",
            "vitals-page",
            "notes-page",
            "timeline",
            "register",
            "audit",
            "slot-search",
            "book",
            "bed-board",
            "ed-board",
            "rx-verify",
            "lab-collect",
            "lab-worksheet",
            "rad-worklist",
            "theatre-board",
            "emar-ward",
            "billing-worklist",
            "invoice-draft",
            "bednet-public",
            "bednet-board",
            "fhir-patient-search",
            "fhir-observations",
            "insurance-claims",
        ] {
            assert!(keys.iter().any(|x| x == k), "{k} missing from {keys:?}");
        }
        let mut unique = keys.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), keys.len());
    }

    #[test]
    fn default_mix_leaves_sign_in_to_its_lane() {
        let m = Mix::new(&[]);
        assert_eq!(m.share(Op::SignIn), 0.0);
        assert_eq!(m.share(Op::ApiToken), 0.0);
        assert!((m.share(Op::OpenChart) - 25.0 / 154.0).abs() < 1e-9);
        assert!(m.needs_token());
        let total: f64 = Op::ALL.iter().map(|&o| m.share(o)).sum();
        assert!((total - 1.0).abs() < 1e-9);
    }

    #[test]
    fn the_public_availability_goes_without_a_token_and_fhir_with_one() {
        assert!(!Op::BednetPublic.needs_token());
        assert!(!Op::BednetBoard.needs_token());
        assert!(Op::FhirPatientSearch.needs_token());
        assert!(Op::FhirObservations.needs_token());
        assert!(Mix::new(&[Op::FhirObservations]).needs_token());
        assert!(!Mix::new(&[Op::BednetPublic]).needs_token());
        assert!(!Op::InsuranceClaims.needs_token());
        assert!([Op::BednetPublic, Op::BednetBoard, Op::FhirPatientSearch, Op::FhirObservations, Op::InsuranceClaims]
            .iter()
            .all(|o| o.weight() > 0 && !o.is_write() && !o.reads_chart()));
    }

    #[test]
    fn only_gives_equal_shares() {
        let m = Mix::new(&[Op::Register]);
        assert_eq!(m.share(Op::Register), 1.0);
        assert!(!m.needs_token());
        let mut rng = StdRng::seed_from_u64(1);
        assert!((0..100).all(|_| m.pick(&mut rng) == Op::Register));
        let m = Mix::new(&[Op::SignIn, Op::ApiVitals, Op::SignIn]);
        assert_eq!(m.share(Op::SignIn), 0.5);
        assert_eq!(m.share(Op::ApiVitals), 0.5);
        assert!(m.needs_token());
    }

    #[test]
    fn picks_follow_the_weights() {
        let m = Mix::new(&[]);
        let mut rng = StdRng::seed_from_u64(42);
        let n = 200_000;
        let charts = (0..n).filter(|_| m.pick(&mut rng) == Op::OpenChart).count();
        let expected = n as f64 * m.share(Op::OpenChart);
        assert!((charts as f64 - expected).abs() < expected * 0.03, "{charts} vs {expected}");
    }

    #[test]
    fn only_chart_reads_sample_the_cohort() {
        let a = Uuid::new_v4();
        let b = Uuid::new_v4();
        let data = Data { patients: 2, ids: vec![a], long: vec![b], long_views: 0.5, ..Default::default() };
        let mut rng = StdRng::seed_from_u64(7);
        let longs = (0..10_000).filter(|_| data.cohort(Op::VitalsPage, &mut rng) == Cohort::Long).count();
        assert!((4_500..5_500).contains(&longs), "{longs}");
        assert!((0..1_000).all(|_| data.cohort(Op::Vitals, &mut rng) == Cohort::Normal));
        assert_eq!(data.patient(Cohort::Long, &mut rng), b);
        assert_eq!(data.patient(Cohort::Normal, &mut rng), a);
        let none = Data { long: vec![], ..data };
        assert!((0..1_000).all(|_| none.cohort(Op::OpenChart, &mut rng) == Cohort::Normal));
    }
}
