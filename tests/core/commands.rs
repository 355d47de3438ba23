//! The command table as the desk UI uses it: roles, business-unit context, request parsing.

use crate::support::TestCore;
use flexdesk::api::{Caller, CHANGES, COMMANDS};
use flexdesk::domain::status::Role;
use flexdesk::services::users;
use flexdesk::ErrorCode;
use serde_json::json;

/// A call as a signed-in person makes it (a session started in process, as a sign-in would).
fn as_person(t: &TestCore, user: &str, bu: &str) -> Caller {
    Caller {
        token: Some(t.core.sessions.start(user, t.clock_now())),
        bu_id: Some(bu.into()),
        desktop: false,
    }
}

async fn dispatch(
    core: &flexdesk::Core,
    caller: &Caller,
    command: &str,
    payload: serde_json::Value,
) -> flexdesk::error::Result<serde_json::Value> {
    flexdesk::api::dispatch(core, caller, command, payload)
        .await
        .map(|a| a.value)
}

#[tokio::test]
async fn bootstrap_needs_nobody_and_lists_people_and_business_units() {
    let t = TestCore::new().await;
    let b = dispatch(&t.core, &Caller::default(), "app.bootstrap", json!(null))
        .await
        .unwrap();
    assert_eq!(b["desk"]["code"], t.core.desk.code);
    assert_eq!(b["people"][0]["name"], "Administrator");
    assert_eq!(
        b["businessUnits"],
        json!([]),
        "business units are for signed-in people"
    );
    let b = dispatch(
        &t.core,
        &as_person(&t, &t.admin.id, &t.bu.id),
        "app.bootstrap",
        json!(null),
    )
    .await
    .unwrap();
    assert_eq!(b["businessUnits"][0]["currency"], "EUR");
    assert_eq!(
        b["businessUnits"][0]["settings"]["taxRate"], "21",
        "decimals travel as strings to the desk"
    );
    assert!(b.get("dbPath").is_none(), "no file paths to callers");
}

#[tokio::test]
async fn every_other_command_needs_a_signed_in_person() {
    let t = TestCore::new().await;
    let e = dispatch(
        &t.core,
        &Caller {
            token: None,
            bu_id: Some(t.bu.id.clone()),
            desktop: false,
        },
        "orders.list",
        json!({}),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::AuthRequired);
    let e = dispatch(
        &t.core,
        &as_person(&t, "usr_ghost", &t.bu.id),
        "orders.list",
        json!({}),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::AuthRequired);
    let e = dispatch(
        &t.core,
        &as_person(&t, &t.admin.id, "bu_ghost"),
        "orders.list",
        json!({}),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::NoTenantAccess);
    let e = dispatch(
        &t.core,
        &as_person(&t, &t.admin.id, &t.bu.id),
        "orders.explode",
        json!({}),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);
}

#[tokio::test]
async fn roles_decide_who_may_run_a_command() {
    let t = TestCore::new().await;
    t.laptop("LAP-1").await;
    let sam = users::create(
        &t.core.db,
        &t.admin.actor(),
        t.clock_now(),
        users::NewUser {
            name: "Sam".into(),
            role: Role::Warehouse,
            secret: None,
        },
    )
    .await
    .unwrap();
    let chris = users::create(
        &t.core.db,
        &t.admin.actor(),
        t.clock_now(),
        users::NewUser {
            name: "Chris".into(),
            role: Role::Counter,
            secret: None,
        },
    )
    .await
    .unwrap();
    let asset = json!({"serialNumber": "SN-1", "sku": "LAP-1"});
    let e = dispatch(
        &t.core,
        &as_person(&t, &chris.id, &t.bu.id),
        "assets.create",
        asset.clone(),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::InsufficientPermissions);
    assert!(e.message.contains("warehouse"), "{}", e.message);
    dispatch(
        &t.core,
        &as_person(&t, &sam.id, &t.bu.id),
        "assets.create",
        asset,
    )
    .await
    .unwrap();
    let order = json!({"customer": {"email": "e@x.example", "firstName": "E", "lastName": "X"}, "billingAddress": crate::support::address(), "items": [{"sku": "LAP-1", "quantity": 1}]});
    let e = dispatch(
        &t.core,
        &as_person(&t, &sam.id, &t.bu.id),
        "orders.create",
        order.clone(),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::InsufficientPermissions);
    let placed = dispatch(
        &t.core,
        &as_person(&t, &chris.id, &t.bu.id),
        "orders.create",
        order,
    )
    .await
    .unwrap();
    assert_eq!(placed["order"]["createdBy"], "Chris");
    assert_eq!(placed["order"]["totals"]["subtotal"], "89.00");
    let e = dispatch(
        &t.core,
        &as_person(&t, &chris.id, &t.bu.id),
        "keys.create",
        json!({"name": "x"}),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::InsufficientPermissions);
    // Reads are open to every role.
    dispatch(
        &t.core,
        &as_person(&t, &sam.id, &t.bu.id),
        "orders.list",
        json!({}),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn a_malformed_request_is_a_validation_error_that_changes_nothing() {
    let t = TestCore::new().await;
    let e = dispatch(
        &t.core,
        &as_person(&t, &t.admin.id, &t.bu.id),
        "orders.confirm",
        json!({"nope": 1}),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::ValidationError);
    let e = dispatch(
        &t.core,
        &as_person(&t, &t.admin.id, &t.bu.id),
        "assets.create",
        json!({"serialNumber": 5}),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::ValidationError);
}

#[tokio::test]
async fn the_typescript_bindings_in_the_ui_are_current() {
    let dir = tempfile::tempdir().unwrap();
    flexdesk::api::export_typescript(dir.path()).unwrap();
    let committed =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/src/lib/api/bindings");
    let mut stale = Vec::new();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let entry = entry.unwrap();
        let fresh = std::fs::read_to_string(entry.path()).unwrap();
        let old = std::fs::read_to_string(committed.join(entry.file_name())).unwrap_or_default();
        if fresh != old {
            stale.push(entry.file_name().to_string_lossy().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "run `cargo run -- gen-ts`: these bindings changed: {stale:?}"
    );
    let names: Vec<_> = COMMANDS.iter().map(|(n, _)| *n).collect();
    let map = std::fs::read_to_string(committed.join("Commands.ts")).unwrap();
    for n in names {
        assert!(
            map.contains(&format!("\"{n}\"")),
            "{n} missing from Commands.ts"
        );
    }
}

/// Every command that writes says what it changes (the UI refreshes exactly those areas after
/// it), and each area it names is one the table has.
#[test]
fn every_write_declares_the_areas_it_changes() {
    let areas: std::collections::HashSet<&str> = COMMANDS
        .iter()
        .map(|(n, _)| n.split('.').next().unwrap())
        .collect();
    // Reads, and writes that only make a file the caller saves (nothing cached changes).
    let reads = [
        "list",
        "get",
        "quote",
        "totals",
        "pdf",
        "html",
        "pending",
        "check",
        "lifetime",
        "status",
        "health",
        "deliveries",
        "delivery",
        "conflicts",
        "remote",
        "bootstrap",
        "shown",
        "labels",
        "save",
        "rentals",
        "payments",
        "receipts",
        "log",
        "proposals",
        "sent",
        "letter",
        "records",
        "vat",
        "vatPdf",
        "vatCsv",
        "formats",
        "einvoice",
        "invoices",
        "quoteBuyout",
        "quoteEarlyReturn",
        "listProducts",
        "getProduct",
        "listVariants",
        "listCategories",
        "current",
        "lock",
        "unlock",
        "signOut",
    ];
    assert_eq!(CHANGES.len(), COMMANDS.len());
    for (name, changes) in CHANGES {
        let verb = name.rsplit('.').next().unwrap();
        let read = reads.contains(&verb)
            && !matches!(
                *name,
                "webhooks.save" | "sync.remote.save" | "einvoicing.save" | "mail.save"
            );
        assert_eq!(
            changes.is_empty(),
            read,
            "{name}: a write names what it changes, a read names nothing ({changes:?})"
        );
        for a in *changes {
            assert!(
                *a == "*" || areas.contains(a),
                "{name} names the unknown area {a}"
            );
        }
    }
}
