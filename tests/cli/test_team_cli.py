"""Projects whose data lives on a PostgreSQL server."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from annotator.cli.app import main
from tests.conftest import PG_URL

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not PG_URL, reason="no PostgreSQL server (ANNOTATOR_TEST_PG_URL)"),
]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_new_on_a_server_keeps_only_project_yaml(
    tmp_path: Path,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = make_url(database_url)
    monkeypatch.setenv("TEAM_DB_HOST", f"{url.host}:{url.port}")
    written = f"postgresql://{url.username}@${{TEAM_DB_HOST}}/{url.database}"
    code, out, err = run(capsys, "new", str(tmp_path / "team"), "--db", written)
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "team").iterdir()) == ["project.yaml"]
    assert "${TEAM_DB_HOST}" in (tmp_path / "team" / "project.yaml").read_text()
    seed = Path(__file__).parent.parent / "fixtures" / "blinken-central-asia.txt"
    assert run(capsys, "import", str(tmp_path / "team"), str(seed))[0] == 0
    code, out, _ = run(capsys, "info", str(tmp_path / "team"))
    assert code == 0 and "Documents:  1" in out and "postgresql" in out
    # A second analyst's folder on the same database sees the same documents.
    assert run(capsys, "new", str(tmp_path / "colleague"), "--db", written)[0] == 0
    code, out, _ = run(capsys, "docs", str(tmp_path / "colleague"))
    assert code == 0 and "March 4. 2024. 6:09" in out  # the article's first line
    assert out.count("\n") == 3  # header, rule, one document


def test_server_problems_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = make_url(PG_URL)
    server = f"{url.host}:{url.port}"
    cases = {
        f"postgresql://{url.username}@{server}/no_such_db_here": "does not exist on",
        f"postgresql://nobody_at_all@{server}/postgres": "refused the login of 'nobody_at_all'",
        "postgresql://someone@127.0.0.1:1/db": "cannot reach a database server at 127.0.0.1:1",
        "postgresql://someone@host.invalid/db": "unknown host 'host.invalid'",
    }
    for n, (db_url, fragment) in enumerate(cases.items()):
        code, _, err = run(capsys, "new", str(tmp_path / f"p{n}"), "--db", db_url)
        assert code == 2
        assert fragment in err and err.count("\n") == 1 and "Traceback" not in err
        assert not (tmp_path / f"p{n}").exists()


def test_a_password_never_goes_into_project_yaml(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "new", str(tmp_path / "p"), "--db", "postgresql://bob:hunter2@db/x")
    assert code == 2 and "contains a password" in err
    assert not (tmp_path / "p").exists()
    assert "hunter2" not in err
