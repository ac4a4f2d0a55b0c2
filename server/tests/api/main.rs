//! The HTTP API end to end: the real server on a real port, a fresh database
//! per test, on SQLite and on PostgreSQL.
//!
//! Each behaviour is written once as `async fn behaviour(engine: Engine)` in
//! a module below and listed in [`on_both_engines!`], which instantiates it
//! as `sqlite::behaviour` and `postgres::behaviour`. PostgreSQL tests need
//! `TEST_POSTGRES_URL` (set by `cargo xtask test`) and fail without it.

// Behaviour tests read as one scenario each; splitting them hides the story.
#![allow(clippy::too_many_lines)]

mod accounts;
mod areas;
mod commitments;
mod deliveries;
mod demo;
mod errors;
mod evidence;
mod group;
mod holds;
mod kiosk;
mod locations;
mod reads;
mod reports;
mod rewrite;
mod staff;
mod support;
mod transparency;
mod transport;
mod web;
mod witness;

/// One `#[tokio::test]` per engine and behaviour, in `mod sqlite` and `mod postgres`.
macro_rules! on_both_engines {
    ($($module:ident :: $name:ident),* $(,)?) => {
        on_both_engines!(@engine sqlite, Sqlite, $($module::$name),*);
        on_both_engines!(@engine postgres, Postgres, $($module::$name),*);
    };
    (@engine $engine_mod:ident, $engine:ident, $($module:ident :: $name:ident),*) => {
        mod $engine_mod {
            $(
                #[tokio::test]
                async fn $name() {
                    crate::$module::$name(crate::support::Engine::$engine).await;
                }
            )*
        }
    };
}

on_both_engines! {
    reports::a_resident_reports_a_problem_and_follows_it_to_the_answer,
    reports::bad_reports_get_their_own_error_and_store_nothing,
    reports::reports_are_limited_per_network_and_per_place,
    reports::a_confirmed_not_arrived_report_disputes_the_delivery,
    reports::a_burst_of_reports_keeps_the_limits_and_the_grouping,
    reports::a_report_sent_again_with_its_key_is_filed_once,
    reports::a_wrong_information_report_becomes_the_location_edit,
    reports::a_report_carries_a_photo_only_staff_see,
    reports::a_suggested_place_becomes_an_unverified_location,
    reports::reports_photos_keep_to_a_quarter_of_the_upload_quota,
    holds::an_unconfirmed_commitment_of_a_whole_need_leaves_room_for_a_second_donor,
    holds::the_confirmation_link_works_once_and_only_for_its_commitment,
    holds::a_contact_and_a_network_are_limited_but_a_retry_always_answers,
    holds::a_burst_gets_exactly_what_the_limits_allow,
    holds::a_confirmed_account_commits_for_the_full_period_and_staff_confirm_others,
    holds::names_and_references_belong_to_confirmed_contacts,
    accounts::a_crowd_of_sign_ins_keeps_memory_bounded,
    accounts::wrong_passwords_lock_their_network_not_the_owner,
    accounts::private_answers_are_never_stored_and_public_ones_revalidate,
    group::a_burst_shares_commits_and_each_reservation_keeps_its_own_outcome,
    group::a_kill_during_a_burst_loses_no_acknowledged_commitment,
    reads::public_answers_show_each_change_in_the_next_read_and_keep_their_tag_otherwise,
    reads::no_public_read_writes_to_the_database,
    reads::a_list_brought_up_to_date_equals_the_list_read_whole,
    reads::the_front_answers_a_public_url_exactly_as_its_handler_does,
    areas::the_area_tree_lists_6_kota_44_kecamatan_and_267_kelurahan_with_official_codes,
    areas::the_config_names_the_region_and_reports_no_demo_data_when_none_was_generated,
    locations::the_list_returns_every_active_location_with_its_public_fields_in_id_order,
    locations::private_contact_fields_never_appear_in_list_or_detail_responses,
    locations::the_map_points_are_the_list_in_columns_for_every_filter,
    locations::the_map_points_of_10000_places_fit_in_80_kib_of_brotli,
    locations::a_category_filter_returns_exactly_the_matching_locations,
    locations::an_area_filter_at_any_level_returns_exactly_the_locations_inside_it,
    locations::a_bbox_filter_returns_only_points_inside_it_edges_included,
    locations::inactive_locations_are_not_listed_but_their_page_still_answers,
    locations::a_location_page_shows_its_area_path_headcount_unit_and_flags,
    locations::an_unknown_location_is_404_and_a_malformed_id_is_400,
    errors::every_bad_parameter_is_refused_with_400_naming_it,
    errors::malformed_percent_encoding_gets_an_error_envelope_not_a_crash,
    errors::an_id_that_is_not_utf8_is_400_naming_it_in_the_envelope,
    errors::error_messages_follow_accept_language_and_default_to_indonesian,
    errors::unknown_api_routes_are_404_json_and_wrong_methods_are_405_json,
    transport::idle_and_excess_connections_are_closed,
    transport::trickled_headers_and_bodies_are_cut_off,
    transport::list_and_area_responses_revalidate_with_etags,
    transport::responses_are_compressed_when_the_client_accepts_it,
    transport::deep_links_get_the_web_client_but_api_paths_never_get_html,
    transport::the_api_root_with_a_trailing_slash_is_404_json_not_the_web_client,
    transport::every_response_carries_the_security_headers,
    transport::the_offline_shell_files_are_revalidated_and_the_manifest_has_its_type,
    web::built_assets_are_sent_as_their_precompressed_copies_and_kept_forever,
    web::console_pages_get_the_console_build_and_donor_pages_never_do,
    web::app_pages_are_200_and_any_other_path_is_a_404_with_the_app,
    web::robots_and_the_sitemap_list_the_public_pages_and_nothing_private,
    web::shared_links_carry_the_page_title_and_description_escaped_and_without_contacts,
    web::the_first_paint_is_html_in_the_visitors_language_with_the_header_and_heading,
    web::the_demo_banner_is_in_the_first_paint_when_the_data_is_demo,
    demo::demo_seeding_gives_every_kelurahan_a_location_and_flags_demo_data,
    demo::restarting_on_a_seeded_database_does_not_seed_again,
    demo::two_instances_starting_together_seed_the_demo_data_once,
    commitments::the_catalogue_lists_the_ksbb_programs_and_packages_with_reference_values,
    commitments::a_location_lists_its_needs_and_the_map_list_summarises_what_remains,
    commitments::a_commitment_reserves_quantities_and_its_public_view_has_no_contact_data,
    commitments::a_retried_commitment_returns_the_original_and_reserves_once,
    commitments::fifty_clients_racing_for_the_last_ten_units_commit_exactly_ten,
    commitments::asking_for_more_than_remains_is_409_with_what_remains_and_writes_nothing,
    commitments::once_per_family_packages_never_exceed_the_headcount,
    commitments::every_bad_commitment_gets_its_own_error_and_writes_nothing,
    commitments::an_undelivered_commitment_expires_and_its_quantities_return,
    commitments::the_background_sweep_expires_commitments_nobody_reads,
    commitments::cancelling_with_the_manage_token_returns_the_quantities_at_once,
    commitments::demo_data_gives_every_demo_location_needs_and_balanced_books,
    accounts::an_account_registers_signs_in_and_lists_its_own_commitments,
    accounts::sign_in_is_limited_after_five_failures_per_address,
    accounts::another_account_cannot_see_or_cancel_a_commitment,
    transparency::downloads_are_limited_per_client_network,
    witness::heads_are_signed_published_daily_and_carried_by_downloads,
    witness::a_rewritten_log_is_caught_by_whoever_kept_an_earlier_head,
    transparency::every_change_is_logged_and_the_log_derives_the_live_totals,
    transparency::changing_deleting_or_reordering_a_stored_entry_is_detected,
    transparency::live_totals_reach_every_subscriber_after_a_commitment,
    transparency::the_log_pages_and_refuses_bad_parameters,
    transparency::breakdowns_and_the_directory_name_only_those_who_consented,
    transparency::open_data_downloads_stream_filter_and_carry_hxl,
    transparency::no_public_endpoint_or_export_carries_contact_data,
    transparency::the_openapi_document_describes_every_public_endpoint_with_generated_schemas,
    staff::sign_in_sets_a_strict_cookie_checks_csrf_and_locks_out,
    staff::every_staff_route_checks_role_and_area_for_everyone,
    staff::queues_locations_catalogue_and_corrections_work_within_scope,
    deliveries::evidence_no_report_uses_is_removed_and_disk_is_bounded,
    deliveries::a_delivery_is_reported_with_evidence_confirmed_by_the_place_and_verified,
    deliveries::uploads_are_refused_by_content_size_and_completeness,
    deliveries::confirmation_codes_expire_are_single_use_and_guessing_is_limited,
    deliveries::the_location_list_shows_what_a_place_received_and_when,
    kiosk::the_config_reports_the_kiosk_idle_timeout,
    kiosk::kiosks_behind_one_address_each_get_their_own_receipt_guesses_under_a_ceiling,
    kiosk::the_kiosk_cookie_is_secure_with_cookie_secure_and_absent_elsewhere,
}
