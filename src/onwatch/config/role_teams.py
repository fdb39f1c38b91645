"""Each role is held by its own people (PROCESS.md §2 rule 7): `roles.<role>.team` names the team
whose members may hold it. The config refuses a schedule of the role with someone outside it; the
commands ask `role_team_refusal` before anyone engages or is asked to take a role, and before an
override puts someone on a role's schedule."""

from __future__ import annotations

from onwatch.config.schema import OnwatchConfig
from onwatch.kernel.enums import Role


def role_team(config: OnwatchConfig, role: Role) -> tuple[str, frozenset[str]] | None:
    """(team id, its members) of the team that holds `role`, or None when any person may."""
    rc = config.roles.get(role)
    if rc is None or rc.team is None or rc.team not in config.teams:
        return None
    return rc.team, frozenset(config.teams[rc.team].members)


def role_team_refusal(config: OnwatchConfig, role: Role, person: str) -> str | None:
    """Why `person` may not hold `role`, or None."""
    found = role_team(config, role)
    if found is None or person in found[1]:
        return None
    team_id, _ = found
    return (
        f"{person} is not in {config.teams[team_id].name} (roles.{role.value}.team: {team_id}): "
        f"only its members hold the {role.name} role"
    )


def schedule_roles(config: OnwatchConfig, schedule_id: str) -> list[Role]:
    """The roles whose on-call person this schedule says."""
    return [role for role, rc in config.roles.items() if rc.schedule == schedule_id]


def override_refusal(config: OnwatchConfig, schedule_id: str, person: str) -> str | None:
    """Why an override may not put `person` on this schedule (they would hold its role), or None."""
    for role in schedule_roles(config, schedule_id):
        refused = role_team_refusal(config, role, person)
        if refused is not None:
            return refused
    return None


def check_role_teams(config: OnwatchConfig) -> list[tuple[str, str]]:
    """Schedule members outside the team of a role the schedule serves: (path, message) pairs."""
    issues: list[tuple[str, str]] = []
    for sid, sched in config.schedules.items():
        for role in schedule_roles(config, sid):
            found = role_team(config, role)
            if found is None:
                continue
            team_id, members = found
            for i, layer in enumerate(sched.layers):
                for j, member in enumerate(layer.rotation.members):
                    if member in config.people and member not in members:
                        issues.append(
                            (
                                f"schedules.{sid}.layers[{i}].rotation.members[{j}]",
                                f"{member} is not in team {team_id!r}, which holds the {role.name} role "
                                f"(roles.{role.value}.team)",
                            )
                        )
    return issues
