"""Two commands that read the same incident, review or corrective action and both write it: the
second write is refused (409, "changed meanwhile") instead of silently undoing the first, with one
rule for all three (db/versioned.py)."""

from __future__ import annotations

import pytest

from onwatch.db.uow import Database
from onwatch.incidents.store.incidents import IncidentRepository
from onwatch.kernel.clock import FakeClock
from onwatch.kernel.enums import Interface
from onwatch.kernel.errors import ConcurrentModification
from onwatch.kernel.timeline import Actor
from onwatch.reviews.store.actions import ActionRepository
from onwatch.reviews.store.reviews import ReviewRepository
from tests.api_helpers import ClientFactory
from tests.reviews.helpers import ok, resolved_incident

LUKAS = Actor.person("lukas", Interface.API)
MARIA = Actor.person("maria", Interface.API)


def test_a_second_writer_of_a_stale_incident_review_or_action_is_refused(
    as_: ClientFactory, clock: FakeClock, db: Database
) -> None:
    n = resolved_incident(as_, clock)
    lukas = as_("lukas")
    rid = ok(lukas.get(f"/api/v1/incidents/{n}/review"))["id"]
    aid = ok(lukas.post(f"/api/v1/reviews/{rid}/actions", json={"title": "Add a replica"}), 201)["id"]
    now = clock.now()
    with db.write() as uow:
        # two commands' repositories over the same rows: both read, the first one writes
        first, second = IncidentRepository(uow.conn), IncidentRepository(uow.conn)
        mine, theirs = first.get(n), second.get(n)
        theirs.change_title("Checkout errors after the deploy", MARIA, now)
        second.save(theirs)
        mine.change_title("Checkout down", LUKAS, now)
        with pytest.raises(ConcurrentModification, match=f"incident {n} changed meanwhile"):
            first.save(mine)

        reviews_a, reviews_b = ReviewRepository(uow.conn), ReviewRepository(uow.conn)
        mine_r, theirs_r = reviews_a.get(rid), reviews_b.get(rid)
        theirs_r.edit({"summary": "theirs"}, theirs_r.version, MARIA, now)
        reviews_b.save(theirs_r, "maria")
        mine_r.reassign("maria", LUKAS, now)
        with pytest.raises(ConcurrentModification, match=f"review {rid} changed meanwhile"):
            reviews_a.save(mine_r, "lukas")

        actions_a, actions_b = ActionRepository(uow.conn), ActionRepository(uow.conn)
        mine_a, theirs_a = actions_a.get(aid), actions_b.get(aid)
        theirs_a.change(MARIA, now, title="Add two replicas")
        actions_b.save(theirs_a)
        mine_a.change(LUKAS, now, title="Add a read replica")
        with pytest.raises(ConcurrentModification, match=f"corrective action {aid} changed meanwhile"):
            actions_a.save(mine_a)
        # the same repository writing twice in one command is not a conflict
        theirs_a.change(MARIA, now, title="Add three replicas")
        actions_b.save(theirs_a)
