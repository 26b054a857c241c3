"""MultiCloudDatabase: PostgreSQL under Patroni, its consensus on etcd, across vendors.

The plan (:mod:`skyweave.planning.database` for the arithmetic, :mod:`skyweave.database.plan` for
sites, addresses and rules), the files each member runs (:mod:`skyweave.database.config`, proven
by the real daemons in ``tests/test_db_daemons.py``), its user data (:mod:`skyweave.database.boot`)
and the component (:mod:`skyweave.database.multi_cloud_database`). See docs/database.md.
"""
