"""Full-text search over incidents, reviews and near misses with the database's own engine
(PostgreSQL: stored tsvectors, the AND of the words, ranked by ts_rank; SQLite: FTS5 kept
by triggers, ranked by bm25), and the repeat detection built on it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa

from onwatch.db.tables import alert_groups, alerts, incident_services, incidents
from onwatch.db.tables_reviews import reviews
from onwatch.reviews.store.stopwords import STOP_WORDS

MAX_WORDS = 20
RANKED = 500  # matches ranked per table, the most recent first
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Hit:
    kind: str  # "incident", "review", "near_miss"
    id: int
    title: str
    incident_id: int | None
    rank: float
    why: list[str] = field(default_factory=list)


def words(text: str) -> list[str]:
    """The words a query looks for: lower case, without the stop words neither engine matches."""
    return [w for w in (w.lower() for w in _WORD.findall(text)) if w not in STOP_WORDS][:MAX_WORDS]


def _match(
    conn: sa.Connection, table: str, text: str, *, any_word: bool, limit: int
) -> list[tuple[int, float]]:
    """(row id, rank) of the rows of `incidents` or `reviews` matching the words, best first."""
    found = words(text)
    if not found:
        return []
    # ranked among the RANKED most recent matches: a word that is in most documents costs a bounded
    # ranking (new incidents matter most), not one per matching row
    if conn.dialect.name == "sqlite":
        query = (" OR " if any_word else " ").join(f'"{w}"' for w in found)
        rows = conn.execute(
            sa.text(
                f"SELECT id, score FROM (SELECT rowid AS id, rank AS score FROM fts_{table} "
                f"WHERE fts_{table} MATCH :q ORDER BY rowid DESC LIMIT :window) ORDER BY score LIMIT :n"
            ),
            {"q": query, "n": limit, "window": RANKED},
        )
        return [(int(r[0]), -float(r[1])) for r in rows]
    tsquery = (" | " if any_word else " & ").join(found)
    # MATERIALIZED: the GIN index finds the matches; left to itself the planner walks the primary
    # key backwards filtering every row, which reads all of them when few match
    rows = conn.execute(
        sa.text(
            f"WITH matched AS MATERIALIZED (SELECT id FROM {table} "
            "WHERE fts_vector @@ to_tsquery('english', :q)), "
            "recent AS (SELECT id FROM matched ORDER BY id DESC LIMIT :window) "
            f"SELECT t.id, ts_rank(t.fts_vector, to_tsquery('english', :q)) AS rank FROM {table} t "
            "JOIN recent ON recent.id = t.id ORDER BY rank DESC, t.id DESC LIMIT :n"
        ),
        {"q": tsquery, "n": limit, "window": RANKED},
    )
    return [(int(r[0]), float(r[1])) for r in rows]


class SearchRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def search(self, text: str, *, hidden: frozenset[int] = frozenset(), limit: int = 50) -> list[Hit]:
        """Incidents, reviews and near misses whose text has every word, best first."""
        return self._hits(text, hidden=hidden, limit=limit, any_word=False)

    def _hits(self, text: str, *, hidden: frozenset[int], limit: int, any_word: bool) -> list[Hit]:
        found = _match(self.conn, "incidents", text, any_word=any_word, limit=limit + len(hidden))
        found_reviews = _match(self.conn, "reviews", text, any_word=any_word, limit=limit + len(hidden))
        hits: list[Hit] = []
        if found:
            titles = dict(
                self.conn.execute(
                    sa.select(incidents.c.id, incidents.c.title).where(
                        incidents.c.id.in_([i for i, _ in found])
                    )
                ).all()
            )
            hits += [
                Hit("incident", i, titles[i], i, rank) for i, rank in found if i not in hidden and i in titles
            ]
        if found_reviews:
            rows = {
                r.id: r
                for r in self.conn.execute(
                    sa.select(reviews.c.id, reviews.c.title, reviews.c.kind, reviews.c.incident_id).where(
                        reviews.c.id.in_([i for i, _ in found_reviews])
                    )
                )
            }
            for i, rank in found_reviews:
                row = rows.get(i)
                if row is None or (row.incident_id is not None and row.incident_id in hidden):
                    continue
                hits.append(
                    Hit(
                        "near_miss" if row.kind == "near_miss" else "review",
                        i,
                        row.title,
                        row.incident_id,
                        rank,
                    )
                )
        hits.sort(key=lambda h: (-h.rank, h.kind, -h.id))
        return hits[:limit]

    def similar_to(
        self, incident_id: int, *, hidden: frozenset[int] = frozenset(), limit: int = 20
    ) -> list[Hit]:
        """Past incidents and near misses like this incident: the same alert fingerprints, the same
        service, or similar text (any word of the title), the strongest reasons first."""
        title = self.conn.execute(
            sa.select(incidents.c.title).where(incidents.c.id == incident_id)
        ).scalar_one()
        fingerprints = self.conn.execute(
            sa.select(alerts.c.dedup_key)
            .join(alert_groups, alert_groups.c.id == alerts.c.group_id)
            .where(alert_groups.c.incident_id == incident_id)
            .distinct()
        ).scalars()
        services = self.conn.execute(
            sa.select(incident_services.c.service_id).where(incident_services.c.incident_id == incident_id)
        ).scalars()
        return self.like(
            title, list(services), list(fingerprints), exclude=incident_id, hidden=hidden, limit=limit
        )

    def like(
        self,
        title: str,
        services: Sequence[str],
        fingerprints: Sequence[str] = (),
        *,
        exclude: int | None = None,
        exclude_near_miss: int | None = None,
        hidden: frozenset[int] = frozenset(),
        limit: int = 20,
    ) -> list[Hit]:
        """Past incidents and near misses like an incident with this title, these services and these
        alert fingerprints (one being declared has no id yet: `exclude` is the one that has; a near
        miss just filed is `exclude_near_miss`)."""
        reasons: dict[tuple[str, int], list[str]] = {}
        titles: dict[tuple[str, int], tuple[str, int | None]] = {}
        if fingerprints:
            same_alerts = self.conn.execute(
                sa.select(alert_groups.c.incident_id)
                .join(alerts, alerts.c.group_id == alert_groups.c.id)
                .where(alerts.c.dedup_key.in_(list(fingerprints)), alert_groups.c.incident_id.is_not(None))
                .distinct()
            )
            for (other,) in same_alerts:
                reasons.setdefault(("incident", other), []).append("the same alert fingerprints")
        if services:
            same_service = self.conn.execute(
                sa.select(incident_services.c.incident_id)
                .where(incident_services.c.service_id.in_(list(services)))
                .distinct()
                .order_by(incident_services.c.incident_id.desc())
                .limit(limit * 2)
            )
            for (other,) in same_service:
                reasons.setdefault(("incident", other), []).append("the same service")
        for hit in self._hits(title, hidden=hidden, limit=limit * 2, any_word=True):
            key = (
                ("incident", hit.incident_id)
                if hit.kind == "review" and hit.incident_id
                else (hit.kind, hit.id)
            )
            reasons.setdefault(key, []).append("similar text")
        wanted = set(services)
        if wanted:
            near_miss_services = self.conn.execute(
                sa.select(reviews.c.id, reviews.c.services).where(reviews.c.kind == "near_miss")
            )
            for rid, svc in near_miss_services:
                if wanted & set(svc or []):
                    reasons.setdefault(("near_miss", rid), []).append("the same service")
        if exclude is not None:
            reasons.pop(("incident", exclude), None)
        if exclude_near_miss is not None:
            reasons.pop(("near_miss", exclude_near_miss), None)
        keys = [k for k in reasons if not (k[0] == "incident" and k[1] in hidden)]
        incident_ids = [k[1] for k in keys if k[0] == "incident"]
        near_ids = [k[1] for k in keys if k[0] == "near_miss"]
        if incident_ids:
            for i, t in self.conn.execute(
                sa.select(incidents.c.id, incidents.c.title).where(incidents.c.id.in_(incident_ids))
            ):
                titles[("incident", i)] = (t, i)
        if near_ids:
            for i, t in self.conn.execute(
                sa.select(reviews.c.id, reviews.c.title).where(reviews.c.id.in_(near_ids))
            ):
                titles[("near_miss", i)] = (t, None)
        # each reason counts once (an incident whose title and review both match is "similar text"
        # once), so an item matching strictly more reasons always ranks higher
        weight = {"the same alert fingerprints": 3.0, "the same service": 1.0, "similar text": 1.5}
        hits = [
            Hit(
                k[0],
                k[1],
                titles[k][0],
                titles[k][1],
                sum(weight[w] for w in set(reasons[k])),
                sorted(set(reasons[k])),
            )
            for k in keys
            if k in titles
        ]
        # ties: incidents before near misses, the newest first (ids of the two kinds are unrelated)
        hits.sort(key=lambda h: (-h.rank, h.kind, -h.id))
        return hits[:limit]
