"""A test-only tenant app whose migration creates what a table copy would miss."""
