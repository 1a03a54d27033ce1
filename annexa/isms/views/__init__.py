"""Web pages of the isms app: dashboard, scope, context, Statement of Applicability."""
