//! Submissions as the store writes them: reference numbers come from a counter per year,
//! and stay unique when references were written without it (a demonstration dataset, a
//! restored backup); what the writes return (built without reading back) is what a later
//! read finds.

#![allow(clippy::unwrap_used)] // Test code: a panic is how a test reports failure.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use entraide_core::{
    Email, EstablishmentKind, Finess, JobRole, LegalStatus, PhoneNumber, Role, Urgency,
};
use entraide_store::establishments::{self, NewEstablishment};
use entraide_store::requests::{self, Contact, HelpRequest, NewHelpRequest, RequestTheme};
use entraide_store::schema::change_counters;
use entraide_store::{
    backend_test, themes, users, write_transaction, DbConnection, Store, StoreError, Visibility,
};

fn submit(store: &Store, now: NaiveDateTime) -> String {
    submit_as(store, "contact@hopital-test.fr", Some("Contact"), now).reference
}

/// A submission of `email`, as the public form makes it: the request as `create` returned
/// it.
fn submit_as(store: &Store, email: &str, name: Option<&str>, now: NaiveDateTime) -> HelpRequest {
    let email = Email::parse(email).unwrap();
    let name = name.map(str::to_owned);
    store
        .run_blocking(|conn: &mut DbConnection| {
            write_transaction(conn, |conn| {
                requests::lock_submissions(conn)?;
                let finess = Finess::parse("750712184").unwrap();
                let establishment = establishments::find_or_create(
                    conn,
                    &NewEstablishment {
                        department: finess.department(),
                        finess,
                        name: "Hôpital de test".into(),
                        kind: EstablishmentKind::Es,
                        legal_status: LegalStatus::Public,
                    },
                    now,
                )?;
                let user = users::ensure_user_with_role(
                    conn,
                    &email,
                    name.as_deref(),
                    Role::Requester,
                    now,
                )?;
                assert_eq!(user, users::get(conn, user.id)?);
                let themes = themes::offered(conn, &["pca".to_owned(), "teletravail".to_owned()])?
                    .into_iter()
                    .map(|(id, label)| RequestTheme { id, label })
                    .collect();
                let new = NewHelpRequest {
                    establishment,
                    requester_user_id: user.id,
                    contact: Contact {
                        name: "Contact".into(),
                        email: email.clone(),
                        phone: PhoneNumber::parse("01 23 45 67 89").unwrap(),
                        job_role: JobRole::Directeur,
                    },
                    themes,
                    description: "Télétravail à organiser.".into(),
                    urgency: Urgency::Normal,
                };
                requests::create(conn, &new, now)
            })
        })
        .unwrap()
}

fn set_counter(store: &Store, name: &str, value: Option<i64>) {
    store
        .run_blocking(|conn| {
            diesel::delete(change_counters::table.find(name)).execute(conn)?;
            if let Some(value) = value {
                diesel::insert_into(change_counters::table)
                    .values((
                        change_counters::name.eq(name),
                        change_counters::value.eq(value),
                    ))
                    .execute(conn)?;
            }
            Ok::<_, StoreError>(())
        })
        .unwrap();
}

backend_test! {
    fn references_follow_each_other_and_never_repeat(db) {
        let store = db.store();
        let now = Utc::now().naive_utc();
        let year = chrono::Datelike::year(&now);
        let counter = requests::reference_counter(year);
        assert_eq!(submit(&store, now), format!("DA-{year}-0001"));
        assert_eq!(submit(&store, now), format!("DA-{year}-0002"));
        // References given without the counter (a restored backup): counted once.
        set_counter(&store, &counter, None);
        assert_eq!(submit(&store, now), format!("DA-{year}-0003"));
        // A counter behind the references already given: the taken numbers are skipped.
        set_counter(&store, &counter, Some(1));
        assert_eq!(submit(&store, now), format!("DA-{year}-0004"));
        assert_eq!(submit(&store, now), format!("DA-{year}-0005"));
    }
}

backend_test! {
    fn a_submission_returns_what_is_stored(db) {
        let store = db.store();
        let now = chrono::NaiveDate::from_ymd_opt(2026, 4, 2)
            .unwrap()
            .and_hms_micro_opt(9, 30, 0, 123_456)
            .unwrap();
        // A new person and establishment, then the same ones again, then a person known
        // without a name nor the requester role (a volunteer applying first).
        let first = submit_as(&store, "contact@hopital-test.fr", Some("Contact"), now);
        let again = submit_as(&store, "contact@hopital-test.fr", Some("Autre nom"), now);
        store
            .run_blocking(|conn| {
                write_transaction(conn, |conn| {
                    users::ensure_user_with_role(
                        conn,
                        &Email::parse("benevole@example.org").unwrap(),
                        None,
                        Role::Volunteer,
                        now,
                    )
                })
            })
            .unwrap();
        let known = submit_as(&store, "benevole@example.org", Some("Bénévole"), now);
        for request in [first, again, known] {
            let stored = store
                .run_blocking(move |conn| requests::get(conn, Visibility::All, request.id))
                .unwrap();
            assert_eq!(request, stored);
            assert_eq!(
                request.themes.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(),
                ["pca", "teletravail"]
            );
        }
        let volunteer = store
            .run_blocking(|conn| {
                users::find_by_email(conn, &Email::parse("benevole@example.org").unwrap())
            })
            .unwrap()
            .unwrap();
        assert_eq!(volunteer.name.as_deref(), Some("Bénévole"));
        assert!(volunteer.has_role(Role::Requester) && volunteer.has_role(Role::Volunteer));
    }
}
