"""The staff-facing pages, one module per area."""
