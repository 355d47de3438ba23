//! The demo's business customers and billing group, its month-end run, and the payments and lifecycle events that make its history.

use super::*;

/// Two business customers with several laptops each: Noordkade's are billed together in a
/// billing group (one invoice a month on the 28th); Vondel's still bill one by one, so a newcomer
/// can make a group of them.
pub(super) async fn business_accounts(
    core: &Core,
    ctx_at: &(dyn Fn(&Actor, i64) -> Ctx + Sync),
    counter: &Actor,
    warehouse: &Actor,
    sku: &str,
    stock: &mut HashMap<String, Vec<String>>,
) -> Result<()> {
    let accounts = [
        (
            "Noordkade Architecten B.V.",
            "Sanne",
            "Visser",
            "finance@noordkade.example",
            "Noordkade 12",
            "1013 AB",
            3,
            true,
        ),
        (
            "Vondel Dental B.V.",
            "Pieter",
            "Mulder",
            "praktijk@vondeldental.example",
            "Vondelstraat 88",
            "1054 GN",
            2,
            false,
        ),
    ];
    for (k, (company, first, last, email, street, zip, devices, grouped)) in
        accounts.into_iter().enumerate()
    {
        let address = customers::Address {
            contact_name: format!("{first} {last}"),
            company: Some(company.into()),
            street_address: street.into(),
            city: "Amsterdam".into(),
            postal_code: Some(zip.into()),
            country: "Netherlands".into(),
            ..Default::default()
        };
        let started = 100 - k as i64 * 10;
        let c = customers::create(
            &core.db,
            &ctx_at(counter, started + 2),
            customers::NewCustomer {
                email: email.into(),
                first_name: first.into(),
                last_name: last.into(),
                company: Some(company.into()),
                customer_type: Some(CustomerType::Business),
                vat_id: Some(format!("NL00{}B01", 7215300 + k * 1111)),
                billing_address: Some(address.clone()),
                shipping_address: Some(address),
                ..Default::default()
            },
        )
        .await?;
        let placed = orders::create(
            &core.db,
            &ctx_at(counter, started + 1),
            orders::OrderInput {
                customer_id: Some(c.customer_id.clone()),
                items: vec![orders::OrderItemInput {
                    sku: sku.to_string(),
                    quantity: json!(devices),
                    contract_length: Some(json!(24)),
                    ..Default::default()
                }],
                ..Default::default()
            },
        )
        .await?;
        let id = placed.order.order_id;
        orders::confirm(&core.db, &ctx_at(counter, started + 1), &id).await?;
        let mut rentals = Vec::new();
        for _ in 0..devices {
            let Some(serial) = stock.get_mut(sku).and_then(|l| l.pop()) else {
                break;
            };
            let a = subs::activate(
                &core.db,
                &ctx_at(warehouse, started),
                subs::ActivateInput {
                    order_id: id.clone(),
                    asset_serial_number: serial,
                    ..Default::default()
                },
            )
            .await?;
            rentals.push(a.rental.rental_id);
        }
        if grouped && rentals.len() > 1 {
            billing::create(
                &core.db,
                &ctx_at(counter, started - 1),
                billing::NewGroup {
                    customer_id: c.customer_id,
                    group_name: format!("{company} — studio laptops"),
                    billing_day: json!(28),
                    rental_ids: rentals,
                    notes: Some("One invoice a month; 14 days to pay.".into()),
                    ..Default::default()
                },
            )
            .await?;
        }
    }
    Ok(())
}

/// Invoice everything due up to today (as the accountant's month-end run would), mark the older
/// consolidated invoices paid, and correct one invoice with a credit note.
pub(super) async fn month_end(core: &Core, bu: &BusinessUnit, admin: &Actor) -> Result<()> {
    let now = core.now();
    let ctx = Ctx::new(admin.clone(), bu.clone(), &core.desk.code, now);
    while invoices::run(&core.db, &ctx, now.date_naive(), 500)
        .await?
        .remaining
        > 0
    {}
    let today = now.date_naive().format("%Y-%m-%d").to_string();
    let groups: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM payments WHERE bu_id = ? AND payment_type = 'consolidated' AND status = 'pending' AND invoice_id IS NOT NULL
         AND due_date < ? ORDER BY due_date",
    )
    .bind(&bu.id)
    .bind(&today)
    .fetch_all(core.db.pool())
    .await?;
    for id in groups.iter().skip(1) {
        payments::mark_paid(
            &core.db,
            &ctx,
            id,
            payments::MarkPaid {
                method: Some("bank_transfer".into()),
                payment_reference: Some("SEPA batch".into()),
                ..Default::default()
            },
        )
        .await?;
    }
    let open: Option<String> = sqlx::query_scalar(
        "SELECT i.id FROM invoices i JOIN payments p ON p.id = i.payment_id
         WHERE i.bu_id = ? AND p.status = 'pending' AND p.payment_type = 'individual' ORDER BY i.seq LIMIT 1",
    )
    .bind(&bu.id)
    .fetch_optional(core.db.pool())
    .await?;
    if let Some(id) = open {
        invoices::credit(
            &core.db,
            &ctx,
            &id,
            "Billed twice by mistake; the customer keeps one invoice.",
        )
        .await?;
    }
    Ok(())
}

/// Payments and a few lifecycle events on the demo's subscriptions: most customers paid on
/// time, some are overdue or failed; one device came back early (awaiting inspection), one was
/// bought out, one cancelled, one extended and one replaced.
pub(super) async fn life(
    core: &Core,
    bu: &BusinessUnit,
    admin: &Actor,
    counter: &Actor,
    warehouse: &Actor,
    rentals: &[(String, String)],
    stock: &mut HashMap<String, Vec<String>>,
) -> Result<()> {
    let now = core.now();
    let today = now.date_naive().format("%Y-%m-%d").to_string();
    let accounts = Ctx::new(admin.clone(), bu.clone(), &core.desk.code, now);
    for (k, (rid, _)) in rentals.iter().enumerate() {
        let q = payments::PaymentQuery {
            rental_id: Some(rid.clone()),
            limit: Some("100".into()),
            sort_dir: Some("asc".into()),
            ..Default::default()
        };
        let due: Vec<payments::Payment> = payments::list(&core.db, bu, &q, now.date_naive())
            .await?
            .items
            .into_iter()
            .filter(|p| p.due_date < today)
            .collect();
        let n = due.len();
        for (j, p) in due.iter().enumerate() {
            let last = j + 1 == n;
            if last && k % 9 == 4 {
                continue; // overdue
            }
            if last && k % 13 == 6 {
                payments::mark_failed(
                    &core.db,
                    &accounts,
                    &p.payment_id,
                    "Direct debit returned: insufficient funds",
                )
                .await?;
                continue;
            }
            payments::mark_paid(
                &core.db,
                &accounts,
                &p.payment_id,
                payments::MarkPaid {
                    payment_reference: Some(format!("BANK-{}", p.due_date.replace('-', ""))),
                    paid_at: Some(p.due_date.clone()),
                    method: Some(if k % 3 == 0 { "card" } else { "bank_transfer" }.into()),
                    ..Default::default()
                },
            )
            .await?;
        }
    }
    let front = Ctx::new(counter.clone(), bu.clone(), &core.desk.code, now);
    let desk = Ctx::new(warehouse.clone(), bu.clone(), &core.desk.code, now);
    let pick = |i: usize| rentals.get(i).map(|r| r.0.clone());
    if let Some(r) = pick(3) {
        subs::receive_return(
            &core.db,
            &desk,
            subs::ReceiveInput {
                serial_number: subs::get(&core.db, bu, &r, now.date_naive())
                    .await?
                    .asset_serial_number,
                return_condition: Some("good".into()),
                reason: Some("Moving abroad".into()),
                ..Default::default()
            },
        )
        .await?;
    }
    if let Some(r) = pick(5) {
        subs::buyout(
            &core.db,
            &front,
            &r,
            subs::BuyoutInput {
                reason: Some("customer_request".into()),
                ..Default::default()
            },
        )
        .await?;
    }
    if let Some(r) = pick(7) {
        subs::cancel(
            &core.db,
            &front,
            &r,
            subs::CancelInput {
                reason: Some("payment_failure".into()),
                notes: Some("Three reminders unanswered.".into()),
            },
        )
        .await?;
    }
    if let Some(r) = pick(9) {
        subs::extend(
            &core.db,
            &front,
            &r,
            subs::ExtendInput {
                extension_months: json!(12),
                reason: Some("Customer keeps the device another year".into()),
                ..Default::default()
            },
        )
        .await?;
    }
    if let Some((r, sku)) = rentals.get(11) {
        if let Some(spare) = stock.get_mut(sku).and_then(|l| l.pop()) {
            subs::replace(
                &core.db,
                &desk,
                r,
                subs::ReplaceInput {
                    new_serial_number: spare,
                    replacement_reason: Some("defective".into()),
                    damage_assessment: Some("Battery swelling".into()),
                    ..Default::default()
                },
            )
            .await?;
        }
    }
    Ok(())
}
