//! The calendar's hard days, on a fixed clock: a billing group made in the middle of its members'
//! billing periods, a contract that starts on a leap day and renews month by month past its end,
//! and invoice numbers across a year end. Each rule is in docs/rules.md.

use crate::support::TestCore;
use chrono::{Months, NaiveDate};
use flexdesk::services::billing::{self, NewGroup};
use flexdesk::services::payments::{self, Payment, PaymentQuery};
use flexdesk::services::subscriptions::{self as subs, ActivateInput};
use flexdesk::services::{customers, invoices, runs};
use serde_json::json;

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

async fn activate(t: &TestCore, order_id: &str, serial: &str) -> String {
    t.asset(serial, "LAP-14").await;
    subs::activate(
        &t.core.db,
        &t.ctx(),
        ActivateInput {
            order_id: order_id.into(),
            asset_serial_number: serial.into(),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .rental
    .rental_id
}

/// On this day, a private customer's confirmed order of `quantity` laptops for 12 months.
async fn laptops_ordered_on(
    t: &TestCore,
    (y, m, d): (i32, u32, u32),
    quantity: u32,
) -> flexdesk::services::orders::Order {
    t.laptop("LAP-14").await;
    t.go_to(y, m, d);
    t.confirmed_order(
        "emma@mail.example",
        json!([{"sku": "LAP-14", "quantity": quantity, "contractLength": 12}]),
    )
    .await
}

async fn all_payments(t: &TestCore, q: PaymentQuery) -> Vec<Payment> {
    let mut q = q;
    q.limit = Some("100".into());
    q.sort_dir = Some("asc".into());
    let page = payments::list(&t.core.db, &t.bu, &q, t.day())
        .await
        .unwrap();
    assert!(page.next_cursor.is_none(), "one page is enough here");
    let mut items = page.items;
    items.sort_by(|a, b| a.invoice_date.cmp(&b.invoice_date));
    items
}

#[tokio::test]
async fn a_group_made_mid_period_bills_each_member_from_the_first_billing_day_on_or_after_its_next_invoice(
) {
    let t = TestCore::new().await;
    t.laptop("LAP-14").await;
    customers::create(
        &t.core.db,
        &t.ctx(),
        serde_json::from_value(json!({
            "email": "it@acme.example", "firstName": "Jan", "lastName": "Bakker", "company": "Acme B.V.",
            "customerType": "business",
            "billingAddress": {"contactName": "Jan Bakker", "streetAddress": "Stationsplein 3", "city": "Utrecht", "postalCode": "3511 ED", "country": "Netherlands"}
        }))
        .unwrap(),
    )
    .await
    .unwrap();
    // Laptop A from 10 January, laptop B from 31 January: they bill on the 10th and at each
    // month's end (28 February, 31 March, …).
    t.go_to(2026, 1, 10);
    let order = t
        .confirmed_order(
            "it@acme.example",
            json!([{"sku": "LAP-14", "quantity": 2, "contractLength": 12}]),
        )
        .await;
    let a = activate(&t, &order.order_id, "ACME-A").await;
    t.go_to(2026, 1, 31);
    let b = activate(&t, &order.order_id, "ACME-B").await;

    // On 3 February the customer's two laptops become a group billed on the 15th.
    t.go_to(2026, 2, 3);
    let g = billing::create(
        &t.core.db,
        &t.ctx(),
        NewGroup {
            customer_id: order.customer.customer_id.clone(),
            group_name: "Acme head office".into(),
            billing_day: json!(15),
            rental_ids: vec![a.clone(), b.clone()],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(g.consolidate_from, "2026-02-03");

    // What was invoiced before the group existed stays each laptop's own.
    let own = all_payments(&t, PaymentQuery::default()).await;
    let before: Vec<_> = own
        .iter()
        .filter(|p| p.payment_type.as_str() == "individual")
        .map(|p| (p.rental_id.clone().unwrap(), p.invoice_date.clone()))
        .collect();
    assert_eq!(
        before,
        vec![
            (a.clone(), "2026-01-10".to_string()),
            (b.clone(), "2026-01-31".to_string())
        ]
    );

    // The first consolidated payment (15 February) holds A's February month only: B's next
    // month starts on 28 February, after that billing day, so it joins 15 March.
    let group = all_payments(
        &t,
        PaymentQuery {
            billing_group_id: Some(g.billing_group_id.clone()),
            ..Default::default()
        },
    )
    .await;
    let lines = |p: &Payment| -> Vec<String> {
        let mut serials: Vec<String> = p
            .line_items
            .iter()
            .map(|l| l.serial_number.clone().unwrap_or_default())
            .collect();
        serials.sort();
        serials
    };
    assert_eq!(group[0].invoice_date, "2026-02-15");
    assert_eq!(lines(&group[0]), vec!["ACME-A"]);
    assert_eq!(group[1].invoice_date, "2026-03-15");
    assert_eq!(lines(&group[1]), vec!["ACME-A", "ACME-B"]);
    // From then on every consolidated payment has both laptops, each month's line on the first
    // 15th on or after that month's own invoice date: never earlier, never a month later.
    assert!(group[1..group.len() - 1]
        .iter()
        .all(|p| p.line_items.len() == 2));
    for p in &group {
        assert!(p.invoice_date.ends_with("-15"), "{}", p.invoice_date);
        let billed = day(&p.invoice_date);
        for l in &p.line_items {
            let own = payments::get(&t.core.db, &t.bu, l.payment_id.as_deref().unwrap(), t.day())
                .await
                .unwrap();
            let due = day(&own.invoice_date);
            assert!(
                due <= billed && billed < due + Months::new(1),
                "{}'s month invoiced {} is billed on {}",
                l.serial_number.as_deref().unwrap_or(""),
                own.invoice_date,
                p.invoice_date
            );
        }
    }
    let members: usize = group.iter().map(|p| p.line_items.len()).sum();
    assert_eq!(members, 22, "every month after the group's start, once");
}

#[tokio::test]
async fn a_contract_from_a_leap_day_ends_on_28_february_and_renews_month_by_month_without_drifting()
{
    let t = TestCore::new().await;
    let order = laptops_ordered_on(&t, (2028, 2, 29), 1).await;
    let r = activate(&t, &order.order_id, "LEAP-1").await;
    let s = subs::get(&t.core.db, &t.bu, &r, t.day()).await.unwrap();
    assert_eq!(s.start_date, "2028-02-29");
    assert_eq!(s.end_date, "2029-02-28");
    let starts =
        |ps: &[Payment]| -> Vec<String> { ps.iter().map(|p| p.period_start.clone()).collect() };
    let q = || PaymentQuery {
        rental_id: Some(r.clone()),
        ..Default::default()
    };
    let schedule = all_payments(&t, q()).await;
    assert_eq!(schedule.len(), 12);
    assert_eq!(schedule[0].period_start, "2028-02-29");
    assert_eq!(schedule[1].period_start, "2028-03-29");
    assert_eq!(schedule[11].period_start, "2029-01-29");
    assert_eq!(schedule[11].period_end, "2029-02-28");

    // The daily run on the end date adds the first month-by-month payment, from the end date;
    // the month after starts on the 29th again.
    t.go_to(2029, 2, 28);
    let rep = runs::daily(
        &t.core.db,
        &t.core.desk.code,
        flexdesk::clock::Clock::now(&*t.clock),
    )
    .await
    .unwrap();
    assert_eq!(rep.units[0].contract_end.renewal_payments, 1);
    let again = runs::daily(
        &t.core.db,
        &t.core.desk.code,
        flexdesk::clock::Clock::now(&*t.clock),
    )
    .await
    .unwrap();
    assert_eq!(
        again.units[0].contract_end.renewal_payments, 0,
        "once a day"
    );
    let renewed = all_payments(&t, q()).await;
    assert_eq!(renewed.len(), 13);
    assert_eq!(renewed[12].period_start, "2029-02-28");
    assert_eq!(renewed[12].period_end, "2029-03-29");
    t.go_to(2029, 3, 29);
    runs::daily(
        &t.core.db,
        &t.core.desk.code,
        flexdesk::clock::Clock::now(&*t.clock),
    )
    .await
    .unwrap();
    assert_eq!(
        starts(&all_payments(&t, q()).await[12..]),
        vec!["2029-02-28", "2029-03-29"]
    );
}

#[tokio::test]
async fn invoice_numbers_start_a_new_series_on_the_first_day_of_the_year() {
    let t = TestCore::new().await;
    let order = laptops_ordered_on(&t, (2026, 12, 31), 2).await;
    activate(&t, &order.order_id, "YEAR-1").await;
    let dec = invoices::run(&t.core.db, &t.ctx(), t.day(), 100)
        .await
        .unwrap();
    assert_eq!((dec.issued, dec.remaining), (1, 0));

    t.go_to(2027, 1, 1);
    activate(&t, &order.order_id, "YEAR-2").await;
    let jan = invoices::run(&t.core.db, &t.ctx(), t.day(), 100)
        .await
        .unwrap();
    assert_eq!((jan.issued, jan.remaining), (1, 0));

    let (code, desk) = (&t.bu.code, &t.core.desk.code);
    for (run, year, issued) in [(&dec, 2026, "2026-12-31"), (&jan, 2027, "2027-01-01")] {
        let i = invoices::get(&t.core.db, &t.bu, &run.invoice_ids[0])
            .await
            .unwrap()
            .invoice;
        assert_eq!(
            (i.number, i.issue_date.as_str()),
            (format!("{code}-{desk}-{year}-000001"), issued)
        );
    }
}
