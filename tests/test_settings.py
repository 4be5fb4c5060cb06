"""Settings: defaults < ``MOCK_KSEF_*`` environment < explicit overrides, with coercion."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mock_ksef.settings import ALL_FORM_CODES, SettingError, Settings, check_value, flag_name


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

    def test_bad_int_is_an_error_naming_the_variable(self) -> None:
        """An unreadable integer is a SettingError naming the variable, not a default."""
        with pytest.raises(SettingError) as caught:
            Settings.from_env({"MOCK_KSEF_PORT": "eighty"})
        assert str(caught.value) == "MOCK_KSEF_PORT: 'eighty' is not a whole number"
        assert caught.value.source == "MOCK_KSEF_PORT"

    def test_unknown_override_is_an_error(self) -> None:
        """Overriding a setting that does not exist is a ValueError naming it."""
        with pytest.raises(ValueError, match="colour"):
            Settings().with_overrides(colour="blue")

    def test_settings_are_immutable(self) -> None:
        """with_overrides() returns a new object and leaves the original alone."""
        base = Settings()
        changed = base.with_overrides(seed=5)
        assert (base.seed, changed.seed) == (0, 5)


class TestValidation:
    """One validator for variables, flags and overrides: what is wrong, who said it."""

    @pytest.mark.parametrize(
        ("name", "value", "problem"),
        [
            ("port", 65536, "65536 is not a port (0-65535; 0 picks a free one)"),
            ("port", -1, "-1 is not a port (0-65535; 0 picks a free one)"),
            ("workers", -2, "-2 is negative"),
            ("threads", -1, "-1 is negative"),
            (
                "threads",
                257,
                "257 is too many threads per worker (at most 256; 0 picks the default)",
            ),
            ("host", "", "the host is empty (e.g. 127.0.0.1, 0.0.0.0 or ::)"),
            (
                "store",
                "postgres",
                "'postgres' is not a store: use memory, sqlite, sqlite:PATH or"
                " postgresql://USER:PASSWORD@HOST:PORT/DB",
            ),
            (
                "store",
                "postgresql://",
                "postgresql://… names no server: use postgresql://USER:PASSWORD@HOST:PORT/DB",
            ),
            ("server", "uvicorn", "'uvicorn' is not one of dev, gunicorn, granian"),
            ("log_level", "loud", "'loud' is not one of debug, info, warning"),
        ],
    )
    def test_bad_values(self, name: str, value: object, problem: str) -> None:
        """Each bad value is refused with a sentence that says what would be right."""
        with pytest.raises(ValueError, match=re.escape(problem)) as caught:
            check_value(name, value)
        assert str(caught.value) == problem

    @pytest.mark.parametrize(
        ("name", "value"),
        [
            ("port", 0),
            ("port", 65535),
            ("seed", -5),
            ("clock", "frozen:2026-02-03"),
            ("server", ""),
        ],
    )
    def test_good_values_pass_unchanged(self, name: str, value: object) -> None:
        """Edge values that are fine come back as they are."""
        assert check_value(name, value) == value

    def test_flags_are_named_by_the_label(self) -> None:
        """The CLI's label turns ``state_dir`` into ``--state-dir`` in the message."""
        with pytest.raises(SettingError) as caught:
            Settings.resolve({}, {"clock": "offset:soon"}, flag_name)
        assert caught.value.source == "--clock"
        assert str(caught.value).startswith("--clock: 'offset:soon' is not a clock (")

    def test_overrides_are_named_by_setting(self) -> None:
        """Python overrides (``create_app(port=...)``) name the setting itself."""
        with pytest.raises(SettingError, match=r"^port: 70000 is not a port"):
            Settings().with_overrides(port=70000)
