//! The one error type. Each variant maps to an HTTP status; internal details are logged, never shown.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

pub use crate::domain::FieldErrors;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("not logged in")]
    Unauthenticated,
    #[error("invalid input")]
    Validation(FieldErrors),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Conflict(String),
    #[error("too many attempts")]
    TooManyRequests,
    #[error("configuration: {0}")]
    Config(String),
    #[error("internal: {0}")]
    Internal(String),
}

impl AppError {
    pub fn field(name: &str, message: impl Into<String>) -> Self {
        let mut fields = FieldErrors::new();
        fields.insert(name.to_string(), message.into());
        AppError::Validation(fields)
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::NotFound => "not_found",
            AppError::Forbidden => "forbidden",
            AppError::Unauthenticated => "unauthenticated",
            AppError::Validation(_) => "validation",
            AppError::BadRequest(_) => "bad_request",
            AppError::Conflict(_) => "conflict",
            AppError::TooManyRequests => "too_many_requests",
            AppError::Config(_) | AppError::Internal(_) => "internal",
        }
    }

    /// The message a user may read; internal details stay in the log.
    pub fn public_message(&self) -> String {
        match self {
            AppError::NotFound => {
                "The page or record does not exist, or you may not see it.".into()
            }
            AppError::Forbidden => "You are not allowed to do this.".into(),
            AppError::Unauthenticated => "Please log in.".into(),
            AppError::Validation(_) => "Some fields need attention.".into(),
            AppError::BadRequest(m) | AppError::Conflict(m) => m.clone(),
            AppError::TooManyRequests => {
                "Too many attempts. Wait a few minutes and try again.".into()
            }
            AppError::Config(_) | AppError::Internal(_) => {
                "Something went wrong on our side. The error has been logged.".into()
            }
        }
    }

    pub fn fields(&self) -> FieldErrors {
        match self {
            AppError::Validation(f) => f.clone(),
            _ => FieldErrors::new(),
        }
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::NotFound => AppError::NotFound,
            other => AppError::Internal(format!("database: {other}")),
        }
    }
}

impl From<diesel::ConnectionError> for AppError {
    fn from(e: diesel::ConnectionError) -> Self {
        AppError::Config(format!("cannot connect to the database: {e}"))
    }
}

impl From<tera::Error> for AppError {
    fn from(e: tera::Error) -> Self {
        AppError::Internal(format!("template: {e:?}"))
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            AppError::Config(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The JSON form; HTML pages render their own error page through `web::pages::error_page`.
    fn error_response(&self) -> HttpResponse {
        if matches!(self, AppError::Internal(_) | AppError::Config(_)) {
            tracing::error!(error = %self, "internal error");
        }
        HttpResponse::build(self.status_code()).json(serde_json::json!({
            "error": {"code": self.code(), "message": self.public_message(), "fields": self.fields()}
        }))
    }
}
