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

output "api_url" {
  description = "Base URL of the HTTP API."
  value       = module.broker.api_url
}

output "requests_topic_urn" {
  description = "Where members publish requests."
  value       = module.broker.requests_topic_urn
}

output "approvals_topic_urn" {
  description = "Where targets publish decisions."
  value       = module.broker.approvals_topic_urn
}
