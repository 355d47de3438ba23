//! Factur-X / ZUGFeRD: the invoice PDF made PDF/A-3b with its CII XML inside. The printed pages
//! stay as they are; `lopdf` adds what PDF/A-3 and Factur-X ask of the document around them: an
//! sRGB output intent, XMP metadata naming the PDF/A part and the Factur-X profile (with the
//! extension schema that declares the `fx` properties), document information agreeing with it,
//! a file identifier, and `factur-x.xml` as an embedded file in the `Alternative` relationship.

use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use lopdf::{dictionary, Document, Object, Stream, StringFormat};

/// The output intent's profile (`assets/icc/README.md`).
const SRGB: &[u8] = include_bytes!("../../assets/icc/sRGB.icc");
pub const FILE_NAME: &str = "factur-x.xml";
/// The Factur-X conformance level of the XML (the EN 16931 profile).
const LEVEL: &str = "EN 16931";

fn pdf_date(t: DateTime<Utc>) -> String {
    t.format("D:%Y%m%d%H%M%S+00'00'").to_string()
}

fn text(s: &str) -> Object {
    // PDF text strings: UTF-16BE with a byte-order mark, so any name prints.
    let mut b = vec![0xFE, 0xFF];
    for u in s.encode_utf16() {
        b.extend_from_slice(&u.to_be_bytes());
    }
    Object::String(b, StringFormat::Hexadecimal)
}

fn escape(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}

fn xmp(title: &str, producer: &str, at: DateTime<Utc>) -> String {
    let when = at.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let (title, producer) = (escape(title), escape(producer));
    format!(
        r#"<?xpacket begin="{bom}" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
   <pdfaid:part>3</pdfaid:part>
   <pdfaid:conformance>B</pdfaid:conformance>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
   <pdf:Producer>{producer}</pdf:Producer>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/">
   <xmp:CreatorTool>{producer}</xmp:CreatorTool>
   <xmp:CreateDate>{when}</xmp:CreateDate>
   <xmp:ModifyDate>{when}</xmp:ModifyDate>
   <xmp:MetadataDate>{when}</xmp:MetadataDate>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/" xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
   <pdfaExtension:schemas>
    <rdf:Bag>
     <rdf:li rdf:parseType="Resource">
      <pdfaSchema:schema>Factur-X PDFA Extension Schema</pdfaSchema:schema>
      <pdfaSchema:namespaceURI>urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#</pdfaSchema:namespaceURI>
      <pdfaSchema:prefix>fx</pdfaSchema:prefix>
      <pdfaSchema:property>
       <rdf:Seq>
        <rdf:li rdf:parseType="Resource"><pdfaProperty:name>DocumentFileName</pdfaProperty:name><pdfaProperty:valueType>Text</pdfaProperty:valueType><pdfaProperty:category>external</pdfaProperty:category><pdfaProperty:description>The name of the embedded XML document</pdfaProperty:description></rdf:li>
        <rdf:li rdf:parseType="Resource"><pdfaProperty:name>DocumentType</pdfaProperty:name><pdfaProperty:valueType>Text</pdfaProperty:valueType><pdfaProperty:category>external</pdfaProperty:category><pdfaProperty:description>The type of the hybrid document in capital letters, e.g. INVOICE or ORDER</pdfaProperty:description></rdf:li>
        <rdf:li rdf:parseType="Resource"><pdfaProperty:name>Version</pdfaProperty:name><pdfaProperty:valueType>Text</pdfaProperty:valueType><pdfaProperty:category>external</pdfaProperty:category><pdfaProperty:description>The actual version of the standard applying to the embedded XML document</pdfaProperty:description></rdf:li>
        <rdf:li rdf:parseType="Resource"><pdfaProperty:name>ConformanceLevel</pdfaProperty:name><pdfaProperty:valueType>Text</pdfaProperty:valueType><pdfaProperty:category>external</pdfaProperty:category><pdfaProperty:description>The conformance level of the embedded XML document</pdfaProperty:description></rdf:li>
       </rdf:Seq>
      </pdfaSchema:property>
     </rdf:li>
    </rdf:Bag>
   </pdfaExtension:schemas>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:fx="urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#">
   <fx:DocumentType>INVOICE</fx:DocumentType>
   <fx:DocumentFileName>{FILE_NAME}</fx:DocumentFileName>
   <fx:Version>1.0</fx:Version>
   <fx:ConformanceLevel>{LEVEL}</fx:ConformanceLevel>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"#,
        bom = '\u{feff}'
    )
}

fn bad(e: lopdf::Error) -> Error {
    Error::internal(format!("making the Factur-X PDF failed: {e}"))
}

/// The invoice PDF `pdf` (as printed) with `xml` (its CII XML) inside, as PDF/A-3b.
pub fn embed(pdf: &[u8], xml: &[u8], title: &str, at: DateTime<Utc>) -> Result<Vec<u8>> {
    let mut doc = Document::load_mem(pdf).map_err(bad)?;
    doc.version = "1.7".into();
    let producer = format!("FlexDesk {}", env!("CARGO_PKG_VERSION"));
    let when = pdf_date(at);

    let icc = doc.add_object(Stream::new(dictionary! { "N" => 3 }, SRGB.to_vec()));
    let intent = dictionary! {
        "Type" => "OutputIntent",
        "S" => "GTS_PDFA1",
        "OutputConditionIdentifier" => Object::string_literal("sRGB"),
        "Info" => Object::string_literal("sRGB IEC61966-2.1"),
        "DestOutputProfile" => icc,
    };
    let metadata = doc.add_object(
        Stream::new(
            dictionary! { "Type" => "Metadata", "Subtype" => "XML" },
            xmp(title, &producer, at).into_bytes(),
        )
        .with_compression(false),
    );
    let checksum = {
        use md5::{Digest, Md5};
        Md5::digest(xml).to_vec()
    };
    let file = doc.add_object(Stream::new(
        dictionary! {
            "Type" => "EmbeddedFile",
            "Subtype" => "text/xml",
            "Params" => dictionary! {
                "ModDate" => Object::string_literal(when.clone()),
                "Size" => xml.len() as i64,
                "CheckSum" => Object::String(checksum.clone(), StringFormat::Hexadecimal),
            },
        },
        xml.to_vec(),
    ));
    let spec = doc.add_object(dictionary! {
        "Type" => "Filespec",
        "F" => Object::string_literal(FILE_NAME),
        "UF" => text(FILE_NAME),
        "Desc" => Object::string_literal("Factur-X invoice"),
        "AFRelationship" => "Alternative",
        "EF" => dictionary! { "F" => file, "UF" => file },
    });
    let info = doc.add_object(dictionary! {
        "Title" => text(title),
        "Producer" => text(&producer),
        "Creator" => text(&producer),
        "CreationDate" => Object::string_literal(when.clone()),
        "ModDate" => Object::string_literal(when),
    });
    let catalog = doc.catalog_mut().map_err(bad)?;
    catalog.set("OutputIntents", vec![Object::Dictionary(intent)]);
    catalog.set("Metadata", metadata);
    catalog.set(
        "Names",
        dictionary! {
            "EmbeddedFiles" => dictionary! {
                "Names" => vec![Object::string_literal(FILE_NAME), spec.into()],
            },
        },
    );
    catalog.set("AF", vec![Object::Reference(spec)]);
    doc.trailer.set("Info", info);
    let id = Object::String(checksum, StringFormat::Hexadecimal);
    doc.trailer.set("ID", vec![id.clone(), id]);
    let mut out = Vec::with_capacity(pdf.len() + xml.len() + 4096);
    doc.save_to(&mut out)
        .map_err(|e| Error::internal(format!("writing the Factur-X PDF failed: {e}")))?;
    Ok(out)
}
