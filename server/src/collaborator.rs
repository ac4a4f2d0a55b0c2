//! Who a collaborator is — name, kind, e-mail and phone — checked the same
//! way for a commitment and for an account.

use kolaborasi_shared::{CollaboratorKind, validate};

use crate::error::FieldIssue;

/// The four fields, normalised (trimmed name, lower-case e-mail, `+62…`).
#[derive(Debug, Clone)]
pub struct Identity {
    pub name: String,
    pub kind: CollaboratorKind,
    pub email: String,
    pub phone: String,
}

/// The fields as typed; `prefix` is put before each field's path in
/// problems (e.g. `collaborator.`).
pub struct Typed<'a> {
    pub prefix: &'a str,
    pub name: &'a str,
    pub kind: &'a str,
    pub email: &'a str,
    pub phone: &'a str,
}

/// Checks every field, recording each problem in `issues` (in the order
/// name, e-mail, phone, kind); `None` unless all four passed.
pub fn check(typed: &Typed<'_>, issues: &mut Vec<FieldIssue>) -> Option<Identity> {
    let before = issues.len();
    let mut field = |name: &str, result: Result<String, &'static str>| {
        result
            .map_err(|key| issues.push(FieldIssue::new(format!("{}{name}", typed.prefix), key)))
            .unwrap_or_default()
    };
    let name = field("name", validate::name(typed.name));
    let email = field("email", validate::email(typed.email));
    let phone = field("phone", validate::phone(typed.phone));
    let kind = CollaboratorKind::parse(typed.kind);
    if kind.is_none() {
        issues.push(FieldIssue::new(
            format!("{}kind", typed.prefix),
            "error.field.kind_invalid",
        ));
    }
    let kind = kind.filter(|_| issues.len() == before)?;
    Some(Identity {
        name,
        kind,
        email,
        phone,
    })
}
