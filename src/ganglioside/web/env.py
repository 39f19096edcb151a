"""Read settings from the environment, refusing malformed values with a message.

Every reader names the variable it read, so a typo in a deployment says which variable is
wrong and what was expected instead of failing later somewhere deep in Django.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import overload
from urllib.parse import urlsplit

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(s|sec|second|m|min|minute|h|hour|d|day)\s*$", re.I)


class ImproperlyConfiguredEnvironment(Exception):
    """An environment variable has a value the platform cannot use."""

    def __init__(self, name: str, value: str | None, expected: str) -> None:
        self.name = name
        shown = "unset" if value is None else repr(value)
        super().__init__(f"environment variable {name} is {shown}; expected {expected}")


# The readers are named after the types they return, so inside ``Env`` the names ``str`` and
# ``list`` are its methods; the annotations there use these aliases.
Text = str
Texts = list[str]


class Env:
    """Typed access to a mapping of environment variables (``os.environ`` by default)."""

    def __init__(self, environ: Mapping[Text, Text] | None = None) -> None:
        self.environ = os.environ if environ is None else environ

    def raw(self, name: Text) -> Text | None:
        value = self.environ.get(name)
        if value is None or value.strip() == "":
            return None
        return value.strip()

    @overload
    def str(self, name: Text, default: Text) -> Text: ...
    @overload
    def str(self, name: Text, default: None = None) -> Text | None: ...

    def str(self, name: Text, default: Text | None = None) -> Text | None:
        value = self.raw(name)
        return default if value is None else value

    def bool(self, name: Text, default: bool = False) -> bool:
        value = self.raw(name)
        if value is None:
            return default
        lowered = value.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ImproperlyConfiguredEnvironment(name, value, "one of 1/0, true/false, yes/no, on/off")

    def int(self, name: Text, default: int, *, minimum: int | None = None) -> int:
        value = self.raw(name)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            raise ImproperlyConfiguredEnvironment(name, value, "a whole number") from None
        if minimum is not None and number < minimum:
            raise ImproperlyConfiguredEnvironment(name, value, f"a whole number ≥ {minimum}")
        return number

    def float(self, name: Text, default: float, *, minimum: float | None = None) -> float:
        value = self.raw(name)
        if value is None:
            return default
        try:
            number = float(value)
        except ValueError:
            raise ImproperlyConfiguredEnvironment(name, value, "a number") from None
        if number != number or (minimum is not None and number < minimum):
            raise ImproperlyConfiguredEnvironment(name, value, f"a number ≥ {minimum}")
        return number

    def list(self, name: Text, default: Texts | None = None) -> Texts:
        value = self.raw(name)
        if value is None:
            return list(default or [])
        return [item.strip() for item in value.split(",") if item.strip()]

    @overload
    def url(
        self, name: Text, schemes: tuple[Text, ...], default: Text, bare: tuple[Text, ...] = ()
    ) -> Text: ...
    @overload
    def url(
        self,
        name: Text,
        schemes: tuple[Text, ...],
        default: None = None,
        bare: tuple[Text, ...] = (),
    ) -> Text | None: ...

    def url(
        self,
        name: Text,
        schemes: tuple[Text, ...],
        default: Text | None = None,
        bare: tuple[Text, ...] = (),
    ) -> Text | None:
        """A URL with one of ``schemes``; those in ``bare`` need nothing after ``://``."""
        value = self.raw(name)
        if value is None:
            return default
        parts = urlsplit(value)
        complete = bool(parts.netloc or parts.path) or parts.scheme in bare
        if parts.scheme not in schemes or not complete:
            raise ImproperlyConfiguredEnvironment(
                name, value, f"a URL starting with {' or '.join(s + '://' for s in schemes)}"
            )
        return value

    def origins(self, name: Text) -> Texts:
        origins = self.list(name)
        for origin in origins:
            parts = urlsplit(origin)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ImproperlyConfiguredEnvironment(
                    name, origin, "a comma-separated list of origins like https://example.org"
                )
        return origins

    def rate(self, name: Text, default: Text) -> Text:
        value = self.raw(name)
        if value is None:
            return default
        if not _RATE.match(value):
            raise ImproperlyConfiguredEnvironment(
                name, value, "a rate like 10/s, 2/min, 100/hour or 1000/day"
            )
        return value.replace(" ", "")

    def choice(self, name: Text, choices: tuple[Text, ...], default: Text) -> Text:
        value = self.raw(name)
        if value is None:
            return default
        if value.lower() not in choices:
            raise ImproperlyConfiguredEnvironment(name, value, f"one of {', '.join(choices)}")
        return value.lower()
