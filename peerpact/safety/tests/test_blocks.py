from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from peerpact.safety import selectors, services
from peerpact.safety.models import Block

pytestmark = pytest.mark.django_db


def test_block_and_unblock(circle, bob, alice):
    services.block(blocker=bob, blocked=alice)
    services.block(blocker=bob, blocked=alice)  # idempotent
    assert Block.objects.count() == 1
    assert selectors.blocks_between(alice, bob) and selectors.blocked_by(alice) == {bob.pk}
    assert services.unblock(blocker=bob, blocked=alice)
    assert not services.unblock(blocker=bob, blocked=alice)
    assert not selectors.blocks_between(alice, bob)


def test_cannot_block_yourself_or_strangers(circle, bob, carol):
    for other in (bob, carol):
        with pytest.raises(ValidationError):
            services.block(blocker=bob, blocked=other)


def test_the_block_page_lists_people_from_my_circles_and_is_private(client, circle, bob, alice, carol):
    client.force_login(bob)
    page = client.get(reverse("safety:blocks")).content.decode()
    assert "Alice" in page and "Carol" not in page
    response = client.post(reverse("safety:blocks"), {"user": alice.pk})
    assert response.status_code == 302
    assert client.post(reverse("safety:blocks"), {"user": carol.pk}).status_code == 400
    page = client.get(reverse("safety:blocks")).content.decode()
    assert "Unblock" in page
    client.force_login(alice)
    assert "Bob" not in client.get(reverse("safety:blocks")).content.decode().split("Block someone")[0]
    assert client.post(reverse("safety:unblock", kwargs={"user_id": alice.pk})).status_code == 404
    client.force_login(bob)
    assert client.post(reverse("safety:unblock", kwargs={"user_id": alice.pk})).status_code == 302
    assert not Block.objects.exists()


def test_block_button_on_the_members_page_returns_there(client, circle, bob, alice):
    client.force_login(bob)
    members = reverse("circles:members", kwargs={"community": circle.community.slug, "circle": circle.slug})
    assert "Block<span" in client.get(members).content.decode()
    response = client.post(reverse("safety:blocks"), {"user": alice.pk, "next": members})
    assert response["Location"] == members
    assert "Unblock<span" in client.get(members).content.decode()
