"""`plan_presence --instance FILE --json`: the exchange format on the command line, no
database; exit 0 with a plan, 1 when infeasible, 2 for an invalid instance (with the
place named, never a traceback). Run as a real process, as a colleague would."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
CASES = Path(__file__).parent / "planner_cases"


def run(*args):
    return subprocess.run(  # noqa: S603 - our own manage.py, fixed arguments
        [sys.executable, "manage.py", "plan_presence", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": "sqlite:////nonexistent/never-opened.sqlite3",
        },
    )


def test_a_plan_comes_back_as_json_with_exit_0():
    done = run("--instance", str(CASES / "small-pandemic-week.json"), "--json")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["format"] == "rathausmobil-presence/1"
    assert answer["status"] == "optimal"
    assert len(answer["plan"]) == 30


def test_without_json_it_speaks_german():
    done = run("--instance", str(CASES / "small-week.json"), "--time-limit", "5")
    assert done.returncode == 0
    assert "Ergebnis: optimal" in done.stdout and "Wünsche erfüllt" in done.stdout


def test_an_infeasible_week_exits_1_and_names_the_rules(tmp_path):
    doc = json.loads((CASES / "small-week.json").read_text())
    for p in doc["people"]:
        p["home_days_max"] = 0
        p["absent"] = []
    path = tmp_path / "full.json"
    path.write_text(json.dumps(doc))
    done = run("--instance", str(path), "--json")
    assert done.returncode == 1
    answer = json.loads(done.stdout)
    assert answer["status"] == "infeasible" and answer["plan"] == {}
    assert "room_capacity" in {s["rule"] for s in answer["shortfalls"]}


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            '{"format": "rathausmobil-presence/1", "days": ["mon"], "rooms": [], "people": '
            '[{"id": "P1", "unit": "U", "rooms": ["RH-999"], "home_days_max": 1}]}',
            'people[0].rooms[0]: unbekannter Raum "RH-999"',
        ),
        ('{"format": ', "kein gültiges JSON"),
        ("[1, 2]", "ein Objekt"),
    ],
)
def test_an_invalid_instance_exits_2_naming_the_place(tmp_path, content, expected):
    path = tmp_path / "bad.json"
    path.write_text(content)
    done = run("--instance", str(path), "--json")
    assert done.returncode == 2
    assert expected in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_a_missing_file_exits_2():
    done = run("--instance", "/nonexistent/week.json")
    assert done.returncode == 2 and "nicht gefunden" in done.stderr
