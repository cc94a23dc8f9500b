//! Tables continued over pages: a table at the top of a page continues the one that ended
//! the page before when their outer edges agree. The two are put on the same column edges
//! (the union of both), the header rows repeated on the new page are dropped, and the first
//! new row is either the rest of the row the page break cut (each of its cells with text
//! goes on from a full last line above it, or the first column is empty below a row number)
//! and joined back, or a row of its own; a merged cell the break cut (empty below, spanning
//! rows on either side) stays one cell.

use super::{Grid, Region, band, deliberate, edges, nearest};

impl Grid {
    fn rows(&self) -> usize {
        self.owner.len()
    }

    /// Whether `next`, first on its page, continues this table, last on the page before:
    /// one ends near the foot of a page, the other starts near the head of the next, and
    /// their outer edges agree.
    pub fn continued_by(&self, next: &Grid) -> bool {
        let (a, b) = (&self.xs, &next.xs);
        next.first_page == self.last_page + 1
            && self.near_foot
            && next.near_head
            && (a[0] - b[0]).abs() < 3.0
            && (a[a.len() - 1] - b[b.len() - 1]).abs() < 3.0
    }

    /// The same table with the column edges `xs` (a superset of its own).
    fn with_columns(&mut self, xs: &[f64]) {
        let map: Vec<usize> = xs
            .windows(2)
            .map(|w| {
                let mid = (w[0] + w[1]) / 2.0;
                band(&self.xs, mid).unwrap_or_else(|| nearest(&self.xs, mid).min(self.xs.len() - 2))
            })
            .collect();
        for row in &mut self.owner {
            *row = map.iter().map(|&c| row[c]).collect();
        }
        self.xs = xs.to_vec();
    }

    /// What a row says: each cell that starts in it, by its left edge and text.
    fn row_key(&self, r: usize, texts: &[String]) -> Vec<(i64, String)> {
        let mut key = Vec::new();
        for (c, &k) in self.owner[r].iter().enumerate() {
            let starts_here =
                (r == 0 || self.owner[r - 1][c] != k) && (c == 0 || self.owner[r][c - 1] != k);
            if starts_here {
                key.push((self.xs[c].round() as i64, texts[k].clone()));
            }
        }
        key
    }

    /// Rows a region takes part in.
    fn span_rows(&self, k: usize) -> impl Iterator<Item = usize> + '_ {
        (0..self.rows()).filter(move |&r| self.owner[r].contains(&k))
    }

    /// Appends `next`, the table's continuation on the next page.
    pub fn append(&mut self, mut next: Grid) {
        let xs = edges(self.xs.iter().chain(&next.xs).copied());
        self.with_columns(&xs);
        next.with_columns(&xs);

        // The header rows repeated at the top of the page are print layout, not data.
        let mine: Vec<String> = self.regions.iter().map(Region::text).collect();
        let theirs: Vec<String> = next.regions.iter().map(Region::text).collect();
        let mut header = 0;
        while header < next.rows().min(self.rows())
            && next.row_key(header, &theirs) == self.row_key(header, &mine)
            && next
                .row_key(header, &theirs)
                .iter()
                .any(|(_, t)| !t.is_empty())
        {
            header += 1;
        }
        // A header cell reaching into the data rows would not be a repeated header.
        let inside = |g: &Grid| {
            (0..header).all(|r| {
                g.owner[r]
                    .iter()
                    .all(|&k| g.span_rows(k).all(|rr| rr < header))
            })
        };
        if header > 0 && !(inside(self) && inside(&next)) {
            header = 0;
        }
        next.owner.drain(..header);
        self.last_page = next.last_page;
        self.near_foot = next.near_foot;
        if next.rows() == 0 || self.rows() == 0 {
            return;
        }

        // Each cell of the first new row with the cell above it across the break, where
        // that cell covers the same columns.
        let last = self.rows() - 1;
        let mut pairs: Vec<(usize, usize)> = Vec::new();
        let mut unpaired = false;
        let mut seen: Vec<usize> = Vec::new();
        for &k2 in &next.owner[0] {
            if seen.contains(&k2) {
                continue;
            }
            seen.push(k2);
            let cols: Vec<bool> = next.owner[0].iter().map(|&k| k == k2).collect();
            let above: Vec<usize> = (0..xs.len() - 1)
                .filter(|&c| cols[c])
                .map(|c| self.owner[last][c])
                .collect();
            let k1 = above[0];
            let same = above.iter().all(|&k| k == k1)
                && self.owner[last]
                    .iter()
                    .zip(&cols)
                    .all(|(&k, &here)| (k == k1) == here);
            if same {
                pairs.push((k1, k2));
            } else {
                unpaired = true;
            }
        }
        let split = !unpaired && (self.wrapped_into(&next, &pairs) || self.numbered_cut(&next));
        let mut merged: Vec<Option<usize>> = vec![None; next.regions.len()];
        for &(k1, k2) in &pairs {
            let spans = |g: &Grid, k: usize| g.span_rows(k).count() > 1;
            // A merged cell the break cut is one cell, its part on the new page empty.
            let continued = next.regions[k2].is_empty() && (spans(self, k1) || spans(&next, k2));
            if split || continued {
                merged[k2] = Some(k1);
            }
        }
        let mut index = vec![0; next.regions.len()];
        for (k2, region) in next.regions.into_iter().enumerate() {
            match merged[k2] {
                Some(k1) => {
                    self.regions[k1].parts.extend(region.parts);
                    index[k2] = k1;
                }
                None => {
                    index[k2] = self.regions.len();
                    self.regions.push(region);
                }
            }
        }
        let skip = usize::from(split);
        for row in next.owner.into_iter().skip(skip) {
            self.owner.push(row.into_iter().map(|k| index[k]).collect());
        }
    }

    /// A row cut by the page break, seen in its text: every cell of the first new row that
    /// has text goes on from a cell above whose last line was full.
    fn wrapped_into(&self, next: &Grid, pairs: &[(usize, usize)]) -> bool {
        let mut any = false;
        for &(k1, k2) in pairs {
            let Some(first) = next.regions[k2].first_line() else {
                continue;
            };
            any = true;
            match self.regions[k1].last_line() {
                Some((line, room)) if !deliberate(line, first, room) => {}
                _ => return false,
            }
        }
        any
    }

    /// A row cut by the page break in a table whose rows are numbered: the first column of
    /// the new row is empty where the row above has its number.
    fn numbered_cut(&self, next: &Grid) -> bool {
        let last = self.rows() - 1;
        let (k1, k2) = (self.owner[last][0], next.owner[0][0]);
        let single = |g: &Grid, k: usize| g.span_rows(k).count() == 1;
        let number = self.regions[k1].text();
        single(self, k1)
            && single(next, k2)
            && next.regions[k2].is_empty()
            && !number.trim().is_empty()
            && !matches!(number.trim(), "序号" | "编号")
    }
}
