pub async fn seed_if_empty(_c:&crate::Core)->crate::error::Result<bool>{Ok(false)}
