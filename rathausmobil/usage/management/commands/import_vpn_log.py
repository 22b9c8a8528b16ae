"""import_vpn_log FILE... --format FMT [--gateway NAME] [--tz Europe/Berlin] [--year YYYY]

Reads gateway logs line by line into sessions (docs/vpn-usage.md). Broken lines are reported
with their number and skipped; importing a file again adds nothing. Exit code 0: all files
read (problems listed); 1: a file could not be read or the database refused it (that file
changed nothing); 2: wrong arguments.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from rathausmobil.access.models import GatewayProduct, VpnGateway
from rathausmobil.usage.accounts import AccountCache
from rathausmobil.usage.importing import ImportError_, gateway_for, import_lines
from rathausmobil.usage.parsers import DEFAULT_TZ, PARSERS

PRODUCT_OF_FORMAT = {
    "openvpn-log": GatewayProduct.OPENVPN,
    "openvpn-status": GatewayProduct.OPENVPN,
    "wireguard-dump": GatewayProduct.WIREGUARD,
    "cisco-asa": GatewayProduct.CISCO_ASA,
    "fortigate": GatewayProduct.FORTIGATE,
    "strongswan": GatewayProduct.STRONGSWAN,
}


# From this size on, a second process reads and assembles while this one writes (a fork
# costs a few milliseconds; a day's log of a small town is far below this).
PARALLEL_FROM_BYTES = 32 * 1024 * 1024


def _worth_a_second_process(path: Path) -> bool:
    return (
        (os.cpu_count() or 1) > 1
        and "fork" in multiprocessing.get_all_start_methods()
        and path.stat().st_size >= PARALLEL_FROM_BYTES
    )


class Command(BaseCommand):
    help = "Liest Protokolle eines VPN-Gateways als Sitzungen ein (mehrfach ausführbar)."

    def add_arguments(self, parser):
        parser.add_argument(
            "files", nargs="+", metavar="FILE", help="Protokolldateien, in zeitlicher Reihenfolge"
        )
        parser.add_argument("--format", required=True, choices=list(PARSERS), dest="fmt")
        parser.add_argument(
            "--gateway", help="Name des VPN-Gateways (Standard: das Standard-Gateway)"
        )
        parser.add_argument(
            "--capacity",
            type=int,
            help="legt ein noch unbekanntes --gateway mit dieser Kapazität (Lizenzen) an",
        )
        parser.add_argument("--tz", default=DEFAULT_TZ, help="Zeitzone lokaler Zeitstempel")
        parser.add_argument(
            "--year", type=int, help="Jahr der ersten Zeile, wenn die Zeitstempel keins haben"
        )

    def handle(self, *args, files, fmt, gateway, capacity, tz, year, **options):
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise CommandError(f"Unbekannte Zeitzone „{tz}“ (z. B. Europe/Berlin).") from None
        gw = self._gateway(gateway, capacity, fmt)
        failed = False
        accounts = None
        for name in files:
            path = Path(name)
            accounts = accounts or AccountCache()
            try:
                with path.open(encoding="utf-8", errors="replace") as fh:
                    result = import_lines(
                        fh,
                        name=path.name,
                        fmt=fmt,
                        gateway=gw,
                        tz=tz,
                        year=year,
                        accounts=accounts,
                        parallel=_worth_a_second_process(path),
                    )
            except FileNotFoundError:
                self.stderr.write(f"{name}: Datei nicht gefunden, übersprungen.")
                failed = True
                continue
            except IsADirectoryError:
                self.stderr.write(f"{name}: ist ein Verzeichnis, übersprungen.")
                failed = True
                continue
            except (OSError, DatabaseError) as exc:
                accounts = None  # its new accounts were rolled back with the file
                self.stderr.write(
                    f"{name}: nicht eingelesen, nichts gespeichert ({exc.__class__.__name__}: {exc})."
                )
                failed = True
                continue
            self.stdout.write(
                f"{path.name}: {result.lines} Zeilen in {result.seconds:.1f} s "
                f"(davon Tageswerte {result.rebuild_seconds:.1f} s), "
                f"{result.sessions} Sitzungen ({result.new} neu, {result.closed} abgeschlossen, "
                f"{result.known} schon bekannt), {result.open} noch offen, "
                f"{result.other} Zeilen anderer Meldungen übersprungen, "
                f"{result.problem_count} fehlerhafte Zeilen."
            )
            for p in result.problems:
                self.stdout.write(
                    f"  Zeile {p.line}: {p.message}" + (f" – {p.text}" if p.text else "")
                )
            if result.problem_count > len(result.problems):
                self.stdout.write(f"  … und {result.problem_count - len(result.problems)} weitere.")
        if failed:
            sys.exit(1)

    def _gateway(self, name, capacity, fmt) -> VpnGateway:
        if name and capacity and not VpnGateway.objects.filter(name=name).exists():
            if capacity < 1:
                raise CommandError("--capacity muss mindestens 1 sein.")
            gw = VpnGateway.objects.create(
                name=name,
                product=PRODUCT_OF_FORMAT.get(fmt, GatewayProduct.OTHER),
                capacity=capacity,
                is_default=not VpnGateway.objects.exists(),
            )
            self.stdout.write(f"VPN-Gateway „{name}“ mit Kapazität {capacity} angelegt.")
            return gw
        try:
            return gateway_for(name, fmt)
        except ImportError_ as exc:
            hint = (
                " Mit --capacity N legt der Import es an, oder IT legt es im Admin unter "
                "„VPN-Gateways“ an."
            )
            raise CommandError(str(exc) + hint) from None
