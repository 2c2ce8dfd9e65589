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

diesel::table! {
    pledges (id) {
        id -> BigInt,
        kind -> Text,
        title_zh -> Text,
        title_en -> Text,
        organization_id -> BigInt,
        guiding_body_zh -> Text,
        guiding_body_en -> Text,
        text_md_zh -> Text,
        text_md_en -> Text,
        state -> Text,
        opened_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    pledge_commitments (id) {
        id -> BigInt,
        pledge_id -> BigInt,
        number -> Text,
        area_zh -> Text,
        area_en -> Text,
        text_zh -> Text,
        text_en -> Text,
        position -> Integer,
    }
}

diesel::table! {
    signatures (id) {
        id -> BigInt,
        pledge_id -> BigInt,
        organization_id -> BigInt,
        state -> Text,
        all_commitments -> Bool,
        representative_name -> Text,
        representative_title -> Text,
        applied_by -> Nullable<BigInt>,
        applied_at -> Timestamp,
        decided_at -> Nullable<Timestamp>,
        state_changed_at -> Timestamp,
        reason -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    signature_exclusions (id) {
        id -> BigInt,
        signature_id -> BigInt,
        commitment_id -> BigInt,
        reason -> Text,
    }
}

diesel::table! {
    signature_events (id) {
        id -> BigInt,
        signature_id -> BigInt,
        at -> Timestamp,
        actor_user_id -> Nullable<BigInt>,
        actor_org_id -> Nullable<BigInt>,
        from_state -> Nullable<Text>,
        to_state -> Text,
        note -> Text,
    }
}

diesel::joinable!(users -> organizations (organization_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(pledges -> organizations (organization_id));
diesel::joinable!(pledge_commitments -> pledges (pledge_id));
diesel::joinable!(signatures -> pledges (pledge_id));
diesel::joinable!(signatures -> organizations (organization_id));
diesel::joinable!(signature_exclusions -> signatures (signature_id));
diesel::joinable!(signature_exclusions -> pledge_commitments (commitment_id));
diesel::joinable!(signature_events -> signatures (signature_id));

diesel::allow_tables_to_appear_in_same_query!(
    settings,
    organizations,
    users,
    sessions,
    throttle_events,
    audit_log,
    pledges,
    pledge_commitments,
    signatures,
    signature_exclusions,
    signature_events,
);
