//! The one error type. Each variant maps to an HTTP status (in `web::error`, so that the layers below the web
//! do not depend on actix); internal details are logged, never shown.

pub use crate::domain::FieldErrors;

#[derive(Debug, Clone, thiserror::Error)]
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
    /// A number field of the address that is not a whole number: named, with what was typed, in the reader's
    /// language.
    #[error("bad parameter {field}: {value:?}")]
    BadParameter { field: String, value: String },
    /// A refused change; the string is a message key (e.g. `error-conflict-stale`).
    #[error("{0}")]
    Conflict(String),
    #[error("too many attempts")]
    TooManyRequests,
    /// An API path asked with a method it does not have (the API answers 405 in its JSON shape).
    #[error("method not allowed")]
    MethodNotAllowed,
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
            AppError::BadRequest(_) | AppError::BadParameter { .. } => "bad_request",
            AppError::Conflict(_) => "conflict",
            AppError::TooManyRequests => "too_many_requests",
            AppError::MethodNotAllowed => "method_not_allowed",
            AppError::Config(_) | AppError::Internal(_) => "internal",
        }
    }

    /// The message key for what a user may read; internal details stay in the log.
    pub fn message_key(&self) -> &str {
        match self {
            AppError::NotFound => "error-not-found",
            AppError::Forbidden => "error-forbidden",
            AppError::Unauthenticated => "error-unauthenticated",
            AppError::Validation(_) => "form-has-errors",
            AppError::BadRequest(_) => "error-bad-request",
            AppError::BadParameter { .. } => "error-bad-parameter",
            AppError::Conflict(key) => key,
            AppError::TooManyRequests => "error-too-many",
            AppError::MethodNotAllowed => "error-method-not-allowed",
            AppError::Config(_) | AppError::Internal(_) => "error-internal",
        }
    }

    /// The message in a language, with a malformed request's technical detail after it.
    pub fn public_message_in(&self, lang: &str) -> String {
        let key = self.message_key();
        let i18n = crate::i18n::I18n::shared();
        let text = i18n.map(|i| i.t(lang, key)).unwrap_or_else(|| key.to_string());
        match self {
            AppError::BadRequest(detail) => format!("{text} {detail}"),
            AppError::BadParameter { field, value } => i18n
                .map(|i| i.t_args(lang, key, &[("field", field.clone()), ("value", value.clone())]))
                .unwrap_or_else(|| format!("{text} {field}={value}")),
            _ => text,
        }
    }

    /// The English message, for the API and the shell.
    pub fn public_message(&self) -> String {
        self.public_message_in("en")
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
