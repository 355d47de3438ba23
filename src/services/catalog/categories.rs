//! Categories: made when a product first names one, with the serial rule its devices' serials
//! must follow (characters, shortest length, or an IMEI); an administrator may change the rule.

use super::*;
use crate::domain::serial::SerialRule;

const COLUMNS: &str = "id, name, description, sort_order, serial_format, serial_min_length";

pub async fn list_categories(db: &Db, bu: &BusinessUnit) -> Result<Vec<Category>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM categories WHERE bu_id = ? ORDER BY sort_order, name"
    ))
    .bind(&bu.id)
    .fetch_all(db.pool())
    .await?)
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields)]
pub struct CategoryInput {
    pub name: String,
    pub description: Option<String>,
    pub sort_order: Option<i64>,
    pub serial_format: Option<SerialFormat>,
    /// Shortest serial accepted (1–64); an IMEI is always 15 digits.
    pub serial_min_length: Option<i64>,
}

/// Create or update a category by name.
pub async fn save_category(db: &Db, ctx: &Ctx, input: CategoryInput) -> Result<Category> {
    let mut c = Checks::new();
    c.require("name", &input.name, "Name");
    c.max_len("name", &input.name, 80, "Name");
    let format = input.serial_format.unwrap_or(SerialFormat::Any);
    let min_len = match (format, input.serial_min_length) {
        (SerialFormat::Imei, _) => 15,
        (_, None) => crate::domain::serial::DEFAULT_MIN_LEN,
        (_, Some(n)) => {
            let max = crate::domain::serial::MAX_LEN as i64;
            if !(1..=max).contains(&n) {
                c.fail(
                    "serialMinLength",
                    format!("Shortest serial must be between 1 and {max} characters."),
                );
            }
            n
        }
    };
    c.finish()?;
    let name = input.name.trim().to_string();
    let mut tx = db.write().await?;
    sqlx::query(
        "INSERT INTO categories (id, bu_id, name, description, sort_order, serial_format, serial_min_length) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (bu_id, name) DO UPDATE SET description = excluded.description, sort_order = excluded.sort_order,
           serial_format = excluded.serial_format, serial_min_length = excluded.serial_min_length")
        .bind(new_id(prefix::CATEGORY)).bind(&ctx.bu.id).bind(&name).bind(input.description.unwrap_or_default())
        .bind(input.sort_order.unwrap_or(0)).bind(format.as_str()).bind(min_len)
        .execute(&mut *tx).await?;
    let cat: Category = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM categories WHERE bu_id = ? AND name = ?"
    ))
    .bind(&ctx.bu.id)
    .bind(&name)
    .fetch_one(&mut *tx)
    .await?;
    record(
        &mut tx,
        &ctx.actor,
        ctx.at,
        Entry {
            bu_id: Some(&ctx.bu.id),
            entity_type: "category",
            entity_id: &cat.id,
            action: "saved",
            summary: format!(
                "Category {name} saved (serials: {}, at least {} characters)",
                cat.serial_format, cat.serial_min_length
            ),
            before: None,
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(cat)
}

/// Makes the category a product names, with the rule a new category gets, unless it exists.
pub async fn ensure_category(conn: &mut SqliteConnection, bu_id: &str, name: &str) -> Result<()> {
    let rule = SerialRule::for_new_category(name);
    sqlx::query(
        "INSERT INTO categories (id, bu_id, name, serial_format, serial_min_length) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (bu_id, name) DO NOTHING",
    )
    .bind(new_id(prefix::CATEGORY))
    .bind(bu_id)
    .bind(name)
    .bind(rule.format.as_str())
    .bind(rule.min_len)
    .execute(conn)
    .await?;
    Ok(())
}

/// The serial rule for assets of a variant's category (a category not on this desk: the rule a
/// new one would get).
pub async fn serial_rule_of(
    conn: &mut SqliteConnection,
    bu_id: &str,
    category: &str,
) -> Result<SerialRule> {
    let row: Option<(String, i64)> = sqlx::query_as(
        "SELECT serial_format, serial_min_length FROM categories WHERE bu_id = ? AND name = ?",
    )
    .bind(bu_id)
    .bind(category)
    .fetch_optional(conn)
    .await?;
    Ok(match row {
        Some((f, min_len)) => SerialRule {
            format: SerialFormat::parse(&f).unwrap_or(SerialFormat::Any),
            min_len,
        },
        None => SerialRule::for_new_category(category),
    })
}
