# Owns the database users (one per service, readWrite on its own database only, scoped to
# this cluster) and the URL each <service>-db secret holds: the private-endpoint SRV string.

resource "random_password" "user" {
  for_each = var.databases

  length  = 40
  special = false
}

resource "mongodbatlas_database_user" "this" {
  for_each = var.databases

  project_id         = mongodbatlas_project.this.id
  username           = each.key
  password           = random_password.user[each.key].result
  auth_database_name = "admin"

  roles {
    role_name     = "readWrite"
    database_name = each.value
  }

  scopes {
    name = mongodbatlas_advanced_cluster.this.name
    type = "CLUSTER"
  }
}

# The cluster's connection strings gain the private endpoint only once Atlas has accepted it,
# so they are read again after that.
data "mongodbatlas_advanced_cluster" "this" {
  project_id = mongodbatlas_advanced_cluster.this.project_id
  name       = mongodbatlas_advanced_cluster.this.name

  depends_on = [mongodbatlas_privatelink_endpoint_service.this]
}

locals {
  private_srv = one([
    for endpoint in coalesce(data.mongodbatlas_advanced_cluster.this.connection_strings.private_endpoint, []) :
    endpoint.srv_connection_string
    if contains([for e in endpoint.endpoints : e.endpoint_id], aws_vpc_endpoint.atlas.id)
  ])

  urls = {
    for service, database in var.databases : "${service}-db" => jsonencode({
      url = format(
        "mongodb+srv://%s:%s@%s/%s?retryWrites=true&w=majority",
        service,
        random_password.user[service].result,
        trimprefix(local.private_srv, "mongodb+srv://"),
        database,
      )
    })
  }
}
