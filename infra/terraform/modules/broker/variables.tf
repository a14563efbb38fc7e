variable "region" {
  description = "Region of the broker's functions, store and key, e.g. cn-north-4."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}-[a-z]+-[0-9]+$", var.region))
    error_message = "region must look like cn-north-4."
  }
}

variable "name_prefix" {
  description = "Prefix of every resource name, so that several brokers can share an account."
  type        = string
  default     = "evs-transfer"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}$", var.name_prefix))
    error_message = "name_prefix must be 2-31 lower-case letters, digits or hyphens, starting with a letter."
  }
}

variable "broker_domain_id" {
  description = "Account (domain) id of the broker account this module is applied in."
  type        = string

  validation {
    condition     = can(regex("^[0-9a-f]{32}$", var.broker_domain_id))
    error_message = "broker_domain_id must be 32 hexadecimal characters."
  }
}

variable "broker_project_id" {
  description = "The broker's project id in the region."
  type        = string

  validation {
    condition     = can(regex("^[0-9a-f]{32}$", var.broker_project_id))
    error_message = "broker_project_id must be 32 hexadecimal characters."
  }
}

variable "members" {
  description = <<-EOT
    Every account that gives or receives disks. agency_name is the agency the member
    created with the member module (null for the broker account itself);
    notification_topic_urn is where the member's people and systems hear of transfers.
  EOT
  type = list(object({
    name                   = string
    domain_id              = string
    project_id             = string
    agency_name            = optional(string)
    notification_topic_urn = string
  }))

  validation {
    condition     = length(var.members) >= 2
    error_message = "a transfer needs at least two member accounts."
  }

  validation {
    condition     = alltrue([for m in var.members : can(regex("^[a-z0-9][a-z0-9_-]{0,63}$", m.name))])
    error_message = "member names are lower-case letters, digits, hyphens and underscores (at most 64)."
  }

  validation {
    condition     = alltrue([for m in var.members : can(regex("^[0-9a-f]{32}$", m.domain_id)) && can(regex("^[0-9a-f]{32}$", m.project_id))])
    error_message = "member domain_id and project_id are 32 hexadecimal characters."
  }

  validation {
    condition     = length(distinct([for m in var.members : m.name])) == length(var.members)
    error_message = "member names must be unique."
  }
}

variable "package_dir" {
  description = "Folder holding the function zips built by `make package`."
  type        = string
}

variable "transfer_ttl_hours" {
  description = "How long an offer stays open unless a request asks for less or more."
  type        = number
  default     = 72

  validation {
    condition     = var.transfer_ttl_hours >= 1 && var.transfer_ttl_hours <= 168
    error_message = "transfer_ttl_hours must be between 1 and 168."
  }
}

variable "max_failed_approvals" {
  description = "Wrong approval tokens after which a transfer is locked."
  type        = number
  default     = 5

  validation {
    condition     = var.max_failed_approvals >= 1 && var.max_failed_approvals <= 100
    error_message = "max_failed_approvals must be between 1 and 100."
  }
}

variable "sweep_schedule" {
  description = "Rate of the sweep's TIMER trigger, e.g. 10m or 1h."
  type        = string
  default     = "10m"

  validation {
    condition     = can(regex("^[0-9]+[mhd]$", var.sweep_schedule))
    error_message = "sweep_schedule is a FunctionGraph rate such as 10m, 1h or 1d."
  }
}

variable "apig_instance_id" {
  description = "Dedicated APIG instance that serves the HTTP API and the approval pages."
  type        = string
}

variable "api_authentication" {
  description = "APIG authentication of the HTTP API: IAM or APP restricts it to trusted callers."
  type        = string
  default     = "IAM"

  validation {
    condition     = contains(["IAM", "APP", "NONE"], var.api_authentication)
    error_message = "api_authentication is IAM, APP or NONE."
  }
}

variable "oncall_email" {
  description = "E-mail address told of invocations that failed every attempt (async failure destination)."
  type        = string
}

variable "store" {
  description = <<-EOT
    Where the transfer records live. Without rds, each function instance keeps a SQLite
    file in /tmp: fine to try the broker, not for use (instances do not share it).
  EOT
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
  description = "Password of the RDS for PostgreSQL database user (when store.rds is set)."
  type        = string
  default     = null
  sensitive   = true

  validation {
    condition     = var.store_password == null || length(coalesce(var.store_password, "")) >= 12
    error_message = "store_password must be at least 12 characters."
  }
}

variable "runtime" {
  description = "FunctionGraph runtime of the functions; build the packages for the same version."
  type        = string
  default     = "Python3.10"

  validation {
    condition     = contains(["Python3.10", "Python3.12"], var.runtime)
    error_message = "runtime is Python3.10 or Python3.12 (make package PYTHON_VERSION=3.12)."
  }
}

variable "broker_notification_emails" {
  description = "Who hears of transfers of the broker's own account (its notification topic)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for e in var.broker_notification_emails : can(regex("^[^@\\s]+@[^@\\s]+$", e))])
    error_message = "broker_notification_emails must be e-mail addresses."
  }
}

variable "function_memory_mb" {
  description = "Memory of each function."
  type        = number
  default     = 256

  validation {
    condition     = contains([128, 256, 512, 768, 1024, 2048], var.function_memory_mb)
    error_message = "function_memory_mb is one of 128, 256, 512, 768, 1024, 2048."
  }
}

variable "log_retention_days" {
  description = "How long LTS keeps the functions' logs (the audit lines among them)."
  type        = number
  default     = 180

  validation {
    condition     = var.log_retention_days >= 1 && var.log_retention_days <= 365
    error_message = "log_retention_days must be between 1 and 365."
  }
}

variable "api_domain" {
  description = "Domain name bound to the API group (its certificate is managed in APIG); the approval links point at it."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$", var.api_domain))
    error_message = "api_domain must be a domain name such as evs-transfer.example.com."
  }
}
