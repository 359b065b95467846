//! The report in French, following the 2020 bilan: context, the volunteers (figures 1
//! and 2), the requesting establishments (figure 3), the answers (figure 4), then what
//! the 2020 report did not measure and every table in an appendix.
//!
//! The document is self-contained: no script, no link, no image file; the charts are
//! inline SVG with presentation attributes, and the only style is the one `<style>`
//! element, whose hash [`content_security_policy`] allows, so that the page works under
//! a strict policy and prints cleanly to PDF from a browser.

use std::fmt::Write;

use base64::Engine;
use chrono::NaiveDate;
use entraide_core::{AnswerType, EstablishmentKind, Gender, LegalStatus, Sector};
use sha2::{Digest, Sha256};

use super::svg::{escape, figure, Bar, Panel};
use crate::compute::PRIVATE_CODE;
use crate::model::round;
use crate::tables::{tables, Cell};
use crate::{Bilan, Breakdown, Delay, Row, NOT_STATED_CODE};

/// The style sheet of the report, the content of its one `<style>` element.
pub const STYLE: &str = "\
body{font-family:Arial,Helvetica,sans-serif;color:#1e1e1e;max-width:52rem;margin:2rem auto;padding:0 1rem;line-height:1.45}\
.surtitre{text-transform:uppercase;letter-spacing:.08em;font-weight:700;color:#000091;margin:0}\
h1{font-size:1.9rem;margin:.2rem 0 1rem;color:#000091}\
h2{font-size:1.2rem;text-transform:uppercase;color:#000091;border-bottom:2px solid #000091;padding-bottom:.2rem;margin-top:2rem}\
h3{font-size:1.05rem;margin-top:1.4rem}\
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}\
dl.meta dt{font-weight:700}dl.meta dd{margin:0}\
.note{border-left:4px solid #b34000;background:#fff4ec;padding:.5rem .8rem}\
figure{margin:1.2rem 0;break-inside:avoid;page-break-inside:avoid}\
figure svg{width:100%;height:auto}\
figcaption{font-style:italic;text-align:center;margin-top:.3rem}\
table{border-collapse:collapse;width:100%;margin:.4rem 0 1.2rem;font-size:.9rem}\
caption{text-align:left;font-weight:700;padding:.3rem 0}\
th,td{border:1px solid #c8c8c8;padding:.2rem .45rem;text-align:left;vertical-align:top}\
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\
thead th{background:#eef2f8}\
tr{break-inside:avoid;page-break-inside:avoid}\
footer{margin-top:2rem;font-size:.85rem;color:#555}\
@page{size:A4;margin:16mm 14mm}\
@media print{body{margin:0;max-width:none;font-size:10.5pt}h2,h3,caption{break-after:avoid;page-break-after:avoid}.annexe{break-before:page;page-break-before:always}}";

/// The Content-Security-Policy to serve the report with: nothing may load, and the one
/// style element is allowed by its hash.
pub fn content_security_policy() -> String {
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(STYLE.as_bytes()));
    format!(
        "default-src 'none'; style-src 'sha256-{hash}'; img-src data:; base-uri 'none'; \
         form-action 'none'; frame-ancestors 'none'"
    )
}

/// A date as French readers write it.
fn date(day: NaiveDate) -> String {
    day.format("%d/%m/%Y").to_string()
}

/// A count with French digit grouping (narrow no-break spaces).
fn number(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (index, c) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    out
}

/// A count and its noun, singular for 0 and 1 as in French: `1 demande`, `26 demandes`.
fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", number(n), if n <= 1 { one } else { many })
}

/// A decimal with a comma.
fn decimal(value: f64, places: i32) -> String {
    round(value, places).to_string().replace('.', ",")
}

/// A share as a French percentage, e.g. `67,6 %`.
fn percent(share: Option<f64>) -> String {
    match share {
        Some(share) => format!("{}\u{a0}%", decimal(share * 100.0, 1)),
        None => "—".to_owned(),
    }
}

/// A duration given in hours, in the unit a reader expects.
fn duration(hours: Option<f64>) -> String {
    let Some(hours) = hours else {
        return "—".to_owned();
    };
    if hours < 1.0 {
        format!("{}\u{a0}min", (hours * 60.0).round())
    } else if hours < 48.0 {
        format!("{}\u{a0}h", decimal(hours, 1))
    } else {
        format!("{}\u{a0}jours", decimal(hours / 24.0, 1))
    }
}

/// Lower-cases the first letter (a label inside a sentence).
fn in_sentence(label: &str) -> String {
    let mut chars = label.chars();
    match chars.next() {
        Some(first) if !label.starts_with("SI ") && !label.starts_with("PCA") => {
            first.to_lowercase().collect::<String>() + chars.as_str()
        }
        _ => label.to_owned(),
    }
}

/// Joins items the French way: `a, b et c`.
fn list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} et {last}", init.join(", ")),
    }
}

/// Words the report needs from a bilan.
struct Writer<'a> {
    bilan: &'a Bilan,
    masked: String,
}

impl Writer<'_> {
    fn count(&self, count: Option<u64>) -> String {
        count.map_or_else(|| self.masked.clone(), number)
    }

    /// A count, maybe masked, with its words (plural when masked: "< 3" may be 2).
    fn count_phrase(&self, count: Option<u64>, one: &str, many: &str) -> String {
        match count {
            Some(n) => plural(n, one, many),
            None => format!("{} {many}", self.masked),
        }
    }

    fn row_count(&self, breakdown: &Breakdown, code: &str) -> String {
        self.count(breakdown.count(code))
    }

    /// The `n` rows with the largest counts, masked rows excluded (they say too little).
    fn top(breakdown: &Breakdown, n: usize) -> Vec<&Row> {
        let mut rows: Vec<&Row> = breakdown
            .present()
            .filter(|row| row.count.is_some())
            .collect();
        rows.sort_by_key(|row| std::cmp::Reverse(row.count.unwrap_or(0)));
        rows.truncate(n);
        rows
    }

    fn bars(breakdown: &Breakdown, not_stated_label: &str) -> Vec<Bar> {
        let mut bars: Vec<Bar> = breakdown
            .present()
            .map(|row| Bar {
                label: row.label.clone(),
                value: row.count,
            })
            .collect();
        if let Some(row) = breakdown
            .not_stated()
            .filter(|row| row.masked || row.count.unwrap_or(0) > 0)
        {
            bars.push(Bar {
                label: not_stated_label.to_owned(),
                value: row.count,
            });
        }
        bars
    }

    fn header(&self, out: &mut String) {
        let bilan = self.bilan;
        let period = &bilan.period;
        let object = if period.from == bilan.scheme_start && period.days % 7 == 0 {
            format!(
                "Bilan du dispositif d'entraide autour du numérique après {} semaines de \
                 fonctionnement (du {} au {}).",
                period.days / 7,
                date(period.from),
                date(period.to)
            )
        } else {
            format!(
                "Bilan du dispositif d'entraide autour du numérique du {} au {} ({} jours ; \
                 dispositif ouvert le {}).",
                date(period.from),
                date(period.to),
                period.days,
                date(bilan.scheme_start)
            )
        };
        let _ = write!(
            out,
            "<header><p class=\"surtitre\">Dispositif exceptionnel d'entraide</p>\
             <h1>Bilan du dispositif</h1><dl class=\"meta\">\
             <dt>Auteur / date</dt><dd>ANAP – {}</dd><dt>Objet</dt><dd>{}</dd></dl>",
            date(bilan.generated_at.date()),
            escape(&object)
        );
        if let Some(note) = &bilan.masking.note {
            let _ = write!(out, "<p class=\"note\">{}</p>", escape(note));
        }
        out.push_str("</header>");
    }

    fn context(&self, out: &mut String) {
        out.push_str(
            "<section id=\"contexte\"><h2>Contexte</h2><p>Dans le cadre de la crise \
             sanitaire, l'ANAP a mis en place un dispositif d'entraide visant à faciliter, \
             pour les établissements en difficulté, la mise en relation avec des \
             professionnels volontaires pour les soutenir.</p></section>",
        );
    }

    fn volunteers(&self, out: &mut String) {
        let v = &self.bilan.volunteers;
        out.push_str(
            "<section id=\"volontaires\"><h2>Bilan des personnes proposant leur aide</h2>",
        );
        let rejected = v.applications.count("rejected").unwrap_or(0);
        let pending = v.applications.count("pending").unwrap_or(0);
        if v.accepted == 0 {
            let _ = write!(
                out,
                "<p>Aucun volontaire n'a été accepté sur la période ({}).</p>",
                plural(
                    v.applications_received,
                    "candidature reçue",
                    "candidatures reçues"
                )
            );
        } else {
            let _ = write!(
                out,
                "<p>Ce dispositif a mobilisé <strong>{}</strong> pour soutenir les ES/ESMS \
                 ({} ; {} et {} de décision à la fin de la période).</p>",
                plural(v.accepted, "volontaire", "volontaires"),
                plural(
                    v.applications_received,
                    "candidature reçue",
                    "candidatures reçues"
                ),
                plural(rejected, "refusée", "refusées"),
                plural(pending, "en attente", "en attente")
            );
            let men = v.gender.count(Gender::Homme.as_str());
            let women = v.gender.count(Gender::Femme.as_str());
            let lean = match (men, women) {
                (Some(m), Some(w)) if m > w => "Plutôt des <strong>hommes</strong>",
                (Some(m), Some(w)) if w > m => "Plutôt des <strong>femmes</strong>",
                (Some(_), Some(_)) => {
                    "Autant de <strong>femmes</strong> que d'<strong>hommes</strong>"
                }
                _ => "Genre",
            };
            let mut others = Vec::new();
            for (code, word) in [
                (Gender::Autre.as_str(), "autre"),
                (NOT_STATED_CODE, "non renseigné"),
            ] {
                let n = v.gender.count(code);
                if n != Some(0) {
                    others.push(format!("{} {word}", self.count(n)));
                }
            }
            let others = if others.is_empty() {
                String::new()
            } else {
                format!(", {}", others.join(", "))
            };
            let roles: Vec<String> = Self::top(&v.job_role, 3)
                .iter()
                .map(|row| {
                    format!(
                        "<strong>{}</strong> ({})",
                        escape(&row.label),
                        self.count(row.count)
                    )
                })
                .collect();
            let _ = write!(
                out,
                "<p>{lean} ({} hommes / {} femmes{others}). Fonctions les plus représentées : {}.</p>",
                self.count(men),
                self.count(women),
                list(&roles)
            );
            let mut sectors = vec![
                format!(
                    "<strong>sanitaires</strong> ({})",
                    self.row_count(&v.origin_sector, Sector::Sanitaire.as_str())
                ),
                format!(
                    "<strong>médico-sociales</strong> ({})",
                    self.row_count(&v.origin_sector, Sector::MedicoSocial.as_str())
                ),
            ];
            if v.origin_sector.count(Sector::Autre.as_str()) != Some(0) {
                sectors.push(format!(
                    "d'autres structures ({})",
                    self.row_count(&v.origin_sector, Sector::Autre.as_str())
                ));
            }
            if v.origin_sector.count(NOT_STATED_CODE) != Some(0) {
                sectors.push(format!(
                    "de structures non renseignées ({})",
                    self.row_count(&v.origin_sector, NOT_STATED_CODE)
                ));
            }
            let share = |code: &str| v.public_private.row(code).and_then(|row| row.share);
            let (public, private) = (share(LegalStatus::Public.as_str()), share(PRIVATE_CODE));
            let status = match (public, private) {
                (Some(p), Some(q)) if q > p => format!(
                    ", plutôt privées ({}) que publiques ({})",
                    percent(private),
                    percent(public)
                ),
                (Some(p), Some(q)) if p > q => format!(
                    ", plutôt publiques ({}) que privées ({})",
                    percent(public),
                    percent(private)
                ),
                (Some(_), Some(_)) => format!(
                    ", autant publiques ({}) que privées ({})",
                    percent(public),
                    percent(private)
                ),
                _ => String::new(),
            };
            let _ = write!(
                out,
                "<p>Issus de structures {}{status}.</p>",
                list(&sectors)
            );
            let regions: Vec<String> = Self::top(&v.region, 5)
                .iter()
                .map(|row| format!("{} ({})", escape(&row.label), self.count(row.count)))
                .collect();
            let _ = write!(
                out,
                "<p>Issus de <strong>{}</strong>{}.</p>",
                plural(v.distinct_regions, "région", "régions différentes"),
                if regions.is_empty() {
                    String::new()
                } else {
                    format!(", en particulier {}", list(&regions))
                }
            );
            let themes: Vec<String> = Self::top(&v.themes, 3)
                .iter()
                .map(|row| format!("<strong>{}</strong>", escape(&in_sentence(&row.label))))
                .collect();
            if !themes.is_empty() {
                let _ = write!(
                    out,
                    "<p>Les principaux thèmes sur lesquels l'aide est proposée sont : {}.</p>",
                    list(&themes)
                );
            }
        }
        let profile = [
            ("Genre", &v.gender),
            ("Fonction", &v.job_role),
            ("Secteur d'origine", &v.origin_sector),
            ("Statut de la structure", &v.origin_status),
        ]
        .iter()
        .map(|(title, breakdown)| Panel {
            title: (*title).to_owned(),
            bars: Self::bars(breakdown, "Non renseigné"),
        })
        .collect::<Vec<_>>();
        self.figure(out, 1, "Profil des volontaires du dispositif", &profile, 2);
        let themes = [Panel {
            title: format!(
                "Volontaires proposant chaque thème (sur {})",
                number(v.accepted)
            ),
            bars: Self::bars(&v.themes, "Aucun thème"),
        }];
        self.figure(
            out,
            2,
            "Thèmes d'expertise proposés par les volontaires",
            &themes,
            1,
        );
        out.push_str("</section>");
    }

    fn figure(
        &self,
        out: &mut String,
        index: u32,
        caption: &str,
        panels: &[Panel],
        columns: usize,
    ) {
        let id = format!("figure-{index}");
        let _ = write!(
            out,
            "<figure id=\"{id}\">{}<figcaption>Figure {index} : {}</figcaption></figure>",
            figure(
                &format!("{id}-titre"),
                caption,
                panels,
                columns,
                &self.masked
            ),
            escape(caption)
        );
    }

    fn establishments(&self, out: &mut String) {
        let r = &self.bilan.requests;
        out.push_str(
            "<section id=\"etablissements\"><h2>Établissements ayant sollicité de l'aide</h2>",
        );
        let _ = write!(
            out,
            "<p>En cumulé, <strong>{}</strong> {} par {} du dispositif ({} sur la \
             période).</p>",
            plural(r.handled, "demande d'aide", "demandes d'aide"),
            if r.handled <= 1 {
                "a été traitée"
            } else {
                "ont été traitées"
            },
            plural(r.volunteers_involved, "volontaire", "volontaires"),
            plural(r.received, "demande reçue", "demandes reçues")
        );
        let kinds: Vec<String> = [
            (
                EstablishmentKind::Es,
                "établissement de santé",
                "établissements de santé",
            ),
            (
                EstablishmentKind::Esms,
                "structure médico-sociale",
                "structures médico-sociales",
            ),
            (
                EstablishmentKind::Ambulatoire,
                "structure ambulatoire",
                "structures ambulatoires",
            ),
        ]
        .iter()
        .filter_map(|(kind, one, many)| {
            let n = r.establishments_by_kind.count(kind.as_str());
            match n {
                Some(0) => None,
                Some(1) => Some(format!("<strong>1 {one}</strong>")),
                _ => Some(format!("<strong>{} {many}</strong>", self.count(n))),
            }
        })
        .collect();
        if !kinds.is_empty() {
            let _ = write!(
                out,
                "<p>Ces demandes d'aide ont été formulées par {} ({}).</p>",
                list(&kinds),
                plural(r.distinct_regions, "région", "régions")
            );
        }
        let themes = Self::top(&r.main_theme, 2);
        match themes.as_slice() {
            [first, second, ..] => {
                let _ = write!(
                    out,
                    "<p>Ces demandes ont porté principalement sur <strong>{}</strong>, mais \
                     aussi sur <strong>{}</strong>.</p>",
                    escape(&in_sentence(&first.label)),
                    escape(&in_sentence(&second.label))
                );
            }
            [first] => {
                let _ = write!(
                    out,
                    "<p>Ces demandes ont porté principalement sur <strong>{}</strong>.</p>",
                    escape(&in_sentence(&first.label))
                );
            }
            [] => {}
        }
        if r.open_at_end > 0 || r.unmatched_at_end > 0 {
            let _ = write!(
                out,
                "<p>À la fin de la période : {} en cours, {} sans volontaire.</p>",
                plural(r.open_at_end, "demande", "demandes"),
                plural(r.unmatched_at_end, "demande", "demandes")
            );
        }
        let panels = [Panel {
            title: format!("Demandes par thème principal (sur {})", number(r.received)),
            bars: Self::bars(&r.main_theme, "Sans thème"),
        }];
        self.figure(
            out,
            3,
            "Thème des demandes d'aide dans le cadre du dispositif",
            &panels,
            1,
        );
        out.push_str("</section>");
    }

    fn answers(&self, out: &mut String) {
        let a = &self.bilan.answers;
        out.push_str("<section id=\"reponses\"><h2>Réponses apportées</h2>");
        if let Some(first) = Self::top(&a.answer_types, 1).first() {
            let _ = write!(
                out,
                "<p>Le soutien apporté a été principalement réalisé par <strong>{}</strong>.",
                escape(&in_sentence(&first.label))
            );
            let tools = a.answer_types.count(AnswerType::EnvoiOutil.as_str());
            if tools != Some(0) {
                let names: Vec<String> = a
                    .tools
                    .iter()
                    .take(5)
                    .map(|tool| escape(&in_sentence(&tool.name)))
                    .collect();
                let _ = write!(
                    out,
                    " {} à la production ou l'<strong>envoi d'un outil</strong>{}.",
                    self.count_phrase(tools, "demande a donné lieu", "demandes ont donné lieu"),
                    if names.is_empty() {
                        String::new()
                    } else {
                        format!(
                            " ({}{})",
                            names.join(", "),
                            if a.tools.len() > 5 { ", etc." } else { "" }
                        )
                    }
                );
            }
            let forum = a.answer_types.count(AnswerType::PostForum.as_str());
            if forum != Some(0) {
                let _ = write!(
                    out,
                    " {} à un post dans le fil de discussion de la communauté.",
                    self.count_phrase(forum, "demande a donné lieu", "demandes ont donné lieu")
                );
            }
            out.push_str("</p>");
        } else {
            out.push_str("<p>Aucune réponse n'a été enregistrée sur la période.</p>");
        }
        let waiting = a.answer_types.count(NOT_STATED_CODE).unwrap_or(0);
        if waiting > 0 {
            let _ = write!(
                out,
                "<p>{} pas encore de réponse enregistrée.</p>",
                plural(waiting, "demande traitée n'a", "demandes traitées n'ont")
            );
        }
        let panels = [Panel {
            title: format!(
                "Demandes traitées par type de réponse (sur {}, plusieurs types possibles)",
                number(a.answer_types.population)
            ),
            bars: Self::bars(&a.answer_types, "Pas encore de réponse"),
        }];
        self.figure(
            out,
            4,
            "Type de réponse apportée aux sollicitations",
            &panels,
            1,
        );
        out.push_str("</section>");
    }

    fn delay_row(&self, label: &str, delay: &Delay) -> String {
        format!(
            "<tr><th scope=\"row\">{}</th><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            escape(label),
            number(delay.count),
            duration(delay.median_hours),
            duration(delay.p90_hours)
        )
    }

    fn follow_up(&self, out: &mut String) {
        let f = &self.bilan.follow_up;
        let r = &self.bilan.requests;
        out.push_str(
            "<section id=\"suivi\"><h2>Suivi du dispositif</h2><p>Indicateurs que le bilan \
             de 2020 ne mesurait pas : délais de prise en charge, propositions aux \
             volontaires, utilité perçue et répartition de la charge.</p>",
        );
        let _ = write!(
            out,
            "<table><caption>Délais depuis la demande</caption><thead><tr><th>Délai</th>\
             <th>Demandes mesurées</th><th>Médiane</th><th>90<sup>e</sup> centile</th></tr>\
             </thead><tbody>{}{}{}</tbody></table>",
            self.delay_row("Jusqu'à la première proposition", &f.time_to_first_proposal),
            self.delay_row(
                "Jusqu'à l'acceptation par un volontaire",
                &f.time_to_acceptance
            ),
            self.delay_row("Jusqu'à la réponse", &f.time_to_resolution)
        );
        let busy = f
            .load
            .rows
            .iter()
            .filter(|row| row.code != "0" && row.code != NOT_STATED_CODE)
            .map(|row| row.count)
            .try_fold(0u64, |sum, n| n.map(|n| sum + n));
        let _ = write!(
            out,
            "<ul><li>Propositions acceptées par les volontaires : {} (sur celles acceptées, \
             déclinées ou expirées).</li><li>Demandes résolues : {} sur {} reçues ({}).</li>\
             <li>Utilité de l'aide selon les établissements : {} ({}).</li>\
             <li>Charge des volontaires : {} au moins une demande, {} en moyenne, au plus {} \
             pour un même volontaire.</li></ul>",
            percent(f.proposal_acceptance_rate),
            number(f.resolved),
            number(r.received),
            percent(f.resolved_share),
            f.rating_mean.map_or_else(
                || "pas encore de note".to_owned(),
                |m| format!("{} / 5 en moyenne", decimal(m, 1))
            ),
            plural(
                f.ratings.population - f.ratings.count(NOT_STATED_CODE).unwrap_or(0),
                "note",
                "notes"
            ),
            match busy {
                Some(n) => plural(n, "volontaire a traité", "volontaires ont traité"),
                None => format!("{} volontaires ont traité", self.masked),
            },
            f.load_mean
                .map_or_else(|| "—".to_owned(), |m| decimal(m, 1)),
            number(f.load_max)
        );
        out.push_str("</section>");
    }

    fn appendix(&self, out: &mut String) {
        out.push_str(
            "<section class=\"annexe\" id=\"annexe\"><h2>Annexe : tableaux détaillés</h2>\
             <p>Chaque tableau a une ligne « Non renseigné » pour les fiches sans valeur \
             connue, afin que les totaux tombent juste.</p>",
        );
        for table in tables(self.bilan).iter().skip(1) {
            let _ = write!(
                out,
                "<table><caption>{}</caption><thead><tr>",
                escape(&table.title)
            );
            for column in &table.columns {
                let _ = write!(out, "<th>{}</th>", escape(&column.replace('_', " ")));
            }
            out.push_str("</tr></thead><tbody>");
            for row in &table.rows {
                out.push_str("<tr>");
                for cell in row {
                    let numeric = !matches!(cell, Cell::Text(_));
                    let _ = write!(
                        out,
                        "<td{}>{}</td>",
                        if numeric { " class=\"n\"" } else { "" },
                        escape(&crate::tables::text(cell, &self.masked, true))
                    );
                }
                out.push_str("</tr>");
            }
            out.push_str("</tbody></table>");
        }
        out.push_str("</section>");
    }
}

/// The report as one HTML document.
pub fn report(bilan: &Bilan) -> String {
    let writer = Writer {
        bilan,
        masked: format!("< {}", bilan.masking.threshold),
    };
    let mut out = String::with_capacity(64 * 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Bilan du dispositif d'entraide — du {} au {}</title><style>{STYLE}</style>\
         </head><body>",
        date(bilan.period.from),
        date(bilan.period.to)
    );
    writer.header(&mut out);
    out.push_str("<main>");
    writer.context(&mut out);
    writer.volunteers(&mut out);
    writer.establishments(&mut out);
    writer.answers(&mut out);
    writer.follow_up(&mut out);
    writer.appendix(&mut out);
    let _ = write!(
        out,
        "</main><footer>Produit par entraide le {} à {} (UTC).</footer></body></html>",
        date(bilan.generated_at.date()),
        bilan.generated_at.format("%H:%M")
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_numbers_dates_and_durations() {
        assert_eq!(number(10_000), "10\u{202f}000");
        assert_eq!(number(37), "37");
        assert_eq!(percent(Some(0.6757)), "67,6\u{a0}%");
        assert_eq!(duration(Some(0.5)), "30\u{a0}min");
        assert_eq!(duration(Some(5.25)), "5,3\u{a0}h");
        assert_eq!(duration(Some(72.0)), "3\u{a0}jours");
        assert_eq!(
            date(NaiveDate::from_ymd_opt(2020, 4, 30).unwrap_or_default()),
            "30/04/2020"
        );
        assert_eq!(list(&["a".into(), "b".into(), "c".into()]), "a, b et c");
        assert_eq!(in_sentence("Appel téléphonique"), "appel téléphonique");
        assert_eq!(
            in_sentence("SI médico-social / DUI"),
            "SI médico-social / DUI"
        );
    }

    #[test]
    fn the_policy_allows_exactly_the_style_element() {
        let policy = content_security_policy();
        assert!(policy.starts_with("default-src 'none'; style-src 'sha256-"));
        assert!(!policy.contains("unsafe"));
        assert!(!STYLE.contains("</"));
    }
}
