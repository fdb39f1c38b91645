"""Why the web page shows a review action disabled: the domain rule's own message, asked by trying
the command on a copy (so the page can never disagree with the rules)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime

from onwatch.kernel.enums import Severity
from onwatch.kernel.errors import DomainError
from onwatch.kernel.timeline import Actor
from onwatch.reviews.domain.enums import RootCause
from onwatch.reviews.domain.review import Review


def refusal(review: Review, attempt: Callable[[Review], object]) -> str | None:
    trial = copy.deepcopy(review)
    trial.new_events = []
    try:
        attempt(trial)
    except DomainError as exc:
        return exc.message
    return None


def review_refusals(review: Review, actor: Actor, now: datetime, open_actions: int) -> dict[str, str | None]:
    """action -> the reason it is refused (None: allowed). Completing is probed with a category and a
    severity filled in, since the form asks for those: what remains is who may, and the actions."""
    return {
        "edit": refusal(review, lambda r: r._check_editable()),
        "submit": refusal(review, lambda r: r.submit(actor, now)),
        "complete": refusal(
            review,
            lambda r: r.complete(
                category=RootCause.INDETERMINATE,
                final_severity=r.final_severity or Severity.S4,
                open_actions=open_actions,
                no_actions_reason="probe",
                actor=actor,
                now=now,
            ),
        ),
        "reopen": refusal(review, lambda r: r.reopen(actor, now)),
    }
