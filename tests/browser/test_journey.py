"""The first-week journey in a real browser: sign up, build a circle, invite a peer who joins it.

Every page on the way is checked by `PageWatch`: axe finds nothing, and the browser reports no
console error, uncaught exception or CSP violation.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PageWatch, assert_fits_width, link_from_mail, mail_to

PASSWORD = "a long and unusual passphrase 42"
CHARTER = "We meet **every Monday**.\n\n- Be kind\n- Be honest"
PHONE = {"width": 360, "height": 740}


def sign_up(page: Page, *, email: str, name: str) -> None:
    """Fill allauth's sign-up form (the time zone is left to the browser) and wait for the answer."""
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_label("Display name").fill(name)
    page.get_by_role("button", name="Sign Up").click()
    # Waiting for the next page also means any confirmation email has been sent.
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Sign Up")


def confirm_email(page: Page, check: PageWatch, *, email: str) -> None:
    """Open the confirmation link from the newest message to `email` and press Confirm."""
    page.goto(link_from_mail(email, "/accounts/confirm-email/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm Email Address")
    check()
    page.get_by_role("button", name="Confirm").click()


@pytest.mark.browser
@pytest.mark.browser_context_args(timezone_id="Europe/Madrid")
@pytest.mark.django_db(transaction=True)
def test_a_founder_builds_a_circle_and_an_invited_peer_signs_up_and_joins_it(
    page: Page, another_person: Callable[..., Page]
) -> None:
    from peerpact.accounts.models import User
    from peerpact.circles.models import Membership, MembershipStatus

    alice = PageWatch(page)

    # Alice finds sign-up from the landing page; the skip link is the first thing a keyboard reaches.
    page.goto("/")
    alice()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.get_by_role("link", name="Create your account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign Up")
    alice()
    expect(page.get_by_label("Time zone")).to_have_value("Europe/Madrid")
    sign_up(page, email="alice@example.com", name="Alice")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Verify")
    alice()
    confirm_email(page, alice, email="alice@example.com")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Alice")
    alice()
    assert User.objects.get(email="alice@example.com").timezone == "Europe/Madrid"

    # She starts a community, then a circle in it with a markdown charter.
    page.get_by_role("link", name="New community").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create a community")
    alice()
    page.get_by_label("Name").fill("Northwind Writers")
    page.get_by_role("button", name="Create community").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Northwind Writers")
    alice()
    page.get_by_role("link", name="New circle").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create a circle")
    alice()
    page.get_by_label("Name").fill("Morning Pages")
    page.get_by_label("Charter").fill(CHARTER)
    page.get_by_role("button", name="Create circle").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("People in Morning Pages")
    alice()

    # From the members page she invites Bob by email.
    invite = page.get_by_role("form", name="Invite someone")
    invite.get_by_label("Email address").fill("bob@example.com")
    invite.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("status")).to_contain_text("Invitation sent to bob@example.com")
    alice()
    invitation_path = link_from_mail("bob@example.com", "/invite/")

    # Bob opens it on his phone, in his own browser, and is sent to sign up and back again.
    phone = another_person(viewport=PHONE, timezone_id="America/New_York")
    bob = PageWatch(phone)
    phone.goto(invitation_path)
    expect(phone.get_by_role("heading", level=1)).to_have_text("You're invited to Northwind Writers")
    bob()
    assert_fits_width(phone)
    phone.get_by_role("link", name="Create an account").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Sign Up")
    bob()
    assert_fits_width(phone)
    mail_before = len(mail_to("bob@example.com"))
    sign_up(phone, email="bob@example.com", name="Bob")
    if len(mail_to("bob@example.com")) > mail_before:
        # Opening the invitation proves the address today; should that change, confirming must
        # still lead back to the invitation.
        bob()
        confirm_email(phone, bob, email="bob@example.com")
    expect(phone).to_have_url(invitation_path)
    bob()
    phone.get_by_role("button", name="Accept invitation").click()

    # The circle page shows the charter, rendered; Bob accepts it with the keyboard alone.
    expect(phone.get_by_role("heading", level=1)).to_have_text("Morning Pages")
    expect(phone.get_by_role("region", name="Charter").locator("strong")).to_have_text("every Monday")
    bob()
    assert_fits_width(phone)
    agree = phone.get_by_label("I have read the charter and agree to it.")
    agree.focus()
    phone.keyboard.press("Space")
    expect(agree).to_be_checked()
    phone.keyboard.press("Tab")
    expect(phone.get_by_role("button", name="Accept the charter and join")).to_be_focused()
    phone.keyboard.press("Enter")

    expect(phone.get_by_role("status")).to_contain_text("Welcome to Morning Pages!")
    people = phone.get_by_role("region", name="People")
    expect(people).to_contain_text("Bob")
    expect(people).to_contain_text("Alice")
    bob()
    assert_fits_width(phone)
    joined = Membership.objects.get(circle__name="Morning Pages", user__email="bob@example.com")
    assert joined.status == MembershipStatus.ACTIVE
    assert User.objects.get(email="bob@example.com").timezone == "America/New_York"
