"""Intake forms: thin; they check what was typed and hand dataclasses to the services."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from xietong.cases.choices import Product, Wish
from xietong.core.validators import normalize_phone, parse_resident_id, validate_no_formula
from xietong.parties.choices import AuthorisationReason, Relationship

from .choices import COUNTRIES
from .selectors import institutions_for_intake
from .services import AuthorisationRequest, DisputeDetails, PartyDetails, ServiceAddress, Upload
from .validators import MAX_ATTACHMENTS, check_upload, parse_amount


def check_new_password(form: forms.Form, data: dict[str, Any]) -> None:
    """The two password fields agree and the password passes the configured validators."""
    p1, p2 = data.get("password1"), data.get("password2")
    if p1 and p2 and p1 != p2:
        form.add_error("password2", _("The two passwords differ."))
    elif p1:
        try:
            password_validation.validate_password(p1)
        except ValidationError as exc:
            form.add_error("password1", exc)


class AmountField(forms.CharField):
    """Yuan as people type them; "1,234.50" and full-width digits welcome, "-5" and "1,2,3" refused."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={"inputmode": "decimal", "autocomplete": "off", "placeholder": "0.00", "maxlength": "30"}
            ),
        )
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Decimal:  # type: ignore[override]
        text = super().to_python(value) or ""
        if len(text) > 30:
            raise ValidationError(_("Write the amount in yuan with digits, e.g. 1234.50."), code="amount_format")
        return parse_amount(text)


class IdNumberField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 30)
        kwargs.setdefault("widget", forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        text = super().to_python(value) or ""
        return parse_resident_id(text).number if text else text


class PhoneField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 30)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        text = super().to_python(value) or ""
        return normalize_phone(text) if text else text


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input, each checked by content and size."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/*"}))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if self.required and not files:
            raise ValidationError(self.error_messages["required"], code="required")
        if len(files) > MAX_ATTACHMENTS:
            raise ValidationError(
                _("At most %(n)d files can be attached.") % {"n": MAX_ATTACHMENTS}, code="too_many_files"
            )
        errors: list[ValidationError] = []
        for f in files:
            try:
                check_upload(f)
            except ValidationError as exc:
                errors.append(exc)
        if errors:
            raise ValidationError(errors)
        return list(files)


class CheckedFileField(forms.FileField):
    def clean(self, data: Any, initial: Any = None) -> Any:
        f = super().clean(data, initial)
        if f:
            check_upload(f)
        return f


def _text(**kw: Any) -> forms.CharField:
    return forms.CharField(**kw)


class ApplicationForm(forms.Form):
    """A dispute as a citizen describes it: short, phone first. Identity fields appear only when needed."""

    identity_fields = ("party_name", "party_id_number", "party_phone")
    person_fields: tuple[str, ...] = ()

    client_token = forms.CharField(widget=forms.HiddenInput, max_length=64)
    party_name = _text(validators=[validate_no_formula], label=_("Full name"), max_length=100, required=False)
    party_id_number = IdNumberField(label=_("Resident ID number"), required=False)
    party_phone = PhoneField(label=_("Mobile phone"), required=False)
    institutions = forms.ModelMultipleChoiceField(
        label=_("Institutions the dispute is with"),
        queryset=institutions_for_intake(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose one or several: each institution becomes its own case."),
        required=False,
    )
    respondent_name = _text(
        label=_("Or: the company or person the dispute is against"),
        max_length=200,
        required=False,
        help_text=_("Only if it is not a financial institution of the list, e.g. an investment company."),
    )
    product = forms.ChoiceField(label=_("Product"), choices=Product.choices)
    reference = _text(label=_("Contract or card number (if you know it)"), max_length=64, required=False)
    principal = AmountField(label=_("Principal owed (yuan)"))
    interest = AmountField(label=_("Interest (yuan)"))
    penalty = AmountField(label=_("Penalty and fees (yuan)"))
    facts = _text(
        label=_("What happened"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("When you borrowed, what you repaid, why repayment stopped."),
    )
    wishes = forms.MultipleChoiceField(
        label=_("What you ask for"), choices=Wish.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    attachments = MultipleFileField(
        label=_("Attachments"),
        help_text=_("PDF, JPG or PNG, at most 10 MB each, up to 10 files."),
    )
    service_address = _text(
        validators=[validate_no_formula], label=_("Address for service of documents"), max_length=300
    )
    service_country = forms.ChoiceField(label=_("Country or region"), choices=COUNTRIES, initial="CN")
    service_phone = PhoneField(label=_("Phone for service"))
    service_email = forms.EmailField(label=_("E-mail for service"), required=False)
    consent_electronic_service = forms.BooleanField(
        label=_("I agree that documents are served electronically (SMS, e-mail, the platform)."), required=False
    )
    consent_online_mediation = forms.BooleanField(
        label=_("I agree to mediation online."),
        error_messages={"required": _("Mediation here is online: please agree to it to apply.")},
    )

    def __init__(self, *args: Any, needs_identity: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.needs_identity = needs_identity or bool(self.person_fields)
        if not self.needs_identity:
            for name in self.identity_fields:
                del self.fields[name]
        else:
            for name in self.identity_fields:
                self.fields[name].required = True
        self.fields["institutions"].queryset = institutions_for_intake()  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.setdefault("client_token", uuid.uuid4().hex)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("institutions") and not (data.get("respondent_name") or "").strip():
            self.add_error("institutions", _("Choose at least one institution."))
        if data.get("consent_electronic_service") and not (data.get("service_phone") or data.get("service_email")):
            self.add_error("service_phone", _("Electronic service needs a phone number or an e-mail address."))
        return data

    # What the services take. ---------------------------------------------------------------

    def identity(self) -> PartyDetails:
        d = self.cleaned_data
        return PartyDetails(
            name=d["party_name"],
            id_number=d["party_id_number"],
            phone=d["party_phone"],
            country=d.get("party_country") or "CN",
            address=d.get("party_address", ""),
        )

    def dispute(self) -> DisputeDetails:
        d = self.cleaned_data
        return DisputeDetails(
            product=d["product"],
            principal=d["principal"],
            interest=d["interest"],
            penalty=d["penalty"],
            facts=d["facts"],
            wishes=list(d["wishes"]),
            reference=d["reference"],
            respondent_name=d.get("respondent_name", ""),
        )

    def service(self) -> ServiceAddress:
        d = self.cleaned_data
        return ServiceAddress(
            address=d["service_address"],
            phone=d["service_phone"],
            email=d["service_email"],
            country=d["service_country"],
            consent_electronic_service=d["consent_electronic_service"],
        )

    def uploads(self) -> list[Upload]:
        return [Upload(file=f) for f in self.cleaned_data["attachments"]]

    def section(self, *names: str) -> list[Any]:
        return [self[n] for n in names if n in self.fields]

    @property
    def identity_section(self) -> list[Any]:
        return self.section(*self.identity_fields, *self.person_fields)

    @property
    def dispute_section(self) -> list[Any]:
        return self.section(
            "institutions", "respondent_name", "product", "reference", "principal", "interest", "penalty"
        )

    @property
    def facts_section(self) -> list[Any]:
        return self.section("facts", "wishes", "attachments")

    @property
    def service_section(self) -> list[Any]:
        return self.section(
            "service_address",
            "service_country",
            "service_phone",
            "service_email",
            "consent_electronic_service",
            "consent_online_mediation",
        )


class StaffApplicationForm(ApplicationForm):
    """The same dispute, entered by a clerk at the counter or an agent at a rural station for a walk-in."""

    person_fields = ("party_address", "party_country")

    party_address = _text(validators=[validate_no_formula], label=_("Address"), max_length=300, required=False)
    party_country = forms.ChoiceField(label=_("Country or region"), choices=COUNTRIES, initial="CN")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, needs_identity=True, **kwargs)
        self.fields["party_name"].label = _("The person's full name")
        self.fields["party_phone"].help_text = _("They can take the case over later with this phone.")
        self.fields["consent_online_mediation"].label = _("The person agrees to mediation online.")
        self.fields["consent_electronic_service"].label = _("The person agrees to electronic service of documents.")


class RelativeApplicationForm(ApplicationForm):
    """Applying for a relative: the relative's details, the relationship, the reason and the authorisation."""

    relative_fields = (
        "relative_name",
        "relative_id_number",
        "relative_phone",
        "relative_country",
        "relative_address",
        "relationship",
        "reason",
        "reason_detail",
        "authorisation_document",
    )

    relative_name = _text(validators=[validate_no_formula], label=_("Relative's full name"), max_length=100)
    relative_id_number = IdNumberField(label=_("Relative's resident ID number"))
    relative_phone = PhoneField(
        label=_("Relative's phone"), required=False, help_text=_("A number abroad with its country code, e.g. +62 …")
    )
    relative_country = forms.ChoiceField(label=_("Where the relative lives"), choices=COUNTRIES, initial="CN")
    relative_address = _text(
        validators=[validate_no_formula], label=_("Relative's address"), max_length=300, required=False
    )
    relationship = forms.ChoiceField(label=_("Your relationship"), choices=Relationship.choices)
    reason = forms.ChoiceField(label=_("Why they cannot apply themselves"), choices=AuthorisationReason.choices)
    reason_detail = _text(label=_("Details"), max_length=300, required=False)
    authorisation_document = CheckedFileField(
        label=_("Signed authorisation"),
        help_text=_("The relative's signed authorisation: PDF, JPG or PNG, at most 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/*"}),
    )

    def relative(self) -> PartyDetails:
        d = self.cleaned_data
        return PartyDetails(
            name=d["relative_name"],
            id_number=d["relative_id_number"],
            phone=d["relative_phone"],
            country=d["relative_country"],
            address=d["relative_address"],
        )

    def authorisation(self) -> AuthorisationRequest:
        d = self.cleaned_data
        return AuthorisationRequest(
            relationship=d["relationship"],
            reason=d["reason"],
            reason_detail=d["reason_detail"],
            document=d["authorisation_document"],
        )

    @property
    def relative_section(self) -> list[Any]:
        return self.section(*self.relative_fields)


# Accounts. -------------------------------------------------------------------------------


class RegisterForm(forms.Form):
    name = _text(validators=[validate_no_formula], label=_("Full name"), max_length=100)
    id_number = IdNumberField(label=_("Resident ID number"))
    phone = PhoneField(label=_("Mobile phone"))
    password1 = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput)
    password2 = forms.CharField(label=_("Password again"), strip=False, widget=forms.PasswordInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        check_new_password(self, data)
        return data


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the SMS"),
        min_length=6,
        max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class ClaimStartForm(forms.Form):
    number = _text(label=_("Case number"), max_length=64)
    phone = PhoneField(label=_("Mobile phone on file"))


class ClaimCodeForm(CodeForm):
    password1 = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput, required=False)
    password2 = forms.CharField(label=_("Password again"), strip=False, widget=forms.PasswordInput, required=False)

    def __init__(self, *args: Any, needs_password: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if needs_password:
            self.fields["password1"].required = True
            self.fields["password2"].required = True
        else:
            del self.fields["password1"]
            del self.fields["password2"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        check_new_password(self, data)
        return data
