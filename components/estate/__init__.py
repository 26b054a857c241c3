"""A whole stack: its configuration (validated before any resource exists) and what it plans."""
