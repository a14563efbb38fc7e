# Optional RDS for PostgreSQL in a VPC; the functions reach it through their VPC access.

resource "huaweicloud_rds_instance" "store" {
  count = var.store.rds == null ? 0 : 1

  name                = "${var.name_prefix}-store"
  flavor              = var.store.rds.flavor
  vpc_id              = var.store.rds.vpc_id
  subnet_id           = var.store.rds.subnet_id
  security_group_id   = var.store.rds.security_group_id
  availability_zone   = [var.store.rds.availability_zone]
  ssl_enable          = true
  backup_strategy {
    start_time = "02:00-03:00"
    keep_days  = 7
  }

  db {
    type     = "PostgreSQL"
    version  = var.store.rds.version
    password = var.store_password
  }

  volume {
    type = "CLOUDSSD"
    size = var.store.rds.volume_size_gb
  }
}

resource "huaweicloud_rds_pg_database" "store" {
  count = var.store.rds == null ? 0 : 1

  instance_id = huaweicloud_rds_instance.store[0].id
  name        = "evs_transfer"
  owner       = huaweicloud_rds_pg_account.store[0].name
}

resource "huaweicloud_rds_pg_account" "store" {
  count = var.store.rds == null ? 0 : 1

  instance_id = huaweicloud_rds_instance.store[0].id
  name        = "evs_transfer"
  password    = var.store_password
}
