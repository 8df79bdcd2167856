//! Medication safety checks: pure functions over a small, local, clearly labelled demo knowledge
//! base (`demo-1`). No I/O: the caller loads the product, the patient's active medication orders
//! and coded allergies, and gets every alert in microseconds. Every result names the knowledge
//! base and its version ("No interaction found in KB demo-1").
//!
//! DEMO DATA, NOT FOR CLINICAL USE until reviewed by the hospital's pharmacists: each rule cites
//! its public source, but the set is a few dozen well-known rules, not a licensed knowledge base.

use serde::Serialize;

/// The knowledge base's name and version, named in every result.
pub const KB_VERSION: &str = "demo-1";

/// How an alert weighs. `HardStop` refuses the order; `Severe` interrupts (an override reason is
/// required); the others are shown without interrupting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Info,
    Minor,
    Moderate,
    Severe,
    HardStop,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Minor => "minor",
            Level::Moderate => "moderate",
            Level::Severe => "severe",
            Level::HardStop => "hard_stop",
        }
    }
}

/// One finding of the checks.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PharmacyAlert {
    /// interaction, allergy, duplicate, dose or allergy_status.
    pub kind: &'static str,
    pub level: Level,
    pub message: String,
    /// The public source of the rule (empty for dose and status findings).
    pub source: &'static str,
}

/// Everything the checks found, and the knowledge base they used.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PharmacyCheckResult {
    pub kb: &'static str,
    pub alerts: Vec<PharmacyAlert>,
    /// What was checked and found clean ("No interaction found in KB demo-1").
    pub notes: Vec<String>,
}

impl PharmacyCheckResult {
    pub fn hard_stop(&self) -> bool {
        self.alerts.iter().any(|a| a.level == Level::HardStop)
    }
    /// Whether signing needs an override reason.
    pub fn interruptive(&self) -> bool {
        self.alerts.iter().any(|a| a.level == Level::Severe)
    }
}

/// One ingredient of a product and its amount per dose unit (for count units: per tablet, mL…).
#[derive(Debug, Clone)]
pub struct Part {
    pub ingredient: String,
    pub amount: f64,
    pub unit: String,
}

/// A formulary product as the checks see it.
#[derive(Debug, Clone)]
pub struct Product {
    pub code: String,
    pub name: String,
    pub route: String,
    pub dose_unit: String,
    pub max_single: Option<f64>,
    pub max_daily: Option<f64>,
    pub parts: Vec<Part>,
}

/// A medication (proposed or active) with its dose in the product's dose unit.
#[derive(Debug, Clone)]
pub struct Med {
    pub product: Product,
    pub dose: f64,
    pub per_day: f64,
    pub weekly: bool,
}

/// One allergy of the chart.
#[derive(Debug, Clone)]
pub struct AllergyFact {
    /// The coded substance (`penicillin`, `sulfonamide`…); `None` when recorded as free text.
    pub code: Option<String>,
    pub substance: String,
    pub category: String,
    /// allergy or intolerance.
    pub kind: String,
    /// The recorded reaction was anaphylaxis or a severe skin reaction (SJS/TEN, DRESS).
    pub severe_reaction: bool,
}

/// What the chart says about allergies.
#[derive(Debug, Clone)]
pub enum Allergies {
    NotRecorded,
    NoneKnown,
    Recorded(Vec<AllergyFact>),
}

/// Whether a recorded reaction text names anaphylaxis or a severe cutaneous reaction.
pub fn is_severe_reaction(text: &str) -> bool {
    let t = text.to_lowercase();
    ["anaphyla", "stevens", "sjs", "toxic epidermal", "dress", "angioedema"].iter().any(|w| t.contains(w))
        || t.split(|c: char| !c.is_alphanumeric()).any(|w| w == "ten")
}

/// Ingredients of the demo knowledge base: (code, name, classes, adult maximum per 24 h in mg).
pub const INGREDIENTS: &[(&str, &str, &[&str], Option<f64>)] = &[
    ("paracetamol", "Paracetamol", &["analgesic"], Some(4000.0)),
    ("ibuprofen", "Ibuprofen", &["nsaid"], Some(2400.0)),
    ("diclofenac", "Diclofenac", &["nsaid"], Some(150.0)),
    ("aspirin", "Aspirin", &["nsaid", "antiplatelet", "salicylate"], Some(4000.0)),
    ("codeine", "Codeine phosphate", &["opioid"], Some(240.0)),
    ("morphine", "Morphine", &["opioid"], None),
    ("tramadol", "Tramadol", &["opioid", "serotonergic"], Some(400.0)),
    ("amoxicillin", "Amoxicillin", &["penicillin", "beta_lactam"], None),
    ("clavulanic_acid", "Clavulanic acid", &["beta_lactamase_inhibitor"], None),
    ("flucloxacillin", "Flucloxacillin", &["penicillin", "beta_lactam"], None),
    ("cefalexin", "Cefalexin", &["cephalosporin", "beta_lactam"], None),
    ("ceftriaxone", "Ceftriaxone", &["cephalosporin", "beta_lactam"], None),
    ("meropenem", "Meropenem", &["carbapenem", "beta_lactam"], None),
    ("clarithromycin", "Clarithromycin", &["macrolide", "qt_prolonging", "cyp3a4_strong_inhibitor"], None),
    ("ciprofloxacin", "Ciprofloxacin", &["fluoroquinolone", "qt_prolonging"], None),
    ("sulfamethoxazole", "Sulfamethoxazole", &["sulfonamide_antibiotic"], None),
    ("trimethoprim", "Trimethoprim", &["antifolate"], None),
    ("metronidazole", "Metronidazole", &["nitroimidazole"], None),
    ("gentamicin", "Gentamicin", &["aminoglycoside"], None),
    ("furosemide", "Furosemide", &["loop_diuretic", "sulfonamide_non_antibiotic"], None),
    ("bendroflumethiazide", "Bendroflumethiazide", &["thiazide", "sulfonamide_non_antibiotic"], None),
    ("gliclazide", "Gliclazide", &["sulfonylurea", "sulfonamide_non_antibiotic"], None),
    ("spironolactone", "Spironolactone", &["potassium_sparing"], None),
    ("potassium_chloride", "Potassium chloride", &["potassium"], None),
    ("ramipril", "Ramipril", &["ace_inhibitor"], None),
    ("warfarin", "Warfarin", &["anticoagulant", "vka"], None),
    ("apixaban", "Apixaban", &["anticoagulant", "doac"], None),
    ("enoxaparin", "Enoxaparin", &["anticoagulant", "heparin"], None),
    ("heparin", "Heparin sodium", &["anticoagulant", "heparin"], None),
    ("clopidogrel", "Clopidogrel", &["antiplatelet"], None),
    ("simvastatin", "Simvastatin", &["statin_cyp3a4"], None),
    ("amiodarone", "Amiodarone", &["qt_prolonging", "antiarrhythmic"], None),
    ("digoxin", "Digoxin", &["cardiac_glycoside"], None),
    ("sertraline", "Sertraline", &["ssri", "serotonergic"], None),
    ("citalopram", "Citalopram", &["ssri", "serotonergic", "qt_prolonging"], None),
    ("ondansetron", "Ondansetron", &["antiemetic", "qt_prolonging"], None),
    ("haloperidol", "Haloperidol", &["antipsychotic", "qt_prolonging"], None),
    ("omeprazole", "Omeprazole", &["ppi"], None),
    ("metformin", "Metformin", &["biguanide"], None),
    ("insulin_soluble", "Insulin (soluble, human)", &["insulin"], None),
    ("methotrexate", "Methotrexate", &["antimetabolite"], None),
    ("salbutamol", "Salbutamol", &["beta2_agonist"], None),
    ("prednisolone", "Prednisolone", &["corticosteroid"], None),
    ("carbamazepine", "Carbamazepine", &["aromatic_anticonvulsant"], None),
    ("phenytoin", "Phenytoin", &["aromatic_anticonvulsant"], None),
    ("amlodipine", "Amlodipine", &["calcium_channel_blocker"], None),
    ("bisoprolol", "Bisoprolol", &["beta_blocker"], None),
    ("lorazepam", "Lorazepam", &["benzodiazepine"], None),
];

/// A drug–drug rule between two tags (an ingredient code or a class).
pub struct Rule {
    pub a: &'static str,
    pub b: &'static str,
    /// contraindicated, major, moderate or minor.
    pub severity: &'static str,
    pub text: &'static str,
    pub source: &'static str,
}

/// The demo interaction rules, each with its public source.
pub const RULES: &[Rule] = &[
    Rule { a: "simvastatin", b: "cyp3a4_strong_inhibitor", severity: "contraindicated",
        text: "Strong CYP3A4 inhibitors raise simvastatin levels: myopathy and rhabdomyolysis. Stop simvastatin during the course or use another statin.",
        source: "FDA Drug Safety Communication, simvastatin label changes (2011)" },
    Rule { a: "methotrexate", b: "trimethoprim", severity: "contraindicated",
        text: "Additive antifolate effect: bone-marrow suppression and pancytopenia. Avoid the combination.",
        source: "MHRA Drug Safety Update; BNF interactions (methotrexate)" },
    Rule { a: "anticoagulant", b: "nsaid", severity: "major",
        text: "Bleeding risk, notably gastrointestinal. Avoid; if unavoidable, use gastroprotection and monitor.",
        source: "NICE CKS: NSAIDs, prescribing issues; BNF interactions" },
    Rule { a: "anticoagulant", b: "antiplatelet", severity: "major",
        text: "Additive bleeding risk. Use together only with a stated indication (e.g. recent stent) and review the duration.",
        source: "ESC guidelines on antithrombotic therapy; BNF interactions" },
    Rule { a: "vka", b: "macrolide", severity: "major",
        text: "Macrolides potentiate warfarin: INR rise and bleeding. Check the INR within 3–5 days.",
        source: "Warfarin US prescribing information (Coumadin), drug interactions" },
    Rule { a: "vka", b: "metronidazole", severity: "major",
        text: "Metronidazole inhibits warfarin metabolism: marked INR rise. Reduce the warfarin dose or choose another antibiotic.",
        source: "Warfarin US prescribing information; BNF interactions" },
    Rule { a: "vka", b: "amiodarone", severity: "major",
        text: "Amiodarone raises the INR over weeks; reduce warfarin by a third to a half and monitor.",
        source: "Amiodarone US prescribing information, drug interactions" },
    Rule { a: "vka", b: "fluoroquinolone", severity: "moderate",
        text: "Ciprofloxacin may raise the INR. Monitor the INR.",
        source: "BNF interactions (warfarin, ciprofloxacin)" },
    Rule { a: "amiodarone", b: "digoxin", severity: "major",
        text: "Amiodarone roughly doubles digoxin levels. Halve the digoxin dose and monitor levels.",
        source: "Amiodarone US prescribing information, drug interactions" },
    Rule { a: "qt_prolonging", b: "qt_prolonging", severity: "major",
        text: "Two QT-prolonging drugs: risk of torsades de pointes. Check the ECG (QTc), potassium and magnesium.",
        source: "CredibleMeds QTdrugs list (known risk of TdP)" },
    Rule { a: "serotonergic", b: "serotonergic", severity: "major",
        text: "Two serotonergic drugs: risk of serotonin syndrome. Monitor for agitation, clonus, hyperthermia.",
        source: "FDA tramadol prescribing information, serotonin syndrome warning" },
    Rule { a: "ace_inhibitor", b: "potassium_sparing", severity: "major",
        text: "Hyperkalaemia. Check potassium and renal function within a week and regularly after.",
        source: "NICE NG106 (chronic heart failure); BNF interactions" },
    Rule { a: "potassium_sparing", b: "potassium", severity: "major",
        text: "Potassium supplements with a potassium-sparing diuretic: dangerous hyperkalaemia. Avoid unless hypokalaemia is documented.",
        source: "BNF interactions (spironolactone, potassium salts)" },
    Rule { a: "opioid", b: "benzodiazepine", severity: "major",
        text: "Opioid with a benzodiazepine: profound sedation, respiratory depression. Lowest doses, shortest time, monitor.",
        source: "FDA boxed warning, opioids with benzodiazepines (2016)" },
    Rule { a: "nsaid", b: "ace_inhibitor", severity: "moderate",
        text: "NSAIDs blunt the antihypertensive effect and, with a diuretic, risk acute kidney injury. Monitor renal function.",
        source: "NICE CKS: NSAIDs, prescribing issues ('triple whammy')" },
    Rule { a: "clopidogrel", b: "omeprazole", severity: "moderate",
        text: "Omeprazole reduces clopidogrel's activation (CYP2C19). Prefer pantoprazole.",
        source: "Clopidogrel (Plavix) US prescribing information; MHRA Drug Safety Update 2010" },
    Rule { a: "aminoglycoside", b: "loop_diuretic", severity: "moderate",
        text: "Additive ototoxicity and nephrotoxicity. Monitor levels and renal function.",
        source: "Gentamicin US prescribing information, warnings" },
    Rule { a: "ssri", b: "nsaid", severity: "moderate",
        text: "SSRIs with NSAIDs raise the risk of gastrointestinal bleeding. Consider gastroprotection.",
        source: "NICE CKS: depression, SSRIs and bleeding" },
];

/// The tags of an ingredient: its code and its classes.
pub fn tags(ingredient: &str) -> Vec<&str> {
    let mut t = vec![ingredient];
    if let Some((_, _, classes, _)) = INGREDIENTS.iter().find(|(c, ..)| *c == ingredient) {
        t.extend(classes.iter().copied());
    }
    t
}

fn product_tags(p: &Product) -> Vec<&str> {
    let mut t: Vec<&str> = p.parts.iter().flat_map(|i| tags(&i.ingredient)).collect();
    t.sort_unstable();
    t.dedup();
    t
}

fn ingredient_name(code: &str) -> String {
    INGREDIENTS.iter().find(|(c, ..)| *c == code).map(|(_, n, ..)| n.to_string()).unwrap_or_else(|| code.to_string())
}

fn mass(unit: &str) -> bool {
    matches!(unit, "mg" | "mcg" | "g")
}

/// Converts an amount between mass units (mg, mcg, g); `None` across kinds.
pub fn convert(amount: f64, from: &str, to: &str) -> Option<f64> {
    let f = |u: &str| match u {
        "g" => Some(1000.0),
        "mg" => Some(1.0),
        "mcg" => Some(0.001),
        _ => None,
    };
    if from == to {
        return Some(amount);
    }
    Some(amount * f(from)? / f(to)?)
}

/// A frequency code → (doses per 24 h, weekly). Unknown codes are `None`.
pub fn frequency(code: &str) -> Option<(f64, bool)> {
    Some(match code.trim().to_uppercase().as_str() {
        "OD" | "DAILY" | "MANE" | "NOCTE" | "ONCE" | "STAT" => (1.0, false),
        "BD" | "Q12H" => (2.0, false),
        "TDS" | "Q8H" => (3.0, false),
        "QDS" | "Q6H" => (4.0, false),
        "Q4H" => (6.0, false),
        "Q3H" => (8.0, false),
        "Q2H" => (12.0, false),
        "WEEKLY" => (1.0 / 7.0, true),
        _ => return None,
    })
}

/// The frequencies offered (code, label).
pub const FREQUENCIES: &[(&str, &str)] = &[
    ("OD", "Once daily"),
    ("BD", "Twice daily"),
    ("TDS", "Three times daily"),
    ("QDS", "Four times daily"),
    ("Q4H", "Every 4 hours"),
    ("Q6H", "Every 6 hours"),
    ("Q8H", "Every 8 hours"),
    ("NOCTE", "At night"),
    ("STAT", "Immediately, once"),
    ("ONCE", "Once"),
    ("WEEKLY", "Once weekly"),
];

/// The daily amount of each ingredient of a medication, in the ingredient's unit (mg for mass).
fn daily_ingredients(m: &Med) -> Vec<(String, f64, String)> {
    let p = &m.product;
    p.parts
        .iter()
        .filter_map(|i| {
            let per_dose = if mass(&p.dose_unit) {
                // A dose by mass is the (single) ingredient's mass.
                convert(m.dose, &p.dose_unit, if mass(&i.unit) { "mg" } else { &i.unit })?
            } else {
                let a = m.dose * i.amount;
                if mass(&i.unit) {
                    convert(a, &i.unit, "mg")?
                } else {
                    a
                }
            };
            let unit = if mass(&i.unit) { "mg".to_string() } else { i.unit.clone() };
            Some((i.ingredient.clone(), per_dose * m.per_day, unit))
        })
        .collect()
}

fn fmt(n: f64) -> String {
    let s = format!("{n:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn rule_level(severity: &str) -> Level {
    match severity {
        "contraindicated" | "major" => Level::Severe,
        "moderate" => Level::Moderate,
        _ => Level::Minor,
    }
}

/// Runs every check of `new` against the patient's active medications and allergies.
pub fn check(new: &Med, active: &[Med], allergies: &Allergies) -> PharmacyCheckResult {
    let mut alerts = Vec::new();
    let mut notes = Vec::new();
    let p = &new.product;

    // Dose: absolute maxima are hard stops; oral methotrexate is weekly only.
    if let Some(max) = p.max_single {
        if new.dose > max + 1e-9 {
            alerts.push(PharmacyAlert {
                kind: "dose",
                level: Level::HardStop,
                message: format!(
                    "{} {} is above the absolute maximum single dose of {} {} for {}.",
                    fmt(new.dose),
                    p.dose_unit,
                    fmt(max),
                    p.dose_unit,
                    p.name
                ),
                source: "",
            });
        }
    }
    if let Some(max) = p.max_daily {
        let daily = new.dose * new.per_day;
        if daily > max + 1e-9 && !new.weekly {
            alerts.push(PharmacyAlert {
                kind: "dose",
                level: Level::HardStop,
                message: format!(
                    "{} {} a day is above the absolute maximum daily dose of {} {} for {}.",
                    fmt(daily),
                    p.dose_unit,
                    fmt(max),
                    p.dose_unit,
                    p.name
                ),
                source: "",
            });
        }
    }
    if p.parts.iter().any(|i| i.ingredient == "methotrexate") && p.route == "PO" && !new.weekly {
        alerts.push(PharmacyAlert {
            kind: "dose",
            level: Level::HardStop,
            message: "Oral methotrexate is given once weekly; a daily frequency is refused.".into(),
            source: "NPSA/2006/13 alert, oral methotrexate",
        });
    }

    // Drug–drug interactions: the first matching rule per pair of products.
    let new_tags = product_tags(p);
    let mut found = false;
    for other in active {
        let other_tags = product_tags(&other.product);
        let hit = RULES.iter().find(|r| {
            (new_tags.contains(&r.a) && other_tags.contains(&r.b))
                || (new_tags.contains(&r.b) && other_tags.contains(&r.a))
        });
        if let Some(r) = hit {
            found = true;
            alerts.push(PharmacyAlert {
                kind: "interaction",
                level: rule_level(r.severity),
                message: format!("{} with {} ({}): {}", p.name, other.product.name, r.severity, r.text),
                source: r.source,
            });
        }
    }
    if !found {
        notes.push(format!("No interaction found in KB {KB_VERSION}."));
    }

    // Duplicate ingredient, with the cumulative daily maximum across all orders; duplicate class.
    let new_daily = daily_ingredients(new);
    for (ing, amount, unit) in &new_daily {
        let mut total = *amount;
        let mut with = Vec::new();
        for other in active {
            for (oi, oa, _) in daily_ingredients(other) {
                if &oi == ing {
                    total += oa;
                    with.push(other.product.name.clone());
                }
            }
        }
        if with.is_empty() {
            continue;
        }
        let name = ingredient_name(ing);
        alerts.push(PharmacyAlert {
            kind: "duplicate",
            level: Level::Moderate,
            message: format!("Duplicate ingredient: {name} is also in {}.", with.join(", ")),
            source: "",
        });
        let max = INGREDIENTS.iter().find(|(c, ..)| c == ing).and_then(|(.., m)| *m);
        if let Some(max) = max {
            if unit == "mg" && total > max + 1e-9 {
                alerts.push(PharmacyAlert {
                    kind: "duplicate",
                    level: Level::Severe,
                    message: format!(
                        "Cumulative {name} across all orders is {} mg a day, above the maximum of {} mg.",
                        fmt(total),
                        fmt(max)
                    ),
                    source: "BNF adult maximum daily dose",
                });
            }
        }
    }
    for class in ["opioid", "nsaid", "ssri", "anticoagulant", "penicillin", "cephalosporin", "macrolide"] {
        if new_tags.contains(&class) {
            let dups: Vec<String> = active
                .iter()
                .filter(|o| product_tags(&o.product).contains(&class))
                .filter(|o| !o.product.parts.iter().any(|i| p.parts.iter().any(|j| j.ingredient == i.ingredient)))
                .map(|o| o.product.name.clone())
                .collect();
            if !dups.is_empty() {
                alerts.push(PharmacyAlert {
                    kind: "duplicate",
                    level: Level::Info,
                    message: format!(
                        "Same class ({}) as {}; intended when one is scheduled and one PRN.",
                        class.replace('_', " "),
                        dups.join(", ")
                    ),
                    source: "",
                });
            }
        }
    }

    // Allergies.
    match allergies {
        Allergies::NotRecorded => alerts.push(PharmacyAlert {
            kind: "allergy_status",
            level: Level::Moderate,
            message: "Allergies not recorded: ask the patient and record them (or no known allergies).".into(),
            source: "",
        }),
        Allergies::NoneKnown => notes.push("No known allergies recorded.".into()),
        Allergies::Recorded(list) => {
            let before = alerts.len();
            for a in list {
                match &a.code {
                    None if a.category == "drug" || a.category == "other" => alerts.push(PharmacyAlert {
                        kind: "allergy",
                        level: Level::Info,
                        message: format!("Allergy \u{201c}{}\u{201d} not coded — not checked.", a.substance),
                        source: "",
                    }),
                    None => {}
                    Some(code) => {
                        if let Some(alert) = allergy_alert(p, &new_tags, a, code) {
                            alerts.push(alert);
                        }
                    }
                }
            }
            if !alerts[before..].iter().any(|a| a.kind == "allergy" && a.level > Level::Info) {
                notes.push(format!("No allergy conflict found in KB {KB_VERSION}."));
            }
        }
    }
    alerts.sort_by_key(|a| std::cmp::Reverse(a.level));
    PharmacyCheckResult { kb: KB_VERSION, alerts, notes }
}

/// The tags a coded allergen matches directly; sulfonamide antibiotics never match the
/// non-antibiotic sulfonamides (furosemide, thiazides, sulfonylureas).
fn allergen_tags(code: &str) -> &'static [&'static str] {
    match code {
        "penicillin" | "amoxicillin" => &["penicillin"],
        "cephalosporin" => &["cephalosporin"],
        "sulfonamide" => &["sulfonamide_antibiotic"],
        "macrolide" => &["macrolide"],
        "fluoroquinolone" => &["fluoroquinolone"],
        "aspirin" => &["aspirin"],
        "nsaid" => &["nsaid"],
        "codeine" => &["codeine"],
        "morphine" => &["morphine"],
        "opioid" => &["opioid"],
        "ace_inhibitor" => &["ace_inhibitor"],
        "heparin" => &["heparin"],
        "anticonvulsant" => &["aromatic_anticonvulsant"],
        _ => &[],
    }
}

const ALLERGY_SOURCE: &str = "AAAAI/ACAAI drug allergy practice parameter (2022)";

fn allergy_alert(p: &Product, tags: &[&str], a: &AllergyFact, code: &str) -> Option<PharmacyAlert> {
    let direct = allergen_tags(code).iter().any(|t| tags.contains(t));
    if direct {
        let level = if a.kind == "intolerance" { Level::Moderate } else { Level::Severe };
        return Some(PharmacyAlert {
            kind: "allergy",
            level,
            message: format!(
                "{} contains a substance the patient is recorded {} to: {}{}.",
                p.name,
                if a.kind == "intolerance" { "intolerant" } else { "allergic" },
                a.substance,
                if a.severe_reaction { " (severe reaction recorded)" } else { "" }
            ),
            source: ALLERGY_SOURCE,
        });
    }
    // Cross-sensitivity.
    if matches!(code, "penicillin" | "amoxicillin") && a.kind != "intolerance" {
        if tags.contains(&"cephalosporin") {
            return Some(PharmacyAlert {
                kind: "allergy",
                level: if a.severe_reaction { Level::Severe } else { Level::Moderate },
                message: format!(
                    "Penicillin allergy and {}: cross-reactivity about 1–2 % (side-chain driven){}.",
                    p.name,
                    if a.severe_reaction { "; anaphylaxis or a severe skin reaction was recorded" } else { "" }
                ),
                source: ALLERGY_SOURCE,
            });
        }
        if tags.contains(&"carbapenem") {
            return Some(PharmacyAlert {
                kind: "allergy",
                level: if a.severe_reaction { Level::Moderate } else { Level::Minor },
                message: format!("Penicillin allergy and {}: cross-reactivity below 1 %.", p.name),
                source: ALLERGY_SOURCE,
            });
        }
    }
    if code == "aspirin" && tags.contains(&"nsaid") {
        return Some(PharmacyAlert {
            kind: "allergy",
            level: Level::Moderate,
            message: format!("Aspirin allergy and {}: NSAIDs may cross-react (NSAID-exacerbated disease).", p.name),
            source: ALLERGY_SOURCE,
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn product(code: &str, unit: &str, parts: &[(&str, f64, &str)], max: (Option<f64>, Option<f64>)) -> Product {
        Product {
            code: code.into(),
            name: code.into(),
            route: "PO".into(),
            dose_unit: unit.into(),
            max_single: max.0,
            max_daily: max.1,
            parts: parts
                .iter()
                .map(|(i, a, u)| Part { ingredient: i.to_string(), amount: *a, unit: u.to_string() })
                .collect(),
        }
    }
    fn med(p: Product, dose: f64, freq: &str) -> Med {
        let (per_day, weekly) = frequency(freq).unwrap();
        Med { product: p, dose, per_day, weekly }
    }
    fn allergy(code: Option<&str>, text: &str, kind: &str, reaction: &str) -> AllergyFact {
        AllergyFact {
            code: code.map(str::to_string),
            substance: text.into(),
            category: "drug".into(),
            kind: kind.into(),
            severe_reaction: is_severe_reaction(reaction),
        }
    }
    fn paracetamol() -> Product {
        product("PARA", "mg", &[("paracetamol", 500.0, "mg")], (Some(1000.0), Some(4000.0)))
    }
    fn cocodamol() -> Product {
        product("COCO", "tablet", &[("paracetamol", 500.0, "mg"), ("codeine", 30.0, "mg")], (Some(2.0), Some(8.0)))
    }

    #[test]
    fn a_clean_order_names_the_knowledge_base() {
        let r = check(&med(paracetamol(), 1000.0, "QDS"), &[], &Allergies::NoneKnown);
        assert!(r.alerts.is_empty(), "{:?}", r.alerts);
        assert!(r.notes.contains(&"No interaction found in KB demo-1.".to_string()));
        assert!(r.notes.contains(&"No known allergies recorded.".to_string()));
    }

    #[test]
    fn not_recorded_is_told_apart_from_none_known() {
        let r = check(&med(paracetamol(), 500.0, "OD"), &[], &Allergies::NotRecorded);
        assert_eq!(r.alerts[0].kind, "allergy_status");
        assert!(!r.interruptive());
    }

    #[test]
    fn a_dose_above_the_absolute_maximum_is_a_hard_stop() {
        assert!(check(&med(paracetamol(), 1500.0, "OD"), &[], &Allergies::NoneKnown).hard_stop());
        assert!(check(&med(paracetamol(), 1000.0, "Q4H"), &[], &Allergies::NoneKnown).hard_stop(), "6 g a day");
        // mg vs mcg: 1 g converts to 1000 mg, fine; 1,000,000 mcg too.
        assert_eq!(convert(1.0, "g", "mg"), Some(1000.0));
        assert_eq!(convert(500.0, "mcg", "mg"), Some(0.5));
        assert_eq!(convert(1.0, "mL", "mg"), None);
    }

    #[test]
    fn oral_methotrexate_is_weekly_only() {
        let mtx = product("MTX", "mg", &[("methotrexate", 2.5, "mg")], (Some(25.0), None));
        assert!(check(&med(mtx.clone(), 10.0, "OD"), &[], &Allergies::NoneKnown).hard_stop());
        assert!(!check(&med(mtx, 10.0, "WEEKLY"), &[], &Allergies::NoneKnown).hard_stop());
    }

    #[test]
    fn duplicate_paracetamol_across_products_sums_to_the_daily_maximum() {
        let active = [med(cocodamol(), 2.0, "QDS")]; // 4 g paracetamol a day
        let r = check(&med(paracetamol(), 1000.0, "QDS"), &active, &Allergies::NoneKnown);
        assert!(r.alerts.iter().any(|a| a.kind == "duplicate" && a.message.contains("Paracetamol is also in COCO")));
        assert!(r.interruptive(), "8 g a day: {:?}", r.alerts);
        let r = check(&med(paracetamol(), 500.0, "OD"), &[med(cocodamol(), 1.0, "TDS")], &Allergies::NoneKnown);
        assert!(!r.interruptive(), "2 g a day is within the maximum");
    }

    #[test]
    fn interactions_have_severity_and_source() {
        let warfarin = product("WARF", "mg", &[("warfarin", 1.0, "mg")], (None, None));
        let ibu = product("IBU", "mg", &[("ibuprofen", 400.0, "mg")], (None, None));
        let r = check(&med(ibu, 400.0, "TDS"), &[med(warfarin, 5.0, "OD")], &Allergies::NoneKnown);
        let a = r.alerts.iter().find(|a| a.kind == "interaction").unwrap();
        assert_eq!(a.level, Level::Severe);
        assert!(a.source.contains("NICE"));
        let clari = product("CLARI", "mg", &[("clarithromycin", 500.0, "mg")], (None, None));
        let simva = product("SIMVA", "mg", &[("simvastatin", 40.0, "mg")], (None, None));
        let r = check(&med(clari, 500.0, "BD"), &[med(simva, 40.0, "NOCTE")], &Allergies::NoneKnown);
        assert!(r.alerts.iter().any(|a| a.message.contains("contraindicated")));
    }

    #[test]
    fn penicillin_allergy_against_co_amoxiclav_interrupts() {
        let coamox = product(
            "COAMOX",
            "tablet",
            &[("amoxicillin", 500.0, "mg"), ("clavulanic_acid", 125.0, "mg")],
            (None, None),
        );
        let al = Allergies::Recorded(vec![allergy(Some("penicillin"), "Penicillins", "allergy", "rash")]);
        let r = check(&med(coamox, 1.0, "TDS"), &[], &al);
        assert!(r.interruptive(), "{:?}", r.alerts);
    }

    #[test]
    fn penicillin_to_cephalosporin_interrupts_only_after_anaphylaxis_or_severe_skin() {
        let cef = product("CEF", "mg", &[("cefalexin", 500.0, "mg")], (None, None));
        let rash = Allergies::Recorded(vec![allergy(Some("penicillin"), "Penicillins", "allergy", "mild rash")]);
        let r = check(&med(cef.clone(), 500.0, "QDS"), &[], &rash);
        assert!(!r.interruptive() && r.alerts.iter().any(|a| a.kind == "allergy" && a.level == Level::Moderate));
        let ana = Allergies::Recorded(vec![allergy(Some("penicillin"), "Penicillins", "allergy", "Anaphylaxis")]);
        assert!(check(&med(cef.clone(), 500.0, "QDS"), &[], &ana).interruptive());
        let sjs = Allergies::Recorded(vec![allergy(Some("amoxicillin"), "Amoxicillin", "allergy", "Stevens-Johnson")]);
        assert!(check(&med(cef, 500.0, "QDS"), &[], &sjs).interruptive());
    }

    #[test]
    fn sulfonamide_antibiotic_allergy_does_not_alert_on_furosemide_thiazide_or_sulfonylurea() {
        let al = Allergies::Recorded(vec![allergy(
            Some("sulfonamide"),
            "Sulfonamide antibiotics",
            "allergy",
            "Anaphylaxis",
        )]);
        for ing in ["furosemide", "bendroflumethiazide", "gliclazide"] {
            let p = product(ing, "mg", &[(ing, 40.0, "mg")], (None, None));
            let r = check(&med(p, 40.0, "OD"), &[], &al);
            assert!(r.alerts.iter().all(|a| a.kind != "allergy"), "{ing}: {:?}", r.alerts);
        }
        let cotrim = product(
            "COTRIM",
            "tablet",
            &[("sulfamethoxazole", 800.0, "mg"), ("trimethoprim", 160.0, "mg")],
            (None, None),
        );
        assert!(check(&med(cotrim, 1.0, "BD"), &[], &al).interruptive());
    }

    #[test]
    fn a_free_text_allergy_is_not_checked_and_says_so() {
        let al = Allergies::Recorded(vec![AllergyFact {
            code: None,
            substance: "the blue antibiotic".into(),
            category: "drug".into(),
            kind: "allergy".into(),
            severe_reaction: false,
        }]);
        let r = check(&med(paracetamol(), 500.0, "OD"), &[], &al);
        assert!(r.alerts.iter().any(|a| a.message.contains("not coded — not checked")));
    }

    #[test]
    fn frequencies_parse_or_are_refused() {
        assert_eq!(frequency("tds"), Some((3.0, false)));
        assert_eq!(frequency("every now and then"), None);
    }

    #[test]
    fn the_checks_run_in_well_under_a_millisecond_for_fifteen_medicines() {
        let active: Vec<Med> = INGREDIENTS
            .iter()
            .take(15)
            .map(|(c, ..)| med(product(c, "mg", &[(c, 10.0, "mg")], (None, None)), 10.0, "OD"))
            .collect();
        let al = Allergies::Recorded(
            ["penicillin", "sulfonamide", "aspirin", "codeine", "heparin"]
                .iter()
                .map(|c| allergy(Some(c), c, "allergy", "rash"))
                .collect(),
        );
        let t = std::time::Instant::now();
        for _ in 0..100 {
            check(&med(paracetamol(), 500.0, "QDS"), &active, &al);
        }
        assert!(t.elapsed().as_millis() < 1000);
    }
}
