from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import ArticleKind


class ArticleForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ArticleKind.choices, initial=ArticleKind.LEGAL_EDUCATION)
    title = forms.CharField(label=_("Title"), max_length=120)
    summary = forms.CharField(
        label=_("Summary"),
        max_length=300,
        required=False,
        help_text=_("One or two sentences shown in the list."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    body = forms.CharField(
        label=_("Text"),
        max_length=20000,
        help_text=_("Plain text. Leave an empty line between paragraphs."),
        widget=forms.Textarea(attrs={"rows": 12}),
    )


class ArticleCreateForm(ArticleForm):
    publish = forms.BooleanField(label=_("Publish now (otherwise it is saved as a draft)"), required=False)
    client_token = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("client_token", uuid.uuid4().hex)
