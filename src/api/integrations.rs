//! Commands of the integrations settings: webhook endpoints and their delivery log.

use super::documents::Done;
use super::handlers::{Empty, IdReq};
use super::Session;
use crate::error::Result;
use crate::services::webhooks;

pub async fn webhooks_list(s: &Session<'_>, _: Empty) -> Result<Vec<webhooks::Endpoint>> {
    webhooks::list_endpoints(&s.core.db, &s.bu()?.id).await
}

pub async fn webhooks_save(
    s: &Session<'_>,
    r: webhooks::EndpointInput,
) -> Result<webhooks::Endpoint> {
    webhooks::save_endpoint(&s.core.db, &s.actor()?, s.core.now(), &s.bu()?.id, r).await
}

pub async fn webhooks_delete(s: &Session<'_>, r: IdReq) -> Result<Done> {
    webhooks::delete_endpoint(&s.core.db, &s.actor()?, s.core.now(), &s.bu()?.id, &r.id).await?;
    Ok(Done {
        message: "Webhook endpoint removed.".into(),
    })
}

pub async fn webhooks_test(s: &Session<'_>, r: IdReq) -> Result<webhooks::Delivery> {
    webhooks::send_test(&s.core.db, &s.actor()?, s.core.now(), &s.bu()?.id, &r.id).await
}

pub async fn webhooks_deliveries(
    s: &Session<'_>,
    q: webhooks::DeliveryQuery,
) -> Result<Vec<webhooks::Delivery>> {
    webhooks::list_deliveries(&s.core.db, &s.bu()?.id, &q).await
}

pub async fn webhooks_delivery(s: &Session<'_>, r: IdReq) -> Result<webhooks::DeliveryDetail> {
    webhooks::get_delivery(&s.core.db, &s.bu()?.id, &r.id).await
}

pub async fn webhooks_redeliver(s: &Session<'_>, r: IdReq) -> Result<webhooks::Delivery> {
    webhooks::redeliver(&s.core.db, &s.actor()?, s.core.now(), &s.bu()?.id, &r.id).await
}
