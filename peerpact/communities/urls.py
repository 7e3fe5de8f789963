from __future__ import annotations

from django.urls import path

from peerpact.circles import import_views as circle_import_views
from peerpact.circles import views as circle_views
from peerpact.communities import views

app_name = "communities"

urlpatterns = [
    path("new/", views.community_create, name="create"),
    path("<slug:slug>/", circle_views.community_detail, name="detail"),
    path("<slug:slug>/settings/", views.community_settings, name="settings"),
    path("<slug:slug>/settings/two-factor/", views.community_require_mfa, name="require-mfa"),
    path("<slug:slug>/two-factor/", views.community_mfa_required, name="mfa-required"),
    path("<slug:slug>/transfer/", views.community_transfer, name="transfer"),
    path("<slug:slug>/leave/", circle_views.community_leave, name="leave"),
    path("<slug:slug>/members/", views.community_members, name="members"),
    path("<slug:slug>/members/<int:member_id>/role/", views.community_member_role, name="member-role"),
    path(
        "<slug:slug>/members/<int:member_id>/remove/",
        circle_views.community_member_remove,
        name="member-remove",
    ),
    path("<slug:slug>/members/import/", circle_import_views.member_import, name="member-import"),
    path(
        "<slug:slug>/members/import/confirm/",
        circle_import_views.member_import_confirm,
        name="member-import-confirm",
    ),
    path("<slug:slug>/invitations/", views.community_invitations, name="invitations"),
    path(
        "<slug:slug>/invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation-revoke",
    ),
    path("<slug:slug>/circles/new/", circle_views.circle_create, name="circle-create"),
]
