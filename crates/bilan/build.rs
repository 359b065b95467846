fn main() {
    // PostgreSQL tests run only when a server is named; otherwise they show as ignored, with the reason.
    println!("cargo::rerun-if-env-changed=ENTRAIDE_TEST_POSTGRES_URL");
    if std::env::var_os("ENTRAIDE_TEST_POSTGRES_URL").is_none() {
        println!("cargo::rustc-cfg=entraide_no_postgres");
    }
}
