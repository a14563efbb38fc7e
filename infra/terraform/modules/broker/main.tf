# The broker account: the key that seals auth_keys, the topics, the functions' agency, the
# three functions with their triggers and logs, the HTTP API, and optionally the store.

locals {
  # Every member but the broker gets a requests topic of its own, which only it may
  # publish to: a request there speaks for that member and no other.
  requesters = { for m in var.members : m.name => m if m.domain_id != var.broker_domain_id }
  members = [
    for m in var.members : {
      name                   = m.name
      domain_id              = m.domain_id
      project_ids            = { (var.region) = m.project_id }
      agency_name            = m.agency_name
      notification_topic_urn = m.notification_topic_urn
      requests_topic_urn     = try(huaweicloud_smn_topic.member_requests[m.name].topic_urn, null)
    }
  ]
  # Members publish approvals; only the broker publishes to its own requests topic.
  member_publishers = join(",", [for m in var.members : "urn:csp:iam::${m.domain_id}:root"])
  api_url           = "https://${var.api_domain}"
  store_url = var.store.rds == null ? "sqlite:////tmp/evs-transfer.db" : format(
    # The password comes from a sensitive variable; this line only places it.
    "postgresql+psycopg://evs_transfer:%s@%s:5432/evs_transfer", # checkov:skip=CKV_SECRET_4: a format string, no credential
    urlencode(coalesce(var.store_password, "")),
    huaweicloud_rds_instance.store[0].private_ips[0],
  )
  # What every function reads (evs_transfer.config.Settings); secrets go encrypted.
  settings = {
    EVS_TRANSFER_REGION                = var.region
    EVS_TRANSFER_BROKER_DOMAIN_ID      = var.broker_domain_id
    EVS_TRANSFER_BROKER_PROJECT_ID     = var.broker_project_id
    EVS_TRANSFER_KMS_KEY_ID            = huaweicloud_kms_key.auth_keys.id
    EVS_TRANSFER_APPROVALS_TOPIC_URN   = huaweicloud_smn_topic.approvals.topic_urn
    EVS_TRANSFER_REQUESTS_TOPIC_URN    = huaweicloud_smn_topic.requests.topic_urn
    EVS_TRANSFER_API_URL               = local.api_url
    EVS_TRANSFER_MEMBERS               = jsonencode(local.members)
    EVS_TRANSFER_TRANSFER_TTL_HOURS    = tostring(var.transfer_ttl_hours)
    EVS_TRANSFER_MAX_FAILED_APPROVALS  = tostring(var.max_failed_approvals)
  }
  secret_settings = {
    EVS_TRANSFER_STORE_URL = local.store_url
  }
  functions = {
    create_transfer = { timeout = 60, description = "Checks a disk and offers it to another account" }
    accept_transfer = { timeout = 60, description = "Applies the target account's decision" }
    sweep_transfers = { timeout = 300, description = "Expires, reconciles and re-notifies transfers" }
  }
}

resource "huaweicloud_kms_key" "auth_keys" {
  key_alias        = "${var.name_prefix}-auth-keys"
  key_description  = "Seals the EVS auth_keys of pending transfers"
  key_algorithm    = "AES_256"
  rotation_enabled = true
  pending_days     = 30
  is_enabled       = true
}

# The broker's own requests (its operators', and its batches' fan-out): trusted to speak
# for any member.
resource "huaweicloud_smn_topic" "requests" {
  name                  = "${var.name_prefix}-requests"
  display_name          = "EVS transfer requests"
  users_publish_allowed = "urn:csp:iam::${var.broker_domain_id}:root"
}

resource "huaweicloud_smn_topic" "member_requests" {
  for_each = local.requesters

  name                  = "${var.name_prefix}-requests-${each.key}"
  display_name          = "EVS transfer requests of ${each.key}"
  users_publish_allowed = "urn:csp:iam::${each.value.domain_id}:root"
}

resource "huaweicloud_smn_topic" "approvals" {
  name                  = "${var.name_prefix}-approvals"
  display_name          = "EVS transfer approvals"
  users_publish_allowed = local.member_publishers
}

# The broker is a member too: its people hear of its own transfers here. Its URN is
# urn:smn:<region>:<broker project>:<name_prefix>-notifications, as its members entry says.
resource "huaweicloud_smn_topic" "notifications" {
  name         = "${var.name_prefix}-notifications"
  display_name = "EVS transfers"
}

resource "huaweicloud_smn_subscription" "notifications" {
  for_each = toset(var.broker_notification_emails)

  topic_urn = huaweicloud_smn_topic.notifications.topic_urn
  protocol  = "email"
  endpoint  = each.value
  remark    = "EVS transfer notifications of the broker account"
}

resource "huaweicloud_smn_topic" "failures" {
  name         = "${var.name_prefix}-failures"
  display_name = "EVS transfer invocations that failed every attempt"
}

resource "huaweicloud_smn_subscription" "oncall" {
  topic_urn = huaweicloud_smn_topic.failures.topic_urn
  protocol  = "email"
  endpoint  = var.oncall_email
  remark    = "the broker's on-call engineers"
}

resource "huaweicloud_lts_group" "logs" {
  group_name  = "${var.name_prefix}-functions"
  ttl_in_days = var.log_retention_days
}

resource "huaweicloud_lts_stream" "logs" {
  for_each = local.functions

  group_id    = huaweicloud_lts_group.logs.id
  stream_name = replace(each.key, "_", "-")
}

resource "huaweicloud_fgs_function" "this" {
  for_each = local.functions

  name        = "${var.name_prefix}-${replace(each.key, "_", "-")}"
  app         = "default"
  description = each.value.description
  runtime     = var.runtime
  handler     = "index.handler"
  memory_size = var.function_memory_mb
  timeout     = each.value.timeout
  code_type   = "zip"
  func_code   = filebase64("${var.package_dir}/${each.key}.zip")
  agency      = huaweicloud_identity_agency.functions.name

  user_data           = jsonencode(local.settings)
  encrypted_user_data = jsonencode(local.secret_settings)

  enable_lts_log  = true
  log_group_id    = huaweicloud_lts_group.logs.id
  log_stream_id   = huaweicloud_lts_stream.logs[each.key].id
  vpc_id          = var.store.rds == null ? null : var.store.rds.vpc_id
  network_id      = var.store.rds == null ? null : var.store.rds.subnet_id
  max_instance_num = 100
}

resource "huaweicloud_fgs_function_trigger" "requests" {
  function_urn = huaweicloud_fgs_function.this["create_transfer"].urn
  type         = "SMN"
  status       = "ACTIVE"
  event_data   = jsonencode({ topic_urn = huaweicloud_smn_topic.requests.topic_urn })
}

resource "huaweicloud_fgs_function_trigger" "member_requests" {
  for_each = local.requesters

  function_urn = huaweicloud_fgs_function.this["create_transfer"].urn
  type         = "SMN"
  status       = "ACTIVE"
  event_data   = jsonencode({ topic_urn = huaweicloud_smn_topic.member_requests[each.key].topic_urn })
}

resource "huaweicloud_fgs_function_trigger" "approvals" {
  function_urn = huaweicloud_fgs_function.this["accept_transfer"].urn
  type         = "SMN"
  status       = "ACTIVE"
  event_data   = jsonencode({ topic_urn = huaweicloud_smn_topic.approvals.topic_urn })
}

resource "huaweicloud_fgs_function_trigger" "sweep" {
  function_urn = huaweicloud_fgs_function.this["sweep_transfers"].urn
  type         = "TIMER"
  status       = "ACTIVE"
  event_data = jsonencode({
    name          = "${var.name_prefix}-sweep"
    schedule_type = "Rate"
    schedule      = var.sweep_schedule
    user_event    = ""
  })
}

# Requests and sweeps that fail every attempt reach the on-call topic. The accept-function
# has none on purpose: its messages carry approval tokens (it answers failures itself).
resource "huaweicloud_fgs_async_invoke_configuration" "retries" {
  for_each = toset(["create_transfer", "sweep_transfers"])

  function_urn                   = huaweicloud_fgs_function.this[each.key].urn
  max_async_event_age_in_seconds = 3600
  max_async_retry_attempts       = 2

  on_failure {
    destination = "SMN"
    param       = jsonencode({ topic_urn = huaweicloud_smn_topic.failures.topic_urn })
  }
}
