"""The base of the apps' factories (xietong/<app>/tests/factories.py): objects made by the services.

A factory_boy factory whose `_create` calls the app's service with `actor=SYSTEM` (or the `actor`
given), so a test's objects are validated, numbered and audited exactly as the platform's own.
"""

from __future__ import annotations

from typing import Any

import factory

from xietong.audit.services import SYSTEM


class ServiceFactory(factory.Factory):
    """`service(actor=..., **fields)` makes the object; `build()` makes an unsaved instance as usual."""

    class Meta:
        abstract = True

    @classmethod
    def service(cls, **kwargs: Any) -> Any:
        raise NotImplementedError

    @classmethod
    def _create(cls, model_class: type, *args: Any, **kwargs: Any) -> Any:
        return cls.service(actor=kwargs.pop("actor", SYSTEM), **kwargs)
