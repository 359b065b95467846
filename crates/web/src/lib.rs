//! The web client of entraide: one HTML shell, a style sheet and JavaScript modules,
//! compiled into the binary and served by `entraide serve` next to the API.
//!
//! The client has no framework and no build step: the files under `assets/` are what
//! the browser runs. Every page of the client is a route of this crate that answers the
//! same shell; the JavaScript router then draws the page from the address and talks to
//! the REST API under `/api/v1` like any other client, so that no business rule is
//! written twice. The files are served under `/static/<version>/`, where the version is
//! a hash of their content: a new binary gives new addresses, so the browser may keep
//! each file for a year.
//!
//! Everything served here obeys the Content-Security-Policy of the API
//! (`default-src 'self'`): no inline script, no inline style, no `eval`.

use std::sync::LazyLock;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{guard, web, HttpRequest, HttpResponse};

/// The client-side routes, in actix's path syntax. Each answers the application shell;
/// `assets/js/app.js` draws the page (its `ROUTES` list the same paths). E-mails link to
/// some of them (`/connexion`, `/volontaire`, `/volontaire/propositions/{id}/...`,
/// `/dossiers/{id}`, `/dossiers/{id}/avis`), so they must stay stable.
pub const PAGES: &[&str] = &[
    // Everyone.
    "/",
    "/volontaires",
    "/volontaires/{id}",
    "/connexion",
    "/candidater",
    "/demander-de-l-aide",
    // A case, for its requester, its volunteer and staff; e-mails link here.
    "/dossiers/{id}",
    "/dossiers/{id}/avis",
    // Establishments (requesters).
    "/demandes",
    // Volunteers; proposal e-mails link to the last three.
    "/volontaire",
    "/volontaire/profil",
    "/volontaire/propositions/{id}",
    "/volontaire/propositions/{id}/accepter",
    "/volontaire/propositions/{id}/decliner",
    // Staff.
    "/equipe",
    "/equipe/candidatures",
    "/equipe/demandes",
    "/equipe/demandes/{id}",
    "/equipe/propositions",
    "/equipe/courriels",
    "/equipe/bilan",
];

/// Where the files are served, followed by the version and the file's path.
pub const STATIC_PREFIX: &str = "/static";

/// Cache policy of a versioned file: its address changes with its content.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// Cache policy of the shell and of files asked for under an old version: always ask
/// again, so that a new binary is picked up at once.
const REVALIDATE: &str = "no-cache";

/// One embedded file.
struct Asset {
    /// Path under `assets/`, as it appears in URLs.
    path: &'static str,
    /// The file, as compiled in.
    body: &'static [u8],
}

/// Embeds `assets/<path>` at compile time.
macro_rules! asset {
    ($path:literal) => {
        Asset {
            path: $path,
            body: include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/", $path)),
        }
    };
}

/// Every file of the client except the shell. A test checks that this list and the
/// `assets/` folder agree, so a new file cannot be forgotten.
const ASSETS: &[Asset] = &[
    asset!("app.css"),
    asset!("favicon.svg"),
    asset!("js/app.js"),
    asset!("js/api.js"),
    asset!("js/charts.js"),
    asset!("js/dom.js"),
    asset!("js/forms.js"),
    asset!("js/labels.js"),
    asset!("js/session.js"),
    asset!("js/pages/apply.js"),
    asset!("js/pages/ask.js"),
    asset!("js/pages/directory.js"),
    asset!("js/pages/home.js"),
    asset!("js/pages/case.js"),
    asset!("js/pages/requester.js"),
    asset!("js/pages/signin.js"),
    asset!("js/pages/staff.js"),
    asset!("js/pages/staff_bilan.js"),
    asset!("js/pages/staff_requests.js"),
    asset!("js/pages/volunteer.js"),
];

/// The application shell, with `@STATIC@` where the versioned prefix goes.
const SHELL_TEMPLATE: &str =
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/index.html"));

/// The version of the files: a hash of all of them, the shell included.
static VERSION: LazyLock<String> = LazyLock::new(|| {
    let mut hash = fnv1a(FNV_OFFSET, SHELL_TEMPLATE.as_bytes());
    for asset in ASSETS {
        hash = fnv1a(hash, asset.path.as_bytes());
        hash = fnv1a(hash, asset.body);
    }
    format!("{hash:016x}")
});

/// The shell with the versioned prefix filled in.
static SHELL: LazyLock<String> =
    LazyLock::new(|| SHELL_TEMPLATE.replace("@STATIC@", &static_base()));

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a: a stable hash (unlike std's), so the same files give the same addresses in
/// every build and on every server of a deployment.
fn fnv1a(mut hash: u64, bytes: &[u8]) -> u64 {
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// The version of the embedded files (a hash of their content).
pub fn version() -> &'static str {
    &VERSION
}

/// The prefix of this build's files, e.g. `/static/0123456789abcdef`.
pub fn static_base() -> String {
    format!("{STATIC_PREFIX}/{}", version())
}

/// The application shell as served.
pub fn shell() -> &'static str {
    &SHELL
}

/// Paths (under the versioned prefix) and content types of every embedded file.
pub fn assets() -> impl Iterator<Item = (&'static str, &'static str)> {
    ASSETS
        .iter()
        .map(|asset| (asset.path, content_type(asset.path)))
}

/// The content type of a file, from its extension.
fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, extension)| extension) {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("html") => "text/html; charset=utf-8",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    }
}

/// Registers the client: the shell on every page of [`PAGES`], the files under
/// [`STATIC_PREFIX`]. Only `GET` and `HEAD`; anything else under these paths gets
/// actix's `405`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    let read = || guard::Any(guard::Get()).or(guard::Head());
    cfg.service(
        web::resource(PAGES.to_vec())
            .name("web-client-page")
            .route(web::route().guard(read()).to(page)),
    )
    .service(
        web::resource(format!("{STATIC_PREFIX}/{{version}}/{{file:.*}}"))
            .name("web-client-static")
            .route(web::route().guard(read()).to(file)),
    );
}

/// The shell, for every client-side page.
async fn page(req: HttpRequest) -> HttpResponse {
    let etag = format!("\"{}\"", version());
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.split(',').any(|tag| tag.trim() == etag));
    let mut response = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::CACHE_CONTROL, REVALIDATE))
        .insert_header((header::ETAG, etag));
    if fresh {
        return response.finish();
    }
    response
        .content_type(content_type("index.html"))
        .body(shell())
}

/// One embedded file. A file asked for under another version (a page loaded before an
/// upgrade) is still served, but not cached, so the old page keeps working.
async fn file(path: web::Path<(String, String)>) -> HttpResponse {
    let (asked_version, asked_file) = path.into_inner();
    let Some(asset) = ASSETS.iter().find(|asset| asset.path == asked_file) else {
        return HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, REVALIDATE))
            .body("Fichier introuvable.");
    };
    let cache = if asked_version == version() {
        IMMUTABLE
    } else {
        REVALIDATE
    };
    HttpResponse::Ok()
        .content_type(content_type(asset.path))
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static(cache)))
        .body(asset.body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_stable() {
        // FNV-1a of "a", a published test vector.
        assert_eq!(fnv1a(FNV_OFFSET, b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn content_types_follow_extensions() {
        assert_eq!(content_type("js/app.js"), "text/javascript; charset=utf-8");
        assert_eq!(content_type("app.css"), "text/css; charset=utf-8");
        assert_eq!(content_type("favicon.svg"), "image/svg+xml");
        assert_eq!(content_type("README"), "application/octet-stream");
    }

    #[test]
    fn the_shell_points_at_this_version() {
        assert!(shell().contains(&format!("/static/{}/js/app.js", version())));
        assert!(!shell().contains("@STATIC@"));
    }
}
