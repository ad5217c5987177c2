//! The language switch: kept in a cookie (and the user's account), back on the same page.

use std::collections::HashMap;

use actix_web::cookie::Cookie;
use actix_web::web;

use crate::i18n::I18n;
use crate::store::users;
use crate::web::page::{redirect, PageResult, Visitor};
use crate::web::AppState;

/// Remembers the language: in a cookie for visitors, and on the account for users.
pub(super) async fn set_language(
    state: web::Data<AppState>,
    visitor: Visitor,
    form: web::Form<HashMap<String, String>>,
) -> PageResult {
    visitor.check_csrf(form.get("csrf_token").map(String::as_str))?;
    let lang = I18n::language(form.get("lang").map(String::as_str).unwrap_or("en")).to_string();
    if let Some(user) = &visitor.user {
        let (id, l) = (user.id, lang.clone());
        state.db.run(move |conn| users::set_language(conn, id, &l)).await?;
    }
    let back = crate::web::return_to::same_site_path_or_home(form.get("back").map(String::as_str));
    let mut response = redirect(&back);
    let cookie = language_cookie(&lang);
    let _ = response.add_cookie(&cookie);
    Ok(response)
}

/// Remembers a language choice in the browser for a year.
pub fn language_cookie(lang: &str) -> Cookie<'static> {
    Cookie::build("lang", I18n::language(lang).to_string())
        .path("/")
        .http_only(true)
        .same_site(actix_web::cookie::SameSite::Lax)
        .max_age(actix_web::cookie::time::Duration::days(365))
        .finish()
}
