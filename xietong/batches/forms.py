from __future__ import annotations

from typing import Any

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from xietong.accounts.models import Organisation
from xietong.cases.choices import Product
from xietong.cases.models import Category

from .columns import FIELDS, WHOLE_FILE
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
    """One select per template field, listing the file's columns; then what is the same for every row
    (a product when the file has no product column, the category of every case)."""

    VALUE_PREFIX = "every_"

    def __init__(
        self,
        *args: Any,
        batch: Batch,
        initial_mapping: dict[str, str],
        initial_values: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        options = [("", _("— not in the file —"))] + [(h, h) for h in batch.headers]
        for f in FIELDS:
            self.fields[f.key] = forms.ChoiceField(
                label=f"{f.header} · {f.label}",
                choices=options,
                # A field that may be given for the whole file is checked by the service: a column or a value.
                required=f.required and f.key not in WHOLE_FILE,
                initial=initial_mapping.get(f.key, ""),
            )
        self.value_fields = []
        for key in WHOLE_FILE:
            name = self.VALUE_PREFIX + key
            self.fields[name] = forms.ChoiceField(
                label=_("Product of every row"),
                choices=[("", _("— from the column above —")), *Product.choices],
                required=False,
                initial=(initial_values or {}).get(key, ""),
                help_text=_(
                    "When the file has no product column because every row is the same product "
                    "(a credit-card department's export: every row is a credit card)."
                ),
            )
            self.value_fields.append(self[name])
        self.fields["category"] = forms.ModelChoiceField(
            queryset=Category.objects.filter(is_active=True),
            label=_("Category of every case"),
            required=False,
            initial=batch.category_id,
            empty_label=_("— as the triage rules decide —"),
            help_text=_("The triage rules still decide the channel and the team; a rule that sets a category wins."),
        )
        self.value_fields.append(self["category"])

    def column_fields(self) -> list[Any]:
        return [self[f.key] for f in FIELDS]

    def mapping(self) -> dict[str, str]:
        return {f.key: v for f in FIELDS if (v := self.cleaned_data.get(f.key))}

    def values(self) -> dict[str, str]:
        return {k: v for k in WHOLE_FILE if (v := self.cleaned_data.get(self.VALUE_PREFIX + k))}

    def category(self) -> Category | None:
        return self.cleaned_data.get("category")
