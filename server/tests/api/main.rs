//! The HTTP API end to end: the real server on a real port, a fresh database
//! per test, on SQLite and on PostgreSQL.
//!
//! Each behaviour is written once as `async fn behaviour(engine: Engine)` in
//! a module below and listed in [`on_both_engines!`], which instantiates it
//! as `sqlite::behaviour` and `postgres::behaviour`. PostgreSQL tests need
//! `TEST_POSTGRES_URL` (set by `cargo xtask test`) and fail without it.

mod areas;
mod demo;
mod errors;
mod locations;
mod support;
mod transport;

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
    areas::the_area_tree_lists_6_kota_44_kecamatan_and_267_kelurahan_with_official_codes,
    areas::the_config_names_the_region_and_reports_no_demo_data_when_none_was_generated,
    locations::the_list_returns_every_active_location_with_its_public_fields_in_id_order,
    locations::private_contact_fields_never_appear_in_list_or_detail_responses,
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
    transport::list_and_area_responses_revalidate_with_etags,
    transport::responses_are_compressed_when_the_client_accepts_it,
    transport::deep_links_get_the_web_client_but_api_paths_never_get_html,
    transport::the_api_root_with_a_trailing_slash_is_404_json_not_the_web_client,
    transport::every_response_carries_the_security_headers,
    demo::demo_seeding_gives_every_kelurahan_a_location_and_flags_demo_data,
    demo::restarting_on_a_seeded_database_does_not_seed_again,
    demo::two_instances_starting_together_seed_the_demo_data_once,
}
