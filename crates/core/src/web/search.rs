//! The global search (Ctrl+K). Each module contributes a provider; the search page and the
//! type-ahead list show their hits grouped by module, for what the user may see.

use crate::platform::routes::Routes;
use std::future::Future;
use std::pin::Pin;

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;

use crate::app::AppState;
use crate::error::AppResult;
use crate::platform::auth::{Auth, CurrentUser};
use crate::web::{self, Page};

#[derive(Debug, Clone)]
pub struct Hit {
    pub label: String,
    pub detail: String,
    pub href: String,
}

#[derive(Debug, Clone)]
pub struct Group {
    pub title: &'static str,
    pub hits: Vec<Hit>,
    /// Where to see every match in the module's own list.
    pub more: Option<String>,
}

pub type SearchFuture<'a> = Pin<Box<dyn Future<Output = AppResult<Option<Group>>> + Send + 'a>>;

/// A module's search: returns `None` when the user may not search that module.
pub type Provider = for<'a> fn(&'a AppState, &'a CurrentUser, &'a str, i64) -> SearchFuture<'a>;

pub fn router() -> Routes {
    Routes::new().route("/search", get(page)).route("/search/suggest", get(suggest))
}

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

/// Every module's provider (from the registry), run concurrently; groups in registry order.
async fn run(state: &AppState, user: &CurrentUser, q: &str, limit: i64) -> AppResult<Vec<Group>> {
    let searches = state.registry.search_providers().map(|p| p(state, user, q, limit));
    let results = futures_util::future::join_all(searches).await;
    let mut groups = Vec::new();
    for r in results {
        if let Some(g) = r? {
            groups.push(g);
        }
    }
    Ok(groups)
}

#[derive(Template)]
#[template(path = "search/page.html")]
struct SearchPage {
    page: Page,
    q: String,
    groups: Vec<Group>,
}

/// The message key of a group's title (`search-group-<title, lower case, spaces as dashes>`).
fn group_key(title: &str) -> String {
    format!("search-group-{}", title.to_lowercase().replace(' ', "-"))
}

impl SearchPage {
    fn group_key(&self, title: &str) -> String {
        group_key(title)
    }

    fn total(&self) -> usize {
        self.groups.iter().map(|g| g.hits.len()).sum()
    }
}

async fn page(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Query(sq): Query<SearchQuery>,
) -> AppResult<Response> {
    let q: String = sq.q.trim().chars().take(100).collect();
    let groups = if q.is_empty() { Vec::new() } else { run(&state, &auth.user, &q, 20).await? };
    let title = page.t("search-heading");
    web::render(&SearchPage { page: page.titled(title.clone()).crumb(title, "/search"), q, groups })
}

#[derive(Template)]
#[template(path = "search/suggest.html")]
struct Suggest {
    page: Page,
    q: String,
    groups: Vec<Group>,
}

impl Suggest {
    fn group_key(&self, title: &str) -> String {
        group_key(title)
    }

    fn all_href(&self) -> String {
        format!("/search?{}", serde_urlencoded::to_string([("q", self.q.as_str())]).unwrap_or_default())
    }

    fn total(&self) -> usize {
        self.groups.iter().map(|g| g.hits.len()).sum()
    }
}

/// Type-ahead results for the global search box (an htmx partial).
async fn suggest(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Query(sq): Query<SearchQuery>,
) -> AppResult<Response> {
    let q: String = sq.q.trim().chars().take(100).collect();
    let groups = if q.chars().count() < 2 { Vec::new() } else { run(&state, &auth.user, &q, 6).await? };
    web::render(&Suggest { page, q, groups })
}
