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

/// A small deterministic generator (xorshift), so the demo needs no randomness crate.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
    pub fn alnum(&mut self, n: usize) -> String {
        const A: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ0123456789";
        (0..n)
            .map(|_| A[self.below(A.len() as u64) as usize] as char)
            .collect()
    }
    pub fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }
}

struct Model {
    sku: &'static str,
    name: &'static str,
    category: &'static str,
    brand: &'static str,
    spec: &'static str,
    /// (variant SKU suffix, variant name, grade, colour, list price, acquisition cost)
    variants: &'static [(
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        i64,
        i64,
    )],
    serial: fn(&mut Rng) -> String,
}

fn apple_serial(r: &mut Rng) -> String {
    format!("C02{}", r.alnum(9))
}
fn lenovo_serial(r: &mut Rng) -> String {
    format!("PF{}", r.alnum(6))
}
fn dell_serial(r: &mut Rng) -> String {
    r.alnum(7)
}
fn imei(r: &mut Rng) -> String {
    imei_with_check_digit(&format!("35{}", r.digits(12)))
}
fn bike_serial(r: &mut Rng) -> String {
    format!("EB-{}-{}", r.digits(4), r.alnum(5))
}
fn chair_serial(r: &mut Rng) -> String {
    format!("CH{}", r.digits(9))
}
fn stroller_serial(r: &mut Rng) -> String {
    format!("ST-{}", r.alnum(8))
}

const MODELS: &[Model] = &[
    Model {
        sku: "MBA13-M3",
        name: "MacBook Air 13\" M3",
        category: "Laptops",
        brand: "Apple",
        spec: "Apple M3, 13.6\" Liquid Retina, macOS",
        serial: apple_serial,
        variants: &[
            (
                "8-256-MID-A",
                "8 GB / 256 GB Midnight",
                "A",
                "Midnight",
                1299,
                1080,
            ),
            (
                "16-512-SLV-A",
                "16 GB / 512 GB Silver",
                "A",
                "Silver",
                1799,
                1490,
            ),
            (
                "8-256-MID-B",
                "8 GB / 256 GB Midnight (refurbished)",
                "B",
                "Midnight",
                1099,
                760,
            ),
        ],
    },
    Model {
        sku: "MBP14-M3P",
        name: "MacBook Pro 14\" M3 Pro",
        category: "Laptops",
        brand: "Apple",
        spec: "Apple M3 Pro, 14.2\" XDR, macOS",
        serial: apple_serial,
        variants: &[(
            "18-512-SB-A",
            "18 GB / 512 GB Space Black",
            "A",
            "Space Black",
            2399,
            2010,
        )],
    },
    Model {
        sku: "T14-G5",
        name: "ThinkPad T14 Gen 5",
        category: "Laptops",
        brand: "Lenovo",
        spec: "Intel Core Ultra 7, 14\" WUXGA, Windows 11 Pro",
        serial: lenovo_serial,
        variants: &[
            ("16-512-A", "16 GB / 512 GB", "A", "Black", 1549, 1240),
            ("32-1T-A", "32 GB / 1 TB", "A", "Black", 1899, 1530),
        ],
    },
    Model {
        sku: "XPS13-9340",
        name: "XPS 13",
        category: "Laptops",
        brand: "Dell",
        spec: "Intel Core Ultra 7, 13.4\" FHD+, Windows 11",
        serial: dell_serial,
        variants: &[(
            "16-512-PLT-A",
            "16 GB / 512 GB Platinum",
            "A",
            "Platinum",
            1449,
            1170,
        )],
    },
    Model {
        sku: "IP15",
        name: "iPhone 15",
        category: "Phones",
        brand: "Apple",
        spec: "6.1\" Super Retina XDR, A16 Bionic, 5G",
        serial: imei,
        variants: &[
            ("128-BLK-A", "128 GB Black", "A", "Black", 969, 820),
            ("128-BLU-A", "128 GB Blue", "A", "Blue", 969, 820),
            (
                "128-BLK-C",
                "128 GB Black (visible wear)",
                "C",
                "Black",
                649,
                430,
            ),
        ],
    },
    Model {
        sku: "GS24",
        name: "Galaxy S24",
        category: "Phones",
        brand: "Samsung",
        spec: "6.2\" Dynamic AMOLED 2X, 5G",
        serial: imei,
        variants: &[(
            "256-ONX-A",
            "256 GB Onyx Black",
            "A",
            "Onyx Black",
            959,
            790,
        )],
    },
    Model {
        sku: "FP5",
        name: "Fairphone 5",
        category: "Phones",
        brand: "Fairphone",
        spec: "6.46\" OLED, repairable, 5G",
        serial: imei,
        variants: &[("256-SKY-A", "256 GB Sky Blue", "A", "Sky Blue", 699, 560)],
    },
    Model {
        sku: "VM-S5",
        name: "VanMoof S5",
        category: "E-bikes",
        brand: "VanMoof",
        spec: "Front-hub motor, 487 Wh, 5-speed e-shifter",
        serial: bike_serial,
        variants: &[
            ("DARK-A", "Dark Grey", "A", "Dark Grey", 3498, 2650),
            ("LIGHT-A", "Light Grey", "A", "Light Grey", 3498, 2650),
        ],
    },
    Model {
        sku: "COW-4",
        name: "Cowboy 4",
        category: "E-bikes",
        brand: "Cowboy",
        spec: "Rear-hub motor, 360 Wh, belt drive",
        serial: bike_serial,
        variants: &[("MINERAL-A", "Mineral Grey", "A", "Mineral Grey", 2990, 2240)],
    },
    Model {
        sku: "GAZ-C380",
        name: "Ultimate C380",
        category: "E-bikes",
        brand: "Gazelle",
        spec: "Bosch Performance Line, 500 Wh, Enviolo C380",
        serial: bike_serial,
        variants: &[("BLUE-53-A", "Frame 53 cm, Blue", "A", "Blue", 3899, 3020)],
    },
    Model {
        sku: "HM-AERON",
        name: "Aeron Chair",
        category: "Office chairs",
        brand: "Herman Miller",
        spec: "Size B, PostureFit SL, adjustable arms",
        serial: chair_serial,
        variants: &[
            ("B-GRAPH-A", "Size B Graphite", "A", "Graphite", 1649, 1120),
            (
                "B-GRAPH-B",
                "Size B Graphite (refurbished)",
                "B",
                "Graphite",
                1649,
                690,
            ),
        ],
    },
    Model {
        sku: "SC-LEAP2",
        name: "Leap V2",
        category: "Office chairs",
        brand: "Steelcase",
        spec: "LiveBack, 4-way arms, lumbar",
        serial: chair_serial,
        variants: &[("BLK-A", "Black fabric", "A", "Black", 1299, 870)],
    },
    Model {
        sku: "BUG-FOX5",
        name: "Fox 5",
        category: "Strollers",
        brand: "Bugaboo",
        spec: "All-terrain, bassinet and seat, 0–4 years",
        serial: stroller_serial,
        variants: &[("BLACK-A", "Black / Midnight Black", "A", "Black", 1199, 860)],
    },
    Model {
        sku: "JOOLZ-DAY",
        name: "Day+",
        category: "Strollers",
        brand: "Joolz",
        spec: "Compact city stroller, cot and seat",
        serial: stroller_serial,
        variants: &[("GREY-A", "Awesome Grey", "A", "Grey", 999, 690)],
    },
];

/// Monthly price for a contract length: shorter contracts cost more per month.
fn monthly(list: i64, months: u32) -> Decimal {
    let factor = match months {
        6 => Decimal::new(95, 3),
        12 => Decimal::new(70, 3),
        24 => Decimal::new(46, 3),
        _ => Decimal::new(36, 3),
    };
    (Decimal::from(list) * factor).round_dp(0) - Decimal::new(1, 2)
}

const FIRST: &[&str] = &[
    "Emma", "Daan", "Sophie", "Lucas", "Julia", "Sem", "Mila", "Noah", "Tess", "Finn", "Anna",
    "Liam", "Saar", "Bram", "Fleur", "Jesse", "Lotte", "Thijs", "Eva", "Ruben",
];
const LAST: &[&str] = &[
    "de Vries",
    "Jansen",
    "van Dijk",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
];
const US_FIRST: &[&str] = &[
    "Olivia", "James", "Ava", "Mason", "Harper", "Ethan", "Amelia", "Logan", "Chloe", "Jackson",
    "Grace", "Lucas", "Zoe", "Henry",
];
const US_LAST: &[&str] = &[
    "Johnson",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Moore",
];
const NL_CITIES: &[(&str, &str, &str)] = &[
    ("Amsterdam", "1017 CT", "Keizersgracht"),
    ("Rotterdam", "3011 AD", "Coolsingel"),
    ("Utrecht", "3511 LX", "Oudegracht"),
    ("Den Haag", "2511 CV", "Lange Voorhout"),
    ("Eindhoven", "5611 AH", "Stratumseind"),
];
const US_CITIES: &[(&str, &str, &str, &str)] = &[
    ("Austin", "78701", "Congress Ave", "TX"),
    ("Houston", "77002", "Main St", "TX"),
    ("Dallas", "75201", "Elm St", "TX"),
    ("San Antonio", "78205", "Commerce St", "TX"),
];
const NL_COMPANIES: &[&str] = &[
    "Grachtwerk B.V.",
    "Polder Digital B.V.",
    "Tulp & Co",
    "Noordzee Logistiek B.V.",
    "Molen Studio",
    "Deltaplan Advies B.V.",
];
const US_COMPANIES: &[&str] = &[
    "Lone Star Analytics LLC",
    "Bluebonnet Design Co.",
    "Riverwalk Ventures Inc.",
];

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
    let mut staff = Vec::new();
    for (name, role) in people {
        staff.push(
            users::create(
                &core.db,
                &admin.actor(),
                now,
                users::NewUser {
                    name: name.into(),
                    role,
                },
            )
            .await?
            .actor(),
        );
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
                    email: "billing@flexrent.example".into(),
                    phone: "+31 20 555 0182".into(),
                    bank_account: "NL91 ABNA 0417 1643 00".into(),
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
                    email: "billing@flexrent-us.example".into(),
                    phone: "+1 512 555 0600".into(),
                    bank_account: "ACH 111000025 / 000123456789".into(),
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

/// Two business customers with several laptops each: Noordkade's are billed together in a
/// billing group (one invoice a month on the 28th); Vondel's still bill one by one, so a newcomer
/// can make a group of them.
async fn business_accounts(
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
async fn month_end(core: &Core, bu: &BusinessUnit, admin: &Actor) -> Result<()> {
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
async fn life(
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
