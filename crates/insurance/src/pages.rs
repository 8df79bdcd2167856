//! Insurance's pages.
use hearth_core::platform::routes::Routes;
pub fn routes() -> Routes {
    Routes::new()
}
