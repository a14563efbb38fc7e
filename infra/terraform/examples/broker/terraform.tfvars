# One broker (which is also account A) and two members. Ids are examples: use yours.
region            = "cn-north-4"
broker_domain_id  = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
broker_project_id = "1a2b3c4d5e6f70819203a4b5c6d7e8f9"
apig_instance_id  = "8c5b2f4e-58f4-4c41-9bbd-4d2c0f3a7e11"
api_domain        = "evs-transfer.example.com"
oncall_email      = "broker-oncall@example.com"

broker_notification_emails = ["storage-ops@account-a.example.com"]

# The store: RDS for PostgreSQL in your VPC (the password comes from TF_VAR_store_password).
store = {
  rds = {
    vpc_id            = "3f1c7f0e-6a0b-4c1e-9d55-0d1f3f0a1b2c"
    subnet_id         = "6b2d8e1f-7c3a-4e2b-8f66-1e2a4b5c6d7e"
    security_group_id = "9c3e0f2a-8d4b-4f3c-9a77-2f3b5c6d7e8f"
    availability_zone = "cn-north-4a"
  }
}

members = [
  {
    name                   = "account-a"
    domain_id              = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
    project_id             = "1a2b3c4d5e6f70819203a4b5c6d7e8f9"
    notification_topic_urn = "urn:smn:cn-north-4:1a2b3c4d5e6f70819203a4b5c6d7e8f9:evs-transfer-notifications"
  },
  {
    name                   = "account-b"
    domain_id              = "2b3c4d5e6f708192a3b4c5d6e7f80912"
    project_id             = "3c4d5e6f708192a3b4c5d6e7f8091a2b"
    agency_name            = "evs-transfer-broker"
    notification_topic_urn = "urn:smn:cn-north-4:3c4d5e6f708192a3b4c5d6e7f8091a2b:evs-transfer-notifications"
  },
  {
    name                   = "account-c"
    domain_id              = "4d5e6f708192a3b4c5d6e7f8091a2b3c"
    project_id             = "5e6f708192a3b4c5d6e7f8091a2b3c4d"
    agency_name            = "evs-transfer-broker"
    notification_topic_urn = "urn:smn:cn-north-4:5e6f708192a3b4c5d6e7f8091a2b3c4d:evs-transfer-notifications"
  },
]
