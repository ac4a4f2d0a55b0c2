//! `GET /api/v1/areas` and `GET /api/v1/config`.

use kolaborasi_shared::{AreaLevel, AreaNode, AreaTree, ClientConfig};

use crate::support::{Engine, TestApp, ok_json};

/// Every node below `node` (itself included), depth first.
fn all_nodes(node: &AreaNode) -> Vec<&AreaNode> {
    std::iter::once(node)
        .chain(node.children.iter().flat_map(all_nodes))
        .collect()
}

pub async fn the_area_tree_lists_6_kota_44_kecamatan_and_267_kelurahan_with_official_codes(
    engine: Engine,
) {
    let app = TestApp::start(engine).await;
    let tree: AreaTree = ok_json(app.get("/api/v1/areas").await).await;

    assert_eq!(tree.root.code, "31");
    assert_eq!(tree.root.level, AreaLevel::Province);
    assert_eq!(tree.root.name, "Daerah Khusus Ibukota Jakarta");
    let nodes = all_nodes(&tree.root);
    let count = |level| nodes.iter().filter(|n| n.level == level).count();
    assert_eq!(count(AreaLevel::Province), 1);
    assert_eq!(count(AreaLevel::Kota), 6);
    assert_eq!(count(AreaLevel::Kecamatan), 44);
    assert_eq!(count(AreaLevel::Kelurahan), 267);

    // Official codes: each level's shape, each child's code extends its
    // parent's, and kota are the root's direct children.
    assert!(
        tree.root
            .children
            .iter()
            .all(|k| k.level == AreaLevel::Kota)
    );
    for node in &nodes {
        assert_eq!(
            AreaLevel::of_code(&node.code),
            Some(node.level),
            "{}",
            node.code
        );
        for child in &node.children {
            assert!(
                child.code.starts_with(&format!("{}.", node.code)),
                "{} under {}",
                child.code,
                node.code
            );
        }
        if node.level == AreaLevel::Kelurahan {
            assert!(node.children.is_empty(), "{} has children", node.code);
        }
    }
    let name = |code| tree.find(code).map(|n| n.name.as_str());
    assert_eq!(name("31.71"), Some("Kota Administrasi Jakarta Pusat"));
    assert_eq!(
        name("31.01"),
        Some("Kabupaten Administrasi Kepulauan Seribu")
    );
    assert_eq!(name("31.71.01"), Some("Gambir"));
    assert_eq!(name("31.71.01.1001"), Some("Gambir"));
    assert_eq!(name("31.74.01.1001"), Some("Tebet Timur"));
}

pub async fn the_config_names_the_region_and_reports_no_demo_data_when_none_was_generated(
    engine: Engine,
) {
    let app = TestApp::with_fixtures(engine).await;
    let config: ClientConfig = ok_json(app.get("/api/v1/config").await).await;
    assert_eq!(config.region_name, "Daerah Khusus Ibukota Jakarta");
    assert!(!config.demo_data, "no demo location was generated");
    assert!(config.tile_url.contains("{z}") && config.tile_url.contains("{x}"));
    assert_eq!(config.area_data_licence, "ODbL-1.0");
    assert!(config.area_data_source.contains("idn-area-data"));
    assert!(
        !config.area_data_source.contains(".csv"),
        "no file of the repository in the credit: {}",
        config.area_data_source
    );
}
