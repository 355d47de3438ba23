//! A thin writer over `quick-xml` for documents of nested elements: open, close, a leaf with
//! text, a leaf only when there is text. `quick-xml` escapes every text and attribute.

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;

pub(super) struct Doc {
    w: Writer<Vec<u8>>,
    /// The first write error (writing into memory fails only on a bug); reported by `finish`.
    failed: Option<std::io::Error>,
}

impl Doc {
    pub(super) fn new() -> Doc {
        let mut d = Doc {
            w: Writer::new_with_indent(Vec::new(), b' ', 2),
            failed: None,
        };
        d.event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
        d
    }

    fn event(&mut self, e: Event<'_>) {
        if self.failed.is_none() {
            if let Err(e) = self.w.write_event(e) {
                self.failed = Some(e);
            }
        }
    }

    /// `<name a="v" …>`.
    pub(super) fn open(&mut self, name: &str, attrs: &[(&str, &str)]) -> &mut Self {
        let mut s = BytesStart::new(name);
        for (k, v) in attrs {
            s.push_attribute((*k, *v));
        }
        self.event(Event::Start(s));
        self
    }

    pub(super) fn close(&mut self, name: &str) -> &mut Self {
        self.event(Event::End(BytesEnd::new(name)));
        self
    }

    /// `<name a="v">text</name>`.
    pub(super) fn leaf_with(
        &mut self,
        name: &str,
        attrs: &[(&str, &str)],
        text: &str,
    ) -> &mut Self {
        self.open(name, attrs);
        self.event(Event::Text(BytesText::new(text)));
        self.close(name)
    }

    pub(super) fn leaf(&mut self, name: &str, text: &str) -> &mut Self {
        self.leaf_with(name, &[], text)
    }

    /// A leaf when there is something to say.
    pub(super) fn opt(&mut self, name: &str, text: Option<&str>) -> &mut Self {
        if let Some(t) = text.map(str::trim).filter(|t| !t.is_empty()) {
            self.leaf(name, t);
        }
        self
    }

    pub(super) fn finish(self) -> crate::error::Result<Vec<u8>> {
        match self.failed {
            Some(e) => Err(crate::error::Error::internal(format!(
                "writing the e-invoice XML failed: {e}"
            ))),
            None => Ok(self.w.into_inner()),
        }
    }
}
