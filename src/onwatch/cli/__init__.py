"""The `onwatch` command line (Typer)."""
