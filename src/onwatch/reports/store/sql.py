"""The few expressions SQLite and PostgreSQL spell differently, so the report queries read the same.

Instants are UTC on both: SQLite holds them as naive ISO text, PostgreSQL as timestamptz (read
through `AT TIME ZONE 'UTC'` so the session's zone never leaks into an hour or a week).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from onwatch.reports.domain.filters import Period

Expr = sa.ColumnElement[Any]


class Dialect:
    def __init__(self, conn: sa.Connection) -> None:
        self.pg = conn.dialect.name == "postgresql"

    def seconds(self, start: Expr, end: Expr) -> Expr:
        """end - start in seconds (a float; milliseconds exact on both)."""
        if self.pg:
            return sa.func.round(sa.cast(sa.extract("epoch", end - start), sa.Numeric), 3).cast(sa.Float)
        return sa.func.round((sa.func.julianday(end) - sa.func.julianday(start)) * 86400.0, 3)

    def epoch(self, at: Expr) -> Expr:
        """Seconds since 1970 (whole), for bucketing."""
        if self.pg:
            return sa.cast(sa.func.floor(sa.extract("epoch", at)), sa.BigInteger)
        return sa.cast(sa.func.strftime(_lit("%s"), at), sa.Integer)

    def period(self, at: Expr, period: Period) -> Expr:
        """The first day of the UTC week (Monday) or month holding `at`, as YYYY-MM-DD."""
        if self.pg:
            unit = _lit("week" if period is Period.WEEK else "month")
            return sa.func.to_char(sa.func.date_trunc(unit, _utc(at)), _lit("YYYY-MM-DD"))
        if period is Period.WEEK:
            return sa.func.date(at, _lit("weekday 0"), _lit("-6 days"))
        return sa.func.strftime(_lit("%Y-%m-01"), at)


def _utc(at: Expr) -> Expr:
    return sa.func.timezone(_lit("UTC"), at)


def _lit(text: str) -> Expr:
    """A constant written into the statement, not bound: PostgreSQL matches a GROUP BY expression
    to its SELECT column only when both are spelled alike, and two binds are two parameters."""
    return sa.literal_column("'" + text.replace("'", "''") + "'")
