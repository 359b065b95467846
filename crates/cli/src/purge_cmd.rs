//! The retention purge of personal data (issue 10): `entraide purge --dry-run|--apply`,
//! and the periodic purge inside `entraide serve` (daily by default).
//!
//! Both go through [`entraide_http::privacy::run_purge`] and
//! [`entraide_store::privacy::purge`], whose every change is a conditional claim: several
//! server processes sharing one database may purge at the same time, and a purge
//! interrupted half-way is finished by the next one. Each purge is logged in counts
//! only, never with the data it removed. The loop of `entraide serve` is
//! [`entraide_http::privacy::spawn_periodic_purge`], started in `main.rs`.

use std::io::Write;

use anyhow::Context;
use entraide_store::privacy::{PurgeMode, PurgeReport, RetentionSettings};
use entraide_store::{Clock, Store, SystemClock};

/// `entraide purge ...`
#[derive(Debug, clap::Args)]
pub struct PurgeArgs {
    /// Count what the retention periods make due, without changing anything.
    #[arg(long, conflicts_with = "apply", required_unless_present = "apply")]
    dry_run: bool,
    /// Remove what the retention periods make due.
    #[arg(long)]
    apply: bool,
}

/// Runs `entraide purge`, printing the counts to standard output.
pub fn run(store: &Store, retention: &RetentionSettings, args: &PurgeArgs) -> anyhow::Result<()> {
    let mode = if args.apply && !args.dry_run {
        PurgeMode::Apply
    } else {
        PurgeMode::DryRun
    };
    let report = entraide_http::privacy::run_purge(store, retention, SystemClock.now(), mode)
        .context("purging personal data")?;
    let mut out = std::io::stdout().lock();
    print_report(&mut out, &report, mode)?;
    Ok(())
}

fn print_report(
    out: &mut impl Write,
    report: &PurgeReport,
    mode: PurgeMode,
) -> std::io::Result<()> {
    let (title, verb) = match mode {
        PurgeMode::DryRun => ("Essai (rien n'est modifié) : à purger", "à traiter"),
        PurgeMode::Apply => ("Purge appliquée", "traités"),
    };
    writeln!(out, "{title}")?;
    for (count, what) in [
        (
            report.rejected_applications,
            "candidatures refusées rendues anonymes",
        ),
        (report.inactive_people, "personnes inactives effacées"),
        (
            report.closed_request_contacts,
            "demandes closes dont le contact est effacé",
        ),
        (
            report.sent_email_bodies,
            "e-mails envoyés dont le contenu est supprimé",
        ),
        (report.sign_in_links, "liens de connexion expirés supprimés"),
        (report.sessions, "sessions terminées supprimées"),
    ] {
        writeln!(out, "  {count:>6}  {what}")?;
    }
    if report.inactive_with_open_work > 0 {
        writeln!(
            out,
            "  {:>6}  personnes inactives gardées : un dossier, une proposition ou une demande est encore ouvert",
            report.inactive_with_open_work
        )?;
    }
    writeln!(out, "Total {verb} : {}", report.total())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_names_each_count() {
        let report = PurgeReport {
            rejected_applications: 2,
            sessions: 5,
            inactive_with_open_work: 1,
            ..PurgeReport::default()
        };
        let mut out = Vec::new();
        print_report(&mut out, &report, PurgeMode::DryRun).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("rien n'est modifié"), "{text}");
        assert!(text.contains("2  candidatures refusées"), "{text}");
        assert!(text.contains("5  sessions terminées"), "{text}");
        assert!(text.contains("gardées"), "{text}");
        assert!(text.contains("Total à traiter : 7"), "{text}");
    }
}
