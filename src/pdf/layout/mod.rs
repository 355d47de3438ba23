//! The small layout layer every printed document shares: pages of text, fills, rules and bars in
//! millimetres from the top-left corner; an A4 sheet that flows onto new pages with a running head,
//! a footer and "Page N of M"; tables whose header row repeats on every page. `Doc::finish` turns
//! the pages into a PDF with printpdf, embedding subsets of the DejaVu fonts.

use super::text::{self, Shaped, Weight, PT};
use crate::error::{Error, Result};
use std::collections::{BTreeSet, HashMap};

mod sheet;
mod table;

pub use sheet::*;
pub use table::*;

/// A text style: size in points, weight, grey level (0 black, 1 white).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Style {
    pub size: f32,
    pub weight: Weight,
    pub gray: f32,
}

impl Style {
    pub const fn regular(size: f32) -> Self {
        Style {
            size,
            weight: Weight::Regular,
            gray: 0.0,
        }
    }
    pub const fn bold(size: f32) -> Self {
        Style {
            size,
            weight: Weight::Bold,
            gray: 0.0,
        }
    }
    /// The same style in grey (captions, secondary lines).
    pub const fn muted(self) -> Self {
        Style { gray: 0.38, ..self }
    }
    /// Bold at the same size and grey.
    pub const fn bold_like(self) -> Self {
        Style {
            weight: Weight::Bold,
            ..self
        }
    }
    pub const fn sized(self, size: f32) -> Self {
        Style { size, ..self }
    }
    /// Distance from one baseline to the next, in millimetres.
    pub fn line_height(self) -> f32 {
        self.size * PT * 1.25
    }
    /// Distance from the top of a line box to its baseline, in millimetres.
    pub fn ascent(self) -> f32 {
        self.size * PT * 0.98
    }
    fn shape(self, text: &str) -> Shaped {
        text::shape(text, self.weight)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
    Center,
}

/// Text shaped for a place, with the size it ended up at.
#[derive(Debug, Clone)]
pub struct Fitted {
    pub shaped: Shaped,
    pub style: Style,
    /// The size asked for: the line box, so shrunk text keeps the baseline of its row.
    pub nominal: f32,
}

impl Fitted {
    pub fn width(&self) -> f32 {
        self.shaped.width(self.style.size)
    }
    /// The style whose line metrics this text occupies.
    pub fn line(&self) -> Style {
        self.style.sized(self.nominal)
    }
}

/// `text` in one line of at most `w` millimetres: shrunk down to 80 % of its size if that is
/// enough, otherwise truncated with an ellipsis at that size.
pub fn fit(text: &str, style: Style, w: f32) -> Fitted {
    fit_down_to(text, style, w, style.size * 0.8)
}

/// `text` in one line of at most `w` millimetres, shrunk as far as `min` points to fit whole and
/// only then truncated with an ellipsis. Amounts use this: they shrink rather than lose digits.
pub fn fit_down_to(text: &str, style: Style, w: f32, min: f32) -> Fitted {
    let shaped = style.shape(text);
    let width = shaped.width(style.size);
    let nominal = style.size;
    if width <= w {
        return Fitted {
            shaped,
            style,
            nominal,
        };
    }
    let smaller = style.sized((style.size * w / width - 0.01).max(min.min(style.size)));
    if shaped.width(smaller.size) <= w {
        return Fitted {
            shaped,
            style: smaller,
            nominal,
        };
    }
    Fitted {
        shaped: text::truncate(text, style.weight, smaller.size, w),
        style: smaller,
        nominal,
    }
}

/// `text` in one line of at most `w` millimetres, cut with an ellipsis when longer (names).
pub fn truncated(text: &str, style: Style, w: f32) -> Fitted {
    Fitted {
        shaped: text::truncate(text, style.weight, style.size, w),
        style,
        nominal: style.size,
    }
}

/// `text` wrapped to `w` millimetres, at most `max_lines` lines (the last cut with an ellipsis).
pub fn wrapped(text: &str, style: Style, w: f32, max_lines: usize) -> Vec<Fitted> {
    text::wrap_lines(text, style.weight, style.size, w, max_lines)
        .into_iter()
        .map(|shaped| Fitted {
            shaped,
            style,
            nominal: style.size,
        })
        .collect()
}

enum Item {
    Text {
        x: f32,
        baseline: f32,
        style: Style,
        shaped: Shaped,
    },
    Fill {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        gray: f32,
    },
    Rule {
        x1: f32,
        x2: f32,
        y: f32,
        width_pt: f32,
        gray: f32,
    },
    /// Black rectangles (x, y, w, h), filled as one path: barcodes and QR codes.
    Bars(Vec<[f32; 4]>),
}

/// One page; coordinates in millimetres from its top-left corner.
pub struct Page {
    pub width: f32,
    pub height: f32,
    items: Vec<Item>,
}

impl Page {
    /// Draw fitted text with its left edge at `x` and its baseline at `baseline`.
    pub fn put(&mut self, x: f32, baseline: f32, text: Fitted) {
        if text.shaped.is_empty() {
            return;
        }
        self.items.push(Item::Text {
            x,
            baseline,
            style: text.style,
            shaped: text.shaped,
        });
    }

    /// Draw fitted text aligned in the box `x .. x + w`.
    pub fn put_in(&mut self, x: f32, w: f32, baseline: f32, align: Align, text: Fitted) {
        let left = match align {
            Align::Left => x,
            Align::Right => x + w - text.width(),
            Align::Center => x + (w - text.width()) / 2.0,
        };
        self.put(left, baseline, text);
    }

    /// One line of `text` fitted into `x .. x + w` (see [`fit`]).
    pub fn text(&mut self, x: f32, w: f32, baseline: f32, style: Style, align: Align, text: &str) {
        self.put_in(x, w, baseline, align, fit(text, style, w));
    }

    /// `text` wrapped into `x .. x + w` (at most `max_lines` lines), the first line box at `top`;
    /// returns the y below the last line.
    #[allow(clippy::too_many_arguments)]
    pub fn lines(
        &mut self,
        x: f32,
        w: f32,
        top: f32,
        style: Style,
        align: Align,
        max_lines: usize,
        text: &str,
    ) -> f32 {
        let mut y = top;
        for line in wrapped(text, style, w, max_lines) {
            self.put_in(x, w, y + style.ascent(), align, line);
            y += style.line_height();
        }
        y
    }

    /// Label and value lines (references, payment details): the label in grey in the first
    /// `label_w` millimetres, the value wrapped (up to four lines) in the rest. Returns the y
    /// below them.
    pub fn pairs(
        &mut self,
        x: f32,
        w: f32,
        label_w: f32,
        top: f32,
        style: Style,
        pairs: &[(String, String)],
    ) -> f32 {
        let mut y = top;
        for (label, value) in pairs {
            self.text(
                x,
                label_w - 2.0,
                y + style.ascent(),
                style.muted(),
                Align::Left,
                label,
            );
            y = self
                .lines(x + label_w, w - label_w, y, style, Align::Left, 4, value)
                .max(y + style.line_height());
        }
        y
    }

    pub fn fill(&mut self, x: f32, y: f32, w: f32, h: f32, gray: f32) {
        self.items.push(Item::Fill { x, y, w, h, gray });
    }

    /// A horizontal rule from `x1` to `x2` at `y`, `width_pt` points thick.
    pub fn rule(&mut self, x1: f32, x2: f32, y: f32, width_pt: f32, gray: f32) {
        self.items.push(Item::Rule {
            x1,
            x2,
            y,
            width_pt,
            gray,
        });
    }

    /// Black rectangles (x, y, w, h in millimetres).
    pub fn bars(&mut self, rects: Vec<[f32; 4]>) {
        if !rects.is_empty() {
            self.items.push(Item::Bars(rects));
        }
    }
}

/// A document under construction: pages of any size.
pub struct Doc {
    title: String,
    pub pages: Vec<Page>,
}

impl Doc {
    pub fn new(title: &str) -> Self {
        Doc {
            title: title.to_string(),
            pages: Vec::new(),
        }
    }

    pub fn add_page(&mut self, width: f32, height: f32) -> &mut Page {
        self.pages.push(Page {
            width,
            height,
            items: Vec::new(),
        });
        self.pages.last_mut().expect("a page was just added")
    }

    /// The PDF: each weight used is embedded as a TrueType subset of just the glyphs drawn.
    pub fn finish(self) -> Result<Vec<u8>> {
        use printpdf::{
            Codepoint, Color, FontId, Greyscale, Line, LinePoint, Mm, Op, PaintMode, ParsedFont,
            PdfDocument, PdfFont, PdfFontHandle, PdfPage, PdfSaveOptions, Point, Polygon,
            PolygonRing, Pt, Rect, TextItem, TextMatrix, WindingOrder,
        };

        // The glyphs each weight draws, and the characters each glyph stands for (the first
        // non-empty mapping wins, so a glyph reads the same everywhere).
        let mut used: [BTreeSet<u16>; 2] = Default::default();
        let mut chars: [HashMap<u16, String>; 2] = Default::default();
        for page in &self.pages {
            for item in &page.items {
                if let Item::Text { shaped, .. } = item {
                    let w = shaped.weight.index();
                    for g in shaped.glyphs.iter() {
                        used[w].insert(g.gid);
                        if !g.text.is_empty() {
                            chars[w].entry(g.gid).or_insert_with(|| g.text.clone());
                        }
                    }
                }
            }
        }

        let mut doc = PdfDocument::new(&self.title);
        let info = &mut doc.metadata.info;
        let now = printpdf::OffsetDateTime::now_utc();
        info.creation_date = now;
        info.modification_date = now;
        info.metadata_date = now;
        info.creator = "FlexDesk".into();
        info.producer = "FlexDesk (printpdf)".into();
        let mut fonts: [Option<(FontId, HashMap<u16, u16>)>; 2] = Default::default();
        for weight in Weight::ALL {
            let glyphs = &used[weight.index()];
            if glyphs.is_empty() {
                continue;
            }
            let (bytes, remap) = subset(weight, glyphs)?;
            let mut warnings = Vec::new();
            let mut parsed = ParsedFont::from_bytes(&bytes, 0, &mut warnings).ok_or_else(|| {
                Error::internal(format!("the {} subset does not parse", weight.family()))
            })?;
            parsed.font_name = Some(format!("{}+{}", subset_tag(glyphs), weight.family()));
            let id = FontId(format!("F{}", weight.index() + 1));
            doc.resources
                .fonts
                .map
                .insert(id.clone(), PdfFont::new(parsed));
            fonts[weight.index()] = Some((id, remap));
        }

        let pt = |mm: f32| Pt(mm / PT);
        let gray = |g: f32| Color::Greyscale(Greyscale::new(g, None));
        let mut pages = Vec::with_capacity(self.pages.len());
        for page in self.pages {
            let h = page.height;
            let mut ops = Vec::new();
            // Fills, rules and bars first, so text is always on top.
            for item in &page.items {
                match item {
                    Item::Fill {
                        x,
                        y,
                        w,
                        h: rh,
                        gray: g,
                    } => {
                        ops.push(Op::SetFillColor { col: gray(*g) });
                        ops.push(Op::DrawRectangle {
                            rectangle: Rect {
                                x: pt(*x),
                                y: pt(h - y - rh),
                                width: pt(*w),
                                height: pt(*rh),
                                mode: Some(PaintMode::Fill),
                                winding_order: None,
                            },
                        });
                    }
                    Item::Rule {
                        x1,
                        x2,
                        y,
                        width_pt,
                        gray: g,
                    } => {
                        let point = |x: f32| LinePoint {
                            p: Point {
                                x: pt(x),
                                y: pt(h - y),
                            },
                            bezier: false,
                        };
                        ops.push(Op::SetOutlineColor { col: gray(*g) });
                        ops.push(Op::SetOutlineThickness { pt: Pt(*width_pt) });
                        ops.push(Op::DrawLine {
                            line: Line {
                                points: vec![point(*x1), point(*x2)],
                                is_closed: false,
                            },
                        });
                    }
                    Item::Bars(rects) => {
                        let rings = rects
                            .iter()
                            .map(|[x, y, w, rh]| {
                                let corner = |cx: f32, cy: f32| LinePoint {
                                    p: Point {
                                        x: pt(cx),
                                        y: pt(h - cy),
                                    },
                                    bezier: false,
                                };
                                PolygonRing {
                                    points: vec![
                                        corner(*x, *y),
                                        corner(x + w, *y),
                                        corner(x + w, y + rh),
                                        corner(*x, y + rh),
                                    ],
                                }
                            })
                            .collect();
                        ops.push(Op::SetFillColor { col: gray(0.0) });
                        ops.push(Op::DrawPolygon {
                            polygon: Polygon {
                                rings,
                                mode: PaintMode::Fill,
                                winding_order: WindingOrder::NonZero,
                            },
                        });
                    }
                    Item::Text { .. } => {}
                }
            }
            ops.push(Op::StartTextSection);
            let mut current: Option<(Weight, f32)> = None;
            let mut current_gray: Option<f32> = None;
            for item in page.items {
                let Item::Text {
                    x,
                    baseline,
                    style,
                    shaped,
                } = item
                else {
                    continue;
                };
                let w = shaped.weight.index();
                let (id, remap) = fonts[w].as_ref().expect("every weight drawn has a font");
                if current != Some((shaped.weight, style.size)) {
                    ops.push(Op::SetFont {
                        font: PdfFontHandle::External(id.clone()),
                        size: Pt(style.size),
                    });
                    current = Some((shaped.weight, style.size));
                }
                if current_gray != Some(style.gray) {
                    ops.push(Op::SetFillColor {
                        col: gray(style.gray),
                    });
                    current_gray = Some(style.gray);
                }
                ops.push(Op::SetTextMatrix {
                    matrix: TextMatrix::Translate(pt(x), pt(h - baseline)),
                });
                let positioned = position(&shaped);
                let mut items = Vec::with_capacity(2);
                if positioned.lead != 0.0 {
                    items.push(TextItem::Offset(positioned.lead));
                }
                items.push(TextItem::GlyphIds(
                    shaped
                        .glyphs
                        .iter()
                        .zip(positioned.offsets)
                        .map(|(g, offset)| Codepoint {
                            gid: remap.get(&g.gid).copied().unwrap_or(0),
                            offset,
                            cid: Some(chars[w].get(&g.gid).cloned().unwrap_or_default()),
                        })
                        .collect(),
                ));
                ops.push(Op::ShowText { items });
            }
            ops.push(Op::EndTextSection);
            pages.push(PdfPage::new(Mm(page.width), Mm(page.height), ops));
        }

        let mut warnings = Vec::new();
        let options = PdfSaveOptions {
            // The fonts are subset already (printpdf subsets only with its `text_layout` feature).
            subset_fonts: false,
            ..Default::default()
        };
        let bytes = doc.with_pages(pages).save(&options, &mut warnings);
        if let Some(w) = warnings
            .iter()
            .find(|w| w.severity == printpdf::PdfParseErrorSeverity::Error)
        {
            return Err(Error::internal(format!(
                "the PDF could not be written: {}",
                w.msg
            )));
        }
        if bytes.is_empty() {
            return Err(Error::internal("the PDF could not be written"));
        }
        Ok(bytes)
    }
}

/// TJ positioning of a shaped run, in thousandths of an em: the viewer advances each glyph by its
/// `/W` width (the font's advance, truncated to whole thousandths as printpdf writes it); the
/// offsets bring the pen back to the shaper's positions (kerning, marks) whenever the two drift
/// apart by a thousandth or more.
struct Positioned {
    lead: f32,
    offsets: Vec<f32>,
}

fn position(shaped: &Shaped) -> Positioned {
    let font = text::font(shaped.weight);
    let scale = 1000.0 / font.upm;
    let mut lead = 0.0f32;
    let mut offsets: Vec<f32> = Vec::with_capacity(shaped.glyphs.len());
    // Where the viewer's pen is minus where the shaper wants it (thousandths of an em).
    let mut drift = 0.0f32;
    for g in shaped.glyphs.iter() {
        let advance = font
            .face
            .glyph_hor_advance(rustybuzz::ttf_parser::GlyphId(g.gid))
            .unwrap_or(0);
        let pdf_width = (advance as f32 * 1000.0 / font.upm) as i64 as f32;
        // Move to this glyph's own position (x offset of a mark), draw it, move back.
        let shift = g.x_offset as f32 * scale;
        if shift != 0.0 {
            match offsets.last_mut() {
                Some(last) => *last -= shift,
                None => lead -= shift,
            }
        }
        drift += pdf_width - g.advance as f32 * scale;
        let mut offset = shift;
        if drift.abs() >= 1.0 {
            let correction = drift.round();
            offset += correction;
            drift -= correction;
        }
        offsets.push(offset);
    }
    Positioned { lead, offsets }
}

fn subset(weight: Weight, glyphs: &BTreeSet<u16>) -> Result<(Vec<u8>, HashMap<u16, u16>)> {
    use allsorts::binary::read::ReadScope;
    use allsorts::font_data::FontData;
    use allsorts::subset::{subset, CmapTarget, SubsetProfile};
    let fail = |e: &dyn std::fmt::Display| {
        Error::internal(format!("subsetting {} failed: {e}", weight.family()))
    };
    // Glyph 0 (.notdef) first; the subset numbers glyphs in this order.
    let ids: Vec<u16> = std::iter::once(0)
        .chain(glyphs.iter().copied().filter(|g| *g != 0))
        .collect();
    let data = ReadScope::new(weight.bytes())
        .read::<FontData<'_>>()
        .map_err(|e| fail(&e))?;
    let provider = data.table_provider(0).map_err(|e| fail(&e))?;
    let bytes =
        subset(&provider, &ids, &SubsetProfile::Pdf, CmapTarget::Unicode).map_err(|e| fail(&e))?;
    let remap = ids
        .iter()
        .enumerate()
        .map(|(new, old)| (*old, new as u16))
        .collect();
    Ok((bytes, remap))
}

/// The six capital letters that mark a subset font's name, derived from its glyph set.
fn subset_tag(glyphs: &BTreeSet<u16>) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for g in glyphs {
        h = (h ^ *g as u64).wrapping_mul(0x0100_0000_01b3);
    }
    (0..6)
        .map(|i| (b'A' + ((h >> (i * 5)) % 26) as u8) as char)
        .collect()
}

// ---------------------------------------------------------------------------------------------
