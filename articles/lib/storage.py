"""Where copies of hidden images go: out of the public media folder."""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class QuarantineStorage(FileSystemStorage):
    """``QUARANTINE_ROOT`` on local disk, with no URL: nothing in it is ever served.
    The location is read from settings when used, so tests can move it."""

    def __init__(self) -> None:
        super().__init__(base_url=None)

    @property
    def base_location(self) -> str:  # type: ignore[override]
        return str(settings.QUARANTINE_ROOT)

    @property
    def location(self) -> str:  # type: ignore[override]
        return str(settings.QUARANTINE_ROOT)

    def url(self, name: str | None) -> str:
        raise ValueError("quarantined copies have no address")
