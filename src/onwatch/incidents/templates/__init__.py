"""Text templates of the process (working document, announcements), overridable in config.

User templates run in Jinja2's sandbox: a config file must not be able to reach into onwatch.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

_env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)


def builtin(name: str) -> str:
    """The text of a built-in template, e.g. `document` -> templates/document.md.j2."""
    return resources.files(__package__).joinpath(f"{name}.md.j2").read_text(encoding="utf-8")


def template_error(text: str) -> str | None:
    """Why `text` is not a usable template, or None."""
    try:
        _env.from_string(text)
    except TemplateError as exc:
        line = getattr(exc, "lineno", None)
        return f"invalid template{f' (line {line})' if line else ''}: {exc.message or exc}"
    return None


def render(text: str, context: dict[str, Any]) -> str:
    """Render; an unknown variable or a runtime error in a user template raises TemplateError."""
    return _env.from_string(text).render(**context)
