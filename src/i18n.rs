//! The one translation layer: every user-visible string is a Fluent message in `locales/*.ftl`.
//! English is complete and is the fallback; French is complete too (a test holds both to the same keys).

use std::collections::HashMap;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

use crate::domain::eligibility::{question_text_key, standard_questions, EligibilityQuestion, IneligibilityReason};

pub const LANGUAGES: [(&str, &str); 2] = [("en", "English"), ("fr", "Français")];
const SOURCES: [(&str, &str); 2] =
    [("en", include_str!("../locales/en.ftl")), ("fr", include_str!("../locales/fr.ftl"))];

pub struct I18n {
    bundles: HashMap<&'static str, FluentBundle<FluentResource>>,
}

impl I18n {
    /// Builds every bundle; a syntax error in a shipped file is a programming error caught by the tests.
    pub fn new() -> Result<I18n, String> {
        let mut bundles = HashMap::new();
        for (lang, source) in SOURCES {
            let id: LanguageIdentifier = lang.parse().map_err(|e| format!("{lang}: {e}"))?;
            let resource =
                FluentResource::try_new(source.to_string()).map_err(|(_, errs)| format!("{lang}.ftl: {errs:?}"))?;
            let mut bundle = FluentBundle::new_concurrent(vec![id]);
            // Isolation marks would show up in e-mails and CSV; the pages do not need them.
            bundle.set_use_isolating(false);
            bundle.add_resource(resource).map_err(|errs| format!("{lang}.ftl: {errs:?}"))?;
            bundles.insert(lang, bundle);
        }
        Ok(I18n { bundles })
    }

    /// One instance for the whole process, for code that has no `AppState` at hand (error answers).
    /// `None` only if a shipped locale failed to parse, which the tests rule out.
    pub fn shared() -> Option<&'static I18n> {
        static SHARED: std::sync::OnceLock<Option<I18n>> = std::sync::OnceLock::new();
        SHARED.get_or_init(|| I18n::new().ok()).as_ref()
    }

    /// The supported language for a requested code, English otherwise.
    pub fn language(code: &str) -> &'static str {
        LANGUAGES.iter().find(|(c, _)| *c == code).map(|(c, _)| *c).unwrap_or("en")
    }

    pub fn t(&self, lang: &str, key: &str) -> String {
        self.format(lang, key, None)
    }

    pub fn t_args(&self, lang: &str, key: &str, args: &[(&str, String)]) -> String {
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            fluent_args.set(*name, FluentValue::from(value.clone()));
        }
        self.format(lang, key, Some(&fluent_args))
    }

    fn format(&self, lang: &str, key: &str, args: Option<&FluentArgs>) -> String {
        for candidate in [I18n::language(lang), "en"] {
            let Some(bundle) = self.bundles.get(candidate) else {
                continue;
            };
            if let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) {
                let mut errors = vec![];
                return bundle.format_pattern(pattern, args, &mut errors).into_owned();
            }
        }
        // A missing key shows itself rather than an empty space, so that it gets noticed and fixed.
        key.to_string()
    }

    /// An ineligibility reason in the reader's language. Values naming a cadre are stored as the cadre's
    /// key and shown by its name.
    pub fn reason(&self, lang: &str, reason: &IneligibilityReason) -> String {
        let args: Vec<(&str, String)> = reason
            .args
            .iter()
            .map(|(name, value)| {
                let label = crate::domain::cadre::label_key(value);
                let shown = if name.ends_with("cadre") && self.has("en", &label) {
                    self.t(lang, &label)
                } else {
                    value.clone()
                };
                (name.as_str(), shown)
            })
            .collect();
        self.t_args(lang, &reason.key, &args)
    }

    /// A cadre's name in the reader's language; one the list does not know (typed before the list) as typed.
    pub fn cadre(&self, lang: &str, cadre: &str) -> String {
        let key = crate::domain::cadre::label_key(cadre);
        if self.has("en", &key) {
            self.t(lang, &key)
        } else {
            cadre.to_string()
        }
    }

    /// A call's eligibility question in the reader's language: the standard ones are translated, an
    /// officer's own are shown in the words they wrote.
    pub fn question(&self, lang: &str, question: &EligibilityQuestion) -> String {
        if standard_questions().iter().any(|q| q.key == question.key) {
            self.t(lang, &question_text_key(&question.key))
        } else {
            question.text.clone()
        }
    }

    /// Several reasons in one line, for a list cell, a CSV field or a history note.
    pub fn reasons(&self, lang: &str, reasons: &[IneligibilityReason]) -> String {
        reasons.iter().map(|r| self.reason(lang, r)).collect::<Vec<_>>().join("; ")
    }

    pub fn has(&self, lang: &str, key: &str) -> bool {
        self.bundles.get(lang).is_some_and(|b| b.has_message(key))
    }

    pub fn keys(lang: &str) -> Vec<String> {
        let source = SOURCES.iter().find(|(l, _)| *l == lang).map(|(_, s)| *s).unwrap_or_default();
        source
            .lines()
            .filter(|l| !l.starts_with(' ') && !l.starts_with('#') && l.contains(" ="))
            .filter_map(|l| l.split(" =").next())
            .map(|k| k.trim().to_string())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_parse_and_have_the_same_keys() {
        let i18n = I18n::new().expect("locales parse");
        let en = I18n::keys("en");
        let fr = I18n::keys("fr");
        assert!(en.len() > 100, "english has {} keys", en.len());
        for key in &en {
            assert!(i18n.has("fr", key), "fr.ftl lacks {key}");
        }
        for key in &fr {
            assert!(i18n.has("en", key), "en.ftl lacks {key}");
        }
    }

    /// A French text identical to the English one is an English string left untranslated, unless the word is
    /// the same in both languages.
    #[test]
    fn every_french_text_is_translated() {
        const SAME_IN_BOTH: [&str; 17] = [
            "nav-admin",
            "call-seats",
            "call-seats-label",
            "call-budget-label",
            "field-description",
            "field-code",
            "step-documents",
            "document",
            "doc-cv",
            "programmes",
            "admin-title",
            "organisations",
            "organisation",
            "review-total",
            "ledger-budget",
            "contract-signatures",
            "reason-as-recorded",
        ];
        let i18n = I18n::new().expect("locales parse");
        let untranslated: Vec<String> = I18n::keys("en")
            .into_iter()
            .filter(|k| !SAME_IN_BOTH.contains(&k.as_str()))
            .filter(|k| i18n.t("fr", k) == i18n.t("en", k))
            .collect();
        assert!(untranslated.is_empty(), "French texts identical to the English: {untranslated:?}");
    }

    #[test]
    fn reasons_and_questions_are_read_in_the_readers_language() {
        let i18n = I18n::new().expect("locales parse");
        let cadre = IneligibilityReason::new("reason-cadre-outside")
            .with("cadre", "medicine")
            .with("programme_cadre", "nursing");
        assert_eq!(i18n.reason("en", &cadre), "Cadre Medicine is outside this programme's cadre (Nursing)");
        assert_eq!(i18n.reason("fr", &cadre), "La filière Médecine n'est pas celle de ce programme (Soins infirmiers)");
        assert_eq!(i18n.reason("fr", &IneligibilityReason::as_recorded("Sans permis")), "Sans permis");
        for q in standard_questions() {
            assert!(i18n.has("fr", &question_text_key(&q.key)), "{}", q.key);
            assert!(i18n.has("fr", &format!("reason-question-{}", q.key.replace('_', "-"))), "{}", q.key);
            assert_eq!(i18n.question("en", &q), q.text, "the English text is the stored one");
        }
        for cadre in crate::domain::cadre::CADRES {
            assert!(i18n.has("fr", &crate::domain::cadre::label_key(cadre)), "{cadre}");
        }
    }

    #[test]
    fn messages_take_arguments_and_fall_back_to_english() {
        let i18n = I18n::new().expect("locales parse");
        let body = i18n.t_args("fr", "mail-verify-body", &[("url", "https://x/verify?token=abc".into())]);
        assert!(body.contains("https://x/verify?token=abc"));
        assert_ne!(i18n.t("fr", "nav-log-in"), i18n.t("en", "nav-log-in"));
        assert_eq!(i18n.t("sw", "nav-log-in"), i18n.t("en", "nav-log-in"));
        assert_eq!(i18n.t("en", "no-such-key"), "no-such-key");
    }
}
