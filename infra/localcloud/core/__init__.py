"""The service-independent core of localcloud: errors, signing, accounts, routing, app."""
