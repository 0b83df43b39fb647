"""Small builders for intake tests (files by content, form data)."""

from __future__ import annotations

import uuid

from django.core.files.uploadedfile import SimpleUploadedFile

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64

NEW_ID = "350802199203070015"  # valid check digit, not in the test world
NEW_ID_2 = "350802199511110015"


def pdf(name="evidence.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def exe_as_pdf():
    return SimpleUploadedFile("invoice.pdf", EXE, content_type="application/pdf")


def form_data(world, *, institutions=None, **over):
    data = {
        "client_token": uuid.uuid4().hex,
        "institutions": [o.pk for o in (institutions or [world.bank, world.other_bank])],
        "product": "credit_card",
        "reference": "6222 **** 1234",
        "principal": "1,234.50",
        "interest": "１００",
        "penalty": "",
        "facts": "Lost my job in spring; could not pay.",
        "wishes": ["instalments", "penalty_reduction"],
        "service_address": "福建省龙岩市新罗区中山路1号",
        "service_country": "CN",
        "service_phone": "13800138000",
        "service_email": "",
        "consent_electronic_service": "on",
        "consent_online_mediation": "on",
    }
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}
