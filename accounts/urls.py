"""HTML pages of the accounts app."""

from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("signup/", views.signup, name="signup"),
    path("my-org/", views.my_org, name="my_org"),
    path("my-org/create/", views.organization_create, name="org_create"),
    path("my-org/join/", views.organization_join, name="org_join"),
    path("my-org/<int:pk>/edit/", views.organization_edit, name="org_edit"),
    path("my-org/<int:pk>/resubmit/", views.organization_resubmit, name="org_resubmit"),
    path("memberships/<int:pk>/approve/", views.membership_approve, name="membership_approve"),
    path("memberships/<int:pk>/reject/", views.membership_reject, name="membership_reject"),
    path("memberships/<int:pk>/role/", views.membership_set_role, name="membership_set_role"),
    path("memberships/<int:pk>/remove/", views.membership_remove, name="membership_remove"),
    path("token/rotate/", views.api_token_rotate, name="token_rotate"),
    path("token/revoke/", views.api_token_revoke, name="token_revoke"),
    path("tokens/create/", views.api_named_token_create, name="api_token_create"),
    path("tokens/<int:pk>/revoke/", views.api_named_token_revoke, name="api_token_revoke"),
    path("verification/", views.verification_queue, name="verification_queue"),
    path("verification/<int:pk>/verify/", views.organization_verify, name="org_verify"),
    path("verification/<int:pk>/reject/", views.organization_reject, name="org_reject"),
]
