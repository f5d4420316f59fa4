"""Settings: the layers, their sources, and clear errors for bad config files."""

from __future__ import annotations

from pathlib import Path

import pytest

from backdev import paths
from backdev.settings import Settings, SettingsError, load_settings, mask_secret


def user_config(text: str) -> Path:
    path = paths.user_config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_defaults_when_nothing_is_set(project: Path) -> None:
    settings = load_settings(project, env={})
    assert settings.model == "sonnet" and settings.source_of("model") == "default"
    assert settings.api_key is None


def test_layers_in_order_defaults_user_project_env_flags(project: Path) -> None:
    user_config("model: haiku\nmax_tokens: 1000\ntimeout: 30\n")
    (project / ".backdev.yaml").write_text("model: opus\nmax_tokens: 2000\n")
    env = {"BACKDEV_MODEL": "claude-opus-4-8", "ANTHROPIC_API_KEY": "sk-ant-secret-1234", "ANTHROPIC_BASE_URL": "http://x"}
    settings = load_settings(project, env=env, flags={"model": "sonnet", "persona": None}, trusted=True)
    assert settings.timeout == 30.0 and settings.source_of("timeout").startswith("user config")
    assert settings.max_tokens == 2000 and settings.source_of("max_tokens").startswith("project")
    # Not trusted, the project may not raise the person's own limit (see test_trust.py).
    assert load_settings(project, env=env).max_tokens == 1000
    assert settings.model == "sonnet" and settings.source_of("model") == "command line"
    assert settings.api_key == "sk-ant-secret-1234" and settings.source_of("api_key") == "env ANTHROPIC_API_KEY"
    assert settings.base_url == "http://x"
    assert load_settings(project, env=env).model == "claude-opus-4-8"


def test_settings_are_frozen(project: Path) -> None:
    settings = load_settings(project, env={})
    with pytest.raises(AttributeError):
        settings.model = "opus"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("modle: opus\n", r"'modle' is not a setting \(did you mean 'model'\?\)"),
        ("max_tokens: lots\n", r"'max_tokens' has the wrong type: expected a positive whole number"),
        ("side_panel: 'yes'\n", r"'side_panel' has the wrong type: expected true or false"),
        ("api_key: sk-ant-x\n", r"'api_key' cannot be set in a config file; set the ANTHROPIC_API_KEY"),
        ("model: [a\n", r"line 1 is not valid YAML"),
        ("- just\n- a list\n", r"expected `key: value` lines"),
        ("prices: {m: {input: 1}}\n", r"'prices' has the wrong type: m: expected exactly"),
        ("compact_at_share: 1.5\n", r"'compact_at_share' has the wrong type: expected a share of the context window"),
    ],
)
def test_bad_project_config_names_file_and_key(project: Path, text: str, message: str) -> None:
    (project / ".backdev.yaml").write_text(text)
    with pytest.raises(SettingsError, match=message) as caught:
        load_settings(project, env={})
    assert str(project / ".backdev.yaml") in str(caught.value)


def test_bad_env_value_is_named(project: Path) -> None:
    with pytest.raises(SettingsError, match="BACKDEV_MODEL"):
        load_settings(project, env={"BACKDEV_MODEL": "   "})


def test_yaml_is_read_safely(project: Path) -> None:
    (project / ".backdev.yaml").write_text("model: !!python/object/apply:os.system ['echo hi']\n")
    with pytest.raises(SettingsError, match="not valid YAML"):
        load_settings(project, env={})


def test_backdev_home_relocates_config_data_and_logs(isolated_home: Path) -> None:
    assert paths.config_dir() == isolated_home / "config"
    assert paths.data_dir() == isolated_home / "data"
    assert paths.log_dir() == isolated_home / "logs"


def test_mask_secret_keeps_only_last_four() -> None:
    assert mask_secret("sk-ant-abcdefgh1234") == "…1234"
    assert mask_secret(None) == "(not set)"


def test_with_overrides_records_source() -> None:
    settings = Settings().with_overrides({"theme": "nord"}, "test")
    assert settings.theme == "nord" and settings.source_of("theme") == "test"
