"""Masking of ID and phone numbers for lists and for those who may not see them in full."""

from __future__ import annotations

import pytest

from xietong.core.idgen import id_number_from
from xietong.core.masking import mask_id_number, mask_phone


class TestMaskIdNumber:
    def test_shows_region_and_last_four_only(self):
        assert mask_id_number("350802198003150016") == "350802********0016"

    @pytest.mark.parametrize("n", [0, 1, 999, 12345, 765432])
    def test_never_shows_the_birth_date(self, n):
        number = id_number_from(n)
        masked = mask_id_number(number)
        assert len(masked) == len(number) == 18
        assert masked[:6] == number[:6]
        assert masked[-4:] == number[-4:]
        assert set(masked[6:14]) == {"*"}
        assert number[6:14] not in masked  # the birth date

    def test_check_char_x_is_kept(self):
        assert mask_id_number("11010519491231002X") == "110105********002X"

    @pytest.mark.parametrize("value", [None, ""])
    def test_empty_gives_empty(self, value):
        assert mask_id_number(value) == ""

    def test_other_lengths_show_only_two_at_each_end(self):
        assert mask_id_number("350802800315001") == "35***********01"
        assert mask_id_number("AB12") == "****"
        assert mask_id_number("X") == "*"


class TestMaskPhone:
    def test_mainland_mobile(self):
        assert mask_phone("13800138000") == "138****8000"

    def test_international_number(self):
        assert mask_phone("+6281234567890") == "+62*******7890"

    @pytest.mark.parametrize("phone", ["13800138000", "19912345678", "+12025550100", "+85291234567"])
    def test_length_is_kept_and_the_middle_hidden(self, phone):
        masked = mask_phone(phone)
        assert len(masked) == len(phone)
        assert masked[:3] == phone[:3]
        assert masked[-4:] == phone[-4:]
        assert set(masked[3:-4]) == {"*"}
        assert masked != phone

    @pytest.mark.parametrize("value", [None, ""])
    def test_empty_gives_empty(self, value):
        assert mask_phone(value) == ""

    def test_short_values_are_hidden_entirely(self):
        assert mask_phone("1234567") == "*******"
        assert mask_phone("110") == "***"
