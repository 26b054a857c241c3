"""The Pulumi twin of main.tf: the same resources, the same names, the same settings.
Templates and buckets are kept well except where their names say otherwise."""

import pulumi
import pulumi_gcp as gcp

KEEP = pulumi.ResourceOptions(protect=True)
NETWORK = "projects/proj-12345/global/networks/default"


def firewall(name: str, protocol: str, ports: list[str] | None = None) -> None:
    allow = {"protocol": protocol, **({"ports": ports} if ports else {})}
    gcp.compute.Firewall(
        f"firewall_{name}", name=name, network="default", source_ranges=["0.0.0.0/0"], allows=[allow]
    )


firewall("ssh", "tcp", ["22"])
firewall("rdp", "tcp", ["3389"])
firewall("mysql", "tcp", ["3306"])
firewall("all", "all")

gcp.compute.InstanceTemplate(
    "template_public",
    machine_type="e2-small",
    metadata={"block-project-ssh-keys": "true"},
    disks=[{"source_image": "debian-cloud/debian-12"}],
    network_interfaces=[{"network": "default", "access_configs": [{}]}],
)
gcp.compute.InstanceTemplate(
    "template_project_keys",
    machine_type="e2-small",
    disks=[{"source_image": "debian-cloud/debian-12"}],
    network_interfaces=[{"network": "default"}],
)

gcp.storage.Bucket(
    "bucket_fine_grained",
    name="twin-fine-grained",
    location="EU",
    uniform_bucket_level_access=False,
    public_access_prevention="enforced",
    versioning={"enabled": True},
    opts=KEEP,
)
gcp.storage.Bucket(
    "bucket_unprevented",
    name="twin-unprevented",
    location="EU",
    uniform_bucket_level_access=True,
    public_access_prevention="inherited",
    versioning={"enabled": True},
    opts=KEEP,
)
gcp.storage.Bucket(
    "bucket_unversioned",
    name="twin-unversioned",
    location="EU",
    uniform_bucket_level_access=True,
    public_access_prevention="enforced",
    opts=KEEP,
)
gcp.storage.BucketIAMMember(
    "member_all_users", bucket="twin-site", role="roles/storage.objectViewer", member="allUsers"
)


def cloud_sql(name: str, backups: bool = True, **ip: object) -> None:
    settings = {"tier": "db-f1-micro", "ip_configuration": {"private_network": NETWORK, **ip}}
    if backups:
        settings["backup_configuration"] = {"enabled": True}
    gcp.sql.DatabaseInstance(
        name, database_version="POSTGRES_15", region="europe-west1", settings=settings, opts=KEEP
    )


cloud_sql("sql_public", ipv4_enabled=True, ssl_mode="ENCRYPTED_ONLY")
cloud_sql("sql_plaintext", ipv4_enabled=False, ssl_mode="ALLOW_UNENCRYPTED_AND_ENCRYPTED")
cloud_sql(
    "sql_world",
    ipv4_enabled=True,
    ssl_mode="ENCRYPTED_ONLY",
    authorized_networks=[{"name": "anyone", "value": "0.0.0.0/0"}],
)
cloud_sql("sql_encrypted_only", ipv4_enabled=False, ssl_mode="ENCRYPTED_ONLY")
cloud_sql("sql_no_backups", backups=False, ipv4_enabled=False, ssl_mode="TRUSTED_CLIENT_CERTIFICATE_REQUIRED")
RING = "projects/proj-12345/locations/europe-west1/keyRings/app"
# Terraform's lifecycle prevent_destroy is Pulumi's protect.
gcp.kms.CryptoKey("key_unrotated", name="data", key_ring=RING, opts=KEEP)
gcp.kms.CryptoKey("key_unprotected", name="logs", key_ring=RING, rotation_period="7776000s")
