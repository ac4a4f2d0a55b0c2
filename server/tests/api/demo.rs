//! Demo data generated into an empty database at start-up.

use std::collections::BTreeSet;

use kolaborasi_server::locations::store;
use kolaborasi_shared::{AreaLevel, AreaNode, AreaTree, ClientConfig, LocationDetail};

use crate::support::{Engine, TestApp, TestDb, ok_json};

const SCALE: usize = 300;

fn kelurahan_codes(node: &AreaNode, into: &mut BTreeSet<String>) {
    if node.level == AreaLevel::Kelurahan {
        into.insert(node.code.clone());
    }
    for child in &node.children {
        kelurahan_codes(child, into);
    }
}

pub async fn demo_seeding_gives_every_kelurahan_a_location_and_flags_demo_data(engine: Engine) {
    let app = TestApp::start_on(TestDb::fresh(engine).await, SCALE).await;

    let config: ClientConfig = ok_json(app.get("/api/v1/config").await).await;
    assert!(config.demo_data);

    let list = app.list("").await.locations;
    assert_eq!(list.len(), SCALE);
    let tree: AreaTree = ok_json(app.get("/api/v1/areas").await).await;
    let mut all = BTreeSet::new();
    kelurahan_codes(&tree.root, &mut all);
    assert_eq!(all.len(), 267);
    let covered: BTreeSet<String> = list.iter().map(|l| l.area.clone()).collect();
    let missing: Vec<_> = all.difference(&covered).collect();
    assert!(
        missing.is_empty(),
        "kelurahan without a location: {missing:?}"
    );
    assert!(covered.is_subset(&all), "locations outside the area data");
    assert!(
        list.iter()
            .all(|l| (-6.5..=-5.1).contains(&l.lat) && (106.3..=107.1).contains(&l.lon)),
        "demo points lie in and around Jakarta"
    );

    let first = &list[0];
    let detail: LocationDetail =
        ok_json(app.get(&format!("/api/v1/locations/{}", first.id)).await).await;
    assert!(detail.demo, "demo locations are labelled as such");
    assert_eq!(detail.headcount_unit, detail.category.headcount_unit());
}

pub async fn restarting_on_a_seeded_database_does_not_seed_again(engine: Engine) {
    let db = TestDb::fresh(engine).await;
    let first = TestApp::start_on(db.clone(), SCALE).await;
    let before = first.list("").await.locations;
    assert_eq!(before.len(), SCALE);
    first.stop().await;

    let second = TestApp::start_on(db, SCALE).await;
    let count = store::count(&second.running.state.db)
        .await
        .expect("count locations");
    assert_eq!(count, i64::try_from(SCALE).expect("small"));
    assert_eq!(
        second.list("").await.locations,
        before,
        "the same locations as before"
    );
    let config: ClientConfig = ok_json(second.get("/api/v1/config").await).await;
    assert!(config.demo_data);
}

pub async fn two_instances_starting_together_seed_the_demo_data_once(engine: Engine) {
    let db = TestDb::fresh(engine).await;
    // Migrated and empty, as a database is after a first start with no demo data.
    TestApp::start_on(db.clone(), 0).await.stop().await;

    let (a, b) = tokio::join!(
        TestApp::start_on(db.clone(), SCALE),
        TestApp::start_on(db.clone(), SCALE)
    );
    let count = store::count(&a.running.state.db)
        .await
        .expect("count locations");
    assert_eq!(count, i64::try_from(SCALE).expect("small"));
    assert_eq!(a.list("").await.locations, b.list("").await.locations);
}
