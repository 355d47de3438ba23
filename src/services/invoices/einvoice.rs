//! An issued invoice or credit note as an EN 16931 e-invoice, in the buyer's format: what it
//! says (number, dates, lines, amounts, VAT, the parties' names and VAT ids) as issued; the
//! parties' postal and electronic addresses, the seller's account and the buyer's reference as
//! the unit's settings and the buyer's e-invoicing say when the e-invoice is made.

use super::*;
use crate::einvoice::{
    self, DocKind, EInvoice, Format, Line, Party, PaymentMeans, TaxCategory, VatRow,
};
use crate::services::einvoicing::{self, parse_address, Owner};

fn code_of(country: &str, path: &str, whose: &str) -> Result<String> {
    tax::country_code(country)
        .map(|c| c.alpha2().to_string())
        .ok_or_else(|| {
            Error::invalid(
                path,
                format!("{whose} country ('{country}') is not one FlexDesk knows; an e-invoice names it by its ISO code."),
            )
        })
}

fn nonempty(s: &str) -> Option<String> {
    opt_trim(Some(s.to_string()))
}

fn day(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// A period as stored (its end exclusive) as EN 16931 writes it: first and last day.
fn period(start: Option<&str>, end: Option<&str>) -> Option<(NaiveDate, NaiveDate)> {
    let first = day(start?)?;
    let last = day(end?)?.pred_opt()?;
    (last >= first).then_some((first, last))
}

fn seller(bu: &BusinessUnit, issued: &PartyRecord) -> Result<Party> {
    let s = &bu.settings.seller;
    let email = nonempty(&s.email);
    let electronic =
        parse_address(&s.einvoice_address).or_else(|| email.clone().map(|e| ("EM".to_string(), e)));
    Ok(Party {
        name: issued.name.clone(),
        street: nonempty(&s.street_address),
        additional_street: None,
        city: nonempty(&s.city),
        postal_code: nonempty(&s.postal_code),
        country_code: code_of(&issued.country, "seller.country", "The seller's")?,
        vat_id: issued.vat_id.clone(),
        legal_id: nonempty(&s.registration_number),
        electronic_address: electronic,
        contact_name: Some(issued.name.clone()),
        email,
        phone: nonempty(&s.phone),
    })
}

async fn buyer(
    conn: &mut SqliteConnection,
    bu: &BusinessUnit,
    customer_id: &str,
    issued: &PartyRecord,
    address: Option<&str>,
) -> Result<Party> {
    let c = crate::services::customers::get_in(conn, bu, customer_id).await?;
    let a = c
        .last_billing_address
        .as_ref()
        .or(c.last_shipping_address.as_ref());
    let email = nonempty(&c.email);
    let electronic = address
        .and_then(parse_address)
        .or_else(|| email.clone().map(|e| ("EM".to_string(), e)));
    let person = c.person();
    Ok(Party {
        name: issued.name.clone(),
        street: a.map(|a| a.street_address.clone()),
        additional_street: a.and_then(|a| a.building_info.clone()),
        city: a.map(|a| a.city.clone()),
        postal_code: a.and_then(|a| a.postal_code.clone()),
        country_code: code_of(&issued.country, "buyer.country", "The buyer's")?,
        vat_id: issued.vat_id.clone(),
        legal_id: c.registration_number.clone(),
        electronic_address: electronic,
        contact_name: nonempty(&person),
        email,
        phone: c.phone.clone(),
    })
}

/// How the invoice's buyer takes its invoices: the customer's e-invoicing, and its billing
/// group's (whose settings come first where it has them).
struct Buyers {
    customer: einvoicing::EInvoicing,
    group: einvoicing::EInvoicing,
}

impl Buyers {
    async fn of(conn: &mut SqliteConnection, bu: &BusinessUnit, i: &Invoice) -> Result<Buyers> {
        Ok(Buyers {
            customer: einvoicing::get_in(conn, bu, Owner::Customer, &i.customer_id).await?,
            group: match &i.billing_group_id {
                Some(g) => einvoicing::get_in(conn, bu, Owner::BillingGroup, g).await?,
                None => Default::default(),
            },
        })
    }

    /// The format an invoice goes out in: the one asked for, else the group's, else the
    /// customer's, else PDF.
    fn format(&self, asked: Option<&str>) -> Result<Format> {
        if let Some(f) = asked.map(str::trim).filter(|f| !f.is_empty()) {
            return Format::parse_field("format", f);
        }
        let chosen = self.group.format.as_deref().and_then(Format::parse);
        Ok(chosen.unwrap_or_else(|| einvoice::format_of(self.customer.format.as_deref())))
    }
}

/// The issued document `d` as an e-invoice, for buyers who take it as `b` says.
async fn prepare(
    conn: &mut SqliteConnection,
    bu: &BusinessUnit,
    d: &InvoiceDetail,
    b: Buyers,
) -> Result<EInvoice> {
    let i = &d.invoice;
    let Buyers { customer, group } = b;
    let credit = i.kind == "credit_note";
    let sign = if credit { -1 } else { 1 };
    let category = |rate: &str| -> (TaxCategory, rust_decimal::Decimal) {
        let r = rust_decimal::Decimal::from_str(rate).unwrap_or_default();
        match super::tax_category(i.reverse_charge, r, &d.seller) {
            TaxCategory::AE => (TaxCategory::AE, rust_decimal::Decimal::ZERO),
            c => (c, r),
        }
    };
    let lines: Vec<Line> = d
        .lines
        .iter()
        .enumerate()
        .map(|(n, l)| {
            let (cat, rate) = category(&l.rate);
            let name = l.description.split(", ").next().unwrap_or(&l.description);
            Line {
                id: (n + 1).to_string(),
                name: name.chars().take(200).collect(),
                description: Some(l.description.clone()),
                seller_item_id: l.serial_number.clone(),
                quantity: l.quantity.max(1),
                net: sign * l.net,
                category: cat,
                rate,
                period: period(l.period_start.as_deref(), l.period_end.as_deref()),
            }
        })
        .collect();
    let vat: Vec<VatRow> = d
        .rate_totals
        .iter()
        .map(|r| {
            let (cat, rate) = category(&r.rate);
            VatRow {
                category: cat,
                rate,
                taxable: sign * r.net,
                tax: sign * r.tax,
            }
        })
        .collect();
    let seller = seller(bu, &d.seller)?;
    if seller.vat_id.is_none() && vat.iter().any(|v| v.category != TaxCategory::O) {
        return Err(Error::invalid(
            "seller.vatId",
            "An e-invoice names the seller's VAT id: set it in Settings → Business unit, then issue again.",
        ));
    }
    let buyer = buyer(
        conn,
        bu,
        &i.customer_id,
        &d.buyer,
        group.address.as_deref().or(customer.address.as_deref()),
    )
    .await?;
    if i.reverse_charge && buyer.vat_id.is_none() {
        return Err(Error::invalid(
            "buyer.vatId",
            "A reverse-charge e-invoice names the buyer's VAT id.",
        ));
    }
    let mandate = group
        .mandate_reference
        .clone()
        .zip(group.debtor_iban.clone())
        .or_else(|| {
            customer
                .mandate_reference
                .clone()
                .zip(customer.debtor_iban.clone())
        });
    let account = nonempty(&bu.settings.seller.bank_account);
    let payment = if let Some((mandate, debtor)) = mandate {
        let creditor = nonempty(&bu.settings.seller.sepa_creditor_id).ok_or_else(|| {
            Error::invalid(
                "seller.sepaCreditorId",
                "The buyer pays by direct debit: set the unit's SEPA creditor identifier in Settings → Business unit.",
            )
        })?;
        Some(PaymentMeans {
            code: "59".into(),
            iban: None,
            account: None,
            bic: None,
            account_name: None,
            remittance: Some(i.number.clone()),
            mandate: Some(mandate),
            creditor_id: Some(creditor),
            debtor_iban: Some(debtor),
        })
    } else {
        account.map(|account| {
            let compact = account.replace(' ', "").to_uppercase();
            let iban = einvoice::is_iban(&compact).then_some(compact);
            PaymentMeans {
                // A SEPA transfer to a euro IBAN, any credit transfer otherwise.
                code: if iban.is_some() && i.currency == "EUR" {
                    "58"
                } else {
                    "30"
                }
                .into(),
                account: if iban.is_none() { Some(account) } else { None },
                iban,
                bic: nonempty(&bu.settings.seller.bic),
                account_name: Some(d.seller.name.clone()),
                remittance: Some(i.number.clone()),
                mandate: None,
                creditor_id: None,
                debtor_iban: None,
            }
        })
    };
    let mut notes = vec![];
    if i.reverse_charge {
        notes.push(tax::REVERSE_CHARGE_NOTE.to_string());
    }
    if let Some(r) = &i.reason {
        notes.push(r.clone());
    }
    let preceding = match (&i.corrects_number, &i.corrects_id) {
        (Some(n), Some(id)) => {
            let issued: Option<String> =
                sqlx::query_scalar("SELECT issue_date FROM invoices WHERE id = ?")
                    .bind(id)
                    .fetch_optional(&mut *conn)
                    .await?;
            Some((n.clone(), issued.as_deref().and_then(day)))
        }
        _ => None,
    };
    Ok(EInvoice {
        kind: if credit {
            DocKind::CreditNote
        } else {
            DocKind::Invoice
        },
        number: i.number.clone(),
        issue_date: day(&i.issue_date)
            .ok_or_else(|| Error::internal("an invoice without an issue date"))?,
        due_date: i.due_date.as_deref().and_then(day),
        currency: i.currency.clone(),
        exponent: bu.currency_exponent,
        buyer_reference: group.buyer_reference.or(customer.buyer_reference),
        preceding,
        notes,
        period: period(i.period_start.as_deref(), i.period_end.as_deref()),
        seller,
        buyer,
        payment,
        payment_terms: i.due_date.as_ref().map(|d| format!("Due {d}")),
        lines,
        vat,
        exemption: d.seller.tax_exemption.clone(),
    })
}

/// An invoice as a file in `format` (or the buyer's): its name, content type and bytes.
pub async fn einvoice_of(
    db: &Db,
    bu: &BusinessUnit,
    id: &str,
    format: Option<&str>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(String, &'static str, Vec<u8>)> {
    let mut conn = db.pool().acquire().await?;
    let d = detail_in(&mut conn, bu, id).await?;
    einvoice_for(&mut conn, bu, &d, format, now).await
}

/// The issued document `d` as a file in `format` (or the buyer's), as `einvoice_of`.
pub async fn einvoice_for(
    conn: &mut SqliteConnection,
    bu: &BusinessUnit,
    d: &InvoiceDetail,
    format: Option<&str>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(String, &'static str, Vec<u8>)> {
    let buyers = Buyers::of(conn, bu, &d.invoice).await?;
    let format = buyers.format(format)?;
    let number = d.invoice.number.clone();
    if format == Format::Pdf {
        let bytes = pdf::invoice(&document(bu, d))?;
        return Ok((format!("{number}.pdf"), "application/pdf", bytes));
    }
    let e = prepare(conn, bu, d, buyers).await?;
    match format {
        Format::FacturX => {
            let doc = document(bu, d);
            let pdf = pdf::invoice(&doc)?;
            let xml = einvoice::cii(&e)?;
            let title = format!("{} {number}", pdf::invoice_title(doc.kind));
            let bytes = einvoice::facturx(&pdf, &xml, &title, now)?;
            Ok((format!("{number}.pdf"), "application/pdf", bytes))
        }
        Format::Peppol => Ok((
            format!("{number}.xml"),
            "application/xml",
            einvoice::ubl(&e, crate::einvoice::PEPPOL)?,
        )),
        Format::XRechnung => {
            if e.buyer_reference.is_none() {
                return Err(Error::invalid(
                    "buyerReference",
                    "XRechnung needs the buyer's Leitweg-ID: set it in the customer's e-invoicing.",
                ));
            }
            Ok((
                format!("{number}.xml"),
                "application/xml",
                einvoice::ubl(&e, crate::einvoice::XRECHNUNG)?,
            ))
        }
        Format::Pdf => unreachable!("handled above"),
    }
}
