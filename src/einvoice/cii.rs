//! UN/CEFACT Cross Industry Invoice (D16B), the XML inside a Factur-X / ZUGFeRD PDF, in the
//! EN 16931 profile. Elements are written in the order the schema declares them.

use super::xml::Doc;
use super::{rate, EInvoice, Party};
use chrono::NaiveDate;

const RSM: &str = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100";
const RAM: &str =
    "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100";
const QDT: &str = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100";
const UDT: &str = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100";
/// The EN 16931 profile of Factur-X 1.0 (ZUGFeRD 2.x "COMFORT").
pub const GUIDELINE: &str = "urn:cen.eu:en16931:2017";

fn day(d: NaiveDate) -> String {
    d.format("%Y%m%d").to_string()
}

fn date_time(x: &mut Doc, name: &str, d: NaiveDate) {
    x.open(name, &[])
        .leaf_with("udt:DateTimeString", &[("format", "102")], &day(d))
        .close(name);
}

fn party(x: &mut Doc, name: &str, p: &Party) {
    x.open(name, &[]).leaf("ram:Name", &p.name);
    if let Some(id) = &p.legal_id {
        x.open("ram:SpecifiedLegalOrganization", &[])
            .leaf("ram:ID", id)
            .close("ram:SpecifiedLegalOrganization");
    }
    if p.contact_name.is_some() || p.email.is_some() || p.phone.is_some() {
        x.open("ram:DefinedTradeContact", &[])
            .opt("ram:PersonName", p.contact_name.as_deref());
        if let Some(t) = &p.phone {
            x.open("ram:TelephoneUniversalCommunication", &[])
                .leaf("ram:CompleteNumber", t)
                .close("ram:TelephoneUniversalCommunication");
        }
        if let Some(e) = &p.email {
            x.open("ram:EmailURIUniversalCommunication", &[])
                .leaf("ram:URIID", e)
                .close("ram:EmailURIUniversalCommunication");
        }
        x.close("ram:DefinedTradeContact");
    }
    x.open("ram:PostalTradeAddress", &[])
        .opt("ram:PostcodeCode", p.postal_code.as_deref())
        .opt("ram:LineOne", p.street.as_deref())
        .opt("ram:LineTwo", p.additional_street.as_deref())
        .opt("ram:CityName", p.city.as_deref())
        .leaf("ram:CountryID", &p.country_code)
        .close("ram:PostalTradeAddress");
    if let Some((scheme, id)) = &p.electronic_address {
        x.open("ram:URIUniversalCommunication", &[])
            .leaf_with("ram:URIID", &[("schemeID", scheme)], id)
            .close("ram:URIUniversalCommunication");
    }
    if let Some(v) = &p.vat_id {
        x.open("ram:SpecifiedTaxRegistration", &[])
            .leaf_with("ram:ID", &[("schemeID", "VA")], v)
            .close("ram:SpecifiedTaxRegistration");
    }
    x.close(name);
}

fn period(x: &mut Doc, (from, to): (NaiveDate, NaiveDate)) {
    x.open("ram:BillingSpecifiedPeriod", &[]);
    date_time(x, "ram:StartDateTime", from);
    date_time(x, "ram:EndDateTime", to);
    x.close("ram:BillingSpecifiedPeriod");
}

/// The invoice as CII XML (UTF-8).
pub fn write(inv: &EInvoice) -> crate::error::Result<Vec<u8>> {
    let mut x = Doc::new();
    let cur = inv.currency.as_str();
    x.open(
        "rsm:CrossIndustryInvoice",
        &[
            ("xmlns:rsm", RSM),
            ("xmlns:qdt", QDT),
            ("xmlns:ram", RAM),
            ("xmlns:udt", UDT),
        ],
    );
    x.open("rsm:ExchangedDocumentContext", &[])
        .open("ram:GuidelineSpecifiedDocumentContextParameter", &[])
        .leaf("ram:ID", GUIDELINE)
        .close("ram:GuidelineSpecifiedDocumentContextParameter")
        .close("rsm:ExchangedDocumentContext");

    x.open("rsm:ExchangedDocument", &[])
        .leaf("ram:ID", &inv.number)
        .leaf("ram:TypeCode", inv.kind.code());
    date_time(&mut x, "ram:IssueDateTime", inv.issue_date);
    for n in &inv.notes {
        x.open("ram:IncludedNote", &[])
            .leaf("ram:Content", n)
            .close("ram:IncludedNote");
    }
    x.close("rsm:ExchangedDocument");

    x.open("rsm:SupplyChainTradeTransaction", &[]);
    for l in &inv.lines {
        x.open("ram:IncludedSupplyChainTradeLineItem", &[])
            .open("ram:AssociatedDocumentLineDocument", &[])
            .leaf("ram:LineID", &l.id)
            .close("ram:AssociatedDocumentLineDocument")
            .open("ram:SpecifiedTradeProduct", &[])
            .opt("ram:SellerAssignedID", l.seller_item_id.as_deref())
            .leaf("ram:Name", &l.name)
            .opt("ram:Description", l.description.as_deref())
            .close("ram:SpecifiedTradeProduct")
            .open("ram:SpecifiedLineTradeAgreement", &[])
            .open("ram:NetPriceProductTradePrice", &[])
            .leaf("ram:ChargeAmount", &inv.amount(l.net / l.quantity.max(1)))
            .close("ram:NetPriceProductTradePrice")
            .close("ram:SpecifiedLineTradeAgreement")
            .open("ram:SpecifiedLineTradeDelivery", &[])
            .leaf_with(
                "ram:BilledQuantity",
                &[("unitCode", "C62")],
                &l.quantity.to_string(),
            )
            .close("ram:SpecifiedLineTradeDelivery")
            .open("ram:SpecifiedLineTradeSettlement", &[])
            .open("ram:ApplicableTradeTax", &[])
            .leaf("ram:TypeCode", "VAT")
            .leaf("ram:CategoryCode", l.category.code())
            .leaf("ram:RateApplicablePercent", &rate(l.rate))
            .close("ram:ApplicableTradeTax");
        if let Some(p) = l.period {
            period(&mut x, p);
        }
        x.open("ram:SpecifiedTradeSettlementLineMonetarySummation", &[])
            .leaf("ram:LineTotalAmount", &inv.amount(l.net))
            .close("ram:SpecifiedTradeSettlementLineMonetarySummation")
            .close("ram:SpecifiedLineTradeSettlement")
            .close("ram:IncludedSupplyChainTradeLineItem");
    }

    x.open("ram:ApplicableHeaderTradeAgreement", &[])
        .opt("ram:BuyerReference", inv.buyer_reference.as_deref());
    party(&mut x, "ram:SellerTradeParty", &inv.seller);
    party(&mut x, "ram:BuyerTradeParty", &inv.buyer);
    x.close("ram:ApplicableHeaderTradeAgreement");
    x.open("ram:ApplicableHeaderTradeDelivery", &[])
        .close("ram:ApplicableHeaderTradeDelivery");

    x.open("ram:ApplicableHeaderTradeSettlement", &[]);
    if let Some(p) = &inv.payment {
        x.opt("ram:CreditorReferenceID", p.creditor_id.as_deref())
            .opt("ram:PaymentReference", p.remittance.as_deref());
    }
    x.leaf("ram:InvoiceCurrencyCode", cur);
    if let Some(p) = &inv.payment {
        x.open("ram:SpecifiedTradeSettlementPaymentMeans", &[])
            .leaf("ram:TypeCode", &p.code);
        if let Some(iban) = &p.debtor_iban {
            x.open("ram:PayerPartyDebtorFinancialAccount", &[])
                .leaf("ram:IBANID", iban)
                .close("ram:PayerPartyDebtorFinancialAccount");
        }
        if p.iban.is_some() || p.account.is_some() {
            x.open("ram:PayeePartyCreditorFinancialAccount", &[])
                .opt("ram:IBANID", p.iban.as_deref())
                .opt("ram:AccountName", p.account_name.as_deref())
                .opt("ram:ProprietaryID", p.account.as_deref())
                .close("ram:PayeePartyCreditorFinancialAccount");
        }
        if let Some(bic) = &p.bic {
            x.open("ram:PayeeSpecifiedCreditorFinancialInstitution", &[])
                .leaf("ram:BICID", bic)
                .close("ram:PayeeSpecifiedCreditorFinancialInstitution");
        }
        x.close("ram:SpecifiedTradeSettlementPaymentMeans");
    }
    for v in &inv.vat {
        let exemption = inv.exemption_of(v.category);
        x.open("ram:ApplicableTradeTax", &[])
            .leaf("ram:CalculatedAmount", &inv.amount(v.tax))
            .leaf("ram:TypeCode", "VAT")
            .opt(
                "ram:ExemptionReason",
                exemption.as_ref().map(|e| e.1.as_str()),
            )
            .leaf("ram:BasisAmount", &inv.amount(v.taxable))
            .leaf("ram:CategoryCode", v.category.code())
            .opt(
                "ram:ExemptionReasonCode",
                exemption.as_ref().and_then(|e| e.0),
            )
            .leaf("ram:RateApplicablePercent", &rate(v.rate))
            .close("ram:ApplicableTradeTax");
    }
    if let Some(p) = inv.period {
        period(&mut x, p);
    }
    let mandate = inv.payment.as_ref().and_then(|p| p.mandate.as_deref());
    if inv.payment_terms.is_some() || inv.due_date.is_some() || mandate.is_some() {
        x.open("ram:SpecifiedTradePaymentTerms", &[])
            .opt("ram:Description", inv.payment_terms.as_deref());
        if let Some(d) = inv.due_date {
            date_time(&mut x, "ram:DueDateDateTime", d);
        }
        x.opt("ram:DirectDebitMandateID", mandate)
            .close("ram:SpecifiedTradePaymentTerms");
    }
    let total = inv.grand_total();
    x.open("ram:SpecifiedTradeSettlementHeaderMonetarySummation", &[])
        .leaf("ram:LineTotalAmount", &inv.amount(inv.line_total()))
        .leaf("ram:TaxBasisTotalAmount", &inv.amount(inv.line_total()))
        .leaf_with(
            "ram:TaxTotalAmount",
            &[("currencyID", cur)],
            &inv.amount(inv.tax_total()),
        )
        .leaf("ram:GrandTotalAmount", &inv.amount(total))
        .leaf("ram:DuePayableAmount", &inv.amount(total))
        .close("ram:SpecifiedTradeSettlementHeaderMonetarySummation");
    if let Some((number, issued)) = &inv.preceding {
        x.open("ram:InvoiceReferencedDocument", &[])
            .leaf("ram:IssuerAssignedID", number);
        if let Some(d) = issued {
            x.open("ram:FormattedIssueDateTime", &[])
                .leaf_with("qdt:DateTimeString", &[("format", "102")], &day(*d))
                .close("ram:FormattedIssueDateTime");
        }
        x.close("ram:InvoiceReferencedDocument");
    }
    x.close("ram:ApplicableHeaderTradeSettlement")
        .close("rsm:SupplyChainTradeTransaction")
        .close("rsm:CrossIndustryInvoice");
    x.finish()
}
