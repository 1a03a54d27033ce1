"""Microsoft Entra ID (Microsoft Graph): users, groups, directory roles, MFA registration."""
