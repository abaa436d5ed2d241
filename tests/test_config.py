"""Configuration: defaults, then the instance's config.py, then SHOPPER_* variables; a
secret key generated into the instance folder and kept."""

from __future__ import annotations

import os
import stat

import pytest

from shopper import create_app


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("SHOPPER_INSTANCE_PATH", str(tmp_path))
    first = create_app()
    key_file = tmp_path / "secret_key"
    assert key_file.exists()
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert len(first.config["SECRET_KEY"]) >= 64
    assert create_app().config["SECRET_KEY"] == first.config["SECRET_KEY"]
    assert (tmp_path / "shopper.sqlite3").exists()


def test_two_instances_get_different_keys(tmp_path, monkeypatch):
    keys = set()
    for name in ("a", "b"):
        monkeypatch.setenv("SHOPPER_INSTANCE_PATH", str(tmp_path / name))
        keys.add(create_app().config["SECRET_KEY"])
    assert len(keys) == 2


def test_instance_config_then_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SHOPPER_INSTANCE_PATH", str(tmp_path))
    (tmp_path / "config.py").write_text(
        "SCORE_BAND_GREEN = 90\nSCORE_BAND_AMBER = 60\nSECRET_KEY = 'from-config-file'\n")
    app = create_app()
    assert app.config["SCORE_BAND_GREEN"] == 90
    assert app.config["SECRET_KEY"] == "from-config-file"
    monkeypatch.setenv("SHOPPER_SCORE_BAND_GREEN", "95")
    app = create_app()
    assert app.config["SCORE_BAND_GREEN"] == 95
    assert app.config["SCORE_BAND_AMBER"] == 60


def test_data_lives_in_the_instance_folder(app, instance):
    assert app.config["DATABASE"] == str(instance / "shopper.sqlite3")
    assert app.config["PHOTO_FOLDER"] == str(instance / "photos")
    assert (instance / "photos").is_dir()


def test_a_page_cache_size_that_is_not_a_number_stops_the_start(tmp_path, monkeypatch):
    """Found at start-up, not as a failing page later."""
    monkeypatch.setenv("SHOPPER_INSTANCE_PATH", str(tmp_path))
    (tmp_path / "config.py").write_text('PAGE_CACHE_BYTES = "64MB"\n')
    with pytest.raises(ValueError):
        create_app()


def test_the_company_logo_is_an_image_in_the_instance_folder(tmp_path, monkeypatch):
    """A printed scorecard carries the company's name and logo; a logo that is missing or
    not an image stops the start instead of a broken print."""
    monkeypatch.setenv("SHOPPER_INSTANCE_PATH", str(tmp_path))
    assert create_app().config["COMPANY_LOGO"] is None
    monkeypatch.setenv("SHOPPER_COMPANY_LOGO", "logo.png")
    with pytest.raises(ValueError, match="no file at"):
        create_app()
    (tmp_path / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    monkeypatch.setenv("SHOPPER_COMPANY_NAME", "Northwind Bank plc")
    app = create_app()
    assert app.config["COMPANY_LOGO"] == str(tmp_path / "logo.png")
    assert app.config["COMPANY_NAME"] == "Northwind Bank plc"
    monkeypatch.setenv("SHOPPER_COMPANY_LOGO", "config.py")
    with pytest.raises(ValueError, match="must be an image file"):
        create_app()


def test_the_interval_minimum_is_read_and_checked(tmp_path, monkeypatch):
    monkeypatch.setenv("SHOPPER_INSTANCE_PATH", str(tmp_path))
    assert create_app().config["MIN_VISITS_FOR_INTERVAL"] == 3
    monkeypatch.setenv("SHOPPER_MIN_VISITS_FOR_INTERVAL", "5")
    assert create_app().config["MIN_VISITS_FOR_INTERVAL"] == 5
    monkeypatch.setenv("SHOPPER_MIN_VISITS_FOR_INTERVAL", "1")
    with pytest.raises(ValueError):
        create_app()
