//! The templates of every message kind, compiled into the binary and rendered strictly.
//!
//! Each kind has a folder `templates/<kind>/` with `subject.txt`, `body.txt` and
//! `body.html`; the HTML bodies extend `templates/layout.html`. Rendering uses minijinja
//! with [`UndefinedBehavior::Strict`]: a variable the message does not provide is an
//! error, never an empty string in an e-mail. HTML templates are auto-escaped (their name
//! ends in `.html`), the text ones are not.

use std::sync::LazyLock;

use std::fmt::Write as _;

use minijinja::{AutoEscape, Environment, ErrorKind, UndefinedBehavior, Value};
use serde::Serialize;

use crate::NotifierError;

/// One message kind: its name (the template folder and the outbox `kind`) and its files.
struct KindTemplates {
    kind: &'static str,
    /// (template name, source) of the subject, the text body and the HTML body.
    files: [(&'static str, &'static str); 3],
}

/// Includes the three files of each kind named, at compile time.
macro_rules! kinds {
    ($($kind:literal),* $(,)?) => {
        &[$(KindTemplates {
            kind: $kind,
            files: [
                (
                    concat!($kind, "/subject.txt"),
                    include_str!(concat!("../templates/", $kind, "/subject.txt")),
                ),
                (
                    concat!($kind, "/body.txt"),
                    include_str!(concat!("../templates/", $kind, "/body.txt")),
                ),
                (
                    concat!($kind, "/body.html"),
                    include_str!(concat!("../templates/", $kind, "/body.html")),
                ),
            ],
        }),*]
    };
}

/// Every message kind, in the order of a case's life.
const TEMPLATES: &[KindTemplates] = kinds![
    "sign_in_link",
    "application_received",
    "application_accepted",
    "application_rejected",
    "request_received",
    "case_proposed",
    "proposal_reminder",
    "case_accepted",
    "case_resolved",
    "case_withdrawn",
    "request_unmatched",
];

/// The shared frame of the HTML bodies, and the macros they import (buttons, links).
const SHARED: &[(&str, &str)] = &[
    ("layout.html", include_str!("../templates/layout.html")),
    ("macros.html", include_str!("../templates/macros.html")),
];

/// The names of every message kind.
pub fn kinds() -> impl Iterator<Item = &'static str> {
    TEMPLATES.iter().map(|t| t.kind)
}

/// Name of one template of a kind, e.g. `case_proposed/body.html`.
pub(crate) fn template_name(kind: &str, file: &str) -> String {
    format!("{kind}/{file}")
}

/// The environment, built once; a template that does not parse makes every rendering
/// fail with the parse error (and the tests with it) instead of panicking.
static ENVIRONMENT: LazyLock<Result<Environment<'static>, String>> = LazyLock::new(build);

fn build() -> Result<Environment<'static>, String> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // Block tags on their own line leave no blank line behind in the text bodies.
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_formatter(format_value);
    let per_kind = TEMPLATES.iter().flat_map(|t| t.files);
    for (name, source) in SHARED.iter().copied().chain(per_kind) {
        env.add_template(name, source)
            .map_err(|e| format!("{name}: {e:#}"))?;
    }
    Ok(env)
}

/// Writes a value into a template. In HTML, strings are escaped like minijinja does except
/// for `/`, which needs no escaping and which minijinja's `&#x2f;` would make unreadable
/// in every link of the HTML source.
fn format_value(
    out: &mut minijinja::Output,
    state: &minijinja::State,
    value: &Value,
) -> Result<(), minijinja::Error> {
    match value.as_str() {
        Some(text) if state.auto_escape() == AutoEscape::Html && !value.is_safe() => {
            let io = |_| minijinja::Error::new(ErrorKind::WriteFailure, "cannot write output");
            for c in text.chars() {
                match c {
                    '&' => out.write_str("&amp;"),
                    '<' => out.write_str("&lt;"),
                    '>' => out.write_str("&gt;"),
                    '"' => out.write_str("&quot;"),
                    '\'' => out.write_str("&#x27;"),
                    c => out.write_char(c),
                }
                .map_err(io)?;
            }
            Ok(())
        }
        _ => minijinja::escape_formatter(out, state, value),
    }
}

/// The environment with every template (tests inspect it).
pub(crate) fn environment() -> Result<&'static Environment<'static>, String> {
    ENVIRONMENT.as_ref().map_err(Clone::clone)
}

/// A message rendered for one recipient, ready to be stored in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedEmail {
    /// One line, without a trailing newline.
    pub subject: String,
    /// Plain-text body.
    pub text: String,
    /// HTML body.
    pub html: String,
}

/// A message kind: the variables of its templates, as public fields of a struct.
///
/// The struct is serialized (serde) into the templates' context, so every field is a
/// template variable; a template that uses a variable the struct lacks fails to render.
pub trait EmailTemplate: Serialize {
    /// The kind: the template folder under `templates/`, stored in the outbox.
    const KIND: &'static str;

    /// Renders the subject and both bodies, or fails without a half-rendered message.
    fn render(&self) -> Result<RenderedEmail, NotifierError> {
        render(Self::KIND, self)
    }
}

/// Renders the three templates of `kind` with `context`.
pub(crate) fn render(
    kind: &'static str,
    context: impl Serialize,
) -> Result<RenderedEmail, NotifierError> {
    let fail = |reason: String| NotifierError::Template { kind, reason };
    let env = environment().map_err(fail)?;
    let context = Value::from_serialize(context);
    let one = |file: &str| -> Result<String, NotifierError> {
        env.get_template(&template_name(kind, file))
            .and_then(|template| template.render(&context))
            .map_err(|e| fail(format!("{file}: {e:#}")))
    };
    let subject = one("subject.txt")?.trim().to_owned();
    if subject.is_empty() || subject.contains(['\r', '\n']) {
        return Err(fail(
            "subject.txt: the subject must be one non-empty line".to_owned(),
        ));
    }
    let text = one("body.txt")?;
    let html = one("body.html")?;
    Ok(RenderedEmail {
        subject,
        text: normalize_text(&text),
        html,
    })
}

/// Trims trailing spaces and runs of blank lines that template branches leave behind.
fn normalize_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank_run = 0;
    for line in text.trim().lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank_run += 1;
            if blank_run > 1 {
                continue;
            }
        } else {
            blank_run = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::messages::*;
    use entraide_core::Email;

    /// Realistic data for every kind: (kind, context as the templates see it, rendering).
    fn samples() -> Vec<(&'static str, Value, Result<RenderedEmail, NotifierError>)> {
        fn one<T: EmailTemplate>(
            message: T,
        ) -> (&'static str, Value, Result<RenderedEmail, NotifierError>) {
            (T::KIND, Value::from_serialize(&message), message.render())
        }
        let volunteer = Party {
            name: "Julien Moreau".to_owned(),
            role: "Directeur des systèmes d'information (DSI)".to_owned(),
            organisation: Some("GHT Nord-Dauphiné".to_owned()),
            email: Email::parse("julien.moreau@ght-nord-dauphine.fr").unwrap(),
            phone: Some("06 12 34 56 78".to_owned()),
        };
        let contact = Party {
            name: "Sophie Lambert".to_owned(),
            role: "Directrice".to_owned(),
            organisation: Some("EHPAD Les Tilleuls".to_owned()),
            email: Email::parse("direction@ehpad-les-tilleuls.fr").unwrap(),
            phone: None,
        };
        let themes = vec![
            "Télétravail".to_owned(),
            "Plan de continuité d'activité (PCA)".to_owned(),
        ];
        let [(_, to_volunteer), (_, to_contact)] = CaseAccepted::both(
            volunteer,
            contact,
            "EHPAD Les Tilleuls",
            &themes,
            "https://entraide.anap.fr/cas/4f1c2a",
        );
        vec![
            one(SignInLink {
                recipient_name: Some("Sophie Lambert".to_owned()),
                link: "https://entraide.anap.fr/connexion#token=abc123".to_owned(),
                valid_minutes: 15,
            }),
            one(SignInLink {
                recipient_name: None,
                link: "https://entraide.anap.fr/connexion#token=def456".to_owned(),
                valid_minutes: 15,
            }),
            one(ApplicationReceived {
                volunteer_name: "Julien Moreau".to_owned(),
                themes: themes.clone(),
                region: "Auvergne-Rhône-Alpes".to_owned(),
            }),
            one(ApplicationAccepted {
                volunteer_name: "Julien Moreau".to_owned(),
                capacity: 2,
                space_link: "https://entraide.anap.fr/volontaire".to_owned(),
            }),
            one(ApplicationRejected {
                volunteer_name: "Marc Petit".to_owned(),
                reason: Some("Le dispositif recherche des profils en poste dans un établissement.".to_owned()),
            }),
            one(ApplicationRejected {
                volunteer_name: "Marc Petit".to_owned(),
                reason: None,
            }),
            one(RequestReceived {
                contact_name: "Sophie Lambert".to_owned(),
                establishment_name: "EHPAD Les Tilleuls".to_owned(),
                reference: "D-2026-0042".to_owned(),
                themes: themes.clone(),
                urgency: "Dans la semaine".to_owned(),
                sign_in_link: "https://entraide.anap.fr/connexion#token=ghi789".to_owned(),
            }),
            one(CaseProposed {
                volunteer_name: "Julien Moreau".to_owned(),
                establishment_name: "EHPAD Les Tilleuls".to_owned(),
                establishment_kind: "EHPAD, établissement médico-social".to_owned(),
                location: "Bourgoin-Jallieu, Isère (38), Auvergne-Rhône-Alpes".to_owned(),
                themes: themes.clone(),
                urgency: "Dans la semaine".to_owned(),
                description: "Nous devons passer 12 agents administratifs en télétravail.\nNous n'avons ni VPN ni charte <à jour> & aucun PCA.".to_owned(),
                reasons: vec![
                    "Expertise en télétravail et PCA".to_owned(),
                    "Même région (Auvergne-Rhône-Alpes)".to_owned(),
                    "Connaît le secteur médico-social".to_owned(),
                ],
                accept_link: "https://entraide.anap.fr/propositions/77/accepter".to_owned(),
                decline_link: "https://entraide.anap.fr/propositions/77/decliner".to_owned(),
                answer_within_hours: 24,
            }),
            one(ProposalReminder {
                volunteer_name: "Julien Moreau".to_owned(),
                establishment_name: "EHPAD Les Tilleuls".to_owned(),
                themes: themes.clone(),
                urgency: "Dans la semaine".to_owned(),
                proposed_on: "lundi 23 novembre à 14 h 05".to_owned(),
                accept_link: "https://entraide.anap.fr/propositions/77/accepter".to_owned(),
                decline_link: "https://entraide.anap.fr/propositions/77/decliner".to_owned(),
            }),
            one(to_volunteer),
            one(to_contact),
            one(CaseResolved {
                contact_name: "Sophie Lambert".to_owned(),
                establishment_name: "EHPAD Les Tilleuls".to_owned(),
                volunteer_name: "Julien Moreau".to_owned(),
                themes: themes.clone(),
                answer_type: "Envoi d'un outil (charte de télétravail)".to_owned(),
                rating_link: "https://entraide.anap.fr/cas/4f1c2a/avis".to_owned(),
            }),
            one(CaseWithdrawn {
                volunteer_name: "Julien Moreau".to_owned(),
                establishment_name: "EHPAD Les Tilleuls".to_owned(),
                themes: themes.clone(),
                cause: "L'établissement a annulé sa demande.".to_owned(),
                reason: Some("Le prestataire a finalement déployé le VPN.".to_owned()),
            }),
            one(CaseWithdrawn {
                volunteer_name: "Julien Moreau".to_owned(),
                establishment_name: "EHPAD Les Tilleuls".to_owned(),
                themes: themes.clone(),
                cause: "L'équipe de l'ANAP a confié la demande à un autre volontaire.".to_owned(),
                reason: None,
            }),
            one(RequestUnmatched {
                recipient_name: Some("Anne Durand".to_owned()),
                reference: "DA-2026-0042".to_owned(),
                establishment_name: "EHPAD Les Tilleuls".to_owned(),
                location: "Isère (38), Auvergne-Rhône-Alpes".to_owned(),
                themes,
                urgency: "Critique".to_owned(),
                reason: "Aucun des 6 volontaires sollicités en 2 vagues n'a accepté.".to_owned(),
                proposals_made: 6,
                case_link: "https://entraide.anap.fr/dossiers/4f1c2a".to_owned(),
            }),
        ]
    }

    fn rendered(kind: &str, index: usize) -> RenderedEmail {
        samples()
            .into_iter()
            .filter(|(k, _, _)| *k == kind)
            .nth(index)
            .map(|(_, _, r)| r.unwrap())
            .unwrap()
    }

    #[test]
    fn every_kind_renders_with_realistic_data() {
        let samples = samples();
        for kind in kinds() {
            assert!(
                samples.iter().any(|(k, _, _)| *k == kind),
                "no sample for {kind}"
            );
        }
        for (kind, _, result) in samples {
            let email = result.unwrap_or_else(|e| panic!("{kind}: {e}"));
            assert!(
                !email.subject.is_empty() && email.subject.len() < 120,
                "{kind}: {}",
                email.subject
            );
            for body in [&email.text, &email.html] {
                assert!(
                    !body.contains("{{") && !body.contains("{%"),
                    "{kind}: template syntax left"
                );
                assert!(body.contains("Bonjour"), "{kind}: no greeting");
                assert!(
                    body.contains("L'équipe entraide") || body.contains("L&#x27;équipe entraide"),
                    "{kind}: no signature"
                );
            }
            assert!(email.html.starts_with("<!DOCTYPE html>"), "{kind}");
            assert!(email.html.contains("lang=\"fr\""), "{kind}");
            assert!(
                !email.text.contains("<p") && !email.text.contains("<a "),
                "{kind}: HTML in the text body: {}",
                email.text
            );
            assert!(!email.text.contains("\n\n\n"), "{kind}: blank lines left");
        }
    }

    #[test]
    fn each_kind_says_what_it_should() {
        let sign_in = rendered("sign_in_link", 0);
        assert_eq!(sign_in.subject, "Votre lien de connexion à entraide");
        assert!(sign_in.text.starts_with("Bonjour Sophie Lambert,\n"));
        assert!(sign_in
            .text
            .contains("https://entraide.anap.fr/connexion#token=abc123"));
        assert!(sign_in.text.contains("valable 15 minutes"));
        assert!(sign_in
            .html
            .contains("href=\"https://entraide.anap.fr/connexion#token=abc123\""));
        let anonymous = rendered("sign_in_link", 1);
        assert!(
            anonymous.text.starts_with("Bonjour,\n"),
            "{}",
            anonymous.text
        );

        let received = rendered("application_received", 0);
        assert!(received
            .text
            .contains("Télétravail, Plan de continuité d'activité (PCA)"));
        assert!(received.text.contains("région : Auvergne-Rhône-Alpes"));

        let accepted = rendered("application_accepted", 0);
        assert!(
            accepted.text.contains("2 demandes à la fois"),
            "{}",
            accepted.text
        );

        let rejected = rendered("application_rejected", 0);
        assert!(rejected.text.contains("Motif : Le dispositif recherche"));
        let rejected = rendered("application_rejected", 1);
        assert!(!rejected.text.contains("Motif"));
        assert!(!rejected.html.contains("Motif"));

        let request = rendered("request_received", 0);
        assert_eq!(request.subject, "Demande d'aide D-2026-0042 enregistrée");
        assert!(request.text.contains("EHPAD Les Tilleuls"));
        assert!(request.text.contains("urgence : Dans la semaine"));

        let proposed = rendered("case_proposed", 0);
        assert_eq!(
            proposed.subject,
            "Demande d'aide : EHPAD Les Tilleuls (Télétravail, Plan de continuité d'activité (PCA))"
        );
        assert!(proposed
            .text
            .contains("- Même région (Auvergne-Rhône-Alpes)\n"));
        assert!(proposed
            .text
            .contains("Accepter : https://entraide.anap.fr/propositions/77/accepter"));
        assert!(proposed
            .text
            .contains("Décliner : https://entraide.anap.fr/propositions/77/decliner"));
        assert!(proposed.text.contains("sous 24 heures"));
        assert!(proposed
            .html
            .contains("<li>Connaît le secteur médico-social</li>"));
        assert!(proposed
            .html
            .contains("href=\"https://entraide.anap.fr/propositions/77/decliner\""));

        let reminder = rendered("proposal_reminder", 0);
        assert!(reminder.subject.starts_with("Rappel : EHPAD Les Tilleuls"));
        assert!(reminder.text.contains("Le lundi 23 novembre à 14 h 05"));

        // Each party of an accepted case gets the other's name, role and contact.
        let to_volunteer = rendered("case_accepted", 0);
        assert_eq!(
            to_volunteer.subject,
            "Mise en relation avec EHPAD Les Tilleuls"
        );
        assert!(to_volunteer.text.starts_with("Bonjour Julien Moreau,"));
        assert!(to_volunteer
            .text
            .contains("Sophie Lambert\nDirectrice, EHPAD Les Tilleuls"));
        assert!(to_volunteer
            .text
            .contains("E-mail : direction@ehpad-les-tilleuls.fr"));
        assert!(
            !to_volunteer.text.contains("Téléphone"),
            "no phone was given"
        );
        let to_contact = rendered("case_accepted", 1);
        assert_eq!(
            to_contact.subject,
            "Un volontaire a accepté votre demande d'aide"
        );
        assert!(to_contact.text.starts_with("Bonjour Sophie Lambert,"));
        assert!(to_contact.text.contains(
            "Julien Moreau\nDirecteur des systèmes d'information (DSI), GHT Nord-Dauphiné"
        ));
        assert!(to_contact
            .text
            .contains("E-mail : julien.moreau@ght-nord-dauphine.fr"));
        assert!(to_contact.text.contains("Téléphone : 06 12 34 56 78"));
        assert!(to_contact
            .html
            .contains("mailto:julien.moreau@ght-nord-dauphine.fr"));

        let withdrawn = rendered("case_withdrawn", 0);
        assert_eq!(
            withdrawn.subject,
            "La demande d'aide de EHPAD Les Tilleuls ne vous est plus confiée"
        );
        assert!(withdrawn
            .text
            .contains("L'établissement a annulé sa demande."));
        assert!(withdrawn
            .text
            .contains("Motif : Le prestataire a finalement déployé le VPN."));
        let withdrawn = rendered("case_withdrawn", 1);
        assert!(!withdrawn.text.contains("Motif"), "{}", withdrawn.text);
        assert!(!withdrawn.html.contains("Motif"));

        let unmatched = rendered("request_unmatched", 0);
        assert_eq!(
            unmatched.subject,
            "Sans volontaire : demande DA-2026-0042 de EHPAD Les Tilleuls"
        );
        assert!(unmatched.text.starts_with("Bonjour Anne Durand,"));
        assert!(unmatched.text.contains("Volontaires sollicités : 6"));
        assert!(unmatched.text.contains("Urgence : Critique"));
        assert!(unmatched
            .html
            .contains("href=\"https://entraide.anap.fr/dossiers/4f1c2a\""));

        let resolved = rendered("case_resolved", 0);
        assert!(resolved
            .text
            .contains("Réponse apportée : Envoi d'un outil (charte de télétravail)."));
        assert!(resolved
            .html
            .contains("href=\"https://entraide.anap.fr/cas/4f1c2a/avis\""));
    }

    #[test]
    fn html_bodies_are_escaped_and_text_bodies_are_not() {
        let proposed = rendered("case_proposed", 0);
        assert!(proposed
            .text
            .contains("ni VPN ni charte <à jour> & aucun PCA"));
        assert!(proposed
            .html
            .contains("ni VPN ni charte &lt;à jour&gt; &amp; aucun PCA"));
        assert!(!proposed.html.contains("<à jour>"));
    }

    #[test]
    fn templates_use_only_the_fields_of_their_message() {
        // Catches a variable that no field provides even in a branch the samples miss.
        let env = environment().unwrap();
        for (kind, context, _) in samples() {
            let fields: BTreeSet<String> = context
                .try_iter()
                .unwrap()
                .map(|key| key.to_string())
                .collect();
            for file in ["subject.txt", "body.txt", "body.html"] {
                let template = env.get_template(&template_name(kind, file)).unwrap();
                for variable in template.undeclared_variables(false) {
                    assert!(
                        fields.contains(&variable),
                        "{kind}/{file} uses `{variable}`, which {kind} does not have (fields: {fields:?})"
                    );
                }
            }
        }
    }

    #[test]
    fn a_missing_variable_is_an_error_not_an_empty_string() {
        #[derive(Serialize)]
        struct Incomplete {
            recipient_name: Option<String>,
            valid_minutes: u32,
        }
        let error = render(
            "sign_in_link",
            Incomplete {
                recipient_name: None,
                valid_minutes: 15,
            },
        )
        .unwrap_err();
        let message = error.to_string();
        assert!(matches!(
            error,
            NotifierError::Template {
                kind: "sign_in_link",
                ..
            }
        ));
        assert!(message.contains("undefined"), "{message}");
    }

    #[test]
    fn a_subject_must_be_one_line() {
        let error = render(
            "request_received",
            RequestReceived {
                contact_name: "A".to_owned(),
                establishment_name: "B".to_owned(),
                reference: "D-1\nBcc: victim@example.org".to_owned(),
                themes: vec![],
                urgency: "x".to_owned(),
                sign_in_link: "https://x".to_owned(),
            },
        )
        .unwrap_err();
        assert!(error.to_string().contains("one non-empty line"), "{error}");
    }
}
