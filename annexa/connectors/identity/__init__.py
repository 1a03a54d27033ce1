"""What identity-provider connectors (Okta, Microsoft Entra ID, Google Workspace) share: the
"identity" snapshot contract (``schema``) and the feeds of accounts and people built on it."""
