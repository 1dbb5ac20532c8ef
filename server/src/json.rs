//! A JSON body extractor whose rejections are our typed `invalid_request` error.

use crate::error::AppError;
use axum::extract::{FromRequest, Request};
use tidings_shared::ErrorCode;

/// Like `axum::Json`, but a bad body answers `{code: "invalid_request", message}`.
pub struct JsonBody<T>(pub T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    axum::Json<T>: FromRequest<S, Rejection = axum::extract::rejection::JsonRejection>,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(AppError::client(
                ErrorCode::InvalidRequest,
                rejection.body_text(),
            )),
        }
    }
}
