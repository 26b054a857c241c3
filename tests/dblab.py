"""A network-namespace lab that runs the real etcd, Patroni and PostgreSQL on rendered configs.

Why: a Patroni file only a unit test has read is a guess about what Patroni accepts, and a
failover only a model has run is a guess about what the daemons do. Here each host is a network
namespace with one address, as a VM has: the members placed on it (an etcd member, a PostgreSQL
member, or both) share it, as the component will co-locate them. Hosts belong to "vendors"; the
namespaces meet on a bridge in a namespace of the lab's own, and a client namespace writes to the
leader. Every file a daemon reads is one :mod:`skyweave.database.config` rendered — the TLS
certificates are made here (openssl, a throw-away CA) and handed to the renderer as opaque values,
as the component will hand it Pulumi secrets.

Daemons run as their own users, as Debian's units run them: etcd as ``etcd``, Patroni (and so
PostgreSQL, which refuses to run as root) as ``postgres``; the lab's directory is 0711 so each can
reach its own 0700 directory in it and nothing else.

Losing a vendor is its hosts' links going down (a partition: everything there keeps running, cut
off) or, with ``kill=True``, that and every daemon there killed (the vendor is gone).

Every wait polls against a deadline; :meth:`DbLab.close` stops every daemon it started, deletes
its namespaces and its directory (which held the passwords and keys, mode 0600) whatever
happened. The addresses are a documentation range (RFC 5737) living only inside the lab's
namespaces.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from labkit import LabError, NamespaceLab, run
from labkit import until as _labkit_until
from skyweave.database.config import (
    PATRONI_PORT,
    POSTGRES_PORT,
    SUPERUSER,
    DatabaseSecrets,
    DatabaseTls,
    Layout,
    MemberFiles,
    TlsPair,
    render_cluster,
)
from skyweave.planning.database import DatabasePlan, MemberRole

ETCD = "/usr/bin/etcd"
PATRONI = "/usr/bin/patroni"
PG_BIN = "/usr/lib/postgresql/15/bin"
PSQL = "/usr/bin/psql"
SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's, with python3-psycopg2 (a dependency of patroni)
#: Debian packages providing the above (``.ci/run`` installs them).
PACKAGES = ("postgresql", "patroni", "etcd-server", "iproute2", "openssl")

NET = "198.51.100"  # RFC 5737 TEST-NET-2, only inside the lab's namespaces
CLIENT = f"{NET}.200"

T = TypeVar("T")


def missing() -> str | None:
    """Why the lab cannot run here, or ``None`` when it can."""
    if os.geteuid() != 0:
        return "needs root (network namespaces, veth, running daemons as their users)"
    tools = {
        "ip": shutil.which("ip"),
        "openssl": shutil.which("openssl"),
        "runuser": shutil.which("runuser"),
        **{p: p if os.access(p, os.X_OK) else None for p in (ETCD, PATRONI, PSQL, SYSTEM_PYTHON)},
        **{
            f"{PG_BIN}/{b}": f"{PG_BIN}/{b}" if os.access(f"{PG_BIN}/{b}", os.X_OK) else None
            for b in ("postgres", "initdb", "pg_ctl", "pg_basebackup", "pg_rewind")
        },
    }
    absent = sorted(name for name, path in tools.items() if path is None)
    if absent:
        return f"not installed: {', '.join(absent)} (apt-get install {' '.join(PACKAGES)})"
    for user in ("postgres", "etcd"):
        try:
            pwd.getpwnam(user)
        except KeyError:
            return f"no {user!r} user (Debian's package creates it)"
    probe = subprocess.run([SYSTEM_PYTHON, "-c", "import psycopg2"], capture_output=True, check=False)
    if probe.returncode != 0:
        return "the system python3 has no psycopg2 (python3-psycopg2, which patroni depends on)"
    return None


def new_secrets() -> DatabaseSecrets:
    """Fresh random passwords for one run; they live only in the lab's 0600 files."""
    return DatabaseSecrets(*(secrets.token_urlsafe(18) for _ in range(4)))


@dataclass
class _Member:
    name: str
    role: MemberRole
    host: str
    vendor: int
    address: str
    home: Path
    files: MemberFiles | None = None
    proc: subprocess.Popen[bytes] | None = None


@dataclass
class DbLab(NamespaceLab):
    """The namespaces and daemons for one plan: ``with DbLab(plan, hosts, vendors) as lab: …``.

    ``hosts`` maps each member name to the host it runs on (at most one etcd and one PostgreSQL
    member per host: they share its address); ``vendors`` maps each host to its vendor's index.
    """

    plan: DatabasePlan
    hosts: Mapping[str, str]
    vendors: Mapping[str, int]
    secrets: DatabaseSecrets = field(default_factory=new_secrets)
    tag: str = field(default_factory=lambda: secrets.token_hex(3))
    root: Path | None = None
    namespaces: list[str] = field(default_factory=list)
    members: dict[str, _Member] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    # -- setting up -------------------------------------------------------------------------

    def ns(self, host: str) -> str:
        return f"sdb-{self.tag}-{host}"

    def start(self) -> None:
        """Namespaces, certificates and rendered files; etcd started. Patroni waits for
        :meth:`start_patroni` (the test decides who bootstraps)."""
        t0 = time.monotonic()
        self.root = Path(tempfile.mkdtemp(prefix="skyweave-dblab-"))
        self.root.chmod(0o711)
        hosts = sorted(self.vendors)
        for m in self.plan.members:
            host = self.hosts[m.name]
            home = self.root / m.name
            home.mkdir(mode=0o700)
            address = f"{NET}.{10 + hosts.index(host)}"
            self.members[m.name] = _Member(m.name, m.member.role, host, self.vendors[host], address, home)
        self._network(hosts)
        self.timings["namespaces"] = time.monotonic() - t0
        t1 = time.monotonic()
        tls = self._certificates()
        self.timings["certificates"] = time.monotonic() - t1
        rendered = render_cluster(
            self.plan,
            {name: m.address for name, m in self.members.items()},
            self.secrets,
            tls,
            layout={name: self._layout(m) for name, m in self.members.items()},
            clients=[f"{CLIENT}/32"],
        )
        for name, files in rendered.items():
            self._install(self.members[name], files)
        t2 = time.monotonic()
        for m in self.etcd_members:
            self._start_etcd(m)
        self.wait_etcd_healthy()
        self.timings["etcd"] = time.monotonic() - t2

    @property
    def etcd_members(self) -> list[_Member]:
        return [m for m in self.members.values() if m.role is not MemberRole.POSTGRES]

    @property
    def pg_members(self) -> list[_Member]:
        return [m for m in self.members.values() if m.role is MemberRole.POSTGRES]

    def _network(self, hosts: Sequence[str]) -> None:
        wan = self._netns("wan")
        run(["ip", "-n", wan, "link", "add", "br0", "type", "bridge"])
        run(["ip", "-n", wan, "link", "set", "br0", "up"])
        addresses = {m.host: m.address for m in self.members.values()}
        for host in hosts:
            here = [m.role is MemberRole.POSTGRES for m in self.members.values() if m.host == host]
            if here.count(True) > 1 or here.count(False) > 1:
                raise LabError(
                    f"host {host}: at most one etcd and one PostgreSQL member (they share its ports)"
                )
        for host, address in [*((h, addresses[h]) for h in hosts), ("client", CLIENT)]:
            ns = self._netns(host)
            run(
                ["ip", "link", "add", "eth0", "netns", ns, "type", "veth", "peer", "name", host, "netns", wan]
            )
            run(["ip", "-n", wan, "link", "set", host, "master", "br0", "up"])
            run(["ip", "-n", ns, "addr", "add", f"{address}/24", "dev", "eth0"])
            run(["ip", "-n", ns, "link", "set", "eth0", "up"])

    def _certificates(self) -> DatabaseTls:
        """A throw-away CA and one certificate per member (its address as IP SAN, usable as
        server and client), made with openssl; the keys are read back as opaque text."""
        assert self.root is not None
        d = self.root / "ca"
        d.mkdir(mode=0o700)
        ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        run(
            [
                "openssl",
                "req",
                "-x509",
                *ec,
                "-subj",
                "/CN=skyweave-dblab-ca",
                "-days",
                "1",
                "-keyout",
                str(d / "ca.key"),
                "-out",
                str(d / "ca.crt"),
            ]
        )
        pairs = {}
        for m in self.members.values():
            key, csr, crt = d / f"{m.name}.key", d / f"{m.name}.csr", d / f"{m.name}.crt"
            run(
                [
                    "openssl",
                    "req",
                    *ec,
                    "-subj",
                    f"/CN={m.name}",
                    "-keyout",
                    str(key),
                    "-out",
                    str(csr),
                    "-addext",
                    f"subjectAltName=IP:{m.address}",
                    "-addext",
                    "extendedKeyUsage=serverAuth,clientAuth",
                ]
            )
            run(
                [
                    "openssl",
                    "x509",
                    "-req",
                    "-in",
                    str(csr),
                    "-CA",
                    str(d / "ca.crt"),
                    "-CAkey",
                    str(d / "ca.key"),
                    "-CAcreateserial",
                    "-days",
                    "1",
                    "-copy_extensions",
                    "copyall",
                    "-out",
                    str(crt),
                ]
            )
            pairs[m.name] = TlsPair(crt.read_text(), key.read_text())
        return DatabaseTls((d / "ca.crt").read_text(), pairs)

    def _layout(self, m: _Member) -> Layout:
        h = m.home
        return Layout(
            patroni_config=f"{h}/patroni.yml",
            data_dir=f"{h}/data",
            bin_dir=PG_BIN,
            socket_dir=f"{h}/run",
            pgpass=f"{h}/pgpass",
            patroni_tls_dir=f"{h}/tls",
            etcd_config=f"{h}/etcd.conf.yml",
            etcd_default=f"{h}/default-etcd",
            etcd_data_dir=f"{h}/etcd-data",
            etcd_tls_dir=f"{h}/tls",
        )

    def _install(self, m: _Member, files: MemberFiles) -> None:
        """Write the rendered files with their modes and owners; the member's directories are
        its daemon's user's."""
        m.files = files
        user = "postgres" if m.role is MemberRole.POSTGRES else "etcd"
        dirs = [m.home, m.home / "tls"] + ([m.home / "run"] if m.role is MemberRole.POSTGRES else [])
        for d in dirs[1:]:
            d.mkdir(mode=0o700)
        for d in dirs:
            shutil.chown(d, user, user)
        for f in files.files:
            fd = os.open(f.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, f.mode)
            with os.fdopen(fd, "w") as out:
                out.write(f.content)
            shutil.chown(f.path, f.owner, f.owner)

    def _daemon(self, m: _Member, user: str, argv: Sequence[str]) -> subprocess.Popen[bytes]:
        command = ["ip", "netns", "exec", self.ns(m.host), "runuser", "-u", user, "--", *argv]
        return _spawn(command, _base_env(), m.home / "daemon.log", cwd=m.home)

    def _start_etcd(self, m: _Member) -> None:
        assert m.files is not None
        m.proc = self._daemon(m, "etcd", [ETCD, "--config-file", f"{m.home}/etcd.conf.yml"])

    def validate_patroni(self, name: str) -> subprocess.CompletedProcess[bytes]:
        """``patroni --validate-config`` on a member's rendered file, in its namespace, as postgres."""
        m = self.members[name]
        return subprocess.run(
            [
                "ip",
                "netns",
                "exec",
                self.ns(m.host),
                "runuser",
                "-u",
                "postgres",
                "--",
                PATRONI,
                "--validate-config",
                f"{m.home}/patroni.yml",
            ],
            env=_base_env(),
            capture_output=True,
            timeout=30,
            check=False,
        )

    def start_patroni(self, name: str) -> None:
        m = self.members[name]
        m.proc = self._daemon(m, "postgres", [PATRONI, f"{m.home}/patroni.yml"])

    # -- observing ---------------------------------------------------------------------------

    def in_ns(
        self, ns: str, argv: Sequence[str], timeout: float = 10, env: Mapping[str, str] | None = None
    ) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            ["ip", "netns", "exec", ns, *argv],
            env={**_base_env(), **(env or {})},
            capture_output=True,
            timeout=timeout,
            check=False,
        )

    def patroni_status(self, name: str, ns: str | None = None) -> dict[str, Any] | None:
        """``GET /patroni`` of a member's REST API (from the client namespace unless ``ns``)."""
        return self.patroni_get(name, "patroni", ns)

    def patroni_get(self, name: str, endpoint: str, ns: str | None = None) -> dict[str, Any] | None:
        """``GET /<endpoint>`` of a member's REST API, parsed; ``None`` when it did not answer."""
        m = self.members[name]
        # A member whose PostgreSQL is not running answers 503, with the same JSON body.
        script = (
            "import urllib.error,urllib.request\n"
            "try:\n"
            f"    r=urllib.request.urlopen('http://{m.address}:{PATRONI_PORT}/{endpoint}',timeout=1.5)\n"
            "except urllib.error.HTTPError as e:\n"
            "    r=e\n"
            "print(r.read().decode())\n"
        )
        try:
            done = self.in_ns(ns or self.ns("client"), [SYSTEM_PYTHON, "-c", script], timeout=5)
        except subprocess.TimeoutExpired:
            return None
        if done.returncode != 0:
            return None
        try:
            parsed: dict[str, Any] = json.loads(done.stdout)
        except json.JSONDecodeError:
            return None
        return parsed

    def sql(self, name: str, query: str, ns: str | None = None, timeout: float = 10) -> str | None:
        """One query as the superuser against a member (from the client namespace unless ``ns``);
        ``None`` when it could not run."""
        m = self.members[name]
        conn = f"host={m.address} port={POSTGRES_PORT} user={SUPERUSER} dbname=postgres connect_timeout=2"
        try:
            done = self.in_ns(
                ns or self.ns("client"),
                [PSQL, conn, "-XAtqc", query],
                timeout=timeout,
                env={"PGPASSWORD": self.secrets.superuser_password},
            )
        except subprocess.TimeoutExpired:
            return None
        return done.stdout.decode().strip() if done.returncode == 0 else None

    def wait_etcd_healthy(self, timeout: float = 30) -> float:
        """Until every etcd member answers ``/health`` over TLS with a client certificate."""
        t0 = time.monotonic()
        for m in self.etcd_members:
            tls = f"{m.home}/tls"
            script = (
                "import ssl,sys,urllib.request\n"
                f"c=ssl.create_default_context(cafile='{tls}/ca.crt')\n"
                f"c.load_cert_chain('{tls}/member.crt','{tls}/member.key')\n"
                f"r=urllib.request.urlopen('https://{m.address}:2379/health',context=c,timeout=1.5)\n"
                "sys.exit(0 if b'\"true\"' in r.read() else 1)\n"
            )

            def healthy(m: _Member = m, script: str = script) -> bool | None:
                if m.proc is not None and m.proc.poll() is not None:
                    raise LabError(f"etcd {m.name} exited: {self.log_tail(m.name)}")
                done = self.in_ns(self.ns(m.host), [SYSTEM_PYTHON, "-c", script], timeout=5)
                return True if done.returncode == 0 else None

            until(healthy, timeout - (time.monotonic() - t0), f"etcd {m.name} healthy")
        return time.monotonic() - t0

    def wait_role(self, name: str, roles: Sequence[str], timeout: float, ns: str | None = None) -> float:
        """Seconds until a member's Patroni reports one of ``roles`` with PostgreSQL running."""
        t0 = time.monotonic()

        def probe() -> bool | None:
            m = self.members[name]
            if m.proc is not None and m.proc.poll() is not None:
                raise LabError(f"patroni {name} exited: {self.log_tail(name)}")
            status = self.patroni_status(name, ns)
            ok = status is not None and status.get("role") in roles and status.get("state") == "running"
            return True if ok else None

        until(probe, timeout, f"{name} to run as {'/'.join(roles)}")
        return time.monotonic() - t0

    def leader(self, among: Sequence[str] | None = None) -> str | None:
        """The member whose Patroni says it is the primary, asked from the client namespace."""
        for name in among or [m.name for m in self.pg_members]:
            status = self.patroni_status(name)
            if status and status.get("role") in ("master", "primary") and status.get("state") == "running":
                return name
        return None

    # -- failing -----------------------------------------------------------------------------

    def cut(self, vendor: int, *, kill: bool = False) -> float:
        """Lose a vendor: its hosts' links down (and, with ``kill``, every daemon there killed).
        Returns the monotonic time of the cut."""
        for host in sorted(h for h, v in self.vendors.items() if v == vendor):
            # The bridge's end: the host's own interface stays up (carrier lost), so its
            # daemons can still be asked, from inside, what they make of being cut off.
            run(["ip", "-n", self.ns("wan"), "link", "set", host, "down"])
        at = time.monotonic()
        if kill:
            for m in self.members.values():
                if m.vendor == vendor and m.proc is not None:
                    _kill_group(m.proc)
        return at

    # -- reading -----------------------------------------------------------------------------

    def logged_at(self, name: str, needle: str, after: float) -> float | None:
        """When (epoch seconds) a member's daemon first logged ``needle`` at or after ``after``:
        the daemon's own clock for an event, not the lab's polling. Patroni stamps each line
        with local time to the millisecond (``%(asctime)s``)."""
        path = self.members[name].home / "daemon.log"
        if not path.exists():
            return None
        for line in path.read_text(errors="replace").splitlines():
            if needle not in line:
                continue
            try:
                at = datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f").timestamp()
            except ValueError:
                continue
            if at >= after:
                return at
        return None

    def log_tail(self, name: str, lines: int = 25) -> str:
        path = self.members[name].home / "daemon.log"
        if not path.exists():
            return "(no log)"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def diagnostics(self) -> str:
        """Each daemon's last lines, and every line where Patroni or PostgreSQL speaks of
        synchronous replication or promotion (the history a failover assertion needs)."""
        parts = []
        for name, m in self.members.items():
            parts.append(f"--- {name}\n{self.log_tail(name)}")
            log = m.home / "daemon.log"
            if m.role is MemberRole.POSTGRES and log.exists():
                lines = log.read_text(errors="replace").splitlines()
                keep = [x for x in lines if any(w in x for w in ("ynchronous", "promot", "Lock owner: None"))]
                parts.append(f"--- {name}: synchronous / promotion history\n" + "\n".join(keep[-60:]))
        return "\n".join(parts)

    # -- tearing down ------------------------------------------------------------------------

    def close(self) -> None:
        """Stop every daemon this lab started, delete its namespaces and its files. Idempotent."""
        pg = [m.proc for m in self.pg_members if m.proc is not None]
        _stop(pg, grace=8.0)  # Patroni stops PostgreSQL on SIGTERM (fast shutdown)
        _stop([m.proc for m in self.etcd_members if m.proc is not None], grace=3.0)
        for m in self.members.values():
            m.proc = None
        self._reap_postgres()
        self._delete_namespaces()
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    def _reap_postgres(self) -> None:
        """A postmaster Patroni left behind (Patroni killed) still holds its data directory:
        stop it by the pid in that directory, the only postmaster this lab may touch."""
        for m in self.pg_members:
            pidfile = m.home / "data" / "postmaster.pid"
            if not pidfile.exists():
                continue
            try:
                pid = int(pidfile.read_text().splitlines()[0])
                os.kill(pid, signal.SIGQUIT)  # immediate shutdown
            except (ValueError, IndexError, ProcessLookupError, PermissionError):
                continue
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and _alive(pid):
                time.sleep(0.05)
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


class Writer:
    """A client in the lab's client namespace committing one row per transaction to the leader.

    It prints each id once its COMMIT has returned, so what it printed is exactly what the
    database acknowledged; it never retries and stops at the first error.
    """

    SCRIPT = r"""
import os, sys, psycopg2
conn = psycopg2.connect(host=sys.argv[1], port=int(sys.argv[2]), user=sys.argv[3], dbname="postgres",
                        password=os.environ["PGPASSWORD"], connect_timeout=3)
cur = conn.cursor()
cur.execute("CREATE TABLE IF NOT EXISTS acked (id integer PRIMARY KEY, at timestamptz DEFAULT now())")
conn.commit()
print("ready", flush=True)
i = 0
while True:
    i += 1
    cur.execute("INSERT INTO acked (id) VALUES (%s)", (i,))
    conn.commit()
    print(i, flush=True)
"""

    def __init__(self, lab: DbLab, leader: str) -> None:
        self.lab = lab
        assert lab.root is not None
        self.out_path = lab.root / f"writer-{secrets.token_hex(2)}.out"
        command = [
            *("ip", "netns", "exec", lab.ns("client"), SYSTEM_PYTHON, "-c", self.SCRIPT),
            *(lab.members[leader].address, str(POSTGRES_PORT), SUPERUSER),
        ]
        env = {**_base_env(), "PGPASSWORD": lab.secrets.superuser_password}
        self.proc = _spawn(command, env, self.out_path)

    def acked(self) -> list[int]:
        lines = self.out_path.read_text(errors="replace").splitlines()
        return [int(x) for x in lines if x.isdigit()]

    def wait_acked(self, count: int, timeout: float) -> int:
        def enough() -> int | None:
            if self.proc.poll() is not None:
                raise LabError(f"the writer stopped: {self.out_path.read_text(errors='replace')[-600:]}")
            n = len(self.acked())
            return n if n >= count else None

        return until(enough, timeout, f"{count} acknowledged commits")

    def stop(self) -> list[int]:
        _kill_group(self.proc)
        return self.acked()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the process group the lab started (``start_new_session``), then reap it."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


def _stop(procs: Sequence[subprocess.Popen[bytes]], grace: float) -> None:
    """SIGTERM each process group, then SIGKILL whatever has not exited after ``grace`` seconds."""
    for p in procs:
        if p.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGTERM)
    stop_by = time.monotonic() + grace
    for p in procs:
        try:
            p.wait(timeout=max(0.05, stop_by - time.monotonic()))
        except subprocess.TimeoutExpired:
            _kill_group(p)


def _base_env() -> dict[str, str]:
    return {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}


def _spawn(
    argv: Sequence[str], env: Mapping[str, str], log: Path, cwd: Path | None = None
) -> subprocess.Popen[bytes]:
    """Start a process in a session of its own (so the lab can signal its whole group), its
    output appended to ``log``."""
    out = log.open("ab")
    try:
        return subprocess.Popen(
            list(argv),
            env=dict(env),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    finally:
        out.close()


def until(probe: Callable[[], T | None], timeout: float, what: str) -> T:
    """:func:`labkit.until` at a pace for probes that each start a process."""
    return _labkit_until(probe, timeout, what, interval=0.25)
