"""Reads of a user's inbox."""
from notifications.models import Notification


def unread_count_for(user):
    return Notification.objects.filter(recipient=user, is_read=False).count()


def notifications_for(user):
    return Notification.objects.filter(recipient=user)
