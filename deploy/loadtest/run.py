"""Load test with several servers (`make loadtest`, docs/loadtest.md).

The promise of the deployment: two app servers behind one nginx carry the city's work,
and when one of them dies the other carries on, without a status changed twice or lost,
and every background task runs once. The script shows it with real tools:

1. creates its own PostgreSQL database, migrates it, seeds the `halver` demo and prepares
   what the load needs (API tokens, devices in stock, a week to plan; prepare.py);
2. starts two gunicorn app servers (DEBUG=0) behind one nginx with the shipped site file
   (deploy/nginx/rathausmobil.conf) and two `db_worker` processes;
3. runs locust headless over https (locustfile.py) with N users for a bounded time;
4. kills one app server in the middle of the run (SIGKILL on its process group: a
   machine that dies, with the requests it had in flight) and notes the moment;
5. checks: no server error but the killed server's in-flight POSTs (502 in a short
   window around the kill, at most as many as there are users); no double decision won
   twice; each request's history a chain ending at its status (check.py); every task
   finished once; prints requests per second and p95 per kind of request;
6. stops every process and drops the database (`--keep` leaves the database and the
   logs of servers, workers and locust).

Exits 1 on any failed check.

    python deploy/loadtest/run.py [--users 200] [--seconds 90] [--keep]
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(BASE_DIR))

from deploy.backup.drill import database_url, psql  # noqa: E402
from deploy.loadtest.proxy import free_port, nginx_in_front  # noqa: E402

HERE = Path(__file__).resolve().parent
GUNICORN_CONF = BASE_DIR / "config" / "gunicorn.conf.py"
#: after the kill: a request that was in flight at the killed server ends within this
KILL_WINDOW_SECONDS = 3.0
#: an answer the killed server had begun to send: nginx passed its head on and can
#: neither retry nor finish it (any method); the client sees the body cut off
CUT_OFF = {"ChunkedEncodingError", "ProtocolError", "IncompleteRead", "ConnectionError"}


def run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(  # noqa: S603 (our own tools, our arguments)
        args, cwd=BASE_DIR, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"Fehlgeschlagen: {' '.join(args)}\n{done.stdout}\n{done.stderr}")
    return done.stdout


def app_env(url: str, folder: Path, redis_db: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="0",
        SECRET_KEY="loadtest-" + "x" * 50,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_COOKIES="1",
        STATIC_ROOT=str(folder / "static"),
        CACHE_URL=f"redis://127.0.0.1:6379/{redis_db}",
        CACHE_KEY_PREFIX="loadtest",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        LOG_LEVEL="WARNING",
        # every HR import file through the workers, as a city's 50,000-row file goes
        IMPORT_BACKGROUND_BYTES="0",
    )
    return env


def manage(env: dict[str, str], *args: str) -> str:
    return run([sys.executable, "manage.py", *args], env)


def flush_redis(env: dict[str, str]) -> None:
    import redis

    redis.Redis.from_url(env["CACHE_URL"]).flushdb()


def wait_for_port(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"Prozess beendet:\n{log.read_text()[-3000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"Port {port} nach 60 s nicht offen") from None
            time.sleep(0.2)


class Processes:
    """The app servers and workers, each in its own process group (a kill takes the
    gunicorn master and its workers at once); all stopped at the end."""

    def __init__(self, folder: Path, env: dict[str, str]):
        self.folder, self.env, self.started = folder, env, []

    def start(self, name: str, args: list[str]) -> subprocess.Popen:
        log = (self.folder / f"{name}.log").open("w")
        process = subprocess.Popen(  # noqa: S603
            args,
            cwd=BASE_DIR,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.started.append(process)
        return process

    def app_server(self, name: str, port: int, workers: int, threads: int) -> subprocess.Popen:
        args = [sys.executable, "-m", "gunicorn", "config.wsgi:application"]
        if GUNICORN_CONF.exists():  # production's settings; the options below win over it
            args += ["-c", str(GUNICORN_CONF)]
        args += ["--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
        args += ["--threads", str(threads), "--access-logfile", "-"]
        process = self.start(name, args)
        wait_for_port(port, process, self.folder / f"{name}.log")
        return process

    def stop_all(self) -> None:
        for process in self.started:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.started:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def stats_per_kind(path: Path) -> list[dict]:
    with path.open() as file:
        return list(csv.DictReader(file))


def print_stats(rows: list[dict]) -> None:
    print(f"   {'Art der Anfrage':<32}{'Anzahl':>8}{'Fehler':>8}{'/s':>8}{'p95 ms':>9}")
    for row in rows:
        name = "gesamt" if row["Name"] == "Aggregated" else row["Name"]
        print(
            f"   {name:<32}{row['Request Count']:>8}{row['Failure Count']:>8}"
            f"{float(row['Requests/s']):>8.1f}{row['95%']:>9}"
        )


def print_nginx_errors(path: Path, ports: list[int]) -> None:
    """nginx's own account of what went wrong, for a failed run: which app server failed
    how (a reset, a timeout, "no live upstreams"), the first 30 lines, each shortened."""
    lines = path.read_text(errors="replace").splitlines() if path.exists() else []
    print(f"   nginx ({len(lines)} Zeilen im Fehlerprotokoll; Server 1 = {ports[0]}):")
    for line in lines[:30]:
        print("   " + line[:220])


def judge_server_errors(log: dict, killed_at: float, users: int) -> tuple[int, list[str]]:
    """The 5xx the killed server may cause: POSTs it had in flight, answered 502 by
    nginx right at the kill (a GET is tried on the other server; a POST never twice),
    and answers it had begun to send, cut off. Nothing else, and no more than there
    are users (each has one request in flight at most, a head two)."""
    allowed, findings = 0, []
    for error in log["server_errors"]:
        in_flight = error["start"] / 1000 <= killed_at + 0.5 and (
            killed_at - 0.5 <= error["end"] <= killed_at + KILL_WINDOW_SECONDS
        )
        if in_flight and (
            (error["method"] == "POST" and error["status"] == 502) or error["error"] in CUT_OFF
        ):
            allowed += 1
        else:
            findings.append(
                f"Serverfehler {error['status'] or error['error']} bei {error['name']} "
                f"({error['end'] - killed_at:+.1f} s zum Abschuss)"
            )
    if allowed > users:
        findings.append(f"{allowed} abgebrochene Anfragen, mehr als {users} Nutzer")
    return allowed, findings


def judge_double_decisions(log: dict) -> tuple[dict, list[str]]:
    findings, won = [], {"eine": 0, "keine": 0}
    for pair in log["double_decisions"]:
        statuses = pair["statuses"]
        winners = statuses.count(200)
        if winners > 1:
            findings.append(f"Antrag {pair['request']}: zweimal entschieden {statuses}")
        elif winners == 1:
            won["eine"] += 1
            loser = statuses[1 - statuses.index(200)]
            detail = pair["details"][1 - statuses.index(200)]
            if loser != 409 and loser != 502:
                findings.append(f"Antrag {pair['request']}: zweiter Aufruf {loser} statt 409")
            elif loser == 409 and not detail.strip():
                findings.append(f"Antrag {pair['request']}: 409 ohne Meldung")
        else:
            won["keine"] += 1
    return won, findings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200, help="gleichzeitige Nutzer")
    parser.add_argument("--seconds", type=int, default=90, help="Dauer der Last")
    parser.add_argument("--spawn-rate", type=float, default=20, help="neue Nutzer je Sekunde")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn-Worker je Server")
    parser.add_argument("--threads", type=int, default=4, help="Threads je Worker")
    parser.add_argument(
        "--server",
        default=os.environ.get("LOADTEST_SERVER", "postgres://postgres@127.0.0.1:5432/postgres"),
        help="PostgreSQL, an dem die Datenbank des Laufs angelegt wird",
    )
    parser.add_argument("--name", default="rathausmobil_loadtest", help="Name der Datenbank")
    parser.add_argument("--redis-db", type=int, default=13, help="eigene Redis-Datenbank")
    parser.add_argument(
        "--copy-of", help="statt seed_demo: Kopie dieser schon angelegten Demo-Datenbank"
    )
    parser.add_argument(
        "--keep", action="store_true", help="Datenbank und Protokolle behalten (Prozesse enden)"
    )
    args = parser.parse_args()

    url = database_url(args.server, args.name)
    folder = Path(tempfile.mkdtemp(prefix="loadtest-"))
    env = app_env(url, folder, args.redis_db)
    processes = Processes(folder, env)
    psql(args.server, f'DROP DATABASE IF EXISTS "{args.name}" WITH (FORCE)')
    psql(args.server, f'CREATE DATABASE "{args.name}"')
    with contextlib.ExitStack() as cleanup:
        if args.keep:
            cleanup.callback(print, f"Behalten: Datenbank {args.name}, Protokolle in {folder}")
        else:
            cleanup.callback(shutil.rmtree, folder, ignore_errors=True)
            cleanup.callback(
                psql, args.server, f'DROP DATABASE IF EXISTS "{args.name}" WITH (FORCE)'
            )
            cleanup.callback(flush_redis, env)
        cleanup.callback(processes.stop_all)
        began = time.perf_counter()
        if args.copy_of:  # a seeded database: saves the seeding when repeating a run
            psql(args.server, f'DROP DATABASE "{args.name}"')
            psql(args.server, f'CREATE DATABASE "{args.name}" TEMPLATE "{args.copy_of}"')
        else:
            manage(env, "migrate", "--no-input", "-v", "0")
            manage(env, "seed_demo", "--scenario", "halver")
        manage(env, "collectstatic", "--no-input", "-v", "0")
        flush_redis(env)
        prepared = run(
            [sys.executable, str(HERE / "prepare.py"), str(args.users), str(args.users)], env
        )
        (folder / "data.json").write_text(prepared)
        data = json.loads(prepared)
        first_run = json.loads(run([sys.executable, str(HERE / "check.py"), "first"], env))
        print(
            f"1. {args.name}: Demo halver angelegt und vorbereitet "
            f"({time.perf_counter() - began:.0f} s): {len(data['employees'])} Beschäftigte, "
            f"{len(data['heads'])} Leitungen, {len(data['devices'])} Geräte auf Lager"
        )

        ports = [free_port(), free_port()]
        servers = [
            processes.app_server(f"app{i + 1}", port, args.workers, args.threads)
            for i, port in enumerate(ports)
        ]
        for i in (1, 2):
            processes.start(
                f"worker{i}", [sys.executable, "manage.py", "db_worker", "--no-reload", "-v", "0"]
            )
        proxy = cleanup.enter_context(nginx_in_front(folder, ports))
        print(
            f"2. zwei App-Server (Ports {ports[0]}, {ports[1]}; je {args.workers} Worker × "
            f"{args.threads} Threads), zwei db_worker, nginx auf {proxy['https']}"
        )

        locust_env = dict(
            env, LOADTEST_DATA=str(folder / "data.json"), LOADTEST_LOG=str(folder / "log.json")
        )
        locust_log = (folder / "locust.log").open("w")
        load = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "locust", "-f", str(HERE / "locustfile.py"), "--headless"]
            + ["--users", str(args.users), "--spawn-rate", str(args.spawn_rate)]
            + ["--run-time", f"{args.seconds}s", "--stop-timeout", "10"]
            + ["--host", proxy["https"], "--csv", str(folder / "locust"), "--only-summary"],
            cwd=BASE_DIR,
            env=locust_env,
            stdout=locust_log,
            stderr=subprocess.STDOUT,
        )
        time.sleep(args.seconds / 2)
        os.killpg(servers[0].pid, signal.SIGKILL)
        killed_at = time.time()
        servers[0].wait()
        print(
            f"3. locust: {args.users} Nutzer, {args.seconds} s; App-Server 1 nach "
            f"{args.seconds / 2:.0f} s mit SIGKILL beendet"
        )
        load.wait(timeout=args.seconds + 120)
        locust_log.close()
        log_path = folder / "log.json"
        if not log_path.exists():
            print((folder / "locust.log").read_text()[-3000:])
            return 1
        log = json.loads(log_path.read_text())

        deadline = time.monotonic() + 300
        while json.loads(run([sys.executable, str(HERE / "check.py"), "open"], env))["open"]:
            if time.monotonic() > deadline:
                break
            time.sleep(1)
        checked = json.loads(
            run(
                [sys.executable, str(HERE / "check.py"), "all"]
                + [str(data["first_request"]), str(first_run["first_run"])]
                + [str(first_run["first_upload"])],
                env,
            )
        )

        print("4. Durchsatz und Antwortzeiten je Art (über nginx, https):")
        print_stats(stats_per_kind(folder / "locust_stats.csv"))
        in_flight, findings = judge_server_errors(log, killed_at, args.users)
        won, double_found = judge_double_decisions(log)
        findings += double_found + checked["findings"]
        surprises = Counter((u["name"], u["status"]) for u in log["unexpected"])
        findings += [f"{n}× HTTP {status} bei {name}" for (name, status), n in surprises.items()]
        print(
            f"5. beim Abschuss abgebrochen: {in_flight} Anfragen (502 auf POST oder Antwort "
            "abgeschnitten), sonst kein Serverfehler"
        )
        print(
            f"   doppelt entschieden: {len(log['double_decisions'])} Paare, genau einer gewann "
            f"{won['eine']}×, keiner (schon entschieden/zurückgezogen) {won['keine']}×"
        )
        print(
            f"   Anträge des Laufs: {checked['requests']} {checked['by_status']}; Aufgaben: "
            f"{checked['tasks']}, Planungsläufe {checked['planning_runs']}, "
            f"Importe {checked['imports']}"
        )
        if not log["double_decisions"]:
            findings.append("keine doppelte Entscheidung versucht")
        if not checked["planning_runs"]:
            findings.append("kein Planungslauf gestartet")
        if not checked["imports"]:
            findings.append("kein Import hochgeladen")
        if findings:
            print("FEHLER:\n   " + "\n   ".join(findings[:50]))
            print_nginx_errors(proxy["error_log"], ports)
            return 1
        print(
            "6. geprüft: kein Status doppelt geändert, jede Änderung in der Historie, jede "
            "Aufgabe genau einmal fertig"
        )
        return 0


if __name__ == "__main__":
    sys.exit(main())
