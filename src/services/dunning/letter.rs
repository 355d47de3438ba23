//! A reminder as the customer reads it: the letter (PDF, printed from the record as it was sent,
//! in the invoice's style) and the mail it goes with, both in the unit's language (`words`).

use super::words::{fill, words, Lang};
use super::*;

/// The subject and text of the mail that carries a proposal's letter.
pub(super) fn mail_text(bu: &BusinessUnit, p: &Proposal) -> Result<(String, String)> {
    let w = words(Lang::of(&bu.locale));
    let seller = seller_name(bu);
    let amount = bu.amount_text(bu.minor("totalOpen", p.total_open)?);
    let subject = fill(
        w.mail_subject,
        &[
            ("level", &w.step_name(&p.level_name)),
            ("amount", &amount),
            ("seller", &seller),
        ],
    );
    let body = fill(
        w.mail_body,
        &[
            ("name", &p.customer_name),
            ("level", &w.step_in_sentence(&p.level_name)),
            ("count", &p.items.len().to_string()),
            ("amount", &amount),
            ("seller", &seller),
        ],
    );
    Ok((subject, body))
}

/// Who sends the letters: the seller as invoices name it.
fn seller_name(bu: &BusinessUnit) -> String {
    crate::services::invoices::seller_of(bu).name
}

/// `letter` as the mail sender takes it (`mail::Letters`).
pub fn letter_for_mail<'a>(
    db: &'a Db,
    bu: &'a BusinessUnit,
    reminder_id: &'a str,
) -> crate::services::mail::LetterFuture<'a> {
    Box::pin(letter(db, bu, reminder_id))
}

/// A sent reminder as its letter (PDF), printed from what was recorded.
pub async fn letter(db: &Db, bu: &BusinessUnit, reminder_id: &str) -> Result<(String, Vec<u8>)> {
    let r = super::send::read(db, bu, None, Some(reminder_id))
        .await?
        .pop()
        .ok_or_else(|| Error::not_found("Reminder", reminder_id))?;
    let mut conn = db.pool().acquire().await?;
    let c = crate::services::customers::get_in(&mut conn, bu, &r.customer_id).await?;
    drop(conn);
    let f = bu.doc_format();
    let money = |m: Money| f.amount(m.0, bu.currency_exponent, &bu.currency);
    let w = words(Lang::of(&bu.locale));
    let seller = &bu.settings.seller;
    let seller_name = seller_name(bu);
    let level_name = w.step_name(&r.level_name);
    let mut address = vec![];
    if let Some(a) = c
        .last_billing_address
        .as_ref()
        .or(c.last_shipping_address.as_ref())
    {
        address.push(a.street_address.clone());
        address.push(
            format!("{} {}", a.postal_code.clone().unwrap_or_default(), a.city)
                .trim()
                .to_string(),
        );
        // A letter within the seller's country is addressed without the country.
        let code = |c: &str| crate::domain::tax::country_code(c).map(|c| c.alpha2());
        if code(&a.country).is_none() || code(&a.country) != code(&bu.country) {
            address.push(crate::domain::tax::country_name(&a.country));
        }
    }
    let account = seller.bank_account.trim();
    let to = if account.is_empty() {
        String::new()
    } else {
        fill(w.to_account, &[("account", account)])
    };
    let mut intro = vec![
        fill(w.greeting, &[("name", &c.person())]),
        fill(w.overdue, &[("amount", &money(r.total_open)), ("to", &to)]),
    ];
    if r.level >= bu.settings.dunning.len() as u32 && r.level > 1 {
        intro.push(w.final_notice.into());
    }
    let doc = crate::pdf::ReportDoc {
        title: level_name.clone(),
        seller: crate::pdf::Party {
            name: seller_name.clone(),
            address: [
                seller.street_address.clone(),
                format!("{} {}", seller.postal_code, seller.city)
                    .trim()
                    .to_string(),
            ]
            .into_iter()
            .filter(|l| !l.trim().is_empty())
            .collect(),
            // The VAT id under its name in the letter's language.
            vat_id: None,
            extra: opt_trim(Some(seller.vat_id.clone()))
                .map(|v| format!("{} {v}", w.vat_id))
                .into_iter()
                .collect(),
        },
        recipient: Some(crate::pdf::Party {
            name: c.display_name(),
            address,
            vat_id: None,
            extra: vec![],
        }),
        facts: vec![
            (w.date.into(), f.date(&r.sent_on)),
            (
                w.step.into(),
                fill(
                    w.step_of,
                    &[
                        ("n", &r.level.to_string()),
                        (
                            "of",
                            &bu.settings.dunning.len().max(r.level as usize).to_string(),
                        ),
                    ],
                ),
            ),
        ],
        intro,
        columns: vec![
            (w.columns[0].into(), 40.0, false),
            (w.columns[1].into(), 54.0, false),
            (w.columns[2].into(), 30.0, false),
            (w.columns[3].into(), 24.0, true),
            (w.columns[4].into(), 26.0, true),
        ],
        rows: r
            .items
            .iter()
            .map(|i| {
                vec![
                    i.invoice_number.clone().unwrap_or_else(|| "—".into()),
                    i.description.clone(),
                    f.date(&i.due_date),
                    i.days_overdue.to_string(),
                    money(i.amount_open),
                ]
            })
            .collect(),
        totals: vec![(w.total_overdue.into(), money(r.total_open))],
        notes: vec![
            w.disregard.into(),
            fill(w.regards, &[("seller", &seller_name)]),
        ],
        footer: format!("{seller_name} · {level_name}"),
        page_of: Some(w.page_of.into()),
    };
    Ok((
        format!("reminder-{}-{}.pdf", r.sent_on, r.customer_id),
        crate::pdf::report(&doc)?,
    ))
}
