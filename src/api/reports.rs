//! The accountant's documents beyond invoices: e-invoices in the buyer's format and the buyers'
//! e-invoicing, the VAT report, exports of the unit's records, and dunning (proposals, letters,
//! holds).

use super::handlers::{Empty, IdReq};
use super::{Document, Session};
use crate::error::Result;
use crate::services::{exports, invoices};
use serde::Deserialize;
use ts_rs::TS;

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields)]
pub struct EInvoiceReq {
    pub id: String,
    /// pdf, facturx, peppol or xrechnung; left out: the buyer's format.
    pub format: Option<String>,
}

/// "Save as": the invoice in the buyer's format or the one asked for.
pub async fn invoices_einvoice(s: &Session<'_>, r: EInvoiceReq) -> Result<Document> {
    let ctx = s.ctx()?;
    let (name, kind, bytes) =
        invoices::einvoice_of(&s.core.db, &ctx.bu, &r.id, r.format.as_deref(), ctx.at).await?;
    Ok(Document::of(name, kind, bytes))
}

pub async fn einvoicing_get(
    s: &Session<'_>,
    r: crate::services::einvoicing::EInvoicingReq,
) -> Result<crate::services::einvoicing::EInvoicing> {
    crate::services::einvoicing::get(&s.core.db, s.bu()?, &r.owner_kind, &r.owner_id).await
}

pub async fn einvoicing_save(
    s: &Session<'_>,
    r: crate::services::einvoicing::EInvoicingReq,
) -> Result<crate::services::einvoicing::EInvoicing> {
    crate::services::einvoicing::save(&s.core.db, &s.ctx()?, r).await
}

pub async fn einvoicing_formats(
    _s: &Session<'_>,
    _r: Empty,
) -> Result<Vec<crate::einvoice::FormatChoice>> {
    Ok(crate::einvoice::choices())
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RecordsReq {
    /// customers, assets, orders or products.
    pub records: String,
}

pub async fn exports_records(s: &Session<'_>, r: RecordsReq) -> Result<exports::CsvFile> {
    exports::records(&s.core.db, s.bu()?, &r.records).await
}

pub async fn reports_vat(s: &Session<'_>, r: exports::PeriodExport) -> Result<exports::VatReport> {
    exports::vat_report(&s.core.db, s.bu()?, &r).await
}

pub async fn reports_vat_pdf(s: &Session<'_>, r: exports::PeriodExport) -> Result<Document> {
    let bu = s.bu()?;
    let report = exports::vat_report(&s.core.db, bu, &r).await?;
    let (name, bytes) = exports::vat_pdf(bu, &report)?;
    Ok(Document::pdf(name, bytes))
}

pub async fn reports_vat_csv(
    s: &Session<'_>,
    r: exports::PeriodExport,
) -> Result<exports::CsvFile> {
    let bu = s.bu()?;
    exports::vat_csv(bu, &exports::vat_report(&s.core.db, bu, &r).await?)
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(optional_fields)]
pub struct DunningReq {
    /// One customer's letters (due, or sent); left out, the unit's.
    pub customer_id: Option<String>,
}

pub async fn dunning_proposals(
    s: &Session<'_>,
    r: DunningReq,
) -> Result<crate::services::dunning::Proposals> {
    crate::services::dunning::proposals(&s.core.db, &s.ctx()?, r.customer_id.as_deref()).await
}

pub async fn dunning_sent(
    s: &Session<'_>,
    r: DunningReq,
) -> Result<Vec<crate::services::dunning::Reminder>> {
    crate::services::dunning::sent(&s.core.db, s.bu()?, r.customer_id.as_deref()).await
}

pub async fn dunning_letter(s: &Session<'_>, r: IdReq) -> Result<Document> {
    let (name, bytes) = crate::services::dunning::letter(&s.core.db, s.bu()?, &r.id).await?;
    Ok(Document::pdf(name, bytes))
}

pub async fn dunning_send(
    s: &Session<'_>,
    r: crate::services::dunning::SendInput,
) -> Result<Vec<crate::services::dunning::Reminder>> {
    crate::services::dunning::send(&s.core.db, &s.ctx()?, r).await
}

pub async fn dunning_hold(
    s: &Session<'_>,
    r: crate::services::dunning::HoldInput,
) -> Result<crate::services::dunning::Proposals> {
    crate::services::dunning::hold(&s.core.db, &s.ctx()?, r).await
}

pub async fn mail_get(s: &Session<'_>, _r: Empty) -> Result<crate::services::mail::SmtpView> {
    crate::services::mail::get(&s.core.db, s.bu()?).await
}

pub async fn mail_save(
    s: &Session<'_>,
    r: crate::services::mail::SmtpInput,
) -> Result<crate::services::mail::SmtpView> {
    crate::services::mail::save(&s.core.db, &s.ctx()?, &s.core.desk.id, r).await
}

pub async fn mail_log(
    s: &Session<'_>,
    _r: Empty,
) -> Result<Vec<crate::services::mail::MailRecord>> {
    crate::services::mail::log(&s.core.db, s.bu()?).await
}

#[derive(Debug, Clone, serde::Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MailSent {
    pub sent: usize,
}

/// Send the queued mail that is due now, instead of waiting for the sender's next round.
pub async fn mail_send_now(s: &Session<'_>, _r: Empty) -> Result<MailSent> {
    s.ctx()?;
    let sent = crate::services::mail::deliver_due(
        &s.core.db,
        &s.core.desk.id,
        s.core.now(),
        crate::services::dunning::letter_for_mail,
    )
    .await?;
    Ok(MailSent { sent })
}
