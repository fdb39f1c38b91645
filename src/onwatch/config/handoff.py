"""`handoff_reports:` section of the configuration: which roles' handoffs push the shift report to
the outgoing and the incoming person (reports/handoff)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from onwatch.kernel.enums import Role

REPORTABLE = (Role.EOC, Role.IMOC, Role.CMOC)


class HandoffReportsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    roles: list[Role] = Field(
        default_factory=list,
        description="roles whose every handoff sends the shift report (eoc, imoc, cmoc); none by default",
    )

    @field_validator("roles")
    @classmethod
    def _reportable(cls, roles: list[Role]) -> list[Role]:
        for role in roles:
            if role not in REPORTABLE:
                raise ValueError(f"{role.value} has no shift report; use eoc, imoc or cmoc")
        return list(dict.fromkeys(roles))
