"""The English stop words of PostgreSQL's `english` text search configuration (its
tsearch_data/english.stop): PostgreSQL never indexes or matches them, so onwatch leaves them out
of every query on SQLite too, and both databases find the same incidents for the same words."""

from __future__ import annotations

# one string, as PostgreSQL's file lists them (a list literal would be 127 lines)
STOP_WORDS = frozenset(
    """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his himself
    she her hers herself it its itself they them their theirs themselves what which who whom
    this that these those am is are was were be been being have has had having do does did doing
    a an the and but if or because as until while of at by for with about against between into
    through during before after above below to from up down in out on off over under again
    further then once here there when where why how all any both each few more most other some
    such no nor not only own same so than too very s t can will just don should now
    """.split()  # noqa: SIM905
)
