//! How a buyer takes its invoices: the format (PDF, Factur-X, Peppol UBL, XRechnung), its
//! electronic address and its reference (a purchase order, a cost centre, a German authority's
//! Leitweg-ID), for a customer and, where a group's invoices need their own, a billing group.
//! The month-end run and "Save as" follow it (`invoices::einvoice_of`).

use super::{opt_trim, BusinessUnit, Ctx};
use crate::einvoice::Format;
use crate::error::{Checks, Error, Result};
use crate::store::{record, Db, Entry};
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use ts_rs::TS;

crate::str_enum!(Owner { Customer = "customer", BillingGroup = "billing_group" });

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS, sqlx::FromRow)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct EInvoicing {
    /// pdf, facturx, peppol or xrechnung; none: PDF (a group follows its customer).
    pub format: Option<String>,
    /// `scheme:identifier`: a Peppol participant id (`0208:0123456789`) or `EM:address`.
    pub address: Option<String>,
    /// BT-10, the buyer's reference: their purchase order or cost centre, or the Leitweg-ID.
    pub buyer_reference: Option<String>,
    /// SEPA direct debit: the mandate's reference and the IBAN debited (both, or neither).
    pub mandate_reference: Option<String>,
    pub debtor_iban: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct EInvoicingReq {
    pub owner_kind: String,
    pub owner_id: String,
    #[serde(flatten)]
    #[ts(flatten)]
    pub settings: EInvoicing,
}

pub use crate::einvoice::parse_address;

fn check(s: &EInvoicing) -> Result<EInvoicing> {
    let mut c = Checks::new();
    let format = opt_trim(s.format.clone());
    let parsed = format.as_deref().map(Format::parse);
    if parsed == Some(None) {
        c.fail("format", "The format is pdf, facturx, peppol or xrechnung.");
    }
    let address = opt_trim(s.address.clone());
    if let Some(a) = &address {
        if parse_address(a).is_none() {
            c.fail(
                "address",
                "Write the electronic address as scheme:identifier, e.g. 0208:0123456789 (a Peppol participant id) or EM:invoices@example.com.",
            );
        }
    }
    let buyer_reference = opt_trim(s.buyer_reference.clone());
    c.max_len(
        "buyerReference",
        buyer_reference.as_deref().unwrap_or(""),
        100,
        "The buyer's reference",
    );
    let mandate_reference = opt_trim(s.mandate_reference.clone());
    let debtor_iban = opt_trim(s.debtor_iban.clone()).map(|i| i.replace(' ', "").to_uppercase());
    c.max_len(
        "mandateReference",
        mandate_reference.as_deref().unwrap_or(""),
        35,
        "The mandate reference",
    );
    if let Some(i) = &debtor_iban {
        if !crate::einvoice::is_iban(i) {
            c.fail("debtorIban", "This is not an IBAN.");
        }
    }
    if mandate_reference.is_some() != debtor_iban.is_some() {
        c.fail(
            if mandate_reference.is_some() {
                "debtorIban"
            } else {
                "mandateReference"
            },
            "Direct debit needs both the mandate's reference and the IBAN debited.",
        );
    }
    if parsed == Some(Some(Format::XRechnung)) && buyer_reference.is_none() {
        c.fail(
            "buyerReference",
            "XRechnung needs the buyer's Leitweg-ID as their reference.",
        );
    }
    c.finish()?;
    Ok(EInvoicing {
        format,
        address: address
            .and_then(|a| parse_address(&a))
            .map(|(s, i)| format!("{s}:{i}")),
        buyer_reference,
        mandate_reference,
        debtor_iban,
    })
}

pub(crate) async fn get_in(
    conn: &mut SqliteConnection,
    bu: &BusinessUnit,
    owner: Owner,
    id: &str,
) -> Result<EInvoicing> {
    let row: Option<EInvoicing> = sqlx::query_as(
        "SELECT format, address, buyer_reference, mandate_reference, debtor_iban FROM einvoicing
         WHERE bu_id = ? AND owner_kind = ? AND owner_id = ?",
    )
    .bind(&bu.id)
    .bind(owner.as_str())
    .bind(id)
    .fetch_optional(conn)
    .await?;
    Ok(row.unwrap_or_default())
}

pub async fn get(db: &Db, bu: &BusinessUnit, owner_kind: &str, id: &str) -> Result<EInvoicing> {
    let owner = Owner::parse_field("ownerKind", owner_kind)?;
    let mut conn = db.pool().acquire().await?;
    get_in(&mut conn, bu, owner, id).await
}

/// Save a customer's or billing group's e-invoicing (it must exist in the unit).
pub async fn save(db: &Db, ctx: &Ctx, r: EInvoicingReq) -> Result<EInvoicing> {
    let owner = Owner::parse_field("ownerKind", &r.owner_kind)?;
    let s = check(&r.settings)?;
    let bu = &ctx.bu;
    let mut tx = db.write().await?;
    let (table, what) = match owner {
        Owner::Customer => ("customers", "Customer"),
        Owner::BillingGroup => ("billing_groups", "Billing group"),
    };
    let found: Option<i64> =
        sqlx::query_scalar(&format!("SELECT 1 FROM {table} WHERE id = ? AND bu_id = ?"))
            .bind(&r.owner_id)
            .bind(&bu.id)
            .fetch_optional(&mut *tx)
            .await?;
    if found.is_none() {
        return Err(Error::not_found(what, &r.owner_id));
    }
    let before = get_in(&mut tx, bu, owner, &r.owner_id).await?;
    sqlx::query(
        "INSERT INTO einvoicing (bu_id, owner_kind, owner_id, format, address, buyer_reference, mandate_reference, debtor_iban, updated_at, updated_by)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (bu_id, owner_kind, owner_id) DO UPDATE SET format = excluded.format, address = excluded.address,
           buyer_reference = excluded.buyer_reference, mandate_reference = excluded.mandate_reference,
           debtor_iban = excluded.debtor_iban, updated_at = excluded.updated_at, updated_by = excluded.updated_by",
    )
    .bind(&bu.id)
    .bind(owner.as_str())
    .bind(&r.owner_id)
    .bind(&s.format)
    .bind(&s.address)
    .bind(&s.buyer_reference)
    .bind(&s.mandate_reference)
    .bind(&s.debtor_iban)
    .bind(&ctx.now)
    .bind(&ctx.actor.name)
    .execute(&mut *tx)
    .await?;
    record(
        &mut tx,
        &ctx.actor,
        ctx.at,
        Entry {
            bu_id: Some(&bu.id),
            entity_type: owner.as_str(),
            entity_id: &r.owner_id,
            action: "einvoicing",
            summary: format!(
                "Invoices as {}{}",
                crate::einvoice::format_of(s.format.as_deref()).label(),
                s.buyer_reference
                    .as_deref()
                    .map(|b| format!(", reference {b}"))
                    .unwrap_or_default()
            ),
            before: Some(serde_json::to_value(&before)?),
            after: Some(serde_json::to_value(&s)?),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(s)
}
