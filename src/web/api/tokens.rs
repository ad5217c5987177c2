//! Bearer tokens: issued for an e-mail and password, listed, revoked.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::{api_actor, bearer};
use crate::error::AppError;
use crate::service::accounts;
use crate::web::AppState;

#[derive(Deserialize)]
pub(super) struct TokenRequest {
    email: String,
    password: String,
}

/// A token just issued: the only time its secret is shown.
#[derive(Serialize)]
struct IssuedTokenBody {
    token: String,
    token_type: &'static str,
    expires_at: String,
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
    Ok(HttpResponse::Created().json(IssuedTokenBody {
        token: issued.secret,
        token_type: "Bearer",
        expires_at: issued.expires_at.and_utc().to_rfc3339(),
    }))
}

#[derive(Serialize)]
struct TokensBody {
    tokens: Vec<TokenBody>,
}

/// A live token, without its secret.
#[derive(Serialize)]
struct TokenBody {
    id: i64,
    created_at: String,
    expires_at: String,
}

/// The caller's live tokens (never their secrets).
pub(super) async fn list_tokens(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let actor = api_actor(&state, &req).await?;
    let tokens = state.db.run(move |conn| accounts::api_tokens(conn, &actor)).await?;
    let tokens = tokens
        .iter()
        .map(|t| TokenBody {
            id: t.id,
            created_at: t.created_at.and_utc().to_rfc3339(),
            expires_at: t.expires_at.and_utc().to_rfc3339(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(TokensBody { tokens }))
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
    state.db.run(move |conn| accounts::revoke_presented_api_token(conn, &token)).await?;
    Ok(HttpResponse::NoContent().finish())
}
