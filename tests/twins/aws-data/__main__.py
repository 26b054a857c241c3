"""The Pulumi twin of main.tf: the same resources, the same names, the same settings.
Every database is encrypted, private and (RDS) multi-AZ except where its name says otherwise."""

import pulumi
import pulumi_aws as aws

KEEP = pulumi.ResourceOptions(protect=True)
POSTGRES = {
    "engine": "postgres",
    "instance_class": "db.t3.micro",
    "allocated_storage": 20,
    "username": "app",
    "manage_master_user_password": True,
}

aws.rds.Instance("db_unencrypted", **POSTGRES, multi_az=True, storage_encrypted=False, opts=KEEP)
aws.rds.Instance(
    "db_public", **POSTGRES, multi_az=True, storage_encrypted=True, publicly_accessible=True, opts=KEEP
)
aws.rds.Instance(
    "db_no_backups", **POSTGRES, multi_az=True, storage_encrypted=True, backup_retention_period=0, opts=KEEP
)
aws.rds.Instance("db_single_az", **POSTGRES, multi_az=False, storage_encrypted=True, opts=KEEP)
aws.rds.Cluster(
    "cluster_unencrypted",
    engine="aurora-postgresql",
    master_username="app",
    manage_master_user_password=True,
    storage_encrypted=False,
    opts=KEEP,
)
aws.redshift.Cluster(
    "warehouse_unencrypted",
    cluster_identifier="unencrypted",
    node_type="ra3.large",
    master_username="app",
    manage_master_password=True,
    encrypted="false",
    opts=KEEP,
)
aws.redshift.Cluster(
    "warehouse_public",
    cluster_identifier="public",
    node_type="ra3.large",
    master_username="app",
    manage_master_password=True,
    encrypted="true",
    publicly_accessible=True,
    opts=KEEP,
)
aws.dynamodb.Table(
    "table_no_recovery",
    name="orders",
    hash_key="id",
    billing_mode="PAY_PER_REQUEST",
    attributes=[{"name": "id", "type": "S"}],
    opts=KEEP,
)
