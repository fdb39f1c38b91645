"""How deep a JSON body nests is read from its brackets, not from brackets inside its strings."""

from __future__ import annotations

import orjson

from onwatch.kernel.bounds import raw_too_deep, too_deep


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    text = orjson.dumps({"note": "[" * 500 + '\\"{' * 100, "list": [[1]]})
    assert not raw_too_deep(text)
    assert too_deep(orjson.loads(text)) is None


def test_nesting_one_past_the_bound_is_too_deep_and_names_the_field() -> None:
    body = {"samples": [{"x": orjson.loads("[" * 62 + "]" * 62)}]}
    assert too_deep(body) == "samples[0].x"
    assert raw_too_deep(orjson.dumps(body))
    within = {"samples": [{"x": orjson.loads("[" * 61 + "]" * 61)}]}
    assert too_deep(within) is None and not raw_too_deep(orjson.dumps(within))


def test_text_that_is_not_json_is_measured_as_deep_as_its_brackets() -> None:
    assert raw_too_deep(b"[" * 65)
    assert not raw_too_deep(b"[" * 64 + b"garbage")
