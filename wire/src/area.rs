//! The administrative hierarchy: province → kota/kabupaten → kecamatan → kelurahan.

use serde::{Deserialize, Serialize};

/// The level of an area in the administrative hierarchy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum AreaLevel {
    Province,
    /// Kota or kabupaten administrasi.
    Kota,
    Kecamatan,
    Kelurahan,
}

impl AreaLevel {
    /// The wire and database spelling (also the translation key suffix).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Province => "province",
            Self::Kota => "kota",
            Self::Kecamatan => "kecamatan",
            Self::Kelurahan => "kelurahan",
        }
    }

    /// The level implied by an official code: `31`, `31.71`, `31.71.01`, `31.71.01.1001`.
    #[must_use]
    pub fn of_code(code: &str) -> Option<Self> {
        let parts: Vec<&str> = code.split('.').collect();
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        match parts.as_slice() {
            [p] if digits(p, 2) => Some(Self::Province),
            [p, k] if digits(p, 2) && digits(k, 2) => Some(Self::Kota),
            [p, k, c] if digits(p, 2) && digits(k, 2) && digits(c, 2) => Some(Self::Kecamatan),
            [p, k, c, l] if digits(p, 2) && digits(k, 2) && digits(c, 2) && digits(l, 4) => {
                Some(Self::Kelurahan)
            }
            _ => None,
        }
    }
}

/// One area and its children, as served by `GET /api/v1/areas`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AreaNode {
    pub code: String,
    pub name: String,
    pub level: AreaLevel,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<AreaNode>,
}

/// The whole tree below one province (the deployment's region).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AreaTree {
    pub root: AreaNode,
}

impl AreaTree {
    /// Finds an area anywhere in the tree by its code.
    #[must_use]
    pub fn find(&self, code: &str) -> Option<&AreaNode> {
        fn walk<'a>(node: &'a AreaNode, code: &str) -> Option<&'a AreaNode> {
            if node.code == code {
                return Some(node);
            }
            // Codes nest by prefix, so only one child can lead to the target.
            node.children
                .iter()
                .find(|c| code.starts_with(&c.code))
                .and_then(|c| walk(c, code))
        }
        walk(&self.root, code)
    }

    /// The chain of areas from the root down to `code` (inclusive).
    #[must_use]
    pub fn path_to(&self, code: &str) -> Vec<AreaRef> {
        let mut path = Vec::new();
        let mut node = &self.root;
        loop {
            path.push(AreaRef::from(node));
            if node.code == code {
                return path;
            }
            match node.children.iter().find(|c| code.starts_with(&c.code)) {
                Some(next) => node = next,
                None => return Vec::new(),
            }
        }
    }
}

/// A reference to an area without its children (used in area paths).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AreaRef {
    pub code: String,
    pub name: String,
    pub level: AreaLevel,
}

impl From<&AreaNode> for AreaRef {
    fn from(n: &AreaNode) -> Self {
        Self {
            code: n.code.clone(),
            name: n.name.clone(),
            level: n.level,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_follow_the_official_code_shape() {
        assert_eq!(AreaLevel::of_code("31"), Some(AreaLevel::Province));
        assert_eq!(AreaLevel::of_code("31.71"), Some(AreaLevel::Kota));
        assert_eq!(AreaLevel::of_code("31.71.01"), Some(AreaLevel::Kecamatan));
        assert_eq!(
            AreaLevel::of_code("31.71.01.1001"),
            Some(AreaLevel::Kelurahan)
        );
        for bad in [
            "",
            "3",
            "31.7",
            "31.71.1",
            "31.71.01.101",
            "31.71.01.1001.1",
            "ab.cd",
            "31..01",
        ] {
            assert_eq!(AreaLevel::of_code(bad), None, "{bad}");
        }
    }

    fn tree() -> AreaTree {
        let leaf = |code: &str| AreaNode {
            code: code.into(),
            name: code.into(),
            level: AreaLevel::Kelurahan,
            children: vec![],
        };
        AreaTree {
            root: AreaNode {
                code: "31".into(),
                name: "DKI Jakarta".into(),
                level: AreaLevel::Province,
                children: vec![AreaNode {
                    code: "31.71".into(),
                    name: "Jakarta Pusat".into(),
                    level: AreaLevel::Kota,
                    children: vec![AreaNode {
                        code: "31.71.01".into(),
                        name: "Gambir".into(),
                        level: AreaLevel::Kecamatan,
                        children: vec![leaf("31.71.01.1001"), leaf("31.71.01.1002")],
                    }],
                }],
            },
        }
    }

    #[test]
    fn path_to_a_kelurahan_lists_every_level() {
        let path = tree().path_to("31.71.01.1002");
        let codes: Vec<_> = path.iter().map(|a| a.code.as_str()).collect();
        assert_eq!(codes, ["31", "31.71", "31.71.01", "31.71.01.1002"]);
        assert!(tree().path_to("31.72").is_empty());
        assert_eq!(tree().find("31.71.01").map(|n| n.children.len()), Some(2));
    }
}
