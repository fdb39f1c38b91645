"""The review template of PROCESS.md §10 as named Markdown sections."""

from __future__ import annotations

from collections.abc import Mapping

# key -> heading, in the order the review reads
SECTIONS: dict[str, str] = {
    "summary": "Summary",
    "customer_impact": "Customer impact",
    "detection": "Detection",
    "response": "Response",
    "root_cause": "Root cause",
    "five_whys": "Five whys",
    "went_well": "What went well",
    "went_wrong": "What went wrong",
    "lucky": "Where we got lucky",
}
# a near miss also records the barrier that caught it
NEAR_MISS_SECTIONS: dict[str, str] = {**SECTIONS, "barrier": "What caught it (the barrier)"}

PROMPTS: dict[str, str] = {
    "summary": "Services, team, minutes of impact; what happened in two sentences.",
    "customer_impact": "Who was affected, what they saw, how many, and the potential impact.",
    "detection": "How we found out; how we could detect it sooner.",
    "response": "How it was mitigated; how we could mitigate sooner.",
    "root_cause": "How it was diagnosed; an existing backlog item? the triggering change?",
    "five_whys": "1. Why ...?\n2. Why ...?\n3. Why ...?\n4. Why ...?\n5. Why ...?",
    "went_well": "",
    "went_wrong": "",
    "lucky": "",
    "barrier": "The check, alert or person that stopped it becoming an incident.",
}
MAX_SECTION = 50_000


def headings(near_miss: bool) -> Mapping[str, str]:
    return NEAR_MISS_SECTIONS if near_miss else SECTIONS


def empty_sections(near_miss: bool) -> dict[str, str]:
    return dict.fromkeys(headings(near_miss), "")
