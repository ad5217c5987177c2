//! Query-string fields as a browser sends a GET form: an empty field (`call=&status=`) means "no filter",
//! and a field that does not read as a number is named in the error, so the page can say what is wrong.

use std::str::FromStr;

use serde::{Deserialize, Deserializer};

/// An optional number field: absent or blank is `None`; anything else must parse.
fn optional_number<'de, D, T>(deserializer: D, field: &str) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
{
    let text = Option::<String>::deserialize(deserializer)?.unwrap_or_default();
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse().map(Some).map_err(|_| {
        let shown: String = text.chars().take(40).collect();
        serde::de::Error::custom(format!("\"{field}\" must be a whole number, not \"{shown}\""))
    })
}

/// One deserializer per field name, since serde does not tell a field's deserializer which field it reads.
macro_rules! number_fields {
    ($($name:ident),* $(,)?) => {$(
        pub fn $name<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
        where
            D: Deserializer<'de>,
            T: FromStr,
        {
            optional_number(deserializer, stringify!($name))
        }
    )*};
}

number_fields!(call, page, before, after, apart, year);

/// The fields read by `number_fields!` above.
const NUMBER_FIELDS: [&str; 6] = ["call", "page", "before", "after", "apart", "year"];

/// The first number field of a query string that is not a whole number, with what was typed (cut to 40
/// characters), so that the error page can name it. Blank fields are "no filter", as above.
pub fn first_bad_number(query: &str) -> Option<(String, String)> {
    let pairs = actix_web::web::Query::<Vec<(String, String)>>::from_query(query).ok()?.into_inner();
    pairs.into_iter().find_map(|(field, value)| {
        let typed = value.trim();
        let bad = NUMBER_FIELDS.contains(&field.as_str()) && !typed.is_empty() && typed.parse::<u64>().is_err();
        bad.then(|| (field, typed.chars().take(40).collect()))
    })
}

#[cfg(test)]
mod tests {
    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Filter {
        #[serde(default, deserialize_with = "super::call")]
        call: Option<i64>,
        #[serde(default, deserialize_with = "super::page")]
        page: Option<usize>,
    }

    fn read(query: &str) -> Result<Filter, String> {
        actix_web::web::Query::<Filter>::from_query(query).map(|q| q.into_inner()).map_err(|e| e.to_string())
    }

    #[test]
    fn empty_fields_are_no_filter_and_bad_ones_are_named() {
        assert_eq!(read("call=&page="), Ok(Filter { call: None, page: None }));
        assert_eq!(read(""), Ok(Filter { call: None, page: None }));
        assert_eq!(read("call=7&page=+2+"), Ok(Filter { call: Some(7), page: Some(2) }));
        let bad = read("call=xyz").expect_err("a word is not a call number");
        assert!(bad.contains("\"call\"") && bad.contains("xyz"), "{bad}");
        let negative = read("page=-1").expect_err("pages count from 1");
        assert!(negative.contains("\"page\""), "{negative}");
    }

    #[test]
    fn the_first_bad_number_field_is_named_with_what_was_typed() {
        use super::first_bad_number;
        assert_eq!(first_bad_number("call=&status=x&page=abc"), Some(("page".into(), "abc".into())));
        assert_eq!(first_bad_number("call=%20xyz%20&page=2"), Some(("call".into(), "xyz".into())));
        assert_eq!(first_bad_number("call=&page=+3+&q=abc"), None);
    }
}
