//! The demo business a newcomer sees on first start: two business units (Amsterdam in EUR with
//! 21 % VAT, Austin in USD with sales tax), a catalog of laptops, phones, e-bikes, office chairs
//! and strollers priced for 6/12/24/36 months, individual and business customers, orders in the
//! states the desk can reach, and a few hundred serialised assets. Everything goes through the
//! same services a person would use, so timelines, numbering and rules are real. Deterministic:
//! the same database contents every time (apart from ids and the "now" it is generated at).

use crate::domain::serial::imei_with_check_digit;
use crate::domain::settings::{BuSettings, Seller};
use crate::domain::status::{CustomerType, Role};
use crate::error::Result;
use crate::services::signin::{self, SetBy};
use crate::services::{
    assets, billing, business_units, catalog, customers, invoices, orders, payments,
    subscriptions as subs, users, BusinessUnit, Ctx,
};
use crate::store::Actor;
use crate::Core;
use chrono::Duration;
use rust_decimal::Decimal;
use serde_json::json;
use std::collections::HashMap;

mod business;
mod data;

use business::*;
pub use data::Rng;
use data::*;

/// The PINs of the demo's Administrator, warehouse, counter and accounts people.
pub const DEMO_PINS: [&str; 4] = ["1111", "2222", "3333", "4444"];

/// Load the demo business if the database has no business unit yet. Returns whether it did.
pub async fn seed_if_empty(core: &Core) -> Result<bool> {
    match seed_staged(core).await? {
        Some(rest) => {
            rest.await?;
            Ok(true)
        }
        None => Ok(false),
    }
}

/// The rest of the demo business, loaded after the people and business units exist.
pub type DemoRest = std::pin::Pin<Box<dyn std::future::Future<Output = Result<()>> + Send>>;

/// Load the demo in two stages: the people and the two business units now (a few milliseconds,
/// enough for the start screen), and everything else in the returned future, which the desktop
/// runs behind the open window. `None` when the database is not empty. While the rest loads,
/// `Core::demo_loading` is set.
pub async fn seed_staged(core: &Core) -> Result<Option<DemoRest>> {
    if !business_units::list(&core.db).await?.is_empty() {
        return Ok(None);
    }
    let now = core.now();
    let admin = users::list(&core.db)
        .await?
        .into_iter()
        .find(|u| u.role == "admin")
        .expect("an administrator exists");
    let people = [
        ("Sam Warehouse", Role::Warehouse),
        ("Chris Counter", Role::Counter),
        ("Alex Accounts", Role::Accountant),
    ];
    // The demo's people sign in with these PINs, shown on a demo database's start screen.
    if admin.secret_kind.is_none() {
        signin::set_secret(
            &core.db,
            &admin.actor(),
            now,
            &admin.id,
            DEMO_PINS[0],
            SetBy::Demo,
        )
        .await?;
    }
    let mut staff = Vec::new();
    for ((name, role), pin) in people.into_iter().zip(&DEMO_PINS[1..]) {
        let user = users::create(
            &core.db,
            &admin.actor(),
            now,
            users::NewUser {
                name: name.into(),
                role,
                secret: None,
            },
        )
        .await?;
        signin::set_secret(&core.db, &admin.actor(), now, &user.id, pin, SetBy::Demo).await?;
        staff.push(user.actor());
    }
    let (warehouse, counter) = (staff[0].clone(), staff[1].clone());
    let nl = business_units::create(
        &core.db,
        &admin.actor(),
        now,
        business_units::NewBusinessUnit {
            name: "FlexRent Amsterdam".into(),
            currency: "EUR".into(),
            code: Some("NL".into()),
            country: Some("NL".into()),
            timezone: Some("Europe/Amsterdam".into()),
            settings: Some(BuSettings {
                tax_rate: Decimal::from(21),
                tax_inclusive: false,
                seller: Seller {
                    legal_name: "FlexRent Amsterdam B.V.".into(),
                    street_address: "Herengracht 182".into(),
                    postal_code: "1016 BR".into(),
                    city: "Amsterdam".into(),
                    country: "Netherlands".into(),
                    vat_id: "NL859123456B01".into(),
                    registration_number: "81234567".into(),
                    email: "billing@flexrent.example".into(),
                    phone: "+31 20 555 0182".into(),
                    bank_account: "NL91 ABNA 0417 1643 00".into(),
                    bic: "ABNANL2A".into(),
                    einvoice_address: "0106:12345678".into(),
                    sepa_creditor_id: "NL98ZZZ999999999999".into(),
                },
                ..BuSettings::default()
            }),
        },
    )
    .await?;
    let us = business_units::create(
        &core.db,
        &admin.actor(),
        now,
        business_units::NewBusinessUnit {
            name: "FlexRent Austin".into(),
            currency: "USD".into(),
            code: Some("US".into()),
            country: Some("US".into()),
            timezone: Some("America/Chicago".into()),
            settings: Some(BuSettings {
                tax_rate: Decimal::new(825, 2),
                billing_start: crate::domain::settings::BillingStart::FirstOfNextMonth,
                payment_terms_days: 14,
                seller: Seller {
                    legal_name: "FlexRent Austin LLC".into(),
                    street_address: "600 Congress Ave, Suite 1400".into(),
                    postal_code: "78701".into(),
                    city: "Austin, TX".into(),
                    country: "United States".into(),
                    vat_id: String::new(),
                    registration_number: String::new(),
                    email: "billing@flexrent-us.example".into(),
                    phone: "+1 512 555 0600".into(),
                    bank_account: "ACH 111000025 / 000123456789".into(),
                    bic: String::new(),
                    einvoice_address: String::new(),
                    sepa_creditor_id: String::new(),
                },
                ..BuSettings::default()
            }),
        },
    )
    .await?;

    core.demo_loading
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let core = core.clone();
    let admin = admin.actor();
    Ok(Some(Box::pin(async move {
        let mut rng = Rng::new(0x5EED_F1E5);
        let r = async {
            populate(
                &core,
                &nl,
                &admin,
                &warehouse,
                &counter,
                &mut rng,
                Market::Nl,
            )
            .await?;
            populate(
                &core,
                &us,
                &admin,
                &warehouse,
                &counter,
                &mut rng,
                Market::Us,
            )
            .await
        }
        .await;
        core.demo_loading
            .store(false, std::sync::atomic::Ordering::SeqCst);
        r
    })))
}

#[derive(Clone, Copy, PartialEq)]
enum Market {
    Nl,
    Us,
}

async fn populate(
    core: &Core,
    bu: &BusinessUnit,
    admin: &Actor,
    warehouse: &Actor,
    counter: &Actor,
    rng: &mut Rng,
    market: Market,
) -> Result<()> {
    let now = core.now();
    let ctx_at = |actor: &Actor, days_ago: i64| {
        Ctx::new(
            actor.clone(),
            bu.clone(),
            &core.desk.code,
            now - Duration::days(days_ago) - Duration::minutes((days_ago * 37) % 600),
        )
    };
    // Catalog, created 200 days ago; the US unit carries a smaller range in dollars.
    let models: Vec<&Model> = match market {
        Market::Nl => MODELS.iter().collect(),
        Market::Us => MODELS
            .iter()
            .filter(|m| !matches!(m.sku, "FP5" | "GAZ-C380" | "JOOLZ-DAY" | "VM-S5"))
            .collect(),
    };
    let usd = |eur: i64| {
        if market == Market::Us {
            (eur as f64 * 1.05).round() as i64
        } else {
            eur
        }
    };
    for m in &models {
        let variants: Vec<catalog::VariantInput> = m.variants.iter().map(|(suffix, vname, grade, color, list, cost)| {
            let list = usd(*list);
            let pricing: Vec<serde_json::Value> = [6u32, 12, 24, 36].iter().map(|l| json!({"contractLength": l, "monthlyPrice": monthly(list, *l).to_string()})).collect();
            catalog::VariantInput {
                variant_sku: format!("{}-{}", m.sku, suffix),
                variant_name: vname.to_string(),
                grade: grade.to_string(),
                color_name: Some(color.to_string()),
                list_price: Some(crate::money::Money(Decimal::from(list))),
                acquisition_cost: Some(crate::money::Money(Decimal::from(usd(*cost)))),
                pricing: serde_json::Value::Array(pricing),
                ..Default::default()
            }
        }).collect();
        catalog::save_product(
            &core.db,
            &ctx_at(admin, 200),
            catalog::ProductInput {
                product_sku: m.sku.into(),
                name: m.name.into(),
                specification: json!(m.spec),
                category: m.category.into(),
                brand: m.brand.into(),
                description: Some(format!("{} {} for rent by the month.", m.brand, m.name)),
                variants,
                ..Default::default()
            },
        )
        .await?;
    }

    // Assets: a few hundred units spread over the variants, taken in over the last months.
    let asset_count = if market == Market::Nl { 320 } else { 140 };
    let locations = [
        "Warehouse A · Rack 1",
        "Warehouse A · Rack 2",
        "Warehouse A · Rack 3",
        "Warehouse B · Bay 4",
        "Repair bench",
    ];
    let all_variants: Vec<(&Model, String)> = models
        .iter()
        .flat_map(|m| {
            m.variants
                .iter()
                .map(move |v| (*m, format!("{}-{}", m.sku, v.0)))
        })
        .collect();
    let mut taken = 0;
    let mut serials = Vec::new();
    // Available serials by SKU, for the activations below.
    let mut stock: HashMap<String, Vec<String>> = HashMap::new();
    while taken < asset_count {
        let (m, sku) = rng.pick(&all_variants);
        let serial = (m.serial)(rng);
        let days = 180 - (taken as i64 * 170 / asset_count as i64);
        let ctx = ctx_at(warehouse, days);
        let cond = *rng.pick(&["new", "new", "new", "excellent", "good"]);
        match assets::create(
            &core.db,
            &ctx,
            assets::AssetInput {
                serial_number: serial.clone(),
                sku: sku.clone(),
                location: Some(rng.pick(&locations[..4]).to_string()),
                condition: Some(cond.into()),
                ..Default::default()
            },
        )
        .await
        {
            Ok(_) => {
                taken += 1;
                stock.entry(sku.clone()).or_default().push(serial.clone());
                serials.push(serial);
            }
            Err(e) if e.code == crate::ErrorCode::AssetExists => continue,
            Err(e) => return Err(e),
        }
    }
    // A few units went to repair.
    for serial in serials.iter().step_by(23) {
        for list in stock.values_mut() {
            list.retain(|s| s != serial);
        }
        assets::update(
            &core.db,
            &ctx_at(warehouse, 5),
            serial,
            assets::AssetUpdate {
                status: Some("unavailable".into()),
                location: Some("Repair bench".into()),
                condition: Some("damaged".into()),
                notes: Some("Screen cracked in transit; awaiting parts.".into()),
                ..Default::default()
            },
        )
        .await?;
    }

    // Customers: individuals and businesses.
    let n_customers = if market == Market::Nl { 48 } else { 24 };
    let mut customer_ids = Vec::new();
    for i in 0..n_customers {
        let business = i % 5 == 0;
        let (first, last) = match market {
            Market::Nl => (*rng.pick(FIRST), *rng.pick(LAST)),
            Market::Us => (*rng.pick(US_FIRST), *rng.pick(US_LAST)),
        };
        let company = business.then(|| match market {
            Market::Nl => NL_COMPANIES[(i / 5) % NL_COMPANIES.len()].to_string(),
            Market::Us => US_COMPANIES[(i / 5) % US_COMPANIES.len()].to_string(),
        });
        let local = format!("{}.{}{}", first, last.replace(' ', ""), i).to_lowercase();
        let domain = match (&company, market) {
            (Some(c), _) => format!(
                "{}.example",
                c.split_whitespace()
                    .next()
                    .unwrap_or("company")
                    .to_lowercase()
                    .replace(['&', '.'], "")
            ),
            (None, Market::Nl) => "mail.example.nl".into(),
            (None, Market::Us) => "mail.example.com".into(),
        };
        let address = match market {
            Market::Nl => {
                let (city, pc, street) = *rng.pick(NL_CITIES);
                customers::Address {
                    contact_name: format!("{first} {last}"),
                    company: company.clone(),
                    street_address: format!("{street} {}", 1 + rng.below(200)),
                    city: city.into(),
                    postal_code: Some(pc.into()),
                    country: "Netherlands".into(),
                    ..Default::default()
                }
            }
            Market::Us => {
                let (city, zip, street, state) = *rng.pick(US_CITIES);
                customers::Address {
                    contact_name: format!("{first} {last}"),
                    company: company.clone(),
                    street_address: format!("{} {street}", 100 + rng.below(2000)),
                    city: city.into(),
                    admin_area: Some(state.into()),
                    postal_code: Some(zip.into()),
                    country: "United States".into(),
                    ..Default::default()
                }
            }
        };
        let c = customers::create(
            &core.db,
            &ctx_at(counter, 160 - i as i64 * 3),
            customers::NewCustomer {
                email: format!("{local}@{domain}"),
                first_name: first.into(),
                last_name: last.into(),
                company: company.clone(),
                phone: Some(match market {
                    Market::Nl => format!("+31 6 {}", rng.digits(8)),
                    Market::Us => format!("+1 512 555 {}", rng.digits(4)),
                }),
                customer_type: Some(if business {
                    CustomerType::Business
                } else {
                    CustomerType::Individual
                }),
                vat_id: (business && market == Market::Nl)
                    .then(|| format!("NL{}B01", rng.digits(9))),
                billing_address: Some(address.clone()),
                shipping_address: Some(address),
                ..Default::default()
            },
        )
        .await?;
        customer_ids.push(c.customer_id);
    }

    // Orders over the last months: placed at the counter, most confirmed, some cancelled, the
    // newest still pending.
    let n_orders = if market == Market::Nl { 60 } else { 28 };
    let mut rentals: Vec<(String, String)> = Vec::new();
    for i in 0..n_orders {
        let customer_id = rng.pick(&customer_ids).clone();
        let lines = 1 + rng.below(if i % 7 == 0 { 3 } else { 2 });
        let mut items = Vec::new();
        for _ in 0..lines {
            let (_, sku) = rng.pick(&all_variants);
            if items
                .iter()
                .any(|it: &orders::OrderItemInput| &it.sku == sku)
            {
                continue;
            }
            let qty = if i % 7 == 0 { 1 + rng.below(3) } else { 1 };
            let len = *rng.pick(&[6u32, 12, 12, 24, 24, 36]);
            items.push(orders::OrderItemInput {
                sku: sku.clone(),
                quantity: json!(qty),
                contract_length: Some(json!(len)),
                ..Default::default()
            });
        }
        let days = 120 - (i as i64 * 118 / n_orders as i64);
        let ctx = ctx_at(counter, days);
        let placed = orders::create(
            &core.db,
            &ctx,
            orders::OrderInput {
                customer_id: Some(customer_id),
                items,
                ..Default::default()
            },
        )
        .await?;
        let id = placed.order.order_id;
        match i % 10 {
            0 => {
                orders::cancel(
                    &core.db,
                    &ctx_at(counter, days - 1),
                    &id,
                    Some("Customer changed their mind".into()),
                )
                .await?;
            }
            7..=9 if days < 20 => {} // recent: still pending
            _ => {
                orders::confirm(&core.db, &ctx_at(counter, (days - 1).max(0)), &id).await?;
                // The warehouse scans devices onto most confirmed orders a day later: all of
                // them, or only the first (partial); a few wait at the scan station.
                if i % 6 != 5 {
                    let wctx = ctx_at(warehouse, (days - 2).max(0));
                    let units: Vec<(String, i64)> = placed
                        .order
                        .items
                        .iter()
                        .map(|it| (it.sku.clone(), it.quantity))
                        .collect();
                    let mut done = 0;
                    'units: for (sku, qty) in units {
                        for _ in 0..qty {
                            if i % 6 == 2 && done == 1 {
                                break 'units;
                            }
                            let Some(serial) = stock.get_mut(&sku).and_then(|l| l.pop()) else {
                                continue;
                            };
                            let a = subs::activate(
                                &core.db,
                                &wctx,
                                subs::ActivateInput {
                                    order_id: id.clone(),
                                    asset_serial_number: serial,
                                    ..Default::default()
                                },
                            )
                            .await?;
                            rentals.push((a.rental.rental_id, sku.clone()));
                            done += 1;
                        }
                    }
                }
            }
        }
        if i % 9 == 4 {
            orders::set_notes(
                &core.db,
                &ctx_at(counter, days.max(1) - 1),
                &id,
                "Deliver after 17:00; ring the bell twice.",
            )
            .await?;
        }
    }
    life(core, bu, admin, counter, warehouse, &rentals, &mut stock).await?;
    if market == Market::Nl {
        // The laptop model with the most units in stock.
        let sku = all_variants
            .iter()
            .filter(|(m, _)| m.category == "Laptops")
            .map(|(_, s)| s.clone())
            .max_by_key(|s| stock.get(s).map(Vec::len).unwrap_or(0))
            .unwrap_or_default();
        business_accounts(core, &ctx_at, counter, warehouse, &sku, &mut stock).await?;
    }
    month_end(core, bu, admin).await
}
