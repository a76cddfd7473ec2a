//! Tuple visibility: PostgreSQL's HeapTupleSatisfies* rules (placeholder, being written).
