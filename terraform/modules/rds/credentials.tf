# Owns the service users' passwords and the JSON each <service>-db-credentials secret holds
# (the keys the overlay's secrets.yaml names: username, password, database). RDS cannot make
# users inside the engine, so bootstrap_sql renders the statements that do, for the one-off
# run described in terraform/README.md.

resource "random_password" "service" {
  for_each = var.databases

  length  = 40
  special = false
}

locals {
  credentials = {
    for service, database in var.databases : "${service}-db-credentials" => jsonencode({
      username = service
      password = random_password.service[service].result
      database = database
    })
  }

  bootstrap_sql = templatefile("${path.module}/templates/${var.engine}.sql.tftpl", {
    users = {
      for service, database in var.databases : service => {
        database = database
        password = random_password.service[service].result
      }
    }
  })
}
