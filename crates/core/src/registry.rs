//! The module registry: how a module plugs into Hearth.
//!
//! Each module exports one [`Module`] descriptor; the application lists them once (the
//! `MODULES` list of the `hearth` crate) and everything that used to walk a hand-kept list walks
//! the registry instead: routers, navigation, permissions and their default grants, Ctrl+K
//! search, chart tabs, the timeline, patient merge and export, key rotation, job handlers and
//! schedules, notification kinds, reference data and the demo seeder. Platform code reads the
//! registry from [`AppState`]; it never imports a module (a test enforces it).
//!
//! A descriptor is a `const`: start from [`Module::new`] and fill in what the module has.
//!
//! ```ignore
//! pub const MODULE: Module = Module {
//!     pages: pages::routes,
//!     permissions: perms::ALL,
//!     ..Module::new("lab", "Laboratory")
//! };
//! ```

use futures_util::future::BoxFuture;
use serde_json::Value;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::api::ApiRoutes;
use crate::app::AppState;
use crate::error::AppResult;
use crate::platform::audit::AuditMeta;
use crate::platform::auth::CurrentUser;
use crate::platform::jobs::{Job, Outcome, Schedule};
use crate::platform::rbac::Perm;
use crate::platform::routes::Routes;
use crate::web::search;

/// One module's descriptor. Fields a module does not use keep [`Module::new`]'s empty values.
pub struct Module {
    /// Short lower-case name: the template folder, the prefix of audit actions and permission
    /// codes, the key of its export sections.
    pub name: &'static str,
    /// Human name (admin pages, docs).
    pub title: &'static str,
    /// Browser pages (session cookie, CSRF, HTML errors). Paths are recorded for tests.
    pub pages: fn() -> Routes,
    /// Routes outside the session and API pipelines: provider callbacks authenticated by their
    /// own signature, public pages. No session, no CSRF check, no bearer token.
    pub public: fn() -> Routes,
    /// JSON API routes under `/api/v1` (bearer token, problem+json), method and path recorded.
    pub api: fn() -> ApiRoutes,
    /// The module's part of the OpenAPI document (`/api/openapi.json`).
    pub openapi: fn() -> utoipa::openapi::OpenApi,
    /// Entries of the main navigation, shown to users holding `perm` (or to everyone).
    pub nav: &'static [NavEntry],
    /// Permissions the module checks, with the roles that hold them in a new installation.
    pub permissions: &'static [PermDef],
    /// Ctrl+K search provider (returns `None` for users who may not search the module).
    pub search: Option<search::Provider>,
    /// Tabs of the patient chart.
    pub chart_tabs: &'static [ChartTab],
    /// The module's entries of the patient timeline (one per kind of event).
    pub timeline: &'static [TimelineSource],
    /// The module's part of the patient banner (read in the banner's one query).
    pub banner: Option<BannerPart>,
    /// Every table with a column referencing `patients(id)`, and what a merge does with it.
    pub patient_tables: &'static [PatientTable],
    /// Steps a merge runs beyond moving rows (one row per patient, flags to combine), each with
    /// its inverse for an unmerge.
    pub merge_steps: &'static [MergeStep],
    /// What an unmerge of a merge would meet in this module, listed to the user before they
    /// confirm (a message already sent, a note signed since the merge…); a note with `blocks`
    /// refuses the unmerge (a finalised invoice…). Also checked again inside the unmerge.
    pub unmerge_notes: Option<UnmergeNotes>,
    /// The module's sections of the whole-record export.
    pub export: Option<ExportSections>,
    /// Columns holding field-encrypted values (re-encrypted by `hearth keys rotate`).
    pub encrypted_columns: &'static [EncryptedColumn],
    /// Job kinds the module handles.
    pub jobs: &'static [JobDef],
    /// Recurring jobs the module runs.
    pub schedules: fn() -> Vec<Schedule>,
    /// Notification kinds users can choose channels for.
    pub notification_kinds: &'static [NotificationKind],
    /// Reference data loaded after migrations (idempotent), e.g. code lists.
    pub reference_data: Option<ReferenceLoader>,
    /// Demo data (`hearth demo` only), run in the demo seeder's transaction after the network
    /// (facilities, accounts, patients) exists.
    pub demo: Option<DemoSeeder>,
    /// Runs on the transaction that records a patient's death: the module cancels what must not
    /// happen any more (pending orders, appointments, reminders…).
    pub on_death: Option<DeathHook>,
    /// Whether a patient may receive messages on a channel (the registry's consent record).
    pub messaging_consent: Option<ConsentCheck>,
    /// What to tell the user when one of the module's database constraints refuses a write:
    /// `(constraint name, message)`. A violation answers 409 (unique, exclusion) or 422 (foreign
    /// key, CHECK, NOT NULL) with this message; a constraint without one gets a generic message.
    pub constraint_messages: &'static [(&'static str, &'static str)],
    /// Kinds of clinical alert the module raises (through the alerts service), each with its
    /// default escalation chain; administrators may change a kind's chain.
    pub alert_kinds: &'static [AlertKind],
    /// Who looks after a patient now (the chart's attending clinician of the open encounters…),
    /// read by services that address people about a patient (the clinical alerts).
    pub care_providers: Option<CareProviders>,
    /// Fragments of the page layout fetched with htmx on every page for users holding `perm`
    /// and refreshed by a live event (the alerts banner).
    pub layout_fragments: &'static [LayoutFragment],
    /// Kinds of order the module places through the orders core (`hearth-orders`): lab tests,
    /// imaging, medications… Each names its sign permission and the module's catalogue and
    /// create function (which the core calls for its generic order form and for order sets).
    pub order_kinds: &'static [OrderKind],
    /// Panels of the start page (`/`), shown to holders of their permission: work waiting for
    /// the user (orders to countersign, results to sign off, open alerts…).
    pub start_panels: &'static [StartPanel],
    /// The module's message catalogues: `(language, FTL source)`, embedded with
    /// `include_str!("../../../locales/<lang>/<module>.ftl")`. Keys start with the module's name
    /// (`immunizations-…`); see [`crate::i18n`] and docs/i18n.md.
    pub messages: &'static [(&'static str, &'static str)],
}

impl Module {
    /// A descriptor with nothing but a name: every list empty, no routes.
    pub const fn new(name: &'static str, title: &'static str) -> Module {
        Module {
            name,
            title,
            pages: Routes::empty,
            public: Routes::empty,
            api: ApiRoutes::empty,
            openapi: empty_openapi,
            nav: &[],
            permissions: &[],
            search: None,
            chart_tabs: &[],
            banner: None,
            timeline: &[],
            patient_tables: &[],
            merge_steps: &[],
            unmerge_notes: None,
            export: None,
            encrypted_columns: &[],
            jobs: &[],
            schedules: Vec::new,
            notification_kinds: &[],
            reference_data: None,
            demo: None,
            on_death: None,
            messaging_consent: None,
            constraint_messages: &[],
            alert_kinds: &[],
            care_providers: None,
            layout_fragments: &[],
            order_kinds: &[],
            start_panels: &[],
            messages: &[],
        }
    }
}

fn empty_openapi() -> utoipa::openapi::OpenApi {
    utoipa::openapi::OpenApiBuilder::new().build()
}

/// A navigation entry.
#[derive(Debug, Clone, Copy)]
pub struct NavEntry {
    pub label: &'static str,
    pub href: &'static str,
    /// Shown only to holders of this permission; `None`: to every signed-in user.
    pub perm: Option<Perm>,
    /// Position in the navigation (lower first); ties keep registry order.
    pub order: i32,
}

/// A permission a module declares.
#[derive(Debug, Clone, Copy)]
pub struct PermDef {
    pub perm: Perm,
    pub description: &'static str,
    /// Roles granted it when the permission first appears in a database (`super_admin` always
    /// holds every permission). Later changes are the administrators' (Roles page).
    pub default_roles: &'static [&'static str],
}

/// A tab of the patient chart.
#[derive(Debug, Clone, Copy)]
pub struct ChartTab {
    /// Section key (the chart page's `section`, the audit `chart.view` section).
    pub key: &'static str,
    pub label: &'static str,
    /// Path below `/patients/{id}/`.
    pub suffix: &'static str,
    /// Position among the tabs (lower first).
    pub order: i32,
}

/// One kind of entry of the patient timeline. The timeline is one statement: every source's
/// `select` becomes a branch of a `UNION ALL`, each ordered and limited by its own
/// `(at, id)` so each branch reads its `(patient_id, time, id)` index and stops early.
pub struct TimelineSource {
    /// The entry kind (`encounter`, `note`…), unique across modules.
    pub kind: &'static str,
    /// How the kind reads on the page ("Encounter").
    pub label: &'static str,
    /// `SELECT <at>, '<kind>', <id>, <title>, <detail>, <status> FROM … WHERE <patient column> = $1`
    /// (those six columns, in that order, of types timestamptz, text, uuid, text, text, text;
    /// no ORDER BY, no LIMIT; the WHERE clause is extended with `AND` for paging).
    pub select: &'static str,
    /// The entry's time and id expressions, for paging and order (`e.starts_at`, `e.id`).
    pub at: &'static str,
    pub id: &'static str,
    /// The entry's page: `{patient}` and `{id}` are replaced.
    pub href: &'static str,
}

/// A module's part of the patient banner. The registry's banner query selects every module's
/// `sql` beside the patient row and the access check, so the whole banner is one round trip.
pub struct BannerPart {
    /// A SQL expression returning `jsonb`, evaluated with the patient row aliased `p` (e.g.
    /// `(SELECT jsonb_agg(…) FROM allergies a WHERE a.patient_id = p.id)`). Read only.
    pub sql: &'static str,
    /// Turns that value into banner groups and alerts.
    pub render: fn(&Value) -> BannerContribution,
    /// Position among the banner's groups (lower first).
    pub order: i32,
}

/// What a module adds to the banner.
#[derive(Debug, Clone, Default)]
pub struct BannerContribution {
    pub groups: Vec<BannerGroup>,
    /// Red alerts under the banner (life-threatening allergy, isolation…).
    pub alerts: Vec<String>,
}

/// A labelled group of the banner ("Allergies": penicillin · severe, latex · mild).
#[derive(Debug, Clone)]
pub struct BannerGroup {
    pub label: &'static str,
    pub items: Vec<BannerItem>,
}

/// One item of a banner group, with a level that sets its colour; the text says it too.
#[derive(Debug, Clone)]
pub struct BannerItem {
    /// The text in English (what shows when `key` is empty or a language lacks it).
    pub text: String,
    pub level: Level,
    /// A message key for a fixed text (`ehr-banner-none-active`), translated on the page; empty
    /// for a text built from data.
    pub key: &'static str,
}

impl BannerItem {
    /// An item whose text is built from data (shown as it is).
    pub fn text(text: impl Into<String>, level: Level) -> BannerItem {
        BannerItem { text: text.into(), level, key: "" }
    }

    /// A fixed text with its message key (shown in the page's language).
    pub fn keyed(key: &'static str, english: &str, level: Level) -> BannerItem {
        BannerItem { text: english.to_string(), level, key }
    }
}

/// How much an item matters (shown as a badge colour, never by colour alone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Ok,
    Muted,
    Warn,
    Danger,
}

impl Level {
    /// The badge class of the level (`badge-ok`…).
    pub fn badge(&self) -> &'static str {
        match self {
            Level::Ok => "badge-ok",
            Level::Muted => "badge-muted",
            Level::Warn => "badge-warn",
            Level::Danger => "badge-danger",
        }
    }
}

/// What a merge does with a table's rows of the merged record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnMerge {
    /// The rows move to the surviving record (`UPDATE … SET column = survivor`).
    Follow,
    /// The rows stay with the merged record, deliberately (e.g. access logs); the reason says why.
    Keep(&'static str),
    /// A [`MergeStep`] of the same module handles the table (one row per patient and the like).
    Custom,
}

/// A column referencing `patients(id)`.
#[derive(Debug, Clone, Copy)]
pub struct PatientTable {
    pub table: &'static str,
    pub column: &'static str,
    pub on_merge: OnMerge,
    /// The column that identifies one row (unique; `"id"` for almost every table). A merge
    /// records the keys of the rows it moves (`OnMerge::Follow`) so that an unmerge moves exactly
    /// those back. Unused for `Keep` and `Custom` tables (name their key anyway).
    pub key: &'static str,
}

/// A merge step: runs on the merge's transaction with `(survivor, merged)` and returns the rows
/// it moved (for the merge's audit record) and the data its `undo` needs; `undo` reverses it on
/// an unmerge's transaction, with the merge's record (its own data in
/// [`MergeRecord::step_data`]), and returns the rows it moved back.
pub struct MergeStep {
    pub name: &'static str,
    pub run: for<'a> fn(&'a mut PgConnection, Uuid, Uuid) -> BoxFuture<'a, sqlx::Result<StepOutcome>>,
    pub undo: for<'a> fn(&'a mut PgConnection, &'a MergeRecord) -> BoxFuture<'a, sqlx::Result<u64>>,
}

/// What a merge step did: rows moved, and what it keeps for its undo (JSON, no PHI: ids, times,
/// flags; stored in the merge log).
#[derive(Debug, Clone, Default)]
pub struct StepOutcome {
    pub moved: u64,
    pub data: Value,
}

impl StepOutcome {
    pub fn new(moved: u64, data: Value) -> StepOutcome {
        StepOutcome { moved, data }
    }
}

/// One merge as its log recorded it, handed to merge steps' `undo` and to `unmerge_notes`.
#[derive(Debug, Clone)]
pub struct MergeRecord {
    pub id: Uuid,
    pub survivor: Uuid,
    pub merged: Uuid,
    pub merged_at: time::OffsetDateTime,
    /// The rows going back to the merged record, by table: the keys (as text) of the rows the
    /// merge moved, plus, during an unmerge, rows created on the survivor since that the user
    /// chose to move as well.
    pub moved: std::collections::BTreeMap<String, Vec<String>>,
    /// Every step's data, by step name (what its `run` returned).
    pub steps: serde_json::Map<String, Value>,
}

impl MergeRecord {
    /// A step's own data (`null` when it kept none).
    pub fn step_data(&self, step: &str) -> &Value {
        self.steps.get(step).unwrap_or(&Value::Null)
    }

    /// Every moved key that is a UUID, whatever its table (for a ledger that follows the rows it
    /// refers to).
    pub fn moved_ids(&self) -> Vec<Uuid> {
        self.moved.values().flatten().filter_map(|k| Uuid::parse_str(k).ok()).collect()
    }
}

/// Something an unmerge meets in a module, shown to the user before they confirm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnmergeNote {
    pub text: String,
    /// The unmerge is refused while this holds.
    pub blocks: bool,
}

impl UnmergeNote {
    /// A complication: the user reads it and may go ahead.
    pub fn warn(text: impl Into<String>) -> UnmergeNote {
        UnmergeNote { text: text.into(), blocks: false }
    }
    /// A blocker: the unmerge is refused.
    pub fn block(text: impl Into<String>) -> UnmergeNote {
        UnmergeNote { text: text.into(), blocks: true }
    }
}

/// A module's notes on an unmerge (read-only; runs on the unmerge's transaction at confirmation).
pub type UnmergeNotes =
    for<'a> fn(&'a mut PgConnection, &'a MergeRecord) -> BoxFuture<'a, sqlx::Result<Vec<UnmergeNote>>>;

/// A module's sections of the whole-record export.
pub struct ExportSections {
    /// Section names, in order (listed as omitted when the caller may not read them).
    pub sections: &'static [&'static str],
    /// The permission that lets a caller export them.
    pub perm: Perm,
    /// Returns a JSON object with exactly those keys.
    pub fetch: for<'a> fn(&'a AppState, Uuid) -> BoxFuture<'a, AppResult<Value>>,
}

/// A field-encrypted column: `table.column` (bytea) keyed by the uuid column `key`, with the
/// associated data its values are encrypted with.
#[derive(Debug, Clone, Copy)]
pub struct EncryptedColumn {
    pub table: &'static str,
    pub key: &'static str,
    pub column: &'static str,
    pub aad: Aad,
}

/// The associated data of an encrypted column's values.
#[derive(Debug, Clone, Copy)]
pub enum Aad {
    /// The same for every row (by convention `table.field`).
    Column(&'static str),
    /// This prefix followed by the row's key (binds a value to its row).
    Row(&'static str),
}

impl Aad {
    pub fn for_row(&self, key: Uuid) -> String {
        match self {
            Aad::Column(a) => a.to_string(),
            Aad::Row(prefix) => format!("{prefix}{key}"),
        }
    }
}

/// A job handler.
pub struct JobDef {
    pub kind: &'static str,
    pub run: fn(AppState, Job) -> BoxFuture<'static, Outcome>,
}

/// A notification kind: code, label, and whether email is on by default.
#[derive(Debug, Clone, Copy)]
pub struct NotificationKind {
    pub code: &'static str,
    pub label: &'static str,
    pub email_by_default: bool,
}

/// A kind of clinical alert (`<module>.<what>`, e.g. `lab.critical_value`) and its default chain:
/// who is told first and, while nobody acknowledges, who next (see `docs/modules.md`, "Clinical
/// alerts").
#[derive(Debug, Clone, Copy)]
pub struct AlertKind {
    pub kind: &'static str,
    pub label: &'static str,
    pub default_chain: &'static [AlertStep],
}

/// One step of an escalation chain: whom to tell, and how many minutes they have to acknowledge
/// before the next step (the last step's minutes are unused).
#[derive(Debug, Clone, Copy)]
pub struct AlertStep {
    pub to: AlertAddressee,
    pub minutes: u32,
}

/// Whom a step of an escalation chain addresses, resolved when the step fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertAddressee {
    /// The person the raising module names (the ordering clinician…).
    Given,
    /// The patient's attending clinicians (the registry's care providers with role `attending`).
    Attending,
    /// The nurses assigned to the patient for the current shift.
    AssignedNurse,
    /// Whoever is on call for this duty (`doctor`, `charge_nurse`…) in the alert's department,
    /// else its facility.
    OnCall(&'static str),
}

/// Someone looking after a patient now: `role` is `attending` for an encounter's clinician.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CareProvider {
    pub role: &'static str,
    pub user_id: Uuid,
}

/// The care providers of a patient, read on the caller's connection (transaction).
pub type CareProviders = for<'a> fn(&'a mut PgConnection, Uuid) -> BoxFuture<'a, sqlx::Result<Vec<CareProvider>>>;

/// A fragment of every page's layout: an element `id` whose content is fetched from `href` when
/// the page loads and again on each live event `event` (no PHI in the event; the fragment
/// itself is fetched with the session).
#[derive(Debug, Clone, Copy)]
pub struct LayoutFragment {
    pub id: &'static str,
    pub href: &'static str,
    pub event: &'static str,
    pub perm: Option<Perm>,
}

/// A kind of order (lab test, imaging study, medication, immunization…), declared by the module
/// that owns its catalogue and detail rows. The orders core (`hearth-orders`) owns the header,
/// the lifecycle, signing and the chart view; see `docs/modules.md`, "Orders".
pub struct OrderKind {
    /// Unique across modules (`lab_test`, `imaging`, `immunization`); stored on the header.
    pub kind: &'static str,
    pub label: &'static str,
    /// The owning module's name (its `Module::name`).
    pub module: &'static str,
    /// Who may place and sign orders of this kind (and hold, resume or revoke them).
    pub sign_perm: Perm,
    /// Up to `limit` `(code, display)` entries of the kind's catalogue matching a text
    /// (`""`: the first ones), for pickers.
    pub catalogue: CatalogueSearch,
    /// The display text of an orderable code, `None` when the catalogue has no such active code.
    pub lookup: for<'a> fn(&'a mut PgConnection, &'a str) -> BoxFuture<'a, sqlx::Result<Option<String>>>,
    /// Places an order of this kind on the caller's transaction: the module checks the request
    /// against its catalogue, writes its detail row (if it has one) and the header through
    /// the orders core's `place`, and returns the order's id. A refusal is an `AppError` (field
    /// errors name `code`, `options`…); the caller rolls the whole transaction back.
    pub create: for<'a> fn(&'a mut PgConnection, &'a AuditMeta, &'a OrderRequest) -> BoxFuture<'a, AppResult<Uuid>>,
}

/// Searches a kind's catalogue: `(connection, text, limit)` → `(code, display)` pairs.
pub type CatalogueSearch =
    for<'a> fn(&'a mut PgConnection, &'a str, i64) -> BoxFuture<'a, sqlx::Result<Vec<(String, String)>>>;

impl std::fmt::Debug for OrderKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrderKind").field("kind", &self.kind).field("module", &self.module).finish_non_exhaustive()
    }
}

/// How an order is entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderEntry {
    /// Prepared by the ordering clinician, not yet signed (status draft).
    Draft,
    /// Placed and signed by the ordering clinician (status active).
    Signed,
    /// Told to the person entering it (a nurse) by the ordering clinician, read back, active at
    /// once; waits for the clinician's countersignature.
    Verbal,
    /// As verbal, over the telephone.
    Telephone,
}

impl OrderEntry {
    /// Entered on someone's behalf (waits for a countersignature).
    pub fn on_behalf(self) -> bool {
        matches!(self, OrderEntry::Verbal | OrderEntry::Telephone)
    }
}

/// What the orders core asks a kind's `create` function to place (from its order form, its API
/// or an order set's item).
#[derive(Debug, Clone)]
pub struct OrderRequest {
    /// The kind asked for (the one whose `create` function receives the request).
    pub kind: &'static OrderKind,
    pub patient: Uuid,
    pub encounter: Option<Uuid>,
    /// The code in the kind's catalogue.
    pub code: String,
    /// routine, urgent, asap or stat.
    pub priority: String,
    /// The clinical indication (free text, may be empty).
    pub indication: String,
    /// The ordering clinician (the entering user for draft and signed orders).
    pub orderer: Uuid,
    pub entry: OrderEntry,
    /// Verbal and telephone orders: the order was read back to the ordering clinician.
    pub read_back: bool,
    /// The kind's own fields (a JSON object; an order set item's defaults), `{}` when none.
    pub options: Value,
    /// The order set the order was placed from.
    pub set_id: Option<Uuid>,
}

/// A panel of the start page.
pub struct StartPanel {
    /// Unique across modules (the panel's HTML id is `panel-<key>`).
    pub key: &'static str,
    pub title: &'static str,
    /// Shown only to holders of this permission; `None`: to everyone signed in.
    pub perm: Option<Perm>,
    /// Position on the page (lower first).
    pub order: i32,
    /// The panel's body for the page's user (`page.user`): escaped HTML rendered by the module's
    /// own template (forms carry `page.csrf`, times use `page.zone`), or `None` when there is
    /// nothing to show (the panel is left out).
    pub render: for<'a> fn(&'a AppState, &'a crate::web::Page) -> BoxFuture<'a, AppResult<Option<String>>>,
}

/// Loads a module's reference data (idempotent); returns the rows added.
pub type ReferenceLoader = fn(&PgPool) -> BoxFuture<'_, anyhow::Result<u64>>;

/// Demo data of a module: runs on the demo seeder's transaction.
pub type DemoSeeder = for<'a> fn(&'a mut PgConnection, &'a DemoContext) -> BoxFuture<'a, anyhow::Result<()>>;

/// What the demo seeder hands each module.
pub struct DemoContext {
    pub keys: std::sync::Arc<crate::platform::crypto::KeyRing>,
    pub meta: AuditMeta,
    /// Facilities, in creation order (the first is the main hospital).
    pub facilities: Vec<Uuid>,
    /// Demo accounts by email.
    pub users: Vec<(String, Uuid)>,
    /// The demo's ordinary patients (not the unidentified, VIP or merged ones), in MRN order.
    pub patients: Vec<DemoPatient>,
    /// The installation's modules (a seeder calling a service that reads the registry).
    pub registry: &'static Registry,
}

/// A demo patient as the modules' seeders need it.
#[derive(Debug, Clone, Copy)]
pub struct DemoPatient {
    pub id: Uuid,
    pub birth: time::Date,
    pub female: bool,
}

impl DemoContext {
    /// A demo account's id (`doctor@demo.hearth` …).
    pub fn user(&self, email: &str) -> Option<Uuid> {
        self.users.iter().find(|(e, _)| e == email).map(|(_, id)| *id)
    }
}

/// What a module does when a patient's death is recorded: `(transaction, audit context, patient)`.
pub type DeathHook = for<'a> fn(&'a mut PgConnection, &'a AuditMeta, Uuid) -> BoxFuture<'a, AppResult<()>>;

/// Whether patient `$2` consents to messages on channel `$3` (`sms`, `email`, `whatsapp`).
pub type ConsentCheck = for<'a> fn(&'a PgPool, Uuid, &'a str) -> BoxFuture<'a, sqlx::Result<bool>>;

/// The modules of this installation, in order.
pub struct Registry {
    modules: &'static [&'static Module],
}

impl Registry {
    pub const fn new(modules: &'static [&'static Module]) -> Registry {
        Registry { modules }
    }

    pub fn modules(&self) -> impl Iterator<Item = &'static Module> + '_ {
        self.modules.iter().copied()
    }

    pub fn get(&self, name: &str) -> Option<&'static Module> {
        self.modules().find(|m| m.name == name)
    }

    pub fn permissions(&self) -> impl Iterator<Item = (&'static Module, &'static PermDef)> + '_ {
        self.modules().flat_map(|m| m.permissions.iter().map(move |p| (m, p)))
    }

    pub fn nav(&self) -> Vec<&'static NavEntry> {
        let mut out: Vec<&NavEntry> = self.modules().flat_map(|m| m.nav.iter()).collect();
        out.sort_by_key(|e| e.order);
        out
    }

    pub fn chart_tabs(&self) -> Vec<&'static ChartTab> {
        let mut out: Vec<&ChartTab> = self.modules().flat_map(|m| m.chart_tabs.iter()).collect();
        out.sort_by_key(|t| t.order);
        out
    }

    pub fn banner_parts(&self) -> Vec<(&'static Module, &'static BannerPart)> {
        let mut out: Vec<_> = self.modules().filter_map(|m| m.banner.as_ref().map(|b| (m, b))).collect();
        out.sort_by_key(|(_, b)| b.order);
        out
    }

    pub fn timeline_sources(&self) -> impl Iterator<Item = &'static TimelineSource> + '_ {
        self.modules().flat_map(|m| m.timeline.iter())
    }

    pub fn patient_tables(&self) -> impl Iterator<Item = (&'static Module, &'static PatientTable)> + '_ {
        self.modules().flat_map(|m| m.patient_tables.iter().map(move |t| (m, t)))
    }

    pub fn encrypted_columns(&self) -> impl Iterator<Item = &'static EncryptedColumn> + '_ {
        self.modules().flat_map(|m| m.encrypted_columns.iter())
    }

    pub fn search_providers(&self) -> impl Iterator<Item = search::Provider> + '_ {
        self.modules().filter_map(|m| m.search)
    }

    /// Every module's order kinds.
    pub fn order_kinds(&self) -> impl Iterator<Item = &'static OrderKind> + '_ {
        self.modules().flat_map(|m| m.order_kinds.iter())
    }

    /// The order kind `kind`, if a module declares it.
    pub fn order_kind(&self, kind: &str) -> Option<&'static OrderKind> {
        self.order_kinds().find(|k| k.kind == kind)
    }

    /// Every module's start-page panels, in their order.
    pub fn start_panels(&self) -> Vec<&'static StartPanel> {
        let mut out: Vec<&StartPanel> = self.modules().flat_map(|m| m.start_panels.iter()).collect();
        out.sort_by_key(|p| p.order);
        out
    }

    pub fn notification_kinds(&self) -> impl Iterator<Item = &'static NotificationKind> + '_ {
        self.modules().flat_map(|m| m.notification_kinds.iter())
    }

    /// Every module's alert kinds.
    pub fn alert_kinds(&self) -> impl Iterator<Item = &'static AlertKind> + '_ {
        self.modules().flat_map(|m| m.alert_kinds.iter())
    }

    /// The declaration of an alert kind.
    pub fn alert_kind(&self, kind: &str) -> Option<&'static AlertKind> {
        self.alert_kinds().find(|k| k.kind == kind)
    }

    /// Everyone the modules say looks after `patient` now, on the caller's connection.
    pub async fn care_providers(&self, conn: &mut PgConnection, patient: Uuid) -> sqlx::Result<Vec<CareProvider>> {
        let mut out = Vec::new();
        for m in self.modules() {
            if let Some(f) = m.care_providers {
                for c in f(&mut *conn, patient).await? {
                    if !out.contains(&c) {
                        out.push(c);
                    }
                }
            }
        }
        Ok(out)
    }

    /// The layout fragments a user sees.
    pub fn layout_fragments(&self, user: &CurrentUser) -> Vec<&'static LayoutFragment> {
        use crate::platform::rbac::HasPerms;
        self.modules().flat_map(|m| m.layout_fragments.iter()).filter(|f| f.perm.is_none_or(|p| user.can(p))).collect()
    }

    /// The message a module gives for a database constraint (see `Module::constraint_messages`).
    pub fn constraint_message(&self, constraint: &str) -> Option<&'static str> {
        self.modules().flat_map(|m| m.constraint_messages.iter()).find(|(c, _)| *c == constraint).map(|(_, m)| *m)
    }

    /// Whether a patient consents to messages on `channel`; without a consent provider, yes.
    pub async fn messaging_allowed(&self, pool: &PgPool, patient: Uuid, channel: &str) -> sqlx::Result<bool> {
        for m in self.modules() {
            if let Some(check) = m.messaging_consent {
                if !check(pool, patient, channel).await? {
                    return Ok(false);
                }
            }
        }
        Ok(true)
    }

    /// The whole OpenAPI document: every module's part.
    pub fn openapi(&self) -> utoipa::openapi::OpenApi {
        let mut doc = crate::api::base_doc();
        for m in self.modules() {
            doc.merge((m.openapi)());
        }
        crate::api::error_responses(&mut doc);
        doc
    }

    /// Every `(method, path)` served under `/api/v1`.
    pub fn api_operations(&self) -> Vec<(axum::http::Method, String)> {
        self.modules().flat_map(|m| (m.api)().ops().to_vec()).collect()
    }

    /// Brings a migrated database in line with the modules: adds the permissions they declare
    /// (with their default grants, and always to `super_admin`) and loads reference data. Run
    /// after the migrations by `hearth migrate`, `serve` and `demo`. Permissions already in the
    /// database keep the grants administrators gave them; descriptions follow the code.
    pub async fn prepare(&self, pool: &PgPool) -> anyhow::Result<()> {
        self.sync_permissions(pool).await?;
        self.load_reference_data(pool).await
    }

    /// Adds declared permissions that the database lacks, with their default grants.
    pub async fn sync_permissions(&self, pool: &PgPool) -> sqlx::Result<Vec<&'static str>> {
        let mut tx = pool.begin().await?;
        let mut added = Vec::new();
        for (_, p) in self.permissions() {
            let inserted: Option<bool> = sqlx::query_scalar(
                "INSERT INTO permissions (code, description) VALUES ($1, $2)
                 ON CONFLICT (code) DO UPDATE SET description = EXCLUDED.description
                 WHERE permissions.description IS DISTINCT FROM EXCLUDED.description
                 RETURNING (xmax = 0)",
            )
            .bind(p.perm.code())
            .bind(p.description)
            .fetch_optional(&mut *tx)
            .await?;
            if inserted == Some(true) {
                sqlx::query(
                    "INSERT INTO role_permissions (role_code, permission_code)
                     SELECT code, $1 FROM roles WHERE code = 'super_admin' OR code = ANY($2)
                     ON CONFLICT DO NOTHING",
                )
                .bind(p.perm.code())
                .bind(p.default_roles)
                .execute(&mut *tx)
                .await?;
                added.push(p.perm.code());
            }
        }
        tx.commit().await?;
        Ok(added)
    }

    /// Loads every module's reference data.
    pub async fn load_reference_data(&self, pool: &PgPool) -> anyhow::Result<()> {
        for m in self.modules() {
            if let Some(load) = m.reference_data {
                load(pool).await?;
            }
        }
        Ok(())
    }

    /// Whether `user` may see a nav entry.
    pub fn nav_visible(entry: &NavEntry, user: &CurrentUser) -> bool {
        use crate::platform::rbac::HasPerms;
        entry.perm.is_none_or(|p| user.can(p))
    }
}
