//! The bilan through the API: the demo dataset gives the figures of the 2020 report, each
//! format comes with its type and file name, the public bilan masks, bad parameters are
//! refused, and only staff may read it.

#![allow(clippy::unwrap_used)] // Test code: a panic is how a test reports failure.

use std::io::Read;

use base64::Engine;
use entraide_core::Role;
use entraide_http::testing::TestApp;
use entraide_store::backend_test;
use entraide_store::testing::TestDb;
use reqwest::StatusCode;
use serde_json::Value;
use sha2::{Digest, Sha256};

fn load_demo(db: &TestDb) {
    db.store()
        .run_blocking(|conn| entraide_bilan::demo::load(conn, false))
        .unwrap();
}

async fn get(app: &TestApp, token: &str, query: &str) -> reqwest::Response {
    app.client
        .get(app.url(&format!("/api/v1/bilan{query}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .unwrap()
}

/// The count of `code` in a breakdown of the JSON bilan.
fn count(breakdown: &Value, code: &str) -> Value {
    breakdown["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["code"] == code)
        .map(|row| row["count"].clone())
        .unwrap_or_else(|| panic!("no row {code} in {breakdown}"))
}

backend_test! {
    #[actix_web::test]
    async fn the_demo_dataset_gives_the_2020_figures_through_the_api(db) {
        load_demo(db);
        let app = TestApp::start(db);
        let staff = app.sign_in("staff@anap.fr", Role::Staff).await;
        // No parameter: the four weeks from the scheme's start (2 April 2020), in JSON.
        let response = get(&app, &staff, "").await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(header(&response, "content-type"), "application/json");
        assert_eq!(
            header(&response, "content-disposition"),
            "inline; filename=\"bilan-entraide_2020-04-02_2020-04-29.json\""
        );
        assert_eq!(header(&response, "cache-control"), "no-store");
        let bilan: Value = response.json().await.unwrap();
        assert_eq!(bilan["period"]["from"], "2020-04-02");
        assert_eq!(bilan["period"]["to"], "2020-04-29");
        // The two volunteers whose sector is not stated read with a null sector.
        let directory: Value = app
            .client
            .get(app.url("/api/v1/volunteers?per_page=200"))
            .bearer_auth(&staff)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let unstated = directory["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| v["origin_sector"].is_null())
            .count();
        assert_eq!(unstated, 2, "{directory}");

        // "72 candidatures reçues", "37 volontaires".
        let v = &bilan["volunteers"];
        assert_eq!(v["applications_received"], 72);
        assert_eq!(v["accepted"], 37);
        // "29 hommes / 8 femmes".
        assert_eq!(count(&v["gender"], "homme"), 29);
        assert_eq!(count(&v["gender"], "femme"), 8);
        // "Beaucoup de DSI/RSI, mais aussi quelques directeurs".
        assert_eq!(count(&v["job_role"], "dsi"), 16);
        assert_eq!(count(&v["job_role"], "rsi"), 11);
        assert_eq!(count(&v["job_role"], "directeur"), 5);
        // "sanitaires (17) et médico-sociales (18)"; the other 2 not stated.
        assert_eq!(count(&v["origin_sector"], "sanitaire"), 17);
        assert_eq!(count(&v["origin_sector"], "medico_social"), 18);
        assert_eq!(count(&v["origin_sector"], "autre"), 0);
        assert_eq!(count(&v["origin_sector"], "non_renseigne"), 2);
        // "plutôt privées (2/3) que publiques (1/3)".
        assert_eq!(count(&v["public_private"], "prive"), 25);
        assert_eq!(count(&v["public_private"], "public"), 12);
        // "12 régions différentes, en particulier IDF (8), ARA (6), HDF (5), Occitanie (5)
        // et Grand Est (3)".
        assert_eq!(v["distinct_regions"], 12);
        let regions: Vec<(String, i64)> = v["region"]["rows"].as_array().unwrap()[..5]
            .iter()
            .map(|r| (r["label"].as_str().unwrap().to_owned(), r["count"].as_i64().unwrap()))
            .collect();
        assert_eq!(
            regions,
            [
                ("Île-de-France".to_owned(), 8),
                ("Auvergne-Rhône-Alpes".to_owned(), 6),
                ("Hauts-de-France".to_owned(), 5),
                ("Occitanie".to_owned(), 5),
                ("Grand Est".to_owned(), 3)
            ]
        );
        // "télétravail, SI médico-social et PCA".
        let themes: Vec<&str> = v["themes"]["rows"].as_array().unwrap()[..3]
            .iter()
            .map(|r| r["code"].as_str().unwrap())
            .collect();
        assert_eq!(themes, ["teletravail", "si-medico-social", "pca"]);

        // "26 demandes d'aide ont été traitées par 11 volontaires".
        let r = &bilan["requests"];
        assert_eq!(r["handled"], 26);
        assert_eq!(r["volunteers_involved"], 11);
        // "17 établissements de santé, 8 structures médico-sociales et 1 structure
        // ambulatoire".
        assert_eq!(count(&r["establishments_by_kind"], "es"), 17);
        assert_eq!(count(&r["establishments_by_kind"], "esms"), 8);
        assert_eq!(count(&r["establishments_by_kind"], "ambulatoire"), 1);
        // "principalement sur le télétravail, mais aussi sur la télémédecine".
        let main: Vec<&str> = r["main_theme"]["rows"].as_array().unwrap()[..2]
            .iter()
            .map(|r| r["code"].as_str().unwrap())
            .collect();
        assert_eq!(main, ["teletravail", "telemedecine"]);

        // "principalement par appel téléphonique. Trois demandes ont donné lieu à
        // l'envoi d'un outil (charte télétravail, PCA type...)"; some forum posts.
        let a = &bilan["answers"];
        assert_eq!(a["answer_types"]["rows"][0]["code"], "appel_telephonique");
        assert_eq!(count(&a["answer_types"], "envoi_outil"), 3);
        assert_eq!(count(&a["answer_types"], "post_forum"), 4);
        let tools: Vec<&str> = a["tools"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
        assert!(tools.contains(&"Charte de télétravail"));
        assert!(tools.contains(&"Plan de continuité d'activité type (PCA)"));

        // Every breakdown adds up, thanks to its "non renseigné" row.
        for section in ["volunteers", "requests", "answers", "follow_up"] {
            for (name, breakdown) in bilan[section].as_object().unwrap() {
                let Some(rows) = breakdown.get("rows").and_then(Value::as_array) else { continue };
                assert_eq!(rows.last().unwrap()["code"], "non_renseigne", "{section}.{name}");
                let sum: i64 = rows.iter().map(|r| r["count"].as_i64().unwrap()).sum();
                let population = breakdown["population"].as_i64().unwrap();
                if breakdown["multiple"] == true {
                    assert!(sum >= population, "{section}.{name}");
                } else {
                    assert_eq!(sum, population, "{section}.{name} does not add up");
                }
            }
        }
        assert_eq!(bilan["masking"]["public"], false);
    }
}

backend_test! {
    #[actix_web::test]
    async fn each_format_with_its_type_and_file(db) {
        load_demo(db);
        let app = TestApp::start(db);
        let staff = app.sign_in("staff@anap.fr", Role::Staff).await;
        let tables = [
            "00_informations", "01_chiffres_cles", "02_candidatures", "03_volontaires_genre",
            "08_volontaires_region", "09_volontaires_themes", "12_structures_type",
            "15_demandes_themes", "16_reponses_types", "17_reponses_outils", "18_delais",
            "21_charge_volontaires",
        ];

        let response = get(&app, &staff, "?format=csv&from=2020-04-02&to=2020-04-29").await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(header(&response, "content-type"), "application/zip");
        assert_eq!(
            header(&response, "content-disposition"),
            "attachment; filename=\"bilan-entraide_2020-04-02_2020-04-29.csv.zip\""
        );
        let bytes = response.bytes().await.unwrap();
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(archive.len(), 22);
        for table in tables {
            assert!(archive.by_name(&format!("{table}.csv")).is_ok(), "no {table}.csv");
        }
        let mut kinds = String::new();
        archive.by_name("12_structures_type.csv").unwrap().read_to_string(&mut kinds).unwrap();
        assert!(kinds.contains("\r\nes,Établissement de santé (ES),17,0.6538\r\n"), "{kinds}");
        assert!(kinds.contains("\r\nambulatoire,Structure ambulatoire,1,0.0385\r\n"), "{kinds}");

        let response = get(&app, &staff, "?format=xlsx").await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            header(&response, "content-type"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        assert_eq!(
            header(&response, "content-disposition"),
            "attachment; filename=\"bilan-entraide_2020-04-02_2020-04-29.xlsx\""
        );
        let bytes = response.bytes().await.unwrap();
        let mut workbook = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut listing = String::new();
        workbook.by_name("xl/workbook.xml").unwrap().read_to_string(&mut listing).unwrap();
        assert_eq!(listing.matches("<sheet ").count(), 22);
        for table in tables {
            assert!(listing.contains(&format!("name=\"{table}\"")), "no sheet {table}");
        }

        let response = get(&app, &staff, "?format=html").await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(header(&response, "content-type"), "text/html; charset=utf-8");
        assert_eq!(
            header(&response, "content-disposition"),
            "inline; filename=\"bilan-entraide_2020-04-02_2020-04-29.html\""
        );
        // The page's own policy: nothing loads, the one style element is allowed by hash.
        let policy = header(&response, "content-security-policy").to_owned();
        assert!(policy.starts_with("default-src 'none'"), "{policy}");
        assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
        assert!(!policy.contains("unsafe-inline"), "{policy}");
        let page = response.text().await.unwrap();
        let style = page.split("<style>").nth(1).unwrap().split("</style>").next().unwrap();
        let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(style.as_bytes()));
        assert!(policy.contains(&format!("style-src 'sha256-{hash}'")), "{policy}");
        assert_eq!(page.matches("<style>").count(), 1);
        assert!(!page.contains("style=\""));
        assert!(!page.contains("<script"));
        assert_eq!(page.matches("<svg ").count(), 4);
        for text in [
            "<h1>Bilan du dispositif</h1>",
            "<h2>Contexte</h2>",
            "<h2>Bilan des personnes proposant leur aide</h2>",
            "<h2>Établissements ayant sollicité de l'aide</h2>",
            "<h2>Réponses apportées</h2>",
            "Figure 1 : Profil des volontaires du dispositif",
            "Figure 4 : Type de réponse apportée aux sollicitations",
            "<strong>37 volontaires</strong>",
            "(29 hommes / 8 femmes",
        ] {
            assert!(page.contains(text), "the page lacks {text}");
        }
        // Other responses keep the service's strict policy.
        let response = get(&app, &staff, "").await;
        assert!(header(&response, "content-security-policy").starts_with("default-src 'self'"));
    }
}

backend_test! {
    #[actix_web::test]
    async fn the_public_bilan_masks_small_counts_and_says_so(db) {
        load_demo(db);
        let app = TestApp::start(db);
        let staff = app.sign_in("staff@anap.fr", Role::Staff).await;
        let response = get(&app, &staff, "?public=true").await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            header(&response, "content-disposition"),
            "inline; filename=\"bilan-entraide_2020-04-02_2020-04-29_public.json\""
        );
        let bilan: Value = response.json().await.unwrap();
        assert_eq!(bilan["masking"]["public"], true);
        assert_eq!(bilan["masking"]["threshold"], 3);
        assert!(bilan["masking"]["note"].as_str().unwrap().contains("« < 3 »"));
        let v = &bilan["volunteers"];
        assert_eq!(count(&v["gender"], "homme"), 29);
        assert_eq!(count(&v["job_role"], "rssi"), Value::Null);
        assert_eq!(count(&v["origin_sector"], "non_renseigne"), Value::Null);
        // Not about people: shown in full.
        assert_eq!(count(&bilan["answers"]["answer_types"], "envoi_outil"), 3);
        for section in ["volunteers", "requests", "follow_up"] {
            for breakdown in bilan[section].as_object().unwrap().values() {
                let Some(rows) = breakdown.get("rows").and_then(Value::as_array) else { continue };
                for row in rows {
                    if breakdown["sensitive"] == true {
                        let n = row["count"].as_i64().unwrap_or(0);
                        assert!(n == 0 || n >= 3, "{row}");
                    }
                    assert_eq!(row["masked"] == true, row["count"].is_null(), "{row}");
                }
            }
        }
        let response = get(&app, &staff, "?public=true&format=csv").await;
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(response.bytes().await.unwrap())).unwrap();
        let mut roles = String::new();
        archive.by_name("04_volontaires_fonction.csv").unwrap().read_to_string(&mut roles).unwrap();
        assert!(roles.contains("\r\nrssi,RSSI,< 3,< 3\r\n"), "{roles}");
    }
}

backend_test! {
    #[actix_web::test]
    async fn bad_parameters_and_access(db) {
        let app = TestApp::start(db);
        let staff = app.sign_in("staff@anap.fr", Role::Staff).await;
        for (query, path) in [
            ("?from=2020-04-10&to=2020-04-09", "/to"),
            ("?format=pdf", "/format"),
            ("?from=02/04/2020", "/from"),
            ("?to=2020-02-30", "/to"),
            ("?from=1970-01-01", "/from"),
        ] {
            let response = get(&app, &staff, query).await;
            assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{query}");
            assert_eq!(header(&response, "content-type"), "application/problem+json");
            let problem: Value = response.json().await.unwrap();
            assert_eq!(problem["code"], "validation_failed");
            assert_eq!(problem["errors"][0]["path"], path, "{query}: {problem}");
        }
        let response = get(&app, &staff, "?format=pdf&from=x").await;
        let problem: Value = response.json().await.unwrap();
        assert_eq!(problem["errors"].as_array().unwrap().len(), 2);
        assert!(problem["errors"][1]["message"].as_str().unwrap().contains("json, csv, xlsx, html"));
        for query in ["?public=maybe", "?colour=red"] {
            let response = get(&app, &staff, query).await;
            assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        }
        // An empty database has a bilan too, of zeros.
        let response = get(&app, &staff, "?from=2026-01-01").await;
        assert_eq!(response.status(), StatusCode::OK);
        let bilan: Value = response.json().await.unwrap();
        assert_eq!(bilan["period"]["to"], "2026-01-28");
        assert_eq!(bilan["volunteers"]["accepted"], 0);

        let anonymous = app.client.get(app.url("/api/v1/bilan")).send().await.unwrap();
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
        let volunteer = app.sign_in("v@chu-exemple.fr", Role::Volunteer).await;
        assert_eq!(get(&app, &volunteer, "").await.status(), StatusCode::FORBIDDEN);
        let requester = app.sign_in("r@ch-exemple.fr", Role::Requester).await;
        assert_eq!(get(&app, &requester, "?format=html").await.status(), StatusCode::FORBIDDEN);
    }
}
