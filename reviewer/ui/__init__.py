"""Terminal output helpers: tables and a progress bar (no third-party UI library)."""
