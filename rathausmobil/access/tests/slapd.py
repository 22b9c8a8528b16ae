"""A throw-away OpenLDAP server for the provisioning and the directory-login tests.

`slapd_server` (session) starts Debian's slapd on a free port of 127.0.0.1 with a
temporary mdb database, fills it with a few people and two groups, and stops it at
the end. `directory` (per test) empties the groups again and points the settings
at the server. Import both into a test module:

    from rathausmobil.access.tests.slapd import directory, slapd_server  # noqa: F401

For the login through the directory (organisation/directory.py) the server also holds
people with passwords (`LOGIN_PEOPLE`), role groups with one nested group inside another
(`LOGIN_GROUPS`) and a disabled person, modelled as OpenLDAP's password policy does it:
`pwdAccountLockedTime` (the ppolicy module is loaded for its schema only, without the
overlay, so the server itself would still accept that person's password: refusing it is
the application's job, through AUTH_LDAP_USER_ACTIVE_FILTER). `directory_login` (per
test) puts the memberships and the lock back and points the AUTH_LDAP_* settings at it.

A system slapd on port 389 (started by the package's post-install) is never used.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from ldap3 import BASE, MODIFY_REPLACE, Connection, Server

SLAPD = "/usr/sbin/slapd"
SCHEMA_DIR = "/etc/ldap/schema"
SUFFIX = "dc=stadt,dc=example"
ROOT_DN = f"cn=admin,{SUFFIX}"
ROOT_PASSWORD = "test-only-secret"
PEOPLE = f"ou=people,{SUFFIX}"
GROUPS = f"ou=groups,{SUFFIX}"
VPN_GROUP = f"cn=VPN-Nutzer,{GROUPS}"
TS_GROUP = f"cn=Terminalserver-Nutzer,{GROUPS}"
PLACEHOLDER = f"cn=placeholder,{GROUPS}"

# personnel number, first name, last name; e-mail <number>@stadt.example as in the
# organisation factories, so an Employee with the same number is found.
PEOPLE_ENTRIES = [
    ("100001", "Erika", "Musterfrau"),
    ("100002", "Max", "Mustermann"),
    ("100003", "Hans", "Hand"),
    ("100004", "Jürgen", "Müller"),
]


def user_dn(number: str) -> str:
    return f"uid=u{number},{PEOPLE}"


# The login through the directory: user name (uid), first name, last name, personnel
# number (e-mail <number>@stadt.example, employeeNumber <number>), password.
LOGIN_PASSWORD = "Verzeichnis-Passwort-1"
LOGIN_PEOPLE = [
    ("anna", "Anna", "Amt", "200001"),  # Personalamt
    ("ben", "Ben", "Bit", "200002"),  # IT-Admins, which is a member of IT: nested
    ("carla", "Carla", "Chef", "200003"),  # Verwaltungsspitze and Personalrat
    ("dora", "Dora", "Dienst", "200004"),  # no group
    ("erik", "Erik", "Ex", "200005"),  # IT, but disabled (pwdAccountLockedTime)
]
DISABLED = "erik"
HR_GROUP = f"cn=Personalamt,{GROUPS}"
IT_GROUP = f"cn=IT,{GROUPS}"
IT_ADMINS_GROUP = f"cn=IT-Admins,{GROUPS}"
LEADERSHIP_GROUP = f"cn=Verwaltungsspitze,{GROUPS}"
STAFF_COUNCIL_GROUP = f"cn=Personalrat,{GROUPS}"
#: each group's members at the start of every test (a groupOfNames keeps at least one)
LOGIN_GROUPS = {
    HR_GROUP: ["uid=anna," + PEOPLE],
    IT_ADMINS_GROUP: ["uid=ben," + PEOPLE],
    IT_GROUP: [IT_ADMINS_GROUP, "uid=erik," + PEOPLE],
    LEADERSHIP_GROUP: ["uid=carla," + PEOPLE],
    STAFF_COUNCIL_GROUP: ["uid=carla," + PEOPLE],
}
#: AUTH_LDAP_ROLE_GROUPS for the test server; the staff council's group is not mapped
LOGIN_ROLE_GROUPS = f"hr={HR_GROUP};it={IT_GROUP};leadership={LEADERSHIP_GROUP}"


def login_dn(uid: str) -> str:
    return f"uid={uid},{PEOPLE}"


@dataclass(frozen=True)
class SlapdServer:
    url: str
    bind_dn: str
    password: str

    def connect(self) -> Connection:
        return Connection(
            Server(self.url), self.bind_dn, self.password, auto_bind=True, raise_exceptions=True
        )

    def members(self, group_dn: str) -> set[str]:
        """The raw `member` values (placeholder included), lower case."""
        conn = self.connect()
        try:
            conn.search(group_dn, "(objectClass=*)", search_scope=BASE, attributes=["member"])
            return {str(value).lower() for value in conn.response[0]["attributes"]["member"]}
        finally:
            conn.unbind()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _config(workdir: Path) -> str:
    includes = "\n".join(
        f"include {SCHEMA_DIR}/{name}.schema" for name in ("core", "cosine", "inetorgperson")
    )
    return f"""{includes}
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload ppolicy
pidfile {workdir}/slapd.pid
argsfile {workdir}/slapd.args
database mdb
maxsize 104857600
suffix "{SUFFIX}"
rootdn "{ROOT_DN}"
rootpw {ROOT_PASSWORD}
directory {workdir}/data
"""


def _wait_until_answering(url: str, process: subprocess.Popen, workdir: Path) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = (workdir / "slapd.log").read_text(errors="replace")
            raise RuntimeError(f"slapd ended with {process.returncode}:\n{log}")
        try:
            Connection(
                Server(url, connect_timeout=1), ROOT_DN, ROOT_PASSWORD, auto_bind=True
            ).unbind()
            return
        except Exception:
            time.sleep(0.05)
    raise RuntimeError(f"slapd did not answer on {url} within 10 s")


def _populate(server: SlapdServer) -> None:
    conn = server.connect()
    try:
        conn.add(SUFFIX, ["dcObject", "organization"], {"dc": "stadt", "o": "Stadt Example"})
        conn.add(PEOPLE, ["organizationalUnit"], {"ou": "people"})
        conn.add(GROUPS, ["organizationalUnit"], {"ou": "groups"})
        for number, first, last in PEOPLE_ENTRIES:
            conn.add(
                user_dn(number),
                ["inetOrgPerson"],
                {
                    "uid": f"u{number}",
                    "cn": f"{first} {last}",
                    "givenName": first,
                    "sn": last,
                    "mail": f"{number}@stadt.example",
                },
            )
        # The VPN group keeps its own DN as placeholder (the adapter's default); the
        # terminal-server group a separate placeholder entry (LDAP_GROUP_PLACEHOLDER_DN).
        conn.add(PLACEHOLDER, ["organizationalRole"], {"cn": "placeholder"})
        conn.add(VPN_GROUP, ["groupOfNames"], {"cn": "VPN-Nutzer", "member": [VPN_GROUP]})
        conn.add(
            TS_GROUP, ["groupOfNames"], {"cn": "Terminalserver-Nutzer", "member": [PLACEHOLDER]}
        )
        for uid, first, last, number in LOGIN_PEOPLE:
            conn.add(
                login_dn(uid),
                ["inetOrgPerson"],
                {
                    "uid": uid,
                    "cn": f"{first} {last}",
                    "givenName": first,
                    "sn": last,
                    "mail": f"{number}@stadt.example",
                    "employeeNumber": number,
                    "userPassword": LOGIN_PASSWORD,
                },
            )
        for group_dn, members in LOGIN_GROUPS.items():
            conn.add(
                group_dn,
                ["groupOfNames"],
                {"cn": group_dn[3 : group_dn.index(",")], "member": members},
            )
    finally:
        conn.unbind()


@pytest.fixture(scope="session")
def slapd_server():
    if not os.path.exists(SLAPD):
        message = (
            f"{SLAPD} fehlt (apt-get install slapd ldap-utils; `make system-deps`) / "
            "slapd is missing, LDAP tests need it."
        )
        if os.environ.get("RM_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    workdir = Path(tempfile.mkdtemp(prefix="rm-slapd-"))
    (workdir / "data").mkdir()
    (workdir / "slapd.conf").write_text(_config(workdir))
    url = f"ldap://127.0.0.1:{_free_port()}"
    with open(workdir / "slapd.log", "w") as log:
        process = subprocess.Popen(  # noqa: S603 - fixed arguments
            [SLAPD, "-d", "0", "-f", str(workdir / "slapd.conf"), "-h", f"{url}/"],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_answering(url, process, workdir)
        server = SlapdServer(url=url, bind_dn=ROOT_DN, password=ROOT_PASSWORD)
        _populate(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def directory(slapd_server, settings):
    """Empty groups (placeholders only) and settings pointing at the test server."""
    conn = slapd_server.connect()
    try:
        conn.modify(VPN_GROUP, {"member": [(MODIFY_REPLACE, [VPN_GROUP])]})
        conn.modify(TS_GROUP, {"member": [(MODIFY_REPLACE, [PLACEHOLDER])]})
    finally:
        conn.unbind()
    settings.LDAP_URL = f"{slapd_server.url}/"  # written as an LDAP URL, with the slash
    settings.LDAP_BIND_DN = slapd_server.bind_dn
    settings.LDAP_BIND_PASSWORD = slapd_server.password
    settings.LDAP_USER_BASE = PEOPLE
    settings.LDAP_USER_FILTER = "(&(objectClass=inetOrgPerson)(mail={email}))"
    settings.LDAP_VPN_GROUP_DN = VPN_GROUP
    settings.LDAP_TERMINAL_SERVER_GROUP_DN = TS_GROUP
    settings.LDAP_GROUP_PLACEHOLDER_DN = PLACEHOLDER
    return slapd_server


@pytest.fixture
def directory_login(slapd_server, settings):
    """The login people's groups and lock as at the start, and the AUTH_LDAP_* settings of
    an OpenLDAP installation pointing at the test server."""
    conn = slapd_server.connect()
    try:
        for group_dn, members in LOGIN_GROUPS.items():
            conn.modify(group_dn, {"member": [(MODIFY_REPLACE, members)]})
        conn.modify(
            login_dn(DISABLED), {"pwdAccountLockedTime": [(MODIFY_REPLACE, ["000001010000Z"])]}
        )
    finally:
        conn.unbind()
    settings.AUTH_LDAP_SERVER_URI = slapd_server.url
    settings.AUTH_LDAP_BIND_DN = slapd_server.bind_dn
    settings.AUTH_LDAP_BIND_PASSWORD = slapd_server.password
    settings.AUTH_LDAP_START_TLS = False
    settings.AUTH_LDAP_USER_BASE = PEOPLE
    settings.AUTH_LDAP_USER_FILTER = "(&(objectClass=inetOrgPerson)(uid=%(user)s))"
    settings.AUTH_LDAP_USER_ACTIVE_FILTER = "(!(pwdAccountLockedTime=*))"
    settings.AUTH_LDAP_GROUP_BASE = GROUPS
    settings.AUTH_LDAP_GROUP_TYPE = "openldap"
    settings.AUTH_LDAP_ROLE_GROUPS = LOGIN_ROLE_GROUPS
    settings.AUTH_LDAP_EMPLOYEE_ATTRIBUTE = "mail"
    settings.AUTH_LDAP_EMPLOYEE_FIELD = "email"
    return slapd_server
