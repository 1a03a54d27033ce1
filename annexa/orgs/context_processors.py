def current_org(request):
    """The organization of the page and the user's other organizations (the switcher)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    ctx = getattr(request, "org_ctx", None)
    memberships = user.memberships.select_related("organization").order_by("organization__name")
    return {"current_ctx": ctx, "my_memberships": memberships}
