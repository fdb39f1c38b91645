"""Parsing slash-command text into a command, pure: `/incident declare DB is slow --sev 2 --page imoc`."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from onwatch.kernel import choices
from onwatch.kernel.enums import Role, Severity
from onwatch.kernel.errors import InvalidInput

USAGE = """\
/incident declare <title> [--sev N] [--page imoc,cmoc|none] [--no-doc] [--no-announce]
/incident report <what you see>
/incident near-miss <what nearly happened> [--sev N] [--anonymous]
/incident state|status <id> <value>
/incident severity <id> <value> [reason]
/incident note <id> <text>
/incident ack|resolve <id>
/incident page <id> imoc|cmoc|eoc|security
/incident page imoc|cmoc|eoc|security <reason>   (no incident yet)
/incident engage-responder <id> <area or person> [reason]   (unanswered: their manager)
/incident tick|untick <id> <role> <item>   (an item of the role's checklist)
/oncall [role]
/who-knows <area>   (who knows it, who of them is on call or in working hours now)
/handoff [note for the next shift]
/feedback <alert group> actionable|not_actionable|incorrect|flappy|comment [comment]"""


@dataclass(frozen=True)
class ChatCommand:
    # declare, report, state, status, severity, note, ack, resolve, page, page_role, oncall, handoff,
    # who_knows, engage_responder, tick, untick, feedback, help
    verb: str
    incident_id: int | None = None
    group_id: int | None = None  # feedback: the alert group
    text: str = ""
    severity: Severity | None = None
    roles: frozenset[Role] = field(default_factory=frozenset)
    anonymous: bool = False  # a near miss filed without the reporter's name on the list
    reason: str = ""  # engage_responder: why they are needed
    # declare: chosen by the declarer, else (None / not chosen) the severity's defaults
    page_chosen: bool = False
    document: bool | None = None
    announce: bool | None = None


def _words(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:  # an unbalanced quote: take the words as typed
        return text.split()


def _incident_id(word: str | None) -> int:
    value = (word or "").lstrip("#")
    if not value.isdigit():
        raise InvalidInput(f"expected an incident number, got {word!r}", field="id")
    return int(value)


def _roles(value: str) -> frozenset[Role]:
    roles = set()
    for name in value.split(","):
        try:
            roles.add(Role(name.strip().lower()))
        except ValueError:
            raise InvalidInput(
                f"unknown role {name!r}; use eoc, imoc, cmoc or security", field="page"
            ) from None
    return frozenset(roles)


def parse(command: str, text: str) -> ChatCommand:
    """`command` is the slash command (/incident, /oncall, /handoff); `text` what followed it."""
    name = command.strip().lstrip("/").lower()
    if name == "oncall":
        return ChatCommand("oncall", text=text.strip().lower())
    if name == "handoff":
        return ChatCommand("handoff", text=text.strip())
    if name in ("who-knows", "whoknows", "who_knows"):
        if not text.strip():
            raise InvalidInput("name an area: /who-knows gitaly", field="expertise")
        return ChatCommand("who_knows", text=text.strip().lower())
    if name == "feedback":
        return _feedback(text)
    if name == "chatops":  # GitLab's `/chatops run oncall prod`: answered as /oncall
        words = text.strip().lower().split()
        if words[:2] != ["run", "oncall"]:
            raise InvalidInput(
                "only `/chatops run oncall [prod]` is known here; try /oncall", field="command"
            )
        roles = [w for w in words[2:] if w in {r.value for r in Role}]
        return ChatCommand("oncall", text=roles[0] if roles else "")
    if name != "incident":
        raise InvalidInput(f"unknown command /{name}", field="command")
    verb, _, rest = text.strip().partition(" ")
    verb = verb.lower()
    rest = rest.strip()
    if verb in ("", "help"):
        return ChatCommand("help")
    if verb == "declare":
        return _declare(rest)
    if verb == "report":
        if not rest:
            raise InvalidInput("say what you see: /incident report <text>", field="text")
        return ChatCommand("report", text=rest)
    if verb in ("near-miss", "near_miss", "nearmiss"):
        return _near_miss(rest)
    if verb in ("state", "status", "severity", "note", "page"):
        target, _, value = rest.partition(" ")
        if not value.strip():
            raise InvalidInput(f"usage: /incident {verb} <id> <value>", field="value")
        if verb == "page" and not target.lstrip("#").isdigit():  # `/incident page imoc <reason>`
            return ChatCommand("page_role", roles=_roles(target), text=value.strip())
        if verb == "page":
            return ChatCommand("page", _incident_id(target), roles=_roles(value.strip()))
        return ChatCommand(verb, _incident_id(target), text=value.strip())
    if verb in ("engage-responder", "engage_responder", "responder"):
        words = rest.split(maxsplit=2)
        if len(words) < 2:
            raise InvalidInput(
                "usage: /incident engage-responder <id> <area or person> [reason]", field="value"
            )
        reason = words[2].strip() if len(words) > 2 else ""
        return ChatCommand("engage_responder", _incident_id(words[0]), text=words[1], reason=reason)
    if verb in ("tick", "untick"):
        words = rest.split()
        if len(words) != 3:
            raise InvalidInput(f"usage: /incident {verb} <id> <role> <item>", field="value")
        return ChatCommand(verb, _incident_id(words[0]), roles=_roles(words[1]), text=words[2])
    if verb in ("ack", "resolve"):
        return ChatCommand(verb, _incident_id(rest.split()[0] if rest else None))
    raise InvalidInput(f"unknown subcommand {verb!r}; try /incident help", field="command")


def _declare(rest: str) -> ChatCommand:
    words = _words(rest)
    title: list[str] = []
    severity = Severity.S3
    roles: frozenset[Role] = frozenset()
    chosen = False
    flags: dict[str, bool] = {}
    i = 0
    while i < len(words):
        word = words[i]
        if word in ("--sev", "--severity", "-s") and i + 1 < len(words):
            severity = choices.severity(words[i + 1])
            i += 2
        elif word == "--page" and i + 1 < len(words):
            chosen = True
            roles = frozenset() if words[i + 1].lower() == "none" else _roles(words[i + 1])
            i += 2
        elif word in ("--no-doc", "--no-document", "--doc", "--document"):
            flags["document"] = not word.startswith("--no-")
            i += 1
        elif word in ("--no-announce", "--announce"):
            flags["announce"] = not word.startswith("--no-")
            i += 1
        else:
            title.append(word)
            i += 1
    if not title:
        raise InvalidInput("give the incident a title: /incident declare <title> [--sev N]", field="title")
    return ChatCommand(
        "declare",
        text=" ".join(title),
        severity=severity,
        roles=roles,
        page_chosen=chosen,
        document=flags.get("document"),
        announce=flags.get("announce"),
    )


def _near_miss(rest: str) -> ChatCommand:
    """`/incident near-miss Backups nearly filled /var --sev 2 --anonymous`: nobody is paged."""
    words = _words(rest)
    title: list[str] = []
    severity = Severity.S3
    anonymous = False
    i = 0
    while i < len(words):
        word = words[i]
        if word in ("--sev", "--severity", "-s") and i + 1 < len(words):
            severity = choices.severity(words[i + 1])
            i += 2
        elif word == "--anonymous":
            anonymous = True
            i += 1
        else:
            title.append(word)
            i += 1
    if not title:
        raise InvalidInput("say what nearly happened: /incident near-miss <text> [--sev N]", field="title")
    return ChatCommand("near_miss", text=" ".join(title), severity=severity, anonymous=anonymous)


def _feedback(text: str) -> ChatCommand:
    """`/feedback 12 flappy fires every deploy`: the group, the verdict (or `comment`), a comment."""
    target, _, rest = text.strip().partition(" ")
    verdict, _, comment = rest.strip().partition(" ")
    value = target.lstrip("#")
    if not value.isdigit() or not verdict:
        raise InvalidInput(
            "usage: /feedback <alert group> actionable|not_actionable|incorrect|flappy|comment [comment]",
            field="text",
        )
    return ChatCommand("feedback", group_id=int(value), text=f"{verdict.lower()} {comment.strip()}".strip())
