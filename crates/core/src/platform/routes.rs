//! A router that remembers the paths it was built from, so tests can walk every route of a
//! module (e.g. every route below a patient) from the same construction the app uses, instead
//! of a hand-kept list that drifts.

use axum::routing::MethodRouter;
use axum::Router;

pub struct Routes<S = crate::app::AppState> {
    router: Router<S>,
    paths: Vec<String>,
}

impl<S: Clone + Send + Sync + 'static> Default for Routes<S> {
    fn default() -> Self {
        Routes { router: Router::new(), paths: Vec::new() }
    }
}

impl<S: Clone + Send + Sync + 'static> Routes<S> {
    pub fn new() -> Self {
        Self::default()
    }

    /// `Router::route`, recording the path.
    pub fn route(mut self, path: &str, method_router: MethodRouter<S>) -> Self {
        self.paths.push(path.to_string());
        self.router = self.router.route(path, method_router);
        self
    }

    /// The route templates, in the order they were added (e.g. `/patients/{id}/chart`).
    pub fn paths(&self) -> &[String] {
        &self.paths
    }

    pub fn into_router(self) -> Router<S> {
        self.router
    }
}

impl Routes<crate::app::AppState> {
    /// No routes (a module without pages).
    pub fn empty() -> Routes {
        Routes::default()
    }

    /// Both route sets in one.
    pub fn merge(mut self, other: Routes) -> Routes {
        self.paths.extend(other.paths);
        self.router = self.router.merge(other.router);
        self
    }
}
