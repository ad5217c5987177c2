//! The visitor's own API tokens: the list and revoking one.

use actix_web::web;
use serde::Serialize;

use super::ButtonForm;
use crate::service::accounts;
use crate::web::page::{redirect, render, PageResult, Visitor};
use crate::web::AppState;

#[derive(Serialize)]
struct TokenRow {
    id: i64,
    created: String,
    expires: String,
}

#[derive(Serialize)]
struct TokensPage {
    tokens: Vec<TokenRow>,
    days: i64,
}

/// The user's live API tokens, each with a button to revoke it.
pub(super) async fn tokens_page(state: web::Data<AppState>, visitor: Visitor) -> PageResult {
    let actor = visitor.actor()?;
    let tokens = state.db.run(move |conn| accounts::api_tokens(conn, &actor)).await?;
    let page = TokensPage {
        tokens: tokens
            .into_iter()
            .map(|t| TokenRow {
                id: t.id,
                created: crate::web::page::local_time(&state, t.created_at),
                expires: crate::web::page::local_time(&state, t.expires_at),
            })
            .collect(),
        days: state.config.api_token_days,
    };
    render(&state, &visitor, "account/tokens.html", &page)
}

pub(super) async fn revoke_token(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    form: web::Form<ButtonForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let actor = visitor.actor()?;
    let id = path.into_inner();
    state.db.run(move |conn| accounts::revoke_api_token(conn, &actor, id)).await?;
    visitor.flash("tokens-revoked");
    Ok(redirect("/account/tokens"))
}
