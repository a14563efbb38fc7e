"""Key Management Service (DEW KMS): customer master keys and encrypt/decrypt-data."""
