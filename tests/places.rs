//! The county list compiled into the binary (assets/kenya-counties.csv) holds every county and sub-county of
//! the facility registry it was derived from, so that no applicant's home is missing from the form's lists.

// A test crate: an unwrap or expect that fails is the test failing, with its reason in the message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use ruralserve::domain::place::{canonical_county, canonical_sub_county, counties};

#[test]
fn the_county_list_holds_every_county_and_sub_county_of_the_facility_registry() {
    let path = format!("{}/assets/kenya-health-facilities-2020.csv", env!("CARGO_MANIFEST_DIR"));
    let mut reader = csv::Reader::from_path(&path).expect("the registry ships in assets/");
    let headers = reader.headers().expect("header").clone();
    let column = |name: &str| headers.iter().position(|h| h == name).expect("column");
    let (county_at, sub_county_at) = (column("county"), column("sub_county"));
    let mut registry_counties = BTreeSet::new();
    let mut pairs = 0;
    for row in reader.records() {
        let row = row.expect("row");
        let (county, sub_county) = (&row[county_at], &row[sub_county_at]);
        let listed = canonical_county(county).unwrap_or_else(|| panic!("county {county:?} is missing"));
        registry_counties.insert(listed);
        assert!(
            canonical_sub_county(county, sub_county).is_some(),
            "sub-county {sub_county:?} of {county:?} is missing"
        );
        pairs += 1;
    }
    assert!(pairs > 12_000, "the whole registry was read");
    assert_eq!(registry_counties.len(), 47);
    assert_eq!(counties().len(), 47, "no county that the registry lacks");
}
