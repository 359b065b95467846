//! `entraide bilan` (the period report, to a file) and `entraide demo` (the dataset of
//! the 2020 report).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use chrono::NaiveDate;
use entraide_bilan::{demo, render, BilanOptions, BilanSettings, Format, Period};
use entraide_store::{Clock, Store, SystemClock};

/// Options of `entraide bilan`.
#[derive(Debug, clap::Args)]
pub struct BilanArgs {
    /// First day counted (YYYY-MM-DD, UTC), included; default: the scheme's start date
    /// (ENTRAIDE_SCHEME_START).
    #[arg(long, value_name = "YYYY-MM-DD")]
    from: Option<NaiveDate>,
    /// Last day counted, included; default: four weeks from --from.
    #[arg(long, value_name = "YYYY-MM-DD")]
    to: Option<NaiveDate>,
    /// json, csv (one CSV file per table, in a zip archive), xlsx (one sheet per table)
    /// or html (the report in French with its figures, printable to PDF).
    #[arg(long, default_value = "json", value_parser = |v: &str| v.parse::<Format>())]
    format: Format,
    /// File to write, `-` for standard output; default: bilan-entraide_FROM_TO.EXT in the
    /// current folder.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// The public bilan: small counts masked in the breakdowns that could identify a
    /// person (threshold: ENTRAIDE_BILAN_PUBLIC_THRESHOLD).
    #[arg(long)]
    public: bool,
}

/// Options of `entraide demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Load the dataset even though the database already holds applications.
    #[arg(long)]
    force: bool,
}

/// Progress on standard error, once a run has lasted more than a moment: a thread shows
/// the current step from then on (a step may be one long statement).
struct Progress {
    started: Instant,
    current: Arc<Mutex<Option<(String, usize, usize)>>>,
    stop: Arc<AtomicBool>,
    ticker: Option<std::thread::JoinHandle<()>>,
}

impl Progress {
    const QUIET_FOR: Duration = Duration::from_millis(500);

    fn new() -> Self {
        let started = Instant::now();
        let current: Arc<Mutex<Option<(String, usize, usize)>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let ticker = {
            let (current, stop) = (current.clone(), stop.clone());
            std::thread::spawn(move || show(started, &current, &stop))
        };
        Self {
            started,
            current,
            stop,
            ticker: Some(ticker),
        }
    }

    fn step(&self, what: &str, index: usize, total: usize) {
        let mut current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        *current = Some((what.to_owned(), index, total));
    }

    /// Stops the thread and clears its line.
    fn done(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(ticker) = self.ticker.take() {
            let _ = ticker.join();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.done();
    }
}

/// The ticker: after a moment, writes each new step; a terminal shows one line that
/// changes, a log file gets one line per step.
fn show(started: Instant, current: &Mutex<Option<(String, usize, usize)>>, stop: &AtomicBool) {
    let terminal = std::io::stderr().is_terminal();
    let mut shown: Option<(String, usize, usize)> = None;
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(50));
        if started.elapsed() < Progress::QUIET_FOR {
            continue;
        }
        let now = current.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if now.is_some() && now != shown {
            if let Some((what, index, total)) = &now {
                let mut stderr = std::io::stderr();
                let _ = if terminal {
                    write!(stderr, "\r\x1b[2KBilan : {what} ({index}/{total})…")
                } else {
                    writeln!(stderr, "Bilan : {what} ({index}/{total})…")
                };
                let _ = stderr.flush();
            }
            shown = now;
        }
    }
    if shown.is_some() && terminal {
        eprint!("\r\x1b[2K");
    }
}

/// Computes the bilan and writes it.
pub fn run_bilan(store: &Store, settings: BilanSettings, args: &BilanArgs) -> anyhow::Result<()> {
    let from = args.from.unwrap_or(settings.scheme_start);
    let to = args.to.unwrap_or_else(|| Period::default_end(from));
    let period = Period::new(from, to).context("invalid period")?;
    let to_stdout = args.output.as_deref().is_some_and(|p| p.as_os_str() == "-");
    if to_stdout && args.format.is_download() && std::io::stdout().is_terminal() {
        bail!(
            "a {} file is binary: write it to a file with --output FILE",
            args.format
        );
    }
    let options = BilanOptions {
        period,
        public: args.public,
        threshold: settings.public_threshold,
        scheme_start: settings.scheme_start,
        generated_at: SystemClock.now(),
    };
    let mut progress = Progress::new();
    // One step more than the counting: writing the file.
    let bilan = store.run_blocking(|conn| {
        entraide_bilan::compute_with_progress(conn, &options, &mut |what, index, total| {
            progress.step(what, index, total + 1)
        })
    })?;
    progress.step("mise en forme du fichier", 4, 4);
    let body = render(&bilan, args.format)?;
    progress.done();
    if to_stdout {
        std::io::stdout()
            .write_all(&body)
            .context("writing to standard output")?;
        return Ok(());
    }
    let path = args
        .output
        .clone()
        .unwrap_or_else(|| PathBuf::from(args.format.file_name(&bilan)));
    std::fs::write(&path, &body).with_context(|| format!("writing {}", path.display()))?;
    eprintln!(
        "Bilan du {} au {}{} écrit dans {} ({} Ko, {:.1} s).",
        period.from().format("%d/%m/%Y"),
        period.to().format("%d/%m/%Y"),
        if args.public {
            ", version publique,"
        } else {
            ""
        },
        path.display(),
        body.len().div_ceil(1024),
        progress.started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Loads the demo dataset and says how to see its bilan.
pub fn run_demo(store: &Store, args: &DemoArgs) -> anyhow::Result<()> {
    let summary = store.run_blocking(|conn| demo::load(conn, args.force))?;
    let period = demo::period();
    println!(
        "Jeu de démonstration chargé : {} candidatures ({} volontaires acceptés), {} \
         établissements, {} demandes d'aide, du {} au {} (chiffres du bilan ANAP du 30/04/2020).\n\
         Son bilan : entraide bilan --from {} --to {} --format html",
        summary.applications,
        summary.volunteers,
        summary.establishments,
        summary.requests,
        period.from().format("%d/%m/%Y"),
        period.to().format("%d/%m/%Y"),
        period.from(),
        period.to()
    );
    Ok(())
}
