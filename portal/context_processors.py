"""Values every page needs: the site name and the signed-in user's organisations and unread count."""

from django.conf import settings


def site(request):
    context = {"SITE_NAME": "京鲁供需对接平台", "DEBUG": settings.DEBUG}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        from accounts.selectors import user_active_membership
        from notifications.selectors import unread_count_for

        context["current_membership"] = user_active_membership(user)
        context["unread_notifications"] = unread_count_for(user)
    return context
