import pytest

from annexa import config
from annexa.config import ConfigError

NAME = "ANNEXA_TEST_SETTING"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    monkeypatch.delenv(NAME, raising=False)
    monkeypatch.delenv(f"{NAME}_FILE", raising=False)


@pytest.mark.parametrize("value", ["yes", "1", "on", "Y"])
def test_it_refuses_ambiguous_booleans(monkeypatch, value):
    monkeypatch.setenv(NAME, value)
    with pytest.raises(ConfigError, match=f"{NAME} must be 'true' or 'false'"):
        config.env_bool(NAME, False)


@pytest.mark.parametrize(("value", "expected"), [("true", True), ("FALSE", False), ("", True)])
def test_it_reads_true_false_and_the_default(monkeypatch, value, expected):
    monkeypatch.setenv(NAME, value)
    assert config.env_bool(NAME, True) is expected


def test_it_reads_the_file_variant(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s3cret value\n", encoding="utf-8")
    monkeypatch.setenv(f"{NAME}_FILE", str(secret))
    assert config.env_str(NAME) == "s3cret value"


def test_it_names_an_unreadable_file(monkeypatch, tmp_path):
    monkeypatch.setenv(f"{NAME}_FILE", str(tmp_path / "missing"))
    with pytest.raises(ConfigError, match=f"{NAME}_FILE: cannot read"):
        config.env_str(NAME)


def test_it_refuses_both_the_value_and_the_file(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("x", encoding="utf-8")
    monkeypatch.setenv(NAME, "y")
    monkeypatch.setenv(f"{NAME}_FILE", str(secret))
    with pytest.raises(ConfigError, match=f"{NAME} and {NAME}_FILE are both set"):
        config.env_str(NAME)


def test_it_names_a_bad_whole_number(monkeypatch):
    monkeypatch.setenv(NAME, "12MB")
    with pytest.raises(ConfigError, match=f"{NAME} must be a whole number, got '12MB'"):
        config.env_int(NAME, 5)


def test_it_enforces_a_minimum(monkeypatch):
    monkeypatch.setenv(NAME, "0")
    with pytest.raises(ConfigError, match=f"{NAME} must be at least 1"):
        config.env_int(NAME, 5, minimum=1)
    monkeypatch.setenv(NAME, "7")
    assert config.env_int(NAME, 5, minimum=1) == 7


def test_it_splits_lists_and_checks_choices(monkeypatch):
    monkeypatch.setenv(NAME, " a.example, ,b.example ")
    assert config.env_list(NAME, []) == ["a.example", "b.example"]
    monkeypatch.setenv(NAME, "mysql")
    with pytest.raises(ConfigError, match=f"{NAME} must be one of sqlite, postgres"):
        config.env_choice(NAME, "sqlite", ("sqlite", "postgres"))


def test_it_refuses_a_short_secret_key(monkeypatch, tmp_path):
    monkeypatch.setenv("ANNEXA_SECRET_KEY", "too-short")
    with pytest.raises(ConfigError, match="ANNEXA_SECRET_KEY must be at least 32"):
        config.read_secret_key(tmp_path)


def test_it_reads_the_secret_key_file_written_by_init(monkeypatch, tmp_path):
    monkeypatch.delenv("ANNEXA_SECRET_KEY", raising=False)
    assert config.read_secret_key(tmp_path) is None
    config.secret_key_path(tmp_path).write_text("k" * 50 + "\n", encoding="utf-8")
    assert config.read_secret_key(tmp_path) == "k" * 50


@pytest.mark.parametrize("value", ["annexa.example.com", "ftp://annexa.example", "https://"])
def test_it_refuses_urls_that_are_not_absolute_http(monkeypatch, value):
    monkeypatch.setenv(NAME, value)
    with pytest.raises(ConfigError, match=f"{NAME} must be an http:// or https:// URL"):
        config.env_url(NAME)


def test_it_reads_urls_and_lists_of_origins(monkeypatch):
    assert config.env_url(NAME) is None
    assert config.env_url(NAME, "http://127.0.0.1:8000") == "http://127.0.0.1:8000"
    monkeypatch.setenv(NAME, "https://a.example, https://b.example:8443")
    assert config.env_url_list(NAME, []) == ["https://a.example", "https://b.example:8443"]
    monkeypatch.setenv(NAME, "https://a.example, b.example")
    with pytest.raises(ConfigError, match=r"got 'b\.example'"):
        config.env_url_list(NAME, [])


def test_it_checks_that_a_dotted_path_names_an_installed_module(monkeypatch):
    monkeypatch.setenv(NAME, "django.core.mail.backends.smtp.EmailBackend")
    assert config.env_dotted_path(NAME, "x.Y") == "django.core.mail.backends.smtp.EmailBackend"
    for wrong in ("nosuchpackage.Backend", "EmailBackend", "django.core.mail.backends."):
        monkeypatch.setenv(NAME, wrong)
        with pytest.raises(ConfigError, match=f"{NAME} must be the dotted path of a class"):
            config.env_dotted_path(NAME, "x.Y")


def test_it_accepts_only_iana_time_zones(monkeypatch):
    assert config.env_time_zone(NAME, "UTC") == "UTC"
    monkeypatch.setenv(NAME, "Europe/Ljubljana")
    assert config.env_time_zone(NAME, "UTC") == "Europe/Ljubljana"
    for wrong in ("Mars/Olympus_Mons", "../etc/passwd", "CEST+2"):
        monkeypatch.setenv(NAME, wrong)
        with pytest.raises(ConfigError, match=f"{NAME} must be an IANA time zone name"):
            config.env_time_zone(NAME, "UTC")
