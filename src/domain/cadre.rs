//! The health cadres a programme trains, as one list: a programme names one of them and an applicant picks
//! theirs from it, so that "Nursing", "nursing " and "nurse" do not become three cadres in the funder's filter.

/// Stored keys, in the order the lists show them; each has a `cadre-…` text in `locales/`.
pub const CADRES: [&str; 9] = [
    "medicine",
    "clinical_medicine",
    "nursing",
    "midwifery",
    "pharmacy",
    "medical_laboratory",
    "public_health",
    "nutrition",
    "physiotherapy",
];

/// Other ways the English names are written, for reading what was typed before the list existed.
const ALIASES: [(&str, &str); 10] = [
    ("doctor", "medicine"),
    ("medical officer", "medicine"),
    ("clinical officer", "clinical_medicine"),
    ("nurse", "nursing"),
    ("midwife", "midwifery"),
    ("nursing and midwifery", "nursing"),
    ("pharmaceutical technology", "pharmacy"),
    ("laboratory", "medical_laboratory"),
    ("lab", "medical_laboratory"),
    ("nutrition and dietetics", "nutrition"),
];

fn fold(text: &str) -> String {
    text.replace(['_', '-'], " ").split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// The cadre's key for a typed or picked value: the key itself, its English name in any case and spacing,
/// or a common alias.
pub fn canonical_cadre(typed: &str) -> Option<&'static str> {
    let key = fold(typed);
    CADRES
        .iter()
        .copied()
        .find(|c| fold(c) == key)
        .or_else(|| ALIASES.iter().find(|(alias, _)| *alias == key).map(|(_, cadre)| *cadre))
}

/// The message key of a cadre's name.
pub fn label_key(cadre: &str) -> String {
    format!("cadre-{}", cadre.replace('_', "-"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cadre_is_read_whatever_its_spelling() {
        assert_eq!(canonical_cadre("nursing"), Some("nursing"));
        assert_eq!(canonical_cadre(" Clinical  Medicine"), Some("clinical_medicine"));
        assert_eq!(canonical_cadre("clinical-medicine"), Some("clinical_medicine"));
        assert_eq!(canonical_cadre("Nurse"), Some("nursing"));
        assert_eq!(canonical_cadre("astronomy"), None);
        assert_eq!(canonical_cadre(""), None);
    }

    #[test]
    fn every_cadre_has_a_label_key() {
        assert_eq!(label_key("clinical_medicine"), "cadre-clinical-medicine");
        assert!(CADRES.iter().all(|c| canonical_cadre(c) == Some(*c)));
    }
}
