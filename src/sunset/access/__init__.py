"""access: accounts, roles, sessions and API tokens, operator scope, and the audit log of writes."""
