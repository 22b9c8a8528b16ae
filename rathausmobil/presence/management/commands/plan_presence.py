"""Plan a week's presence.

    python manage.py plan_presence --instance FILE [--json] [--time-limit S]
        one week in the exchange format, without the database (docs/workflows/presence.md)
    python manage.py plan_presence --week 2027-W10 [--unit CODE] [--publish]
        the week of the units (all units with people, or one) from the records

Exit status: 0 a plan, 1 the rules that always hold cannot all hold (`infeasible`) or no
plan within the time limit, 2 an invalid instance or call (the message names the place).
"""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand

from rathausmobil.presence.planner import DEFAULT_TIME_LIMIT, InvalidInstance, plan_week
from rathausmobil.presence.planner.instance import DAY_NAMES

MAX_SHOWN = 50


class Command(BaseCommand):
    help = "Plant die Anwesenheit einer Woche (Austauschformat oder aus den Datensätzen)."

    def add_arguments(self, parser):
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--instance", metavar="DATEI", help="Woche im Austauschformat (JSON)")
        source.add_argument("--week", metavar="JJJJ-Www", help="Kalenderwoche, z. B. 2027-W10")
        parser.add_argument("--json", action="store_true", help="den Plan als JSON ausgeben")
        parser.add_argument(
            "--time-limit",
            type=float,
            default=None,
            metavar="SEKUNDEN",
            help=f"Zeitgrenze der Suche (Standard {DEFAULT_TIME_LIMIT:g} s)",
        )
        parser.add_argument("--unit", metavar="KENNUNG", help="nur diese Einheit (mit --week)")
        parser.add_argument(
            "--publish", action="store_true", help="den Plan gleich veröffentlichen (mit --week)"
        )

    def handle(self, *args, **options):
        if options["instance"]:
            return self._instance(options)
        return self._week(options)

    def _fail(self, lines: list[str], code: int = 2):
        for line in lines:
            self.stderr.write(line)
        raise SystemExit(code)

    def _instance(self, options):
        if options["unit"] or options["publish"]:
            self._fail(["--unit und --publish gehören zu --week, nicht zu --instance."])
        path = options["instance"]
        try:
            with open(path, encoding="utf-8-sig") as handle:
                document = json.load(handle)
        except FileNotFoundError:
            self._fail([f"{path}: Datei nicht gefunden"])
        except UnicodeDecodeError:
            self._fail([f"{path}: keine UTF-8-Datei"])
        except json.JSONDecodeError as error:
            self._fail(
                [
                    f"{path}, Zeile {error.lineno}, Spalte {error.colno}: kein gültiges JSON ({error.msg})"
                ]
            )
        except OSError as error:
            self._fail([f"{path}: nicht lesbar ({error.strerror})"])
        limit = options["time_limit"] if options["time_limit"] is not None else DEFAULT_TIME_LIMIT
        if limit <= 0:
            self._fail(["--time-limit: eine Zeit über 0 Sekunden erwarten"])
        try:
            answer = plan_week(document, time_limit=limit)
        except InvalidInstance as error:
            shown = error.problems[:MAX_SHOWN]
            more = len(error.problems) - len(shown)
            self._fail(
                [f"{path}: ungültige Planungsaufgabe ({len(error.problems)} Fehler)"]
                + [f"  {line}" for line in shown]
                + ([f"  … und {more} weitere"] if more > 0 else [])
            )
        self._print(answer, as_json=options["json"])
        if answer["status"] not in ("optimal", "feasible"):
            raise SystemExit(1)

    def _print(self, answer: dict, *, as_json: bool):
        if as_json:
            sys.stdout.write(json.dumps(answer, ensure_ascii=False, indent=1) + "\n")
            sys.stdout.flush()
            return
        labels = {
            "optimal": "optimal (bewiesen)",
            "feasible": "zulässig (Zeitgrenze erreicht)",
            "infeasible": "unlösbar: die festen Regeln widersprechen sich",
            "unknown": "kein Plan in der Zeitgrenze",
        }
        stats = answer["stats"]
        self.stdout.write(f"Ergebnis: {labels[answer['status']]} in {stats['solve_seconds']:.2f} s")
        if "wishes_total" in stats:
            self.stdout.write(
                f"Wünsche erfüllt: {stats['wishes_met']} von {stats['wishes_total']}; "
                f"Teamtage: {stats['team_days_met']} von {stats['team_days_total']}"
            )
        for item in answer["shortfalls"]:
            if item["rule"] == "coverage":
                what = f" mit „{item['qualification']}“" if item["qualification"] else ""
                self.stdout.write(
                    f"- {item['unit']}, {DAY_NAMES[item['day']]}: {item['planned']} von "
                    f"{item['required']}{what} vor Ort – {item['reason']}"
                )
            else:
                self.stdout.write(f"- {item['reason']}")

    def _week(self, options):
        from rathausmobil.presence.planning import plan_from_command

        return plan_from_command(self, options)
