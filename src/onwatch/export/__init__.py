"""Exports of onwatch data in other tools' formats (iCalendar)."""
