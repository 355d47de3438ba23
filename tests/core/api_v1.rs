//! The FlexPortal v1 API over a real loopback socket: authentication, tenants, the error
//! envelope with its HTTP statuses, and every response checked against the OpenAPI schemas.

use crate::support::{address, TestCore};
use flexdesk::http::{start, RunningServer, ServeOptions, OPENAPI};
use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};

struct Api {
    t: TestCore,
    server: RunningServer,
    http: Client,
    key: String,
    spec: Value,
}

impl Api {
    async fn new() -> Api {
        let t = TestCore::new().await;
        let key = t.api_key("test").await;
        let server = start(
            t.core.clone(),
            "127.0.0.1:0".parse().unwrap(),
            ServeOptions::default(),
        )
        .await
        .unwrap();
        Api {
            t,
            server,
            http: Client::new(),
            key,
            spec: serde_json::from_str(OPENAPI).unwrap(),
        }
    }

    async fn raw(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        key: Option<&str>,
        tenant: Option<&str>,
    ) -> (StatusCode, Value) {
        let mut req = self
            .http
            .request(method, format!("{}{}", self.server.url(), path));
        if let Some(k) = key {
            req = req.bearer_auth(k);
        }
        if let Some(t) = tenant {
            req = req.header("Tenant-ID", t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// Call with this unit's key and check the answer against the schema for `template`.
    async fn call(
        &self,
        method: Method,
        path: &str,
        template: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let (status, v) = self
            .raw(
                method.clone(),
                path,
                body,
                Some(&self.key),
                Some(&self.t.bu.id),
            )
            .await;
        self.check(&method, template, status, &v);
        (status, v)
    }

    fn check(&self, method: &Method, template: &str, status: StatusCode, body: &Value) {
        let op = &self.spec["paths"][template][method.as_str().to_lowercase()];
        assert!(
            op.is_object(),
            "{method} {template} is not in the OpenAPI document"
        );
        let resp = &op["responses"][status.as_str()];
        let schema = if resp.is_object() {
            resp["content"]["application/json"]["schema"].clone()
        } else {
            json!({"$ref": "#/components/schemas/Error"})
        };
        let mut schema = schema;
        schema["components"] = self.spec["components"].clone();
        let validator = jsonschema::validator_for(&schema).expect("valid schema");
        let errors: Vec<String> = validator
            .iter_errors(body)
            .map(|e| format!("{} at {}", e, e.instance_path))
            .collect();
        assert!(errors.is_empty(), "{method} {template} {status}: response does not match the schema: {errors:#?}\n{body:#}");
    }
}

fn product() -> Value {
    json!({"productSku": "MBA13", "name": "MacBook Air 13", "specification": "M3 8/256", "category": "Laptops", "brand": "Apple",
        "variants": [{"variantSku": "MBA13-MID-A", "variantName": "Midnight", "grade": "A", "listPrice": 1299, "acquisitionCost": 1000,
            "pricing": [{"contractLength": 12, "monthlyPrice": 89}, {"contractLength": 24, "monthlyPrice": 59.5}]}]})
}

#[tokio::test]
async fn authentication_and_tenant_errors_use_the_envelope_and_statuses() {
    let api = Api::new().await;
    let (s, v) = api
        .raw(Method::GET, "/v1/orders", None, None, Some(&api.t.bu.id))
        .await;
    assert_eq!(
        (s.as_u16(), v["error"]["code"].as_str()),
        (401, Some("AUTH_REQUIRED"))
    );
    api.check(&Method::GET, "/v1/orders", s, &v);
    let (s, v) = api
        .raw(
            Method::GET,
            "/v1/orders",
            None,
            Some("pk_live_nope"),
            Some(&api.t.bu.id),
        )
        .await;
    assert_eq!(
        (s.as_u16(), v["error"]["code"].as_str()),
        (401, Some("INVALID_TOKEN"))
    );
    let (s, v) = api
        .raw(Method::GET, "/v1/orders", None, Some(&api.key), None)
        .await;
    assert_eq!(
        (s.as_u16(), v["error"]["code"].as_str()),
        (403, Some("NO_TENANT_ACCESS"))
    );
    let other = api.t.second_bu("US", "USD").await;
    let (s, v) = api
        .raw(
            Method::GET,
            "/v1/orders",
            None,
            Some(&api.key),
            Some(&other.id),
        )
        .await;
    assert_eq!(
        (s.as_u16(), v["error"]["code"].as_str()),
        (403, Some("NO_TENANT_ACCESS")),
        "a key never reads another unit"
    );
    let (s, v) = api
        .call(Method::GET, "/v1/orders?limit=101", "/v1/orders", None)
        .await;
    assert_eq!(
        (s.as_u16(), v["error"]["code"].as_str()),
        (400, Some("VALIDATION_ERROR"))
    );
    let (s, v) = api
        .call(
            Method::GET,
            "/v1/orders/ord_missing",
            "/v1/orders/{orderId}",
            None,
        )
        .await;
    assert_eq!(
        (s.as_u16(), v["error"]["code"].as_str()),
        (404, Some("NOT_FOUND"))
    );
}

#[tokio::test]
async fn products_round_trip_in_the_wire_shapes() {
    let api = Api::new().await;
    let (s, v) = api
        .call(
            Method::POST,
            "/v1/products",
            "/v1/products",
            Some(product()),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(v["operation"], "created");
    let id = v["productId"].as_str().unwrap().to_string();
    let (s, v) = api
        .call(
            Method::POST,
            "/v1/products",
            "/v1/products",
            Some(product()),
        )
        .await;
    assert_eq!(
        (s, v["operation"].as_str()),
        (StatusCode::CREATED, Some("updated"))
    );
    let (_, p) = api
        .call(
            Method::GET,
            &format!("/v1/products/{id}"),
            "/v1/products/{productId}",
            None,
        )
        .await;
    assert_eq!(
        p["variants"][0]["pricing"][1]["monthlyPrice"],
        json!(59.5),
        "money is a JSON number on the wire"
    );
    assert_eq!(p["variants"][0]["listPrice"], json!(1299));
    let (_, list) = api
        .call(
            Method::GET,
            "/v1/products?status=active&category=Laptops",
            "/v1/products",
            None,
        )
        .await;
    assert_eq!(list["count"], 1);
    let (_, vars) = api
        .call(
            Method::GET,
            "/v1/products/variants?grade=A",
            "/v1/products/variants",
            None,
        )
        .await;
    assert_eq!(vars["variants"][0]["variantSku"], "MBA13-MID-A");
    let mut upd = product();
    upd["name"] = json!("MacBook Air 13 M3");
    let (s, _) = api
        .call(
            Method::PUT,
            &format!("/v1/products/{id}"),
            "/v1/products/{productId}",
            Some(upd),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = api
        .call(
            Method::PUT,
            "/v1/products/prd_missing",
            "/v1/products/{productId}",
            Some(product()),
        )
        .await;
    assert_eq!(
        (s.as_u16(), v["error"]["code"].as_str()),
        (404, Some("NOT_FOUND"))
    );
    let mut dup = product();
    dup["productSku"] = json!("OTHER");
    let (s, v) = api
        .raw(
            Method::POST,
            "/v1/products",
            Some(dup),
            Some(&api.key),
            Some(&api.t.bu.id),
        )
        .await;
    assert_eq!(
        (s.as_u16(), v["error"]["code"].as_str()),
        (409, Some("DUPLICATE_SKU"))
    );
    let mut bad = product();
    bad["variants"][0]["pricing"] = json!([{"contractLength": "x", "monthlyPrice": 1}]);
    let (s, v) = api
        .raw(
            Method::POST,
            "/v1/products",
            Some(bad),
            Some(&api.key),
            Some(&api.t.bu.id),
        )
        .await;
    assert_eq!(
        (s.as_u16(), v["error"]["code"].as_str()),
        (400, Some("INVALID_PRICING"))
    );
    let (s, v) = api
        .call(
            Method::DELETE,
            &format!("/v1/products/{id}"),
            "/v1/products/{productId}",
            None,
        )
        .await;
    assert_eq!(
        (s, v["productSku"].as_str()),
        (StatusCode::OK, Some("MBA13"))
    );
}

#[tokio::test]
async fn product_csv_arrives_as_multipart_or_raw_text() {
    let api = Api::new().await;
    let csv = "Product Name,Product SKU,Category,Brand,Specification,Variant SKU,List Price,Acquisition Cost,12mo_Price\nChair,CH,Chairs,Steelcase,Leap,CH-1,1299,870,89\nBad,B,Chairs,X,Y,B-1,x,1,1\n";
    let form = reqwest::multipart::Form::new().part(
        "csvFile",
        reqwest::multipart::Part::text(csv).file_name("p.csv"),
    );
    let resp = api
        .http
        .post(format!("{}/v1/products/csv", api.server.url()))
        .bearer_auth(&api.key)
        .header("Tenant-ID", &api.t.bu.id)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let v: Value = resp.json().await.unwrap();
    api.check(&Method::POST, "/v1/products/csv", status, &v);
    assert_eq!(
        (
            status,
            v["created"].as_u64(),
            v["errors"][0]["row"].as_u64()
        ),
        (StatusCode::CREATED, Some(1), Some(3))
    );
    let resp = api
        .http
        .post(format!("{}/v1/products/csv", api.server.url()))
        .bearer_auth(&api.key)
        .header("Tenant-ID", &api.t.bu.id)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    let v: Value = resp.json().await.unwrap();
    assert_eq!(
        v["updated"], 1,
        "the second upload updates the same variant"
    );
}

#[tokio::test]
async fn customers_orders_and_assets_follow_the_contract() {
    let api = Api::new().await;
    api.call(
        Method::POST,
        "/v1/products",
        "/v1/products",
        Some(product()),
    )
    .await;
    let order = json!({"customer": {"email": "emma@x.example", "firstName": "Emma", "lastName": "de Vries", "customerType": "individual"},
        "billingAddress": address(), "items": [{"sku": "MBA13-MID-A", "quantity": 2, "contractLength": 24}], "notes": "Ring twice"});
    let (s, v) = api
        .call(
            Method::POST,
            "/v1/orders",
            "/v1/orders",
            Some(order.clone()),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(v["order"]["totals"]["subtotal"], json!(119));
    assert_eq!(v["order"]["totals"]["taxAmount"], json!(24.99));
    let oid = v["orderId"].as_str().unwrap().to_string();
    let cid = v["order"]["customer"]["customerId"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, again) = api
        .call(Method::POST, "/v1/orders", "/v1/orders", Some(order))
        .await;
    assert_eq!(
        again["orderId"],
        json!(oid),
        "a repeated create returns the existing order"
    );
    let (s, v) = api.raw(Method::POST, "/v1/orders", Some(json!({"customer": {"email": "e@x.example", "firstName": "E", "lastName": "X"}, "billingAddress": address(), "items": [{"sku": "NOPE", "quantity": 1}]})), Some(&api.key), Some(&api.t.bu.id)).await;
    assert_eq!(
        (s.as_u16(), v["error"]["code"].as_str()),
        (404, Some("VARIANT_NOT_FOUND"))
    );
    let (s, v) = api
        .raw(
            Method::POST,
            "/v1/orders",
            Some(json!({"items": []})),
            Some(&api.key),
            Some(&api.t.bu.id),
        )
        .await;
    assert_eq!(
        (s.as_u16(), v["error"]["code"].as_str()),
        (400, Some("VALIDATION_ERROR"))
    );
    assert!(
        v["error"]["details"]
            .as_array()
            .map(|d| !d.is_empty())
            .unwrap_or(false),
        "details name the fields"
    );
    api.call(
        Method::GET,
        &format!("/v1/orders/{oid}"),
        "/v1/orders/{orderId}",
        None,
    )
    .await;
    api.call(
        Method::GET,
        &format!("/v1/orders?customerId={cid}&status=pending"),
        "/v1/orders",
        None,
    )
    .await;
    let (s, _) = api
        .call(
            Method::PATCH,
            &format!("/v1/orders/{oid}/notes"),
            "/v1/orders/{orderId}/notes",
            Some(json!({"notes": "Leave at reception"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = api
        .call(
            Method::POST,
            &format!("/v1/orders/{oid}/confirm"),
            "/v1/orders/{orderId}/confirm",
            None,
        )
        .await;
    assert_eq!(
        (s, v["order"]["status"].as_str()),
        (StatusCode::OK, Some("confirmed"))
    );
    let (s, _) = api
        .call(
            Method::POST,
            &format!("/v1/orders/{oid}/cancel"),
            "/v1/orders/{orderId}/cancel",
            Some(json!({"reason": "Changed plans"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = api
        .call(
            Method::POST,
            &format!("/v1/orders/{oid}/cancel"),
            "/v1/orders/{orderId}/cancel",
            None,
        )
        .await;
    assert_eq!(
        (s.as_u16(), v["error"]["code"].as_str()),
        (400, Some("ALREADY_CANCELLED"))
    );

    api.call(
        Method::GET,
        &format!("/v1/customers/{cid}"),
        "/v1/customers/{customerId}",
        None,
    )
    .await;
    api.call(
        Method::GET,
        "/v1/customers?email=EMMA@x.example",
        "/v1/customers",
        None,
    )
    .await;
    let (s, v) = api
        .call(
            Method::PUT,
            &format!("/v1/customers/{cid}"),
            "/v1/customers/{customerId}",
            Some(json!({"customerId": cid, "phone": "+31 6 1234 5678"})),
        )
        .await;
    assert_eq!(
        (s, v["customer"]["phone"].as_str()),
        (StatusCode::OK, Some("+31 6 1234 5678"))
    );
    let (s, v) = api.call(Method::POST, "/v1/customers", "/v1/customers", Some(json!({"email": "b@y.example", "firstName": "Bram", "lastName": "Bakker", "customerType": "business", "company": "Grachtwerk"}))).await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = api
        .call(
            Method::DELETE,
            &format!("/v1/customers/{}", v["customerId"].as_str().unwrap()),
            "/v1/customers/{customerId}",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);

    let (s, v) = api
        .call(
            Method::POST,
            "/v1/assets",
            "/v1/assets",
            Some(json!({"serialNumber": " c02abc ", "sku": "MBA13-MID-A", "location": "Rack 1"})),
        )
        .await;
    assert_eq!(
        (s, v["asset"]["serialNumber"].as_str()),
        (StatusCode::CREATED, Some("C02ABC"))
    );
    let (s, v) = api
        .call(
            Method::POST,
            "/v1/assets",
            "/v1/assets",
            Some(json!({"serialNumber": "C02ABC", "sku": "MBA13-MID-A"})),
        )
        .await;
    assert_eq!(
        (s.as_u16(), v["error"]["code"].as_str()),
        (409, Some("ASSET_EXISTS"))
    );
    api.call(
        Method::GET,
        "/v1/assets/c02abc",
        "/v1/assets/{serialNumber}",
        None,
    )
    .await;
    api.call(
        Method::GET,
        "/v1/assets?status=available&sku=MBA13-MID-A",
        "/v1/assets",
        None,
    )
    .await;
    let (s, v) = api
        .call(
            Method::PUT,
            "/v1/assets/C02ABC",
            "/v1/assets/{serialNumber}",
            Some(json!({"status": "sold"})),
        )
        .await;
    assert_eq!(
        (s.as_u16(), v["error"]["code"].as_str()),
        (400, Some("INVALID_STATUS"))
    );
    let (s, _) = api
        .call(
            Method::PUT,
            "/v1/assets/C02ABC",
            "/v1/assets/{serialNumber}",
            Some(json!({"location": "Rack 2"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = api
        .call(
            Method::DELETE,
            "/v1/assets/C02ABC",
            "/v1/assets/{serialNumber}",
            None,
        )
        .await;
    assert_eq!(
        (s, v["serialNumber"].as_str()),
        (StatusCode::OK, Some("C02ABC"))
    );
}

#[tokio::test]
async fn the_server_publishes_its_openapi_document_and_serves_the_command_table() {
    let api = Api::new().await;
    let doc: Value = api
        .http
        .get(format!("{}/v1/openapi.json", api.server.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["paths"]["/v1/orders/{orderId}/confirm"]["post"].is_object());
    let (cookie, _) = crate::support::http_sign_in(&api.http, &api.server.url()).await;
    let resp = api
        .http
        .post(format!("{}/rpc/orders.list", api.server.url()))
        .header("Cookie", &cookie)
        .header("X-FlexDesk-BU", &api.t.bu.id)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let resp = api
        .http
        .post(format!("{}/rpc/orders.list", api.server.url()))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["code"], "AUTH_REQUIRED");
}

#[tokio::test]
async fn every_v1_route_served_is_in_the_published_document() {
    // Routes are listed in src/http/v1.rs; the document must describe each (and nothing unserved).
    let spec: Value = serde_json::from_str(OPENAPI).unwrap();
    let source = [
        include_str!("../../src/http/v1.rs"),
        include_str!("../../src/http/v1/subscriptions.rs"),
        include_str!("../../src/http/v1/billing.rs"),
    ]
    .concat();
    let routes: String = source.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut served = Vec::new();
    for part in routes
        .split(".route(")
        .skip(1)
        .map(str::trim_start)
        .filter(|p| p.starts_with("\"/v1/"))
    {
        let path = part.split('"').nth(1).unwrap().to_string();
        let call = &part[..part.find("))").map(|i| i + 2).unwrap_or(part.len())];
        let methods: Vec<&str> = ["get(", "post(", "put(", "patch(", "delete("]
            .into_iter()
            .filter(|m| call.contains(m))
            .collect();
        served.push((path, methods));
    }
    assert!(served.len() >= 12);
    let norm = |p: &str| p.replace("{id}", "{}").replace("{serial}", "{}");
    for (path, methods) in &served {
        let key = spec["paths"].as_object().unwrap().keys().find(|k| {
            norm(
                &k.replace("{productId}", "{id}")
                    .replace("{customerId}", "{id}")
                    .replace("{orderId}", "{id}")
                    .replace("{subscriptionId}", "{id}")
                    .replace("{paymentId}", "{id}")
                    .replace("{billingGroupId}", "{id}")
                    .replace("{fileId}", "{id}")
                    .replace("{serialNumber}", "{serial}"),
            ) == norm(path)
        });
        let key = key.unwrap_or_else(|| panic!("{path} is served but not documented"));
        for m in methods {
            let m = m.trim_end_matches('(');
            assert!(
                spec["paths"][key][m].is_object(),
                "{m} {path} is served but not documented"
            );
        }
    }
    assert_eq!(
        spec["paths"].as_object().unwrap().len(),
        served.len(),
        "the document describes only what is served"
    );
}

#[tokio::test]
async fn subscriptions_and_payments_follow_the_contract() {
    let api = Api::new().await;
    let post = |path: &'static str, tpl: &'static str, body: Value| {
        let api = &api;
        async move { api.call(Method::POST, path, tpl, Some(body)).await }
    };
    post("/v1/products", "/v1/products", product()).await;
    for sn in ["C02A", "C02B", "C02C", "C02D", "C02E"] {
        let (s, _) = post(
            "/v1/assets",
            "/v1/assets",
            json!({"serialNumber": sn, "sku": "MBA13-MID-A"}),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED);
    }
    let (_, v) = post("/v1/orders", "/v1/orders", json!({"customer": {"email": "sub@x.example", "firstName": "Sam", "lastName": "Bakker"},
        "billingAddress": address(), "items": [{"sku": "MBA13-MID-A", "quantity": 3, "contractLength": 12}]})).await;
    let oid = v["orderId"].as_str().unwrap().to_string();
    let cid = v["order"]["customer"]["customerId"]
        .as_str()
        .unwrap()
        .to_string();
    let path = |p: String| -> &'static str { Box::leak(p.into_boxed_str()) };

    // Not confirmed yet: ORDER_NOT_CONFIRMED (400); unknown order: ORDER_NOT_FOUND (404).
    let activate = |serial: &str, order: &str| json!({"orderId": order, "assetSerialNumber": serial, "customerId": cid});
    let (s, v) = post(
        "/v1/subscriptions",
        "/v1/subscriptions",
        activate("C02A", &oid),
    )
    .await;
    assert_eq!(
        (s.as_u16(), v["error"]["code"].as_str()),
        (400, Some("ORDER_NOT_CONFIRMED"))
    );
    let (s, v) = post(
        "/v1/subscriptions",
        "/v1/subscriptions",
        activate("C02A", "ord_nope"),
    )
    .await;
    assert_eq!(
        (s.as_u16(), v["error"]["code"].as_str()),
        (404, Some("ORDER_NOT_FOUND"))
    );
    post(
        path(format!("/v1/orders/{oid}/confirm")),
        "/v1/orders/{orderId}/confirm",
        json!({}),
    )
    .await;
    let (s, v) = post(
        "/v1/subscriptions",
        "/v1/subscriptions",
        json!({"orderId": oid, "assetSerialNumber": "C02A"}),
    )
    .await;
    assert_eq!(
        (s.as_u16(), v["error"]["details"][0]["path"].as_str()),
        (400, Some("customerId"))
    );
    let mut rentals = Vec::new();
    for sn in ["C02A", "C02B", "C02C"] {
        let (s, v) = post("/v1/subscriptions", "/v1/subscriptions", activate(sn, &oid)).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        assert_eq!(v["rental"]["monthlyAmount"], json!(89));
        rentals.push(v["rentalId"].as_str().unwrap().to_string());
    }
    let (s, v) = post(
        "/v1/subscriptions",
        "/v1/subscriptions",
        activate("C02D", &oid),
    )
    .await;
    assert_eq!(
        (s.as_u16(), v["error"]["code"].as_str()),
        (409, Some("ITEM_FULLY_FULFILLED"))
    );
    let (_, o) = api
        .call(
            Method::GET,
            &format!("/v1/orders/{oid}"),
            "/v1/orders/{orderId}",
            None,
        )
        .await;
    assert_eq!(
        (
            o["status"].as_str(),
            o["rentalProgress"]["rentedDevices"].as_i64()
        ),
        (Some("fulfilled"), Some(3))
    );

    // Lists and get.
    let (_, l) = api
        .call(
            Method::GET,
            &format!("/v1/subscriptions?orderId={oid}&limit=2"),
            "/v1/subscriptions",
            None,
        )
        .await;
    assert_eq!(
        (l["count"].as_i64(), l["hasMore"].as_bool()),
        (Some(2), Some(true))
    );
    let (_, l) = api
        .call(
            Method::GET,
            "/v1/subscriptions?serialNumber=c02b",
            "/v1/subscriptions",
            None,
        )
        .await;
    assert_eq!(l["rentals"][0]["rentalId"], json!(rentals[1]));
    let (s, v) = api
        .call(
            Method::GET,
            "/v1/subscriptions?limit=101",
            "/v1/subscriptions",
            None,
        )
        .await;
    assert_eq!(
        (s.as_u16(), v["error"]["code"].as_str()),
        (400, Some("VALIDATION_ERROR"))
    );
    let (s, _) = api
        .call(
            Method::GET,
            &format!("/v1/subscriptions/{}", rentals[0]),
            "/v1/subscriptions/{subscriptionId}",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = api
        .call(
            Method::GET,
            "/v1/subscriptions/rnt_nope",
            "/v1/subscriptions/{subscriptionId}",
            None,
        )
        .await;
    assert_eq!(
        (s.as_u16(), v["error"]["code"].as_str()),
        (404, Some("NOT_FOUND"))
    );

    // Quotes.
    let (_, q) = post(
        "/v1/subscriptions/calculate-buyout",
        "/v1/subscriptions/calculate-buyout",
        json!({"rentalId": rentals[0]}),
    )
    .await;
    assert_eq!(
        (q["remainingPayments"].as_i64(), q["buyoutPrice"].as_f64()),
        (Some(11), Some(11.0 * 89.0 + 649.5))
    );
    let (_, q) = post(
        "/v1/subscriptions/calculate-early-return-fee",
        "/v1/subscriptions/calculate-early-return-fee",
        json!({"subscriptionId": rentals[0]}),
    )
    .await;
    assert_eq!(
        (
            q["earlyReturnFee"].as_f64(),
            q["penaltyPercentage"].as_f64()
        ),
        (Some(0.0), Some(100.0)),
        "within the grace period"
    );

    // Payments: list, get, mark paid, mark failed, cancel.
    let (_, pl) = api
        .call(
            Method::GET,
            &format!("/v1/payments?rentalId={}&sortDir=asc", rentals[0]),
            "/v1/payments",
            None,
        )
        .await;
    assert_eq!(pl["count"].as_i64(), Some(12));
    assert_eq!(pl["payments"][0]["total"], json!(107.69));
    let p0 = pl["payments"][0]["paymentId"].as_str().unwrap().to_string();
    let p1 = pl["payments"][1]["paymentId"].as_str().unwrap().to_string();
    let p2 = pl["payments"][2]["paymentId"].as_str().unwrap().to_string();
    let (s, _) = api
        .call(
            Method::GET,
            &format!("/v1/payments/{p0}"),
            "/v1/payments/{paymentId}",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, v) = post(
        path(format!("/v1/payments/{p0}/mark-paid")),
        "/v1/payments/{paymentId}/mark-paid",
        json!({"reference": "TX-1"}),
    )
    .await;
    assert_eq!(
        (
            v["payment"]["status"].as_str(),
            v["payment"]["paymentReference"].as_str()
        ),
        (Some("paid"), Some("TX-1"))
    );
    let (s, v) = post(
        path(format!("/v1/payments/{p0}/mark-paid")),
        "/v1/payments/{paymentId}/mark-paid",
        json!({}),
    )
    .await;
    assert_eq!(
        (s.as_u16(), v["error"]["code"].as_str()),
        (400, Some("ALREADY_PAID"))
    );
    let (_, v) = post(
        path(format!("/v1/payments/{p1}/mark-failed")),
        "/v1/payments/{paymentId}/mark-failed",
        json!({"reason": "Card declined"}),
    )
    .await;
    assert_eq!(v["payment"]["status"], json!("failed"));
    let (_, v) = post(
        path(format!("/v1/payments/{p2}/cancel")),
        "/v1/payments/{paymentId}/cancel",
        json!({"reason": "Goodwill"}),
    )
    .await;
    assert_eq!(v["payment"]["status"], json!("cancelled"));
    let (s, v) = post(
        path(format!("/v1/payments/{p2}/mark-paid")),
        "/v1/payments/{paymentId}/mark-paid",
        json!({}),
    )
    .await;
    assert_eq!(
        (s.as_u16(), v["error"]["code"].as_str()),
        (400, Some("PAYMENT_CANCELLED"))
    );
    let (_, v) = api
        .call(
            Method::GET,
            "/v1/payments?status=paid",
            "/v1/payments",
            None,
        )
        .await;
    assert_eq!(v["count"].as_i64(), Some(1));
    let (_, r) = api
        .call(
            Method::GET,
            &format!("/v1/subscriptions/{}", rentals[0]),
            "/v1/subscriptions/{subscriptionId}",
            None,
        )
        .await;
    assert_eq!(
        (
            r["totalCollected"].as_f64(),
            r["costRecoveryPercent"].as_f64()
        ),
        (Some(89.0), Some(8.9))
    );

    // Lifecycle actions.
    let r0 = rentals[0].clone();
    let (s, v) = post(
        path(format!("/v1/subscriptions/{r0}/extend")),
        "/v1/subscriptions/{subscriptionId}/extend",
        json!({"rentalId": r0, "extensionMonths": 6, "reason": "Longer project"}),
    )
    .await;
    assert_eq!(
        (s.as_u16(), v["newContractLength"].as_i64()),
        (200, Some(18))
    );
    let (s, v) = post(
        path(format!("/v1/subscriptions/{r0}/extend")),
        "/v1/subscriptions/{subscriptionId}/extend",
        json!({"rentalId": "rnt_other", "extensionMonths": 6, "reason": "x"}),
    )
    .await;
    assert_eq!(
        (s.as_u16(), v["error"]["code"].as_str()),
        (400, Some("VALIDATION_ERROR"))
    );
    let (s, v) = post(
        path(format!("/v1/subscriptions/{r0}/extend")),
        "/v1/subscriptions/{subscriptionId}/extend",
        json!({"rentalId": r0, "extensionMonths": 0, "reason": "x"}),
    )
    .await;
    assert_eq!(
        (s.as_u16(), v["error"]["code"].as_str()),
        (400, Some("INVALID_EXTENSION_MONTHS"))
    );
    let (_, v) = post(
        path(format!("/v1/subscriptions/{r0}/replace")),
        "/v1/subscriptions/{subscriptionId}/replace",
        json!({"rentalId": r0, "newSerialNumber": "C02D", "replacementReason": "defective"}),
    )
    .await;
    assert_eq!(
        (v["oldSerialNumber"].as_str(), v["newSerialNumber"].as_str()),
        (Some("C02A"), Some("C02D"))
    );
    let (_, v) = api
        .call(
            Method::PATCH,
            &format!("/v1/subscriptions/{r0}/notes"),
            "/v1/subscriptions/{subscriptionId}/notes",
            Some(json!({"notes": "VIP"})),
        )
        .await;
    assert_eq!(v["rentalId"], json!(r0));
    let (_, v) = post(path(format!("/v1/subscriptions/{r0}/upgrade")), "/v1/subscriptions/{subscriptionId}/upgrade", json!({"rentalId": r0, "newSku": "MBA13-MID-A", "newSerialNumber": "C02E", "contractLength": 24, "newMonthlyAmount": 55, "reason": "Faster model"})).await;
    assert_eq!(
        (
            v["oldDevice"].as_str(),
            v["newDevice"].as_str(),
            v["newMonthlyAmount"].as_f64()
        ),
        (Some("C02D"), Some("C02E"), Some(55.0))
    );
    let (s, v) = post(
        path(format!("/v1/subscriptions/{r0}/buyout")),
        "/v1/subscriptions/{subscriptionId}/buyout",
        json!({"rentalId": r0, "reason": "customer_request"}),
    )
    .await;
    assert_eq!(
        (s.as_u16(), v["error"]["code"].as_str()),
        (400, Some("SUBSCRIPTION_NOT_ACTIVE"))
    );
    let r1 = rentals[1].clone();
    let (s, v) = post(
        path(format!("/v1/subscriptions/{r1}/early-return")),
        "/v1/subscriptions/{subscriptionId}/early-return",
        json!({"rentalId": r1, "returnCondition": "good", "earlyReturnFee": -1, "reason": "x"}),
    )
    .await;
    assert_eq!(
        (s.as_u16(), v["error"]["code"].as_str()),
        (400, Some("INVALID_FEE"))
    );
    let (_, v) = post(
        path(format!("/v1/subscriptions/{r1}/early-return")),
        "/v1/subscriptions/{subscriptionId}/early-return",
        json!({"rentalId": r1, "returnCondition": "good", "reason": "Moving"}),
    )
    .await;
    assert_eq!(
        (v["earlyReturnFee"].as_f64(), v["currency"].as_str()),
        (Some(0.0), Some("EUR"))
    );
    let r2 = rentals[2].clone();
    let (s, v) = post(
        path(format!("/v1/subscriptions/{r2}/buyout")),
        "/v1/subscriptions/{subscriptionId}/buyout",
        json!({"rentalId": r2, "reason": "customer_request", "buyoutPrice": -5}),
    )
    .await;
    assert_eq!(
        (s.as_u16(), v["error"]["code"].as_str()),
        (400, Some("INVALID_BUYOUT_PRICE"))
    );
    let (_, v) = post(
        path(format!("/v1/subscriptions/{r2}/cancel")),
        "/v1/subscriptions/{subscriptionId}/cancel",
        json!({"rentalId": r2, "reason": "fraud"}),
    )
    .await;
    assert_eq!(v["previousStatus"], json!("active"));
    let (s, v) = post(
        path(format!("/v1/subscriptions/{r2}/cancel")),
        "/v1/subscriptions/{subscriptionId}/cancel",
        json!({"rentalId": r2, "reason": "fraud"}),
    )
    .await;
    assert_eq!(
        (s.as_u16(), v["error"]["code"].as_str()),
        (400, Some("ALREADY_CANCELLED"))
    );
    let (s, v) = post(
        path(format!("/v1/subscriptions/{r1}/cancel")),
        "/v1/subscriptions/{subscriptionId}/cancel",
        json!({"rentalId": r1, "reason": "fraud"}),
    )
    .await;
    assert_eq!(
        (s.as_u16(), v["error"]["code"].as_str()),
        (400, Some("ALREADY_ENDED"))
    );
    let (_, l) = api
        .call(
            Method::GET,
            "/v1/subscriptions?status=ended_upgrade",
            "/v1/subscriptions",
            None,
        )
        .await;
    assert_eq!(l["count"].as_i64(), Some(1));
    assert_eq!(
        l["rentals"][0]["replacementHistory"][0]["reason"],
        json!("defective")
    );
}

#[tokio::test]
async fn billing_groups_files_and_the_export_follow_the_contract() {
    let api = Api::new().await;
    let post = |path: &'static str, tpl: &'static str, body: Value| {
        let api = &api;
        async move { api.call(Method::POST, path, tpl, Some(body)).await }
    };
    let path = |p: String| -> &'static str { Box::leak(p.into_boxed_str()) };
    post("/v1/products", "/v1/products", product()).await;
    for sn in ["G-001", "G-002"] {
        post(
            "/v1/assets",
            "/v1/assets",
            json!({"serialNumber": sn, "sku": "MBA13-MID-A"}),
        )
        .await;
    }
    let (_, v) = post(
        "/v1/orders",
        "/v1/orders",
        json!({"customer": {"email": "ops@bulk.example", "firstName": "Ida", "lastName": "Berg",
        "company": "Bulk AB", "customerType": "business"}, "billingAddress": address(),
        "items": [{"sku": "MBA13-MID-A", "quantity": 2, "contractLength": 12}]}),
    )
    .await;
    let oid = v["orderId"].as_str().unwrap().to_string();
    let cid = v["order"]["customer"]["customerId"]
        .as_str()
        .unwrap()
        .to_string();
    post(
        path(format!("/v1/orders/{oid}/confirm")),
        "/v1/orders/{orderId}/confirm",
        json!({}),
    )
    .await;
    let mut rentals = Vec::new();
    for sn in ["G-001", "G-002"] {
        let (s, v) = post(
            "/v1/subscriptions",
            "/v1/subscriptions",
            json!({"orderId": oid, "assetSerialNumber": sn, "customerId": cid}),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        rentals.push(v["rentalId"].as_str().unwrap().to_string());
    }
    // Billing groups: codes, then create, read, update, list, delete.
    let (s, v) = post(
        "/v1/billing-groups",
        "/v1/billing-groups",
        json!({"customerId": cid, "groupName": "Bulk", "billingDay": 31, "rentalIds": rentals}),
    )
    .await;
    assert_eq!(
        (s.as_u16(), v["error"]["code"].as_str()),
        (400, Some("INVALID_BILLING_DAY"))
    );
    let (s, v) = post("/v1/billing-groups", "/v1/billing-groups",
        json!({"customerId": cid, "groupName": "Bulk", "billingDay": 10, "rentalIds": ["rnt_missing"]})).await;
    assert_eq!(
        (s.as_u16(), v["error"]["code"].as_str()),
        (404, Some("SUBSCRIPTION_NOT_FOUND"))
    );
    let (s, v) = post("/v1/billing-groups", "/v1/billing-groups",
        json!({"customerId": cid, "groupName": "Bulk", "billingDay": 10, "rentalIds": rentals, "notes": "Net 30"})).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let gid = v["billingGroup"]["billingGroupId"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(v["billingGroup"]["activeRentalCount"], 2);
    assert_eq!(v["billingGroup"]["totalMonthlyAmount"], json!(178));
    let gpath = path(format!("/v1/billing-groups/{gid}"));
    let (s, v) = api
        .call(
            Method::GET,
            gpath,
            "/v1/billing-groups/{billingGroupId}",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["billingGroup"]["rentalIds"].as_array().unwrap().len(), 2);
    let (s, v) = api
        .call(
            Method::PATCH,
            gpath,
            "/v1/billing-groups/{billingGroupId}",
            Some(json!({"rentalIds": [rentals[0]], "billingDay": 28})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["billingGroup"]["billingDay"], 28);
    assert_eq!(v["billingGroup"]["rentalIds"], json!([rentals[0]]));
    let (_, v) = api
        .call(
            Method::GET,
            path(format!("/v1/payments?billingGroupId={gid}")),
            "/v1/payments",
            None,
        )
        .await;
    assert_eq!(v["payments"][0]["paymentType"], "consolidated");
    let (s, v) = api
        .call(
            Method::GET,
            "/v1/billing-groups",
            "/v1/billing-groups",
            None,
        )
        .await;
    assert_eq!(
        (s, v["billingGroups"].as_array().unwrap().len()),
        (StatusCode::OK, 1)
    );
    let (s, _) = api
        .call(
            Method::DELETE,
            gpath,
            "/v1/billing-groups/{billingGroupId}",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = api
        .call(
            Method::GET,
            gpath,
            "/v1/billing-groups/{billingGroupId}",
            None,
        )
        .await;
    assert_eq!(
        (s.as_u16(), v["error"]["code"].as_str()),
        (404, Some("NOT_FOUND"))
    );

    // Files: a contract, its metadata, a signed link that serves the PDF, deletion.
    let (s, v) = post(
        "/v1/files/contracts/generate",
        "/v1/files/contracts/generate",
        json!({"orderId": "ord_nope"}),
    )
    .await;
    assert_eq!(
        (s.as_u16(), v["error"]["code"].as_str()),
        (404, Some("ORDER_NOT_FOUND"))
    );
    let (s, v) = post(
        "/v1/files/contracts/generate",
        "/v1/files/contracts/generate",
        json!({"orderId": oid}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let fid = v["fileId"].as_str().unwrap().to_string();
    let fpath = path(format!("/v1/files/{fid}"));
    let (_, v) = api
        .call(Method::GET, fpath, "/v1/files/{fileId}", None)
        .await;
    assert_eq!(v["type"], "contract");
    let (_, v) = api
        .call(
            Method::GET,
            path(format!("/v1/files?orderId={oid}")),
            "/v1/files",
            None,
        )
        .await;
    assert_eq!(v["count"], 1);
    let (s, v) = post(
        "/v1/files/url",
        "/v1/files/url",
        json!({"fileId": fid, "action": "download", "expiresInMinutes": 5}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let url = v["url"].as_str().unwrap().to_string();
    let resp = api.http.get(&url).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    assert!(resp.bytes().await.unwrap().starts_with(b"%PDF"));
    let forged = url.replace("signature=", "signature=0");
    assert_eq!(
        api.http.get(&forged).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    let (s, _) = api
        .call(
            Method::DELETE,
            fpath,
            "/v1/files/{fileId}",
            Some(json!({"deleteFromStorage": true})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        api.http.get(&url).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );

    // The subscriptions export.
    let (s, v) = post(
        "/v1/exports/rentals",
        "/v1/exports/rentals",
        json!({"format": "csv", "status": "active"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["totalRecords"], 2);
    assert_eq!(v["activeRentals"], 2);
    assert!(v["csvData"]
        .as_str()
        .unwrap()
        .starts_with("subscriptionId,customerId"));
    let (s, v) = post(
        "/v1/exports/rentals",
        "/v1/exports/rentals",
        json!({"status": "sleeping"}),
    )
    .await;
    assert_eq!(
        (s.as_u16(), v["error"]["code"].as_str()),
        (400, Some("VALIDATION_ERROR"))
    );
}
