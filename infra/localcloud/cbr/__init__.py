"""Cloud Backup and Recovery: backups, vaults and policies, read by transfer checks."""
