# Applied in each member account that is not the broker (account B, account C, ...).

provider "huaweicloud" {
  region = var.region
}

module "member" {
  source = "../../modules/member"

  region                       = var.region
  broker_domain_name           = var.broker_domain_name
  broker_domain_id             = var.broker_domain_id
  notification_emails          = var.notification_emails
  notification_https_endpoints = var.notification_https_endpoints
}

variable "region" {
  description = "Region of this account's disks."
  type        = string
}

variable "broker_domain_name" {
  description = "Account name of the broker."
  type        = string
}

variable "broker_domain_id" {
  description = "Account id of the broker."
  type        = string
}

variable "notification_emails" {
  description = "Who hears of transfers by e-mail."
  type        = list(string)
  default     = []
}

variable "notification_https_endpoints" {
  description = "Systems that take the JSON notifications."
  type        = list(string)
  default     = []
}

output "agency_name" {
  description = "The member's agency_name for the broker."
  value       = module.member.agency_name
}

output "notification_topic_urn" {
  description = "The member's notification_topic_urn for the broker."
  value       = module.member.notification_topic_urn
}
