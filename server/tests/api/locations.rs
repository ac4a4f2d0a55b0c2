//! `GET /api/v1/locations` (list and filters) and `GET /api/v1/locations/{id}`.

use kolaborasi_server::on_db;
use kolaborasi_shared::{
    AreaLevel, Category, ErrorCode, HeadcountUnit, LocationDetail, LocationPoints, MapPoint,
};
use reqwest::StatusCode;

use crate::support::{
    BBOX, CONTACT_NAME, CONTACT_PHONE, Engine, FIXTURES, TestApp, error_envelope, fixture_names,
    keys, ok_json, send,
};

pub async fn the_list_returns_every_active_location_with_its_public_fields_in_id_order(
    engine: Engine,
) {
    let app = TestApp::with_fixtures(engine).await;
    let list = app.list("").await;

    assert_eq!(list.locations.len(), FIXTURES.len());
    for (name, category, kelurahan, lat, lon, headcount) in FIXTURES {
        let l = list
            .locations
            .iter()
            .find(|l| l.name == name)
            .unwrap_or_else(|| panic!("{name} is not listed"));
        assert_eq!(l.category, category, "{name}");
        assert_eq!(l.area, kelurahan, "{name}");
        assert_eq!((l.lat, l.lon), (lat, lon), "{name}");
        assert_eq!(l.headcount, headcount, "{name}");
        assert!(l.id > 0, "{name}: id {}", l.id);
    }
    let ids: Vec<i64> = list.locations.iter().map(|l| l.id).collect();
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "not in id order: {ids:?}"
    );

    // Exactly the compact fields, nothing more.
    let raw: serde_json::Value = ok_json(app.get("/api/v1/locations").await).await;
    assert_eq!(keys(&raw), ["locations"]);
    for item in raw["locations"].as_array().expect("an array") {
        assert_eq!(
            keys(item),
            [
                "area",
                "category",
                "headcount",
                "id",
                "last_delivered_on",
                "lat",
                "lon",
                "name",
                "received_percent",
                "remaining_percent"
            ]
        );
    }
}

pub async fn private_contact_fields_never_appear_in_list_or_detail_responses(engine: Engine) {
    let app = TestApp::with_fixtures(engine).await;
    let list = app
        .get("/api/v1/locations")
        .await
        .text()
        .await
        .expect("a body");
    let mut bodies = vec![("list".to_owned(), list)];
    for l in app.list("").await.locations {
        let path = format!("/api/v1/locations/{}", l.id);
        let response = app.get(&path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        bodies.push((path, response.text().await.expect("a body")));
    }
    for (what, body) in bodies {
        for private in [CONTACT_NAME, CONTACT_PHONE, "contact"] {
            assert!(!body.contains(private), "{what} leaks {private:?}: {body}");
        }
    }
}

pub async fn a_category_filter_returns_exactly_the_matching_locations(engine: Engine) {
    let app = TestApp::with_fixtures(engine).await;
    let only = |wanted: &'static [Category]| fixture_names(move |f| wanted.contains(&f.1));

    assert_eq!(
        app.names("?category=rw_prioritas").await,
        only(&[Category::RwPrioritas])
    );
    assert_eq!(app.names("?category=umkm").await, only(&[Category::Umkm]));
    let two = only(&[Category::Pesantren, Category::PantiJompo]);
    assert_eq!(
        app.names("?category=pesantren&category=panti_jompo").await,
        two
    );
    assert_eq!(app.names("?category=panti_jompo,pesantren").await, two);
    assert_eq!(
        app.names("?category=pesantren,pesantren&category=panti_jompo")
            .await,
        two
    );
    let three = only(&[Category::Pesantren, Category::PantiJompo, Category::Umkm]);
    assert_eq!(
        app.names("?category=pesantren,panti_jompo&category=umkm")
            .await,
        three
    );
    // A known category nobody has: an empty list, not an error.
    assert_eq!(app.names("?category=lainnya").await, Vec::<String>::new());
}

pub async fn an_area_filter_at_any_level_returns_exactly_the_locations_inside_it(engine: Engine) {
    let app = TestApp::with_fixtures(engine).await;
    let inside = |prefix: &'static str| {
        fixture_names(move |f| f.2 == prefix || f.2.starts_with(&format!("{prefix}.")))
    };

    assert_eq!(app.names("?area=31").await, fixture_names(|_| true));
    // Each level, with how many fixtures lie inside.
    for (area, count) in [
        ("31.71", 4),         // kota Jakarta Pusat, two kecamatan
        ("31.74", 2),         // kota Jakarta Selatan
        ("31.75", 1),         // kota Jakarta Timur
        ("31.71.01", 3),      // kecamatan Gambir
        ("31.71.02", 1),      // kecamatan Sawah Besar
        ("31.74.01", 2),      // kecamatan Tebet
        ("31.71.01.1002", 1), // kelurahan Cideng
        ("31.74.01.1002", 1), // kelurahan Tebet Barat
    ] {
        let expected = inside(area);
        assert_eq!(expected.len(), count, "{area}: fixtures inside");
        assert_eq!(
            app.names(&format!("?area={area}")).await,
            expected,
            "area={area}"
        );
    }
    // Known areas without fixtures.
    for area in ["31.72", "31.01.01", "31.71.01.1001"] {
        assert_eq!(
            app.names(&format!("?area={area}")).await,
            Vec::<String>::new(),
            "{area}"
        );
    }
    // Combined with a category.
    assert_eq!(
        app.names("?area=31.71&category=rw_prioritas").await,
        ["RW 03 Cideng"]
    );
    // Well-formed codes that name no area.
    for area in ["31.79", "32", "31.71.99", "31.71.01.9999"] {
        app.expect_invalid(&format!("/api/v1/locations?area={area}"), "area")
            .await;
    }
}

pub async fn a_bbox_filter_returns_only_points_inside_it_edges_included(engine: Engine) {
    let app = TestApp::with_fixtures(engine).await;
    let in_box = [
        "Panti Asuhan Pasar Baru",
        "Pesantren Al-Ikhlas Petojo",
        "RW 03 Cideng",
    ];
    assert_eq!(app.names(&format!("?bbox={BBOX}")).await, in_box);
    assert_eq!(
        app.names(&format!(
            "?bbox={BBOX}&category=pesantren,panti_asuhan,umkm"
        ))
        .await,
        ["Panti Asuhan Pasar Baru", "Pesantren Al-Ikhlas Petojo"]
    );
    assert_eq!(
        app.names(&format!("?category=rw_prioritas&bbox={BBOX}&area=31.71.01"))
            .await,
        ["RW 03 Cideng"]
    );
    // A degenerate box (a point) still contains a location exactly there.
    assert_eq!(
        app.names("?bbox=106.813,-6.168,106.813,-6.168").await,
        ["RW 03 Cideng"]
    );
    // Spaces after the commas are tolerated; the whole city holds everything.
    assert_eq!(
        app.names("?bbox=106.3,%20-6.4,%20107.1,%20-5.5").await,
        fixture_names(|_| true)
    );
    // An empty stretch of sea north of Jakarta.
    assert_eq!(
        app.names("?bbox=106.9,-6.0,107.0,-5.9").await,
        Vec::<String>::new()
    );
}

pub async fn inactive_locations_are_not_listed_but_their_page_still_answers(engine: Engine) {
    let app = TestApp::with_fixtures(engine).await;
    let id = app.id_of("RW 03 Cideng").await;
    on_db!(&app.running.state.db, pool => {
        sqlx::query("UPDATE locations SET active = FALSE WHERE id = $1")
            .bind(id)
            .execute(pool)
            .await
            .expect("deactivate a location");
    });
    app.edited();

    let everyone_else = fixture_names(|f| f.0 != "RW 03 Cideng");
    assert_eq!(app.names("").await, everyone_else);
    assert_eq!(app.names("?area=31.71.01.1002").await, Vec::<String>::new());
    assert_eq!(
        app.names("?category=rw_prioritas").await,
        ["RW 05 Pisangan Baru"]
    );
    assert!(
        !app.names(&format!("?bbox={BBOX}"))
            .await
            .contains(&"RW 03 Cideng".to_owned())
    );

    let detail: LocationDetail = ok_json(app.get(&format!("/api/v1/locations/{id}")).await).await;
    assert_eq!(detail.name, "RW 03 Cideng");
}

pub async fn a_location_page_shows_its_area_path_headcount_unit_and_flags(engine: Engine) {
    let app = TestApp::with_fixtures(engine).await;

    let id = app.id_of("RW 03 Cideng").await;
    let path = format!("/api/v1/locations/{id}");
    let d: LocationDetail = ok_json(app.get(&path).await).await;
    assert_eq!(d.id, id);
    assert_eq!(d.name, "RW 03 Cideng");
    assert_eq!(d.category, Category::RwPrioritas);
    let steps: Vec<(&str, &str, AreaLevel)> = d
        .area_path
        .iter()
        .map(|a| (a.code.as_str(), a.name.as_str(), a.level))
        .collect();
    assert_eq!(
        steps,
        [
            ("31", "Daerah Khusus Ibukota Jakarta", AreaLevel::Province),
            ("31.71", "Kota Administrasi Jakarta Pusat", AreaLevel::Kota),
            ("31.71.01", "Gambir", AreaLevel::Kecamatan),
            ("31.71.01.1002", "Cideng", AreaLevel::Kelurahan),
        ]
    );
    assert_eq!((d.lat, d.lon), (-6.168, 106.813));
    assert_eq!(d.headcount, 120);
    assert_eq!(d.headcount_unit, HeadcountUnit::Families);
    assert_eq!(d.address, "Jl. Contoh No. 120, 31.71.01.1002");
    assert!(d.description.starts_with("RW 03 Cideng: "));
    assert!(d.verified);
    assert!(!d.demo);

    let raw: serde_json::Value = ok_json(app.get(&path).await).await;
    assert_eq!(
        keys(&raw),
        [
            "active",
            "address",
            "area_path",
            "category",
            "demo",
            "description",
            "headcount",
            "headcount_unit",
            "id",
            "lat",
            "lon",
            "name",
            "needs",
            "verified"
        ]
    );

    let other = app.id_of("Panti Asuhan Pasar Baru").await;
    let d: LocationDetail = ok_json(app.get(&format!("/api/v1/locations/{other}")).await).await;
    assert_eq!(d.headcount_unit, HeadcountUnit::People);
    assert!(!d.verified);
    assert_eq!(
        d.area_path.last().map(|a| a.code.as_str()),
        Some("31.71.02.1001")
    );
}

pub async fn an_unknown_location_is_404_and_a_malformed_id_is_400(engine: Engine) {
    let app = TestApp::with_fixtures(engine).await;

    let error = error_envelope(
        app.get("/api/v1/locations/999999").await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(error.code, ErrorCode::NotFound);
    assert_eq!(error.field, None);

    for id in [
        "abc",
        "0",
        "-1",
        "1.5",
        "1e3",
        "99999999999999999999",
        "%20",
    ] {
        app.expect_invalid(&format!("/api/v1/locations/{id}"), "id")
            .await;
    }
}

/// The map's points for `query`, decoded from their columns.
async fn points(app: &TestApp, query: &str) -> Vec<MapPoint> {
    let columns: LocationPoints =
        ok_json(app.get(&format!("/api/v1/locations/points{query}")).await).await;
    columns.points().expect("columns of one length")
}

pub async fn the_map_points_are_the_list_in_columns_for_every_filter(engine: Engine) {
    let app = TestApp::with_fixtures(engine).await;
    for query in [
        String::new(),
        "?category=pesantren,umkm".to_owned(),
        "?area=31.71".to_owned(),
        format!("?bbox={BBOX}&category=rw_prioritas"),
        "?category=lainnya".to_owned(),
    ] {
        let list = app.list(&query).await.locations;
        let points = points(&app, &query).await;
        assert_eq!(points.len(), list.len(), "{query:?}");
        for (p, l) in points.iter().zip(&list) {
            let expected = MapPoint::from(l);
            assert_eq!(
                (p.id, p.category, p.remaining_percent, p.open_reports),
                (
                    expected.id,
                    expected.category,
                    expected.remaining_percent,
                    expected.open_reports
                ),
                "{query:?}"
            );
            // Whole units of 1/100,000 degree: about a metre.
            assert!(
                (p.lat - l.lat).abs() < 1e-5 && (p.lon - l.lon).abs() < 1e-5,
                "{query:?}: {p:?} vs {l:?}"
            );
        }
    }
    // The list's filters, with the list's errors.
    app.expect_invalid("/api/v1/locations/points?area=31.79", "area")
        .await;
    app.expect_invalid("/api/v1/locations/points?category=hospital", "category")
        .await;
    // No names, no contacts: only what a map draws.
    let raw: serde_json::Value = ok_json(app.get("/api/v1/locations/points").await).await;
    assert_eq!(
        keys(&raw),
        [
            "categories",
            "category",
            "id",
            "lat",
            "lon",
            "remaining",
            "reports",
            "scale"
        ]
    );
    let body = raw.to_string();
    for private in [CONTACT_NAME, CONTACT_PHONE, "contact", "RW 03 Cideng"] {
        assert!(!body.contains(private), "points carry {private:?}");
    }
}

/// What a phone downloads for the map of a big city: 10,000 places.
pub async fn the_map_points_of_10000_places_fit_in_80_kib_of_brotli(engine: Engine) {
    const PLACES: usize = 10_000;
    let app = TestApp::start_on(crate::support::TestDb::fresh(engine).await, PLACES).await;
    let wire = reqwest::Client::builder()
        .no_gzip()
        .build()
        .expect("an HTTP client");
    let mut sizes = Vec::new();
    for path in ["/api/v1/locations/points", "/api/v1/locations"] {
        let response = send(
            wire.get(app.url(path))
                .header(reqwest::header::ACCEPT_ENCODING, "br"),
        )
        .await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(
            crate::support::header_text(&response, reqwest::header::CONTENT_ENCODING),
            "br"
        );
        sizes.push(response.bytes().await.expect("a body").len());
    }
    assert_eq!(points(&app, "").await.len(), PLACES);
    let (points_br, list_br) = (sizes[0], sizes[1]);
    assert!(
        points_br <= 80 * 1024,
        "the map's data for {PLACES} places is {points_br} bytes of brotli (budget 80 KiB)"
    );
    assert!(
        points_br * 2 < list_br,
        "points {points_br} bytes vs the full list {list_br}"
    );
}
