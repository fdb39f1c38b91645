"""The organisation chart's references (PROCESS.md §2 rule 8): managers, home teams, team owners and
schedules, areas of expertise. Each wrong reference is an issue at its path; a chain of managers that
comes back to where it started is one issue at the first person on it; the roles' checklist items
are ticked by id, so each role's ids are unique."""

from __future__ import annotations

from onwatch.config.schema import OnwatchConfig


def check_directory(config: OnwatchConfig) -> list[tuple[str, str]]:
    issues: list[tuple[str, str]] = []
    people, teams = config.people, config.teams
    for pid, person in people.items():
        if person.manager is not None:
            if person.manager == pid:
                issues.append((f"people.{pid}.manager", "a person cannot be their own manager"))
            elif person.manager not in people:
                issues.append((f"people.{pid}.manager", f"unknown person {person.manager!r}"))
        if person.team is not None:
            if person.team not in teams:
                issues.append((f"people.{pid}.team", f"unknown team {person.team!r}"))
            elif pid not in teams[person.team].members:
                issues.append(
                    (f"people.{pid}.team", f"{pid} is not in teams.{person.team}.members; list them there")
                )
        for i, area_id in enumerate(person.expertise):
            if area_id not in config.expertise:
                issues.append((f"people.{pid}.expertise[{i}]", f"unknown expertise {area_id!r}"))
    for tid, team in teams.items():
        if team.owner is not None and team.owner not in people:
            issues.append((f"teams.{tid}.owner", f"unknown person {team.owner!r}"))
        if team.schedule is not None and team.schedule not in config.schedules:
            issues.append((f"teams.{tid}.schedule", f"unknown schedule {team.schedule!r}"))
    for eid, area in config.expertise.items():
        if area.team is not None and area.team not in teams:
            issues.append((f"expertise.{eid}.team", f"unknown team {area.team!r}"))
    issues += _manager_cycles(config)
    issues += _checklist_ids(config)
    return issues


def _checklist_ids(config: OnwatchConfig) -> list[tuple[str, str]]:
    """Items are ticked by id: two items of one role under one id could not be told apart."""
    issues: list[tuple[str, str]] = []
    for role, rc in config.roles.items():
        seen: dict[str, int] = {}
        for i, item in enumerate(rc.checklist):
            first = seen.setdefault(item.id, i)
            if first != i:
                path = f"roles.{role.value}.checklist[{i}].id"
                issues.append((path, f"{item.id!r} is already the id of checklist[{first}]"))
    return issues


def _manager_cycles(config: OnwatchConfig) -> list[tuple[str, str]]:
    """Escalating to a manager must end: each cycle is reported once, at its smallest id."""
    managers = {pid: p.manager for pid, p in config.people.items() if p.manager in config.people}
    reported: set[str] = set()
    issues: list[tuple[str, str]] = []
    for start in sorted(managers):
        chain: list[str] = []
        current: str | None = start
        while current is not None and current not in chain and current not in reported:
            chain.append(current)
            current = managers.get(current)
        if current is None or current in reported:
            reported.update(chain)
            continue
        cycle = chain[chain.index(current) :]
        reported.update(chain)
        first = min(cycle)
        loop = cycle[cycle.index(first) :] + cycle[: cycle.index(first)] + [first]
        if first == config.people[first].manager:  # already reported as its own manager
            continue
        issues.append((f"people.{first}.manager", "managers form a cycle: " + " -> ".join(loop)))
    return issues
