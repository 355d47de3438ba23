//! Corrections as FlexPortal learns them: a voided activation becomes a cancellation (the unit
//! stays in stock here through a pull); a corrected serial is the mistyped one deleted and the right one taken in; a
//! part payment stays on the desk until the last part, which is the payment marked paid; a
//! refund and a one-off charge stay on the desk, and a pull leaves them in place.

use crate::standin::StandIn;
use crate::sync::{add_laptops, first_payment, Node};
use crate::sync_flexportal::{confirm, order, point_at_url, take_in};
use serde_json::{json, Value};

fn writes_since(fp: &StandIn, n: usize) -> Vec<(String, u16)> {
    fp.seen()
        .into_iter()
        .filter(|s| s.is_write())
        .skip(n)
        .map(|s| (s.operation.unwrap_or_else(|| s.path.clone()), s.status))
        .collect()
}

fn writes(fp: &StandIn) -> usize {
    fp.seen().iter().filter(|s| s.is_write()).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flexportal_learns_corrections_through_its_own_operations_and_keeps_the_rest_here() {
    let fp = StandIn::start().await;
    let dir = tempfile::tempdir().unwrap();
    let desk = Node::new(dir.path(), "desk-a", "127.0.0.1:0").await;
    point_at_url(&desk, &fp, &fp.url);
    add_laptops(&desk, &[]).await;
    take_in(&desk, &["FPC-1", "FPC-2", "FPC-TYPO"]).await;
    let (o1, ann) = order(&desk, "ann@x.example", "Ann").await;
    let (o2, ben) = order(&desk, "ben@x.example", "Ben").await;
    confirm(&desk, &[&o1, &o2]).await;
    let (s, v) = crate::sync::activate(&desk, &o1, &ann, "FPC-1").await;
    assert_eq!(s, 201, "{v}");
    let wrong = v["rental"]["rentalId"].as_str().unwrap().to_string();
    let (s, v) = crate::sync::activate(&desk, &o2, &ben, "FPC-2").await;
    assert_eq!(s, 201, "{v}");
    let kept = v["rental"]["rentalId"].as_str().unwrap().to_string();
    desk.sync().await;
    assert_eq!(
        desk.counts().await,
        (Some(0), Some(0)),
        "{} {}",
        desk.status().await,
        desk.rpc("sync.conflicts", json!({})).await
    );
    let n = writes(&fp);

    // The void: cancelled there, the unit available there.
    desk.rpc(
        "subscriptions.void",
        json!({"id": wrong, "reason": "Scanned the unit beside it"}),
    )
    .await;
    // The serial: the mistyped one deleted, the right one taken in.
    desk.rpc(
        "assets.correctSerial",
        json!({"serialNumber": "FPC-TYPO", "newSerialNumber": "FPC-3"}),
    )
    .await;
    desk.sync().await;
    assert_eq!(
        desk.counts().await,
        (Some(0), Some(0)),
        "{} {}",
        desk.status().await,
        desk.rpc("sync.conflicts", json!({})).await
    );
    assert_eq!(
        writes_since(&fp, n),
        vec![
            ("cancelSubscription".to_string(), 200),
            ("deleteAsset".to_string(), 200),
            ("createAsset".to_string(), 201),
        ]
    );
    let (_, theirs) = fp
        .call("GET", "/v1/subscriptions?status=cancelled", None)
        .await;
    assert_eq!(theirs["rentals"].as_array().unwrap().len(), 1, "{theirs}");
    // FlexPortal has no operation to take the unit back; a pull leaves it in stock here, its
    // order line free and its payments cancelled.
    desk.sync().await;
    let (_, unit) = desk.v1("GET", "/v1/assets/FPC-1", Value::Null).await;
    assert_eq!(unit["status"], "available", "{unit}");
    let (_, voided) = desk
        .v1(
            "GET",
            &format!("/v1/payments?rentalId={wrong}&limit=100"),
            Value::Null,
        )
        .await;
    assert!(
        voided["payments"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["status"] == "cancelled"),
        "{voided}"
    );
    let (s, _) = fp.call("GET", "/v1/assets/FPC-3", None).await;
    assert_eq!(s, 200);

    // Money: a part and a refund and a charge stay here; the last part is the payment marked paid.
    let pay = first_payment(&desk, &kept).await;
    let n = writes(&fp);
    desk.rpc("payments.receive", json!({"id": pay, "amount": "10.00"}))
        .await;
    let fee = desk
        .rpc(
            "payments.charge",
            json!({"rentalId": kept, "label": "Damage fee", "amount": "30.00"}),
        )
        .await;
    desk.sync().await;
    assert!(
        writes_since(&fp, n).is_empty(),
        "{:?}",
        writes_since(&fp, n)
    );
    let st = desk.status().await;
    assert_eq!(
        (
            st["keptOnDesk"]["payment.receive"].as_i64(),
            st["keptOnDesk"]["payment.charge"].as_i64()
        ),
        (Some(1), Some(1)),
        "{st}"
    );
    // A pull leaves the part-paid payment and the charge as they are here.
    desk.sync().await;
    let (_, p) = desk
        .v1("GET", &format!("/v1/payments/{pay}"), Value::Null)
        .await;
    let p = p.get("payment").cloned().unwrap_or(p);
    assert_eq!(
        (p["status"].as_str(), p["amountReceived"].as_f64()),
        (Some("pending"), Some(10.0)),
        "{p}"
    );
    let (s, f) = desk
        .v1(
            "GET",
            &format!("/v1/payments/{}", fee["paymentId"].as_str().unwrap()),
            Value::Null,
        )
        .await;
    assert_eq!(s, 200, "{f}");

    let rest = p["total"].as_f64().unwrap() - 10.0;
    desk.rpc(
        "payments.receive",
        json!({"id": pay, "amount": format!("{rest:.2}"), "reference": "LAST-PART"}),
    )
    .await;
    desk.rpc("payments.refund", json!({"id": pay, "amount": "5.00"}))
        .await;
    let n = writes(&fp);
    desk.sync().await;
    assert_eq!(
        desk.counts().await,
        (Some(0), Some(0)),
        "{} {}",
        desk.status().await,
        desk.rpc("sync.conflicts", json!({})).await
    );
    assert_eq!(
        writes_since(&fp, n),
        vec![("markPaymentPaid".to_string(), 200)]
    );
    let (_, theirs) = fp.call("GET", "/v1/payments?status=paid", None).await;
    assert_eq!(theirs["payments"].as_array().unwrap().len(), 1, "{theirs}");
    assert_eq!(desk.status().await["keptOnDesk"]["payment.refund"], 1);
}
