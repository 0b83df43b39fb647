from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import Authorisation, Person


def authorisations_active() -> QuerySet[Authorisation]:
    today = timezone.localdate()
    return Authorisation.objects.filter(revoked_at__isnull=True, valid_from__lte=today).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=today)
    )


def persons_represented_by(person: Person) -> QuerySet[Person]:
    """The persons who authorised `person` to act for them, now."""
    return Person.objects.filter(pk__in=authorisations_active().filter(agent=person).values("principal_id"))
