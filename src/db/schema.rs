#![cfg_attr(rustfmt, rustfmt_skip)]
// Written by hand to match migrations/sqlite and migrations/postgres (same tables, same columns).

diesel::table! {
    settings (key) {
        key -> Text,
        value -> Text,
    }
}

diesel::table! {
    data_stamps (slot) {
        slot -> Integer,
        n -> BigInt,
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
        version -> Integer,
        lang -> Text,
        last_login_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sessions (id_hash) {
        id_hash -> Text,
        user_id -> BigInt,
        csrf_token -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        user_agent -> Text,
        address -> Text,
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
        source_address -> Nullable<Text>,
        actor_token_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    outbox (id) {
        id -> BigInt,
        created_at -> Timestamp,
        kind -> Text,
        recipient -> Text,
        user_id -> Nullable<BigInt>,
        lang -> Text,
        params -> Text,
        dedupe_key -> Nullable<Text>,
        state -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_error -> Nullable<Text>,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    security_log (id) {
        id -> BigInt,
        at -> Timestamp,
        kind -> Text,
        email -> Nullable<Text>,
        user_id -> Nullable<BigInt>,
        address -> Text,
        user_agent -> Text,
        path -> Text,
        detail -> Nullable<Text>,
    }
}

diesel::table! {
    standards (id) {
        id -> BigInt,
        kind -> Text,
        title_zh -> Text,
        title_en -> Text,
        scope -> Text,
        proposing_org_id -> BigInt,
        lead_org_id -> BigInt,
        ics -> Text,
        ccs -> Text,
        replaces_id -> Nullable<BigInt>,
        revision_of_id -> Nullable<BigInt>,
        number -> Nullable<Text>,
        release_date -> Nullable<Date>,
        implementation_date -> Nullable<Date>,
        withdrawn_date -> Nullable<Date>,
        state -> Text,
        version -> Integer,
        review_round -> Integer,
        comment_seq -> Integer,
        year -> Integer,
        search_text -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    standard_codrafters (standard_id, organization_id) {
        standard_id -> BigInt,
        organization_id -> BigInt,
    }
}

diesel::table! {
    standard_events (id) {
        id -> BigInt,
        standard_id -> BigInt,
        at -> Timestamp,
        actor_user_id -> Nullable<BigInt>,
        actor_org_id -> Nullable<BigInt>,
        action -> Text,
        from_state -> Nullable<Text>,
        to_state -> Nullable<Text>,
        note -> Text,
    }
}

diesel::table! {
    standard_versions (id) {
        id -> BigInt,
        standard_id -> BigInt,
        n -> Integer,
        label -> Text,
        body_md -> Text,
        note -> Text,
        created_at -> Timestamp,
        created_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    attachments (id) {
        id -> BigInt,
        owner_type -> Text,
        owner_id -> BigInt,
        filename -> Text,
        content_type -> Text,
        size -> BigInt,
        sha256 -> Text,
        data -> Binary,
        created_at -> Timestamp,
        created_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    comment_periods (id) {
        id -> BigInt,
        standard_id -> BigInt,
        starts_on -> Date,
        ends_on -> Date,
        opened_at -> Timestamp,
        closed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    comments (id) {
        id -> BigInt,
        standard_id -> BigInt,
        period_id -> BigInt,
        seq -> Integer,
        version_n -> Integer,
        clause_ref -> Text,
        kind -> Text,
        body -> Text,
        proposed_change -> Text,
        name -> Text,
        organization -> Text,
        email -> Text,
        created_at -> Timestamp,
        disposition -> Nullable<Text>,
        disposition_reason -> Text,
        disposed_at -> Nullable<Timestamp>,
        disposed_by -> Nullable<BigInt>,
        version -> Integer,
        notify_lang -> Nullable<Text>,
    }
}

diesel::table! {
    review_positions (id) {
        id -> BigInt,
        standard_id -> BigInt,
        round -> Integer,
        reviewer_id -> BigInt,
        position -> Text,
        opinion -> Text,
        cast_at -> Timestamp,
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

diesel::table! {
    reporting_periods (id) {
        id -> BigInt,
        pledge_id -> BigInt,
        label_zh -> Text,
        label_en -> Text,
        covers_from -> Date,
        covers_to -> Date,
        opens_on -> Date,
        due_on -> Date,
        created_at -> Timestamp,
        created_by -> Nullable<BigInt>,
        version -> Integer,
    }
}

diesel::table! {
    reports (id) {
        id -> BigInt,
        period_id -> BigInt,
        signature_id -> BigInt,
        organization_id -> BigInt,
        state -> Text,
        version -> Integer,
        revisions -> Integer,
        ever_returned -> Bool,
        review_comment -> Text,
        submitted_at -> Nullable<Timestamp>,
        decided_at -> Nullable<Timestamp>,
        decided_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        duplicate_of -> Nullable<BigInt>,
    }
}

diesel::table! {
    report_entries (id) {
        id -> BigInt,
        report_id -> BigInt,
        commitment_id -> BigInt,
        status -> Text,
        na_reason -> Text,
        measures_md -> Text,
        review_comment -> Text,
    }
}

diesel::table! {
    report_indicators (id) {
        id -> BigInt,
        entry_id -> BigInt,
        position -> Integer,
        name -> Text,
        value -> Text,
        unit -> Text,
    }
}

diesel::table! {
    report_links (id) {
        id -> BigInt,
        entry_id -> BigInt,
        url -> Text,
        label -> Text,
    }
}

diesel::table! {
    report_revisions (id) {
        id -> BigInt,
        report_id -> BigInt,
        n -> Integer,
        submitted_at -> Timestamp,
        submitted_by -> Nullable<BigInt>,
        snapshot_json -> Text,
    }
}

diesel::table! {
    user_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        purpose -> Text,
        token_hash -> Text,
        password_marker -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    watches (id) {
        id -> BigInt,
        object_type -> Text,
        object_id -> BigInt,
        user_id -> Nullable<BigInt>,
        email -> Nullable<Text>,
        lang -> Text,
        token -> Text,
        confirmed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        name -> Text,
        token_hash -> Text,
        prefix -> Text,
        scopes -> Text,
        created_at -> Timestamp,
        expires_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        last_used_at -> Nullable<Timestamp>,
        last_used_address -> Nullable<Text>,
    }
}

diesel::table! {
    api_idempotency (id) {
        id -> BigInt,
        token_id -> BigInt,
        idem_key -> Text,
        request_hash -> Text,
        status -> Integer,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(outbox -> users (user_id));
diesel::joinable!(users -> organizations (organization_id));
diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(standard_codrafters -> standards (standard_id));
diesel::joinable!(standard_codrafters -> organizations (organization_id));
diesel::joinable!(standard_events -> standards (standard_id));
diesel::joinable!(standard_versions -> standards (standard_id));
diesel::joinable!(comment_periods -> standards (standard_id));
diesel::joinable!(comments -> standards (standard_id));
diesel::joinable!(review_positions -> standards (standard_id));
diesel::joinable!(review_positions -> users (reviewer_id));

diesel::joinable!(pledges -> organizations (organization_id));
diesel::joinable!(pledge_commitments -> pledges (pledge_id));
diesel::joinable!(signatures -> pledges (pledge_id));
diesel::joinable!(signatures -> organizations (organization_id));
diesel::joinable!(signature_exclusions -> signatures (signature_id));
diesel::joinable!(signature_exclusions -> pledge_commitments (commitment_id));
diesel::joinable!(signature_events -> signatures (signature_id));

diesel::joinable!(reporting_periods -> pledges (pledge_id));
diesel::joinable!(reports -> reporting_periods (period_id));
diesel::joinable!(reports -> signatures (signature_id));
diesel::joinable!(report_entries -> reports (report_id));
diesel::joinable!(report_entries -> pledge_commitments (commitment_id));
diesel::joinable!(report_indicators -> report_entries (entry_id));
diesel::joinable!(report_links -> report_entries (entry_id));
diesel::joinable!(report_revisions -> reports (report_id));
diesel::joinable!(watches -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    settings,
    data_stamps,
    organizations,
    users,
    sessions,
    throttle_events,
    audit_log,
    outbox,
    security_log,
    standards,
    standard_codrafters,
    standard_events,
    standard_versions,
    attachments,
    comment_periods,
    comments,
    review_positions,
    pledges,
    pledge_commitments,
    signatures,
    signature_exclusions,
    signature_events,
    reporting_periods,
    reports,
    report_entries,
    report_indicators,
    report_links,
    report_revisions,
    user_tokens,
    watches,
    api_tokens,
    api_idempotency,
);

diesel::allow_columns_to_appear_in_same_group_by_clause!(reports::period_id, report_entries::status);

// Operations: the tamper-evident audit chain (see db::audit_chain).
diesel::table! {
    audit_chain (audit_id) {
        audit_id -> BigInt,
        prev_hash -> Text,
        row_hash -> Text,
        sealed_at -> Timestamp,
    }
}

diesel::table! {
    audit_verifications (id) {
        id -> BigInt,
        at -> Timestamp,
        by_user_id -> Nullable<BigInt>,
        ok -> Bool,
        rows_checked -> BigInt,
        head_id -> Nullable<BigInt>,
        head_hash -> Nullable<Text>,
        problem -> Nullable<Text>,
    }
}

diesel::joinable!(audit_chain -> audit_log (audit_id));
diesel::allow_tables_to_appear_in_same_query!(audit_log, audit_chain);
