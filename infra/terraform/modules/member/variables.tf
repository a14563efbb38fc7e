variable "region" {
  description = "Region where this account's disks live, e.g. cn-north-4."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}-[a-z]+-[0-9]+$", var.region))
    error_message = "region must look like cn-north-4."
  }
}

variable "broker_domain_name" {
  description = "Account name of the broker, which the agency trusts."
  type        = string

  validation {
    condition     = length(var.broker_domain_name) > 0
    error_message = "broker_domain_name is required."
  }
}

variable "broker_domain_id" {
  description = "Account (domain) id of the broker: it alone may publish to the notification topic."
  type        = string

  validation {
    condition     = can(regex("^[0-9a-f]{32}$", var.broker_domain_id))
    error_message = "broker_domain_id must be 32 hexadecimal characters."
  }
}

variable "agency_name" {
  description = "Name of the agency trusting the broker (as given in the broker's members list)."
  type        = string
  default     = "evs-transfer-broker"

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{1,64}$", var.agency_name))
    error_message = "agency_name is 1-64 letters, digits, '_', '.' or '-'."
  }
}

variable "notification_topic_name" {
  description = "Topic where this account's people and systems hear of transfers."
  type        = string
  default     = "evs-transfer-notifications"
}

variable "notification_emails" {
  description = "E-mail addresses subscribed to the notification topic (each confirms by mail)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for e in var.notification_emails : can(regex("^[^@\\s]+@[^@\\s]+$", e))])
    error_message = "notification_emails must be e-mail addresses."
  }
}

variable "notification_https_endpoints" {
  description = "HTTPS endpoints of systems that take the JSON notifications."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for u in var.notification_https_endpoints : startswith(u, "https://")])
    error_message = "notification_https_endpoints must be https:// URLs."
  }
}
