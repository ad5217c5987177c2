//! The one translation layer: every user-visible string is a Fluent message in `locales/*.ftl`.
//! English is complete and is the fallback; French is complete too (a test holds both to the same keys).

use std::collections::HashMap;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

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
