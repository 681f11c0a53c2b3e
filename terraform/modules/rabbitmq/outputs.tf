# Outputs of the rabbitmq module.

output "broker_id" {
  description = "Amazon MQ broker id."
  value       = aws_mq_broker.this.id
}

output "broker_name" {
  description = "Amazon MQ broker name."
  value       = aws_mq_broker.this.broker_name
}

output "management_url" {
  description = "Base URL of the RabbitMQ management API."
  value       = aws_mq_broker.this.instances[0].console_url
}

output "secret_names" {
  description = "Names (after mercato/<stage>/) of the secrets this module fills."
  value       = concat(["rabbitmq-management"], [for client in sort(tolist(var.amqp_clients)) : "${client}-amqp"])
}

output "secret_values" {
  description = "JSON value of each secret in secret_names."
  value = merge(
    {
      "rabbitmq-management" = jsonencode({
        url      = aws_mq_broker.this.instances[0].console_url
        username = "mercato"
        password = random_password.broker.result
      })
    },
    { for client in var.amqp_clients : "${client}-amqp" => jsonencode({ url = local.amqp_url }) },
  )
  sensitive = true
}
