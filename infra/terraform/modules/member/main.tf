# A member account: the agency the broker assumes to act on this account's disks, with a
# role that holds exactly the calls it makes here, and the topic where this account hears
# of transfers.

resource "huaweicloud_identity_role" "broker" {
  name        = "${var.agency_name}-evs-transfers"
  description = "EVS transfers through the broker: transfer create, accept, delete, read; disk reads and lists"
  type        = "XA"
  policy = jsonencode({
    Version = "1.1"
    Statement = [{
      Effect = "Allow"
      Action = [
        "evs:transfers:create",
        "evs:transfers:accept",
        "evs:transfers:delete",
        "evs:transfers:get",
        "evs:transfers:list",
        "evs:volumes:get",
        "evs:volumes:list",
        "evs:volumeTags:get",
        "evs:snapshots:list",
        "evs:quotas:get",
        "cbr:backups:list",
        "cbr:vaults:list",
        "cbr:policies:list",
        "ecs:cloudServers:get",
      ]
    }]
  })
}

resource "huaweicloud_identity_agency" "broker" {
  name                  = var.agency_name
  description           = "The EVS transfer broker acting on this account's disks"
  delegated_domain_name = var.broker_domain_name
  duration              = "FOREVER"

  project_role {
    project = var.region
    roles   = [huaweicloud_identity_role.broker.name]
  }
}

resource "huaweicloud_smn_topic" "notifications" {
  name                  = var.notification_topic_name
  display_name          = "EVS transfers"
  users_publish_allowed = "urn:csp:iam::${var.broker_domain_id}:root"
}

resource "huaweicloud_smn_subscription" "email" {
  for_each = toset(var.notification_emails)

  topic_urn = huaweicloud_smn_topic.notifications.topic_urn
  protocol  = "email"
  endpoint  = each.value
  remark    = "EVS transfer notifications"
}

resource "huaweicloud_smn_subscription" "https" {
  for_each = toset(var.notification_https_endpoints)

  topic_urn = huaweicloud_smn_topic.notifications.topic_urn
  protocol  = "https"
  endpoint  = each.value
  remark    = "EVS transfer notifications (JSON)"
}
