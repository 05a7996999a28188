"""The README documents every setting and the commands that exist."""

from pathlib import Path

from elearning.cli import main
from elearning.config import SETTINGS

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_every_setting_is_documented():
    missing = [s.env for s in SETTINGS if f"`{s.env}`" not in README]
    assert missing == []


def test_documented_commands_exist():
    for command in ("serve", "db", "users", "demo", "content", "certificates"):
        assert command in main.commands
        assert f"elearning {command}" in README
    assert "bash .ci/run" in README
