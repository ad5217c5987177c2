//! The JSON API: tokens issued, used, revoked; scoping as on the pages; the OpenAPI document matches
//! the routes the server answers.

use crate::common::*;

#[actix_web::test]
async fn tokens_are_issued_used_and_revoked() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let token = api_token(&svc, "officer@moh.demo.ruralserve.org").await;
    let (status, body) = api_get(&svc, "/api/v1/applications?eligibility=eligible", &token).await;
    assert_eq!(status, 200);
    let items = body["applications"].as_array().expect("list");
    assert!(!items.is_empty());
    assert!(items
        .iter()
        .all(|a| a["eligibility"] == "eligible" && a["reference"].as_str().unwrap_or_default().starts_with("MOH-")));
    // Tokens are stored hashed.
    {
        use diesel::prelude::*;
        let stored: Vec<String> = ruralserve::schema::api_tokens::table
            .select(ruralserve::schema::api_tokens::token_hash)
            .load(&mut app.conn())
            .expect("tokens");
        assert!(!stored.contains(&token));
    }
    let req = actix_web::test::TestRequest::delete()
        .uri("/api/v1/tokens/current")
        .insert_header(("Authorization", format!("Bearer {token}")));
    let res = actix_web::test::call_service(&svc, req.to_request()).await;
    assert_eq!(res.status().as_u16(), 204);
    let (status, body) = api_get(&svc, "/api/v1/applications", &token).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["code"], "unauthenticated");
    // A wrong password gets no token.
    let req = actix_web::test::TestRequest::post()
        .uri("/api/v1/tokens")
        .set_json(serde_json::json!({"email": "officer@moh.demo.ruralserve.org", "password": "nope nope nope"}));
    let res = actix_web::test::call_service(&svc, req.to_request()).await;
    assert_eq!(res.status().as_u16(), 401);
}

#[actix_web::test]
async fn an_applicant_sees_only_their_own_applications_through_the_api() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let token = api_token(&svc, "student02.moh@demo.ruralserve.org").await;
    let (status, body) = api_get(&svc, "/api/v1/applications", &token).await;
    assert_eq!(status, 200);
    assert_eq!(body["total"], 1);
    let calls = api_get(&svc, "/api/v1/calls", &token).await.1;
    assert_eq!(calls["calls"].as_array().map(Vec::len), Some(2));
    let supervisor = api_token(&svc, "supervisor@moh.demo.ruralserve.org").await;
    assert_eq!(api_get(&svc, "/api/v1/applications", &supervisor).await.0, 403);
}

#[actix_web::test]
async fn the_openapi_document_lists_exactly_the_routes_the_server_answers() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let token = api_token(&svc, "officer@moh.demo.ruralserve.org").await;
    let (status, doc) = api_get(&svc, "/api/v1/openapi.json", "").await;
    assert_eq!(status, 200);
    assert_eq!(doc["openapi"], "3.0.3");
    let paths = doc["paths"].as_object().expect("paths");
    for (path, ops) in paths {
        for method in ops.as_object().expect("operations").keys() {
            let concrete = path.replace("{id}", "1");
            let uri = format!("/api/v1{concrete}");
            let req = match method.as_str() {
                "get" => actix_web::test::TestRequest::get(),
                "post" => actix_web::test::TestRequest::post(),
                "delete" => actix_web::test::TestRequest::delete(),
                other => panic!("unexpected method {other}"),
            }
            .uri(&uri);
            let status = actix_web::test::call_service(&svc, req.to_request()).await.status().as_u16();
            assert_ne!(status, 404, "{method} {uri} is documented but not served");
            assert_ne!(status, 405, "{method} {uri} is documented but not served");
            let documented: Vec<&String> = ops[method]["responses"].as_object().expect("responses").keys().collect();
            assert!(
                documented.iter().any(|code| code.as_str() == status.to_string()),
                "{method} {uri} answered {status}, documented {documented:?}"
            );
        }
    }
    // An undocumented path is not served.
    assert_eq!(api_get(&svc, "/api/v1/users", &token).await.0, 404);
}
