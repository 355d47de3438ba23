//! UBL 2.1 as Peppol BIS Billing 3.0 reads it (and XRechnung, its German CIUS): an `Invoice`, or
//! a `CreditNote` for a credit note. Elements are written in the order the schema declares them.

use super::xml::Doc;
use super::{rate, DocKind, EInvoice, Party, TaxCategory};

const INVOICE: &str = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2";
const CREDIT_NOTE: &str = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2";
const CAC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";
const CBC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";
pub const PEPPOL: &str =
    "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0";
pub const XRECHNUNG: &str = "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0";
const PROFILE: &str = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0";

fn money(x: &mut Doc, name: &str, cur: &str, v: &str) {
    x.leaf_with(name, &[("currencyID", cur)], v);
}

/// A tax category; `reason` (the breakdown's, not a line's) with its exemption reason.
fn tax_category(
    x: &mut Doc,
    name: &str,
    c: TaxCategory,
    r: rust_decimal::Decimal,
    reason: Option<(Option<&str>, String)>,
) {
    x.open(name, &[]).leaf("cbc:ID", c.code());
    if c != TaxCategory::O {
        x.leaf("cbc:Percent", &rate(r));
    }
    if let Some((code, text)) = reason {
        x.opt("cbc:TaxExemptionReasonCode", code)
            .leaf("cbc:TaxExemptionReason", &text);
    }
    x.open("cac:TaxScheme", &[])
        .leaf("cbc:ID", "VAT")
        .close("cac:TaxScheme")
        .close(name);
}

fn party(x: &mut Doc, name: &str, p: &Party, creditor_id: Option<&str>) {
    x.open(name, &[]).open("cac:Party", &[]);
    if let Some((scheme, id)) = &p.electronic_address {
        x.leaf_with("cbc:EndpointID", &[("schemeID", scheme)], id);
    }
    // The seller's SEPA creditor identifier (BT-90), as Peppol places it.
    if let Some(c) = creditor_id {
        x.open("cac:PartyIdentification", &[])
            .leaf_with("cbc:ID", &[("schemeID", "SEPA")], c)
            .close("cac:PartyIdentification");
    }
    x.open("cac:PartyName", &[])
        .leaf("cbc:Name", &p.name)
        .close("cac:PartyName")
        .open("cac:PostalAddress", &[])
        .opt("cbc:StreetName", p.street.as_deref())
        .opt("cbc:AdditionalStreetName", p.additional_street.as_deref())
        .opt("cbc:CityName", p.city.as_deref())
        .opt("cbc:PostalZone", p.postal_code.as_deref())
        .open("cac:Country", &[])
        .leaf("cbc:IdentificationCode", &p.country_code)
        .close("cac:Country")
        .close("cac:PostalAddress");
    if let Some(v) = &p.vat_id {
        x.open("cac:PartyTaxScheme", &[])
            .leaf("cbc:CompanyID", v)
            .open("cac:TaxScheme", &[])
            .leaf("cbc:ID", "VAT")
            .close("cac:TaxScheme")
            .close("cac:PartyTaxScheme");
    }
    x.open("cac:PartyLegalEntity", &[])
        .leaf("cbc:RegistrationName", &p.name)
        .opt("cbc:CompanyID", p.legal_id.as_deref())
        .close("cac:PartyLegalEntity");
    if p.contact_name.is_some() || p.email.is_some() || p.phone.is_some() {
        x.open("cac:Contact", &[])
            .opt("cbc:Name", p.contact_name.as_deref())
            .opt("cbc:Telephone", p.phone.as_deref())
            .opt("cbc:ElectronicMail", p.email.as_deref())
            .close("cac:Contact");
    }
    x.close("cac:Party").close(name);
}

fn period(x: &mut Doc, (from, to): (chrono::NaiveDate, chrono::NaiveDate)) {
    x.open("cac:InvoicePeriod", &[])
        .leaf("cbc:StartDate", &from.to_string())
        .leaf("cbc:EndDate", &to.to_string())
        .close("cac:InvoicePeriod");
}

/// The invoice as UBL XML (UTF-8), claiming `customization` (`PEPPOL` or `XRECHNUNG`).
pub fn write(inv: &EInvoice, customization: &str) -> crate::error::Result<Vec<u8>> {
    let credit = inv.kind == DocKind::CreditNote;
    let (root, ns, line_tag, qty_tag) = if credit {
        (
            "CreditNote",
            CREDIT_NOTE,
            "cac:CreditNoteLine",
            "cbc:CreditedQuantity",
        )
    } else {
        (
            "Invoice",
            INVOICE,
            "cac:InvoiceLine",
            "cbc:InvoicedQuantity",
        )
    };
    let cur = inv.currency.as_str();
    let mut x = Doc::new();
    x.open(
        root,
        &[("xmlns", ns), ("xmlns:cac", CAC), ("xmlns:cbc", CBC)],
    )
    .leaf("cbc:CustomizationID", customization)
    .leaf("cbc:ProfileID", PROFILE)
    .leaf("cbc:ID", &inv.number)
    .leaf("cbc:IssueDate", &inv.issue_date.to_string());
    if credit {
        x.leaf("cbc:CreditNoteTypeCode", inv.kind.code());
    } else {
        if let Some(d) = inv.due_date {
            x.leaf("cbc:DueDate", &d.to_string());
        }
        x.leaf("cbc:InvoiceTypeCode", inv.kind.code());
    }
    for n in &inv.notes {
        x.leaf("cbc:Note", n);
    }
    x.leaf("cbc:DocumentCurrencyCode", cur)
        .opt("cbc:BuyerReference", inv.buyer_reference.as_deref());
    if let Some(p) = inv.period {
        period(&mut x, p);
    }
    if let Some((number, issued)) = &inv.preceding {
        x.open("cac:BillingReference", &[])
            .open("cac:InvoiceDocumentReference", &[])
            .leaf("cbc:ID", number)
            .opt("cbc:IssueDate", issued.map(|d| d.to_string()).as_deref())
            .close("cac:InvoiceDocumentReference")
            .close("cac:BillingReference");
    }
    let creditor = inv.payment.as_ref().and_then(|p| p.creditor_id.as_deref());
    party(&mut x, "cac:AccountingSupplierParty", &inv.seller, creditor);
    party(&mut x, "cac:AccountingCustomerParty", &inv.buyer, None);
    if let Some(p) = &inv.payment {
        x.open("cac:PaymentMeans", &[])
            .leaf("cbc:PaymentMeansCode", &p.code);
        if credit {
            x.opt(
                "cbc:PaymentDueDate",
                inv.due_date.map(|d| d.to_string()).as_deref(),
            );
        }
        x.opt("cbc:PaymentID", p.remittance.as_deref());
        if let Some(account) = p.iban.as_ref().or(p.account.as_ref()) {
            x.open("cac:PayeeFinancialAccount", &[])
                .leaf("cbc:ID", account)
                .opt("cbc:Name", p.account_name.as_deref());
            if let Some(bic) = &p.bic {
                x.open("cac:FinancialInstitutionBranch", &[])
                    .leaf("cbc:ID", bic)
                    .close("cac:FinancialInstitutionBranch");
            }
            x.close("cac:PayeeFinancialAccount");
        }
        if let Some(m) = &p.mandate {
            x.open("cac:PaymentMandate", &[]).leaf("cbc:ID", m);
            if let Some(iban) = &p.debtor_iban {
                x.open("cac:PayerFinancialAccount", &[])
                    .leaf("cbc:ID", iban)
                    .close("cac:PayerFinancialAccount");
            }
            x.close("cac:PaymentMandate");
        }
        x.close("cac:PaymentMeans");
    }
    if let Some(t) = &inv.payment_terms {
        x.open("cac:PaymentTerms", &[])
            .leaf("cbc:Note", t)
            .close("cac:PaymentTerms");
    }
    x.open("cac:TaxTotal", &[]);
    money(&mut x, "cbc:TaxAmount", cur, &inv.amount(inv.tax_total()));
    for v in &inv.vat {
        x.open("cac:TaxSubtotal", &[]);
        money(&mut x, "cbc:TaxableAmount", cur, &inv.amount(v.taxable));
        money(&mut x, "cbc:TaxAmount", cur, &inv.amount(v.tax));
        let reason = inv.exemption_of(v.category);
        tax_category(&mut x, "cac:TaxCategory", v.category, v.rate, reason);
        x.close("cac:TaxSubtotal");
    }
    x.close("cac:TaxTotal");
    let (lines, total) = (inv.line_total(), inv.grand_total());
    x.open("cac:LegalMonetaryTotal", &[]);
    money(&mut x, "cbc:LineExtensionAmount", cur, &inv.amount(lines));
    money(&mut x, "cbc:TaxExclusiveAmount", cur, &inv.amount(lines));
    money(&mut x, "cbc:TaxInclusiveAmount", cur, &inv.amount(total));
    money(&mut x, "cbc:PayableAmount", cur, &inv.amount(total));
    x.close("cac:LegalMonetaryTotal");
    for l in &inv.lines {
        x.open(line_tag, &[]).leaf("cbc:ID", &l.id).leaf_with(
            qty_tag,
            &[("unitCode", "C62")],
            &l.quantity.to_string(),
        );
        money(&mut x, "cbc:LineExtensionAmount", cur, &inv.amount(l.net));
        if let Some(p) = l.period {
            period(&mut x, p);
        }
        x.open("cac:Item", &[])
            .opt("cbc:Description", l.description.as_deref())
            .leaf("cbc:Name", &l.name);
        if let Some(id) = &l.seller_item_id {
            x.open("cac:SellersItemIdentification", &[])
                .leaf("cbc:ID", id)
                .close("cac:SellersItemIdentification");
        }
        tax_category(
            &mut x,
            "cac:ClassifiedTaxCategory",
            l.category,
            l.rate,
            None,
        );
        x.close("cac:Item").open("cac:Price", &[]);
        money(
            &mut x,
            "cbc:PriceAmount",
            cur,
            &inv.amount(l.net / l.quantity.max(1)),
        );
        x.close("cac:Price").close(line_tag);
    }
    x.close(root);
    x.finish()
}
