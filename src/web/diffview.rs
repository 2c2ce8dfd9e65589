//! Word-level differences ready to render (`<ins>`/`<del>`), shared by the
//! version comparison and the report comparisons.

use crate::domain::clauses::Piece;

pub struct PieceView {
    pub kind: &'static str,
    pub text: String,
}

pub fn pieces(p: Vec<Piece>) -> Vec<PieceView> {
    p.into_iter()
        .map(|p| match p {
            Piece::Same(t) => PieceView { kind: "same", text: t },
            Piece::Added(t) => PieceView { kind: "ins", text: t },
            Piece::Removed(t) => PieceView { kind: "del", text: t },
        })
        .collect()
}
