from allauth.account.adapter import DefaultAccountAdapter


class NoSignupAccountAdapter(DefaultAccountAdapter):
    """Accounts are created by an owner or the CLI; there is no public sign-up."""

    def is_open_for_signup(self, request) -> bool:
        return False
