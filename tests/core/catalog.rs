use crate::assert_code;
use crate::support::{laptop_input, order_input, TestCore};
use flexdesk::domain::status::VariantStatus;
use flexdesk::services::{catalog, orders};
use flexdesk::ErrorCode;
use serde_json::json;

#[tokio::test]
async fn a_product_is_created_then_upserted_by_its_sku_keeping_unlisted_variants() {
    let t = TestCore::new().await;
    let first = t.laptop("LAP-1").await;
    assert_eq!(first.operation, "created");
    assert_eq!(first.variant_results[0].operation, "create");
    let mut again = laptop_input("P-LAP-1", "LAP-2");
    again.name = "MacBook Air 13 (2026)".into();
    let second = catalog::save_product(&t.core.db, &t.ctx(), again)
        .await
        .unwrap();
    assert_eq!(second.operation, "updated");
    assert_eq!(second.product_id, first.product_id);
    let p = catalog::get_product(&t.core.db, &t.bu, &first.product_id)
        .await
        .unwrap();
    assert_eq!(p.name, "MacBook Air 13 (2026)");
    let skus: Vec<_> = p.variants.iter().map(|v| v.variant_sku.as_str()).collect();
    assert_eq!(
        skus,
        vec!["LAP-1", "LAP-2"],
        "LAP-1 was not in the request and stays"
    );
    let v = &p.variants[0];
    assert_eq!(
        v.pricing
            .iter()
            .map(|t| t.contract_length)
            .collect::<Vec<_>>(),
        vec![6, 12, 24]
    );
    assert_eq!(v.pricing[2].monthly_price.to_string(), "59.50");
    assert_eq!(v.list_price.unwrap().to_string(), "1299.00");
    assert_eq!(
        p.specification, r#"{"cpu":"M3","ram":"8 GB"}"#,
        "an object specification is kept as JSON text"
    );
}

#[tokio::test]
async fn a_variant_sku_belongs_to_one_product_only() {
    let t = TestCore::new().await;
    t.laptop("LAP-1").await;
    let clash = catalog::save_product(&t.core.db, &t.ctx(), laptop_input("OTHER", "LAP-1")).await;
    assert_code!(clash, ErrorCode::DuplicateSku);
    let page = catalog::list_products(&t.core.db, &t.bu, &Default::default())
        .await
        .unwrap();
    assert_eq!(
        page.items.len(),
        1,
        "nothing of the refused product was written"
    );
}

#[tokio::test]
async fn pricing_tiers_need_whole_months_from_1_to_120_and_prices_of_zero_or_more() {
    let t = TestCore::new().await;
    for (pricing, why) in [
        (
            json!([{"contractLength": 0, "monthlyPrice": 10}]),
            "zero months",
        ),
        (
            json!([{"contractLength": 121, "monthlyPrice": 10}]),
            "more than 120",
        ),
        (
            json!([{"contractLength": 12.5, "monthlyPrice": 10}]),
            "fractional months",
        ),
        (
            json!([{"contractLength": 12, "monthlyPrice": -1}]),
            "negative price",
        ),
        (
            json!([{"contractLength": 12, "monthlyPrice": "abc"}]),
            "not a number",
        ),
        (
            json!([{"contractLength": 12, "monthlyPrice": 10}, {"contractLength": 12, "monthlyPrice": 11}]),
            "duplicate length",
        ),
        (json!([]), "no tier"),
    ] {
        let mut p = laptop_input("P", "V");
        p.variants[0].pricing = pricing;
        assert_code!(
            catalog::save_product(&t.core.db, &t.ctx(), p)
                .await
                .inspect_err(|e| eprintln!("{why}: {}", e.message)),
            ErrorCode::InvalidPricing
        );
    }
    let mut p = laptop_input("P", "V");
    p.variants[0].pricing = json!({"1": 200, "120": "9.99"});
    let r = catalog::save_product(&t.core.db, &t.ctx(), p)
        .await
        .expect("the map form and 1..120 are accepted");
    let got = catalog::get_product(&t.core.db, &t.bu, &r.product_id)
        .await
        .unwrap();
    assert_eq!(
        got.variants[0]
            .pricing
            .iter()
            .map(|t| t.contract_length)
            .collect::<Vec<_>>(),
        vec![1, 120]
    );
}

#[tokio::test]
async fn missing_product_fields_are_listed_field_by_field() {
    let t = TestCore::new().await;
    let p: catalog::ProductInput =
        serde_json::from_value(json!({"productSku": "X", "variants": []})).unwrap();
    let e = catalog::save_product(&t.core.db, &t.ctx(), p)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::ValidationError);
    let paths: Vec<_> = e.details.iter().map(|d| d.path.as_str()).collect();
    for f in ["name", "specification", "category", "brand", "variants"] {
        assert!(paths.contains(&f), "{f} missing from {paths:?}");
    }
}

#[tokio::test]
async fn money_with_more_decimals_than_the_currency_is_refused() {
    let t = TestCore::new().await;
    let mut p = laptop_input("P", "V");
    p.variants[0].pricing = json!([{"contractLength": 12, "monthlyPrice": 89.999}]);
    assert_code!(
        catalog::save_product(&t.core.db, &t.ctx(), p).await,
        ErrorCode::InvalidPricing
    );
}

#[tokio::test]
async fn a_variant_on_open_orders_cannot_be_deactivated_and_a_product_with_them_not_discontinued() {
    let t = TestCore::new().await;
    let prod = t.laptop("LAP-1").await;
    let v = catalog::get_product(&t.core.db, &t.bu, &prod.product_id)
        .await
        .unwrap()
        .variants
        .remove(0);
    orders::create(
        &t.core.db,
        &t.ctx(),
        order_input(
            "e@x.example",
            json!([{"sku": "LAP-1", "quantity": 1, "contractLength": 12}]),
        ),
    )
    .await
    .unwrap();
    assert_code!(
        catalog::set_variant_status(&t.core.db, &t.ctx(), &v.variant_id, VariantStatus::Inactive)
            .await,
        ErrorCode::VariantInUse
    );
    assert_code!(
        catalog::delete_product(&t.core.db, &t.ctx(), &prod.product_id).await,
        ErrorCode::ProductHasActiveOrders
    );
    let mut p = laptop_input("P-LAP-1", "LAP-1");
    p.variants[0].status = Some("inactive".into());
    assert_code!(
        catalog::save_product(&t.core.db, &t.ctx(), p).await,
        ErrorCode::VariantInUse
    );
}

#[tokio::test]
async fn discontinuing_a_product_deactivates_its_variants_and_hides_it_from_new_orders() {
    let t = TestCore::new().await;
    let prod = t.laptop("LAP-1").await;
    catalog::delete_product(&t.core.db, &t.ctx(), &prod.product_id)
        .await
        .unwrap();
    let p = catalog::get_product(&t.core.db, &t.bu, &prod.product_id)
        .await
        .unwrap();
    assert_eq!(
        p.status,
        flexdesk::domain::status::ProductStatus::Discontinued
    );
    assert!(p
        .variants
        .iter()
        .all(|v| v.status == VariantStatus::Inactive));
    let r = orders::create(
        &t.core.db,
        &t.ctx(),
        order_input("e@x.example", json!([{"sku": "LAP-1", "quantity": 1}])),
    )
    .await;
    assert_code!(r, ErrorCode::VariantInactive);
}

#[tokio::test]
async fn product_and_variant_lists_filter_and_page_with_cursors() {
    let t = TestCore::new().await;
    for i in 0..7 {
        let mut p = laptop_input(&format!("P{i}"), &format!("V{i}"));
        if i % 2 == 0 {
            p.brand = "Lenovo".into();
        }
        t.clock.advance(chrono::Duration::seconds(1));
        catalog::save_product(&t.core.db, &t.ctx(), p)
            .await
            .unwrap();
    }
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = catalog::list_products(
            &t.core.db,
            &t.bu,
            &catalog::ProductQuery {
                limit: Some("3".into()),
                start_after: cursor.clone(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        seen.extend(page.items.iter().map(|p| p.product_sku.clone()));
        if !page.has_more {
            assert!(page.next_cursor.is_none());
            break;
        }
        cursor = page.next_cursor;
    }
    assert_eq!(
        seen,
        vec!["P6", "P5", "P4", "P3", "P2", "P1", "P0"],
        "newest first, each once"
    );
    let lenovo = catalog::list_products(
        &t.core.db,
        &t.bu,
        &catalog::ProductQuery {
            brand: Some("Lenovo".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(lenovo.items.len(), 4);
    let asc = catalog::list_variants(
        &t.core.db,
        &t.bu,
        &catalog::VariantQuery {
            sort_dir: Some("asc".into()),
            limit: Some("2".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(asc.items[0].variant_sku, "V0");
    let found = catalog::list_variants(
        &t.core.db,
        &t.bu,
        &catalog::VariantQuery {
            q: Some("v3".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(found.items.len(), 1);
    assert_code!(
        catalog::list_products(
            &t.core.db,
            &t.bu,
            &catalog::ProductQuery {
                limit: Some("101".into()),
                ..Default::default()
            }
        )
        .await,
        ErrorCode::ValidationError
    );
    assert_code!(
        catalog::list_products(
            &t.core.db,
            &t.bu,
            &catalog::ProductQuery {
                start_after: Some("prd_nope".into()),
                ..Default::default()
            }
        )
        .await,
        ErrorCode::ValidationError
    );
}

/// Import what can be imported: the products without errors are written.
fn lenient() -> catalog::ImportOptions {
    catalog::ImportOptions {
        dry_run: false,
        all_or_nothing: false,
    }
}

const CSV_HEAD: &str = "Product Name,Product SKU,Category,Brand,Specification,Grade,Color,Variant SKU,List Price,Acquisition Cost,6mo_Price,12mo_Price,24mo_Price,36mo_Price\n";

#[tokio::test]
async fn csv_import_creates_and_updates_and_reports_bad_rows_by_line() {
    let t = TestCore::new().await;
    t.laptop("LAP-1").await;
    let csv = format!(
        "{CSV_HEAD}\
Chair,CH,Office chairs,Steelcase,Leap,A,Black,CH-BLK,1299,870,119,89,59,45
Chair,CH,Office chairs,Steelcase,Leap,B,Black,CH-BLK-B,999,600,,79,,
Laptop,P-LAP-1,Laptops,Apple,M3,A,Midnight,LAP-1,1299,1000,129,99,,
Broken,BR,Laptops,Apple,M3,A,Red,BR-1,abc,1000,1,1,1,1
Nothing,NP,Laptops,Apple,M3,A,Red,NP-1,100,50,,,,
,EMPTY,Laptops,Apple,M3,A,Red,E-1,100,50,1,,,
"
    );
    let r = catalog::import_csv(&t.core.db, &t.ctx(), csv.as_bytes(), lenient())
        .await
        .unwrap();
    assert_eq!(r.summary.total_rows, 6);
    assert_eq!((r.created, r.updated), (2, 1), "{:?}", r);
    assert_eq!(r.summary.products_created, 1);
    assert_eq!(
        r.errors.iter().map(|e| e.row).collect::<Vec<_>>(),
        vec![5, 6, 7],
        "{:?}",
        r.errors
    );
    assert!(r.errors[0].error.contains("List Price"));
    assert!(r.errors[1].error.contains("no monthly price"));
    let chair = catalog::list_variants(
        &t.core.db,
        &t.bu,
        &catalog::VariantQuery {
            sku: Some("CH-BLK-B".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(chair.items[0].pricing.len(), 1);
    assert_eq!(chair.items[0].grade, "B");
    let lap = catalog::list_variants(
        &t.core.db,
        &t.bu,
        &catalog::VariantQuery {
            sku: Some("LAP-1".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        lap.items[0]
            .pricing
            .iter()
            .find(|p| p.contract_length == 12)
            .unwrap()
            .monthly_price
            .to_string(),
        "99.00"
    );
}

#[tokio::test]
async fn a_product_is_imported_whole_or_not_at_all_and_the_file_by_default() {
    let t = TestCore::new().await;
    // Semicolons and a byte-order mark, as Excel writes in the Netherlands; decimal commas.
    let csv = "\u{feff}Product Name;Product SKU;Category;Brand;Specification;Variant SKU;List Price;Acquisition Cost;12mo_Price\r\n\
Chair;CH;Office chairs;Steelcase;Leap;CH-1;1299,00;870;89\r\n\
Chair;CH;Office chairs;Steelcase;Leap;CH-2;-9,99;870;89\r\n\
Stroller;ST;Strollers;Joolz;Day;ST-1;999;690;79\r\n\
Pram;PR;Strollers;Joolz;Geo;ST-1;899;590;69\r\n";
    let r = catalog::import_csv(&t.core.db, &t.ctx(), csv.as_bytes(), lenient())
        .await
        .unwrap();
    let by_row = |n: usize| {
        r.errors
            .iter()
            .find(|e| e.row == n)
            .map(|e| e.error.clone())
    };
    assert_eq!(
        r.errors.iter().map(|e| e.row).collect::<Vec<_>>(),
        vec![2, 3, 5],
        "{:?}",
        r.errors
    );
    assert!(
        by_row(3)
            .unwrap()
            .contains("List Price '-9,99' cannot be negative"),
        "{:?}",
        by_row(3)
    );
    assert!(
        by_row(2).unwrap().contains("line 3 of product CH"),
        "{:?}",
        by_row(2)
    );
    assert!(
        by_row(5)
            .unwrap()
            .contains("also on line 4, under product ST"),
        "{:?}",
        by_row(5)
    );
    // The good product came in, with its decimal-comma price; nothing of the chair did.
    assert_eq!(r.created, 1);
    let skus = |sku: &str| catalog::VariantQuery {
        sku: Some(sku.into()),
        ..Default::default()
    };
    let st = catalog::list_variants(&t.core.db, &t.bu, &skus("ST-1"))
        .await
        .unwrap();
    assert_eq!(st.items[0].list_price.unwrap().to_string(), "999.00");
    let ch = catalog::list_variants(&t.core.db, &t.bu, &skus("CH-1"))
        .await
        .unwrap();
    assert!(
        ch.items.is_empty(),
        "a product is written whole or not at all"
    );
    // By default the whole file is all or nothing.
    let t2 = TestCore::new().await;
    let r = catalog::import_csv(&t2.core.db, &t2.ctx(), csv.as_bytes(), Default::default())
        .await
        .unwrap();
    assert!(r.rolled_back && r.created == 0, "{r:?}");
    assert!(
        r.message.starts_with("Nothing was imported"),
        "{}",
        r.message
    );
    let page = catalog::list_products(&t2.core.db, &t2.bu, &Default::default())
        .await
        .unwrap();
    assert!(page.items.is_empty());
}

#[tokio::test]
async fn csv_import_dry_run_and_all_or_nothing_write_nothing() {
    let t = TestCore::new().await;
    let csv = format!("{CSV_HEAD}Chair,CH,Office chairs,Steelcase,Leap,A,Black,CH-BLK,1299,870,119,89,59,45\nBad,B,X,Y,Z,A,,B-1,-5,1,1,1,1,1\n");
    let dry = catalog::import_csv(
        &t.core.db,
        &t.ctx(),
        csv.as_bytes(),
        catalog::ImportOptions {
            dry_run: true,
            all_or_nothing: false,
        },
    )
    .await
    .unwrap();
    assert!(dry.rolled_back);
    assert_eq!(
        dry.summary.variants_created, 1,
        "the dry run says what would happen"
    );
    let strict = catalog::import_csv(
        &t.core.db,
        &t.ctx(),
        csv.as_bytes(),
        catalog::ImportOptions {
            dry_run: false,
            all_or_nothing: true,
        },
    )
    .await
    .unwrap();
    assert!(strict.rolled_back && strict.errors.len() == 1);
    let page = catalog::list_products(&t.core.db, &t.bu, &Default::default())
        .await
        .unwrap();
    assert!(page.items.is_empty(), "nothing was imported");
    let missing =
        catalog::import_csv(&t.core.db, &t.ctx(), b"Name,SKU\nx,y\n", Default::default()).await;
    assert_code!(missing, ErrorCode::ValidationError);
}

#[tokio::test]
async fn a_product_whose_rows_conflict_is_refused_whole_and_the_rest_imports() {
    let t = TestCore::new().await;
    t.laptop("TAKEN").await;
    let csv = format!(
        "{CSV_HEAD}\
Chair,CH,Office chairs,Steelcase,Leap,A,Black,CH-1,1299,870,119,89,59,45
Chair,CH,Office chairs,Steelcase,Leap,A,Black,TAKEN,1299,870,119,89,59,45
Stroller,ST,Strollers,Joolz,Day,A,Grey,ST-1,999,690,99,79,49,39
"
    );
    let r = catalog::import_csv(&t.core.db, &t.ctx(), csv.as_bytes(), lenient())
        .await
        .unwrap();
    assert_eq!(
        r.errors.iter().map(|e| e.row).collect::<Vec<_>>(),
        vec![2, 3],
        "both rows of the refused product are reported"
    );
    assert_eq!(r.created, 1);
    let none = catalog::list_variants(
        &t.core.db,
        &t.bu,
        &catalog::VariantQuery {
            sku: Some("CH-1".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(
        none.items.is_empty(),
        "no half of the refused product remains"
    );
}

#[tokio::test]
async fn categories_decide_the_serial_format_and_phones_default_to_imei() {
    let t = TestCore::new().await;
    t.phone("PH-1").await;
    let cats = catalog::list_categories(&t.core.db, &t.bu).await.unwrap();
    assert_eq!(
        cats.iter()
            .find(|c| c.name == "Phones")
            .unwrap()
            .serial_format,
        "imei"
    );
    let c = catalog::save_category(
        &t.core.db,
        &t.ctx(),
        catalog::CategoryInput {
            name: "Phones".into(),
            description: Some("Handsets".into()),
            sort_order: Some(1),
            serial_format: Some(flexdesk::domain::status::SerialFormat::Any),
            serial_min_length: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(c.serial_format, "any");
    assert_eq!(
        c.serial_min_length, 4,
        "a category's default shortest serial"
    );
}

#[tokio::test]
async fn the_counters_search_matches_categories_and_states_units_in_stock() {
    let t = TestCore::new().await;
    t.laptop("LAP-1").await;
    t.phone("PH-1").await;
    t.asset("SN-0001", "LAP-1").await;
    t.asset("SN-0002", "LAP-1").await;
    let search = |q: &str| catalog::VariantQuery {
        q: Some(q.into()),
        ..Default::default()
    };
    let laptops = catalog::list_variants(&t.core.db, &t.bu, &search("laptop"))
        .await
        .unwrap();
    let found: Vec<_> = laptops
        .items
        .iter()
        .map(|v| (v.variant_sku.as_str(), v.in_stock))
        .collect();
    assert_eq!(found, vec![("LAP-1", Some(2))], "category Laptops matches");
    let phones = catalog::list_variants(&t.core.db, &t.bu, &search("phones"))
        .await
        .unwrap();
    assert_eq!(phones.items.len(), 1);
    assert_eq!(phones.items[0].in_stock, Some(0));
    // Products read for sync carry no stock figure.
    let json = serde_json::to_value(&laptops.items[0]).unwrap();
    assert_eq!(json["inStock"], 2);
    let p = catalog::list_products(&t.core.db, &t.bu, &Default::default())
        .await
        .unwrap();
    let v = serde_json::to_value(&p.items[0].variants[0]).unwrap();
    assert!(v.get("inStock").is_none(), "{v}");
    assert_eq!(p.total, None, "counted only when asked");
    let counted = catalog::list_products(
        &t.core.db,
        &t.bu,
        &catalog::ProductQuery {
            category: Some("Phones".into()),
            include_total: Some(true),
            limit: Some("1".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(counted.total, Some(1));
}
