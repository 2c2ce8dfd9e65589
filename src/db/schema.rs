// Written by hand to match migrations/sqlite and migrations/postgres (same tables, same columns).

diesel::table! {
    settings (key) {
        key -> Text,
        value -> Text,
    }
}

diesel::table! {
    organizations (id) {
        id -> BigInt,
        kind -> Text,
        name_zh -> Text,
        name_en -> Text,
        credit_code -> Text,
        website -> Text,
        contact -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        display_name -> Text,
        organization_id -> BigInt,
        role -> Text,
        active -> Bool,
        password_hash -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    sessions (id_hash) {
        id_hash -> Text,
        user_id -> BigInt,
        csrf_token -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
    }
}

diesel::table! {
    throttle_events (id) {
        id -> BigInt,
        scope -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> Timestamp,
        actor_user_id -> Nullable<BigInt>,
        actor_org_id -> Nullable<BigInt>,
        object_type -> Text,
        object_id -> Nullable<BigInt>,
        action -> Text,
        before_json -> Nullable<Text>,
        after_json -> Nullable<Text>,
    }
}

diesel::joinable!(users -> organizations (organization_id));
diesel::joinable!(sessions -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(settings, organizations, users, sessions, throttle_events, audit_log,);
