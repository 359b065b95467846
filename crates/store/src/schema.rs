//! The database schema, written by hand with types both backends share
//! (kept in step with `migrations/` by the migration tests).

diesel::table! {
    themes (id) {
        id -> Text,
        label -> Text,
        position -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        retired_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        name -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        disabled_at -> Nullable<Timestamp>,
        erased_at -> Nullable<Timestamp>,
        last_sign_in_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    user_roles (user_id, role) {
        user_id -> Text,
        role -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sign_in_tokens (id) {
        id -> Text,
        user_id -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        user_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(user_roles -> users (user_id));
diesel::joinable!(sign_in_tokens -> users (user_id));
diesel::joinable!(sessions -> users (user_id));

diesel::table! {
    /// E-mails waiting to be sent, sent, or given up on (the notifier's transactional outbox).
    outbox (id) {
        id -> Text,
        kind -> Text,
        recipient -> Text,
        subject -> Text,
        body_text -> Text,
        body_html -> Text,
        message_id -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        locked_by -> Nullable<Text>,
        locked_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

// --- Volunteer applications and volunteers (`applications.rs`, `volunteers.rs`) ---

diesel::table! {
    /// Volunteer applications, as sent, with staff's decision.
    applications (id) {
        id -> Text,
        email -> Text,
        name -> Text,
        phone -> Text,
        gender -> Nullable<Text>,
        job_role -> Text,
        origin_sector -> Nullable<Text>,
        origin_status -> Text,
        department -> Text,
        region -> Text,
        presentation -> Text,
        capacity -> Integer,
        own_organisation -> Nullable<Text>,
        publication_consent -> Bool,
        status -> Text,
        rejection_reason -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        decided_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        erased_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// Expertise themes of an application.
    application_themes (application_id, theme_id) {
        application_id -> Text,
        theme_id -> Text,
    }
}

diesel::table! {
    /// Accepted volunteers and their current profile.
    volunteers (id) {
        id -> Text,
        user_id -> Text,
        application_id -> Text,
        name -> Text,
        phone -> Text,
        gender -> Nullable<Text>,
        job_role -> Text,
        origin_sector -> Nullable<Text>,
        origin_status -> Text,
        department -> Text,
        region -> Text,
        presentation -> Text,
        capacity -> Integer,
        own_organisation -> Nullable<Text>,
        publication_consent -> Bool,
        paused_until -> Nullable<Date>,
        active -> Bool,
        deactivated_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Expertise themes of a volunteer.
    volunteer_themes (volunteer_id, theme_id) {
        volunteer_id -> Text,
        theme_id -> Text,
    }
}

diesel::joinable!(application_themes -> applications (application_id));
diesel::joinable!(application_themes -> themes (theme_id));
diesel::joinable!(volunteers -> users (user_id));
diesel::joinable!(volunteers -> applications (application_id));
diesel::joinable!(volunteer_themes -> volunteers (volunteer_id));
diesel::joinable!(volunteer_themes -> themes (theme_id));
// Pair by pair, each with one of these tables, so that no pair is ever declared twice.

diesel::table! {
    /// Establishments that asked for help, by FINESS number.
    establishments (id) {
        id -> Text,
        finess -> Text,
        name -> Text,
        kind -> Text,
        legal_status -> Text,
        department -> Text,
        region -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Help requests of establishments.
    help_requests (id) {
        id -> Text,
        reference -> Text,
        establishment_id -> Text,
        requester_user_id -> Text,
        contact_name -> Text,
        contact_email -> Text,
        contact_phone -> Text,
        contact_job_role -> Text,
        description -> Text,
        urgency -> Text,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        cancelled_at -> Nullable<Timestamp>,
        cancel_reason -> Nullable<Text>,
        wave -> Integer,
        last_wave -> Nullable<Integer>,
        contact_erased_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// Themes of a help request, in the requester's order.
    help_request_themes (request_id, theme_id) {
        request_id -> Text,
        theme_id -> Text,
        position -> Integer,
    }
}

diesel::table! {
    /// Audit trail of the states of help requests.
    help_request_transitions (id) {
        id -> Text,
        request_id -> Text,
        from_status -> Nullable<Text>,
        to_status -> Text,
        actor_user_id -> Nullable<Text>,
        reason -> Nullable<Text>,
        created_at -> Timestamp,
        seq -> Integer,
    }
}

diesel::joinable!(help_requests -> establishments (establishment_id));
diesel::joinable!(help_request_themes -> help_requests (request_id));
diesel::joinable!(help_request_themes -> themes (theme_id));
diesel::joinable!(help_request_transitions -> help_requests (request_id));
diesel::joinable!(request_facts -> help_requests (request_id));
// Pair by pair, as above, so that no pair is ever declared twice.

diesel::table! {
    /// Requests offered to volunteers.
    proposals (id) {
        id -> Text,
        request_id -> Text,
        volunteer_id -> Text,
        wave -> Integer,
        rank -> Integer,
        score -> Double,
        reasons -> Text,
        status -> Text,
        proposed_by -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        reminded_at -> Nullable<Timestamp>,
        responded_at -> Nullable<Timestamp>,
        decline_reason -> Nullable<Text>,
    }
}

diesel::table! {
    /// Requests held by a volunteer (one row per accepted request).
    cases (request_id) {
        request_id -> Text,
        volunteer_id -> Text,
        proposal_id -> Nullable<Text>,
        accepted_at -> Timestamp,
        resolved_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// How the volunteer helped.
    case_answers (request_id) {
        request_id -> Text,
        summary -> Text,
        time_spent_minutes -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Answer types of a case answer, with the tool sent when there is one.
    case_answer_items (request_id, position) {
        request_id -> Text,
        position -> Integer,
        answer_type -> Text,
        tool_name -> Nullable<Text>,
        tool_link -> Nullable<Text>,
    }
}

diesel::table! {
    /// The requester's rating of the help received.
    case_ratings (request_id) {
        request_id -> Text,
        rating -> Integer,
        comment -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Counters: versions of data that processes copy into memory, and the last
    /// reference number given in each year (`request_reference_<year>`).
    change_counters (name) {
        name -> Text,
        value -> BigInt,
    }
}

diesel::joinable!(proposals -> help_requests (request_id));
diesel::joinable!(proposals -> volunteers (volunteer_id));
diesel::joinable!(cases -> help_requests (request_id));
diesel::joinable!(cases -> volunteers (volunteer_id));
diesel::joinable!(case_answers -> cases (request_id));
diesel::joinable!(case_answer_items -> case_answers (request_id));
diesel::joinable!(case_ratings -> cases (request_id));

// Every table may appear with every other in one query (one declaration, so that no pair
// is declared twice).
diesel::table! {
    /// The bilan's facts of each request, kept up to date by triggers (migration 000013).
    request_facts (request_id) {
        request_id -> Text,
        establishment_id -> Text,
        created_at -> Timestamp,
        status -> Text,
        status_at -> Timestamp,
        main_theme -> Nullable<Text>,
        first_proposed_at -> Nullable<Timestamp>,
        last_proposed_at -> Nullable<Timestamp>,
        proposals -> Integer,
        proposals_pending -> Integer,
        proposals_accepted -> Integer,
        proposals_declined -> Integer,
        proposals_expired -> Integer,
        proposals_withdrawn -> Integer,
        volunteer_id -> Nullable<Text>,
        accepted_at -> Nullable<Timestamp>,
        resolved_at -> Nullable<Timestamp>,
        answered_at -> Nullable<Timestamp>,
        rating -> Nullable<Integer>,
        rated_at -> Nullable<Timestamp>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    themes,
    users,
    user_roles,
    sign_in_tokens,
    sessions,
    outbox,
    applications,
    application_themes,
    volunteers,
    volunteer_themes,
    establishments,
    help_requests,
    help_request_themes,
    help_request_transitions,
    proposals,
    cases,
    case_answers,
    case_answer_items,
    case_ratings,
    change_counters,
    request_facts,
);
