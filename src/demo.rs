pub async fn seed(_c:&crate::Core)->crate::error::Result<()>{Ok(())}
