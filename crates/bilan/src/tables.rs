//! The bilan as a list of tables: one CSV file, one XLSX sheet and one table of the HTML
//! appendix each, so that the three formats hold the same figures.

use crate::model::round;
use crate::{Bilan, Breakdown, Delay};

/// One cell of a table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text.
    Text(String),
    /// A count.
    Count(u64),
    /// A share from 0 to 1.
    Share(f64),
    /// Any other number (hours, a mean).
    Number(f64),
    /// A count hidden by the public option.
    Masked,
    /// No value (a share of an empty population, a delay never measured).
    Empty,
}

/// A table of the bilan.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// File and sheet name: ASCII, at most 31 characters, numbered in report order.
    pub name: &'static str,
    /// French title.
    pub title: String,
    /// Column headers.
    pub columns: Vec<&'static str>,
    /// Rows, as many cells as columns.
    pub rows: Vec<Vec<Cell>>,
}

const BREAKDOWN_COLUMNS: [&str; 4] = ["code", "libelle", "effectif", "part"];

fn breakdown(name: &'static str, title: &str, breakdown: &Breakdown) -> Table {
    let mut title = title.to_owned();
    if breakdown.multiple {
        title.push_str(
            " (plusieurs valeurs possibles : les parts rapportent chaque valeur au total \
             et peuvent dépasser 100 %)",
        );
    }
    Table {
        name,
        title,
        columns: BREAKDOWN_COLUMNS.to_vec(),
        rows: breakdown
            .rows
            .iter()
            .map(|row| {
                vec![
                    Cell::Text(row.code.clone()),
                    Cell::Text(row.label.clone()),
                    row.count.map_or(Cell::Masked, Cell::Count),
                    match (row.masked, row.share) {
                        (true, _) => Cell::Masked,
                        (false, Some(share)) => Cell::Share(share),
                        (false, None) => Cell::Empty,
                    },
                ]
            })
            .collect(),
    }
}

fn figure(label: &str, value: Cell) -> Vec<Cell> {
    vec![Cell::Text(label.to_owned()), value]
}

fn optional(value: Option<f64>, make: fn(f64) -> Cell) -> Cell {
    value.map_or(Cell::Empty, make)
}

fn delay_row(label: &str, delay: &Delay) -> Vec<Cell> {
    vec![
        Cell::Text(label.to_owned()),
        Cell::Count(delay.count),
        optional(delay.median_hours, Cell::Number),
        optional(delay.p90_hours, Cell::Number),
    ]
}

/// Every table of the bilan, in the order of the report.
pub fn tables(bilan: &Bilan) -> Vec<Table> {
    let v = &bilan.volunteers;
    let r = &bilan.requests;
    let a = &bilan.answers;
    let f = &bilan.follow_up;
    let masking = &bilan.masking;
    let mut information = vec![
        figure("Titre", Cell::Text(bilan.title.clone())),
        figure(
            "Premier jour de la période",
            Cell::Text(bilan.period.from.to_string()),
        ),
        figure(
            "Dernier jour de la période",
            Cell::Text(bilan.period.to.to_string()),
        ),
        figure(
            "Nombre de jours",
            Cell::Count(bilan.period.days.unsigned_abs()),
        ),
        figure(
            "Début du dispositif",
            Cell::Text(bilan.scheme_start.to_string()),
        ),
        figure(
            "Produit le (UTC)",
            Cell::Text(bilan.generated_at.format("%Y-%m-%d %H:%M:%S").to_string()),
        ),
        figure(
            "Version publique",
            Cell::Text(if masking.public { "oui" } else { "non" }.to_owned()),
        ),
    ];
    if masking.public {
        information.push(figure(
            "Seuil de masquage",
            Cell::Count(u64::from(masking.threshold)),
        ));
        information.push(figure(
            "Effectifs masqués",
            Cell::Count(u64::from(masking.masked_cells)),
        ));
    }
    if let Some(note) = &masking.note {
        information.push(figure("Masquage", Cell::Text(note.clone())));
    }
    information.push(figure(
        "Non renseigné",
        Cell::Text(
            "Chaque tableau a une ligne « Non renseigné » pour les fiches sans valeur \
             connue, afin que les totaux tombent juste."
                .to_owned(),
        ),
    ));
    vec![
        Table {
            name: "00_informations",
            title: "Informations sur le bilan".to_owned(),
            columns: vec!["rubrique", "valeur"],
            rows: information,
        },
        Table {
            name: "01_chiffres_cles",
            title: "Chiffres clés".to_owned(),
            columns: vec!["indicateur", "valeur"],
            rows: vec![
                figure("Candidatures reçues", Cell::Count(v.applications_received)),
                figure("Volontaires acceptés", Cell::Count(v.accepted)),
                figure("Régions des volontaires", Cell::Count(v.distinct_regions)),
                figure("Demandes d'aide reçues", Cell::Count(r.received)),
                figure(
                    "Demandes traitées (prises par un volontaire)",
                    Cell::Count(r.handled),
                ),
                figure(
                    "Volontaires ayant traité des demandes",
                    Cell::Count(r.volunteers_involved),
                ),
                figure("Établissements demandeurs", Cell::Count(r.establishments)),
                figure(
                    "Régions des établissements",
                    Cell::Count(r.distinct_regions),
                ),
                figure(
                    "Demandes encore ouvertes à la fin de la période",
                    Cell::Count(r.open_at_end),
                ),
                figure(
                    "Demandes sans volontaire à la fin de la période",
                    Cell::Count(r.unmatched_at_end),
                ),
                figure(
                    "Demandes avec une réponse enregistrée",
                    Cell::Count(a.answered),
                ),
                figure("Demandes résolues", Cell::Count(f.resolved)),
                figure(
                    "Part des demandes résolues",
                    optional(f.resolved_share, Cell::Share),
                ),
                figure(
                    "Taux d'acceptation des propositions",
                    optional(f.proposal_acceptance_rate, Cell::Share),
                ),
                figure(
                    "Note moyenne d'utilité (sur 5)",
                    optional(f.rating_mean, Cell::Number),
                ),
                figure(
                    "Demandes traitées par un même volontaire, au plus",
                    Cell::Count(f.load_max),
                ),
                figure(
                    "Demandes par volontaire ayant traité au moins une demande (moyenne)",
                    optional(f.load_mean, Cell::Number),
                ),
            ],
        },
        breakdown(
            "02_candidatures",
            "Candidatures reçues, par décision à la fin de la période",
            &v.applications,
        ),
        breakdown("03_volontaires_genre", "Volontaires par genre", &v.gender),
        breakdown(
            "04_volontaires_fonction",
            "Volontaires par fonction",
            &v.job_role,
        ),
        breakdown(
            "05_volontaires_secteur",
            "Volontaires par secteur d'origine",
            &v.origin_sector,
        ),
        breakdown(
            "06_volontaires_statut",
            "Volontaires par statut de leur structure",
            &v.origin_status,
        ),
        breakdown(
            "07_volontaires_public_prive",
            "Volontaires issus de structures publiques ou privées",
            &v.public_private,
        ),
        breakdown("08_volontaires_region", "Volontaires par région", &v.region),
        breakdown(
            "09_volontaires_themes",
            "Thèmes d'expertise proposés par les volontaires",
            &v.themes,
        ),
        breakdown(
            "10_demandes_etat",
            "Demandes d'aide par état à la fin de la période",
            &r.status_at_end,
        ),
        breakdown(
            "11_demandes_type_structure",
            "Demandes d'aide par type de structure",
            &r.kind,
        ),
        breakdown(
            "12_structures_type",
            "Établissements demandeurs par type",
            &r.establishments_by_kind,
        ),
        breakdown(
            "13_demandes_region",
            "Demandes d'aide par région de l'établissement",
            &r.region,
        ),
        breakdown(
            "14_demandes_theme_principal",
            "Demandes d'aide par thème principal",
            &r.main_theme,
        ),
        breakdown(
            "15_demandes_themes",
            "Thèmes des demandes d'aide",
            &r.themes,
        ),
        breakdown(
            "16_reponses_types",
            "Type de réponse apportée aux demandes traitées",
            &a.answer_types,
        ),
        Table {
            name: "17_reponses_outils",
            title: "Outils envoyés aux établissements".to_owned(),
            columns: vec!["outil", "demandes"],
            rows: a
                .tools
                .iter()
                .map(|tool| vec![Cell::Text(tool.name.clone()), Cell::Count(tool.count)])
                .collect(),
        },
        Table {
            name: "18_delais",
            title: "Délais depuis la demande, en heures (médiane et 90e centile)".to_owned(),
            columns: vec![
                "delai",
                "demandes_mesurees",
                "mediane_heures",
                "centile_90_heures",
            ],
            rows: vec![
                delay_row("Jusqu'à la première proposition", &f.time_to_first_proposal),
                delay_row(
                    "Jusqu'à l'acceptation par un volontaire",
                    &f.time_to_acceptance,
                ),
                delay_row("Jusqu'à la réponse", &f.time_to_resolution),
            ],
        },
        breakdown(
            "19_propositions",
            "Propositions faites aux volontaires, par état",
            &f.proposals,
        ),
        breakdown(
            "20_notes",
            "Utilité de l'aide selon les établissements (note de 1 à 5)",
            &f.ratings,
        ),
        breakdown(
            "21_charge_volontaires",
            "Volontaires par nombre de demandes traitées",
            &f.load,
        ),
    ]
}

/// A cell as text, as CSV and HTML show it (`masked` is how a hidden count reads).
pub fn text(cell: &Cell, masked: &str, decimal_comma: bool) -> String {
    let number = |value: f64| {
        let text = value.to_string();
        if decimal_comma {
            text.replace('.', ",")
        } else {
            text
        }
    };
    match cell {
        Cell::Text(text) => text.clone(),
        Cell::Count(n) => n.to_string(),
        Cell::Share(share) if decimal_comma => {
            format!("{} %", number(round(share * 100.0, 1)))
        }
        Cell::Share(share) => number(*share),
        Cell::Number(value) => number(*value),
        Cell::Masked => masked.to_owned(),
        Cell::Empty => String::new(),
    }
}
