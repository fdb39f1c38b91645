"""Pure rules of the incident process. Nothing here does I/O or reads the wall clock."""
