//! OpenAPI schemas of the validated string types: each is a string on the wire, with the
//! form it must take, so that clients can validate before sending.

use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::{RefOr, Schema};

use crate::{Department, Email, Finess, PhoneNumber, Region, ThemeId};

fn string_schema(
    description: &str,
    pattern: Option<&str>,
    format: Option<KnownFormat>,
    example: &str,
) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .pattern(pattern)
        .format(format.map(SchemaFormat::KnownFormat))
        .examples([serde_json::Value::String(example.to_owned())])
        .into()
}

/// Implements `ToSchema` for a validated string type.
macro_rules! string_type_schema {
    ($type:ty, $description:expr, $pattern:expr, $format:expr, $example:expr) => {
        impl utoipa::PartialSchema for $type {
            fn schema() -> RefOr<Schema> {
                string_schema($description, $pattern, $format, $example)
            }
        }

        impl utoipa::ToSchema for $type {}
    };
}

string_type_schema!(
    Email,
    "Adresse électronique (mise en minuscules).",
    None,
    Some(KnownFormat::Email),
    "marie.durand@chu-exemple.fr"
);
string_type_schema!(
    PhoneNumber,
    "Numéro de téléphone français ; accepté sous forme nationale (06 12 34 56 78) ou internationale, renvoyé au format E.164.",
    None,
    None,
    "+33612345678"
);
string_type_schema!(
    Finess,
    "Numéro FINESS : 9 caractères, les deux premiers désignent le département (2A/2B pour la Corse, 97x outre-mer), clé de Luhn pour les numéros entièrement numériques.",
    Some("^([0-9]{2}|2[AB])[0-9]{7}$"),
    None,
    "750712184"
);
string_type_schema!(
    Department,
    "Code INSEE du département (01 à 95, 2A, 2B, 971 à 976).",
    Some("^([0-9]{2}|2[AB]|97[1-6])$"),
    None,
    "75"
);
string_type_schema!(
    Region,
    "Code INSEE de la région (ex. 11 pour l'Île-de-France).",
    Some("^[0-9]{2}$"),
    None,
    "11"
);
string_type_schema!(
    ThemeId,
    "Identifiant de thème : minuscules, chiffres et tirets.",
    Some("^[a-z0-9]+(-[a-z0-9]+)*$"),
    None,
    "teletravail"
);
