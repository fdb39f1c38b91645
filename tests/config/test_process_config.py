"""Process settings in the config: templates from files, checked references, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from onwatch.config.loader import ConfigError, load_config_file
from tests.conftest import DEMO_CONFIG


def write_config(tmp_path: Path, process_extra: str) -> Path:
    text = DEMO_CONFIG.read_text().replace("  review_due: 14d\n", f"  review_due: 14d\n{process_extra}")
    path = tmp_path / "onwatch.yaml"
    path.write_text(text)
    return path


def issues(path: Path) -> dict[str, str]:
    with pytest.raises(ConfigError) as err:
        load_config_file(path)
    return {i.path: i.message for i in err.value.issues}


def test_a_template_file_is_read_relative_to_the_config_and_stored_with_it(tmp_path: Path) -> None:
    (tmp_path / "doc.md.j2").write_text("# {{ incident.title }} ({{ incident.severity }})\n")
    config = load_config_file(write_config(tmp_path, "  templates:\n    document: {file: doc.md.j2}\n"))
    assert config.process.templates.document is not None
    assert config.process.templates.document.text == "# {{ incident.title }} ({{ incident.severity }})\n"


def test_a_missing_or_broken_template_is_an_error_naming_its_path(tmp_path: Path) -> None:
    missing = issues(write_config(tmp_path, "  templates:\n    document: {file: nowhere.j2}\n"))
    assert "cannot read" in missing["process.templates.document.file"]
    (tmp_path / "bad.j2").write_text("{% if %}")
    broken = issues(write_config(tmp_path, "  templates:\n    announcement: {file: bad.j2}\n"))
    assert broken["process.templates.announcement"].startswith("invalid template (line 1)")


def test_process_references_are_checked(tmp_path: Path) -> None:
    path = write_config(tmp_path, "")
    text = path.read_text()
    path.write_text(text.replace("cmoc_auto_page: [S1]", "cmoc_auto_page: [S1, S9]"))
    assert "unknown severity 'S9'" in issues(path)["process.cmoc_auto_page"]
    path.write_text(
        text.replace(
            "announce_channels: [production, incident_management]", "announce_channels: [production, pager]"
        )
    )
    assert issues(path) == {"process.announce_channels[1]": "unknown channel 'pager'"}


def test_two_people_cannot_share_a_chat_id(tmp_path: Path) -> None:
    path = write_config(tmp_path, "")
    path.write_text(path.read_text().replace("chat_id: U01LUKAS", "chat_id: U01AMARA"))
    assert issues(path)["people.lukas.chat_id"] == "already used by people.amara"
