"""The app factory: configuration layers, the database default and the secret key."""

from __future__ import annotations

from hiat import create_app


def test_database_path_comes_from_hiat_database(monkeypatch, tmp_path):
    target = tmp_path / "elsewhere" / "my.db"
    monkeypatch.setenv("HIAT_DATABASE", str(target))
    app = create_app({"TESTING": True}, instance_path=str(tmp_path / "instance"))
    assert app.config["DATABASE"] == str(target)
    assert target.exists(), "the database is created at start-up"


def test_default_database_lives_in_the_instance_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("HIAT_DATABASE", raising=False)
    instance = tmp_path / "instance"
    app = create_app({"TESTING": True, "SECRET_KEY": "x"}, instance_path=str(instance))
    assert app.config["DATABASE"] == str(instance / "hiat.db")
    assert (instance / "hiat.db").exists()


def test_a_secret_key_is_made_once_and_kept_out_of_the_repo(monkeypatch, tmp_path):
    instance = str(tmp_path / "instance")
    first = create_app({"TESTING": True, "DATABASE": str(tmp_path / "a.db")}, instance)
    second = create_app({"TESTING": True, "DATABASE": str(tmp_path / "a.db")}, instance)
    assert len(first.config["SECRET_KEY"]) == 64
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    key_file = tmp_path / "instance" / "secret_key"
    assert oct(key_file.stat().st_mode)[-3:] == "600"


def test_init_db_command_reports_the_schema_version(app):
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert "schema 0014_reviews" in result.output


def test_session_cookie_is_httponly_and_samesite(app):
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
