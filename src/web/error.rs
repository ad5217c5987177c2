//! How an `AppError` answers over HTTP: its status, and the JSON body the API and any unrendered error get.
//! Kept in the web layer so that `error.rs`, and with it `store/` and `service/`, need no actix.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

use crate::error::AppError;

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BadRequest(_) | AppError::BadParameter { .. } => StatusCode::BAD_REQUEST,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Config(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The JSON form; HTML pages render their own error page through `web::page::render_error_page`.
    fn error_response(&self) -> HttpResponse {
        if matches!(self, AppError::Internal(_) | AppError::Config(_)) {
            tracing::error!(error = %self, "internal error");
        }
        HttpResponse::build(self.status_code()).json(serde_json::json!({
            "error": {"code": self.code(), "message": self.public_message(), "fields": self.fields()}
        }))
    }
}
