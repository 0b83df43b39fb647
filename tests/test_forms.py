"""Every form of the apps, as a browser and a reader meet it.

A browser's date field takes its value as 2027-01-01 only: Django's Chinese locale would write 2027/01/01,
which the browser throws away (the field shows empty and submits nothing). A label or help text is
translated when the page is drawn, not once when the module is imported (then in the default language)."""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import pkgutil
import re

from django import forms
from django.utils import translation

import xietong
from xietong.mediation.forms import OfferForm

ISO = {"date": "%Y-%m-%d", "datetime-local": "%Y-%m-%dT%H:%M"}


def every_form() -> list[type[forms.BaseForm]]:
    found = []
    for app in pkgutil.iter_modules(xietong.__path__):
        try:
            module = importlib.import_module(f"xietong.{app.name}.forms")
        except ModuleNotFoundError:
            continue
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                found.append(cls)
    return found


def test_every_date_field_writes_the_format_the_browser_reads():
    forms_seen = every_form()
    assert len(forms_seen) > 20  # the walk found the apps' forms
    wrong = [
        f"{cls.__module__}.{cls.__name__}.{name}"
        for cls in forms_seen
        for name, field in getattr(cls, "base_fields", {}).items()
        if getattr(field.widget, "input_type", None) in ISO
        and getattr(field.widget, "format", None) != ISO[field.widget.input_type]
    ]
    assert not wrong, f"date inputs without an ISO format: {wrong}"


def test_an_offer_form_shows_its_first_payment_date_in_chinese_too():
    with translation.override("zh-hans"):
        html = str(OfferForm(initial={"first_payment_on": dt.date(2027, 1, 1)})["first_payment_on"])
    assert 'value="2027-01-01"' in html


def test_labels_and_help_texts_follow_the_readers_language():
    def texts(language: str) -> dict[str, str]:
        with translation.override(language):
            return {
                f"{cls.__module__}.{cls.__name__}.{name}.{attr}": str(getattr(field, attr) or "")
                for cls in every_form()
                for name, field in getattr(cls, "base_fields", {}).items()
                for attr in ("label", "help_text")
            }

    english, chinese = texts("en"), texts("zh-hans")
    frozen = [
        f"{key}: {text}"
        for key, text in english.items()
        if re.search(r"[\u4e00-\u9fff]", text) and text == chinese[key]
    ]
    assert not frozen, f"the same Chinese on English pages (translated once, at import): {frozen}"
