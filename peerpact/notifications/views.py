"""The in-app notification centre, notification settings and a person's chat targets."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from peerpact.accounts.http import AuthedRequest
from peerpact.lib.forms import add_service_errors
from peerpact.lib.htmx import is_htmx
from peerpact.lib.views import local_path
from peerpact.notifications import selectors, services
from peerpact.notifications.forms import ChatTargetForm, PreferenceForm
from peerpact.notifications.models import Channel, ChatTarget, Message, MessageState


@login_required
@require_safe
def center(request: AuthedRequest) -> HttpResponse:
    return render(
        request,
        "notifications/center.html",
        {
            "notices": selectors.inbox_for(user=request.user),
            "unread": selectors.unread_count(user=request.user),
        },
    )


@login_required
@require_safe
def badge(request: AuthedRequest) -> HttpResponse:
    """htmx: the unread count in the header, refreshed now and then."""
    return render(request, "notifications/_badge.html", {"unread": selectors.unread_count(user=request.user)})


@login_required
@require_POST
def mark_all_read(request: AuthedRequest) -> HttpResponse:
    services.inbox_mark_read(user=request.user)
    if is_htmx(request):
        return render(request, "notifications/_badge.html", {"unread": 0})
    return redirect("notifications:center")


@login_required
@require_POST
def open_notice(request: AuthedRequest, message_id: int) -> HttpResponse:
    """Mark a notification read and go to what it is about."""
    message = get_object_or_404(
        Message, pk=message_id, recipient=request.user, channel=Channel.INAPP, state=MessageState.SENT
    )
    services.inbox_mark_read(user=request.user, message_id=message.pk)
    return redirect(local_path(request, message.url, reverse("notifications:center")))


@login_required
def preferences(request: AuthedRequest) -> HttpResponse:
    from peerpact.notifications.notify import preference_for

    preference = preference_for(request.user)
    has_chat = ChatTarget.objects.active().personal(request.user).exists()
    channels = [Channel.INAPP, Channel.EMAIL, *([Channel.CHAT] if has_chat else [])]
    form = PreferenceForm(request.POST or None, preference=preference, channels=channels)
    if request.method == "POST" and form.is_valid():
        services.preference_update(
            user=request.user,
            muted=form.muted(),
            quiet_from=form.cleaned_data["quiet_from"],
            quiet_until=form.cleaned_data["quiet_until"],
            daily_cap=form.cleaned_data["daily_cap"],
        )
        messages.success(request, _("Notification settings saved."))
        return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {"form": form, "has_chat": has_chat},
        status=400 if form.errors else 200,
    )


@login_required
def chat(request: AuthedRequest) -> HttpResponse:
    """A person's own chat targets: the list (secrets masked) and a form to add one."""
    form = ChatTargetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.chat_target_add(
                owner=request.user,
                actor=request.user,
                url=form.cleaned_data["url"],
                label=form.cleaned_data["label"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Chat added. Send a test message to make sure it arrives."))
            return redirect("notifications:chat")
    return render(
        request,
        "notifications/chat.html",
        {
            "form": form,
            "targets": with_action_urls(ChatTarget.objects.personal(request.user), "notifications"),
        },
        status=400 if form.errors else 200,
    )


def with_action_urls(targets: Any, namespace: str, **kwargs: Any) -> list[ChatTarget]:
    """The targets, each with the URLs of its test and remove buttons (for the shared list partial)."""
    listed = list(targets)
    for target in listed:
        target.test_url = reverse(f"{namespace}:chat-test", kwargs={**kwargs, "target_id": target.pk})
        target.remove_url = reverse(f"{namespace}:chat-remove", kwargs={**kwargs, "target_id": target.pk})
    return listed


def chat_test_send(request: AuthedRequest, target: ChatTarget) -> None:
    """Send a test message to a target the caller may manage, and say how it went."""
    outcome = services.chat_target_test(target=target, actor=request.user)
    if outcome.ok:
        messages.success(request, _("Test message sent to %(target)s.") % {"target": target})
    else:
        messages.error(
            request,
            _("The test message to %(target)s did not go out: %(error)s")
            % {"target": target, "error": outcome.error},
        )


@login_required
@require_POST
def chat_test(request: AuthedRequest, target_id: int) -> HttpResponse:
    """Send a test message through Apprise now and say whether it went out, or why not."""
    target = get_object_or_404(ChatTarget, pk=target_id, owner=request.user)
    chat_test_send(request, target)
    return redirect("notifications:chat")


@login_required
@require_POST
def chat_remove(request: AuthedRequest, target_id: int) -> HttpResponse:
    target = get_object_or_404(ChatTarget, pk=target_id, owner=request.user)
    name = str(target)
    services.chat_target_remove(target=target, actor=request.user)
    messages.success(request, _("Chat %(target)s removed.") % {"target": name})
    return redirect("notifications:chat")


@csrf_exempt  # RFC 8058: mail clients POST without a session or CSRF token; the signed token is the proof
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """Stop one kind of email for one person, without logging in. GET asks; POST (one click) does it."""
    from django.contrib.auth import get_user_model

    from peerpact.notifications.kinds import all_kinds
    from peerpact.notifications.unsubscribe import unsubscribe_read

    found = unsubscribe_read(token)
    user = get_user_model().objects.filter(pk=found[0]).first() if found else None
    if found is None or user is None:
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=404)
    kind = found[1]
    labels = {k.name: k.label for k in all_kinds()}
    done = False
    if request.method == "POST":
        services.email_mute(user=user, kind=kind)
        done = True
    return render(
        request,
        "notifications/unsubscribe.html",
        {"label": labels.get(kind, kind), "done": done, "email": user.email},
    )
