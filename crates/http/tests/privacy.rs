//! Personal data over the real API, on SQLite and PostgreSQL: the export holds everything
//! about a person; erasure leaves none of their identifying values in any text column of
//! any table and keeps every past bilan byte for byte; open work is handed back first;
//! retention periods apply with a controllable clock; contact details stay hidden until
//! a volunteer accepts.

#![allow(clippy::unwrap_used)] // Test code: a panic is how a test reports failure.

mod cases_support;

use std::collections::BTreeSet;

use cases_support::*;
use chrono::{NaiveDate, TimeDelta};
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text};
use entraide_bilan::{BilanOptions, Format, Period};
use entraide_core::Role;
use entraide_http::testing::TestApp;
use entraide_store::privacy::{self, PurgeMode, PurgeReport, RetentionSettings, TableUse};
use entraide_store::{backend_test, introspect, Clock, StoreError};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// A person created through the API, with the values that identify them.
struct Person {
    name: &'static str,
    email: &'static str,
    /// As typed on the form (national form, in pairs).
    phone: &'static str,
    /// E.164, as stored.
    e164: &'static str,
    /// Presentation (volunteers) or description (requesters).
    text: &'static str,
}

const AURELIE: Person = Person {
    name: "Aurélie Vasseur-Quintin",
    email: "aurelie.vasseur@ght-artois-exemple.fr",
    phone: "06 71 82 93 04",
    e164: "+33671829304",
    text: "Directrice des systèmes d'information du GHT de l'Artois, j'ai conduit le déploiement du télétravail pour 3000 agents.",
};

const BRUNO: Person = Person {
    name: "Bruno Lemaire-Essai",
    email: "bruno.lemaire@chu-exemple.fr",
    phone: "06 11 22 33 44",
    e164: "+33611223344",
    text: "Responsable infrastructure et réseau dans un CHU, disponible le soir pour des appels.",
};

const CHLOE: Person = Person {
    name: "Chloé Bernardin",
    email: "chloe.bernardin@ehpad-exemple.fr",
    phone: "06 55 44 33 22",
    e164: "+33655443322",
    text: "DSI d'un groupe d'EHPAD, spécialiste des outils collaboratifs et de la visioconférence.",
};

const RAPHAEL: Person = Person {
    name: "Raphaël Ducasse-Moreau",
    email: "r.ducasse@clinique-exemple.fr",
    phone: "03 20 11 22 33",
    e164: "+33320112233",
    text: "Nous devons équiper l'accueil et le secrétariat de postes en télétravail avant lundi : VPN, choix des outils, règles d'usage.",
};

const QUENTIN: Person = Person {
    name: "Quentin Marchal-Lebrun",
    email: "q.marchal@ehpad-sud-exemple.fr",
    phone: "04 91 22 33 44",
    e164: "+33491223344",
    text: "Notre plan de continuité d'activité est à revoir entièrement après la dernière panne du réseau.",
};

const DECLINE_REASON: &str = "Je suis en congés cette semaine, désolée de ne pas pouvoir aider.";
const SUMMARY: &str = "Appel de deux heures avec la direction : configuration du VPN et charte de télétravail transmise.";
const COMMENT: &str = "Aide très utile, la charte nous a fait gagner une semaine entière.";
const CANCEL_REASON: &str =
    "Finalement résolu en interne par notre prestataire informatique habituel.";

/// Applies as `p`, has staff accept; returns the volunteer id.
async fn volunteer_of(app: &TestApp, staff: &str, p: &Person) -> String {
    let body = json!({
        "name": p.name, "email": p.email, "phone": p.phone, "gender": "femme", "job_role": "dsi",
        "origin_sector": "sanitaire", "origin_status": "public", "department": "75",
        "themes": ["teletravail"], "presentation": p.text, "capacity": 3,
        "own_organisation": "Organisation Exemple", "publication_consent": true,
    });
    let (status, application) = call(app, "POST", "/api/v1/applications", None, Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{application}");
    let path = format!(
        "/api/v1/applications/{}/accept",
        application["id"].as_str().unwrap()
    );
    let (status, accepted) = call(app, "POST", &path, Some(staff), None).await;
    assert_eq!(status, 200, "{accepted}");
    accepted["volunteer_id"].as_str().unwrap().to_owned()
}

/// Submits a request of a Paris hospital with `p` as the contact and `description`;
/// returns its id.
async fn request_of(app: &TestApp, p: &Person, description: &str) -> String {
    let body = json!({
        "establishment": {"finess": "750712184", "name": "Hôpital Saint-Exemple", "kind": "es", "legal_status": "public", "department": "75"},
        "contact": {"name": p.name, "email": p.email, "phone": p.phone, "job_role": "dsi"},
        "themes": ["teletravail"],
        "description": description,
        "urgency": "normal",
    });
    let (status, created) = call(app, "POST", "/api/v1/requests", None, Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    first_waves(app).await;
    created["id"].as_str().unwrap().to_owned()
}

/// The pending proposal of the volunteer signed in with `token` for `request`.
async fn pending_proposal(app: &TestApp, token: &str, request: &str) -> String {
    let (status, page) = call(
        app,
        "GET",
        "/api/v1/proposals?status=pending&per_page=200",
        Some(token),
        None,
    )
    .await;
    assert_eq!(status, 200, "{page}");
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["request"]["id"] == request)
        .unwrap_or_else(|| panic!("no pending proposal for {request} in {page}"))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn accept(app: &TestApp, token: &str, request: &str) {
    let proposal = pending_proposal(app, token, request).await;
    let (status, body) = call(
        app,
        "POST",
        &format!("/api/v1/proposals/{proposal}/accept"),
        Some(token),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

async fn answer_and_rate(
    app: &TestApp,
    volunteer: &str,
    requester: &str,
    request: &str,
    summary: &str,
    comment: &str,
) {
    let answer = json!({
        "answers": [{"type": "appel_telephonique"}, {"type": "envoi_outil", "tool_name": "Charte de télétravail", "tool_link": "https://outils.exemple.fr/charte"}],
        "summary": summary,
        "time_spent_minutes": 120,
    });
    let (status, body) = call(
        app,
        "POST",
        &format!("/api/v1/requests/{request}/answer"),
        Some(volunteer),
        Some(answer),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = call(
        app,
        "POST",
        &format!("/api/v1/requests/{request}/rating"),
        Some(requester),
        Some(json!({"rating": 5, "comment": comment})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["request"]["status"], "closed");
}

async fn user_id(app: &TestApp, token: &str) -> String {
    let (status, me) = call(app, "GET", "/api/v1/auth/me", Some(token), None).await;
    assert_eq!(status, 200, "{me}");
    me["id"].as_str().unwrap().to_owned()
}

fn confirm() -> Value {
    json!({"confirmation": "EFFACER"})
}

/// The bilan of `period` as the JSON document staff download, produced at a fixed time.
fn bilan(app: &TestApp, period: Period, public: bool) -> Vec<u8> {
    let options = BilanOptions {
        period,
        public,
        threshold: 3,
        scheme_start: period.from(),
        generated_at: NaiveDate::from_ymd_opt(2030, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap(),
    };
    let computed = app
        .state
        .store
        .run_blocking(|conn| Ok::<_, StoreError>(entraide_bilan::compute(conn, &options)))
        .unwrap()
        .unwrap();
    entraide_bilan::render(&computed, Format::Json).unwrap()
}

/// The days around today (on the app's clock): the period the test's records fall in.
fn this_week(app: &TestApp) -> Period {
    let today = app.clock.now().date();
    Period::new(today - TimeDelta::days(3), today + TimeDelta::days(3)).unwrap()
}

#[derive(QueryableByName)]
struct Cell {
    #[diesel(sql_type = Nullable<Text>)]
    v: Option<String>,
}

/// Every value of every column of every table, as text: (table, column, value).
fn every_cell(app: &TestApp) -> Vec<(String, String, String)> {
    app.state
        .store
        .run_blocking(|conn| {
            let mut cells = Vec::new();
            for (table, column) in introspect::columns(conn)? {
                let sql = format!("SELECT CAST(\"{column}\" AS TEXT) AS v FROM \"{table}\"");
                for cell in diesel::sql_query(sql).load::<Cell>(conn)? {
                    if let Some(v) = cell.v {
                        cells.push((table.clone(), column.clone(), v));
                    }
                }
            }
            Ok::<_, StoreError>(cells)
        })
        .unwrap()
}

/// The HTML form of a value, as the e-mail templates write it.
fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
}

/// Asserts that no cell of the database holds any of `values` (nor their HTML form).
fn assert_nowhere(app: &TestApp, values: &[&str]) {
    let cells = every_cell(app);
    assert!(
        cells.len() > 100,
        "the scan read {} cells only",
        cells.len()
    );
    let mut found = Vec::new();
    for value in values {
        for form in [value.to_string(), html(value)] {
            for (table, column, cell) in &cells {
                if cell.contains(&form) {
                    found.push(format!("{table}.{column} holds {form:?}"));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "erased values remain:\n{}",
        found.join("\n")
    );
}

/// Asserts that some cell holds `value` (the scan would see it).
fn assert_somewhere(app: &TestApp, value: &str) {
    assert!(
        every_cell(app)
            .iter()
            .any(|(_, _, cell)| cell.contains(value)),
        "{value} is gone too"
    );
}

fn identifying(p: &Person) -> Vec<&'static str> {
    vec![p.name, p.email, p.phone, p.e164, p.text]
}

backend_test! {
    #[actix_web::test]
    async fn erasure_leaves_no_trace_and_keeps_every_past_bilan(db) {
        let app = app(db);
        let staff = staff(&app).await;
        volunteer_of(&app, &staff, &AURELIE).await;
        volunteer_of(&app, &staff, &BRUNO).await;
        let aurelie = app.sign_in(AURELIE.email, Role::Volunteer).await;
        let bruno = app.sign_in(BRUNO.email, Role::Volunteer).await;

        // Raphaël's first request: Aurélie takes it, answers, Raphaël rates it.
        let first = request_of(&app, &RAPHAEL, RAPHAEL.text).await;
        let raphael = app.sign_in(RAPHAEL.email, Role::Requester).await;
        accept(&app, &aurelie, &first).await;
        answer_and_rate(&app, &aurelie, &raphael, &first, SUMMARY, COMMENT).await;
        // The second: Aurélie declines with a reason, Bruno takes it.
        let second = request_of(&app, &RAPHAEL, "Seconde demande : accompagner la mise en place de la visioconférence pour les réunions.").await;
        let proposal = pending_proposal(&app, &aurelie, &second).await;
        let (status, body) = call(&app, "POST", &format!("/api/v1/proposals/{proposal}/decline"), Some(&aurelie), Some(json!({"reason": DECLINE_REASON}))).await;
        assert_eq!(status, 200, "{body}");
        accept(&app, &bruno, &second).await;
        answer_and_rate(&app, &bruno, &raphael, &second, "Réunion de cadrage avec l'équipe, puis configuration des salles.", "Très bien, merci beaucoup pour cette aide précieuse.").await;
        // The third: Raphaël cancels it, with a reason.
        let third = request_of(&app, &RAPHAEL, "Troisième demande : aide au choix d'une solution de messagerie sécurisée.").await;
        let (status, body) = call(&app, "POST", &format!("/api/v1/requests/{third}/cancel"), Some(&raphael), Some(json!({"reason": CANCEL_REASON}))).await;
        assert_eq!(status, 200, "{body}");
        // The values are in the database, and in e-mails (the scan would see them).
        for value in [AURELIE.name, AURELIE.email, AURELIE.e164, AURELIE.text, RAPHAEL.e164, RAPHAEL.text, DECLINE_REASON, SUMMARY, COMMENT, CANCEL_REASON] {
            assert_somewhere(&app, value);
        }
        assert!(outbox(&app).iter().any(|m| m.text.contains(AURELIE.phone)), "Raphaël was e-mailed Aurélie's phone");
        assert!(outbox(&app).iter().any(|m| m.text.contains(RAPHAEL.phone)), "Aurélie was e-mailed Raphaël's phone");

        // Weeks later, the bilan of that week, private and public.
        let period = this_week(&app);
        app.clock.advance(TimeDelta::days(30));
        let before = (bilan(&app, period, false), bilan(&app, period, true));
        let staff = app.sign_in("equipe@anap.fr", Role::Staff).await;
        let aurelie = app.sign_in(AURELIE.email, Role::Volunteer).await;
        let raphael = app.sign_in(RAPHAEL.email, Role::Requester).await;
        let raphael_id = user_id(&app, &raphael).await;

        // Aurélie erases herself; staff erase Raphaël on his request.
        let (status, erased) = call(&app, "POST", "/api/v1/me/erase", Some(&aurelie), Some(confirm())).await;
        assert_eq!(status, 200, "{erased}");
        assert_eq!(erased["account"], "kept_as_shell");
        assert_eq!(erased["volunteer_profile"], true);
        assert_eq!(erased["cases_handed_back"], 0, "nothing was open");
        assert!(erased["emails_deleted"].as_u64().unwrap() > 0, "{erased}");
        assert!(erased["emails_rewritten"].as_u64().unwrap() > 0, "{erased}");
        assert_eq!(call(&app, "GET", "/api/v1/auth/me", Some(&aurelie), None).await.0, 401, "her session ended");
        let (status, erased) = call(&app, "POST", &format!("/api/v1/users/{raphael_id}/erase"), Some(&staff), Some(confirm())).await;
        assert_eq!(status, 200, "{erased}");
        assert_eq!(erased["requests"], 3);
        assert_eq!(erased["rating_comments"], 2);
        assert_eq!(call(&app, "GET", "/api/v1/auth/me", Some(&raphael), None).await.0, 401);

        // Nothing identifying is left anywhere, in either form of the phone numbers.
        let mut gone = identifying(&AURELIE);
        gone.extend(identifying(&RAPHAEL));
        gone.extend([DECLINE_REASON, SUMMARY, COMMENT, CANCEL_REASON]);
        assert_nowhere(&app, &gone);
        // Bruno was not erased.
        for value in [BRUNO.name, BRUNO.email, BRUNO.e164, BRUNO.text] {
            assert_somewhere(&app, value);
        }
        // Every past bilan gives the same figures, byte for byte.
        assert_eq!(String::from_utf8(bilan(&app, period, false)).unwrap(), String::from_utf8(before.0.clone()).unwrap());
        assert_eq!(bilan(&app, period, true), before.1);

        // The records stay readable: the case as staff see it, anonymous.
        let (status, case) = call(&app, "GET", &format!("/api/v1/cases/{first}"), Some(&staff), None).await;
        assert_eq!(status, 200, "{case}");
        assert_eq!(case["request"]["status"], "closed");
        assert_eq!(case["volunteer"]["name"], privacy::ERASED_NAME);
        assert_eq!(case["volunteer"]["phone"], privacy::ERASED_PHONE);
        assert_eq!(case["answer"]["items"][1]["tool_name"], "Charte de télétravail", "what the bilan counts stays");
        assert_eq!(case["rating"]["rating"], 5);
        let (status, listed) = call(&app, "GET", "/api/v1/volunteers", None, None).await;
        assert_eq!(status, 200);
        assert!(!listed.to_string().contains(privacy::ERASED_NAME), "the erased volunteer left the directory: {listed}");
        // Staff's export of the shell shows what is left: nothing identifying.
        let (status, export) = call(&app, "GET", &format!("/api/v1/users/{raphael_id}/data"), Some(&staff), None).await;
        assert_eq!(status, 200, "{export}");
        assert!(export["user"]["email"].as_str().unwrap().ends_with("@entraide.invalid"));
        assert!(export["user"]["erased_at"].is_string());
        assert!(export["user"]["disabled_at"].is_string());
        for value in identifying(&RAPHAEL) {
            assert!(!export.to_string().contains(value), "{value} in {export}");
        }

        // Erasing again changes nothing and says so.
        let (status, again) = call(&app, "POST", &format!("/api/v1/users/{raphael_id}/erase"), Some(&staff), Some(confirm())).await;
        assert_eq!(status, 200, "{again}");
        assert_eq!(again["already_erased"], true);
        assert_eq!(bilan(&app, period, false), before.0);
    }
}

backend_test! {
    #[actix_web::test]
    async fn open_work_is_handed_back_before_erasure(db) {
        let app = app(db);
        let staff = staff(&app).await;
        volunteer_of(&app, &staff, &AURELIE).await;
        volunteer_of(&app, &staff, &BRUNO).await;
        let aurelie = app.sign_in(AURELIE.email, Role::Volunteer).await;
        let bruno = app.sign_in(BRUNO.email, Role::Volunteer).await;
        // Aurélie holds Raphaël's request, unanswered.
        let held = request_of(&app, &RAPHAEL, RAPHAEL.text).await;
        accept(&app, &aurelie, &held).await;
        // Chloé arrives afterwards: nobody asked her yet.
        let chloe_id = volunteer_of(&app, &staff, &CHLOE).await;
        // A second request waits for Aurélie's answer.
        let waiting = request_of(&app, &RAPHAEL, "Seconde demande : organiser des réunions à distance avec les équipes de nuit.").await;
        pending_proposal(&app, &aurelie, &waiting).await;
        // Quentin's request is held by Bruno.
        let quentins = request_of(&app, &QUENTIN, QUENTIN.text).await;
        accept(&app, &bruno, &quentins).await;
        let quentin = app.sign_in(QUENTIN.email, Role::Requester).await;
        let aurelie_id = user_id(&app, &aurelie).await;

        // Staff erase Aurélie on her request: her case goes back to matching first.
        let (status, erased) = call(&app, "POST", &format!("/api/v1/users/{aurelie_id}/erase"), Some(&staff), Some(confirm())).await;
        assert_eq!(status, 200, "{erased}");
        assert_eq!(erased["cases_handed_back"], 1, "{erased}");
        assert_eq!(erased["proposals_declined"], 1, "{erased}");
        assert_eq!(status_of(&app, &staff, &held).await, "proposed", "proposed to the volunteers not asked yet");
        let offered = proposals_of(&app, &staff, &held).await;
        assert!(offered.iter().any(|p| p["volunteer_id"] == chloe_id.as_str() && p["status"] == "pending"), "{offered:?}");
        assert!(case_rows(&app, &held).is_empty(), "Aurélie no longer holds it");
        let (_, trail) = call(&app, "GET", &format!("/api/v1/requests/{held}/transitions"), Some(&staff), None).await;
        // The manual clock stands still: find the step rather than take the last one.
        assert!(
            trail.as_array().unwrap().iter().any(|t| t["from"] == "accepted" && t["to"] == "proposed" && t["reason"].as_str().unwrap_or_default().contains("effacement")),
            "{trail}"
        );
        assert_eq!(status_of(&app, &staff, &waiting).await, "proposed", "the others asked still may accept");
        let offered = proposals_of(&app, &staff, &waiting).await;
        assert!(offered.iter().any(|p| p["status"] == "declined"), "{offered:?}");

        // Quentin erases himself: his request is cancelled and Bruno released (and told).
        let withdrawn_before = mails(&app, "case_withdrawn").iter().filter(|m| m.to == BRUNO.email).count();
        let (status, erased) = call(&app, "POST", "/api/v1/me/erase", Some(&quentin), Some(confirm())).await;
        assert_eq!(status, 200, "{erased}");
        assert_eq!(erased["requests_cancelled"], 1, "{erased}");
        assert_eq!(status_of(&app, &staff, &quentins).await, "cancelled");
        assert!(case_rows(&app, &quentins).is_empty());
        let withdrawn: Vec<Mail> = mails(&app, "case_withdrawn").into_iter().filter(|m| m.to == BRUNO.email).collect();
        assert_eq!(withdrawn.len(), withdrawn_before + 1);
        for value in identifying(&QUENTIN) {
            assert!(!withdrawn.last().unwrap().text.contains(value), "{value}");
        }

        let mut gone = identifying(&AURELIE);
        gone.extend(identifying(&QUENTIN));
        assert_nowhere(&app, &gone);
        assert_somewhere(&app, RAPHAEL.e164);
        assert_somewhere(&app, CHLOE.name);
    }
}

backend_test! {
    #[actix_web::test]
    async fn the_bilan_is_unchanged_by_the_erasure_itself(db) {
        // Handing open work back changes states (as a staff reopening would); the erasure
        // that follows changes no figure, even for a period that includes today.
        let app = app(db);
        let staff = staff(&app).await;
        volunteer_of(&app, &staff, &AURELIE).await;
        volunteer_of(&app, &staff, &BRUNO).await;
        let aurelie = app.sign_in(AURELIE.email, Role::Volunteer).await;
        let held = request_of(&app, &RAPHAEL, RAPHAEL.text).await;
        accept(&app, &aurelie, &held).await;
        request_of(&app, &QUENTIN, QUENTIN.text).await;
        let aurelie_id: uuid::Uuid = user_id(&app, &aurelie).await.parse().unwrap();
        let staff_id: uuid::Uuid = user_id(&app, &staff).await.parse().unwrap();
        let now = app.clock.now();
        let handed = app
            .state
            .store
            .run_blocking(|conn| entraide_http::privacy::hand_back_open_work(&app.state, conn, aurelie_id, staff_id, now))
            .unwrap();
        assert_eq!(handed.cases, 1);
        assert_eq!(handed.proposals, 1, "Quentin's request was offered to her too");
        let period = this_week(&app);
        let before = bilan(&app, period, false);
        let (status, erased) = call(&app, "POST", &format!("/api/v1/users/{aurelie_id}/erase"), Some(&staff), Some(confirm())).await;
        assert_eq!(status, 200, "{erased}");
        assert_eq!(erased["cases_handed_back"], 0);
        assert_eq!(bilan(&app, period, false), before);
        assert_nowhere(&app, &identifying(&AURELIE));
    }
}

backend_test! {
    #[actix_web::test]
    async fn erasure_needs_a_confirmation_and_the_right_role(db) {
        let app = app(db);
        let staff = staff(&app).await;
        let requester = app.sign_in(RAPHAEL.email, Role::Requester).await;
        let id = user_id(&app, &requester).await;
        assert_eq!(call(&app, "POST", "/api/v1/me/erase", None, Some(confirm())).await.0, 401);
        for body in [json!({}), json!({"confirmation": "oui"}), json!({"confirmation": "effacer"})] {
            let (status, problem) = call(&app, "POST", "/api/v1/me/erase", Some(&requester), Some(body.clone())).await;
            assert!(status == 422 || status == 400, "{body}: {status} {problem}");
        }
        let (status, problem) = call(&app, "POST", "/api/v1/me/erase", Some(&requester), Some(json!({"confirmation": "oui"}))).await;
        assert_eq!(status, 422);
        assert_eq!(problem["errors"][0]["path"], "/confirmation", "{problem}");
        assert_eq!(call(&app, "GET", "/api/v1/auth/me", Some(&requester), None).await.0, 200, "nothing was erased");
        assert_eq!(call(&app, "POST", &format!("/api/v1/users/{id}/erase"), Some(&requester), Some(confirm())).await.0, 403);
        assert_eq!(call(&app, "GET", &format!("/api/v1/users/{id}/data"), Some(&requester), None).await.0, 403);
        let unknown = uuid::Uuid::new_v4();
        assert_eq!(call(&app, "POST", &format!("/api/v1/users/{unknown}/erase"), Some(&staff), Some(confirm())).await.0, 404);
        assert_eq!(call(&app, "GET", &format!("/api/v1/users/{unknown}/data"), Some(&staff), None).await.0, 404);
        assert_eq!(call(&app, "GET", "/api/v1/me/data", None, None).await.0, 401);
        // A person nothing points to is deleted, not kept as a shell.
        let (status, erased) = call(&app, "POST", "/api/v1/me/erase", Some(&requester), Some(confirm())).await;
        assert_eq!(status, 200, "{erased}");
        assert_eq!(erased["account"], "deleted");
        assert_eq!(call(&app, "GET", &format!("/api/v1/users/{id}/data"), Some(&staff), None).await.0, 404);
    }
}

/// The keys of an export's JSON object.
fn keys(value: &Value) -> BTreeSet<String> {
    value.as_object().unwrap().keys().cloned().collect()
}

backend_test! {
    #[actix_web::test]
    async fn the_export_holds_everything_about_a_person(db) {
        let app = app(db);
        let staff = staff(&app).await;
        volunteer_of(&app, &staff, &AURELIE).await;
        volunteer_of(&app, &staff, &BRUNO).await;
        let aurelie = app.sign_in(AURELIE.email, Role::Volunteer).await;
        let bruno = app.sign_in(BRUNO.email, Role::Volunteer).await;
        // Aurélie helps Raphaël...
        let helped = request_of(&app, &RAPHAEL, RAPHAEL.text).await;
        let raphael = app.sign_in(RAPHAEL.email, Role::Requester).await;
        accept(&app, &aurelie, &helped).await;
        answer_and_rate(&app, &aurelie, &raphael, &helped, SUMMARY, COMMENT).await;
        // ...and asks for help herself, from the same address: Bruno helps her.
        let asked = request_of(&app, &AURELIE, "Demande d'Aurélie : relire notre charte de télétravail avant sa diffusion.").await;
        let aurelie = app.sign_in(AURELIE.email, Role::Requester).await;
        accept(&app, &bruno, &asked).await;
        answer_and_rate(&app, &bruno, &aurelie, &asked, "Relecture de la charte et conseils de diffusion aux équipes.", "Relecture rapide et précise, merci beaucoup Bruno.").await;

        let (status, mine) = call(&app, "GET", "/api/v1/me/data", Some(&aurelie), None).await;
        assert_eq!(status, 200, "{mine}");
        // Every table that holds rows about a person has them in its section.
        for (table, usage) in privacy::TABLES {
            if let TableUse::Exported { section, .. } = usage {
                let value = &mine[*section];
                let filled = match value {
                    Value::Array(items) => !items.is_empty(),
                    Value::Object(map) => !map.is_empty(),
                    _ => false,
                };
                assert!(filled, "{table}: section {section} is empty in {mine}");
            }
        }
        assert_eq!(mine["user"]["email"], AURELIE.email);
        assert_eq!(mine["applications"][0]["phone"], AURELIE.e164);
        assert_eq!(mine["applications"][0]["themes"], json!(["teletravail"]));
        assert_eq!(mine["volunteer"]["presentation"], AURELIE.text);
        assert_eq!(mine["requests"][0]["description"], "Demande d'Aurélie : relire notre charte de télétravail avant sa diffusion.");
        assert_eq!(mine["requests"][0]["establishment"]["finess"], "750712184");
        assert!(!mine["requests"][0]["transitions"].as_array().unwrap().is_empty());
        let sides: BTreeSet<&str> = mine["cases"].as_array().unwrap().iter().map(|c| c["side"].as_str().unwrap()).collect();
        assert_eq!(sides, BTreeSet::from(["requester", "volunteer"]));
        let held = mine["cases"].as_array().unwrap().iter().find(|c| c["side"] == "volunteer").unwrap();
        assert_eq!(held["answer"]["summary"], SUMMARY);
        assert_eq!(held["rating"]["comment"], COMMENT);
        assert!(mine["roles"].as_array().unwrap().iter().any(|r| r["role"] == "requester"));
        assert!(mine["sign_in_links"][0]["created_at"].is_string());
        assert!(mine["sign_in_links"][0].get("token_hash").is_none(), "never the hash");
        assert!(mine["emails"].as_array().unwrap().iter().all(|m| m["recipient"] == AURELIE.email));
        assert!(mine["emails"].as_array().unwrap().iter().any(|m| m["kind"] == "case_accepted"));
        assert!(!mine["actions"]["transitions"].as_array().unwrap().is_empty(), "she accepted and answered");
        // Nothing about other people's sign-in.
        let hashes: Vec<String> = app.state.store.run_blocking(|conn| {
            entraide_store::schema::sign_in_tokens::table
                .select(entraide_store::schema::sign_in_tokens::token_hash)
                .load(conn)
                .map_err(StoreError::from)
        }).unwrap();
        for hash in hashes {
            assert!(!mine.to_string().contains(&hash));
        }

        // Staff produce the same document; the schema documents its keys.
        let id = mine["user"]["id"].as_str().unwrap();
        let (status, theirs) = call(&app, "GET", &format!("/api/v1/users/{id}/data"), Some(&staff), None).await;
        assert_eq!(status, 200);
        assert_eq!(theirs["applications"], mine["applications"]);
        assert_eq!(theirs["cases"], mine["cases"]);
        let document = entraide_http::openapi::openapi();
        let schema = serde_json::to_value(&document).unwrap()["components"]["schemas"]["PersonalData"]["properties"].clone();
        assert_eq!(keys(&schema), keys(&mine), "the API document and the export disagree");
        // Staff hold actions on others' records.
        let (_, staff_data) = call(&app, "GET", "/api/v1/me/data", Some(&staff), None).await;
        assert!(!staff_data["actions"]["decisions"].as_array().unwrap().is_empty(), "{staff_data}");
    }
}

backend_test! {
    #[actix_web::test]
    async fn contact_details_stay_hidden_until_a_volunteer_accepts(db) {
        let app = app(db);
        let staff = staff(&app).await;
        volunteer_of(&app, &staff, &AURELIE).await;
        let aurelie = app.sign_in(AURELIE.email, Role::Volunteer).await;
        let request = request_of(&app, &RAPHAEL, RAPHAEL.text).await;
        let raphael = app.sign_in(RAPHAEL.email, Role::Requester).await;
        let hers = [AURELIE.name, AURELIE.email, AURELIE.phone, AURELIE.e164];
        let his = [RAPHAEL.name, RAPHAEL.email, RAPHAEL.phone, RAPHAEL.e164];
        let absent = |text: &str, values: &[&str], what: &str| {
            for value in values {
                assert!(!text.contains(value), "{what} shows {value}: {text}");
            }
        };

        // Before acceptance: the proposal, its e-mail, the case and the request show the
        // volunteer nothing of the contact, and the requester nothing of the volunteer.
        let proposal = pending_proposal(&app, &aurelie, &request).await;
        let (status, read) = call(&app, "GET", &format!("/api/v1/proposals/{proposal}"), Some(&aurelie), None).await;
        assert_eq!(status, 200);
        absent(&read.to_string(), &his, "the proposal");
        let (_, listed) = call(&app, "GET", "/api/v1/proposals", Some(&aurelie), None).await;
        absent(&listed.to_string(), &his, "the list of proposals");
        for mail in mails(&app, "case_proposed") {
            absent(&mail.text, &his, "the proposal e-mail");
        }
        assert_eq!(call(&app, "GET", &format!("/api/v1/cases/{request}"), Some(&aurelie), None).await.0, 404);
        assert_eq!(call(&app, "GET", &format!("/api/v1/requests/{request}"), Some(&aurelie), None).await.0, 403);
        let (status, case) = call(&app, "GET", &format!("/api/v1/cases/{request}"), Some(&raphael), None).await;
        assert_eq!(status, 200);
        assert!(case["volunteer"].is_null(), "{case}");
        absent(&case.to_string(), &hers, "the requester's case");
        let (_, directory) = call(&app, "GET", "/api/v1/volunteers", None, None).await;
        absent(&directory.to_string(), &[AURELIE.email, AURELIE.phone, AURELIE.e164], "the public directory");

        // Once she accepts, each sees the other's details.
        accept(&app, &aurelie, &request).await;
        let (_, case) = call(&app, "GET", &format!("/api/v1/cases/{request}"), Some(&aurelie), None).await;
        assert_eq!(case["request"]["contact"]["email"], RAPHAEL.email);
        let (_, case) = call(&app, "GET", &format!("/api/v1/cases/{request}"), Some(&raphael), None).await;
        assert_eq!(case["volunteer"]["email"], AURELIE.email);
        assert_eq!(case["volunteer"]["phone"], AURELIE.e164);
    }
}

/// Marks every queued e-mail as sent at `at` (no delivery worker runs in these tests).
fn mark_sent(app: &TestApp, at: chrono::NaiveDateTime) {
    use entraide_store::schema::outbox;
    app.state
        .store
        .run_blocking(|conn| {
            diesel::update(outbox::table.filter(outbox::status.eq("pending")))
                .set((outbox::status.eq("sent"), outbox::sent_at.eq(Some(at))))
                .execute(conn)
                .map_err(StoreError::from)
        })
        .unwrap();
}

fn purge(app: &TestApp, mode: PurgeMode) -> PurgeReport {
    entraide_http::privacy::run_purge(
        &app.state.store,
        &RetentionSettings::default(),
        app.clock.now(),
        mode,
    )
    .unwrap()
}

fn count(app: &TestApp, sql: &str) -> i64 {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let sql = sql.to_owned();
    app.state
        .store
        .run_blocking(move |conn| {
            diesel::sql_query(sql)
                .get_result::<N>(conn)
                .map_err(StoreError::from)
        })
        .unwrap()
        .n
}

backend_test! {
    #[actix_web::test]
    async fn retention_periods_apply_as_time_passes(db) {
        let app = app(db);
        let staff = staff(&app).await;
        // A rejected application.
        let body = json!({
            "name": QUENTIN.name, "email": QUENTIN.email, "phone": QUENTIN.phone, "job_role": "dsi",
            "origin_sector": "sanitaire", "origin_status": "public", "department": "13",
            "themes": ["pca"], "presentation": QUENTIN.text, "capacity": 1, "publication_consent": false,
        });
        let (status, rejected) = call(&app, "POST", "/api/v1/applications", None, Some(body)).await;
        assert_eq!(status, 201, "{rejected}");
        let rejected = rejected["id"].as_str().unwrap().to_owned();
        let (status, body) = call(&app, "POST", &format!("/api/v1/applications/{rejected}/reject"), Some(&staff), Some(json!({"reason": "Profil hors du champ du dispositif."}))).await;
        assert_eq!(status, 200, "{body}");
        // Aurélie helps Raphaël: a closed request. Bruno holds Chloé's request, unanswered.
        volunteer_of(&app, &staff, &AURELIE).await;
        let aurelie = app.sign_in(AURELIE.email, Role::Volunteer).await;
        let closed = request_of(&app, &RAPHAEL, RAPHAEL.text).await;
        let raphael = app.sign_in(RAPHAEL.email, Role::Requester).await;
        accept(&app, &aurelie, &closed).await;
        answer_and_rate(&app, &aurelie, &raphael, &closed, SUMMARY, COMMENT).await;
        let bruno_id = volunteer_of(&app, &staff, &BRUNO).await;
        let bruno = app.sign_in(BRUNO.email, Role::Volunteer).await;
        let open = request_of(&app, &CHLOE, CHLOE.text).await;
        let proposal = pending_proposal(&app, &aurelie, &open).await;
        call(&app, "POST", &format!("/api/v1/proposals/{proposal}/decline"), Some(&aurelie), Some(json!({}))).await;
        accept(&app, &bruno, &open).await;
        mark_sent(&app, app.clock.now());
        let period = this_week(&app);
        let bilan_before = bilan(&app, period, false);

        // Nothing is due on the first day.
        assert_eq!(purge(&app, PurgeMode::DryRun).total(), 0);
        // After a month: expired sign-in links and ended sessions.
        app.clock.advance(TimeDelta::days(31));
        let due = purge(&app, PurgeMode::DryRun);
        assert!(due.sign_in_links > 0 && due.sessions > 0, "{due:?}");
        assert_eq!(due.total(), due.sign_in_links + due.sessions, "{due:?}");
        assert_eq!(count(&app, "SELECT COUNT(*) AS n FROM sessions"), i64::try_from(due.sessions).unwrap(), "a dry run changes nothing");
        assert_eq!(purge(&app, PurgeMode::Apply), due);
        assert_eq!(count(&app, "SELECT COUNT(*) AS n FROM sessions"), 0);
        assert_eq!(count(&app, "SELECT COUNT(*) AS n FROM sign_in_tokens"), 0);
        assert_eq!(purge(&app, PurgeMode::Apply).total(), 0, "a second purge finds nothing");
        // After three months: the bodies of sent e-mails.
        app.clock.advance(TimeDelta::days(60));
        let sent = count(&app, "SELECT COUNT(*) AS n FROM outbox WHERE status = 'sent'");
        assert!(sent > 0);
        assert_eq!(purge(&app, PurgeMode::Apply).sent_email_bodies, usize::try_from(sent).unwrap());
        assert_eq!(count(&app, &format!("SELECT COUNT(*) AS n FROM outbox WHERE body_text <> '{}'", privacy::PURGED_EMAIL_BODY)), 0);
        // After six months: the rejected application, anonymous and still readable.
        app.clock.advance(TimeDelta::days(93));
        let report = purge(&app, PurgeMode::Apply);
        assert_eq!(report.rejected_applications, 1, "{report:?}");
        let staff = app.sign_in("equipe@anap.fr", Role::Staff).await;
        let (status, application) = call(&app, "GET", &format!("/api/v1/applications/{rejected}"), Some(&staff), None).await;
        assert_eq!(status, 200, "{application}");
        assert_eq!(application["status"], "rejected");
        assert_eq!(application["name"], privacy::ERASED_NAME);
        assert_nowhere(&app, &identifying(&QUENTIN));
        assert_somewhere(&app, AURELIE.e164);
        // After three years: the closed request loses its contact, inactive people are
        // erased, but not those with a case or a request still open.
        app.clock.advance(TimeDelta::days(3 * 365 - 180));
        let due = purge(&app, PurgeMode::DryRun);
        assert_eq!(due.closed_request_contacts, 1, "{due:?}");
        assert_eq!(due.inactive_people, 2, "Aurélie and Raphaël: {due:?}");
        assert_eq!(due.inactive_with_open_work, 2, "Bruno and Chloé: {due:?}");
        assert_eq!(purge(&app, PurgeMode::Apply), due);
        let mut gone = identifying(&AURELIE);
        gone.extend(identifying(&RAPHAEL));
        gone.extend([SUMMARY, COMMENT]);
        assert_nowhere(&app, &gone);
        for value in [BRUNO.e164, BRUNO.text, CHLOE.e164, CHLOE.text] {
            assert_somewhere(&app, value);
        }
        let staff = app.sign_in("equipe@anap.fr", Role::Staff).await;
        let (status, profile) = call(&app, "GET", &format!("/api/v1/volunteers/{bruno_id}"), Some(&staff), None).await;
        assert_eq!(status, 200, "{profile}");
        assert_eq!(profile["name"], BRUNO.name);
        assert_eq!(purge(&app, PurgeMode::Apply).total(), 0, "nothing twice");
        // The bilan of that first week is the same.
        assert_eq!(bilan(&app, period, false), bilan_before);
    }
}
