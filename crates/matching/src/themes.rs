//! Themes as small integers, and sets of themes as bitsets.
//!
//! Theme ids are strings (staff add themes without a code change), but
//! comparing strings for each of 100,000 volunteers would cost more than the
//! whole ranking is allowed to. The service interns every theme once in a
//! [`ThemeCatalog`] and keeps each profile's themes as a [`ThemeSet`], so
//! "how many themes in common" is an AND and a popcount.

use std::collections::HashMap;

use entraide_core::{ThemeId, DEFAULT_THEMES};

use crate::error::MatchingError;

/// Number of 64-bit words in a [`ThemeSet`].
const WORDS: usize = 4;

/// Position of a theme in a [`ThemeCatalog`], below [`ThemeSet::CAPACITY`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ThemeIndex(u8);

impl ThemeIndex {
    /// The index `i`, or `None` when it does not fit in a [`ThemeSet`].
    pub fn new(i: usize) -> Option<ThemeIndex> {
        u8::try_from(i).ok().map(ThemeIndex)
    }

    /// The index as a number.
    pub fn get(self) -> usize {
        usize::from(self.0)
    }
}

/// A set of themes as a fixed 256-bit bitset: `Copy`, no allocation, and set
/// operations in a few instructions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ThemeSet([u64; WORDS]);

impl ThemeSet {
    /// How many distinct themes a catalog can hold. Thirteen themes were
    /// used in 2020: 256 leaves room for years of additions.
    pub const CAPACITY: usize = WORDS * 64;

    /// The empty set.
    pub const fn new() -> ThemeSet {
        ThemeSet([0; WORDS])
    }

    /// Adds a theme; returns whether it was absent.
    pub fn insert(&mut self, theme: ThemeIndex) -> bool {
        let (word, bit) = Self::locate(theme);
        let absent = self.0[word] & bit == 0;
        self.0[word] |= bit;
        absent
    }

    /// Removes a theme; returns whether it was present.
    pub fn remove(&mut self, theme: ThemeIndex) -> bool {
        let (word, bit) = Self::locate(theme);
        let present = self.0[word] & bit != 0;
        self.0[word] &= !bit;
        present
    }

    /// Whether the theme is in the set.
    pub fn contains(&self, theme: ThemeIndex) -> bool {
        let (word, bit) = Self::locate(theme);
        self.0[word] & bit != 0
    }

    /// Number of themes in the set.
    pub fn len(&self) -> usize {
        self.0.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|&w| w == 0)
    }

    /// Number of themes in both sets: the hot operation of the ranking.
    #[inline]
    pub fn intersection_len(&self, other: &ThemeSet) -> u32 {
        let mut n = 0;
        for i in 0..WORDS {
            n += (self.0[i] & other.0[i]).count_ones();
        }
        n
    }

    /// Whether the two sets share a theme.
    #[inline]
    pub fn intersects(&self, other: &ThemeSet) -> bool {
        let mut any = 0;
        for i in 0..WORDS {
            any |= self.0[i] & other.0[i];
        }
        any != 0
    }

    /// The themes of the set, in index order.
    pub fn iter(&self) -> impl Iterator<Item = ThemeIndex> + '_ {
        (0..Self::CAPACITY)
            .filter_map(ThemeIndex::new)
            .filter(|&t| self.contains(t))
    }

    fn locate(theme: ThemeIndex) -> (usize, u64) {
        let i = theme.get();
        (i / 64, 1u64 << (i % 64))
    }
}

impl FromIterator<ThemeIndex> for ThemeSet {
    fn from_iter<I: IntoIterator<Item = ThemeIndex>>(iter: I) -> Self {
        let mut set = ThemeSet::new();
        for t in iter {
            set.insert(t);
        }
        set
    }
}

/// Interns theme ids as [`ThemeIndex`]es, so that profiles can carry
/// [`ThemeSet`]s. One catalog serves a whole in-memory index: the sets of a
/// request and of its candidates must come from the same catalog.
#[derive(Debug, Clone, Default)]
pub struct ThemeCatalog {
    themes: Vec<ThemeId>,
    index: HashMap<ThemeId, ThemeIndex>,
}

impl ThemeCatalog {
    /// An empty catalog.
    pub fn new() -> ThemeCatalog {
        ThemeCatalog::default()
    }

    /// A catalog holding the themes seen in 2020 ([`DEFAULT_THEMES`]), in
    /// that order: handy for tests and a first start.
    pub fn with_default_themes() -> ThemeCatalog {
        let mut catalog = ThemeCatalog::new();
        for (slug, _) in DEFAULT_THEMES {
            // The defaults are valid slugs (checked by entraide-core's tests)
            // and fewer than the capacity, so nothing is skipped in practice.
            if let Ok(id) = ThemeId::parse(slug) {
                let _ = catalog.intern(&id);
            }
        }
        catalog
    }

    /// The index of a theme, adding it if new.
    pub fn intern(&mut self, theme: &ThemeId) -> Result<ThemeIndex, MatchingError> {
        if let Some(&i) = self.index.get(theme) {
            return Ok(i);
        }
        let i = ThemeIndex::new(self.themes.len()).ok_or(MatchingError::TooManyThemes)?;
        self.themes.push(theme.clone());
        self.index.insert(theme.clone(), i);
        Ok(i)
    }

    /// The set of the given themes, adding the new ones to the catalog.
    pub fn set<'a, I>(&mut self, themes: I) -> Result<ThemeSet, MatchingError>
    where
        I: IntoIterator<Item = &'a ThemeId>,
    {
        let mut set = ThemeSet::new();
        for theme in themes {
            set.insert(self.intern(theme)?);
        }
        Ok(set)
    }

    /// The index of a theme already in the catalog.
    pub fn get(&self, theme: &ThemeId) -> Option<ThemeIndex> {
        self.index.get(theme).copied()
    }

    /// The theme at an index.
    pub fn theme(&self, index: ThemeIndex) -> Option<&ThemeId> {
        self.themes.get(index.get())
    }

    /// The theme ids of a set, in index order, for display.
    pub fn themes_of<'a>(&'a self, set: &'a ThemeSet) -> impl Iterator<Item = &'a ThemeId> + 'a {
        set.iter().filter_map(|i| self.theme(i))
    }

    /// Number of themes interned.
    pub fn len(&self) -> usize {
        self.themes.len()
    }

    /// Whether no theme is interned.
    pub fn is_empty(&self) -> bool {
        self.themes.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> ThemeId {
        ThemeId::parse(s).unwrap()
    }

    #[test]
    fn set_operations() {
        let mut a = ThemeSet::new();
        assert!(a.is_empty());
        for i in [0, 63, 64, 200, 255] {
            assert!(a.insert(ThemeIndex::new(i).unwrap()));
        }
        assert!(!a.insert(ThemeIndex::new(64).unwrap()));
        assert_eq!(a.len(), 5);
        let b: ThemeSet = [1, 64, 255]
            .into_iter()
            .filter_map(ThemeIndex::new)
            .collect();
        assert_eq!(a.intersection_len(&b), 2);
        assert!(a.intersects(&b));
        assert_eq!(
            a.iter().map(ThemeIndex::get).collect::<Vec<_>>(),
            [0, 63, 64, 200, 255]
        );
        assert!(a.remove(ThemeIndex::new(255).unwrap()));
        assert!(!a.remove(ThemeIndex::new(255).unwrap()));
        assert_eq!(a.intersection_len(&b), 1);
        let c: ThemeSet = [2].into_iter().filter_map(ThemeIndex::new).collect();
        assert!(!a.intersects(&c));
        assert!(ThemeIndex::new(256).is_none());
    }

    #[test]
    fn catalog_interns_once_and_in_order() {
        let mut catalog = ThemeCatalog::with_default_themes();
        assert_eq!(catalog.len(), DEFAULT_THEMES.len());
        let tele = catalog.get(&id("teletravail")).unwrap();
        assert_eq!(tele.get(), 0);
        assert_eq!(catalog.intern(&id("teletravail")).unwrap(), tele);
        let new = catalog.intern(&id("covid-19")).unwrap();
        assert_eq!(new.get(), DEFAULT_THEMES.len());
        assert_eq!(catalog.theme(new).unwrap().as_str(), "covid-19");
        let set = catalog.set(&[id("pca"), id("teletravail")]).unwrap();
        let names: Vec<_> = catalog.themes_of(&set).map(ThemeId::as_str).collect();
        assert_eq!(names, ["teletravail", "pca"]);
    }

    #[test]
    fn catalog_refuses_the_257th_theme() {
        let mut catalog = ThemeCatalog::new();
        for i in 0..ThemeSet::CAPACITY {
            catalog.intern(&id(&format!("t{i}"))).unwrap();
        }
        assert_eq!(
            catalog.intern(&id("one-too-many")),
            Err(MatchingError::TooManyThemes)
        );
        // Known themes still resolve.
        assert_eq!(catalog.intern(&id("t7")).unwrap().get(), 7);
    }
}
