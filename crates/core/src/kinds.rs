//! Small closed lists of the domain (sector, kind of establishment, job role,
//! urgency...), each with a stable snake_case code and a French label.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{quoted, ValidationError};

/// Counts identifiers, to size the `ALL` arrays without repeating a number
/// that could drift from the list.
macro_rules! count {
    () => { 0usize };
    ($head:ident $($tail:ident)*) => { 1usize + count!($($tail)*) };
}

/// Declares a closed list with its code, label, `ALL`, `FromStr`, `Display`
/// and serde, so that every list behaves the same way.
macro_rules! code_enum {
    (
        $(#[$meta:meta])*
        $name:ident, $what:literal {
            $( $(#[$vmeta:meta])* $variant:ident => ($code:literal, $label:literal) ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in display order, for pick-lists and for reports
            /// that must show a row even for a value with no data.
            pub const ALL: [$name; count!($($variant)+)] = [$($name::$variant),+];

            /// Stable snake_case code, as stored and exchanged (same as serde).
            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $code, )+
                }
            }

            /// French label shown to people.
            pub fn label(self) -> &'static str {
                match self {
                    $( $name::$variant => $label, )+
                }
            }
        }

        /// Shows the code; use `label()` for people.
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        /// Parses the code, trimmed and case-insensitive; the error lists the
        /// accepted codes.
        impl FromStr for $name {
            type Err = ValidationError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let wanted = s.trim().to_ascii_lowercase();
                Self::ALL
                    .into_iter()
                    .find(|v| v.as_str() == wanted)
                    .ok_or_else(|| unknown_value($what, s.trim(), &Self::ALL.map(Self::as_str)))
            }
        }
    };
}

/// The one error for a code that is not in its list.
fn unknown_value(what: &str, input: &str, accepted: &[&str]) -> ValidationError {
    ValidationError::new(
        "enum.unknown",
        format!(
            "Valeur {} inconnue pour {what} : valeurs acceptées : {}.",
            quoted(input),
            accepted.join(", ")
        ),
    )
}

code_enum! {
    /// Sector a volunteer comes from; the bilan counts volunteers by sector.
    Sector, "le secteur" {
        /// Health sector (hospitals, clinics).
        Sanitaire => ("sanitaire", "Sanitaire"),
        /// Social and medico-social sector (EHPAD, disability services...).
        MedicoSocial => ("medico_social", "Médico-social"),
        /// Anything else (consulting, public administration...).
        Autre => ("autre", "Autre"),
    }
}

code_enum! {
    /// Kind of the establishment asking for help; the bilan counts requesters
    /// by kind.
    EstablishmentKind, "le type d'établissement" {
        /// Établissement de santé (hospital, clinic).
        Es => ("es", "Établissement de santé (ES)"),
        /// Établissement ou service social et médico-social.
        Esms => ("esms", "Établissement ou service médico-social (ESMS)"),
        /// Ambulatory structure (health centre, group practice...).
        Ambulatoire => ("ambulatoire", "Structure ambulatoire"),
    }
}

impl EstablishmentKind {
    /// The sector of the establishment, to prefer volunteers who know it.
    pub fn sector(self) -> Sector {
        match self {
            EstablishmentKind::Es | EstablishmentKind::Ambulatoire => Sector::Sanitaire,
            EstablishmentKind::Esms => Sector::MedicoSocial,
        }
    }
}

code_enum! {
    /// Legal status of a structure (the volunteer's employer or the
    /// requesting establishment); the bilan splits public and private.
    LegalStatus, "le statut" {
        /// Public body.
        Public => ("public", "Public"),
        /// Private non-profit (association, foundation, ESPIC...).
        PriveNonLucratif => ("prive_non_lucratif", "Privé non lucratif"),
        /// Private for-profit.
        PriveLucratif => ("prive_lucratif", "Privé lucratif"),
    }
}

impl LegalStatus {
    /// Whether the status is private, for the public/private split of the bilan.
    pub fn is_private(self) -> bool {
        !matches!(self, LegalStatus::Public)
    }
}

code_enum! {
    /// Job of a volunteer; the bilan counts volunteers by role.
    JobRole, "la fonction" {
        /// IT director.
        Dsi => ("dsi", "DSI"),
        /// IT manager.
        Rsi => ("rsi", "RSI"),
        /// Information-security officer.
        Rssi => ("rssi", "RSSI"),
        /// Director of an establishment.
        Directeur => ("directeur", "Directeur·rice"),
        /// Project lead.
        ChefDeProjet => ("chef_de_projet", "Chef·fe de projet"),
        /// Any other role.
        Autre => ("autre", "Autre"),
    }
}

code_enum! {
    /// Optional gender of a volunteer, only for the bilan's head count.
    Gender, "le genre" {
        /// Woman.
        Femme => ("femme", "Femme"),
        /// Man.
        Homme => ("homme", "Homme"),
        /// Other or undisclosed choice.
        Autre => ("autre", "Autre"),
    }
}

code_enum! {
    /// How a volunteer answered a help request; figure 4 of the bilan.
    AnswerType, "le type de réponse" {
        /// Phone call.
        AppelTelephonique => ("appel_telephonique", "Appel téléphonique"),
        /// A tool was sent (teleworking charter, PCA template...).
        EnvoiOutil => ("envoi_outil", "Envoi d'un outil"),
        /// Video call.
        Visioconference => ("visioconference", "Visioconférence"),
        /// On-site visit.
        InterventionSurSite => ("intervention_sur_site", "Intervention sur site"),
        /// Post in the community discussion thread.
        PostForum => ("post_forum", "Post sur le forum"),
        /// Put in touch with someone else.
        MiseEnRelation => ("mise_en_relation", "Mise en relation"),
    }
}

code_enum! {
    /// Urgency of a help request; ordered so that sorting in reverse puts the
    /// most urgent first (`Critical > High > Normal > Low`).
    Urgency, "l'urgence" {
        /// Can wait.
        Low => ("low", "Faible"),
        /// Default urgency.
        Normal => ("normal", "Normale"),
        /// Needs an answer soon.
        High => ("high", "Haute"),
        /// Activity is at stake now.
        Critical => ("critical", "Critique"),
    }
}

code_enum! {
    /// What a signed-in person may do; one person may hold several roles.
    Role, "le rôle" {
        /// ANAP staff: vet applications, steer matching, export the bilan.
        Staff => ("staff", "Équipe ANAP"),
        /// Accepted volunteer: receives proposals and handles cases.
        Volunteer => ("volunteer", "Volontaire"),
        /// Contact person of an establishment asking for help.
        Requester => ("requester", "Demandeur"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// Checks the shared contract of a list: serde and `as_str` agree,
    /// `Display` is the code, parsing round-trips, codes and labels are unique.
    fn check_contract<T>(all: &[T])
    where
        T: Copy
            + PartialEq
            + fmt::Debug
            + fmt::Display
            + FromStr<Err = ValidationError>
            + Serialize
            + serde::de::DeserializeOwned,
    {
        let mut codes = HashSet::new();
        for &v in all {
            let code = v.to_string();
            assert_eq!(serde_json::to_string(&v).unwrap(), format!("\"{code}\""));
            assert_eq!(
                serde_json::from_str::<T>(&format!("\"{code}\"")).unwrap(),
                v
            );
            assert_eq!(code.parse::<T>().unwrap(), v);
            assert_eq!(code.to_uppercase().parse::<T>().unwrap(), v);
            assert_eq!(format!("  {code} ").parse::<T>().unwrap(), v);
            assert!(code.chars().all(|c| c.is_ascii_lowercase() || c == '_'));
            assert!(codes.insert(code));
        }
        let e = "inconnu".parse::<T>().unwrap_err();
        assert_eq!(e.code, "enum.unknown");
        for code in &codes {
            assert!(e.message.contains(code.as_str()), "{}", e.message);
        }
        assert!(serde_json::from_str::<T>("\"inconnu\"").is_err());
    }

    fn labels_unique(labels: &[&str]) {
        let set: HashSet<_> = labels.iter().collect();
        assert_eq!(set.len(), labels.len());
        assert!(labels.iter().all(|l| !l.is_empty()));
    }

    #[test]
    fn sector() {
        check_contract(&Sector::ALL);
        labels_unique(&Sector::ALL.map(Sector::label));
        assert_eq!(Sector::MedicoSocial.as_str(), "medico_social");
        assert_eq!(Sector::MedicoSocial.label(), "Médico-social");
        assert_eq!(Sector::ALL.len(), 3);
    }

    #[test]
    fn establishment_kind() {
        check_contract(&EstablishmentKind::ALL);
        labels_unique(&EstablishmentKind::ALL.map(EstablishmentKind::label));
        assert_eq!(EstablishmentKind::Es.sector(), Sector::Sanitaire);
        assert_eq!(EstablishmentKind::Esms.sector(), Sector::MedicoSocial);
        assert_eq!(EstablishmentKind::Ambulatoire.sector(), Sector::Sanitaire);
        assert_eq!(
            EstablishmentKind::Esms.label(),
            "Établissement ou service médico-social (ESMS)"
        );
        assert_eq!(
            "ESMS".parse::<EstablishmentKind>().unwrap(),
            EstablishmentKind::Esms
        );
    }

    #[test]
    fn legal_status() {
        check_contract(&LegalStatus::ALL);
        labels_unique(&LegalStatus::ALL.map(LegalStatus::label));
        assert!(!LegalStatus::Public.is_private());
        assert!(LegalStatus::PriveNonLucratif.is_private());
        assert!(LegalStatus::PriveLucratif.is_private());
        assert_eq!(LegalStatus::PriveNonLucratif.as_str(), "prive_non_lucratif");
    }

    #[test]
    fn job_role() {
        check_contract(&JobRole::ALL);
        labels_unique(&JobRole::ALL.map(JobRole::label));
        assert_eq!(JobRole::ChefDeProjet.as_str(), "chef_de_projet");
        assert_eq!(JobRole::Directeur.label(), "Directeur·rice");
        assert_eq!(JobRole::ALL.len(), 6);
    }

    #[test]
    fn gender() {
        check_contract(&Gender::ALL);
        labels_unique(&Gender::ALL.map(Gender::label));
    }

    #[test]
    fn answer_type() {
        check_contract(&AnswerType::ALL);
        labels_unique(&AnswerType::ALL.map(AnswerType::label));
        assert_eq!(AnswerType::EnvoiOutil.as_str(), "envoi_outil");
        assert_eq!(AnswerType::EnvoiOutil.label(), "Envoi d'un outil");
        assert_eq!(
            AnswerType::InterventionSurSite.as_str(),
            "intervention_sur_site"
        );
        assert_eq!(AnswerType::ALL.len(), 6);
    }

    #[test]
    fn role() {
        check_contract(&Role::ALL);
        labels_unique(&Role::ALL.map(Role::label));
        assert_eq!("STAFF".parse::<Role>(), Ok(Role::Staff));
    }

    #[test]
    fn urgency_order_and_labels() {
        check_contract(&Urgency::ALL);
        labels_unique(&Urgency::ALL.map(Urgency::label));
        assert!(Urgency::Critical > Urgency::High);
        assert!(Urgency::High > Urgency::Normal);
        assert!(Urgency::Normal > Urgency::Low);
        let mut v = vec![
            Urgency::Normal,
            Urgency::Critical,
            Urgency::Low,
            Urgency::High,
        ];
        v.sort_unstable_by(|a, b| b.cmp(a));
        assert_eq!(
            v,
            [
                Urgency::Critical,
                Urgency::High,
                Urgency::Normal,
                Urgency::Low
            ]
        );
        assert_eq!(Urgency::Critical.label(), "Critique");
    }

    #[test]
    fn unknown_value_message() {
        let e = "chef".parse::<JobRole>().unwrap_err();
        assert_eq!(
            e.message,
            "Valeur « chef » inconnue pour la fonction : valeurs acceptées : \
             dsi, rsi, rssi, directeur, chef_de_projet, autre."
        );
    }
}
