//! The OpenAPI document is complete and true: committed, served, and covering every route.

#![allow(clippy::unwrap_used)] // Test code: a panic is how a test reports failure.

use std::path::{Path, PathBuf};

use entraide_http::openapi::{openapi, openapi_json, OPENAPI_JSON_PATH};
use entraide_http::testing::TestApp;
use entraide_store::testing::TestDb;
use serde_json::Value;
use uuid::Uuid;

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn the_committed_document_is_up_to_date() {
    let committed =
        std::fs::read_to_string(repository().join("api-spec/openapi.json")).unwrap_or_default();
    let generated = openapi_json().unwrap();
    assert!(
        committed == generated,
        "api-spec/openapi.json is out of date: run `cargo run -- openapi --output api-spec/openapi.json`"
    );
}

fn rust_files(folder: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(folder).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// Routes registered with actix's `.route(...)`/`web::resource(...)` would bypass the
/// document; every handler must carry `#[utoipa::path]` next to its method attribute.
#[test]
fn every_route_is_registered_through_the_document() {
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let mut handlers = 0;
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for forbidden in [
            ".route(",
            "web::resource(",
            "web::get()",
            "web::post()",
            "web::put()",
            "web::delete()",
            "web::patch()",
        ] {
            assert!(
                !text.contains(forbidden),
                "{} uses {forbidden}: register handlers with #[utoipa::path] and .service()",
                file.display()
            );
        }
        let lines: Vec<&str> = text.lines().collect();
        for (index, line) in lines.iter().enumerate() {
            let trimmed = line.trim_start();
            let is_route = ["#[get(", "#[post(", "#[put(", "#[patch(", "#[delete("]
                .iter()
                .any(|attribute| trimmed.starts_with(attribute));
            if is_route {
                handlers += 1;
                let above = lines[..index].iter().rev().take_while(|l| {
                    !l.trim().is_empty() && !l.trim_start().starts_with("async fn")
                });
                let documented = above
                    .clone()
                    .any(|l| l.trim_start().starts_with("#[utoipa::path"));
                assert!(
                    documented,
                    "{}:{} has no #[utoipa::path]",
                    file.display(),
                    index + 1
                );
            }
        }
    }
    let operations: usize = openapi()
        .paths
        .paths
        .values()
        .map(|item| {
            [&item.get, &item.post, &item.put, &item.patch, &item.delete]
                .iter()
                .filter(|op| op.is_some())
                .count()
        })
        .sum();
    assert_eq!(
        operations, handlers,
        "documented operations and route handlers differ"
    );
}

/// Every documented operation is served: none answers "no such route".
#[actix_web::test]
async fn every_documented_operation_is_served() {
    let db = TestDb::sqlite();
    let app = TestApp::start(&db);
    let document: Value = app
        .client
        .get(app.url(OPENAPI_JSON_PATH))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        document,
        serde_json::from_str::<Value>(&openapi_json().unwrap()).unwrap(),
        "served document differs"
    );
    let paths = document["paths"].as_object().unwrap();
    assert!(!paths.is_empty());
    let id = Uuid::new_v4().to_string();
    for (path, item) in paths {
        let concrete = path
            .split('/')
            .map(|segment| {
                if segment.starts_with('{') {
                    id.as_str()
                } else {
                    segment
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        for method in item.as_object().unwrap().keys() {
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let response = app
                .client
                .request(method.clone(), app.url(&concrete))
                .header("content-type", "application/json")
                .body("{}")
                .send()
                .await
                .unwrap();
            let status = response.status();
            assert!(status.as_u16() < 500, "{method} {path}: {status}");
            if status == 404 {
                let body: Value = response.json().await.unwrap();
                assert_ne!(
                    body["code"], "route_not_found",
                    "{method} {path} is documented but not served"
                );
            }
        }
    }
}

#[test]
fn operation_ids_are_unique() {
    let mut seen = std::collections::HashSet::new();
    for item in openapi().paths.paths.values() {
        for operation in [&item.get, &item.post, &item.put, &item.patch, &item.delete]
            .into_iter()
            .flatten()
        {
            let id = operation.operation_id.clone().unwrap_or_default();
            assert!(!id.is_empty(), "an operation has no operationId");
            assert!(seen.insert(id.clone()), "operationId `{id}` is used twice");
        }
    }
}

#[actix_web::test]
async fn swagger_ui_is_served_offline() {
    let db = TestDb::sqlite();
    let app = TestApp::start(&db);
    let response = app.client.get(app.url("/docs/")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let page = response.text().await.unwrap();
    assert!(page.contains("swagger-ui"), "{page}");
    assert!(
        !page.contains("https://"),
        "the page loads something from the network: {page}"
    );
}
