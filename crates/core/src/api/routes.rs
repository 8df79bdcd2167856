//! Registering an API route and remembering it in one act, so the OpenAPI test can compare the
//! routes the router serves with the operations the document describes (both ways) from the
//! very calls that build the router.

use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{self, MethodRouter};
use axum::Router;

use crate::app::AppState;

/// A router under construction plus the `(method, path)` of every route added to it.
#[derive(Default)]
pub struct ApiRoutes {
    router: Router<AppState>,
    ops: Vec<(Method, String)>,
}

impl ApiRoutes {
    pub fn new() -> Self {
        Self::default()
    }

    /// No routes (a module without an API).
    pub fn empty() -> Self {
        Self::default()
    }

    /// Both route sets in one.
    pub fn merge(mut self, other: ApiRoutes) -> Self {
        self.ops.extend(other.ops);
        self.router = self.router.merge(other.router);
        self
    }

    fn add(mut self, method: Method, path: &str, route: MethodRouter<AppState>) -> Self {
        self.router = self.router.route(path, route);
        self.ops.push((method, path.to_string()));
        self
    }

    pub fn get<H: Handler<T, AppState>, T: 'static>(self, path: &str, h: H) -> Self {
        self.add(Method::GET, path, routing::get(h))
    }

    pub fn post<H: Handler<T, AppState>, T: 'static>(self, path: &str, h: H) -> Self {
        self.add(Method::POST, path, routing::post(h))
    }

    pub fn put<H: Handler<T, AppState>, T: 'static>(self, path: &str, h: H) -> Self {
        self.add(Method::PUT, path, routing::put(h))
    }

    pub fn patch<H: Handler<T, AppState>, T: 'static>(self, path: &str, h: H) -> Self {
        self.add(Method::PATCH, path, routing::patch(h))
    }

    pub fn delete<H: Handler<T, AppState>, T: 'static>(self, path: &str, h: H) -> Self {
        self.add(Method::DELETE, path, routing::delete(h))
    }

    /// A POST whose body may be larger than the default limit (uploads).
    pub fn post_upload<H: Handler<T, AppState>, T: 'static>(self, path: &str, h: H, limit: usize) -> Self {
        self.add(Method::POST, path, routing::post(h).layer(DefaultBodyLimit::max(limit)))
    }

    /// Every route added, in order.
    pub fn ops(&self) -> &[(Method, String)] {
        &self.ops
    }

    pub fn into_router(self) -> Router<AppState> {
        self.router
    }
}
