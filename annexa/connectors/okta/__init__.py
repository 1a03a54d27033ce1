"""The Okta connector's REST client and reader (the plugin is ``builtins.okta``)."""
