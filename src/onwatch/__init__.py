"""onwatch: open-source incident management."""

__version__ = "0.1.0"
