"""A database member's cloud-init user data: its packages, its rendered files, its daemons on.

Pure (no Pulumi): the component calls :func:`member_user_data` inside an ``Output.apply`` once the
passwords and keys are known, and marks the result secret. The files are
:func:`skyweave.database.config.render_cluster`'s, written after the packages are installed
(``defer: true``: the ``postgres`` and ``etcd`` users exist only then), each with the mode and
owner the renderer gave it. Debian 12's packages: ``postgresql`` (15) and ``patroni`` on a
PostgreSQL member, ``etcd-server`` (3.4) on an etcd or witness member.

On a PostgreSQL member the Debian package's own cluster (``15/main``, started by the package) is
stopped and disabled: Patroni runs PostgreSQL itself, from its own data directory. On an etcd
member the package's etcd (started with its defaults) is restarted on the rendered file.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from ..planning.database import MemberRole
from .config import MemberFiles

__all__ = ["PACKAGES", "member_user_data"]

#: Debian 12's packages each role runs (the versions the lab in tests/test_db_daemons.py runs).
PACKAGES: Mapping[MemberRole, tuple[str, ...]] = {
    MemberRole.POSTGRES: ("postgresql", "patroni"),
    MemberRole.ETCD: ("etcd-server",),
    MemberRole.WITNESS: ("etcd-server",),
}


def member_user_data(files: MemberFiles) -> str:
    """The ``#cloud-config`` document for one member (JSON, which is YAML: no quoting to get wrong)."""
    write_files = [
        {
            "path": f.path,
            "content": f.content,
            "permissions": f"0{f.mode:o}",
            "owner": f"{f.owner}:{f.owner}",
            "defer": True,
        }
        for f in files.files
    ]
    if files.role is MemberRole.POSTGRES:
        runcmd = [
            ["systemctl", "disable", "--now", "postgresql@15-main", "postgresql"],
            ["systemctl", "enable", "--now", "patroni"],
        ]
    else:
        runcmd = [["systemctl", "enable", "etcd"], ["systemctl", "restart", "etcd"]]
    config = {
        "package_update": True,
        "packages": list(PACKAGES[files.role]),
        "write_files": write_files,
        "runcmd": runcmd,
    }
    return "#cloud-config\n" + json.dumps(config, indent=1) + "\n"
