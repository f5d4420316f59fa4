"""Writing one setting back to the user's config file: other keys and comments survive."""

from __future__ import annotations

from pathlib import Path

import pytest

from backdev import paths
from backdev.settings import SettingsError, load_settings
from backdev.user_config import save_user_setting


def test_creates_the_file_and_settings_read_it_back(project: Path) -> None:
    written = save_user_setting("theme", "nord")
    assert written == paths.user_config_file()
    save_user_setting("side_panel", False)
    settings = load_settings(project, env={})
    assert (settings.theme, settings.side_panel) == ("nord", False)
    assert settings.source_of("theme").startswith("user config")


def test_other_keys_comments_and_order_are_kept(project: Path) -> None:
    path = paths.user_config_file()
    path.parent.mkdir(parents=True)
    path.write_text("# my settings\nmodel: opus   # the big one\ntheme: dracula\nprices:\n"
                    "  my-model: {input: 1, output: 5, cache_write: 1.25, cache_read: 0.1}\nside_panel: true\n")
    save_user_setting("theme", "gruvbox")
    save_user_setting("side_panel", False)
    assert path.read_text() == ("# my settings\nmodel: opus   # the big one\ntheme: gruvbox\nprices:\n"
                                "  my-model: {input: 1, output: 5, cache_write: 1.25, cache_read: 0.1}\n"
                                "side_panel: false\n")
    settings = load_settings(project, env={})
    assert settings.model == "opus" and settings.prices["my-model"]["output"] == 5


def test_a_key_written_as_a_block_is_replaced_whole(project: Path) -> None:
    path = paths.user_config_file()
    path.parent.mkdir(parents=True)
    path.write_text("theme:\n  nord\nmodel: haiku")  # no final newline either
    save_user_setting("theme", "monokai")
    assert path.read_text() == "theme: monokai\nmodel: haiku\n"


def test_a_broken_file_is_never_overwritten() -> None:
    path = paths.user_config_file()
    path.parent.mkdir(parents=True)
    path.write_text("model: [opus\n")
    with pytest.raises(SettingsError, match="not valid YAML"):
        save_user_setting("theme", "nord")
    assert path.read_text() == "model: [opus\n"


def test_only_settings_of_the_right_kind_are_written() -> None:
    with pytest.raises(SettingsError, match="not a setting"):
        save_user_setting("colour", "red")
    with pytest.raises(SettingsError, match="wrong type"):
        save_user_setting("side_panel", "yes")
    with pytest.raises(SettingsError, match="cannot be set in a config file"):
        save_user_setting("api_key", "sk-ant-xxxxxxxxxxxx")
    assert not paths.user_config_file().exists()


def test_errors_name_the_real_file() -> None:
    with pytest.raises(SettingsError) as caught:
        save_user_setting("side_panel", "yes")
    assert str(paths.user_config_file()) in str(caught.value) and ".config-" not in str(caught.value)
