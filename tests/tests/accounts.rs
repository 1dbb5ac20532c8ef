//! Accounts over HTTP against a real server and redis-server: register, log in, refresh
//! rotation and reuse detection, log out, and the login throttle.

use reqwest::StatusCode;
use serde_json::json;
use tidings_shared::ErrorCode;
use tidings_tests::api::error_body;
use tidings_tests::{unique_name, Api, Redis, Server, PASSWORD};

struct World {
    _server: Server,
    _redis: Redis,
    api: Api,
}

fn world(extra: &[&str]) -> World {
    let redis = Redis::start().expect("redis");
    let server = Server::start(&redis.url(), extra).expect("server");
    let api = Api::new(server.http_url());
    World {
        _server: server,
        _redis: redis,
        api,
    }
}

async fn expect_error(
    api: &Api,
    path: &str,
    body: serde_json::Value,
    status: StatusCode,
    code: ErrorCode,
) -> String {
    let (got, body) = api.post(path, &body).await.expect("request");
    assert_eq!(got, status, "{path}: {body}");
    let err = error_body(&body).expect("typed error body");
    assert_eq!(err.code, code, "{body}");
    assert!(!err.message.is_empty());
    err.message
}

#[tokio::test]
async fn register_then_login_returns_working_tokens() {
    let w = world(&[]);
    let user = w.api.new_user("ana").await.expect("register");
    assert_eq!(user.session.user.username, user.username);
    assert_eq!(user.session.user.display_name, "ANA");
    assert!(user.session.access_expires_at > 0);

    let (status, body) = w
        .api
        .post(
            "/v1/auth/login",
            &json!({"username": user.username.to_uppercase(), "password": PASSWORD}),
        )
        .await
        .expect("login");
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["id"], json!(user.session.user.id));
    // The new access token works on an authenticated route.
    let token = body["access_token"].as_str().expect("token");
    let (status, _) = w
        .api
        .call(
            reqwest::Method::GET,
            "/v1/conversations",
            Some(token),
            None::<&()>,
        )
        .await
        .expect("list");
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn registration_errors_are_typed() {
    let w = world(&[]);
    let taken = w.api.new_user("ben").await.expect("register");
    expect_error(
        &w.api,
        "/v1/auth/register",
        json!({"username": taken.username.to_uppercase(), "display_name": "B", "password": PASSWORD}),
        StatusCode::CONFLICT,
        ErrorCode::UsernameTaken,
    )
    .await;
    let name = unique_name("cy");
    expect_error(
        &w.api,
        "/v1/auth/register",
        json!({"username": name, "display_name": "Cy", "password": "short"}),
        StatusCode::BAD_REQUEST,
        ErrorCode::WeakPassword,
    )
    .await;
    expect_error(
        &w.api,
        "/v1/auth/register",
        json!({"username": "no spaces allowed", "display_name": "Cy", "password": PASSWORD}),
        StatusCode::BAD_REQUEST,
        ErrorCode::InvalidUsername,
    )
    .await;
    expect_error(
        &w.api,
        "/v1/auth/register",
        json!({"username": name, "display_name": "   ", "password": PASSWORD}),
        StatusCode::BAD_REQUEST,
        ErrorCode::InvalidDisplayName,
    )
    .await;
    expect_error(
        &w.api,
        "/v1/auth/register",
        json!({"username": name}),
        StatusCode::BAD_REQUEST,
        ErrorCode::InvalidRequest,
    )
    .await;
}

#[tokio::test]
async fn unknown_user_and_wrong_password_get_the_same_answer() {
    let w = world(&[]);
    let user = w.api.new_user("dee").await.expect("register");
    let wrong_password = expect_error(
        &w.api,
        "/v1/auth/login",
        json!({"username": user.username, "password": "not the password"}),
        StatusCode::UNAUTHORIZED,
        ErrorCode::InvalidCredentials,
    )
    .await;
    let unknown_user = expect_error(
        &w.api,
        "/v1/auth/login",
        json!({"username": unique_name("nobody"), "password": PASSWORD}),
        StatusCode::UNAUTHORIZED,
        ErrorCode::InvalidCredentials,
    )
    .await;
    assert_eq!(wrong_password, unknown_user);
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_whole_sign_in() {
    let w = world(&[]);
    let user = w.api.new_user("eve").await.expect("register");
    let first = user.session.refresh_token.clone();

    let (status, body) = w
        .api
        .post("/v1/auth/refresh", &json!({"refresh_token": first}))
        .await
        .expect("refresh");
    assert_eq!(status, StatusCode::OK, "{body}");
    let second = body["refresh_token"].as_str().expect("rotated").to_owned();
    assert_ne!(second, first, "refresh must rotate the token");
    assert!(body["access_token"].as_str().is_some_and(|t| !t.is_empty()));

    // The first token was rotated away: presenting it again is treated as theft...
    expect_error(
        &w.api,
        "/v1/auth/refresh",
        json!({"refresh_token": first}),
        StatusCode::UNAUTHORIZED,
        ErrorCode::InvalidRefreshToken,
    )
    .await;
    // ...and revokes the whole family, including the legitimately rotated token.
    expect_error(
        &w.api,
        "/v1/auth/refresh",
        json!({"refresh_token": second}),
        StatusCode::UNAUTHORIZED,
        ErrorCode::InvalidRefreshToken,
    )
    .await;

    // Another sign-in of the same user is unaffected.
    let (status, body) = w
        .api
        .post(
            "/v1/auth/login",
            &json!({"username": user.username, "password": PASSWORD}),
        )
        .await
        .expect("login");
    assert_eq!(status, StatusCode::OK);
    let (status, _) = w
        .api
        .post(
            "/v1/auth/refresh",
            &json!({"refresh_token": body["refresh_token"]}),
        )
        .await
        .expect("refresh");
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn logout_revokes_the_refresh_token() {
    let w = world(&[]);
    let user = w.api.new_user("fay").await.expect("register");
    let token = user.session.refresh_token.clone();
    let (status, _) = w
        .api
        .post("/v1/auth/logout", &json!({"refresh_token": token}))
        .await
        .expect("logout");
    assert_eq!(status, StatusCode::NO_CONTENT);
    expect_error(
        &w.api,
        "/v1/auth/refresh",
        json!({"refresh_token": token}),
        StatusCode::UNAUTHORIZED,
        ErrorCode::InvalidRefreshToken,
    )
    .await;
    // Logging out twice is not an error.
    let (status, _) = w
        .api
        .post("/v1/auth/logout", &json!({"refresh_token": token}))
        .await
        .expect("logout");
    assert_eq!(status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn failed_logins_are_throttled_per_username() {
    let w = world(&["--login-failures-per-username", "3"]);
    let user = w.api.new_user("gus").await.expect("register");
    for _ in 0..3 {
        expect_error(
            &w.api,
            "/v1/auth/login",
            json!({"username": user.username, "password": "wrong wrong wrong"}),
            StatusCode::UNAUTHORIZED,
            ErrorCode::InvalidCredentials,
        )
        .await;
    }
    // Now even the right password is refused until the window ends.
    let (status, body) = w
        .api
        .post(
            "/v1/auth/login",
            &json!({"username": user.username, "password": PASSWORD}),
        )
        .await
        .expect("login");
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    let err = error_body(&body).expect("typed");
    assert_eq!(err.code, ErrorCode::TooManyAttempts);
    assert!(err.retry_after_ms.is_some_and(|ms| ms > 0));
    // Another username from the same address is not blocked by this user's counter.
    let other = w.api.new_user("hal").await.expect("register");
    let (status, _) = w
        .api
        .post(
            "/v1/auth/login",
            &json!({"username": other.username, "password": PASSWORD}),
        )
        .await
        .expect("login");
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn failed_logins_are_throttled_per_address() {
    let w = world(&["--login-failures-per-address", "4"]);
    for _ in 0..4 {
        expect_error(
            &w.api,
            "/v1/auth/login",
            json!({"username": unique_name("ghost"), "password": "wrong wrong wrong"}),
            StatusCode::UNAUTHORIZED,
            ErrorCode::InvalidCredentials,
        )
        .await;
    }
    let user = w.api.new_user("ivy").await.expect("register still works");
    let (status, body) = w
        .api
        .post(
            "/v1/auth/login",
            &json!({"username": user.username, "password": PASSWORD}),
        )
        .await
        .expect("login");
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(
        error_body(&body).expect("typed").code,
        ErrorCode::TooManyAttempts
    );
}
