//! Object-level access: which owned objects a reader may see.

use uuid::Uuid;

/// What a reader may see of objects owned by people (sessions, requests, cases...).
/// Query functions over owned objects take one, so that no endpoint can forget the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Staff: everything.
    All,
    /// Anyone else: only what this user owns.
    OwnedBy(Uuid),
}

impl Visibility {
    /// Whether an object owned by `owner` is visible.
    pub fn allows(self, owner: Uuid) -> bool {
        match self {
            Visibility::All => true,
            Visibility::OwnedBy(user) => user == owner,
        }
    }
}
