//! The A4 sheet: flowing content with a running head, a footer and page numbers on every page.

use super::*;

// The A4 sheet: flowing content with a running head, a footer and page numbers on every page.

pub const A4_W: f32 = 210.0;
pub const A4_H: f32 = 297.0;
/// Left and right edges of the text area.
pub const LEFT: f32 = 18.0;
pub const RIGHT: f32 = A4_W - 18.0;
pub const WIDTH: f32 = RIGHT - LEFT;
/// Top of the first page's content.
pub const TOP: f32 = 15.0;
/// Content stops here; the footer lives below.
pub(super) const BODY_BOTTOM: f32 = A4_H - 19.0;
pub(super) const FOOTER_RULE: f32 = A4_H - 15.5;

/// An A4 portrait document whose content flows down the pages.
pub struct Sheet {
    doc: Doc,
    /// Running head of the pages after the first: left (the seller) and right (the document).
    head: (String, String),
    footer: String,
    /// The page number's words, `{n}` and `{of}` filled: "Page {n} of {of}" unless set.
    pub page_of: String,
    /// Where the next content goes on the current page.
    pub y: f32,
}

impl Sheet {
    /// The first page; its header is the document's own (drawn by the caller from `TOP`).
    pub fn new(title: &str, head_left: &str, head_right: &str, footer: &str) -> Self {
        let mut doc = Doc::new(title);
        doc.add_page(A4_W, A4_H);
        Sheet {
            doc,
            head: (head_left.to_string(), head_right.to_string()),
            footer: footer.to_string(),
            page_of: "Page {n} of {of}".into(),
            y: TOP,
        }
    }

    pub fn page(&mut self) -> &mut Page {
        self.doc.pages.last_mut().expect("a sheet has a page")
    }

    /// Height left on this page.
    pub fn room(&self) -> f32 {
        BODY_BOTTOM - self.y
    }

    /// Height of an empty continuation page.
    pub fn page_room() -> f32 {
        BODY_BOTTOM - (TOP + 10.0)
    }

    /// A new page with the running head.
    pub fn new_page(&mut self) {
        let (left, right) = self.head.clone();
        let page = self.doc.add_page(A4_W, A4_H);
        let style = Style::regular(8.0).muted();
        let baseline = TOP + style.ascent();
        page.text(
            LEFT,
            WIDTH * 0.55,
            baseline,
            style.bold_like(),
            Align::Left,
            &left,
        );
        page.text(
            LEFT + WIDTH * 0.55,
            WIDTH * 0.45,
            baseline,
            style,
            Align::Right,
            &right,
        );
        page.rule(LEFT, RIGHT, TOP + 5.0, 0.4, 0.6);
        self.y = TOP + 10.0;
    }

    /// Make sure `h` millimetres fit below `y`, starting a new page when they do not; true if a
    /// page was started.
    pub fn ensure(&mut self, h: f32) -> bool {
        if h > self.room() {
            self.new_page();
            true
        } else {
            false
        }
    }

    /// Wrapped text that may flow onto the next page between lines.
    pub fn paragraph(&mut self, x: f32, w: f32, style: Style, text: &str) {
        for line in wrapped(text, style, w, usize::MAX) {
            self.ensure(style.line_height());
            let baseline = self.y + style.ascent();
            self.page().put(x, baseline, line);
            self.y += style.line_height();
        }
    }

    /// The height `Page::pairs` takes for these pairs.
    pub fn pairs_height(pairs: &[(String, String)], w: f32, label_w: f32, style: Style) -> f32 {
        pairs
            .iter()
            .map(|(_, v)| wrapped(v, style, w - label_w, 4).len().max(1) as f32)
            .sum::<f32>()
            * style.line_height()
    }

    /// Label and value pairs at the current `y`, kept on one page.
    pub fn pairs(
        &mut self,
        x: f32,
        w: f32,
        label_w: f32,
        style: Style,
        pairs: &[(String, String)],
    ) {
        self.ensure(Self::pairs_height(pairs, w, label_w, style));
        let top = self.y;
        self.y = self.page().pairs(x, w, label_w, top, style, pairs);
    }

    /// A numbered paragraph (terms): the number hanging in the first `indent` millimetres, the
    /// text wrapped beside it, flowing onto the next page between lines (never leaving the number
    /// alone at the bottom of a page).
    pub fn numbered(
        &mut self,
        x: f32,
        w: f32,
        indent: f32,
        style: Style,
        number: &str,
        text: &str,
    ) {
        let lines = wrapped(text, style, w - indent, usize::MAX);
        self.ensure(style.line_height() * lines.len().min(2) as f32);
        let baseline = self.y + style.ascent();
        self.page()
            .text(x, indent - 1.0, baseline, style, Align::Left, number);
        for line in lines {
            self.ensure(style.line_height());
            let baseline = self.y + style.ascent();
            self.page().put(x + indent, baseline, line);
            self.y += style.line_height();
        }
    }

    /// The table with its header row, repeated at the top of every page it continues on. The
    /// header never stands alone at the bottom of a page; a row taller than a whole page is split
    /// between its lines.
    pub fn table(&mut self, table: &Table, rows: impl IntoIterator<Item = Vec<Cell>>) {
        let mut rows = rows.into_iter().peekable();
        let first = rows.peek().map(|r| table.row_height(r)).unwrap_or(0.0);
        self.ensure(table.header_height() + first.min(Self::page_room() / 2.0));
        self.table_header(table);
        for mut row in rows {
            let h = table.row_height(&row);
            if h > self.room() && h <= Self::page_room() - table.header_height() {
                self.new_page();
                self.table_header(table);
            }
            // Draw what fits; a row longer than a page continues after a page break.
            loop {
                let (part, rest) = table.split_row(row, self.room());
                if !part.iter().all(Vec::is_empty) {
                    let top = self.y;
                    let h = table.row_height(&part);
                    table.draw_row(self.page(), top, h, part);
                    self.y += h;
                }
                if rest.iter().all(Vec::is_empty) {
                    break;
                }
                self.new_page();
                self.table_header(table);
                row = rest;
            }
        }
    }

    fn table_header(&mut self, table: &Table) {
        let top = self.y;
        table.draw_header(self.page(), top);
        self.y += table.header_height();
    }

    /// Footer line and "Page N of M" on every page, then the PDF.
    pub fn finish(mut self) -> Result<Vec<u8>> {
        let total = self.doc.pages.len();
        let style = Style::regular(7.0).muted();
        let number_w = 28.0;
        for (i, page) in self.doc.pages.iter_mut().enumerate() {
            page.rule(LEFT, RIGHT, FOOTER_RULE, 0.4, 0.6);
            let baseline = FOOTER_RULE + 2.0 + style.ascent();
            for (n, line) in wrapped(&self.footer, style, WIDTH - number_w - 4.0, 2)
                .into_iter()
                .enumerate()
            {
                page.put(LEFT, baseline + n as f32 * style.line_height(), line);
            }
            page.text(
                RIGHT - number_w,
                number_w,
                baseline,
                style,
                Align::Right,
                &self
                    .page_of
                    .replace("{n}", &(i + 1).to_string())
                    .replace("{of}", &total.to_string()),
            );
        }
        self.doc.finish()
    }
}

// ---------------------------------------------------------------------------------------------
