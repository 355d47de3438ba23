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

// ----- sync ---------------------------------------------------------------------------------

use crate::sync::{self, engine, remote};

pub async fn sync_status(s: &Session<'_>, _: Empty) -> Result<sync::SyncStatus> {
    sync::status(&s.core.db, &s.bu()?.id).await
}

#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields)]
pub struct RemoteSettings {
    pub remote: Option<remote::RemoteView>,
    /// This desk's short code (it names the desk's ops on the remote).
    pub desk_code: String,
}

pub async fn sync_remote(s: &Session<'_>, _: Empty) -> Result<RemoteSettings> {
    Ok(RemoteSettings {
        remote: remote::get(&s.core.db, &s.bu()?.id).await?,
        desk_code: s.core.desk.code.clone(),
    })
}

pub async fn sync_remote_save(
    s: &Session<'_>,
    r: remote::RemoteInput,
) -> Result<remote::RemoteView> {
    let v = remote::save(&s.core.db, &s.ctx()?, &s.core.desk.id, r).await?;
    s.core.sync_wake.notify_one();
    Ok(v)
}

pub async fn sync_remote_remove(s: &Session<'_>, _: Empty) -> Result<Done> {
    remote::remove(&s.core.db, &s.ctx()?, &s.core.desk.id).await?;
    Ok(Done {
        message: "Sync is off for this business unit; its key was removed.".into(),
    })
}

/// Push and pull now, and answer with what happened.
pub async fn sync_now(s: &Session<'_>, _: Empty) -> Result<engine::SyncReport> {
    engine::sync_once(s.core, &s.bu()?.id, true, true, s.core.sync_options()).await
}

pub async fn sync_send_existing(s: &Session<'_>, _: Empty) -> Result<engine::SentExisting> {
    engine::send_existing(s.core, &s.bu()?.id, s.core.sync_options()).await
}

pub async fn sync_conflicts(s: &Session<'_>, _: Empty) -> Result<Vec<engine::Conflict>> {
    engine::conflicts(&s.core.db, &s.bu()?.id).await
}

pub async fn sync_resolve(s: &Session<'_>, r: engine::ResolveInput) -> Result<engine::Conflict> {
    engine::resolve(s.core, &s.ctx()?, r).await
}
