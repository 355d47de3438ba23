//! Pure types and rules of the FlexPortal domain: no I/O, no clock. Everything here is usable
//! from any face (desk UI, v1 API, CLI) and tested without a database.

pub mod catalog;
pub mod cost;
pub mod lifecycle;
pub mod limits;
pub mod locale;
pub mod pricing;
pub mod schedule;
pub mod secret;
pub mod serial;
pub mod settings;
pub mod status;
pub mod tax;

/// Declares a closed string enum with its wire names, parsing and TypeScript export.
#[macro_export]
macro_rules! str_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, ts_rs::TS)]
        pub enum $name { $(#[serde(rename = $text)] $variant),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str { match self { $($name::$variant => $text),+ } }
            pub fn parse(text: &str) -> Option<$name> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
            /// Parse or fail with a validation error naming the allowed values.
            pub fn parse_field(path: &str, text: &str) -> $crate::error::Result<$name> {
                Self::parse(text).ok_or_else(|| $crate::error::Error::invalid(path, format!(
                    "'{}' is not one of: {}.", text, [$($text),+].join(", "))))
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.as_str()) }
        }
    };
}
