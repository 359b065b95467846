//! The web client as the real server serves it: every page answers the shell, every
//! file its content with the right type and cache policy, and nothing in them needs
//! what the Content-Security-Policy forbids (inline scripts and styles, eval, CDNs).

#![allow(clippy::unwrap_used)] // Test code: a panic is how a test reports failure.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use entraide_http::testing::TestApp;
use entraide_store::testing::TestDb;

fn assets_folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets")
}

fn files_under(folder: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(folder).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_under(&path, found);
        } else {
            found.push(path);
        }
    }
}

/// Paths relative to `assets/`, with `/` separators.
fn asset_files() -> BTreeSet<String> {
    let mut found = Vec::new();
    files_under(&assets_folder(), &mut found);
    found
        .iter()
        .map(|path| {
            path.strip_prefix(assets_folder())
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect()
}

fn expected_type(path: &str) -> &'static str {
    if path.ends_with(".js") {
        "text/javascript; charset=utf-8"
    } else if path.ends_with(".css") {
        "text/css; charset=utf-8"
    } else if path.ends_with(".svg") {
        "image/svg+xml"
    } else {
        panic!("no expected content type for {path}: add one here and in src/lib.rs")
    }
}

fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .map(|value| value.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

#[test]
fn the_table_embeds_every_file_of_the_folder() {
    let mut embedded: BTreeSet<String> = entraide_web::assets()
        .map(|(path, _)| path.to_owned())
        .collect();
    embedded.insert("index.html".to_owned());
    assert_eq!(
        embedded,
        asset_files(),
        "src/lib.rs's ASSETS and the assets/ folder differ"
    );
}

#[actix_web::test]
async fn every_page_answers_the_shell() {
    let db = TestDb::sqlite();
    let app = TestApp::start(&db);
    for page in entraide_web::PAGES {
        let path = page.replace("{id}", "0b8e4f7a-1c2d-4e3f-8a9b-0c1d2e3f4a5b");
        let response = app.client.get(app.url(&path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(
            header(&response, "content-type"),
            "text/html; charset=utf-8",
            "{path}"
        );
        assert_eq!(header(&response, "cache-control"), "no-cache", "{path}");
        assert!(
            header(&response, "content-security-policy").contains("default-src 'self'"),
            "{path} has the service's CSP"
        );
        let body = response.text().await.unwrap();
        assert_eq!(body, entraide_web::shell(), "{path}");
        assert!(body.contains("<html lang=\"fr\">"));
    }
    // HEAD works too, and an unchanged shell is not sent again.
    let head = app.client.head(app.url("/")).send().await.unwrap();
    assert_eq!(head.status(), 200);
    let etag = header(&head, "etag");
    let again = app
        .client
        .get(app.url("/volontaires"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
}

#[actix_web::test]
async fn every_file_is_served_with_its_type_and_a_long_cache() {
    let db = TestDb::sqlite();
    let app = TestApp::start(&db);
    let base = entraide_web::static_base();
    let mut count = 0;
    for (path, content_type) in entraide_web::assets() {
        let response = app
            .client
            .get(app.url(&format!("{base}/{path}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(header(&response, "content-type"), expected_type(path));
        assert_eq!(content_type, expected_type(path));
        assert_eq!(
            header(&response, "cache-control"),
            "public, max-age=31536000, immutable",
            "{path}"
        );
        assert_eq!(header(&response, "x-content-type-options"), "nosniff");
        let body = response.bytes().await.unwrap();
        let on_disk = std::fs::read(assets_folder().join(path)).unwrap();
        assert!(body.as_ref() == on_disk.as_slice(), "{path} differs");
        count += 1;
    }
    assert!(count >= 10, "only {count} files");

    // The shell names files of this version only.
    let shell = entraide_web::shell();
    for reference in shell.split('"').filter(|part| part.starts_with("/static/")) {
        let response = app.client.get(app.url(reference)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{reference}");
        assert!(reference.starts_with(&base), "{reference}");
    }

    // A page loaded before an upgrade still gets its files, without a long cache.
    let old = app
        .client
        .get(app.url("/static/0000000000000000/js/app.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), 200);
    assert_eq!(header(&old, "cache-control"), "no-cache");

    let missing = app
        .client
        .get(app.url(&format!("{base}/js/nothing.js")))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}

#[actix_web::test]
async fn the_api_and_unknown_paths_are_left_alone() {
    let db = TestDb::sqlite();
    let app = TestApp::start(&db);
    let api = app
        .client
        .get(app.url("/api/v1/no-such-thing"))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 404);
    assert_eq!(header(&api, "content-type"), "application/problem+json");
    let unknown = app
        .client
        .get(app.url("/no-such-page"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    let themes = app
        .client
        .get(app.url("/api/v1/themes"))
        .send()
        .await
        .unwrap();
    assert_eq!(themes.status(), 200);
    let post = app.client.post(app.url("/")).send().await.unwrap();
    assert_eq!(post.status(), 405, "pages are read-only");
}

/// `needle` in `text`, as "path:line: line" for the failure message.
fn occurrences(path: &str, text: &str, needle: &str) -> Vec<String> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| line.contains(needle))
        .map(|(index, line)| format!("{path}:{}: {}", index + 1, line.trim()))
        .collect()
}

#[test]
fn nothing_needs_what_the_csp_forbids() {
    let mut problems = Vec::new();
    for path in asset_files() {
        let text = std::fs::read_to_string(assets_folder().join(&path)).unwrap();
        let lower = text.to_lowercase();
        if path.ends_with(".html") || path.ends_with(".svg") {
            for needle in ["<style", " style=", "javascript:", "http://", "https://"] {
                problems.extend(occurrences(&path, &lower, needle));
            }
            // Inline event handlers (onclick=...) are inline scripts.
            for word in lower.split(|c: char| c.is_whitespace() || c == '<') {
                if word.starts_with("on") && word.contains('=') {
                    problems.push(format!("{path}: inline handler {word}"));
                }
            }
            // Every script is a file of the site.
            for (index, _) in lower.match_indices("<script") {
                let tag = &lower[index
                    ..lower[index..]
                        .find('>')
                        .map_or(lower.len(), |end| index + end)];
                if !tag.contains(" src=\"@static@/") {
                    problems.push(format!("{path}: inline or foreign script {tag}"));
                }
            }
        }
        if path.ends_with(".js") {
            for needle in [
                "eval(",
                "new Function",
                "innerHTML",
                "outerHTML",
                "insertAdjacentHTML",
                "document.write",
                ".style.",
                ".style =",
                "cssText",
                "'style'",
                "\"style\"",
                "javascript:",
                "from 'http",
                "import('http",
            ] {
                problems.extend(occurrences(&path, &text, needle));
            }
        }
        if path.ends_with(".css") {
            for needle in ["url(http", "@import"] {
                problems.extend(occurrences(&path, &lower, needle));
            }
        }
    }
    problems.retain(|line| {
        // dom.js names the forbidden attribute once, to refuse it; SVG names its namespace.
        !(line.starts_with("js/dom.js:") && line.contains("if (key === 'style')")
            || line.contains("xmlns=\"http://www.w3.org/2000/svg\""))
    });
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_import_names_an_embedded_module() {
    let embedded: BTreeSet<String> = entraide_web::assets()
        .map(|(path, _)| path.to_owned())
        .collect();
    for path in embedded.iter().filter(|path| path.ends_with(".js")) {
        let text = std::fs::read_to_string(assets_folder().join(path)).unwrap();
        for line in text.lines().filter(|line| line.starts_with("import ")) {
            let target = line
                .rsplit_once(" from '")
                .map(|(_, rest)| rest.trim_end_matches(['\'', ';']))
                .unwrap_or_else(|| panic!("{path}: unexpected import {line}"));
            let mut resolved: Vec<&str> = path.split('/').collect();
            resolved.pop();
            for segment in target.split('/') {
                match segment {
                    "." => {}
                    ".." => {
                        resolved.pop();
                    }
                    other => resolved.push(other),
                }
            }
            let resolved = resolved.join("/");
            assert!(
                embedded.contains(&resolved),
                "{path} imports {target} ({resolved}), which is not embedded"
            );
        }
    }
}
