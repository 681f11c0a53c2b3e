# What the naming of terraform/README.md fixes for every stage: names, the databases each service owns,
# the components with an image, and which secrets are hand-filled.

locals {
  name          = "mercato-${var.stage}"
  secret_prefix = "mercato/${var.stage}"

  components = toset(["operator", "gateway", "notifications", "auth", "users", "gigs", "chat", "orders", "reviews"])

  postgres_databases = {
    gigs    = "mercato_gigs"
    orders  = "mercato_orders"
    reviews = "mercato_reviews"
  }
  mysql_databases = {
    auth = "mercato_auth"
  }
  atlas_databases = {
    users = "mercato_users"
    chat  = "mercato_chat"
  }

  amqp_clients = toset(["notifications", "auth", "users", "gigs", "chat", "orders", "reviews"])

  hand_filled_secrets = toset(["mercato-token-keys", "notifications-smtp", "orders-stripe"])

  kms_purposes = toset(["atlas", "ebs", "eks", "elasticache", "logs", "mq", "rds", "s3", "secrets"])
}
