# The Terraform twin of __main__.py: the same resources, the same names, the same settings.
# Every database is encrypted, private and (RDS) multi-AZ except where its name says otherwise.

resource "aws_db_instance" "db_unencrypted" {
  engine                      = "postgres"
  instance_class              = "db.t3.micro"
  allocated_storage           = 20
  username                    = "app"
  manage_master_user_password = true
  multi_az                    = true
  storage_encrypted           = false
}

resource "aws_db_instance" "db_public" {
  engine                      = "postgres"
  instance_class              = "db.t3.micro"
  allocated_storage           = 20
  username                    = "app"
  manage_master_user_password = true
  multi_az                    = true
  storage_encrypted           = true
  publicly_accessible         = true
}

resource "aws_db_instance" "db_single_az" {
  engine                      = "postgres"
  instance_class              = "db.t3.micro"
  allocated_storage           = 20
  username                    = "app"
  manage_master_user_password = true
  multi_az                    = false
  storage_encrypted           = true
}

resource "aws_db_instance" "db_no_backups" {
  engine                      = "postgres"
  instance_class              = "db.t3.micro"
  allocated_storage           = 20
  username                    = "app"
  manage_master_user_password = true
  multi_az                    = true
  storage_encrypted           = true
  backup_retention_period     = 0
}

resource "aws_rds_cluster" "cluster_unencrypted" {
  engine                      = "aurora-postgresql"
  master_username             = "app"
  manage_master_user_password = true
  storage_encrypted           = false
}

resource "aws_redshift_cluster" "warehouse_unencrypted" {
  cluster_identifier    = "unencrypted"
  node_type             = "ra3.large"
  master_username       = "app"
  manage_master_password = true
  encrypted             = false
}

resource "aws_redshift_cluster" "warehouse_public" {
  cluster_identifier    = "public"
  node_type             = "ra3.large"
  master_username       = "app"
  manage_master_password = true
  encrypted             = true
  publicly_accessible   = true
}

resource "aws_dynamodb_table" "table_no_recovery" {
  name         = "orders"
  hash_key     = "id"
  billing_mode = "PAY_PER_REQUEST"
  attribute {
    name = "id"
    type = "S"
  }
}
