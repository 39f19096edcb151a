"""What the pages know of the signed-in user."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class SignedInRequest(HttpRequest):
    """The request a view behind ``login_required`` gets: its user is signed in."""

    user: User
