//! The OpenAPI document: collected from the `#[utoipa::path]` of every handler registered
//! through [`crate::configure`], so the document and the routes come from one list.

use actix_web::App;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::OpenApi;
use utoipa::Modify;
use utoipa_actix_web::AppExt;

/// Path of the JSON document.
pub const OPENAPI_JSON_PATH: &str = "/api-docs/openapi.json";

/// Name of the bearer security scheme referenced by protected operations.
pub const BEARER: &str = "bearer";

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "entraide",
        description = "API du dispositif d'entraide entre établissements sanitaires et médico-sociaux en difficulté et professionnels volontaires.\n\nLes erreurs suivent la RFC 9457 (`application/problem+json`) avec un `code` stable et, pour les erreurs de validation, la liste des champs en cause.\n\nLes champs de texte libre ne doivent contenir aucune donnée de santé ni information sur un patient.",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    modifiers(&BearerScheme),
    tags(
        (name = "probes", description = "Sondes de vie et de disponibilité"),
        (name = "auth", description = "Connexion par lien envoyé par e-mail et sessions"),
        (name = "matching", description = "Classement expliqué des volontaires et propositions groupées"),
        (name = "reference", description = "Données de référence : thèmes, régions, départements, listes fermées"),
        (name = "volunteers", description = "Candidatures de volontaires, examinées par l'équipe de l'ANAP, et annuaire public des volontaires (sans adresse e-mail ni téléphone)"),
        (name = "establishments", description = "Établissements demandeurs, identifiés par leur numéro FINESS"),
        (name = "requests", description = "Demandes d'aide des établissements. La description ne doit contenir aucune donnée de santé ni information sur un patient."),
        (name = "cases", description = "La vie d'une demande après son dépôt : propositions aux volontaires par vagues (avec expiration), acceptation par un seul volontaire, réponse apportée, avis du demandeur et clôture ; vues des volontaires, des demandeurs et de l'équipe ; historique des états."),
        (name = "privacy", description = "Données personnelles (RGPD) : chacun télécharge tout ce que le service détient sur lui (art. 15 et 20) et demande son effacement (art. 17) ; l'équipe fait de même à la demande d'une personne. L'effacement garde, sous forme anonyme, ce que compte le bilan. Voir docs/privacy.md."),
        (name = "bilan", description = "Bilan du dispositif pour l'équipe de l'ANAP : candidatures et profil des volontaires, établissements demandeurs, thèmes, réponses apportées, délais, notes et charge, sur une période ; en JSON, CSV (archive zip), XLSX ou HTML (rapport en français avec ses quatre figures, imprimable en PDF). Chaque répartition a une ligne « Non renseigné » ; la version publique masque les petits effectifs."),
    )
)]
struct Document;

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "Jeton de session obtenu par POST /api/v1/auth/session.",
                    ))
                    .build(),
            ),
        );
    }
}

/// Builds the complete document from the registered routes.
pub fn openapi() -> OpenApi {
    let (_, collected) = App::new()
        .into_utoipa_app()
        .openapi(<Document as utoipa::OpenApi>::openapi())
        .configure(crate::configure)
        .split_for_parts();
    collected
}

/// The document as pretty JSON, as committed in `api-spec/openapi.json`.
pub fn openapi_json() -> Result<String, serde_json::Error> {
    let mut text = openapi().to_pretty_json()?;
    text.push('\n');
    Ok(text)
}
