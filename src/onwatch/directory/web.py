"""The team page and the organisational chart (PROCESS.md §2 rule 8: responders find the people they
need "using the organisational chart and the team page, which lists areas of expertise"): /teams,
/teams/{id} (owner, on-call now, members with title, expertise and whether they can answer now,
services and areas owned) and /org (everyone under their manager)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from onwatch.config.schema import OnwatchConfig
from onwatch.directory.access import hidden_schedules
from onwatch.directory.experts import Expert, expert
from onwatch.kernel.errors import NotFound
from onwatch.web.auth import WebUser
from onwatch.web.context import Web, signed_in, web

router = APIRouter(include_in_schema=False)

User = Annotated[WebUser, Depends(signed_in)]
W = Annotated[Web, Depends(web)]


@dataclass
class OrgNode:
    person: Expert
    reports: list[OrgNode] = field(default_factory=list)


def _directory(w: Web, user: WebUser) -> tuple[OnwatchConfig, dict[str, list[str]]] | None:
    """The config and who is on call now, without the schedules this person may not see."""
    try:
        config = w.oncall.applied().config
    except NotFound:
        return None
    hidden = hidden_schedules(config, user.access.level)
    on_call = {
        person: kept
        for person, schedules in w.oncall.on_call_now().items()
        if (kept := [s for s in schedules if s not in hidden])
    }
    return config, on_call


def _people(
    w: Web, config: OnwatchConfig, ids: Sequence[str], on_call: Mapping[str, Sequence[str]]
) -> list[Expert]:
    now = w.clock.now()
    return sorted(
        (expert(config, pid, on_call, now) for pid in ids if pid in config.people), key=lambda e: e.name
    )


@router.get("/teams")
def teams_page(request: Request, w: W, user: User) -> Response:
    found = _directory(w, user)
    if found is None:
        return w.page(request, "not_found.html", user, status_code=404, what="a configuration")
    config, on_call = found
    rows = []
    for tid, team in sorted(config.teams.items(), key=lambda t: t[1].name.lower()):
        current = next((pid for pid, s in on_call.items() if team.schedule in s), None)
        rows.append({"id": tid, "team": team, "on_call": current, "size": len(team.members)})
    return w.page(request, "teams.html", user, teams=rows, people=config.people)


@router.get("/teams/{team_id}")
def team_page(request: Request, team_id: str, w: W, user: User) -> Response:
    found = _directory(w, user)
    team = found[0].teams.get(team_id) if found is not None else None
    if found is None or team is None:
        return w.page(request, "not_found.html", user, status_code=404, what=f"team {team_id}")
    config, on_call = found
    members = _people(w, config, team.members, on_call)
    current = next((pid for pid, s in on_call.items() if team.schedule in s), None)
    hidden = team.schedule is not None and team.schedule in hidden_schedules(config, user.access.level)
    return w.page(
        request, "team.html", user,
        team_id=team_id, team=team, members=members, people=config.people, on_call=current,
        schedule_hidden=hidden,
        services={sid: s for sid, s in config.services.items() if s.team == team_id},
        expertise={eid: e for eid, e in config.expertise.items() if e.team == team_id},
        areas=config.expertise,
    )  # fmt: skip


@router.get("/org")
def org_chart(request: Request, w: W, user: User) -> Response:
    found = _directory(w, user)
    if found is None:
        return w.page(request, "not_found.html", user, status_code=404, what="a configuration")
    config, on_call = found
    nodes = {e.person_id: OrgNode(e) for e in _people(w, config, list(config.people), on_call)}
    roots: list[OrgNode] = []
    for pid, node in nodes.items():
        manager = config.people[pid].manager
        (nodes[manager].reports if manager in nodes else roots).append(node)
    return w.page(request, "org.html", user, roots=roots, teams=config.teams, areas=config.expertise)
