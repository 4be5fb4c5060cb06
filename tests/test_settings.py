"""Settings: defaults < ``MOCK_KSEF_*`` environment < explicit overrides, with coercion."""

from __future__ import annotations

from pathlib import Path

import pytest

from mock_ksef.settings import ALL_FORM_CODES, Settings


class TestPrecedence:
    """Where a setting's value comes from."""

    def test_defaults(self) -> None:
        """With no environment and no overrides, the documented defaults apply."""
        settings = Settings.from_env({})
        assert settings == Settings()
        assert (settings.host, settings.port, settings.store) == ("127.0.0.1", 8080, "memory")
        assert settings.allowed_form_codes == ALL_FORM_CODES
        assert settings.state_path is None

    def test_environment_beats_defaults(self) -> None:
        """A MOCK_KSEF_<NAME> variable sets <name>."""
        settings = Settings.from_env({"MOCK_KSEF_HOST": "0.0.0.0", "MOCK_KSEF_SEED": "9"})
        assert settings.host == "0.0.0.0"
        assert settings.seed == 9

    def test_overrides_beat_environment(self) -> None:
        """Overrides (CLI flags) win over the environment; None means "not given"."""
        env = {"MOCK_KSEF_PORT": "9000", "MOCK_KSEF_HOST": "0.0.0.0"}
        settings = Settings.from_env(env, port=9100, host=None)
        assert settings.port == 9100
        assert settings.host == "0.0.0.0"

    def test_unrelated_variables_are_ignored(self) -> None:
        """Variables without the prefix, or naming no setting, change nothing."""
        env = {"PORT": "1", "MOCK_KSEF_NO_SUCH_THING": "x", "MOCK_KSEF_EXTRA": "{}"}
        assert Settings.from_env(env) == Settings()

    def test_reads_os_environ_by_default(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without an explicit mapping, from_env() reads the process environment."""
        monkeypatch.setenv("MOCK_KSEF_STATE_DIR", "/tmp/somewhere")
        settings = Settings.from_env()
        assert settings.state_dir == "/tmp/somewhere"
        assert settings.state_path == Path("/tmp/somewhere")


class TestCoercion:
    """Text from the environment becomes the field's type."""

    def test_int_fields(self) -> None:
        """Integer settings are parsed from text."""
        settings = Settings.from_env({"MOCK_KSEF_SESSION_TTL_S": "60", "MOCK_KSEF_PORT": "0"})
        assert settings.session_ttl_s == 60
        assert settings.port == 0

    def test_tuple_fields(self) -> None:
        """Tuple settings are comma-separated text; blanks are dropped, items stripped."""
        env = {"MOCK_KSEF_ALLOWED_FORM_CODES": " FA (3) , PEF (3),, "}
        assert Settings.from_env(env).allowed_form_codes == ("FA (3)", "PEF (3)")

    def test_non_text_overrides(self) -> None:
        """Overrides already typed are kept; lists become tuples."""
        settings = Settings().with_overrides(port=1234, allowed_form_codes=["FA (2)"])
        assert settings.port == 1234
        assert settings.allowed_form_codes == ("FA (2)",)

    def test_bad_int_is_an_error(self) -> None:
        """An unreadable integer is a ValueError, not a silent default."""
        with pytest.raises(ValueError, match="invalid literal"):
            Settings.from_env({"MOCK_KSEF_PORT": "eighty"})

    def test_unknown_override_is_an_error(self) -> None:
        """Overriding a setting that does not exist is a ValueError naming it."""
        with pytest.raises(ValueError, match="colour"):
            Settings().with_overrides(colour="blue")

    def test_settings_are_immutable(self) -> None:
        """with_overrides() returns a new object and leaves the original alone."""
        base = Settings()
        changed = base.with_overrides(seed=5)
        assert (base.seed, changed.seed) == (0, 5)
