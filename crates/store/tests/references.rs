//! Reference numbers of help requests come from a counter per year, and stay unique when
//! references were written without it (a demonstration dataset, a restored backup).

#![allow(clippy::unwrap_used)] // Test code: a panic is how a test reports failure.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use entraide_core::{
    Email, EstablishmentKind, Finess, JobRole, LegalStatus, PhoneNumber, Role, ThemeId, Urgency,
};
use entraide_store::establishments::{self, NewEstablishment};
use entraide_store::requests::{self, Contact, NewHelpRequest};
use entraide_store::schema::change_counters;
use entraide_store::{backend_test, users, write_transaction, DbConnection, Store, StoreError};

fn submit(store: &Store, now: NaiveDateTime) -> String {
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
                let email = Email::parse("contact@hopital-test.fr").unwrap();
                let user = users::ensure_user_with_role(
                    conn,
                    &email,
                    Some("Contact"),
                    Role::Requester,
                    now,
                )?;
                let new = NewHelpRequest {
                    establishment_id: establishment.id,
                    requester_user_id: user.id,
                    contact: Contact {
                        name: "Contact".into(),
                        email,
                        phone: PhoneNumber::parse("01 23 45 67 89").unwrap(),
                        job_role: JobRole::Directeur,
                    },
                    themes: vec![ThemeId::parse("teletravail").unwrap()],
                    description: "Télétravail à organiser.".into(),
                    urgency: Urgency::Normal,
                };
                Ok::<_, StoreError>(requests::create(conn, &new, now)?.reference)
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
