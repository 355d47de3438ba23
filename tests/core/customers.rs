use crate::assert_code;
use crate::support::{order_input, TestCore};
use flexdesk::services::{customers, orders};
use flexdesk::ErrorCode;
use serde_json::json;

fn new(email: &str, first: &str, last: &str, company: Option<&str>) -> customers::NewCustomer {
    serde_json::from_value(json!({"email": email, "firstName": first, "lastName": last, "company": company, "customerType": if company.is_some() {"business"} else {"individual"}})).unwrap()
}

#[tokio::test]
async fn customers_are_found_by_name_email_or_company_prefix() {
    let t = TestCore::new().await;
    let mut emma = new("emma.devries@mail.example", "Emma", "de Vries", None);
    emma.phone = Some("+31 20 555 0182".into());
    customers::create(&t.core.db, &t.ctx(), emma).await.unwrap();
    customers::create(
        &t.core.db,
        &t.ctx(),
        new(
            "bram@grachtwerk.example",
            "Bram",
            "Bakker",
            Some("Grachtwerk B.V."),
        ),
    )
    .await
    .unwrap();
    customers::create(
        &t.core.db,
        &t.ctx(),
        new("zoe@mail.example", "Zoë", "Jansen", None),
    )
    .await
    .unwrap();
    let find = |q: &str| {
        let q = q.to_string();
        let t = &t;
        async move {
            customers::list(
                &t.core.db,
                &t.bu,
                &customers::CustomerQuery {
                    q: Some(q),
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|c| c.first_name)
            .collect::<Vec<_>>()
        }
    };
    assert_eq!(find("emm").await, vec!["Emma"]);
    assert_eq!(find("de vri").await, vec!["Emma"]);
    assert_eq!(find("gracht").await, vec!["Bram"]);
    assert_eq!(find("bram@grachtwerk").await, vec!["Bram"]);
    assert_eq!(find("zoe").await, vec!["Zoë"], "accents are folded");
    assert!(find("nobody").await.is_empty());
    // Phone numbers: by their groups, as digits, or in full with another prefix.
    assert_eq!(find("555 0182").await, vec!["Emma"]);
    assert_eq!(find("31205550182").await, vec!["Emma"]);
    assert_eq!(find("020 555 0182").await, vec!["Emma"]);
    assert_eq!(find("+31 (0)20-555 0182").await, vec!["Emma"]);
    assert!(find("020 555 0183").await.is_empty());
    assert!(
        find("\"*(").await.len() == 3,
        "punctuation alone does not break the search; it lists everyone"
    );
    let exact = customers::list(
        &t.core.db,
        &t.bu,
        &customers::CustomerQuery {
            email: Some("EMMA.DEVRIES@mail.example".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(exact.items.len(), 1);
    let business = customers::list(
        &t.core.db,
        &t.bu,
        &customers::CustomerQuery {
            customer_type: Some("business".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(business.items.len(), 1);
}

#[tokio::test]
async fn an_email_belongs_to_one_customer_and_must_look_like_one() {
    let t = TestCore::new().await;
    customers::create(
        &t.core.db,
        &t.ctx(),
        new("a@b.example", "Jan", "de Vries", None),
    )
    .await
    .unwrap();
    let e = customers::create(&t.core.db, &t.ctx(), new("A@B.example", "A", "B", None))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict);
    // Named as a person reads it, at the Email field: never by an id.
    assert_eq!(e.message, "A@B.example already belongs to Jan de Vries.");
    assert_eq!(e.details[0].path, "email");
    assert_code!(
        customers::create(&t.core.db, &t.ctx(), new("not-an-email", "A", "B", None)).await,
        ErrorCode::ValidationError
    );
}

#[tokio::test]
async fn updates_change_only_what_is_sent_and_keep_order_snapshots() {
    let t = TestCore::new().await;
    t.laptop("LAP-1").await;
    let o = orders::create(
        &t.core.db,
        &t.ctx(),
        order_input("emma@x.example", json!([{"sku": "LAP-1", "quantity": 1}])),
    )
    .await
    .unwrap()
    .order;
    let upd: customers::CustomerUpdate = serde_json::from_value(json!({"customerId": o.customer.customer_id, "lastName": "Jansen", "vatId": "NL123456789B01", "customerType": "business"})).unwrap();
    let c = customers::update(&t.core.db, &t.ctx(), upd).await.unwrap();
    assert_eq!(
        (c.first_name.as_str(), c.last_name.as_str()),
        ("Emma", "Jansen")
    );
    assert_eq!(c.vat_id.as_deref(), Some("NL123456789B01"));
    assert_eq!(c.order_ids, vec![o.order_id.clone()]);
    assert_eq!(c.total_orders, 1);
    assert!(
        c.last_billing_address.is_some(),
        "the address from the order is kept"
    );
    let again = orders::get(&t.core.db, &t.bu, &o.order_id).await.unwrap();
    assert_eq!(
        again.customer.last_name, "de Vries",
        "the order keeps its snapshot"
    );
    let bad: customers::CustomerUpdate =
        serde_json::from_value(json!({"customerId": o.customer.customer_id, "status": "gone"}))
            .unwrap();
    assert_code!(
        customers::update(&t.core.db, &t.ctx(), bad).await,
        ErrorCode::ValidationError
    );
    let missing: customers::CustomerUpdate =
        serde_json::from_value(json!({"customerId": "cus_nope", "lastName": "X"})).unwrap();
    assert_code!(
        customers::update(&t.core.db, &t.ctx(), missing).await,
        ErrorCode::NotFound
    );
}

#[tokio::test]
async fn a_customer_with_pending_orders_cannot_be_deactivated_and_an_inactive_one_gets_no_orders() {
    let t = TestCore::new().await;
    t.laptop("LAP-1").await;
    let o = orders::create(
        &t.core.db,
        &t.ctx(),
        order_input("emma@x.example", json!([{"sku": "LAP-1", "quantity": 1}])),
    )
    .await
    .unwrap()
    .order;
    assert_code!(
        customers::delete(&t.core.db, &t.ctx(), &o.customer.customer_id).await,
        ErrorCode::CustomerHasPendingOrders
    );
    orders::cancel(&t.core.db, &t.ctx(), &o.order_id, None)
        .await
        .unwrap();
    customers::delete(&t.core.db, &t.ctx(), &o.customer.customer_id)
        .await
        .unwrap();
    let c = customers::get(&t.core.db, &t.bu, &o.customer.customer_id)
        .await
        .unwrap();
    assert_eq!(c.status, flexdesk::domain::status::CustomerStatus::Inactive);
    t.clock.advance(chrono::Duration::minutes(10));
    let again = orders::create(
        &t.core.db,
        &t.ctx(),
        order_input("emma@x.example", json!([{"sku": "LAP-1", "quantity": 2}])),
    )
    .await;
    assert_code!(again, ErrorCode::CustomerInactive);
}

#[tokio::test]
async fn a_customer_with_rented_devices_cannot_be_deactivated() {
    let t = TestCore::new().await;
    let c = customers::create(&t.core.db, &t.ctx(), new("a@b.example", "A", "B", None))
        .await
        .unwrap();
    t.laptop("LAP-1").await;
    flexdesk::services::assets::create(
        &t.core.db,
        &t.ctx(),
        serde_json::from_value(json!({"serialNumber": "SN-1", "sku": "LAP-1"})).unwrap(),
    )
    .await
    .unwrap();
    // The asset is out with this customer (as activation leaves it).
    sqlx::query("UPDATE assets SET status = 'rented_out', customer_id = ?, rental_id = 'rnt_x' WHERE serial_number = 'SN-1'").bind(&c.customer_id).execute(t.core.db.pool()).await.unwrap();
    assert_code!(
        customers::delete(&t.core.db, &t.ctx(), &c.customer_id).await,
        ErrorCode::CustomerHasActiveSubscriptions
    );
}

#[tokio::test]
async fn a_replayed_op_applied_before_stops_the_action_with_the_op_as_first_recorded() {
    let t = TestCore::new().await;
    let replaying = |op: &str| {
        let mut ctx = t.ctx();
        ctx.replay = Some(flexdesk::services::outbox::Replay {
            op_id: op.into(),
            origin: "D2".into(),
            request_hash: None,
        });
        ctx
    };
    let first = customers::create(
        &t.core.db,
        &replaying("op_race"),
        new("first@mail.example", "First", "Copy", None),
    )
    .await
    .unwrap();
    // The second copy of the same op (its answer lost, say) runs the action again: the outbox's
    // unique op id stops it, everything it wrote rolls back, and the stop carries the first body.
    let again = customers::create(
        &t.core.db,
        &replaying("op_race"),
        new("second@mail.example", "Second", "Copy", None),
    )
    .await
    .unwrap_err();
    let replayed = again
        .replayed
        .expect("an applied-before stop, not a failure");
    assert_eq!(replayed.op_id, "op_race");
    let body = replayed.recorded.expect("the op as first recorded");
    assert_eq!(body["email"], "first@mail.example", "{body}");
    assert_eq!(body["customerId"], first.customer_id.as_str(), "{body}");
    let n: i64 =
        sqlx::query_scalar("SELECT count(*) FROM customers WHERE email = 'second@mail.example'")
            .fetch_one(t.core.db.pool())
            .await
            .unwrap();
    assert_eq!(n, 0, "the second copy changed nothing");
    let ops: i64 = sqlx::query_scalar("SELECT count(*) FROM sync_ops WHERE op_id = 'op_race'")
        .fetch_one(t.core.db.pool())
        .await
        .unwrap();
    assert_eq!(ops, 1);
    // An ordinary failure carries no replay.
    let e = customers::create(&t.core.db, &t.ctx(), new("", "No", "Email", None))
        .await
        .unwrap_err();
    assert!(e.replayed.is_none());
}
