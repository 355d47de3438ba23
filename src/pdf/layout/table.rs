//! Tables on the sheet: columns, wrapped cells and repeated headers.

use super::*;

// Tables.

/// Horizontal padding inside a cell, and vertical padding above and below a row's lines.
pub(super) const PAD_X: f32 = 1.2;
pub(super) const PAD_Y: f32 = 1.3;

pub struct Column {
    pub title: String,
    pub width: f32,
    pub align: Align,
}

/// A table's columns, left to right from `x`; the widths add up to the table's width.
pub struct Table {
    pub x: f32,
    pub columns: Vec<Column>,
    pub header: Style,
}

/// A cell's lines, top to bottom.
pub type Cell = Vec<Fitted>;

impl Table {
    pub fn new(x: f32, columns: &[(&str, f32, Align)]) -> Self {
        Table {
            x,
            columns: columns
                .iter()
                .map(|(title, width, align)| Column {
                    title: title.to_string(),
                    width: *width,
                    align: *align,
                })
                .collect(),
            header: Style::bold(7.0).muted(),
        }
    }

    /// The width text has in column `col`.
    pub fn inner(&self, col: usize) -> f32 {
        self.columns[col].width - 2.0 * PAD_X
    }

    /// One line fitted into column `col` (amounts, quantities, codes): shrunk as far as 5 pt
    /// before anything is cut.
    pub fn fit(&self, col: usize, style: Style, text: &str) -> Fitted {
        fit_down_to(text, style, self.inner(col), 5.0)
    }

    /// Text wrapped in column `col`, at most `max_lines` lines.
    pub fn wrap(&self, col: usize, style: Style, text: &str, max_lines: usize) -> Vec<Fitted> {
        wrapped(text, style, self.inner(col), max_lines)
    }

    pub fn header_height(&self) -> f32 {
        self.header.line_height() + 2.0 * PAD_Y
    }

    pub fn row_height(&self, row: &[Cell]) -> f32 {
        row.iter()
            .map(|cell| cell.iter().map(|l| l.line().line_height()).sum::<f32>())
            .fold(0.0, f32::max)
            + 2.0 * PAD_Y
    }

    /// The lines of `row` that fit in `room`, and the rest.
    pub(super) fn split_row(&self, row: Vec<Cell>, room: f32) -> (Vec<Cell>, Vec<Cell>) {
        if self.row_height(&row) <= room {
            let rest = vec![Vec::new(); row.len()];
            return (row, rest);
        }
        let mut part = Vec::with_capacity(row.len());
        let mut rest = Vec::with_capacity(row.len());
        for cell in row {
            let mut used = 2.0 * PAD_Y;
            let mut taken = Vec::new();
            let mut left = Vec::new();
            for line in cell {
                if left.is_empty() && used + line.line().line_height() <= room {
                    used += line.line().line_height();
                    taken.push(line);
                } else {
                    left.push(line);
                }
            }
            part.push(taken);
            rest.push(left);
        }
        (part, rest)
    }

    pub(super) fn draw_header(&self, page: &mut Page, top: f32) {
        let h = self.header_height();
        let width: f32 = self.columns.iter().map(|c| c.width).sum();
        page.fill(self.x, top, width, h, 0.93);
        let baseline = top + PAD_Y + self.header.ascent();
        let mut x = self.x;
        for col in &self.columns {
            page.text(
                x + PAD_X,
                col.width - 2.0 * PAD_X,
                baseline,
                self.header,
                col.align,
                &col.title,
            );
            x += col.width;
        }
        page.rule(self.x, self.x + width, top + h, 0.5, 0.55);
    }

    pub(super) fn draw_row(&self, page: &mut Page, top: f32, h: f32, row: Vec<Cell>) {
        let mut x = self.x;
        for (col, cell) in self.columns.iter().zip(row) {
            let mut y = top + PAD_Y;
            for line in cell {
                let style = line.line();
                page.put_in(
                    x + PAD_X,
                    col.width - 2.0 * PAD_X,
                    y + style.ascent(),
                    col.align,
                    line,
                );
                y += style.line_height();
            }
            x += col.width;
        }
        let width: f32 = self.columns.iter().map(|c| c.width).sum();
        page.rule(self.x, self.x + width, top + h, 0.25, 0.8);
    }
}
