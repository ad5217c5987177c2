//! The JSON API under `/api/v1`, for programs acting for a user (bearer tokens): tokens, calls, applications
//! and awards, with the same rules as the pages; the OpenAPI 3 description at `/api/v1/openapi.json`.

mod applications;
mod awards;
mod calls;
mod cycles;
mod facilities;
mod match_runs;
mod my_placement;
mod tokens;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::error::AppError;
use crate::service::accounts;
use crate::service::Actor;
use crate::web::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    // A malformed id names no resource: 404 in the API's JSON shape, like every other miss.
    cfg.app_data(web::PathConfig::default().error_handler(|_, _| AppError::NotFound.into()))
        .service(
            endpoint("/tokens", "GET, POST")
                .route(web::post().to(tokens::issue_token))
                .route(web::get().to(tokens::list_tokens)),
        )
        .service(endpoint("/tokens/current", "DELETE").route(web::delete().to(tokens::revoke_token)))
        .service(endpoint("/tokens/{id}", "DELETE").route(web::delete().to(tokens::revoke_token_by_id)))
        .service(endpoint("/calls", "GET").route(web::get().to(calls::list_calls)))
        .service(endpoint("/calls/{id}", "GET").route(web::get().to(calls::get_call)))
        .service(endpoint("/applications", "GET").route(web::get().to(applications::list_applications)))
        .service(endpoint("/applications/{id}", "GET").route(web::get().to(applications::get_application)))
        .service(endpoint("/awards", "GET").route(web::get().to(awards::list_awards)))
        .service(endpoint("/awards/{id}", "GET").route(web::get().to(awards::get_award)))
        .service(endpoint("/awards/{id}/payments", "GET").route(web::get().to(awards::get_ledger)))
        .service(endpoint("/my/placement/{id}/choices", "GET").route(web::get().to(my_placement::get_choices)))
        .service(endpoint("/cycles", "GET").route(web::get().to(cycles::list_cycles)))
        .service(endpoint("/cycles/{id}", "GET").route(web::get().to(cycles::get_cycle)))
        .service(endpoint("/cycles/{id}/vacancies", "GET").route(web::get().to(cycles::get_vacancies)))
        .service(endpoint("/facilities", "GET").route(web::get().to(facilities::list_facilities)))
        .service(endpoint("/facilities/{code}", "GET").route(web::get().to(facilities::get_facility)))
        .service(endpoint("/cycles/{id}/runs", "GET").route(web::get().to(match_runs::list_cycle_runs)))
        .service(endpoint("/match-runs/{id}", "GET").route(web::get().to(match_runs::get_run)))
        .service(endpoint("/match-runs/{id}/input", "GET").route(web::get().to(match_runs::get_input)))
        .service(endpoint("/match-runs/{id}/result", "GET").route(web::get().to(match_runs::get_result)))
        .service(endpoint("/placements", "GET").route(web::get().to(match_runs::list_placements)))
        .service(endpoint("/openapi.json", "GET").route(web::get().to(openapi)))
        .default_service(web::to(|| async { Err::<HttpResponse, _>(AppError::NotFound) }));
}

/// An API path whose undeclared methods answer 405 in the API's JSON shape, with the `Allow` header
/// naming those it has (as the OpenAPI document does).
fn endpoint(path: &str, allow: &'static str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(move || async move {
        let mut response = actix_web::ResponseError::error_response(&AppError::MethodNotAllowed);
        response.headers_mut().insert(header::ALLOW, header::HeaderValue::from_static(allow));
        Ok::<_, actix_web::Error>(response)
    }))
}

fn bearer(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string())
}

async fn api_actor(state: &AppState, req: &HttpRequest) -> Result<Actor, AppError> {
    let token = bearer(req).ok_or(AppError::Unauthenticated)?;
    let addr = crate::web::page::client_addr(req, state);
    state.db.run(move |conn| accounts::api_actor(conn, &token, &addr)).await
}

async fn openapi() -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(OPENAPI)
}

const OPENAPI: &str = include_str!("openapi.json");
