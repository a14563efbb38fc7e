# The HTTP API on a dedicated APIG instance: one API per route, each backed by its function.
# The approval routes (the page and the decisions, single or batch) admit anyone holding an
# approval token, as the target account has no identity here; the rest use
# var.api_authentication.

locals {
  routes = {
    create       = { method = "POST", path = "/transfers", function = "create_transfer", page = false }
    list         = { method = "GET", path = "/transfers", function = "create_transfer", page = false }
    show         = { method = "GET", path = "/transfers/{transfer_id}", function = "create_transfer", page = false }
    cancel       = { method = "POST", path = "/transfers/{transfer_id}/cancel", function = "create_transfer", page = false }
    approval     = { method = "GET", path = "/transfers/{transfer_id}/approval", function = "accept_transfer", page = true }
    decide       = { method = "POST", path = "/transfers/{transfer_id}/approval", function = "accept_transfer", page = true }
    batch        = { method = "POST", path = "/batches", function = "create_transfer", page = false }
    batch_show   = { method = "GET", path = "/batches/{batch_id}", function = "create_transfer", page = false }
    batch_page   = { method = "GET", path = "/batches/{batch_id}/approval", function = "accept_transfer", page = true }
    batch_decide = { method = "POST", path = "/batches/{batch_id}/approval", function = "accept_transfer", page = true }
  }
}

resource "huaweicloud_apig_group" "api" {
  instance_id = var.apig_instance_id
  name        = replace("${var.name_prefix}_api", "-", "_")
  description = "EVS disk transfers between accounts"

  url_domains {
    name                      = var.api_domain
    min_ssl_version           = "TLSv1.2"
    is_http_redirect_to_https = true
  }
}

resource "huaweicloud_apig_environment" "live" {
  instance_id = var.apig_instance_id
  name        = "live"
  description = "What the approval links and the CLI call"
}

resource "huaweicloud_apig_api" "routes" {
  for_each = local.routes

  instance_id      = var.apig_instance_id
  group_id         = huaweicloud_apig_group.api.id
  type             = "Public"
  name             = "${var.name_prefix}-${each.key}"
  request_protocol = "HTTPS"
  request_method   = each.value.method
  request_path     = each.value.path
  matching         = "Exact"
  # The target account has no IAM identity in the broker account; its token is the credential.
  security_authentication = each.value.page ? "NONE" : var.api_authentication

  dynamic "request_params" {
    for_each = [for id in ["transfer_id", "batch_id"] : id if strcontains(each.value.path, "{${id}}")]
    content {
      name     = request_params.value
      location = "PATH"
      type     = "STRING"
      required = true
      maximum  = 32
      minimum  = 32
    }
  }

  func_graph {
    function_urn    = huaweicloud_fgs_function.this[each.value.function].urn
    version         = "latest"
    timeout         = 60000
    invocation_type = "sync"
  }
}

resource "huaweicloud_apig_api_publishment" "live" {
  for_each = local.routes

  instance_id = var.apig_instance_id
  env_id      = huaweicloud_apig_environment.live.id
  api_id      = huaweicloud_apig_api.routes[each.key].id
}
