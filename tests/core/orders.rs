use crate::assert_code;
use crate::support::{address, order_input, TestCore};
use flexdesk::domain::status::OrderStatus;
use flexdesk::services::{catalog, customers, orders, timeline};
use flexdesk::ErrorCode;
use serde_json::json;

#[tokio::test]
async fn an_order_is_priced_from_the_tier_with_monthly_totals_tax_and_contract_value() {
    let t = TestCore::new().await;
    t.laptop("LAP-1").await;
    let placed = orders::create(
        &t.core.db,
        &t.ctx(),
        order_input(
            "emma@x.example",
            json!([{"sku": "LAP-1", "quantity": 2, "contractLength": 24}]),
        ),
    )
    .await
    .unwrap();
    assert!(placed.created);
    let o = placed.order;
    assert_eq!(o.status, OrderStatus::Pending);
    assert_eq!(o.items[0].unit_price.to_string(), "59.50");
    assert_eq!(
        o.totals.subtotal.to_string(),
        "119.00",
        "monthly: 2 × 59.50"
    );
    assert_eq!(
        o.totals.tax_amount.to_string(),
        "24.99",
        "21 % VAT, rounded half away from zero"
    );
    assert_eq!(o.totals.total.to_string(), "143.99");
    assert_eq!(o.contract_value.to_string(), "2856.00", "2 × 59.50 × 24");
    assert_eq!(o.totals.total_devices, 2);
    assert_eq!(o.rental_progress.total_devices, 2);
    assert_eq!(o.items[0].list_price_source, "variant");
    assert_eq!(o.items[0].acquisition_cost.unwrap().to_string(), "1000.00");
    assert_eq!(
        o.shipping_address, o.billing_address,
        "shipping falls back to billing"
    );
    assert!(
        o.order_number
            .starts_with(&format!("TNL-{}-", t.core.desk.code)),
        "{}",
        o.order_number
    );
    let second = orders::create(
        &t.core.db,
        &t.ctx(),
        order_input("other@x.example", json!([{"sku": "LAP-1", "quantity": 1}])),
    )
    .await
    .unwrap()
    .order;
    let n = |s: &str| s.rsplit('-').next().unwrap().parse::<u32>().unwrap();
    assert_eq!(
        n(&second.order_number),
        n(&o.order_number) + 1,
        "numbers follow each other without gaps"
    );
}

#[tokio::test]
async fn tax_inclusive_prices_carry_their_tax_inside() {
    let t = TestCore::new().await;
    let mut s = t.bu.settings.clone();
    s.tax_inclusive = true;
    let bu = flexdesk::services::business_units::update(
        &t.core.db,
        &t.admin.actor(),
        t.clock_now(),
        flexdesk::services::business_units::BusinessUnitUpdate {
            id: t.bu.id.clone(),
            name: None,
            timezone: None,
            settings: Some(s),
        },
    )
    .await
    .unwrap();
    t.laptop("LAP-1").await;
    let mut ctx = t.ctx();
    ctx.bu = bu;
    let o = orders::create(
        &t.core.db,
        &ctx,
        order_input(
            "e@x.example",
            json!([{"sku": "LAP-1", "quantity": 1, "contractLength": 12}]),
        ),
    )
    .await
    .unwrap()
    .order;
    assert_eq!(o.totals.total.to_string(), "89.00");
    assert_eq!(o.totals.tax_amount.to_string(), "15.45", "89 − 89/1.21");
}

#[tokio::test]
async fn a_new_email_creates_the_customer_and_a_known_one_links_to_them() {
    let t = TestCore::new().await;
    t.laptop("LAP-1").await;
    let a = orders::create(
        &t.core.db,
        &t.ctx(),
        order_input("Emma@X.example", json!([{"sku": "LAP-1", "quantity": 1}])),
    )
    .await
    .unwrap()
    .order;
    let b = orders::create(
        &t.core.db,
        &t.ctx(),
        order_input("emma@x.example", json!([{"sku": "LAP-1", "quantity": 3}])),
    )
    .await
    .unwrap()
    .order;
    assert_eq!(a.customer.customer_id, b.customer.customer_id);
    let c = customers::get(&t.core.db, &t.bu, &a.customer.customer_id)
        .await
        .unwrap();
    assert_eq!(c.total_orders, 2);
    assert_eq!(
        a.items[0].contract_length, 12,
        "the business unit's default contract length applies"
    );
}

#[tokio::test]
async fn the_same_order_twice_within_two_minutes_returns_the_first() {
    let t = TestCore::new().await;
    t.laptop("LAP-1").await;
    let items = json!([{"sku": "LAP-1", "quantity": 1, "contractLength": 12}]);
    let a = orders::create(
        &t.core.db,
        &t.ctx(),
        order_input("e@x.example", items.clone()),
    )
    .await
    .unwrap();
    let b = orders::create(
        &t.core.db,
        &t.ctx(),
        order_input("E@x.example", items.clone()),
    )
    .await
    .unwrap();
    assert!(!b.created);
    assert_eq!(a.order.order_id, b.order.order_id);
    t.clock.advance(chrono::Duration::minutes(3));
    let c = orders::create(&t.core.db, &t.ctx(), order_input("e@x.example", items))
        .await
        .unwrap();
    assert!(c.created, "after the window it is a new order");
}

#[tokio::test]
async fn order_items_must_name_active_variants_with_an_offered_contract_length() {
    let t = TestCore::new().await;
    let prod = t.laptop("LAP-1").await;
    assert_code!(
        orders::create(
            &t.core.db,
            &t.ctx(),
            order_input("e@x.example", json!([{"sku": "NOPE", "quantity": 1}]))
        )
        .await,
        ErrorCode::VariantNotFound
    );
    assert_code!(
        orders::create(
            &t.core.db,
            &t.ctx(),
            order_input(
                "e@x.example",
                json!([{"sku": "LAP-1", "quantity": 1, "contractLength": 36}])
            )
        )
        .await,
        ErrorCode::InvalidContractLength
    );
    assert_code!(
        orders::create(
            &t.core.db,
            &t.ctx(),
            order_input(
                "e@x.example",
                json!([{"sku": "LAP-1", "quantity": 1, "contractLength": 121}])
            )
        )
        .await,
        ErrorCode::InvalidContractLength
    );
    assert_code!(
        orders::create(
            &t.core.db,
            &t.ctx(),
            order_input("e@x.example", json!([{"sku": "LAP-1", "quantity": 0}]))
        )
        .await,
        ErrorCode::ValidationError
    );
    assert_code!(
        orders::create(&t.core.db, &t.ctx(), order_input("e@x.example", json!([]))).await,
        ErrorCode::ValidationError
    );
    let v = catalog::get_product(&t.core.db, &t.bu, &prod.product_id)
        .await
        .unwrap()
        .variants
        .remove(0);
    catalog::set_variant_status(
        &t.core.db,
        &t.ctx(),
        &v.variant_id,
        flexdesk::domain::status::VariantStatus::Inactive,
    )
    .await
    .unwrap();
    assert_code!(
        orders::create(
            &t.core.db,
            &t.ctx(),
            order_input("e@x.example", json!([{"sku": "LAP-1", "quantity": 1}]))
        )
        .await,
        ErrorCode::VariantInactive
    );
    let none: i64 = sqlx::query_scalar("SELECT count(*) FROM orders")
        .fetch_one(t.core.db.pool())
        .await
        .unwrap();
    let no_customers: i64 = sqlx::query_scalar("SELECT count(*) FROM customers")
        .fetch_one(t.core.db.pool())
        .await
        .unwrap();
    assert_eq!(
        (none, no_customers),
        (0, 0),
        "refused orders change nothing, not even the customer list"
    );
}

#[tokio::test]
async fn an_order_needs_a_customer_and_a_complete_billing_address() {
    let t = TestCore::new().await;
    t.laptop("LAP-1").await;
    let bad: orders::OrderInput = serde_json::from_value(json!({"customer": {"email": "x"}, "billingAddress": {"city": "Amsterdam"}, "items": [{"sku": "LAP-1", "quantity": 1}]})).unwrap();
    let e = orders::create(&t.core.db, &t.ctx(), bad).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::ValidationError);
    let paths: Vec<_> = e.details.iter().map(|d| d.path.as_str()).collect();
    for p in [
        "customer.email",
        "customer.firstName",
        "customer.lastName",
        "billingAddress.contactName",
        "billingAddress.streetAddress",
        "billingAddress.country",
    ] {
        assert!(paths.contains(&p), "{p} not in {paths:?}");
    }
}

#[tokio::test]
async fn the_counter_orders_for_an_existing_customer_using_their_address() {
    let t = TestCore::new().await;
    t.laptop("LAP-1").await;
    let c = customers::create(&t.core.db, &t.ctx(), serde_json::from_value(json!({"email": "a@b.example", "firstName": "A", "lastName": "B", "billingAddress": address()})).unwrap()).await.unwrap();
    let input: orders::OrderInput = serde_json::from_value(json!({"customerId": c.customer_id, "items": [{"sku": "LAP-1", "quantity": 1, "contractLength": 6}]})).unwrap();
    let o = orders::create(&t.core.db, &t.ctx(), input)
        .await
        .unwrap()
        .order;
    assert_eq!(o.billing_address.city, "Amsterdam");
    let q = orders::quote(
        &t.core.db,
        &t.bu,
        &serde_json::from_value::<Vec<orders::OrderItemInput>>(
            json!([{"sku": "LAP-1", "quantity": 1, "contractLength": 6}]),
        )
        .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(
        q.totals.total, o.totals.total,
        "the quote shows what the order will be"
    );
    // The whole contract as it will be invoiced: six monthly payments with their VAT.
    assert_eq!(q.prices.monthly.gross, q.totals.total);
    assert_eq!(
        q.prices.contract.net, q.contract_value,
        "prices here are before VAT"
    );
    assert_eq!(
        q.prices.contract.gross.0,
        q.prices.monthly.gross.0 * rust_decimal::Decimal::from(6)
    );
    assert_eq!(
        q.prices.contract.tax.0,
        q.prices.contract.gross.0 - q.prices.contract.net.0,
        "net and VAT make the gross"
    );
    // Each line the same way: one device for one month, and the line's whole contract.
    assert_eq!(q.prices.lines.len(), 1);
    assert_eq!(q.prices.lines[0].month.gross, q.prices.monthly.gross);
    assert_eq!(q.prices.lines[0].contract.gross, q.prices.contract.gross);
    let unknown: orders::OrderInput = serde_json::from_value(
        json!({"customerId": "cus_missing", "items": [{"sku": "LAP-1", "quantity": 1}]}),
    )
    .unwrap();
    assert_code!(
        orders::create(&t.core.db, &t.ctx(), unknown).await,
        ErrorCode::CustomerNotFound
    );
}

#[tokio::test]
async fn confirm_and_cancel_follow_the_status_rules() {
    let t = TestCore::new().await;
    t.laptop("LAP-1").await;
    let o = orders::create(
        &t.core.db,
        &t.ctx(),
        order_input("e@x.example", json!([{"sku": "LAP-1", "quantity": 1}])),
    )
    .await
    .unwrap()
    .order;
    let c = orders::confirm(&t.core.db, &t.ctx(), &o.order_number)
        .await
        .unwrap();
    assert_eq!(
        c.status,
        OrderStatus::Confirmed,
        "an order is found by its printed number too"
    );
    assert!(c.confirmed_at.is_some());
    assert_code!(
        orders::confirm(&t.core.db, &t.ctx(), &o.order_id).await,
        ErrorCode::InvalidStatus
    );
    let x = orders::cancel(
        &t.core.db,
        &t.ctx(),
        &o.order_id,
        Some("Customer moved abroad".into()),
    )
    .await
    .unwrap();
    assert_eq!(x.status, OrderStatus::Cancelled);
    assert_eq!(x.cancel_reason.as_deref(), Some("Customer moved abroad"));
    assert_code!(
        orders::cancel(&t.core.db, &t.ctx(), &o.order_id, None).await,
        ErrorCode::AlreadyCancelled
    );
    assert_code!(
        orders::confirm(&t.core.db, &t.ctx(), &o.order_id).await,
        ErrorCode::AlreadyCancelled
    );
    assert_code!(
        orders::cancel(&t.core.db, &t.ctx(), "ord_missing", None).await,
        ErrorCode::NotFound
    );
    let long = "x".repeat(1001);
    t.clock.advance(chrono::Duration::minutes(5));
    let o2 = orders::create(
        &t.core.db,
        &t.ctx(),
        order_input("e@x.example", json!([{"sku": "LAP-1", "quantity": 1}])),
    )
    .await
    .unwrap()
    .order;
    assert_code!(
        orders::cancel(&t.core.db, &t.ctx(), &o2.order_id, Some(long)).await,
        ErrorCode::ValidationError
    );
    let events = timeline::list(
        &t.core.db,
        &t.bu.id,
        &timeline::TimelineQuery {
            entity_type: Some("order".into()),
            entity_id: Some(o.order_id.clone()),
            limit: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(
        events.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        vec!["cancelled", "confirmed", "created"]
    );
}

#[tokio::test]
async fn an_order_with_rented_devices_is_not_cancellable() {
    let t = TestCore::new().await;
    t.laptop("LAP-1").await;
    let o = orders::create(
        &t.core.db,
        &t.ctx(),
        order_input("e@x.example", json!([{"sku": "LAP-1", "quantity": 2}])),
    )
    .await
    .unwrap()
    .order;
    orders::confirm(&t.core.db, &t.ctx(), &o.order_id)
        .await
        .unwrap();
    // One unit activated: the state activation leaves behind.
    sqlx::query("UPDATE orders SET status = 'partial', rented_devices = 1 WHERE id = ?")
        .bind(&o.order_id)
        .execute(t.core.db.pool())
        .await
        .unwrap();
    assert_code!(
        orders::cancel(&t.core.db, &t.ctx(), &o.order_id, None).await,
        ErrorCode::OrderNotCancellable
    );
}

#[tokio::test]
async fn notes_replace_the_previous_ones_up_to_5000_characters() {
    let t = TestCore::new().await;
    t.laptop("LAP-1").await;
    let o = orders::create(
        &t.core.db,
        &t.ctx(),
        order_input("e@x.example", json!([{"sku": "LAP-1", "quantity": 1}])),
    )
    .await
    .unwrap()
    .order;
    orders::set_notes(&t.core.db, &t.ctx(), &o.order_id, "first")
        .await
        .unwrap();
    let n = orders::set_notes(&t.core.db, &t.ctx(), &o.order_id, "second")
        .await
        .unwrap();
    assert_eq!(n.notes.as_deref(), Some("second"));
    assert_code!(
        orders::set_notes(&t.core.db, &t.ctx(), &o.order_id, &"x".repeat(5001)).await,
        ErrorCode::ValidationError
    );
}

#[tokio::test]
async fn orders_list_by_status_and_customer_with_cursors() {
    let t = TestCore::new().await;
    t.laptop("LAP-1").await;
    let mut ids = Vec::new();
    for i in 0..5 {
        t.clock.advance(chrono::Duration::minutes(5));
        let o = orders::create(
            &t.core.db,
            &t.ctx(),
            order_input(
                &format!("c{}@x.example", i % 2),
                json!([{"sku": "LAP-1", "quantity": 1}]),
            ),
        )
        .await
        .unwrap()
        .order;
        if i < 2 {
            orders::confirm(&t.core.db, &t.ctx(), &o.order_id)
                .await
                .unwrap();
        }
        ids.push(o);
    }
    let confirmed = orders::list(
        &t.core.db,
        &t.bu,
        &orders::OrderQuery {
            status: Some("confirmed".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(confirmed.items.len(), 2);
    let by_customer = orders::list(
        &t.core.db,
        &t.bu,
        &orders::OrderQuery {
            customer_id: Some(ids[0].customer.customer_id.clone()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(by_customer.items.len(), 3);
    // Placed between two days (inclusive; the desk's business days).
    let between = |from: &str, to: &str| orders::OrderQuery {
        created_from: Some(from.into()),
        created_to: Some(to.into()),
        ..Default::default()
    };
    let day = t.day().to_string();
    let n = orders::list(&t.core.db, &t.bu, &between(&day, &day))
        .await
        .unwrap()
        .items
        .len();
    assert_eq!(n, ids.len());
    let next = (t.day() + chrono::Days::new(1)).to_string();
    assert!(orders::list(&t.core.db, &t.bu, &between(&next, &next))
        .await
        .unwrap()
        .items
        .is_empty());
    assert_code!(
        orders::list(&t.core.db, &t.bu, &between("2026-13-01", &day)).await,
        ErrorCode::ValidationError
    );
    let p1 = orders::list(
        &t.core.db,
        &t.bu,
        &orders::OrderQuery {
            limit: Some("2".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let p2 = orders::list(
        &t.core.db,
        &t.bu,
        &orders::OrderQuery {
            limit: Some("2".into()),
            start_after: p1.next_cursor.clone(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(p1.items[0].order_id, ids[4].order_id);
    assert_eq!(p2.items[0].order_id, ids[2].order_id);
    assert_code!(
        orders::list(
            &t.core.db,
            &t.bu,
            &orders::OrderQuery {
                status: Some("shipped".into()),
                ..Default::default()
            }
        )
        .await,
        ErrorCode::ValidationError
    );
}
