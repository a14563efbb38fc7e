output "api_url" {
  description = "Base URL of the HTTP API (and of the approval links)."
  value       = local.api_url
}

output "requests_topic_urn" {
  description = "The broker's own requests topic: only the broker account publishes here."
  value       = huaweicloud_smn_topic.requests.topic_urn
}

output "member_requests_topic_urns" {
  description = "Each member's own requests topic (by member name): it publishes its requests and cancellations there, for its own disks only."
  value       = { for name, topic in huaweicloud_smn_topic.member_requests : name => topic.topic_urn }
}

output "approvals_topic_urn" {
  description = "Targets publish their decisions here."
  value       = huaweicloud_smn_topic.approvals.topic_urn
}

output "notification_topic_urn" {
  description = "The broker account's own notification topic (its members entry names it)."
  value       = huaweicloud_smn_topic.notifications.topic_urn
}

output "failures_topic_urn" {
  description = "Invocations that failed every attempt are reported here."
  value       = huaweicloud_smn_topic.failures.topic_urn
}

output "function_urns" {
  description = "URN of each function, by its name in functions/."
  value       = { for name, function in huaweicloud_fgs_function.this : name => function.urn }
}

output "kms_key_id" {
  description = "The key that seals auth_keys."
  value       = huaweicloud_kms_key.auth_keys.id
}

output "log_group_id" {
  description = "LTS log group of the functions (one stream per function)."
  value       = huaweicloud_lts_group.logs.id
}
