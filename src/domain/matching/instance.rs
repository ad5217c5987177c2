//! The placement market as given (applicants, facilities, regional caps) and its validated form,
//! which refers to everything by index so that the algorithms never hash an id.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

/// Index of an applicant in [`Instance`] (its position in the input list).
pub type ApplicantIndex = u32;
/// Index of a facility in [`Instance`] (its position in the input list).
pub type FacilityIndex = u32;
/// Index of a region in [`Instance`] (see [`Instance::region_name`]).
pub type RegionIndex = u32;

/// Maps from id to index. A two-sided market looks up millions of ids; foldhash is several
/// times faster than SipHash on such short keys and keeps a per-process random seed, so a
/// crafted upload cannot aim collisions at a known hash function.
type IdMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// Id to index. Ids of up to 15 bytes (all generated ones, most real ones) are packed with their
/// length into a 16-byte key, so that each of the millions of lookups compares integers instead
/// of following a pointer to the stored string (a cache miss each); longer ids use a string map.
/// The key is two `u64`s rather than a `u128` so that an entry takes 24 bytes, not 32 (a `u128`
/// is aligned to 16): a smaller table misses the cache less, and the lookups are most of the time
/// spent reading a two-sided market.
#[derive(Debug, Clone, Default)]
struct IdLookup {
    short: IdMap<(u64, u64), u32>,
    long: IdMap<String, u32>,
}

impl IdLookup {
    fn with_capacity(n: usize) -> IdLookup {
        IdLookup { short: IdMap::with_capacity_and_hasher(n, Default::default()), long: IdMap::default() }
    }

    /// The id's bytes, zero-padded, with the length in the last byte: one key per id.
    fn pack(id: &str) -> Option<(u64, u64)> {
        let bytes = id.as_bytes();
        if bytes.len() > 15 {
            return None;
        }
        let mut buf = [0u8; 16];
        buf[..bytes.len()].copy_from_slice(bytes);
        buf[15] = bytes.len() as u8;
        let [a0, a1, a2, a3, a4, a5, a6, a7, b0, b1, b2, b3, b4, b5, b6, b7] = buf;
        Some((
            u64::from_le_bytes([a0, a1, a2, a3, a4, a5, a6, a7]),
            u64::from_le_bytes([b0, b1, b2, b3, b4, b5, b6, b7]),
        ))
    }

    /// Adds the id; false if it was there already.
    fn insert(&mut self, id: &str, index: u32) -> bool {
        match Self::pack(id) {
            Some(key) => self.short.insert(key, index).is_none(),
            None => self.long.insert(id.to_string(), index).is_none(),
        }
    }

    fn get(&self, id: &str) -> Option<u32> {
        match Self::pack(id) {
            Some(key) => self.short.get(&key).copied(),
            None => self.long.get(id).copied(),
        }
    }
}

/// One applicant as submitted: ranked facilities and the facts that order and restrict it.
///
/// `S` is the type of an id: owned `String`s by default, `&str` borrowed from the JSON text when
/// the `match` command reads a request (millions of ids: one allocation each would dominate).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(bound(deserialize = "S: Deserialize<'de>"))]
pub struct ApplicantInput<S = String> {
    pub id: S,
    /// Facility ids, most wanted first.
    pub preferences: Vec<S>,
    /// Lower tiers are served first (continuing scholars, rural origin…); absent means 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority_tier: Option<i64>,
    /// Higher is better within a tier; absent ranks below every given score.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// The regions that funded the bond; absent means any region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_regions: Option<Vec<S>>,
    /// Id of the applicant who must be placed in the same region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner: Option<S>,
}

/// One facility as submitted: its seats, where it is, how needy, and whom it will take.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(bound(deserialize = "S: Deserialize<'de>"))]
pub struct FacilityInput<S = String> {
    pub id: S,
    pub capacity: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<S>,
    /// HPSA-style need score: higher is needier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub need_score: Option<f64>,
    /// Applicant ids, most wanted first; anyone missing is unacceptable. Absent means merit order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferences: Option<Vec<S>>,
    /// Floor: the placements this facility should receive at least.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum: Option<i64>,
}

/// The whole market as submitted (`S`: see [`ApplicantInput`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(bound(deserialize = "S: Deserialize<'de>"))]
pub struct InstanceInput<S = String> {
    pub applicants: Vec<ApplicantInput<S>>,
    pub facilities: Vec<FacilityInput<S>>,
    /// Most placements allowed per region.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub regional_caps: BTreeMap<String, i64>,
}

/// Why an instance could not be built; each names the place in the input.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InstanceError {
    #[error("{place}: unknown facility \"{id}\"")]
    UnknownFacility { place: String, id: String },
    #[error("{place}: unknown applicant \"{id}\"")]
    UnknownApplicant { place: String, id: String },
    #[error("duplicate applicant id \"{id}\" at {place}")]
    DuplicateApplicant { id: String, place: String },
    #[error("duplicate facility id \"{id}\" at {place}")]
    DuplicateFacility { id: String, place: String },
    #[error("{place}: \"{id}\" is listed more than once")]
    ListedTwice { place: String, id: String },
    #[error("{place}: must not be empty")]
    EmptyId { place: String },
    #[error("{place}: must not be negative")]
    Negative { place: String },
    #[error("{place}: minimum {minimum} exceeds the capacity {capacity}")]
    MinimumAboveCapacity { place: String, minimum: i64, capacity: i64 },
    #[error("{place}: an applicant cannot be their own partner")]
    OwnPartner { place: String },
    #[error("{place}: \"{partner}\" does not name \"{id}\" as partner")]
    PartnerNotMutual { place: String, id: String, partner: String },
}

/// A validated applicant.
#[derive(Debug, Clone, PartialEq)]
pub struct Applicant {
    pub priority_tier: i64,
    pub score: Option<f64>,
    /// Sorted region indices, or `None` when the applicant may go anywhere.
    pub allowed_regions: Option<Vec<RegionIndex>>,
    pub partner: Option<ApplicantIndex>,
}

/// A validated facility.
#[derive(Debug, Clone, PartialEq)]
pub struct Facility {
    pub capacity: u32,
    pub minimum: u32,
    pub region: Option<RegionIndex>,
    pub need_score: Option<f64>,
    /// The facility's own ranking, most wanted first, if it gave one.
    pub preferences: Option<Vec<ApplicantIndex>>,
}

/// A market whose every reference has been checked; built only through [`Instance::build`].
#[derive(Debug, Clone)]
pub struct Instance {
    applicant_ids: Vec<String>,
    facility_ids: Vec<String>,
    region_names: Vec<String>,
    applicant_index: IdLookup,
    facility_index: IdLookup,
    applicants: Vec<Applicant>,
    facilities: Vec<Facility>,
    /// Flattened applicant preference lists: applicant `a` listed
    /// `listed[listed_start[a]..listed_start[a + 1]]`.
    listed_start: Vec<u32>,
    listed: Vec<FacilityIndex>,
    /// Parallel to `listed`: the facility's rank of the applicant who listed it, `u32::MAX` when
    /// its own list leaves the applicant out, `0` (unused) when it has no list. Every algorithm
    /// and the audit ask for these pairs; a lookup here is a scan of the applicant's own short
    /// list, already in cache, where a binary search through the facility's list missed it.
    listed_rank: Vec<u32>,
    regional_caps: Vec<Option<u32>>,
    /// Position of each applicant in merit order (tier, then score, then id).
    merit_rank: Vec<u32>,
    merit_order: Vec<ApplicantIndex>,
    /// For facilities with their own list: (applicant, position) sorted by applicant, for lookups.
    list_rank: Vec<Option<Vec<(ApplicantIndex, u32)>>>,
}

fn non_negative(value: i64, place: impl FnOnce() -> String) -> Result<u32, InstanceError> {
    if value < 0 {
        return Err(InstanceError::Negative { place: place() });
    }
    // Counts beyond u32 cannot be meant; saturate rather than wrap.
    Ok(u32::try_from(value).unwrap_or(u32::MAX))
}

fn check_id(id: &str, place: impl FnOnce() -> String) -> Result<(), InstanceError> {
    if id.is_empty() {
        return Err(InstanceError::EmptyId { place: place() });
    }
    Ok(())
}

/// Merit order used by facilities without a list and by serial dictatorship.
pub(super) fn merit_cmp(a: (&Applicant, &str), b: (&Applicant, &str)) -> Ordering {
    a.0.priority_tier
        .cmp(&b.0.priority_tier)
        .then_with(|| match (a.0.score, b.0.score) {
            (Some(x), Some(y)) => y.total_cmp(&x),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        })
        .then_with(|| a.1.cmp(b.1))
}

/// For each facility, the applicants who listed it in applicant order, with the position of the
/// pair in `listed` (a counting sort by facility): `(start, entries)` as in a flattened list.
fn listers_by_facility(
    listed_start: &[u32],
    listed: &[FacilityIndex],
    facility_count: usize,
) -> (Vec<u32>, Vec<(ApplicantIndex, u32)>) {
    let mut start = vec![0u32; facility_count + 1];
    for &f in listed {
        start[f as usize + 1] += 1;
    }
    for f in 0..facility_count {
        start[f + 1] += start[f];
    }
    let mut fill = start.clone();
    let mut entries = vec![(0, 0); listed.len()];
    for (a, bounds) in listed_start.windows(2).enumerate() {
        for edge in bounds[0]..bounds[1] {
            let f = listed[edge as usize] as usize;
            entries[fill[f] as usize] = (a as ApplicantIndex, edge);
            fill[f] += 1;
        }
    }
    (start, entries)
}

impl Instance {
    /// Checks every id and number and builds the indexed market.
    pub fn build<S: AsRef<str>>(input: &InstanceInput<S>) -> Result<Instance, InstanceError> {
        let mut region_index: IdMap<String, RegionIndex> = IdMap::default();
        let mut region_names: Vec<String> = Vec::new();
        let mut intern_region = |name: &str| -> RegionIndex {
            if let Some(&r) = region_index.get(name) {
                return r;
            }
            let r = region_names.len() as RegionIndex;
            region_names.push(name.to_string());
            region_index.insert(name.to_string(), r);
            r
        };

        let mut facility_index = IdLookup::with_capacity(input.facilities.len());
        let mut facility_ids = Vec::with_capacity(input.facilities.len());
        let mut facility_regions = Vec::with_capacity(input.facilities.len());
        for (i, f) in input.facilities.iter().enumerate() {
            let id = f.id.as_ref();
            check_id(id, || format!("facilities[{i}].id"))?;
            if !facility_index.insert(id, i as FacilityIndex) {
                return Err(InstanceError::DuplicateFacility { id: id.to_string(), place: format!("facilities[{i}]") });
            }
            facility_ids.push(id.to_string());
            facility_regions.push(f.region.as_ref().map(|r| intern_region(r.as_ref())));
        }

        let mut applicant_index = IdLookup::with_capacity(input.applicants.len());
        let mut applicant_ids = Vec::with_capacity(input.applicants.len());
        for (i, a) in input.applicants.iter().enumerate() {
            let id = a.id.as_ref();
            check_id(id, || format!("applicants[{i}].id"))?;
            if !applicant_index.insert(id, i as ApplicantIndex) {
                return Err(InstanceError::DuplicateApplicant {
                    id: id.to_string(),
                    place: format!("applicants[{i}]"),
                });
            }
            applicant_ids.push(id.to_string());
        }

        let total_listed: usize = input.applicants.iter().map(|a| a.preferences.len()).sum();
        let mut listed_start = Vec::with_capacity(input.applicants.len() + 1);
        let mut listed = Vec::with_capacity(total_listed);
        // Marks the last applicant that listed each facility, to catch repeats without hashing.
        let mut last_lister = vec![u32::MAX; input.facilities.len()];
        let mut found: Vec<Option<u32>> = Vec::new();
        let mut applicants = Vec::with_capacity(input.applicants.len());
        for (i, a) in input.applicants.iter().enumerate() {
            listed_start.push(listed.len() as u32);
            // All lookups first, then the checks: independent lookups overlap their memory reads.
            found.clear();
            found.extend(a.preferences.iter().map(|id| facility_index.get(id.as_ref())));
            for (k, (id, f)) in a.preferences.iter().zip(&found).enumerate() {
                let id = id.as_ref();
                let f = f.ok_or_else(|| InstanceError::UnknownFacility {
                    place: format!("applicants[{i}].preferences[{k}]"),
                    id: id.to_string(),
                })?;
                if last_lister[f as usize] == i as u32 {
                    return Err(InstanceError::ListedTwice {
                        place: format!("applicants[{i}].preferences[{k}]"),
                        id: id.to_string(),
                    });
                }
                last_lister[f as usize] = i as u32;
                listed.push(f);
            }
            let allowed_regions = a.allowed_regions.as_ref().map(|names| {
                let mut regions: Vec<RegionIndex> = names.iter().map(|n| intern_region(n.as_ref())).collect();
                regions.sort_unstable();
                regions.dedup();
                regions
            });
            let partner = match &a.partner {
                None => None,
                Some(p) => {
                    let p = p.as_ref();
                    let place = format!("applicants[{i}].partner");
                    let j = applicant_index
                        .get(p)
                        .ok_or_else(|| InstanceError::UnknownApplicant { place: place.clone(), id: p.to_string() })?;
                    if j as usize == i {
                        return Err(InstanceError::OwnPartner { place });
                    }
                    if input.applicants[j as usize].partner.as_ref().map(AsRef::as_ref) != Some(a.id.as_ref()) {
                        return Err(InstanceError::PartnerNotMutual {
                            place,
                            id: a.id.as_ref().to_string(),
                            partner: p.to_string(),
                        });
                    }
                    Some(j)
                }
            };
            applicants.push(Applicant {
                priority_tier: a.priority_tier.unwrap_or(0),
                score: a.score,
                allowed_regions,
                partner,
            });
        }
        listed_start.push(listed.len() as u32);

        // Who listed each facility, by applicant: `listers[lister_start[f]..lister_start[f + 1]]` holds
        // (applicant, position in `listed`). Built only when some facility ranks its applicants: it
        // lets each facility's rank of its listers be stored next to their lists (`listed_rank`) by
        // merging two lists sorted by applicant, where finding each pair in the applicant's list
        // was a cache miss per pair (half of building a two-sided market).
        let ranked_by_facility = input.facilities.iter().any(|f| f.preferences.is_some());
        let (lister_start, listers) = if ranked_by_facility {
            listers_by_facility(&listed_start, &listed, input.facilities.len())
        } else {
            Default::default()
        };
        // Left out by every facility with a list, until that list is read below.
        let mut listed_rank: Vec<u32> = listed
            .iter()
            .map(|&f| if input.facilities[f as usize].preferences.is_some() { u32::MAX } else { 0 })
            .collect();

        let mut facilities = Vec::with_capacity(input.facilities.len());
        let mut list_rank = Vec::with_capacity(input.facilities.len());
        let mut last_ranked = vec![u32::MAX; input.applicants.len()];
        for (i, f) in input.facilities.iter().enumerate() {
            let capacity = non_negative(f.capacity, || format!("facilities[{i}].capacity"))?;
            let minimum_raw = f.minimum.unwrap_or(0);
            let minimum = non_negative(minimum_raw, || format!("facilities[{i}].minimum"))?;
            if minimum > capacity {
                return Err(InstanceError::MinimumAboveCapacity {
                    place: format!("facilities[{i}].minimum"),
                    minimum: minimum_raw,
                    capacity: f.capacity,
                });
            }
            if let Some(need) = f.need_score {
                if need < 0.0 {
                    return Err(InstanceError::Negative { place: format!("facilities[{i}].need_score") });
                }
            }
            let preferences = match &f.preferences {
                None => None,
                Some(ids) => {
                    let mut ranked = Vec::with_capacity(ids.len());
                    found.clear();
                    found.extend(ids.iter().map(|id| applicant_index.get(id.as_ref())));
                    for (k, (id, a)) in ids.iter().zip(&found).enumerate() {
                        let id = id.as_ref();
                        let a = a.ok_or_else(|| InstanceError::UnknownApplicant {
                            place: format!("facilities[{i}].preferences[{k}]"),
                            id: id.to_string(),
                        })?;
                        if last_ranked[a as usize] == i as u32 {
                            return Err(InstanceError::ListedTwice {
                                place: format!("facilities[{i}].preferences[{k}]"),
                                id: id.to_string(),
                            });
                        }
                        last_ranked[a as usize] = i as u32;
                        ranked.push(a);
                    }
                    Some(ranked)
                }
            };
            list_rank.push(preferences.as_ref().map(|ranked: &Vec<ApplicantIndex>| {
                let mut by_applicant: Vec<(ApplicantIndex, u32)> =
                    ranked.iter().enumerate().map(|(pos, &a)| (a, pos as u32)).collect();
                by_applicant.sort_unstable();
                // Both sorted by applicant: one pass pairs each lister with its rank here.
                let range = lister_start[i] as usize..lister_start[i + 1] as usize;
                let mut ranks = by_applicant.iter().peekable();
                for &(a, edge) in &listers[range] {
                    while ranks.next_if(|&&(b, _)| b < a).is_some() {}
                    if let Some(&&(b, pos)) = ranks.peek() {
                        if b == a {
                            listed_rank[edge as usize] = pos;
                        }
                    }
                }
                by_applicant
            }));
            facilities.push(Facility {
                capacity,
                minimum,
                region: facility_regions[i],
                need_score: f.need_score,
                preferences,
            });
        }

        let mut caps_by_name = Vec::with_capacity(input.regional_caps.len());
        for (name, &cap) in &input.regional_caps {
            let cap = non_negative(cap, || format!("regional_caps.{name}"))?;
            caps_by_name.push((intern_region(name), cap));
        }
        let mut regional_caps = vec![None; region_names.len()];
        for (r, cap) in caps_by_name {
            regional_caps[r as usize] = Some(cap);
        }

        let mut merit_order: Vec<ApplicantIndex> = (0..applicants.len() as u32).collect();
        merit_order.sort_by(|&x, &y| {
            merit_cmp(
                (&applicants[x as usize], &applicant_ids[x as usize]),
                (&applicants[y as usize], &applicant_ids[y as usize]),
            )
        });
        let mut merit_rank = vec![0u32; applicants.len()];
        for (pos, &a) in merit_order.iter().enumerate() {
            merit_rank[a as usize] = pos as u32;
        }

        Ok(Instance {
            applicant_ids,
            facility_ids,
            region_names,
            applicant_index,
            facility_index,
            applicants,
            facilities,
            listed_start,
            listed,
            listed_rank,
            regional_caps,
            merit_rank,
            merit_order,
            list_rank,
        })
    }

    pub fn applicant_count(&self) -> usize {
        self.applicants.len()
    }

    pub fn facility_count(&self) -> usize {
        self.facilities.len()
    }

    pub fn region_count(&self) -> usize {
        self.region_names.len()
    }

    pub fn applicant(&self, a: ApplicantIndex) -> &Applicant {
        &self.applicants[a as usize]
    }

    pub fn facility(&self, f: FacilityIndex) -> &Facility {
        &self.facilities[f as usize]
    }

    pub fn applicant_id(&self, a: ApplicantIndex) -> &str {
        &self.applicant_ids[a as usize]
    }

    pub fn facility_id(&self, f: FacilityIndex) -> &str {
        &self.facility_ids[f as usize]
    }

    pub fn region_name(&self, r: RegionIndex) -> &str {
        &self.region_names[r as usize]
    }

    pub fn applicant_by_id(&self, id: &str) -> Option<ApplicantIndex> {
        self.applicant_index.get(id)
    }

    pub fn facility_by_id(&self, id: &str) -> Option<FacilityIndex> {
        self.facility_index.get(id)
    }

    /// The most placements the region may receive, if capped.
    pub fn region_cap(&self, r: RegionIndex) -> Option<u32> {
        self.regional_caps[r as usize]
    }

    /// Facilities the applicant listed, most wanted first (including ones it may not go to).
    pub fn listed_facilities(&self, a: ApplicantIndex) -> &[FacilityIndex] {
        let start = self.listed_start[a as usize] as usize;
        let end = self.listed_start[a as usize + 1] as usize;
        &self.listed[start..end]
    }

    /// Applicants from best to worst by tier, then score, then id.
    pub fn merit_order(&self) -> &[ApplicantIndex] {
        &self.merit_order
    }

    pub fn merit_rank(&self, a: ApplicantIndex) -> u32 {
        self.merit_rank[a as usize]
    }

    /// Where the facility ranks the applicant (lower is better), or `None` if its own list
    /// leaves the applicant out. Ranks are comparable only within one facility.
    pub fn facility_rank(&self, f: FacilityIndex, a: ApplicantIndex) -> Option<u32> {
        match &self.list_rank[f as usize] {
            None => Some(self.merit_rank[a as usize]),
            Some(by_applicant) => {
                let start = self.listed_start[a as usize] as usize;
                if let Some(k) = self.listed_facilities(a).iter().position(|&g| g == f) {
                    let rank = self.listed_rank[start + k];
                    return (rank != u32::MAX).then_some(rank);
                }
                // A pair the applicant did not list (asked by the report and the couples' audit).
                by_applicant.binary_search_by_key(&a, |&(x, _)| x).ok().map(|i| by_applicant[i].1)
            }
        }
    }

    /// Whether the applicant's bond lets it serve at the facility.
    pub fn region_allowed(&self, a: ApplicantIndex, f: FacilityIndex) -> bool {
        match &self.applicants[a as usize].allowed_regions {
            None => true,
            Some(allowed) => match self.facilities[f as usize].region {
                None => false,
                Some(r) => allowed.binary_search(&r).is_ok(),
            },
        }
    }

    /// Whether applicant and facility may be matched at all (listed, bond, facility's list).
    pub fn acceptable(&self, a: ApplicantIndex, f: FacilityIndex) -> bool {
        self.region_allowed(a, f) && self.facility_rank(f, a).is_some()
    }

    pub fn has_couples(&self) -> bool {
        self.applicants.iter().any(|a| a.partner.is_some())
    }

    pub fn has_floors(&self) -> bool {
        self.facilities.iter().any(|f| f.minimum > 0)
    }

    pub fn has_regional_caps(&self) -> bool {
        self.regional_caps.iter().any(Option::is_some)
    }

    pub fn total_seats(&self) -> u64 {
        self.facilities.iter().map(|f| u64::from(f.capacity)).sum()
    }
}
