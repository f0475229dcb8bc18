//! Figures readable across a room: each digit drawn 3 cells wide and 5 rows high in full blocks.
//! Hand-drawn because the only big-text crate for ratatui draws 8×8 glyphs, too wide for
//! 80 columns, and ten glyphs are a few lines.

const GLYPHS: [[&str; 5]; 10] = [
    ["███", "█ █", "█ █", "█ █", "███"],
    ["  █", "  █", "  █", "  █", "  █"],
    ["███", "  █", "███", "█  ", "███"],
    ["███", "  █", "███", "  █", "███"],
    ["█ █", "█ █", "███", "  █", "  █"],
    ["███", "█  ", "███", "  █", "███"],
    ["███", "█  ", "███", "█ █", "███"],
    ["███", "  █", "  █", "  █", "  █"],
    ["███", "█ █", "███", "█ █", "███"],
    ["███", "█ █", "███", "  █", "███"],
];

/// Rows of a figure drawn large.
pub const HEIGHT: u16 = 5;

/// The five rows of `n` in block digits, one column between digits.
pub fn big(n: u64) -> [String; 5] {
    let text = n.to_string();
    let mut rows: [String; 5] = Default::default();
    for (i, c) in text.chars().enumerate() {
        let d = c.to_digit(10).unwrap_or(0) as usize;
        for (row, glyph) in rows.iter_mut().zip(GLYPHS[d]) {
            if i > 0 {
                row.push(' ');
            }
            row.push_str(glyph);
        }
    }
    rows
}

/// Columns `big(n)` takes.
pub fn width(n: u64) -> u16 {
    let digits = n.to_string().len() as u16;
    digits * 4 - 1
}

/// `big(n)` with every cell drawn `scale` × `scale`, for a wall with room to spare.
pub fn scaled(n: u64, scale: u16) -> Vec<String> {
    let scale = usize::from(scale.max(1));
    big(n)
        .iter()
        .map(|row| row.chars().flat_map(|c| std::iter::repeat_n(c, scale)).collect::<String>())
        .flat_map(|row| std::iter::repeat_n(row, scale))
        .collect()
}

/// The largest scale (up to 3) at which `n` fits `width` × `height` cells; 0 when none does.
pub fn fitting_scale(n: u64, width: u16, height: u16) -> u16 {
    (1..=3).rev().find(|s| width >= self::width(n) * s && height >= HEIGHT * s).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_figure_is_three_columns_a_digit_with_one_between() {
        let rows = big(2026);
        assert_eq!(rows[0], "███ ███ ███ ███");
        assert_eq!(rows[4], "███ ███ ███ ███");
        assert_eq!(rows[1], "  █ █ █   █ █  ");
        assert_eq!(width(2026), 15);
        assert!(rows.iter().all(|r| r.chars().count() == 15));
    }

    #[test]
    fn a_scaled_figure_doubles_every_cell_and_the_largest_scale_that_fits_is_chosen() {
        let rows = scaled(7, 2);
        assert_eq!(rows.len(), 10);
        assert_eq!(rows[0], "██████");
        assert_eq!(rows[2], "    ██");
        assert_eq!(fitting_scale(138, 40, 15), 3);
        assert_eq!(fitting_scale(138, 40, 14), 2);
        assert_eq!(fitting_scale(138, 24, 12), 2);
        assert_eq!(fitting_scale(138, 11, 5), 1);
        assert_eq!(fitting_scale(138, 10, 5), 0);
    }
}
