"""MultiCloudDatabase (to come): PostgreSQL under Patroni, its consensus on etcd, across vendors.

What exists so far is the pure part: the plan (:mod:`skyweave.planning.database`) and the
configuration files rendered from it (:mod:`skyweave.database.config`), proven by the real
daemons in ``tests/test_db_daemons.py``. See docs/database.md.
"""
