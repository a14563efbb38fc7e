# Account B. Account C uses the same file with its own addresses.
region                       = "cn-north-4"
broker_domain_name           = "example-broker-account"
broker_domain_id             = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
notification_emails          = ["storage-ops@account-b.example.com"]
notification_https_endpoints = ["https://automation.account-b.example.com/evs-transfer"]
