from __future__ import annotations

from typing import Any

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from xietong.accounts.models import Organisation

from .columns import FIELDS
from .models import Batch
from .reader import max_rows, max_upload_bytes


class UploadForm(forms.Form):
    institution = forms.ModelChoiceField(queryset=Organisation.objects.none(), label=_("Institution"))
    file = forms.FileField(
        label=_("File (XLSX or CSV)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,text/csv"}),
    )

    def __init__(self, *args: Any, institutions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("Up to %(rows)s rows and %(size)s. CSV in UTF-8 or GB18030.") % {
            "rows": f"{max_rows():,}",
            "size": filesizeformat(max_upload_bytes()),
        }
        self.only: Organisation | None = None
        if len(choices := list(institutions[:2])) == 1:
            # An operator uploads for their own institution: nothing to choose.
            self.only = choices[0]
            del self.fields["institution"]
        else:
            field = self.fields["institution"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = institutions

    def chosen_institution(self) -> Organisation:
        return self.only or self.cleaned_data["institution"]


class MappingForm(forms.Form):
    """One select per template field, listing the file's columns."""

    def __init__(self, *args: Any, batch: Batch, initial_mapping: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        options = [("", _("— not in the file —"))] + [(h, h) for h in batch.headers]
        for f in FIELDS:
            self.fields[f.key] = forms.ChoiceField(
                label=f"{f.header} · {f.label}",
                choices=options,
                required=f.required,
                initial=initial_mapping.get(f.key, ""),
            )

    def mapping(self) -> dict[str, str]:
        return {k: v for k, v in self.cleaned_data.items() if v}
