//! Bearer tokens: issued for an e-mail and password, listed, revoked.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::{api_actor, bearer};
use crate::error::AppError;
use crate::service::accounts::{self, hash_secret};
use crate::store::users;
use crate::web::AppState;

#[derive(Deserialize)]
pub(super) struct TokenRequest {
    email: String,
    password: String,
}

pub(super) async fn issue_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<TokenRequest>,
) -> Result<HttpResponse, AppError> {
    let addr = crate::web::page::client_addr(&req, &state);
    let body = body.into_inner();
    if !crate::web::account::login::wait_for_login_turn(&state, &body.email, &addr).await? {
        return Err(AppError::TooManyRequests);
    }
    let days = state.config.api_token_days;
    let issued =
        state.db.run(move |conn| accounts::issue_api_token(conn, &body.email, &body.password, &addr, days)).await?;
    Ok(HttpResponse::Created().json(serde_json::json!({
        "token": issued.secret, "token_type": "Bearer", "expires_at": issued.expires_at.and_utc().to_rfc3339(),
    })))
}

/// The caller's live tokens (never their secrets).
pub(super) async fn list_tokens(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let actor = api_actor(&state, &req).await?;
    let tokens = state.db.run(move |conn| accounts::api_tokens(conn, &actor)).await?;
    let items: Vec<_> = tokens
        .iter()
        .map(|t| {
            serde_json::json!({
                "id": t.id, "created_at": t.created_at.and_utc().to_rfc3339(),
                "expires_at": t.expires_at.and_utc().to_rfc3339(),
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "tokens": items })))
}

/// Revokes one of the caller's tokens by its id (another user's answers 404).
pub(super) async fn revoke_token_by_id(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let actor = api_actor(&state, &req).await?;
    let id = path.into_inner();
    state.db.run(move |conn| accounts::revoke_api_token(conn, &actor, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

pub(super) async fn revoke_token(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let token = bearer(&req).ok_or(AppError::Unauthenticated)?;
    let revoked = state.db.run(move |conn| users::revoke_api_token(conn, &hash_secret(&token))).await?;
    if revoked == 0 {
        return Err(AppError::Unauthenticated);
    }
    Ok(HttpResponse::NoContent().finish())
}
