//! The background jobs of cases with the controllable clock (no sleeps): proposals that
//! expire, next waves, unmatched requests and the staff alert, reminders, first waves
//! that had to wait for a volunteer, first waves worked out before their transaction and
//! what happens when things changed meanwhile, the automatic closing, and two server
//! processes running the jobs at once without acting twice.

#![allow(clippy::unwrap_used)] // Test code: a panic is how a test reports failure.

mod cases_support;

use cases_support::*;
use chrono::TimeDelta;
use entraide_core::Role;
use entraide_http::cases::flow::{self, FirstWavePlan, WaveOutcome};
use entraide_http::cases::{run_case_jobs, CaseSettings, JobReport};
use entraide_http::testing::TestApp;
use entraide_store::{backend_test, Clock};
use serde_json::{json, Value};
use uuid::Uuid;

const CONTACT: &str = "paul@hopital-exemple.fr";

fn one_per_wave() -> CaseSettings {
    CaseSettings {
        proposals_per_wave: 1,
        ..CaseSettings::default()
    }
}

/// Three volunteers ranked Claire (same region), Bruno (neighbouring), Chloé (elsewhere).
async fn three_volunteers(app: &TestApp, staff: &str) -> [String; 3] {
    [
        volunteer(
            app,
            staff,
            &NewVolunteer::new("Claire Martin", "claire@chu-exemple.fr"),
        )
        .await,
        volunteer(
            app,
            staff,
            &NewVolunteer {
                department: "59",
                ..NewVolunteer::new("Bruno Petit", "bruno@clinique-exemple.fr")
            },
        )
        .await,
        volunteer(
            app,
            staff,
            &NewVolunteer {
                department: "13",
                ..NewVolunteer::new("Chloé Bernard", "chloe@ehpad-exemple.fr")
            },
        )
        .await,
    ]
}

/// (volunteer id, status) of each proposal of a request, oldest first.
async fn proposal_states(app: &TestApp, request: &str) -> Vec<(String, String)> {
    let staff = staff(app).await;
    let mut proposals = proposals_of(app, &staff, request).await;
    proposals.sort_by_key(|p| {
        (
            p["wave"].as_i64().unwrap(),
            p["created_at"].as_str().unwrap().to_owned(),
        )
    });
    proposals
        .iter()
        .map(|p| {
            (
                p["volunteer_id"].as_str().unwrap().to_owned(),
                p["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn pair(id: &str, status: &str) -> (String, String) {
    (id.to_owned(), status.to_owned())
}

backend_test! {
    #[actix_web::test]
    async fn unanswered_waves_expire_then_staff_are_told(db) {
        let app = app_with(db, one_per_wave());
        let staff_token = staff(&app).await;
        let [claire, bruno, chloe] = three_volunteers(&app, &staff_token).await;
        let id = request(&app, CONTACT, &["teletravail"], "normal").await["id"].as_str().unwrap().to_owned();
        assert_eq!(proposal_states(&app, &id).await, [pair(&claire, "pending")]);

        // Nothing is due yet.
        assert_eq!(run_jobs(&app).await, JobReport::default());

        // 18 hours in (6 hours before the expiry), Claire is reminded, once.
        app.clock.advance(TimeDelta::hours(18));
        let report = run_jobs(&app).await;
        assert_eq!(report.reminders, 1, "{report:?}");
        assert_eq!(run_jobs(&app).await.reminders, 0, "one reminder only");
        let reminders = mails(&app, "proposal_reminder");
        assert_eq!(reminders.len(), 1);
        assert_eq!(reminders[0].to, "claire@chu-exemple.fr");
        assert!(reminders[0].text.contains("/volontaire/propositions/"), "{}", reminders[0].text);

        // After 24 hours her proposal expires and the second wave asks Bruno.
        app.clock.advance(TimeDelta::hours(6));
        let report = run_jobs(&app).await;
        assert_eq!((report.expired, report.waves, report.unmatched), (1, 1, 0), "{report:?}");
        assert_eq!(proposal_states(&app, &id).await, [pair(&claire, "expired"), pair(&bruno, "pending")]);
        assert!(mails(&app, "case_proposed").iter().any(|m| m.to == "bruno@clinique-exemple.fr"));
        assert_eq!(status_of(&app, &staff(&app).await, &id).await, "proposed");
        // An expired proposal can no longer be accepted.
        let claire_token = app.sign_in("claire@chu-exemple.fr", Role::Volunteer).await;
        let (_, mine) = call(&app, "GET", "/api/v1/proposals", Some(&claire_token), None).await;
        let expired = mine["items"][0]["id"].as_str().unwrap().to_owned();
        let (status, body) = call(&app, "POST", &format!("/api/v1/proposals/{expired}/accept"), Some(&claire_token), None).await;
        assert_eq!(status, 409, "{body}");
        assert_eq!(body["code"], "proposal_closed");

        // Bruno lets it expire too: two waves were allowed, the request is unmatched and
        // staff are e-mailed; Chloé is never asked.
        app.clock.advance(TimeDelta::hours(24));
        let report = run_jobs(&app).await;
        assert_eq!((report.expired, report.waves, report.unmatched), (1, 0, 1), "{report:?}");
        assert_eq!(proposal_states(&app, &id).await, [pair(&claire, "expired"), pair(&bruno, "expired")]);
        let staff_now = staff(&app).await;
        assert_eq!(status_of(&app, &staff_now, &id).await, "unmatched");
        let alerts = mails(&app, "request_unmatched");
        assert_eq!(alerts.len(), 1);
        assert_eq!(alerts[0].to, "equipe@anap.fr");
        assert!(alerts[0].text.contains("Volontaires sollicités : 2"), "{}", alerts[0].text);
        assert!(alerts[0].text.contains(&format!("http://entraide.test/dossiers/{id}")), "{}", alerts[0].text);
        let (_, trail) = call(&app, "GET", &format!("/api/v1/requests/{id}/transitions"), Some(&staff_now), None).await;
        let last = trail.as_array().unwrap().last().unwrap();
        assert_eq!((last["from"].clone(), last["to"].clone()), (json!("proposed"), json!("unmatched")));
        assert!(last["actor_user_id"].is_null());
        assert!(last["reason"].as_str().unwrap().contains("2 volontaires, 2 vagues"), "{last}");
        // The staff view puts it first.
        let (_, attention) = call(&app, "GET", "/api/v1/cases?attention=true", Some(&staff_now), None).await;
        assert_eq!(attention["total"], 1);
        assert_eq!(attention["items"][0]["request"]["id"], id.as_str());
        for (query, total) in [("?status=unmatched", 1), ("?status=proposed", 0), ("?older_than_days=2", 1), ("?older_than_days=3", 0)] {
            let (status, page) = call(&app, "GET", &format!("/api/v1/cases{query}"), Some(&staff_now), None).await;
            assert_eq!(status, 200, "{query}: {page}");
            assert_eq!(page["total"], total, "{query}");
        }
        let (status, page) = call(&app, "GET", "/api/v1/cases?older_than_days=0", Some(&staff_now), None).await;
        assert_eq!(status, 422, "{page}");
        assert_eq!(page["errors"][0]["path"], "?older_than_days");
        // Nothing more happens by itself.
        assert_eq!(run_jobs(&app).await, JobReport::default());

        // Staff reopen it: Chloé, not asked yet, gets it, with a fresh set of waves.
        let (status, reopened) = call(&app, "POST", &format!("/api/v1/requests/{id}/reopen"), Some(&staff_now), Some(json!({"reason": "Relance après appel à volontaires."}))).await;
        assert_eq!(status, 200, "{reopened}");
        assert_eq!(reopened["request"]["status"], "proposed");
        assert_eq!(reopened["wave"], 3);
        assert_eq!(proposal_states(&app, &id).await.last().unwrap(), &pair(&chloe, "pending"));
        assert_request_facts_in_step(&app);
    }
}

backend_test! {
    #[actix_web::test]
    async fn critical_requests_expire_sooner(db) {
        let app = app_with(db, one_per_wave());
        let staff_token = staff(&app).await;
        let [claire, bruno, _] = three_volunteers(&app, &staff_token).await;
        let id = request(&app, CONTACT, &["teletravail"], "critical").await["id"].as_str().unwrap().to_owned();
        let proposed = mails(&app, "case_proposed");
        assert!(proposed[0].text.contains("sous 4 heures"), "{}", proposed[0].text);
        // The reminder comes half-way (2 hours), not 6 hours before a 4-hour delay.
        app.clock.advance(TimeDelta::minutes(119));
        assert_eq!(run_jobs(&app).await.reminders, 0);
        app.clock.advance(TimeDelta::minutes(2));
        assert_eq!(run_jobs(&app).await.reminders, 1);
        app.clock.advance(TimeDelta::minutes(118));
        assert_eq!(run_jobs(&app).await.expired, 0, "3 h 59: not yet");
        app.clock.advance(TimeDelta::minutes(2));
        let report = run_jobs(&app).await;
        assert_eq!((report.expired, report.waves), (1, 1), "{report:?}");
        assert_eq!(proposal_states(&app, &id).await, [pair(&claire, "expired"), pair(&bruno, "pending")]);
    }
}

backend_test! {
    #[actix_web::test]
    async fn declines_move_to_the_next_wave_at_once(db) {
        let app = app_with(db, one_per_wave());
        let staff_token = staff(&app).await;
        let [claire, bruno, _] = three_volunteers(&app, &staff_token).await;
        let id = request(&app, CONTACT, &["teletravail"], "normal").await["id"].as_str().unwrap().to_owned();
        let claire_token = app.sign_in("claire@chu-exemple.fr", Role::Volunteer).await;
        let (_, mine) = call(&app, "GET", "/api/v1/proposals?status=pending", Some(&claire_token), None).await;
        let proposal = mine["items"][0]["id"].as_str().unwrap().to_owned();
        let (status, declined) = call(&app, "POST", &format!("/api/v1/proposals/{proposal}/decline"), Some(&claire_token), Some(json!({"reason": "Je suis en congé cette semaine."}))).await;
        assert_eq!(status, 200, "{declined}");
        assert_eq!(declined["status"], "declined");
        assert_eq!(declined["decline_reason"], "Je suis en congé cette semaine.");
        // No job needed: Bruno is asked at once.
        assert_eq!(proposal_states(&app, &id).await, [pair(&claire, "declined"), pair(&bruno, "pending")]);
        // Bruno declines the last wave: unmatched at once, staff told.
        let bruno_token = app.sign_in("bruno@clinique-exemple.fr", Role::Volunteer).await;
        let (_, mine) = call(&app, "GET", "/api/v1/proposals?status=pending", Some(&bruno_token), None).await;
        let proposal = mine["items"][0]["id"].as_str().unwrap().to_owned();
        assert_eq!(call(&app, "POST", &format!("/api/v1/proposals/{proposal}/decline"), Some(&bruno_token), Some(json!({}))).await.0, 200);
        assert_eq!(status_of(&app, &staff_token, &id).await, "unmatched");
        assert_eq!(mails(&app, "request_unmatched").len(), 1);
        assert_eq!(run_jobs(&app).await, JobReport::default(), "nothing left for the jobs");
        assert_request_facts_in_step(&app);
    }
}

backend_test! {
    #[actix_web::test]
    async fn a_request_nobody_can_take_waits_then_goes_to_staff(db) {
        let app = app(db);
        let staff_token = staff(&app).await;
        // Nobody has these themes yet: both requests wait in `submitted`.
        let later = request(&app, CONTACT, &["ins"], "normal").await;
        assert_eq!(later["status"], "submitted");
        let later = later["id"].as_str().unwrap().to_owned();
        let never = request(&app, "autre@clinique-exemple.fr", &["interoperabilite"], "normal").await["id"].as_str().unwrap().to_owned();
        assert_eq!(run_jobs(&app).await, JobReport::default());

        // A volunteer with the INS theme is accepted: the next pass proposes to her.
        app.clock.advance(TimeDelta::hours(2));
        let staff_token2 = staff(&app).await;
        let ines = volunteer(&app, &staff_token2, &NewVolunteer { themes: &["ins"], ..NewVolunteer::new("Inès Roux", "ines@chu-exemple.fr") }).await;
        // The staff view shows the waiting requests as stalled (an hour without a proposal).
        let (_, cases) = call(&app, "GET", "/api/v1/cases", Some(&staff_token2), None).await;
        assert!(cases["items"].as_array().unwrap().iter().all(|c| c["stalled"] == true), "{cases}");
        let report = run_jobs(&app).await;
        assert_eq!((report.waves, report.unmatched), (1, 0), "{report:?}");
        assert_eq!(proposal_states(&app, &later).await, [pair(&ines, "pending")]);
        assert_eq!(status_of(&app, &staff_token2, &never).await, "submitted");

        // A day after its submission, the other one goes to staff.
        app.clock.advance(TimeDelta::hours(23));
        let report = run_jobs(&app).await;
        assert_eq!(report.unmatched, 1, "{report:?}");
        let staff_now = staff(&app).await;
        assert_eq!(status_of(&app, &staff_now, &never).await, "unmatched");
        let alerts = mails(&app, "request_unmatched");
        assert_eq!(alerts.len(), 1);
        assert!(alerts[0].text.contains("Volontaires sollicités : 0"), "{}", alerts[0].text);
        assert!(alerts[0].text.contains("Aucun volontaire ne pouvait recevoir cette demande"), "{}", alerts[0].text);
        let _ = staff_token;
    }
}

backend_test! {
    #[actix_web::test]
    async fn resolved_cases_close_by_themselves_after_the_delay(db) {
        let app = app(db);
        let staff_token = staff(&app).await;
        volunteer(&app, &staff_token, &NewVolunteer::new("Claire Martin", "claire@chu-exemple.fr")).await;
        let id = request(&app, CONTACT, &["teletravail"], "normal").await["id"].as_str().unwrap().to_owned();
        let claire = app.sign_in("claire@chu-exemple.fr", Role::Volunteer).await;
        let (_, mine) = call(&app, "GET", "/api/v1/proposals?status=pending", Some(&claire), None).await;
        let proposal = mine["items"][0]["id"].as_str().unwrap().to_owned();
        assert_eq!(call(&app, "POST", &format!("/api/v1/proposals/{proposal}/accept"), Some(&claire), None).await.0, 200);
        let answer = json!({"answers": [{"type": "appel_telephonique"}], "summary": "Appel.", "time_spent_minutes": 30});
        assert_eq!(call(&app, "POST", &format!("/api/v1/requests/{id}/answer"), Some(&claire), Some(answer)).await.0, 200);

        app.clock.advance(TimeDelta::days(13));
        assert_eq!(run_jobs(&app).await.closed, 0);
        app.clock.advance(TimeDelta::days(1) + TimeDelta::minutes(1));
        assert_eq!(run_jobs(&app).await.closed, 1);
        assert_eq!(run_jobs(&app).await.closed, 0, "once");
        let staff_now = staff(&app).await;
        assert_eq!(status_of(&app, &staff_now, &id).await, "closed");
        let (_, trail) = call(&app, "GET", &format!("/api/v1/requests/{id}/transitions"), Some(&staff_now), None).await;
        let last: &Value = trail.as_array().unwrap().last().unwrap();
        assert_eq!(last["to"], "closed");
        assert!(last["actor_user_id"].is_null());
        assert!(last["reason"].as_str().unwrap().starts_with("Clôture automatique"), "{last}");
        // The requester may still say whether the help was useful.
        let paul = app.sign_in(CONTACT, Role::Requester).await;
        let (status, rated) = call(&app, "POST", &format!("/api/v1/requests/{id}/rating"), Some(&paul), Some(json!({"rating": 4}))).await;
        assert_eq!(status, 200, "{rated}");
        assert_eq!(rated["request"]["status"], "closed");
        assert_eq!(rated["rating"]["rating"], 4);
        assert_request_facts_in_step(&app);
    }
}

backend_test! {
    #[actix_web::test]
    async fn two_processes_running_the_jobs_never_act_twice(db) {
        // Two servers on one database, each with its own clock and index, both due.
        let first = app_with(db, one_per_wave());
        let second = app_with(db, one_per_wave());
        let staff_token = staff(&first).await;
        three_volunteers(&first, &staff_token).await;
        let mut ids = Vec::new();
        for n in 0..6 {
            let created = request(&first, &format!("contact{n}@hopital-exemple.fr"), &["teletravail"], "normal").await;
            ids.push(created["id"].as_str().unwrap().to_owned());
        }
        assert_eq!(mails(&first, "case_proposed").len(), 6);
        first.clock.advance(TimeDelta::hours(25));
        second.clock.advance(TimeDelta::hours(25));

        let (a, b) = futures_util::future::join(
            run_case_jobs(first.state.clone(), first.clock.now()),
            run_case_jobs(second.state.clone(), second.clock.now()),
        )
        .await;
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!((a.failed, b.failed), (0, 0), "{a:?} {b:?}");
        assert_eq!(a.expired + b.expired, 6, "{a:?} {b:?}");
        assert_eq!(a.waves + b.waves, 6, "one second wave per request: {a:?} {b:?}");
        assert_eq!(mails(&first, "case_proposed").len(), 12, "no proposal e-mailed twice");
        for id in &ids {
            let states = proposal_states(&first, id).await;
            assert_eq!(states.iter().map(|(_, s)| s.as_str()).collect::<Vec<_>>(), ["expired", "pending"]);
        }
        // Reminders of the second wave, due 18 hours later, are sent once in all.
        first.clock.advance(TimeDelta::hours(19));
        second.clock.advance(TimeDelta::hours(19));
        let (a, b) = futures_util::future::join(
            run_case_jobs(first.state.clone(), first.clock.now()),
            run_case_jobs(second.state.clone(), second.clock.now()),
        )
        .await;
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a.reminders + b.reminders, 6, "{a:?} {b:?}");
        assert_eq!(mails(&first, "proposal_reminder").len(), 6);
    }
}

/// Makes every insert of a proposal fail, as a broken database would.
fn refuse_proposals(app: &TestApp, refuse: bool) {
    use diesel::connection::SimpleConnection;
    let sql = match (app.state.store.backend(), refuse) {
        (entraide_store::Backend::Sqlite, true) => {
            "CREATE TRIGGER refuse_proposals BEFORE INSERT ON proposals
             BEGIN SELECT RAISE(ABORT, 'proposals refused by the test'); END;"
        }
        (entraide_store::Backend::Sqlite, false) => "DROP TRIGGER refuse_proposals;",
        (entraide_store::Backend::Postgres, true) => {
            "CREATE FUNCTION refuse_proposals() RETURNS trigger LANGUAGE plpgsql AS
               $$ BEGIN RAISE EXCEPTION 'proposals refused by the test'; END $$;
             CREATE TRIGGER refuse_proposals BEFORE INSERT ON proposals
               FOR EACH ROW EXECUTE FUNCTION refuse_proposals();"
        }
        (entraide_store::Backend::Postgres, false) => {
            "DROP TRIGGER refuse_proposals ON proposals; DROP FUNCTION refuse_proposals();"
        }
    };
    app.state
        .store
        .run_blocking(|conn| {
            conn.batch_execute(sql)
                .map_err(entraide_store::StoreError::from)
        })
        .unwrap();
}

backend_test! {
    #[actix_web::test]
    async fn a_first_wave_that_fails_is_left_to_the_periodic_pass(db) {
        let app = app(db);
        let staff_token = staff(&app).await;
        let claire = volunteer(&app, &staff_token, &NewVolunteer::new("Claire Martin", "claire@chu-exemple.fr")).await;

        // The first wave runs after the submission, in a transaction of its own: when it
        // fails, the request, its account and its acknowledgement are stored, and
        // nothing of the wave is.
        refuse_proposals(&app, true);
        let body = request_body(CONTACT, &["teletravail"], "normal");
        let (status, created) = call(&app, "POST", "/api/v1/requests", None, Some(body)).await;
        assert_eq!(status, 201, "{created}");
        assert_eq!(created["status"], "submitted", "{created}");
        let report = first_waves(&app).await;
        assert_eq!((report.waves, report.failed), (0, 1), "{report:?}");
        assert_eq!(first_waves(&app).await, JobReport::default(), "taken off the queue");
        let id = created["id"].as_str().unwrap().to_owned();
        assert_eq!(status_of(&app, &staff_token, &id).await, "submitted");
        assert!(proposals_of(&app, &staff_token, &id).await.is_empty());
        let acknowledged = mails(&app, "request_received");
        assert_eq!(acknowledged.len(), 1);
        assert!(acknowledged[0].subject.contains(created["reference"].as_str().unwrap()));
        assert!(mails(&app, "case_proposed").is_empty());
        let request_id: uuid::Uuid = id.parse().unwrap();
        let trail = app
            .state
            .store
            .run_blocking(|conn| entraide_store::requests::transitions(conn, entraide_store::Visibility::All, request_id))
            .unwrap();
        assert_eq!(trail.len(), 1, "only the submission: {trail:?}");
        assert_request_facts_in_step(&app);

        // Once the database accepts proposals again, the next pass proposes it.
        refuse_proposals(&app, false);
        let report = run_jobs(&app).await;
        assert_eq!(report.waves, 1, "{report:?}");
        assert_eq!(proposal_states(&app, &id).await, [pair(&claire, "pending")]);
        assert_eq!(status_of(&app, &staff_token, &id).await, "proposed");
        assert_eq!(mails(&app, "case_proposed").len(), 1);
        assert_request_facts_in_step(&app);
    }
}

/// Submits a request without proposing its first wave; returns its id.
async fn submitted(app: &TestApp) -> String {
    let (status, created) = call(
        app,
        "POST",
        "/api/v1/requests",
        None,
        Some(request_body(CONTACT, &["teletravail"], "normal")),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    created["id"].as_str().unwrap().to_owned()
}

/// Works out the first wave of `id` without writing it, as the dispatcher does first.
fn plan(app: &TestApp, id: &str) -> Option<FirstWavePlan> {
    let id: Uuid = id.parse().unwrap();
    let now = app.clock.now();
    app.state
        .store
        .run_blocking(|conn| flow::plan_first_wave(&app.state, conn, id, now))
        .unwrap()
}

/// Writes the first wave of `id` from `plan`, as the dispatcher does next.
fn propose(app: &TestApp, id: &str, plan: Option<FirstWavePlan>) -> WaveOutcome {
    let id: Uuid = id.parse().unwrap();
    let now = app.clock.now();
    let mut outcomes = app
        .state
        .store
        .run_blocking(|conn| flow::first_waves_of(&app.state, conn, vec![(id, plan)], now))
        .unwrap();
    assert_eq!(outcomes.len(), 1);
    outcomes.pop().unwrap().1.unwrap()
}

fn ids(proposals: &[(Uuid, Uuid)]) -> Vec<String> {
    proposals
        .iter()
        .map(|(volunteer, _)| volunteer.to_string())
        .collect()
}

backend_test! {
    #[actix_web::test]
    async fn a_first_wave_planned_ahead_is_the_one_written_when_nothing_changed(db) {
        let app = app_with(db, CaseSettings { proposals_per_wave: 2, ..CaseSettings::default() });
        let staff_token = staff(&app).await;
        let [claire, bruno, _] = three_volunteers(&app, &staff_token).await;
        let id = submitted(&app).await;

        let planned = plan(&app, &id).unwrap();
        let proposals = planned.proposals();
        assert_eq!(ids(&proposals), [claire.clone(), bruno.clone()]);
        assert_eq!(outbox(&app).iter().filter(|m| m.kind == "case_proposed").count(), 0, "planning writes nothing");

        assert_eq!(propose(&app, &id, Some(planned)), WaveOutcome::Proposed { wave: 1, volunteers: 2 });
        // The proposals and e-mails stored are the planned ones, ids included.
        let stored = proposals_of(&app, &staff_token, &id).await;
        for (volunteer, proposal) in &proposals {
            assert!(stored.iter().any(|p| p["id"] == proposal.to_string() && p["volunteer_id"] == volunteer.to_string()), "{stored:?}");
        }
        // Each e-mail goes to the volunteer its proposal asks (read together, in order).
        let sent = mails(&app, "case_proposed");
        assert_eq!(sent.len(), 2);
        let addresses = [(claire.clone(), "claire@chu-exemple.fr"), (bruno.clone(), "bruno@clinique-exemple.fr")];
        for (volunteer, proposal) in &proposals {
            let to = addresses.iter().find(|(id, _)| *id == volunteer.to_string()).unwrap().1;
            let mail = sent.iter().find(|m| m.text.contains(&format!("/volontaire/propositions/{proposal}/accepter"))).unwrap();
            assert_eq!(mail.to, to);
        }
        assert_eq!(status_of(&app, &staff_token, &id).await, "proposed");
        // Written once: the dispatcher's next look finds nothing to do.
        assert_eq!(first_waves(&app).await, JobReport::default());
        assert_request_facts_in_step(&app);
    }
}

backend_test! {
    #[actix_web::test]
    async fn a_first_wave_planned_before_a_volunteer_paused_asks_the_next_one(db) {
        let app = app_with(db, one_per_wave());
        let staff_token = staff(&app).await;
        let [claire, bruno, _] = three_volunteers(&app, &staff_token).await;
        let id = submitted(&app).await;
        let planned = plan(&app, &id).unwrap();
        assert_eq!(ids(&planned.proposals()), std::slice::from_ref(&claire));

        // Between the plan and its transaction, Claire pauses.
        let claire_token = app.sign_in("claire@chu-exemple.fr", Role::Volunteer).await;
        let until = (app.clock.now().date() + TimeDelta::days(7)).to_string();
        let (status, body) = call(&app, "PATCH", "/api/v1/volunteers/me", Some(&claire_token), Some(json!({"paused_until": until}))).await;
        assert_eq!(status, 200, "{body}");

        assert_eq!(propose(&app, &id, Some(planned)), WaveOutcome::Proposed { wave: 1, volunteers: 1 });
        assert_eq!(proposal_states(&app, &id).await, [pair(&bruno, "pending")]);
        let sent = mails(&app, "case_proposed");
        assert_eq!(sent.iter().map(|m| m.to.as_str()).collect::<Vec<_>>(), ["bruno@clinique-exemple.fr"]);
    }
}

backend_test! {
    #[actix_web::test]
    async fn a_first_wave_planned_before_the_request_was_cancelled_asks_nobody(db) {
        let app = app_with(db, one_per_wave());
        let staff_token = staff(&app).await;
        three_volunteers(&app, &staff_token).await;
        let id = submitted(&app).await;
        let planned = plan(&app, &id).unwrap();

        let (status, body) = call(&app, "POST", &format!("/api/v1/requests/{id}/cancel"), Some(&staff_token), Some(json!({"reason": "Doublon"}))).await;
        assert_eq!(status, 200, "{body}");

        assert_eq!(propose(&app, &id, Some(planned)), WaveOutcome::Nothing);
        assert!(proposal_states(&app, &id).await.is_empty());
        assert!(mails(&app, "case_proposed").is_empty());
        // And a request that is no longer submitted is not planned at all.
        assert!(plan(&app, &id).is_none());
    }
}

backend_test! {
    #[actix_web::test]
    async fn first_waves_of_a_group_commit_apart_from_one_that_fails(db) {
        let app = app_with(db, one_per_wave());
        let staff_token = staff(&app).await;
        let [claire, _, _] = three_volunteers(&app, &staff_token).await;
        let first = submitted(&app).await;
        let second = submitted(&app).await;
        let unknown = Uuid::new_v4();
        let now = app.clock.now();
        let plans = vec![
            (first.parse().unwrap(), plan(&app, &first)),
            (unknown, None),
            (second.parse().unwrap(), None),
        ];
        let outcomes = app
            .state
            .store
            .run_blocking(|conn| flow::first_waves_of(&app.state, conn, plans, now))
            .unwrap();
        assert_eq!(outcomes.len(), 3);
        assert_eq!(outcomes[0].1.as_ref().unwrap(), &WaveOutcome::Proposed { wave: 1, volunteers: 1 });
        assert!(outcomes[1].1.is_err(), "{:?}", outcomes[1]);
        assert_eq!(outcomes[2].1.as_ref().unwrap(), &WaveOutcome::Proposed { wave: 1, volunteers: 1 });
        assert_eq!(proposal_states(&app, &first).await, [pair(&claire, "pending")]);
        assert_eq!(proposal_states(&app, &second).await, [pair(&claire, "pending")]);
        assert_eq!(mails(&app, "case_proposed").len(), 2);
    }
}
