"""What a running server tells the other processes on its database (`onwatch serve` writes, the CLI
and `onwatch worker` read): today its public URL, so links the CLI or a lone worker writes point
where the server's do, whether or not their shell sets ONWATCH_PUBLIC_URL.

Registered on the MetaData of onwatch.db.tables (which imports this module).
"""

from __future__ import annotations

import sqlalchemy as sa

from onwatch.db.metadata import metadata
from onwatch.db.types import UTCDateTime

server_facts = sa.Table(
    "server_facts",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),  # e.g. public_url
    sa.Column("value", sa.String(2048), nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)
