# Owns the Atlas cluster and its backups: a replica set of three electable nodes in the
# stage's region (Atlas puts them in three zones), customer-key encryption at rest, cloud
# backups with point-in-time restore, and termination protection.

resource "mongodbatlas_advanced_cluster" "this" {
  project_id             = mongodbatlas_encryption_at_rest.this.project_id
  name                   = var.name
  cluster_type           = "REPLICASET"
  mongo_db_major_version = var.mongodb_major_version

  backup_enabled                 = true
  pit_enabled                    = true
  retain_backups_enabled         = true
  encryption_at_rest_provider    = "AWS"
  termination_protection_enabled = true

  replication_specs = [
    {
      region_configs = [
        {
          provider_name = "AWS"
          region_name   = local.atlas_region
          priority      = 7
          electable_specs = {
            instance_size = var.instance_size
            node_count    = 3
          }
          auto_scaling = {
            disk_gb_enabled = true
          }
        },
      ]
    },
  ]

  advanced_configuration = {
    javascript_enabled = false
  }

  tags = {
    Project   = "mercato"
    Stage     = var.stage
    ManagedBy = "terraform"
  }

  lifecycle {
    precondition {
      condition     = upper(replace(data.aws_region.current.region, "-", "_")) == local.atlas_region
      error_message = "The cluster, its KMS key and its private endpoint must share one region."
    }
  }

  depends_on = [mongodbatlas_privatelink_endpoint_service.this]
}

resource "mongodbatlas_cloud_backup_schedule" "this" {
  project_id   = mongodbatlas_advanced_cluster.this.project_id
  cluster_name = mongodbatlas_advanced_cluster.this.name

  reference_hour_of_day    = 1
  reference_minute_of_hour = 0
  restore_window_days      = 7

  policy_item_hourly {
    frequency_interval = 6
    retention_unit     = "days"
    retention_value    = 2
  }

  policy_item_daily {
    frequency_interval = 1
    retention_unit     = "days"
    retention_value    = 14
  }

  policy_item_weekly {
    frequency_interval = 7
    retention_unit     = "weeks"
    retention_value    = 8
  }

  policy_item_monthly {
    frequency_interval = 40
    retention_unit     = "months"
    retention_value    = 12
  }
}
