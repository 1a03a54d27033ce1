"""Organization pages of the audits app, one module per concept."""
