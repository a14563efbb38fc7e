# The agency FunctionGraph runs the functions with, in the broker account. It may use the
# auth_key seal, publish to the members' topics, assume the members' agencies, and, since
# the broker is also a member, act on its own disks the way members let it act on theirs.

resource "huaweicloud_identity_role" "functions" {
  name        = "${var.name_prefix}-functions"
  description = "What the EVS transfer functions call in the broker account"
  type        = "XA"
  policy = jsonencode({
    Version = "1.1"
    Statement = [
      {
        Effect = "Allow"
        Action = ["kms:cmk:encrypt", "kms:cmk:decrypt", "kms:cmk:get"]
      },
      {
        Effect = "Allow"
        Action = ["smn:topic:publish"]
      },
      {
        # Temporary credentials of the members' agencies (securitytokens, assume_role).
        Effect = "Allow"
        Action = ["iam:agencies:assume", "iam:tokens:assume"]
      },
      {
        Effect = "Allow"
        Action = local.member_actions
      },
    ]
  })
}

resource "huaweicloud_identity_agency" "functions" {
  name                  = "${var.name_prefix}-functions"
  description           = "FunctionGraph acting for the EVS transfer broker"
  delegated_domain_name = "op_svc_cff"

  project_role {
    project = var.region
    roles   = [huaweicloud_identity_role.functions.name]
  }
}

locals {
  # The calls the functions make in a member account's project (the member module grants
  # the same set to the broker's agency there).
  member_actions = [
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
}
