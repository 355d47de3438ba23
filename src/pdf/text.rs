//! Text in the embedded DejaVu Sans: shaping, measuring, wrapping and truncating.
//!
//! Every string is shaped with rustybuzz (a port of HarfBuzz), so widths are the font's real glyph
//! advances including kerning, and Arabic gets its contextual forms and ligatures. Lines that hold
//! right-to-left characters are put in visual order with the Unicode bidirectional algorithm
//! (`unicode-bidi`) first, then each directional run is shaped on its own. Each glyph keeps the
//! characters it stands for, which become the PDF's ToUnicode map, so text stays searchable and
//! extractable.

use rustybuzz::{script, Direction, Face, ShapePlan, UnicodeBuffer};
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use unicode_bidi::BidiInfo;

/// DejaVu Sans and DejaVu Sans Bold (see `assets/fonts/LICENSE-DejaVu.txt`).
pub(crate) const REGULAR_TTF: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
pub(crate) const BOLD_TTF: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// Millimetres per typographic point.
pub const PT: f32 = 25.4 / 72.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Weight {
    Regular,
    Bold,
}

impl Weight {
    pub(crate) const ALL: [Weight; 2] = [Weight::Regular, Weight::Bold];

    pub(crate) fn index(self) -> usize {
        match self {
            Weight::Regular => 0,
            Weight::Bold => 1,
        }
    }

    pub(crate) fn bytes(self) -> &'static [u8] {
        match self {
            Weight::Regular => REGULAR_TTF,
            Weight::Bold => BOLD_TTF,
        }
    }

    pub(crate) fn family(self) -> &'static str {
        match self {
            Weight::Regular => "DejaVuSans",
            Weight::Bold => "DejaVuSans-Bold",
        }
    }
}

pub(crate) struct Font {
    pub face: Face<'static>,
    /// The plan for left-to-right text, built once: building one per string would cost more than
    /// shaping the string.
    ltr: ShapePlan,
    pub upm: f32,
}

static FONTS: OnceLock<[Font; 2]> = OnceLock::new();

pub(crate) fn font(weight: Weight) -> &'static Font {
    let fonts = FONTS.get_or_init(|| {
        Weight::ALL.map(|w| {
            let face = Face::from_slice(w.bytes(), 0).expect("the embedded DejaVu font parses");
            let ltr = ShapePlan::new(
                &face,
                Direction::LeftToRight,
                Some(script::LATIN),
                None,
                &[],
            );
            let upm = face.units_per_em() as f32;
            Font { face, ltr, upm }
        })
    });
    &fonts[weight.index()]
}

/// One positioned glyph, in font units.
#[derive(Debug, Clone)]
pub struct Glyph {
    pub gid: u16,
    /// Pen advance after this glyph (the shaper's, kerning included).
    pub advance: i32,
    /// Horizontal displacement of this glyph alone (mark positioning).
    pub x_offset: i32,
    /// The characters this glyph stands for, in logical order (empty for a glyph that only
    /// completes another, e.g. the second part of a split vowel).
    pub text: String,
}

/// A shaped line of text: glyphs in visual order, left to right (shared, so a cached shape is
/// cheap to reuse).
#[derive(Debug, Clone)]
pub struct Shaped {
    pub weight: Weight,
    pub glyphs: Arc<[Glyph]>,
    /// Sum of the advances, in font units.
    pub advance: i32,
}

impl Shaped {
    /// The width at `size` points, in millimetres.
    pub fn width(&self, size: f32) -> f32 {
        self.advance as f32 / font(self.weight).upm * size * PT
    }

    pub fn is_empty(&self) -> bool {
        self.glyphs.is_empty()
    }
}

/// Control characters (a stray tab or line break in a name) become spaces: a printed line is one
/// line.
fn clean(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().any(char::is_control) {
        text.chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect::<String>()
            .into()
    } else {
        text.into()
    }
}

fn is_rtl(c: char) -> bool {
    matches!(c as u32, 0x0590..=0x08FF | 0xFB1D..=0xFDFF | 0xFE70..=0xFEFF | 0x10800..=0x10FFF | 0x1E800..=0x1EFFF)
}

thread_local! {
    /// Shapes already made while one document is rendered (see [`cached`]).
    static CACHE: RefCell<Option<[HashMap<String, Shaped>; 2]>> = const { RefCell::new(None) };
}

/// Run `render` with a cache of shaped strings, dropped at the end: a document repeats its
/// product names, amounts, rates and periods many times over, and each is shaped once.
pub fn cached<T>(render: impl FnOnce() -> T) -> T {
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            if self.0 {
                CACHE.with(|c| *c.borrow_mut() = None);
            }
        }
    }
    let outermost = CACHE.with(|c| {
        let mut c = c.borrow_mut();
        let outermost = c.is_none();
        if outermost {
            *c = Some(Default::default());
        }
        outermost
    });
    let _reset = Reset(outermost);
    render()
}

/// Shape one line of text.
pub fn shape(text: &str, weight: Weight) -> Shaped {
    let hit = CACHE.with(|c| {
        c.borrow()
            .as_ref()
            .and_then(|m| m[weight.index()].get(text).cloned())
    });
    if let Some(shaped) = hit {
        return shaped;
    }
    let shaped = shape_uncached(text, weight);
    CACHE.with(|c| {
        if let Some(m) = c.borrow_mut().as_mut() {
            m[weight.index()].insert(text.to_string(), shaped.clone());
        }
    });
    shaped
}

fn shape_uncached(text: &str, weight: Weight) -> Shaped {
    let text = clean(text);
    let font = font(weight);
    let mut glyphs = Vec::with_capacity(text.len());
    if !text.chars().any(is_rtl) {
        shape_run(font, &text, false, &mut glyphs);
    } else {
        let bidi = BidiInfo::new(&text, None);
        for para in &bidi.paragraphs {
            let (levels, runs) = bidi.visual_runs(para, para.range.clone());
            for run in runs {
                let rtl = levels[run.start].is_rtl();
                shape_run(font, &text[run], rtl, &mut glyphs);
            }
        }
    }
    let advance = glyphs.iter().map(|g| g.advance).sum();
    Shaped {
        weight,
        glyphs: glyphs.into(),
        advance,
    }
}

/// Shape one directional run and append its glyphs (already in visual order: the shaper
/// reverses a right-to-left run itself).
fn shape_run(font: &Font, run: &str, rtl: bool, out: &mut Vec<Glyph>) {
    if run.is_empty() {
        return;
    }
    let mut buffer = UnicodeBuffer::new();
    buffer.push_str(run);
    let shaped = if rtl {
        buffer.set_direction(Direction::RightToLeft);
        rustybuzz::shape(&font.face, &[], buffer)
    } else {
        buffer.set_direction(Direction::LeftToRight);
        buffer.set_script(script::LATIN);
        rustybuzz::shape_with_plan(&font.face, &font.ltr, buffer)
    };
    let infos = shaped.glyph_infos();
    let positions = shaped.glyph_positions();

    // Where each cluster's text ends: the next larger cluster start, or the end of the run.
    let mut starts: Vec<usize> = infos.iter().map(|i| i.cluster as usize).collect();
    starts.sort_unstable();
    starts.dedup();
    let end_of = |start: usize| {
        let i = starts.partition_point(|&s| s <= start);
        starts.get(i).copied().unwrap_or(run.len())
    };

    let base = out.len();
    for (info, pos) in infos.iter().zip(positions) {
        out.push(Glyph {
            gid: info.glyph_id as u16,
            advance: pos.x_advance,
            x_offset: pos.x_offset,
            text: String::new(),
        });
    }
    // Give each glyph its characters. A cluster with one glyph gets the whole cluster text (a
    // contextual form, a ligature); in a cluster of several glyphs (a base and its marks), a glyph
    // takes the character the font maps to it directly, and what is left goes to the first glyph
    // that took nothing (or the first glyph).
    let mut i = 0;
    while i < infos.len() {
        let cluster = infos[i].cluster as usize;
        let mut j = i + 1;
        while j < infos.len() && infos[j].cluster as usize == cluster {
            j += 1;
        }
        let text = &run[cluster..end_of(cluster)];
        if j - i == 1 {
            out[base + i].text = text.to_string();
        } else {
            let mut claimed = vec![false; text.chars().count()];
            for k in i..j {
                let gid = infos[k].glyph_id as u16;
                if let Some((n, c)) = text.chars().enumerate().find(|(n, c)| {
                    !claimed[*n] && font.face.glyph_index(*c).map(|g| g.0) == Some(gid)
                }) {
                    claimed[n] = true;
                    out[base + k].text.push(c);
                }
            }
            let rest: String = text
                .chars()
                .zip(&claimed)
                .filter(|(_, taken)| !**taken)
                .map(|(c, _)| c)
                .collect();
            if !rest.is_empty() {
                let k = (i..j).find(|&k| out[base + k].text.is_empty()).unwrap_or(i);
                out[base + k].text.push_str(&rest);
            }
        }
        i = j;
    }
}

/// The width of `text` at `size` points, in millimetres.
pub fn measure(text: &str, weight: Weight, size: f32) -> f32 {
    shape(text, weight).width(size)
}

/// `text` shaped to fit `max` millimetres: whole if it fits, otherwise cut at a character and
/// ended with an ellipsis (nothing at all if not even that fits).
pub fn truncate(text: &str, weight: Weight, size: f32, max: f32) -> Shaped {
    let whole = shape(text, weight);
    if whole.width(size) <= max {
        return whole;
    }
    let cuts: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
    let with_ellipsis = |n: usize| {
        let end = cuts.get(n).copied().unwrap_or(text.len());
        shape(&format!("{}…", text[..end].trim_end()), weight)
    };
    // The longest prefix, in characters, that fits with the ellipsis (none if even "…" does not).
    let (mut lo, mut hi) = (0usize, cuts.len().saturating_sub(1));
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if with_ellipsis(mid).width(size) <= max {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    let best = with_ellipsis(lo);
    if best.width(size) <= max {
        best
    } else {
        shape("", weight)
    }
}

/// `text` broken into lines of at most `max` millimetres: at spaces where possible, inside a word
/// only when the word alone is too wide (after a hyphen or slash if it has one).
pub fn wrap(text: &str, weight: Weight, size: f32, max: f32) -> Vec<Shaped> {
    let whole = shape(text, weight);
    if whole.width(size) <= max {
        return vec![whole];
    }
    let space = shape(" ", weight).width(size);
    let mut lines = Vec::new();
    // Words of the line being filled, and their width measured word by word.
    let mut line: Vec<&str> = Vec::new();
    let mut width = 0.0f32;
    for word in text.split_whitespace() {
        let w = shape(word, weight).width(size);
        if !line.is_empty() && width + space + w <= max {
            line.push(word);
            width += space + w;
            continue;
        }
        let mut rest = word;
        // A word wider than a whole line is cut anyway: its first part fills this line.
        let room = max - width - space;
        if !line.is_empty() && w > max && room > max * 0.25 {
            let cut = longest_fitting_prefix(rest, weight, size, room);
            if measure(&rest[..cut], weight, size) <= room {
                line.push(&rest[..cut]);
                rest = &rest[cut..];
            }
        }
        flush(&mut line, &mut lines, weight, size, max);
        // The rest starts a line, cut again while wider than the line.
        while measure(rest, weight, size) > max {
            let cut = longest_fitting_prefix(rest, weight, size, max);
            lines.push(shape(&rest[..cut], weight));
            rest = &rest[cut..];
        }
        line.push(rest);
        width = measure(rest, weight, size);
    }
    flush(&mut line, &mut lines, weight, size, max);
    lines
}

/// Shape the words of a line into `lines`. Widths were added up word by word; should kerning
/// across a space make the whole line wider than `max`, its last words move to a line of their
/// own.
fn flush(line: &mut Vec<&str>, lines: &mut Vec<Shaped>, weight: Weight, size: f32, max: f32) {
    let mut words: &[&str] = line;
    while !words.is_empty() {
        let mut n = words.len();
        let mut shaped = shape(&words.join(" "), weight);
        while n > 1 && shaped.width(size) > max {
            n -= 1;
            shaped = shape(&words[..n].join(" "), weight);
        }
        lines.push(shaped);
        words = &words[n..];
    }
    line.clear();
}

/// The byte length of the longest prefix of `text` (at least one character) that fits, ending
/// after a hyphen or slash when it has one.
fn longest_fitting_prefix(text: &str, weight: Weight, size: f32, max: f32) -> usize {
    let ends: Vec<usize> = text.char_indices().map(|(i, c)| i + c.len_utf8()).collect();
    let (mut lo, mut hi) = (0usize, ends.len() - 1);
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if measure(&text[..ends[mid]], weight, size) <= max {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    // Rather after a hyphen or slash inside that prefix (SKUs, references).
    let last = if lo == 0 { 0 } else { ends[lo - 1] };
    match text[..last].rfind(['-', '/']) {
        Some(at) if ends[lo] < text.len() => at + 1,
        _ => ends[lo],
    }
}

/// `wrap`, but at most `max_lines` lines: the last one kept is truncated with an ellipsis when
/// text had to be left out.
pub fn wrap_lines(
    text: &str,
    weight: Weight,
    size: f32,
    max: f32,
    max_lines: usize,
) -> Vec<Shaped> {
    let mut lines = wrap(text, weight, size, max);
    if lines.len() > max_lines {
        lines.truncate(max_lines.max(1));
        let last = lines.pop().map(|l| visible_text(&l)).unwrap_or_default();
        lines.push(truncate(&format!("{last} …"), weight, size, max));
    }
    lines
}

fn visible_text(shaped: &Shaped) -> String {
    shaped.glyphs.iter().map(|g| g.text.as_str()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin_widths_come_from_the_font() {
        let a = measure("MMMM", Weight::Regular, 10.0);
        let b = measure("iiii", Weight::Regular, 10.0);
        assert!(a > 2.0 * b, "{a} {b}");
        assert!(measure("Total", Weight::Bold, 10.0) > measure("Total", Weight::Regular, 10.0));
    }

    #[test]
    fn arabic_is_shaped_and_keeps_its_characters() {
        let s = shape("شركة الدوحة", Weight::Regular);
        // Contextual forms are glyphs the cmap does not map the letters to.
        let face = &font(Weight::Regular).face;
        let isolated = face.glyph_index('ش').unwrap().0;
        assert!(s.glyphs.iter().all(|g| g.gid != 0));
        assert!(!s.glyphs.iter().any(|g| g.gid == isolated && g.text == "ش"));
        let mut chars: Vec<char> = s.glyphs.iter().flat_map(|g| g.text.chars()).collect();
        let mut expected: Vec<char> = "شركة الدوحة".chars().collect();
        chars.sort();
        expected.sort();
        assert_eq!(chars, expected);
        // Visual order: the first word read (logically first) is drawn on the right.
        let first = s.glyphs.iter().position(|g| g.text.contains('ش')).unwrap();
        let last = s.glyphs.iter().position(|g| g.text.contains('د')).unwrap();
        assert!(first > last);
    }

    #[test]
    fn wrapping_and_truncating_stay_inside_the_width() {
        let text = "Lenovo ThinkPad X1 Carbon Gen 12 (14\", Intel Core Ultra 7, 32 GB, 1 TB) with docking station and Überweisungsträgerformularbeschriftungsautomat";
        for max in [20.0, 35.0, 60.0] {
            let lines = wrap(text, Weight::Regular, 8.0, max);
            assert!(lines.len() > 1);
            for l in &lines {
                assert!(l.width(8.0) <= max + 1e-3, "{} > {max}", l.width(8.0));
            }
            let all: String = lines.iter().map(visible_text).collect::<Vec<_>>().join(" ");
            assert_eq!(all.replace(' ', ""), text.replace(' ', ""));
            let t = truncate(text, Weight::Bold, 8.0, max);
            assert!(t.width(8.0) <= max && visible_text(&t).ends_with('…'));
        }
        assert!(truncate("x", Weight::Regular, 8.0, 0.1).is_empty());
        let three = wrap_lines(text, Weight::Regular, 8.0, 30.0, 3);
        assert_eq!(three.len(), 3);
        assert!(visible_text(&three[2]).ends_with('…'));
    }
}
