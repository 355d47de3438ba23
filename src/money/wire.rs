//! The FlexPortal wire form of a value: JSON in which every `Money` is a number. It is chosen by
//! the serializer, not by a switch: `Money` serializes as a newtype named `MONEY` around its
//! decimal text, which every ordinary serializer writes as that text (the desk's form), and
//! `Wire` — serde_json's value serializer with that one difference — writes as a number.

use serde::ser::{self, Serialize};
use serde_json::{Map, Value};

/// The newtype name `Money` serializes under.
pub(super) const MONEY: &str = "$flexdesk::Money";

type Result<T> = std::result::Result<T, serde_json::Error>;

fn plain<T: ?Sized + Serialize>(v: &T) -> Result<Value> {
    v.serialize(serde_json::value::Serializer)
}

/// The amount's decimal text as a JSON number: an integer when it has no fraction, else the
/// shortest float that reads back as those digits (amounts are already rounded to the minor unit).
fn amount(text: &str) -> Value {
    use rust_decimal::prelude::ToPrimitive;
    match text.parse::<rust_decimal::Decimal>() {
        Ok(d) => match d.to_i64().filter(|_| d.fract().is_zero()) {
            Some(i) => Value::from(i),
            None => serde_json::Number::from_f64(d.to_f64().unwrap_or(0.0))
                .map(Value::Number)
                .unwrap_or(Value::Null),
        },
        Err(_) => Value::String(text.to_string()),
    }
}

fn key_of<T: ?Sized + Serialize>(key: &T) -> Result<String> {
    match plain(key)? {
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err(ser::Error::custom("a map key must be a string")),
    }
}

/// serde_json's value serializer, with money as numbers.
pub(super) struct Wire;

pub(super) struct Seq(Vec<Value>);
pub(super) struct Variant(String, Vec<Value>);
pub(super) struct Object(Map<String, Value>, Option<String>);
pub(super) struct StructVariant(String, Map<String, Value>);

impl ser::Serializer for Wire {
    type Ok = Value;
    type Error = serde_json::Error;
    type SerializeSeq = Seq;
    type SerializeTuple = Seq;
    type SerializeTupleStruct = Seq;
    type SerializeTupleVariant = Variant;
    type SerializeMap = Object;
    type SerializeStruct = Object;
    type SerializeStructVariant = StructVariant;

    fn serialize_bool(self, v: bool) -> Result<Value> {
        Ok(Value::Bool(v))
    }
    fn serialize_i8(self, v: i8) -> Result<Value> {
        Ok(v.into())
    }
    fn serialize_i16(self, v: i16) -> Result<Value> {
        Ok(v.into())
    }
    fn serialize_i32(self, v: i32) -> Result<Value> {
        Ok(v.into())
    }
    fn serialize_i64(self, v: i64) -> Result<Value> {
        Ok(v.into())
    }
    fn serialize_u8(self, v: u8) -> Result<Value> {
        Ok(v.into())
    }
    fn serialize_u16(self, v: u16) -> Result<Value> {
        Ok(v.into())
    }
    fn serialize_u32(self, v: u32) -> Result<Value> {
        Ok(v.into())
    }
    fn serialize_u64(self, v: u64) -> Result<Value> {
        Ok(v.into())
    }
    fn serialize_f32(self, v: f32) -> Result<Value> {
        plain(&v)
    }
    fn serialize_f64(self, v: f64) -> Result<Value> {
        plain(&v)
    }
    fn serialize_char(self, v: char) -> Result<Value> {
        Ok(Value::String(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> Result<Value> {
        Ok(Value::String(v.to_string()))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Value> {
        plain(v)
    }
    fn serialize_none(self) -> Result<Value> {
        Ok(Value::Null)
    }
    fn serialize_some<T: ?Sized + Serialize>(self, v: &T) -> Result<Value> {
        v.serialize(Wire)
    }
    fn serialize_unit(self) -> Result<Value> {
        Ok(Value::Null)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<Value> {
        Ok(Value::Null)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<Value> {
        Ok(Value::String(variant.to_string()))
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        name: &'static str,
        v: &T,
    ) -> Result<Value> {
        if name == MONEY {
            return Ok(match plain(v)? {
                Value::String(s) => amount(&s),
                other => other,
            });
        }
        v.serialize(Wire)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        v: &T,
    ) -> Result<Value> {
        let mut m = Map::new();
        m.insert(variant.to_string(), v.serialize(Wire)?);
        Ok(Value::Object(m))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Seq> {
        Ok(Seq(Vec::with_capacity(len.unwrap_or(0))))
    }
    fn serialize_tuple(self, len: usize) -> Result<Seq> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Seq> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Variant> {
        Ok(Variant(variant.to_string(), Vec::with_capacity(len)))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Object> {
        Ok(Object(Map::new(), None))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Object> {
        Ok(Object(Map::new(), None))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<StructVariant> {
        Ok(StructVariant(variant.to_string(), Map::new()))
    }
}

impl ser::SerializeSeq for Seq {
    type Ok = Value;
    type Error = serde_json::Error;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<()> {
        self.0.push(v.serialize(Wire)?);
        Ok(())
    }
    fn end(self) -> Result<Value> {
        Ok(Value::Array(self.0))
    }
}

impl ser::SerializeTuple for Seq {
    type Ok = Value;
    type Error = serde_json::Error;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<()> {
        ser::SerializeSeq::serialize_element(self, v)
    }
    fn end(self) -> Result<Value> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for Seq {
    type Ok = Value;
    type Error = serde_json::Error;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<()> {
        ser::SerializeSeq::serialize_element(self, v)
    }
    fn end(self) -> Result<Value> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleVariant for Variant {
    type Ok = Value;
    type Error = serde_json::Error;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<()> {
        self.1.push(v.serialize(Wire)?);
        Ok(())
    }
    fn end(self) -> Result<Value> {
        let mut m = Map::new();
        m.insert(self.0, Value::Array(self.1));
        Ok(Value::Object(m))
    }
}

impl ser::SerializeMap for Object {
    type Ok = Value;
    type Error = serde_json::Error;
    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<()> {
        self.1 = Some(key_of(key)?);
        Ok(())
    }
    fn serialize_value<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<()> {
        let key = self
            .1
            .take()
            .ok_or_else(|| ser::Error::custom("a map value came before its key"))?;
        self.0.insert(key, v.serialize(Wire)?);
        Ok(())
    }
    fn end(self) -> Result<Value> {
        Ok(Value::Object(self.0))
    }
}

impl ser::SerializeStruct for Object {
    type Ok = Value;
    type Error = serde_json::Error;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, key: &'static str, v: &T) -> Result<()> {
        self.0.insert(key.to_string(), v.serialize(Wire)?);
        Ok(())
    }
    fn end(self) -> Result<Value> {
        Ok(Value::Object(self.0))
    }
}

impl ser::SerializeStructVariant for StructVariant {
    type Ok = Value;
    type Error = serde_json::Error;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, key: &'static str, v: &T) -> Result<()> {
        self.1.insert(key.to_string(), v.serialize(Wire)?);
        Ok(())
    }
    fn end(self) -> Result<Value> {
        let mut m = Map::new();
        m.insert(self.0, Value::Object(self.1));
        Ok(Value::Object(m))
    }
}
