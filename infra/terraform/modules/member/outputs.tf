output "agency_name" {
  description = "Give this to the broker as the member's agency_name."
  value       = huaweicloud_identity_agency.broker.name
}

output "notification_topic_urn" {
  description = "Give this to the broker as the member's notification_topic_urn."
  value       = huaweicloud_smn_topic.notifications.topic_urn
}
