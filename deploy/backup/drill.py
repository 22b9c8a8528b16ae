"""Backup and restore drill (`make backup-drill`, docs/deployment.md "Backups").

What a city's IT must be able to do on the day the database server is lost: restore last
night's dump into an empty PostgreSQL and run the application on it with nothing lost.
The drill proves it with real tools, on a database of its own:

1. creates `<prefix>_live`, migrates it and seeds a demo scenario through the services;
2. reads what a person would check afterwards: the figures (`kpis --json`), the audit log
   and the status history (`dumpdata`), and the number of rows of every table;
3. dumps it with `pg_dump --format=custom` (the format of the nightly backup);
4. restores the dump into a fresh `<prefix>_restored` with `pg_restore` (as the
   application's user, `--no-owner`, stopping at the first error);
5. reads the same from the restored database through the application and compares.

It prints the size and duration of dump and restore and exits 1 on any difference.
Both databases are dropped at the end (`--keep` leaves them).

    python deploy/backup/drill.py [--scenario halver|offenbach] [--server postgres://...]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parents[2]

COUNT_ROWS = """
import json
from django.apps import apps
print(json.dumps({m._meta.label: m._default_manager.count()
                  for m in apps.get_models() if not m._meta.proxy}, sort_keys=True))
"""


def database_url(server: str, name: str) -> str:
    parts = urlsplit(server)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def run(args: list[str], *, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(  # noqa: S603 (our own tools, our arguments)
        args, cwd=BASE_DIR, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        sys.exit(f"Fehlgeschlagen: {' '.join(args)}\n{done.stdout}\n{done.stderr}")
    return done.stdout


def psql(server: str, sql: str) -> None:
    run(["psql", "--no-psqlrc", "-q", "-v", "ON_ERROR_STOP=1", "-d", server, "-c", sql])


def app_env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.update(DATABASE_URL=url, DJANGO_SETTINGS_MODULE="config.settings", LOG_LEVEL="WARNING")
    return env


def manage(url: str, *args: str) -> str:
    return run([sys.executable, "manage.py", *args], env=app_env(url))


def what_a_person_checks(url: str) -> dict[str, object]:
    """The figures, the audit log with the status history, and every table's rows."""
    return {
        "kpis": json.loads(manage(url, "kpis", "--json")),
        "audit": json.loads(manage(url, "dumpdata", "core.AuditEvent", "core.StatusChange")),
        "rows": json.loads(manage(url, "shell", "-v", "0", "-c", COUNT_ROWS).splitlines()[-1]),
    }


def differences(before: dict, after: dict) -> list[str]:
    found = []
    for key in before:
        if before[key] != after[key]:
            if isinstance(before[key], dict):
                keys = sorted(k for k in before[key] if before[key][k] != after[key].get(k))
                found.append(f"{key}: {', '.join(keys[:10])}")
            else:
                found.append(f"{key}: {len(before[key])} vorher, {len(after[key])} nachher")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="halver", help="Demo-Szenario (halver, offenbach)")
    parser.add_argument(
        "--server",
        default=os.environ.get("DRILL_SERVER", "postgres://postgres@127.0.0.1:5432/postgres"),
        help="PostgreSQL, an dem die Übungsdatenbanken angelegt werden",
    )
    parser.add_argument("--prefix", default="rathausmobil_drill")
    parser.add_argument("--keep", action="store_true", help="Datenbanken danach behalten")
    args = parser.parse_args()

    live, restored = f"{args.prefix}_live", f"{args.prefix}_restored"
    live_url, restored_url = (database_url(args.server, n) for n in (live, restored))
    for name in (live, restored):
        psql(args.server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    psql(args.server, f'CREATE DATABASE "{live}"')
    try:
        began = time.perf_counter()
        manage(live_url, "migrate", "--no-input", "-v", "0")
        manage(live_url, "seed_demo", "--scenario", args.scenario)
        print(f"1. {live}: Szenario {args.scenario} angelegt ({time.perf_counter() - began:.0f} s)")
        before = what_a_person_checks(live_url)
        rows = sum(before["rows"].values())
        print(
            f"2. gelesen: {len(before['kpis'])} Kennzahlen, {len(before['audit'])} Einträge in "
            f"Protokoll und Statushistorie, {rows} Zeilen in {len(before['rows'])} Tabellen"
        )

        with tempfile.TemporaryDirectory() as folder:
            dump = Path(folder) / f"{live}.dump"
            began = time.perf_counter()
            run(["pg_dump", "--format=custom", "--file", str(dump), "--dbname", live_url])
            print(
                f"3. pg_dump: {dump.stat().st_size / 1e6:.1f} MB "
                f"in {time.perf_counter() - began:.1f} s"
            )
            psql(args.server, f'CREATE DATABASE "{restored}"')
            began = time.perf_counter()
            run(
                [
                    "pg_restore",
                    "--no-owner",
                    "--exit-on-error",
                    "--dbname",
                    restored_url,
                    str(dump),
                ]
            )
            print(f"4. pg_restore in {restored}: {time.perf_counter() - began:.1f} s")

        # The restored database is complete: the application finds nothing to migrate.
        manage(restored_url, "migrate", "--check")
        after = what_a_person_checks(restored_url)
        found = differences(before, after)
        if found:
            print("5. UNTERSCHIEDE nach der Wiederherstellung:\n   " + "\n   ".join(found))
            return 1
        print(
            "5. wiederhergestellt: dieselben Kennzahlen, dasselbe Protokoll, dieselben "
            "Zeilen; keine Migration offen"
        )
        return 0
    finally:
        if not args.keep:
            for name in (live, restored):
                psql(args.server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    sys.exit(main())
