// `sqlx::migrate!` embeds ../../migrations at compile time but cannot tell cargo about files
// added later: rebuild when the directory changes (sqlx's documented remedy).
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
