//! `entraide purge`: a dry run counts and changes nothing, `--apply` purges, and one of
//! the two must be chosen.

#![allow(clippy::unwrap_used)] // Test code: a panic is how a test reports failure.

use std::process::Command;

fn entraide(data_dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_entraide"));
    for (name, _) in std::env::vars() {
        if name == "DATABASE_URL" || name.starts_with("ENTRAIDE_") {
            command.env_remove(name);
        }
    }
    command.env("ENTRAIDE_DATA_DIR", data_dir);
    command
}

#[test]
fn purge_runs_dry_or_for_real() {
    let folder = tempfile::tempdir().unwrap();
    let output = entraide(folder.path())
        .args(["purge", "--dry-run"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(text.contains("rien n'est modifié"), "{text}");
    assert!(text.contains("candidatures refusées"), "{text}");
    assert!(text.contains("Total à traiter : 0"), "{text}");
    let logged = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(
        logged.contains("personal data purge"),
        "the purge is logged in counts: {logged}"
    );

    let output = entraide(folder.path())
        .args(["purge", "--apply"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("Purge appliquée"));

    let output = entraide(folder.path()).arg("purge").output().unwrap();
    assert_eq!(output.status.code(), Some(2), "choosing is required");
    let output = entraide(folder.path())
        .args(["purge", "--dry-run", "--apply"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}
