from __future__ import annotations

from peerpact.accounts.models import User


def user_update_profile(
    *, user: User, display_name: str, pronouns: str, timezone: str, language: str
) -> User:
    """Save a person's profile preferences."""
    user.display_name = display_name.strip()
    user.pronouns = pronouns.strip()
    user.timezone = timezone
    user.language = language
    user.full_clean()
    user.save(update_fields=["display_name", "pronouns", "timezone", "language"])
    return user
