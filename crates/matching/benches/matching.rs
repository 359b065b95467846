//! Benchmarks of the targets of issue 6: rank 10,000 and 100,000 volunteers
//! (top 20), batch-assign 1,000 requests over 2,000 volunteers.
//!
//! Run with `cargo bench -p entraide-matching`; figures and machine are in
//! `docs/performance.md`. The data are synthetic but shaped like the 2020
//! scheme: 13 themes with télétravail and PCA most common, most volunteers
//! from Île-de-France and a few big regions, two thirds private.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use entraide_core::{
    Department, EstablishmentKind, LegalStatus, Region, Sector, ThemeId, Urgency, DEFAULT_THEMES,
};
use entraide_matching::{
    Matcher, RankOptions, RequestProfile, ThemeCatalog, ThemeSet, VolunteerProfile, Weights,
};
use uuid::Uuid;

/// SplitMix64: a tiny deterministic generator, so that every run benchmarks
/// the same data without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// An index drawn with the given relative weights.
    fn weighted(&mut self, weights: &[u64]) -> usize {
        let total: u64 = weights.iter().sum();
        let mut x = self.below(total);
        for (i, &w) in weights.iter().enumerate() {
            if x < w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }
}

/// Popularity of the 13 default themes, in `DEFAULT_THEMES` order
/// (télétravail, SI médico-social, PCA, télémédecine first).
const THEME_WEIGHTS: [u64; 13] = [30, 12, 15, 12, 8, 5, 6, 6, 3, 4, 4, 2, 3];

/// Volunteers per region, in `Region::ALL` order (bilan: Île-de-France 8,
/// Auvergne-Rhône-Alpes 6, Hauts-de-France 5, Occitanie 5, Grand Est 3...).
const REGION_WEIGHTS: [u64; 18] = [6, 2, 2, 2, 1, 3, 5, 8, 2, 3, 5, 2, 3, 1, 1, 1, 1, 1];

struct Data {
    themes: Vec<entraide_matching::ThemeIndex>,
    departments: Vec<Department>,
}

impl Data {
    fn new() -> Data {
        let mut catalog = ThemeCatalog::new();
        let themes = DEFAULT_THEMES
            .iter()
            .map(|(slug, _)| {
                let id = ThemeId::parse(slug).expect("default theme");
                catalog.intern(&id).expect("room for 13 themes")
            })
            .collect();
        Data {
            themes,
            departments: Department::all().collect(),
        }
    }

    fn theme_set(&self, rng: &mut Rng, count: usize) -> ThemeSet {
        let mut set = ThemeSet::new();
        while set.len() < count {
            set.insert(self.themes[rng.weighted(&THEME_WEIGHTS)]);
        }
        set
    }

    fn volunteer(&self, rng: &mut Rng, i: u64) -> VolunteerProfile {
        let capacity = 1 + rng.below(5) as u32;
        let count = 1 + rng.below(4) as usize;
        VolunteerProfile {
            id: Uuid::from_u64_pair(rng.next(), i),
            themes: self.theme_set(rng, count),
            sector: [
                Some(Sector::Sanitaire),
                Some(Sector::MedicoSocial),
                Some(Sector::Autre),
                None,
            ][rng.weighted(&[45, 45, 7, 3])],
            status: [
                Some(LegalStatus::Public),
                Some(LegalStatus::PriveNonLucratif),
                Some(LegalStatus::PriveLucratif),
                None,
            ][rng.weighted(&[33, 35, 30, 2])],
            region: if rng.chance(2) {
                None
            } else {
                Some(Region::ALL[rng.weighted(&REGION_WEIGHTS)])
            },
            capacity,
            open_cases: rng.below(u64::from(capacity) + 1) as u32,
            recent_cases: rng.below(7) as u32,
            active: rng.chance(97),
            paused: rng.chance(5),
            establishment: rng
                .chance(50)
                .then(|| Uuid::from_u64_pair(1, rng.below(5_000))),
            organisation: rng
                .chance(30)
                .then(|| Uuid::from_u64_pair(2, rng.below(1_000))),
        }
    }

    fn volunteers(&self, seed: u64, n: u64) -> Vec<VolunteerProfile> {
        let mut rng = Rng(seed);
        (0..n).map(|i| self.volunteer(&mut rng, i)).collect()
    }

    fn request(&self, rng: &mut Rng, i: u64) -> RequestProfile {
        let count = 1 + rng.weighted(&[50, 35, 15]);
        RequestProfile {
            id: Uuid::from_u64_pair(rng.next(), i),
            themes: self.theme_set(rng, count),
            kind: [
                EstablishmentKind::Es,
                EstablishmentKind::Esms,
                EstablishmentKind::Ambulatoire,
            ][rng.weighted(&[17, 8, 1])],
            status: [
                LegalStatus::Public,
                LegalStatus::PriveNonLucratif,
                LegalStatus::PriveLucratif,
            ][rng.weighted(&[40, 35, 25])],
            department: self.departments[rng.below(self.departments.len() as u64) as usize],
            urgency: [
                Urgency::Low,
                Urgency::Normal,
                Urgency::High,
                Urgency::Critical,
            ][rng.weighted(&[10, 60, 20, 10])],
            establishment: Uuid::from_u64_pair(1, rng.below(5_000)),
            organisation: rng
                .chance(30)
                .then(|| Uuid::from_u64_pair(2, rng.below(1_000))),
            declined_by: Vec::new(),
        }
    }

    fn requests(&self, seed: u64, n: u64) -> Vec<RequestProfile> {
        let mut rng = Rng(seed);
        (0..n).map(|i| self.request(&mut rng, i)).collect()
    }
}

fn rank(c: &mut Criterion) {
    let data = Data::new();
    let matcher = Matcher::new(Weights::default()).expect("default weights");
    // A two-theme request (télétravail and PCA) from a hospital of the Nord,
    // the most common kind of request in 2020.
    let mut request = data.requests(7, 1).remove(0);
    request.themes = [data.themes[0], data.themes[2]].into_iter().collect();
    request.kind = EstablishmentKind::Es;
    request.department = Department::parse("59").expect("Nord");
    let options = RankOptions {
        limit: 20,
        explain_excluded: false,
    };
    for n in [10_000u64, 100_000] {
        let volunteers = data.volunteers(42, n);
        c.bench_function(&format!("rank {n} volunteers, top 20"), |b| {
            b.iter(|| matcher.rank(black_box(&request), black_box(&volunteers), &options))
        });
    }
    let volunteers = data.volunteers(42, 10_000);
    let explain = RankOptions {
        limit: 20,
        explain_excluded: true,
    };
    c.bench_function("rank 10000 volunteers, top 20, explain excluded", |b| {
        b.iter(|| matcher.rank(black_box(&request), black_box(&volunteers), &explain))
    });
}

/// Prints what a batch benchmark solves, once, so that its figure can be read.
fn describe(
    name: &str,
    matcher: &Matcher,
    requests: &[RequestProfile],
    volunteers: &[VolunteerProfile],
) {
    let result = matcher.assign(requests, volunteers);
    let pairs: usize = requests
        .iter()
        .map(|r| {
            volunteers
                .iter()
                .filter(|v| matcher.evaluate(r, v).is_ok())
                .count()
        })
        .sum();
    let available: Vec<_> = volunteers
        .iter()
        .filter(|v| v.active && !v.paused && v.spare_capacity() > 0)
        .collect();
    let spare: u32 = available.iter().map(|v| v.spare_capacity()).sum();
    let mut used: Vec<_> = result.assignments.iter().map(|a| a.volunteer).collect();
    used.sort();
    used.dedup();
    eprintln!(
        "{name}: {pairs} eligible pairs, {} available volunteers with {spare} free slots; \
         {} requests served by {} volunteers, {} unserved; total score {:.2}, fairness penalty {:.2}",
        available.len(),
        result.assignments.len(),
        used.len(),
        result.unserved.len(),
        result.objective.total_score,
        result.objective.fairness_penalty,
    );
}

fn batch(c: &mut Criterion) {
    let data = Data::new();
    let matcher = Matcher::new(Weights::default()).expect("default weights");
    let requests = data.requests(11, 1_000);
    let volunteers = data.volunteers(13, 2_000);
    // Capacity scarcer than requests: augmenting paths get long and requests
    // compete for the last slots, the hard case of the solver.
    let few = data.volunteers(17, 500);
    describe("batch 1000 x 2000", &matcher, &requests, &volunteers);
    describe("batch 1000 x 500", &matcher, &requests, &few);
    let mut group = c.benchmark_group("batch");
    group.sample_size(10);
    group.bench_function("assign 1000 requests over 2000 volunteers", |b| {
        b.iter(|| matcher.assign(black_box(&requests), black_box(&volunteers)))
    });
    group.bench_function("assign 1000 requests over 500 volunteers (scarce)", |b| {
        b.iter(|| matcher.assign(black_box(&requests), black_box(&few)))
    });
    group.finish();
}

criterion_group!(benches, rank, batch);
criterion_main!(benches);
