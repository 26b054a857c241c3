# The Terraform twin of __main__.py: the same resources, the same names, the same settings.
# Templates and buckets are kept well except where their names say otherwise.

resource "google_compute_firewall" "firewall_ssh" {
  name          = "ssh"
  network       = "default"
  source_ranges = ["0.0.0.0/0"]
  allow {
    protocol = "tcp"
    ports    = ["22"]
  }
}

resource "google_compute_firewall" "firewall_rdp" {
  name          = "rdp"
  network       = "default"
  source_ranges = ["0.0.0.0/0"]
  allow {
    protocol = "tcp"
    ports    = ["3389"]
  }
}

resource "google_compute_firewall" "firewall_mysql" {
  name          = "mysql"
  network       = "default"
  source_ranges = ["0.0.0.0/0"]
  allow {
    protocol = "tcp"
    ports    = ["3306"]
  }
}

resource "google_compute_firewall" "firewall_all" {
  name          = "all"
  network       = "default"
  source_ranges = ["0.0.0.0/0"]
  allow {
    protocol = "all"
  }
}

resource "google_compute_instance_template" "template_public" {
  machine_type = "e2-small"
  metadata = {
    block-project-ssh-keys = "true"
  }
  disk {
    source_image = "debian-cloud/debian-12"
  }
  network_interface {
    network = "default"
    access_config {}
  }
}

resource "google_compute_instance_template" "template_project_keys" {
  machine_type = "e2-small"
  disk {
    source_image = "debian-cloud/debian-12"
  }
  network_interface {
    network = "default"
  }
}

resource "google_storage_bucket" "bucket_fine_grained" {
  name                        = "twin-fine-grained"
  location                    = "EU"
  uniform_bucket_level_access = false
  public_access_prevention    = "enforced"
  versioning {
    enabled = true
  }
}

resource "google_storage_bucket" "bucket_unprevented" {
  name                        = "twin-unprevented"
  location                    = "EU"
  uniform_bucket_level_access = true
  public_access_prevention    = "inherited"
  versioning {
    enabled = true
  }
}

resource "google_storage_bucket" "bucket_unversioned" {
  name                        = "twin-unversioned"
  location                    = "EU"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
}

resource "google_storage_bucket_iam_member" "member_all_users" {
  bucket = "twin-site"
  role   = "roles/storage.objectViewer"
  member = "allUsers"
}

resource "google_sql_database_instance" "sql_public" {
  database_version = "POSTGRES_15"
  region           = "europe-west1"
  settings {
    tier = "db-f1-micro"
    backup_configuration {
      enabled = true
    }
    ip_configuration {
      ipv4_enabled    = true
      private_network = "projects/proj-12345/global/networks/default"
      ssl_mode        = "ENCRYPTED_ONLY"
    }
  }
}

resource "google_sql_database_instance" "sql_plaintext" {
  database_version = "POSTGRES_15"
  region           = "europe-west1"
  settings {
    tier = "db-f1-micro"
    backup_configuration {
      enabled = true
    }
    ip_configuration {
      ipv4_enabled    = false
      private_network = "projects/proj-12345/global/networks/default"
      ssl_mode        = "ALLOW_UNENCRYPTED_AND_ENCRYPTED"
    }
  }
}

resource "google_sql_database_instance" "sql_world" {
  database_version = "POSTGRES_15"
  region           = "europe-west1"
  settings {
    tier = "db-f1-micro"
    backup_configuration {
      enabled = true
    }
    ip_configuration {
      ipv4_enabled    = true
      private_network = "projects/proj-12345/global/networks/default"
      ssl_mode        = "ENCRYPTED_ONLY"
      authorized_networks {
        name  = "anyone"
        value = "0.0.0.0/0"
      }
    }
  }
}

resource "google_sql_database_instance" "sql_encrypted_only" {
  database_version = "POSTGRES_15"
  region           = "europe-west1"
  settings {
    tier = "db-f1-micro"
    backup_configuration {
      enabled = true
    }
    ip_configuration {
      ipv4_enabled    = false
      private_network = "projects/proj-12345/global/networks/default"
      ssl_mode        = "ENCRYPTED_ONLY"
    }
  }
}

resource "google_sql_database_instance" "sql_no_backups" {
  database_version = "POSTGRES_15"
  region           = "europe-west1"
  settings {
    tier = "db-f1-micro"
    ip_configuration {
      ipv4_enabled    = false
      private_network = "projects/proj-12345/global/networks/default"
      ssl_mode        = "TRUSTED_CLIENT_CERTIFICATE_REQUIRED"
    }
  }
}

resource "google_kms_crypto_key" "key_unrotated" {
  name     = "data"
  key_ring = "projects/proj-12345/locations/europe-west1/keyRings/app"
  lifecycle {
    prevent_destroy = true
  }
}

resource "google_kms_crypto_key" "key_unprotected" {
  name            = "logs"
  key_ring        = "projects/proj-12345/locations/europe-west1/keyRings/app"
  rotation_period = "7776000s"
}
