//! People sign in, and the desk answers only them: PINs, sessions, idle locks, wrong-PIN pauses,
//! the people's settings, and the HTTP server's Host and Origin checks.

use crate::support::{http_sign_in, TestCore, ADMIN_PIN};
use flexdesk::api::{Access, Caller, SessionChange, COMMANDS};
use flexdesk::ErrorCode;
use serde_json::{json, Value};

async fn call(
    t: &TestCore,
    caller: &Caller,
    cmd: &str,
    body: Value,
) -> flexdesk::error::Result<Value> {
    flexdesk::api::dispatch(&t.core, caller, cmd, body)
        .await
        .map(|a| a.value)
}

/// Sign in through the command table; the caller that holds the new session.
async fn sign_in(t: &TestCore, user_id: &str, secret: &str) -> flexdesk::error::Result<Caller> {
    let a = flexdesk::api::dispatch(
        &t.core,
        &Caller::default(),
        "session.signIn",
        json!({"userId": user_id, "secret": secret}),
    )
    .await?;
    assert!(
        a.value.get("sessionToken").is_none(),
        "the token is the transport's, never in the answer"
    );
    let SessionChange::Started(token) = a.session else {
        panic!("a sign-in starts a session: {:?}", a.session)
    };
    Ok(Caller {
        token: Some(token),
        bu_id: Some(t.bu.id.clone()),
        desktop: false,
    })
}

async fn set_up(t: &TestCore) -> Caller {
    let a = flexdesk::api::dispatch(
        &t.core,
        &Caller::default(),
        "session.setup",
        json!({"name": "Robin Owner", "secret": ADMIN_PIN}),
    )
    .await
    .unwrap();
    assert_eq!(a.value["user"]["name"], "Robin Owner");
    let SessionChange::Started(token) = a.session else {
        panic!("setup signs the administrator in")
    };
    Caller {
        token: Some(token),
        bu_id: Some(t.bu.id.clone()),
        desktop: false,
    }
}

#[tokio::test]
async fn a_forged_or_missing_session_is_refused_for_every_command_but_the_start_screens() {
    let t = TestCore::new().await;
    let forged = Caller {
        token: Some("0".repeat(64)),
        bu_id: Some(t.bu.id.clone()),
        desktop: false,
    };
    let mut public = Vec::new();
    for (name, access) in COMMANDS {
        if *access == Access::Public {
            public.push(*name);
            continue;
        }
        for caller in [&Caller::default(), &forged] {
            let e = call(&t, caller, name, json!({})).await.unwrap_err();
            assert_eq!(e.code, ErrorCode::AuthRequired, "{name}: {}", e.message);
        }
    }
    public.sort();
    assert_eq!(
        public,
        [
            "app.bootstrap",
            "app.shown",
            "session.current",
            "session.setup",
            "session.signIn",
            "session.signOut"
        ]
    );
    // Before signing in, the start screen sees names and roles, and no business unit.
    let boot = call(&t, &Caller::default(), "app.bootstrap", json!({}))
        .await
        .unwrap();
    assert_eq!(boot["setupNeeded"], true);
    assert_eq!(boot["businessUnits"], json!([]));
    assert_eq!(boot["people"][0]["canSignIn"], false);
}

#[tokio::test]
async fn a_new_desk_asks_once_for_the_first_administrators_pin_and_the_pin_signs_in() {
    let t = TestCore::new().await;
    let admin = set_up(&t).await;
    let me = call(&t, &admin, "session.current", json!({}))
        .await
        .unwrap();
    assert_eq!(
        (me["user"]["name"].as_str(), me["locked"].as_bool()),
        (Some("Robin Owner"), Some(false))
    );
    call(&t, &admin, "orders.list", json!({})).await.unwrap();
    // Setup happens once: afterwards it is refused, even for a stranger guessing nothing.
    let e = call(
        &t,
        &Caller::default(),
        "session.setup",
        json!({"secret": "9999"}),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::InsufficientPermissions);
    let again = sign_in(&t, &t.admin.id, ADMIN_PIN).await.unwrap();
    call(&t, &again, "orders.list", json!({})).await.unwrap();
    // The stored secret is an Argon2id hash, never the PIN.
    let stored: String = sqlx::query_scalar("SELECT secret_hash FROM users WHERE id = ?")
        .bind(&t.admin.id)
        .fetch_one(t.core.db.pool())
        .await
        .unwrap();
    assert!(stored.starts_with("$argon2id$") && !stored.contains(ADMIN_PIN));
    // Signing out ends the session.
    let out = flexdesk::api::dispatch(&t.core, &again, "session.signOut", json!({}))
        .await
        .unwrap();
    assert_eq!(out.session, SessionChange::Ended);
    let e = call(&t, &again, "orders.list", json!({}))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::AuthRequired);
}

#[tokio::test]
async fn five_wrong_pins_pause_the_person_for_a_growing_time_on_their_timeline() {
    let t = TestCore::new().await;
    set_up(&t).await;
    for left in (1..=4).rev() {
        let e = sign_in(&t, &t.admin.id, "0000").await.unwrap_err();
        assert_eq!(e.code, ErrorCode::ValidationError);
        assert!(
            e.details[0].message.contains(&format!("{left} more")),
            "{}",
            e.details[0].message
        );
    }
    let e = sign_in(&t, &t.admin.id, "0000").await.unwrap_err();
    assert!(
        e.details[0].message.contains("Try again in 1 minute"),
        "{}",
        e.details[0].message
    );
    // Paused: even the right PIN waits.
    let e = sign_in(&t, &t.admin.id, ADMIN_PIN).await.unwrap_err();
    assert!(e.details[0].message.contains("paused"), "{e:?}");
    t.clock.advance(chrono::Duration::seconds(61));
    // Five more wrong: two minutes this time.
    for _ in 0..4 {
        sign_in(&t, &t.admin.id, "0000").await.unwrap_err();
    }
    let e = sign_in(&t, &t.admin.id, "0000").await.unwrap_err();
    assert!(
        e.details[0].message.contains("Try again in 2 minutes"),
        "{}",
        e.details[0].message
    );
    t.clock.advance(chrono::Duration::seconds(121));
    let admin = sign_in(&t, &t.admin.id, ADMIN_PIN).await.unwrap();
    let events = call(
        &t,
        &admin,
        "timeline.list",
        json!({"entityType": "user", "entityId": t.admin.id}),
    )
    .await
    .unwrap();
    let locks: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "locked")
        .map(|e| e["summary"].as_str().unwrap())
        .collect();
    assert_eq!(locks.len(), 2, "{events}");
    assert!(
        locks.iter().any(|s| s.contains("locked for 2 minutes")),
        "{locks:?}"
    );
    // The right PIN cleared the count.
    let u = call(&t, &admin, "users.list", json!({})).await.unwrap();
    assert_eq!(u[0]["failedAttempts"], 0);
}

#[tokio::test]
async fn an_idle_desk_locks_and_only_the_pin_unlocks_it() {
    let t = TestCore::new().await;
    let admin = set_up(&t).await;
    call(&t, &admin, "desk.setLockMinutes", json!({"lockMinutes": 5}))
        .await
        .unwrap();
    t.clock.advance(chrono::Duration::minutes(4));
    call(&t, &admin, "orders.list", json!({})).await.unwrap();
    t.clock.advance(chrono::Duration::minutes(5));
    let e = call(&t, &admin, "orders.list", json!({}))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::SessionLocked);
    let me = call(&t, &admin, "session.current", json!({}))
        .await
        .unwrap();
    assert_eq!(me["locked"], true);
    let e = call(&t, &admin, "session.unlock", json!({"secret": "1357"}))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::ValidationError);
    call(&t, &admin, "session.unlock", json!({"secret": ADMIN_PIN}))
        .await
        .unwrap();
    call(&t, &admin, "orders.list", json!({})).await.unwrap();
    // "Lock" from the UI (its idle timer, or the person stepping away) locks at once.
    call(&t, &admin, "session.lock", json!({})).await.unwrap();
    let e = call(&t, &admin, "orders.list", json!({}))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::SessionLocked);
    let e = call(&t, &admin, "desk.setLockMinutes", json!({"lockMinutes": 0}))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::SessionLocked, "locked first");
    call(&t, &admin, "session.unlock", json!({"secret": ADMIN_PIN}))
        .await
        .unwrap();
    let e = call(&t, &admin, "desk.setLockMinutes", json!({"lockMinutes": 0}))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::ValidationError);
}

#[tokio::test]
async fn people_are_added_with_a_pin_changed_reset_and_the_last_administrator_stays() {
    let t = TestCore::new().await;
    let admin = set_up(&t).await;
    let sam = call(
        &t,
        &admin,
        "users.create",
        json!({"name": "Sam", "role": "warehouse", "secret": "2222"}),
    )
    .await
    .unwrap();
    let sam_id = sam["id"].as_str().unwrap().to_string();
    assert_eq!(sam["secretKind"], "pin");
    let e = call(
        &t,
        &admin,
        "users.create",
        json!({"name": "Kim", "role": "counter", "secret": "12"}),
    )
    .await
    .unwrap_err();
    assert_eq!(e.details[0].path, "secret");
    let sam_desk = sign_in(&t, &sam_id, "2222").await.unwrap();
    // Sam may not manage people.
    let e = call(
        &t,
        &sam_desk,
        "users.setSecret",
        json!({"userId": t.admin.id, "secret": "0000"}),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::InsufficientPermissions);
    // Sam changes their own PIN: the old one is asked for.
    let e = call(
        &t,
        &sam_desk,
        "session.changeSecret",
        json!({"current": "1111", "secret": "5555"}),
    )
    .await
    .unwrap_err();
    assert_eq!(e.details[0].path, "current");
    call(
        &t,
        &sam_desk,
        "session.changeSecret",
        json!({"current": "2222", "secret": "a long passphrase"}),
    )
    .await
    .unwrap();
    assert!(sign_in(&t, &sam_id, "2222").await.is_err());
    let sam_desk = sign_in(&t, &sam_id, "a long passphrase").await.unwrap();
    // An administrator's reset ends Sam's sessions.
    call(
        &t,
        &admin,
        "users.setSecret",
        json!({"userId": sam_id, "secret": "7777"}),
    )
    .await
    .unwrap();
    let e = call(&t, &sam_desk, "orders.list", json!({}))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::AuthRequired);
    let sam_desk = sign_in(&t, &sam_id, "7777").await.unwrap();
    // A role change takes effect at once; deactivating ends the sessions and the sign-in.
    call(
        &t,
        &admin,
        "users.update",
        json!({"id": sam_id, "role": "counter"}),
    )
    .await
    .unwrap();
    assert_eq!(
        call(&t, &sam_desk, "orders.list", json!({}))
            .await
            .unwrap_err()
            .code,
        ErrorCode::AuthRequired
    );
    call(
        &t,
        &admin,
        "users.update",
        json!({"id": sam_id, "active": false}),
    )
    .await
    .unwrap();
    let e = sign_in(&t, &sam_id, "7777").await.unwrap_err();
    assert_eq!(e.code, ErrorCode::AuthRequired);
    // The last active administrator can neither be deactivated nor lose the role.
    for change in [json!({"active": false}), json!({"role": "counter"})] {
        let mut body = change.clone();
        body["id"] = json!(t.admin.id);
        let e = call(&t, &admin, "users.update", body).await.unwrap_err();
        assert!(
            e.details[0].message.contains("last active administrator"),
            "{e:?}"
        );
    }
    let users = call(&t, &admin, "users.list", json!({})).await.unwrap();
    assert!(users
        .as_array()
        .unwrap()
        .iter()
        .any(|u| u["id"] == json!(t.admin.id) && u["role"] == "admin" && u["active"] == true));
}

#[tokio::test]
async fn the_http_server_answers_only_its_own_host_and_origin_and_keeps_the_session_in_a_cookie() {
    let t = TestCore::new().await;
    let server = crate::support::serve(&t).await;
    let url = server.url();
    let port = server.addr.port();
    let http = reqwest::Client::new();
    let setup = http
        .post(format!("{url}/rpc/session.setup"))
        .json(&json!({"secret": ADMIN_PIN}))
        .send()
        .await
        .unwrap();
    let set_cookie = setup.headers()["set-cookie"].to_str().unwrap().to_string();
    for part in [
        &format!("flexdesk_session_{port}="),
        "HttpOnly",
        "SameSite=Strict",
        "Path=/rpc",
    ] {
        assert!(set_cookie.contains(part), "{part} in {set_cookie}");
    }
    let body: Value = setup.json().await.unwrap();
    assert!(body.get("sessionToken").is_none(), "{body}");
    let (cookie, _) = http_sign_in(&http, &url).await;
    let list = |host: Option<String>, origin: Option<&str>, cookie: Option<&str>| {
        let mut r = http
            .post(format!("{url}/rpc/customers.list"))
            .header("X-FlexDesk-BU", &t.bu.id)
            .json(&json!({}));
        if let Some(h) = host {
            r = r.header("Host", h);
        }
        if let Some(o) = origin {
            r = r.header("Origin", o);
        }
        if let Some(c) = cookie {
            r = r.header("Cookie", c);
        }
        r.send()
    };
    let ok = list(None, Some(&url), Some(&cookie)).await.unwrap();
    assert_eq!(ok.status(), 200);
    let ok = list(Some(format!("localhost:{port}")), None, Some(&cookie))
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    // A rebinding page's name, a cross-site origin: refused before any command runs.
    for (host, origin) in [
        (Some(format!("attacker.example:{port}")), None),
        (None, Some("http://attacker.example")),
        (None, Some("null")),
    ] {
        let r = list(host.clone(), origin, Some(&cookie)).await.unwrap();
        assert_eq!(r.status(), 403, "{host:?} {origin:?}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"]["code"], "INSUFFICIENT_PERMISSIONS");
    }
    // No cookie, or a forged one: not signed in. The old identity header means nothing.
    let r = list(None, None, None).await.unwrap();
    assert_eq!(r.status(), 401);
    let r = http
        .post(format!("{url}/rpc/customers.list"))
        .header("X-FlexDesk-User", &t.admin.id)
        .header("X-FlexDesk-BU", &t.bu.id)
        .header(
            "Cookie",
            format!("flexdesk_session_{port}={}", "f".repeat(64)),
        )
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // Signing out clears the cookie.
    let out = http
        .post(format!("{url}/rpc/session.signOut"))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert!(out.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    assert_eq!(list(None, None, Some(&cookie)).await.unwrap().status(), 401);
    server.stop().await;
}
