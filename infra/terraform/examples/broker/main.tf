# Applied in the broker account, after `make package` (the zips are in ../../../../dist).

provider "huaweicloud" {
  region = var.region
}

module "broker" {
  source = "../../modules/broker"

  region            = var.region
  broker_domain_id  = var.broker_domain_id
  broker_project_id = var.broker_project_id
  members           = var.members
  package_dir       = "${path.root}/../../../../dist"
  apig_instance_id  = var.apig_instance_id
  api_domain        = var.api_domain
  oncall_email      = var.oncall_email
  runtime           = var.runtime
  store             = var.store
  store_password    = var.store_password

  broker_notification_emails = var.broker_notification_emails
}

variable "region" {
  description = "Region of the broker."
  type        = string
}

variable "broker_domain_id" {
  description = "Account id of the broker."
  type        = string
}

variable "broker_project_id" {
  description = "Project id of the broker in the region."
  type        = string
}

variable "members" {
  description = "The member accounts (see the broker module)."
  type = list(object({
    name                   = string
    domain_id              = string
    project_id             = string
    agency_name            = optional(string)
    notification_topic_urn = string
  }))
}

variable "apig_instance_id" {
  description = "Dedicated APIG instance of the HTTP API."
  type        = string
}

variable "api_domain" {
  description = "Domain of the HTTP API."
  type        = string
}

variable "oncall_email" {
  description = "Who hears of invocations that failed every attempt."
  type        = string
}

variable "broker_notification_emails" {
  description = "Who hears of the broker account's own transfers."
  type        = list(string)
  default     = []
}

variable "runtime" {
  description = "FunctionGraph runtime, the one the packages were built for."
  type        = string
  default     = "Python3.10"
}

variable "store" {
  description = "RDS for PostgreSQL of the store (see the broker module); SQLite in /tmp without it."
  type = object({
    rds = optional(object({
      vpc_id            = string
      subnet_id         = string
      security_group_id = string
      availability_zone = string
      flavor            = optional(string, "rds.pg.n1.large.2")
      version           = optional(string, "15")
      volume_size_gb    = optional(number, 40)
    }))
  })
  default = {}
}

variable "store_password" {
  description = "Password of the store's database user; set TF_VAR_store_password, never in a file."
  type        = string
  default     = null
  sensitive   = true
}

output "api_url" {
  description = "Base URL of the HTTP API."
  value       = module.broker.api_url
}

output "requests_topic_urn" {
  description = "Where the broker's operators publish requests (only the broker account may)."
  value       = module.broker.requests_topic_urn
}

output "member_requests_topic_urns" {
  description = "Where each member publishes its own requests, by member name."
  value       = module.broker.member_requests_topic_urns
}

output "approvals_topic_urn" {
  description = "Where targets publish decisions."
  value       = module.broker.approvals_topic_urn
}
