//! Kenya's 47 counties and their sub-counties, from the facility registry (`assets/kenya-counties.csv`,
//! compiled in so that the lists work before any facility is imported), and the lookup that turns what
//! someone typed or picked into the one canonical spelling, so that "turkana " and "Turkana" are one county.

use std::sync::OnceLock;

use serde::Serialize;

const COUNTIES_CSV: &str = include_str!("../../assets/kenya-counties.csv");

/// A county with its sub-counties, in the registry's spelling, sorted by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct County {
    pub name: &'static str,
    pub sub_counties: Vec<&'static str>,
}

/// Every county, sorted; parsed once from the shipped list.
pub fn counties() -> &'static [County] {
    static COUNTIES: OnceLock<Vec<County>> = OnceLock::new();
    COUNTIES.get_or_init(|| parse(COUNTIES_CSV))
}

/// The shipped list is two plain columns without quoting (the derivation script writes no commas in names).
fn parse(csv: &'static str) -> Vec<County> {
    let mut list: Vec<County> = Vec::new();
    for line in csv.lines().skip(1) {
        let Some((county, sub_county)) = line.split_once(',') else {
            continue;
        };
        match list.iter_mut().find(|c| c.name == county) {
            Some(c) => c.sub_counties.push(sub_county),
            None => list.push(County { name: county, sub_counties: vec![sub_county] }),
        }
    }
    list.sort_by_key(|c| fold(c.name));
    for c in &mut list {
        c.sub_counties.sort_by_key(|s| fold(s));
    }
    list
}

/// The comparison form of a place name: case, surrounding and repeated spaces, and the apostrophe some
/// write in "Murang'a" do not make a different place.
pub fn fold(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ").replace(['\'', '’'], "").to_lowercase()
}

/// The canonical name of a county, if `typed` names one.
pub fn canonical_county(typed: &str) -> Option<&'static str> {
    let key = fold(typed);
    counties().iter().find(|c| fold(c.name) == key).map(|c| c.name)
}

/// The canonical name of a sub-county of `county` (itself in any spelling), if `typed` names one of it.
pub fn canonical_sub_county(county: &str, typed: &str) -> Option<&'static str> {
    let county = canonical_county(county)?;
    let key = fold(typed);
    counties().iter().find(|c| c.name == county)?.sub_counties.iter().find(|s| fold(s) == key).copied()
}

/// Checks a county and sub-county pair and returns their canonical names, or the field that is wrong
/// with its message key. Both empty is "not answered yet", which the step's completeness check reports.
pub fn check_home(county: &str, sub_county: &str) -> Result<(String, String), (&'static str, &'static str)> {
    let county = county.trim();
    let sub_county = sub_county.trim();
    let canonical = if county.is_empty() {
        String::new()
    } else {
        canonical_county(county).ok_or(("home_county", "error-county-unknown"))?.to_string()
    };
    if sub_county.is_empty() {
        return Ok((canonical, String::new()));
    }
    if canonical.is_empty() {
        return Err(("home_county", "error-required"));
    }
    let sub =
        canonical_sub_county(&canonical, sub_county).ok_or(("home_sub_county", "error-sub-county-not-in-county"))?;
    Ok((canonical, sub.to_string()))
}

/// True when a stored pair is in the list exactly as stored (what the migration could not map is not).
pub fn is_canonical_pair(county: &str, sub_county: &str) -> bool {
    canonical_county(county) == Some(county)
        && (sub_county.is_empty() || canonical_sub_county(county, sub_county) == Some(sub_county))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_holds_the_47_counties_each_with_sub_counties() {
        assert_eq!(counties().len(), 47);
        assert!(counties().iter().all(|c| !c.sub_counties.is_empty()));
        assert_eq!(counties().iter().map(|c| c.sub_counties.len()).sum::<usize>(), 303);
        assert_eq!(counties()[0].name, "Baringo");
    }

    #[test]
    fn a_stray_space_or_capital_names_the_same_county() {
        assert_eq!(canonical_county("turkana "), Some("Turkana"));
        assert_eq!(canonical_county("  TAITA   taveta"), Some("Taita Taveta"));
        assert_eq!(canonical_county("Murang'a"), Some("Muranga"));
        assert_eq!(canonical_county("Atlantis"), None);
        assert_eq!(canonical_county(""), None);
    }

    #[test]
    fn a_sub_county_belongs_to_its_county_only() {
        assert_eq!(canonical_sub_county("Turkana", "loima"), Some("Loima"));
        assert_eq!(canonical_sub_county("turkana", "Kisumu Central"), None);
        assert_eq!(canonical_sub_county("Nowhere", "Loima"), None);
    }

    #[test]
    fn the_pair_is_checked_and_made_canonical() {
        assert_eq!(check_home(" turkana", "LOIMA "), Ok(("Turkana".into(), "Loima".into())));
        assert_eq!(check_home("", ""), Ok((String::new(), String::new())));
        assert_eq!(check_home("Turkana", ""), Ok(("Turkana".into(), String::new())));
        assert_eq!(check_home("Narnia", "Loima"), Err(("home_county", "error-county-unknown")));
        assert_eq!(check_home("Kisumu", "Loima"), Err(("home_sub_county", "error-sub-county-not-in-county")));
        assert_eq!(check_home("", "Loima"), Err(("home_county", "error-required")));
    }

    #[test]
    fn only_exact_list_spellings_count_as_canonical() {
        assert!(is_canonical_pair("Turkana", "Loima"));
        assert!(is_canonical_pair("Turkana", ""));
        assert!(!is_canonical_pair("turkana", "Loima"));
        assert!(!is_canonical_pair("Turkana", "Kisumu Central"));
    }
}
