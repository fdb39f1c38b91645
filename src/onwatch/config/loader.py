"""Turn YAML text into a validated OnwatchConfig, or a list of errors that each name their path."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from onwatch.config.directory import check_directory
from onwatch.config.follow_ups import check_follow_ups
from onwatch.config.paging import check_paging
from onwatch.config.role_teams import check_role_teams
from onwatch.config.schedules import check_schedule
from onwatch.config.schema import ENTITY_SECTIONS, ChannelType, OnwatchConfig, default_severities, is_valid_id
from onwatch.config.slo import check_slo
from onwatch.incidents.templates import template_error
from onwatch.kernel.bounds import MAX_JSON_DEPTH

MAX_CONFIG_BYTES = 5 * 1024 * 1024
SEVERITY_KEYS = ("S1", "S2", "S3", "S4")


@dataclass(frozen=True)
class ConfigIssue:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class ConfigError(Exception):
    """The configuration is invalid; nothing was applied."""

    def __init__(self, issues: list[ConfigIssue]) -> None:
        super().__init__("\n".join(str(i) for i in issues))
        self.issues = issues


class _UniqueKeyLoader(yaml.SafeLoader):
    """A SafeLoader that refuses duplicate keys instead of silently keeping the last one, and
    nesting deeper than kernel.bounds.MAX_JSON_DEPTH (its composer and constructor recurse)."""

    _depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_JSON_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise yaml.MarkedYAMLError(
                    problem=f"nests deeper than {MAX_JSON_DEPTH} levels", problem_mark=mark
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _construct_mapping(
    loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False
) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            mark = key_node.start_mark
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (line {mark.line + 1}, column {mark.column + 1})", mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)

# libyaml parses ~20x faster than the pure-Python scanner (a 600 kB imported config: 10 s -> 0.5 s);
# its composer recurses in C, so the nesting bound is checked on its event stream first
_CLoader: type[Any] | None = getattr(yaml, "CSafeLoader", None)
if _CLoader is not None:
    _CUniqueKeyLoader: type[Any] = type("_CUniqueKeyLoader", (_CLoader,), {})
    _CUniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)

_NODE_EVENTS = (yaml.ScalarEvent, yaml.AliasEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent)
_OPENING = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSING = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def _load_fast(text: str, loader: type[Any]) -> Any:
    """The same bound as _UniqueKeyLoader: no node deeper than MAX_JSON_DEPTH."""
    depth = 0
    too_deep = f"nests deeper than {MAX_JSON_DEPTH} levels"
    try:
        for event in yaml.parse(text, Loader=loader):
            if isinstance(event, _NODE_EVENTS) and depth + 1 > MAX_JSON_DEPTH:
                mark: Any = event.start_mark  # libyaml's own Mark type, read the same way
                raise yaml.MarkedYAMLError(problem=too_deep, problem_mark=mark)
            if isinstance(event, _OPENING):
                depth += 1
            elif isinstance(event, _CLOSING):
                depth -= 1
    except yaml.MarkedYAMLError as exc:
        # libyaml's scanner reads ahead and stops at its own bound (1,000 levels) first
        if "maximum nesting depth" in str(exc.problem):
            raise yaml.MarkedYAMLError(problem=too_deep, problem_mark=exc.problem_mark) from None
        raise
    return yaml.load(text, Loader=loader)


def format_loc(loc: Iterable[int | str]) -> str:
    """('services', 'web', 'slo', 'apdex') -> services.web.slo.apdex; list indices as [1]."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _clean_message(msg: str) -> str:
    return msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def parse_yaml(text: str) -> dict[str, Any]:
    if len(text.encode()) > MAX_CONFIG_BYTES:
        raise ConfigError([ConfigIssue("", f"config is larger than {MAX_CONFIG_BYTES} bytes")])
    try:
        data = (
            _load_fast(text, _CUniqueKeyLoader)
            if _CLoader is not None
            else yaml.load(text, Loader=_UniqueKeyLoader)
        )
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError([ConfigIssue("", f"malformed YAML: {where}{problem}")]) from None
    if not isinstance(data, dict):
        raise ConfigError(
            [ConfigIssue("", "the config must be a YAML mapping with 'organisation', 'people', ...")]
        )
    return data


def load_config(text: str) -> OnwatchConfig:
    return validate_config(parse_yaml(text))


def load_config_file(path: Path) -> OnwatchConfig:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError([ConfigIssue("", f"cannot read {path}: {exc.strerror}")]) from None
    data = parse_yaml(text)
    _inline_template_files(data, path.parent)
    return validate_config(data)


def _inline_template_files(data: dict[str, Any], base: Path) -> None:
    """Template files are read now and stored with the config, so every replica renders the same."""
    templates = data.get("process", {}).get("templates") if isinstance(data.get("process"), dict) else None
    if not isinstance(templates, dict):
        return
    for name, ref in templates.items():
        if isinstance(ref, dict) and isinstance(ref.get("file"), str) and "text" not in ref:
            file = base / ref["file"]
            try:
                ref["text"] = file.read_text(encoding="utf-8")
            except OSError as exc:
                raise ConfigError(
                    [ConfigIssue(f"process.templates.{name}.file", f"cannot read {file}: {exc.strerror}")]
                ) from None


def validate_config(data: dict[str, Any]) -> OnwatchConfig:
    issues = _check_keys(data)
    severities = data.get("severities")
    if isinstance(severities, dict):
        merged: dict[str, Any] = {k: v.model_dump(mode="json") for k, v in default_severities().items()}
        merged.update(severities)
        data = {**data, "severities": merged}
    try:
        config = OnwatchConfig.model_validate(data)
    except ValidationError as exc:
        issues += [ConfigIssue(format_loc(e["loc"]), _clean_message(e["msg"])) for e in exc.errors()]
        raise ConfigError(issues) from None
    issues += _check_references(config)
    if issues:
        raise ConfigError(issues)
    return config


def _check_keys(data: dict[str, Any]) -> list[ConfigIssue]:
    """Ids are used in URLs, labels and commands: lower-case letters, digits, '-' and '_'."""
    issues: list[ConfigIssue] = []
    for section in ENTITY_SECTIONS:
        entries = data.get(section)
        if isinstance(entries, dict):
            for key in entries:
                if not isinstance(key, str) or not is_valid_id(key):
                    issues.append(ConfigIssue(f"{section}.{key}", "ids use a-z, 0-9, '-' and '_' (max 64)"))
    severities = data.get("severities")
    if isinstance(severities, dict):
        for key in severities:
            if key not in SEVERITY_KEYS:
                issues.append(ConfigIssue(f"severities.{key}", "severities are S1, S2, S3 and S4"))
    return issues


def _check_references(config: OnwatchConfig) -> list[ConfigIssue]:
    issues: list[ConfigIssue] = []
    emails: dict[str, str] = {}
    for pid, person in config.people.items():
        other = emails.setdefault(person.email.lower(), pid)
        if other != pid:
            issues.append(ConfigIssue(f"people.{pid}.email", f"already used by people.{other}"))
    for tid, team in config.teams.items():
        for i, member in enumerate(team.members):
            if member not in config.people:
                issues.append(ConfigIssue(f"teams.{tid}.members[{i}]", f"unknown person {member!r}"))
    for role, rc in config.roles.items():
        if rc.team is not None and rc.team not in config.teams:
            issues.append(ConfigIssue(f"roles.{role.value}.team", f"unknown team {rc.team!r}"))
        if rc.schedule is not None and rc.schedule not in config.schedules:
            issues.append(ConfigIssue(f"roles.{role.value}.schedule", f"unknown schedule {rc.schedule!r}"))
    for sid, sched in config.schedules.items():
        issues += [ConfigIssue(path, msg) for path, msg in check_schedule(sid, sched, set(config.people))]
    issues += [ConfigIssue(path, msg) for path, msg in check_role_teams(config)]
    issues += [ConfigIssue(path, msg) for path, msg in check_directory(config)]
    paging = check_paging(
        config.escalation_policies,
        config.integrations,
        config.heartbeats,
        people=set(config.people),
        channels=set(config.channels),
        services=set(config.services),
        roles_with_schedules={r for r, rc in config.roles.items() if rc.schedule},
    )
    issues += [ConfigIssue(path, msg) for path, msg in paging]
    issues += _check_process(config)
    for sid, svc in config.services.items():
        if svc.team is not None and svc.team not in config.teams:
            issues.append(ConfigIssue(f"services.{sid}.team", f"unknown team {svc.team!r}"))
    slo = check_slo(
        config.slo, {sid: svc.slo for sid, svc in config.services.items()}, set(config.integrations)
    )
    issues += [ConfigIssue(path, msg) for path, msg in slo]
    webhooks = {cid for cid, c in config.channels.items() if c.type is ChannelType.WEBHOOK}
    follow_ups = check_follow_ups(config.follow_ups, webhooks, set(config.channels))
    issues += [ConfigIssue(path, msg) for path, msg in follow_ups]
    return issues


def _check_process(config: OnwatchConfig) -> list[ConfigIssue]:
    issues: list[ConfigIssue] = []
    process = config.process
    policy = process.escalation_policy
    if policy is not None and policy not in config.escalation_policies:
        issues.append(ConfigIssue("process.escalation_policy", f"unknown escalation policy {policy!r}"))
    for i, channel in enumerate(process.announce_channels or []):
        if channel not in config.channels:
            issues.append(ConfigIssue(f"process.announce_channels[{i}]", f"unknown channel {channel!r}"))
    if process.advocates_channel is not None and process.advocates_channel not in config.channels:
        issues.append(
            ConfigIssue("process.advocates_channel", f"unknown channel {process.advocates_channel!r}")
        )
    for name in ("document", "announcement"):
        template = getattr(process.templates, name)
        if template is not None and template.text is not None:
            problem = template_error(template.text)
            if problem:
                issues.append(ConfigIssue(f"process.templates.{name}", problem))
    digest = config.reviews.digest
    for i, person_id in enumerate(digest.to):
        if person_id not in config.people:
            issues.append(ConfigIssue(f"reviews.digest.to[{i}]", f"unknown person {person_id!r}"))
    if digest.channel is not None and digest.channel not in config.channels:
        issues.append(ConfigIssue("reviews.digest.channel", f"unknown channel {digest.channel!r}"))
    weekly = config.reports.digest
    if weekly is not None:
        for i, person_id in enumerate(weekly.to):
            if person_id not in config.people:
                issues.append(ConfigIssue(f"reports.digest.to[{i}]", f"unknown person {person_id!r}"))
        if weekly.channel is not None and weekly.channel not in config.channels:
            issues.append(ConfigIssue("reports.digest.channel", f"unknown channel {weekly.channel!r}"))
    chat_ids: dict[str, str] = {}
    for pid, person in config.people.items():
        if person.chat_id:
            other = chat_ids.setdefault(person.chat_id, pid)
            if other != pid:
                issues.append(ConfigIssue(f"people.{pid}.chat_id", f"already used by people.{other}"))
    return issues
