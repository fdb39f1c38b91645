"""Role checklists on an incident (PROCESS.md §2 rule 9), pure: a role's items with who ticked each
and when; a role's checklist shows once the role has engaged on the incident."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from onwatch.kernel.enums import Role


@dataclass(frozen=True)
class Item:
    id: str
    text: str
    required: bool


@dataclass(frozen=True)
class Tick:
    by: str
    at: datetime


@dataclass(frozen=True)
class ItemState:
    item: Item
    tick: Tick | None

    @property
    def done(self) -> bool:
        return self.tick is not None


@dataclass(frozen=True)
class RoleChecklist:
    role: Role
    items: tuple[ItemState, ...]

    @property
    def done(self) -> int:
        return sum(1 for i in self.items if i.done)

    @property
    def open_required(self) -> list[Item]:
        """Required items nobody ticked: the review's prefill lists them."""
        return [i.item for i in self.items if i.item.required and not i.done]

    def item(self, item_id: str) -> Item | None:
        return next((i.item for i in self.items if i.item.id == item_id), None)


def checklists(
    engaged: Sequence[Role], items: Mapping[Role, Sequence[Item]], ticks: Mapping[tuple[Role, str], Tick]
) -> list[RoleChecklist]:
    """The checklists of the roles that engaged (in the process's order), each item with its tick."""
    return [
        RoleChecklist(role, tuple(ItemState(i, ticks.get((role, i.id))) for i in items.get(role, ())))
        for role in Role
        if role in engaged and items.get(role)
    ]


def text_lines(checklist: RoleChecklist) -> list[str]:
    """The checklist as plain lines for pages and chat: "[x] ..." ticked, "[ ] ..." open."""
    return [
        f"[{'x' if s.done else ' '}] {s.item.text} ({s.item.id}{'' if s.item.required else ', optional'})"
        for s in checklist.items
    ]
