//! The language switch: kept in a cookie (and the user's account), back on the same page.

use actix_web::cookie::Cookie;
use actix_web::web;
use serde::Deserialize;
use validator::Validate;

use crate::i18n::I18n;
use crate::service::accounts;
use crate::web::page::{redirect, PageResult, Visitor};
use crate::web::AppState;

/// The language picked and the page it was picked on; a language the site does not know reads as English.
#[derive(Debug, Default, Deserialize, Validate)]
#[serde(default)]
pub(super) struct LanguageForm {
    csrf_token: String,
    lang: Option<String>,
    back: Option<String>,
}

/// Remembers the language: in a cookie for visitors, and on the account for users.
pub(super) async fn set_language(
    state: web::Data<AppState>,
    visitor: Visitor,
    form: web::Form<LanguageForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let lang = I18n::language(form.lang.as_deref().unwrap_or("en")).to_string();
    if visitor.user.is_some() {
        let (actor, l) = (visitor.actor()?, lang.clone());
        state.db.run(move |conn| accounts::set_language(conn, &actor, &l)).await?;
    }
    let back = crate::web::return_to::same_site_path_or_home(form.back.as_deref());
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
