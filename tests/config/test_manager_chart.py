"""The management chart an unanswered responder page climbs must end: the config refuses any manager
cycle, and accepts every chart without one (property-based: random charts of up to 8 people)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from onwatch.config.directory import check_directory
from onwatch.config.schema import OnwatchConfig
from onwatch.directory.experts import managers_of

PEOPLE = [f"p{i}" for i in range(8)]


def chart(managers: dict[str, str | None]) -> OnwatchConfig:
    return OnwatchConfig.model_validate(
        {
            "organisation": {"name": "Acme"},
            "people": {
                p: {"name": p, "email": f"{p}@acme.example", **({"manager": m} if m else {})}
                for p, m in managers.items()
            },
        }
    )


def has_cycle(managers: dict[str, str | None]) -> bool:
    for start in managers:
        seen, current = set(), managers.get(start)
        while current is not None and current not in seen:
            if current == start:
                return True
            seen.add(current)
            current = managers.get(current)
    return False


charts = st.integers(min_value=1, max_value=8).flatmap(
    lambda n: st.fixed_dictionaries(
        {p: st.one_of(st.none(), st.sampled_from(PEOPLE[:n])) for p in PEOPLE[:n]}
    )
)


@given(charts)
def test_a_manager_cycle_is_refused_and_a_chart_without_one_is_accepted(
    managers: dict[str, str | None],
) -> None:
    issues = [(path, msg) for path, msg in check_directory(chart(managers)) if path.endswith(".manager")]
    assert bool(issues) == has_cycle(managers)
    if not issues:  # then every climb ends, at someone with no manager, naming nobody twice
        for person in managers:
            chain = managers_of(chart(managers), person)
            assert len(chain) == len(set(chain)) and person not in chain
            assert not chain or managers[chain[-1]] is None
