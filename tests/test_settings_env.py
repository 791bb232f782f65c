"""Yes/no settings read from the environment accept only words they understand."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from sscportal.settings import env_bool
from tests.test_settings_module import ROOT, read_setting


@pytest.mark.parametrize("word", ["1", "true", "TRUE", " yes ", "on", "On"])
def test_a_yes_word_switches_the_setting_on(monkeypatch, word):
    monkeypatch.setenv("PORTAL_TEST_FLAG", word)
    assert env_bool("PORTAL_TEST_FLAG") is True


@pytest.mark.parametrize("word", ["0", "false", "False", " no", "off", "OFF"])
def test_a_no_word_switches_the_setting_off(monkeypatch, word):
    monkeypatch.setenv("PORTAL_TEST_FLAG", word)
    assert env_bool("PORTAL_TEST_FLAG", default=True) is False


@pytest.mark.parametrize("value", [None, "", "   "])
def test_an_unset_or_empty_value_means_the_default(monkeypatch, value):
    if value is None:
        monkeypatch.delenv("PORTAL_TEST_FLAG", raising=False)
    else:
        monkeypatch.setenv("PORTAL_TEST_FLAG", value)
    assert env_bool("PORTAL_TEST_FLAG", default=True) is True
    assert env_bool("PORTAL_TEST_FLAG", default=False) is False


@pytest.mark.parametrize("typo", ["ture", "flase", "y", "enabled", "2"])
def test_a_word_it_does_not_understand_is_refused_naming_the_setting(monkeypatch, typo):
    monkeypatch.setenv("PORTAL_TEST_FLAG", typo)
    with pytest.raises(ImproperlyConfigured) as refusal:
        env_bool("PORTAL_TEST_FLAG")
    message = str(refusal.value)
    assert "PORTAL_TEST_FLAG" in message
    assert repr(typo) in message
    for accepted in ("true", "yes", "on", "false", "no", "off"):
        assert accepted in message


def test_the_portal_refuses_to_start_with_a_misspelt_https_setting():
    result = read_setting("settings.HTTPS", DJANGO_DEBUG="true", DJANGO_HTTPS="ture")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_HTTPS" in result.stderr


def test_a_correctly_spelt_setting_still_starts_the_portal():
    result = read_setting("settings.HTTPS", DJANGO_DEBUG="true", DJANGO_HTTPS="yes")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_the_follow_up_assessment_months_are_read_from_the_environment():
    assert (
        read_setting("settings.FOLLOW_UP_ASSESSMENT_MONTHS", DJANGO_DEBUG="true").stdout.strip()
        == "6"
    )
    result = read_setting(
        "settings.FOLLOW_UP_ASSESSMENT_MONTHS", DJANGO_DEBUG="true", FOLLOW_UP_ASSESSMENT_MONTHS="3"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "3"
    assert "\nFOLLOW_UP_ASSESSMENT_MONTHS=6\n" in (ROOT / ".env.example").read_text()
