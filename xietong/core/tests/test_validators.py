"""GB 11643 resident ID numbers, GB 32100 unified social credit codes and phone numbers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from xietong.core.idgen import fake_id_number, fake_uscc, id_number_from
from xietong.core.validators import (
    USCC_CHARS,
    id_check_char,
    normalize_id_number,
    normalize_phone,
    normalize_uscc,
    parse_resident_id,
    uscc_check_char,
    validate_phone,
    validate_resident_id,
    validate_uscc,
)

FULLWIDTH_DIGITS = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def error_code(exc_info: pytest.ExceptionInfo[ValidationError]) -> str | None:
    return exc_info.value.error_list[0].code


def with_wrong_check(number: str) -> str:
    """The same 17 digits with a check character that is not the right one."""
    right = number[17]
    wrong = next(c for c in "0123456789X" if c != right)
    return number[:17] + wrong


# Resident ID numbers (GB 11643) -------------------------------------------------------------


class TestResidentId:
    # The worked example of GB 11643-1999 itself: a woman born on 31 December 1949, check char X.
    STANDARD_EXAMPLE = "11010519491231002X"

    def test_the_standards_own_example_is_valid_with_check_char_x(self):
        rid = parse_resident_id(self.STANDARD_EXAMPLE)
        assert rid.number == self.STANDARD_EXAMPLE
        assert rid.birth_date == dt.date(1949, 12, 31)
        assert rid.sex == "F"

    def test_check_char_helper_agrees_with_the_standard_example(self):
        assert id_check_char(self.STANDARD_EXAMPLE[:17]) == "X"

    @pytest.mark.parametrize(
        ("first17", "birth", "sex"),
        [
            ("35080219800315001", dt.date(1980, 3, 15), "M"),  # 17th digit 1: odd, a man
            ("35080219850620003", dt.date(1985, 6, 20), "M"),
            ("35082119550101002", dt.date(1955, 1, 1), "F"),  # 17th digit 2: even, a woman
            ("44030420000229008", dt.date(2000, 2, 29), "F"),  # a leap day that exists
            ("11010119000101001", dt.date(1900, 1, 1), "M"),  # the earliest plausible year
        ],
    )
    def test_valid_numbers_give_birth_date_and_sex(self, first17, birth, sex):
        number = first17 + id_check_char(first17)
        rid = parse_resident_id(number)
        assert rid.number == number
        assert rid.birth_date == birth
        assert rid.sex == sex
        validate_resident_id(number)  # does not raise

    def test_at_least_one_of_the_derived_numbers_ends_in_x(self):
        # Make sure the X branch is exercised with a computed number too, not only the standard's example.
        for n in range(200):
            number = id_number_from(n)
            if number.endswith("X"):
                assert parse_resident_id(number).number == number
                assert parse_resident_id(number.lower()).number == number  # a lower-case x is accepted
                break
        else:
            pytest.fail("no number ending in X among the first 200")

    @pytest.mark.parametrize("n", range(0, 5000, 499))
    def test_every_wrong_check_char_is_refused(self, n):
        number = id_number_from(n)
        for wrong in "0123456789X":
            if wrong == number[17]:
                continue
            with pytest.raises(ValidationError) as exc:
                parse_resident_id(number[:17] + wrong)
            assert error_code(exc) == "id_checksum"

    def test_one_wrong_digit_in_the_body_is_refused(self):
        number = "350802198003150016"
        assert parse_resident_id(number)
        changed = number[:15] + ("2" if number[15] != "2" else "3") + number[16:]
        with pytest.raises(ValidationError) as exc:
            parse_resident_id(changed)
        assert error_code(exc) == "id_checksum"

    @pytest.mark.parametrize(
        "birth",
        [
            "19810229",  # 1981 is not a leap year
            "19900230",
            "19901301",  # month 13
            "19900001",  # month 0
            "19900100",  # day 0
            "19900431",  # April has 30 days
        ],
    )
    def test_impossible_birth_dates_are_refused_even_with_a_right_check_char(self, birth):
        first17 = f"350802{birth}001"
        with pytest.raises(ValidationError) as exc:
            parse_resident_id(first17 + id_check_char(first17))
        assert error_code(exc) == "id_birth"

    def test_a_birth_date_in_the_future_is_refused(self):
        tomorrow = dt.date.today() + dt.timedelta(days=1)
        first17 = f"350802{tomorrow:%Y%m%d}001"
        with pytest.raises(ValidationError) as exc:
            parse_resident_id(first17 + id_check_char(first17))
        assert error_code(exc) == "id_birth"

    def test_a_birth_date_after_the_given_today_is_refused(self):
        first17 = "35080220200615001"
        number = first17 + id_check_char(first17)
        assert parse_resident_id(number, today=dt.date(2020, 6, 15)).birth_date == dt.date(2020, 6, 15)
        with pytest.raises(ValidationError) as exc:
            parse_resident_id(number, today=dt.date(2020, 6, 14))
        assert error_code(exc) == "id_birth"

    def test_a_birth_year_before_1900_is_refused(self):
        first17 = "35080218991231001"
        with pytest.raises(ValidationError) as exc:
            parse_resident_id(first17 + id_check_char(first17))
        assert error_code(exc) == "id_birth"

    @pytest.mark.parametrize(
        "value",
        [
            "",
            "35080219800315001",  # 17 characters
            "3508021980031500166",  # 19 characters
            "350802800315001",  # the old 15-digit form
            "35080219800315001Y",  # only X may stand last
            "X50802198003150016",  # X only as the last character
            "35080219800315A016",
            "350802-19800315-0016",
        ],
    )
    def test_wrong_length_or_characters_are_refused(self, value):
        with pytest.raises(ValidationError) as exc:
            parse_resident_id(value)
        assert error_code(exc) == "id_format"

    def test_none_is_refused_not_crashed(self):
        with pytest.raises(ValidationError):
            parse_resident_id(None)  # type: ignore[arg-type]

    def test_full_width_digits_and_x_are_normalised(self):
        number = self.STANDARD_EXAMPLE
        typed = number.translate(FULLWIDTH_DIGITS)
        assert typed != number
        assert normalize_id_number(typed) == number
        assert parse_resident_id(typed).number == number
        assert parse_resident_id("１１０１０５１９４９１２３１００２ｘ").number == number

    def test_spaces_including_ideographic_spaces_are_removed(self):
        number = "350802198003150016"
        assert parse_resident_id(" 350802 19800315 0016 ").number == number
        # A Chinese input method types the full-width space U+3000 between groups.
        assert parse_resident_id("350802\u300019800315\u30000016").number == number

    @pytest.mark.parametrize(
        "digits",
        [
            "٠١٢٣٤٥٦٧٨٩",  # Arabic-Indic
            "०१२३४५६७८९",  # Devanagari
        ],
    )
    def test_digits_of_other_scripts_are_refused(self, digits):
        # They are digits to Unicode but not in an ID number; accepting them would store a
        # second spelling of the same number and defeat the uniqueness of persons.
        for number in ("350802198003150016", self.STANDARD_EXAMPLE):
            foreign = number.translate(str.maketrans("0123456789", digits))
            with pytest.raises(ValidationError):
                parse_resident_id(foreign)

    def test_generated_numbers_are_valid_and_carry_the_requested_sex(self):
        import random

        rng = random.Random(3)
        for _ in range(50):
            for sex in ("M", "F"):
                number = fake_id_number(rng, sex=sex)
                assert parse_resident_id(number).sex == sex


# Unified social credit codes (GB 32100) ----------------------------------------------------


class TestUscc:
    # Published codes of real companies (Huawei Technologies, Beijing Xiaomi Technology),
    # checked to validate before being written here.
    REAL = ["914403001922038216", "91110108551385082Q"]

    @pytest.mark.parametrize("code", REAL)
    def test_real_published_codes_validate(self, code):
        validate_uscc(code)
        assert uscc_check_char(code[:17]) == code[17]

    def test_the_often_quoted_91110000100000589B_does_not_validate(self):
        # It circulates as an example but its check character is not B; the validator says so.
        with pytest.raises(ValidationError) as exc:
            validate_uscc("91110000100000589B")
        assert error_code(exc) == "uscc_checksum"

    @pytest.mark.parametrize(
        "body", ["91350800MA2XXXXXX", "91350800MA31234AB", "52350800MJ0000001", "Y1350800000000000"]
    )
    def test_codes_completed_with_the_check_char_helper_validate(self, body):
        code = body + uscc_check_char(body)
        validate_uscc(code)

    @pytest.mark.parametrize("code", REAL)
    def test_every_other_check_char_is_refused(self, code):
        for wrong in USCC_CHARS:
            if wrong == code[17]:
                continue
            with pytest.raises(ValidationError) as exc:
                validate_uscc(code[:17] + wrong)
            assert error_code(exc) == "uscc_checksum"

    def test_a_swapped_pair_of_characters_is_refused(self):
        code = self.REAL[0]
        swapped = code[:8] + code[9] + code[8] + code[10:]
        assert swapped != code
        with pytest.raises(ValidationError):
            validate_uscc(swapped)

    @pytest.mark.parametrize(
        "code",
        [
            "",
            "91440300192203821",  # 17 characters
            "9144030019220382166",  # 19
            "91440300192203821I",  # I, O, S, V, Z are not used
            "91440300192203821O",
            "9144030019220382S6",
            "91AB0300192203821B",  # characters 3 to 8 are the region: digits only
        ],
    )
    def test_wrong_format_is_refused(self, code):
        with pytest.raises(ValidationError) as exc:
            validate_uscc(code)
        assert error_code(exc) == "uscc_format"

    def test_lower_case_full_width_and_spaces_are_normalised(self):
        code = self.REAL[1]
        assert normalize_uscc(" 91110108551385082q ") == code
        assert normalize_uscc(code.translate(FULLWIDTH_DIGITS)) == code
        assert normalize_uscc("911101085513\u300085082Q") == code
        validate_uscc(code.lower())

    def test_generated_codes_validate(self):
        import random

        rng = random.Random(5)
        for _ in range(100):
            validate_uscc(fake_uscc(rng))


# Phones ----------------------------------------------------------------------------------


class TestPhone:
    @pytest.mark.parametrize(
        ("raw", "normal"),
        [
            ("13800138000", "13800138000"),
            (" 138 0013 8000 ", "13800138000"),
            ("138-0013-8000", "13800138000"),
            ("+86 138 0013 8000", "13800138000"),
            ("+8619912345678", "19912345678"),
            ("0086 13800138000", "13800138000"),
            ("（+86）13800138000", "13800138000"),
            ("１３８００１３８０００", "13800138000"),
            ("＋８６　１３８００１３８０００", "13800138000"),
        ],
    )
    def test_mainland_mobiles_become_eleven_digits(self, raw, normal):
        assert normalize_phone(raw) == normal
        validate_phone(raw)

    @pytest.mark.parametrize(
        ("raw", "normal"),
        [
            ("+62 812 3456 7890", "+6281234567890"),  # Indonesia: the debtor working abroad
            ("+62-812-3456-7890", "+6281234567890"),
            ("0062 812 3456 7890", "+6281234567890"),
            ("+1 (202) 555-0100", "+12025550100"),
            ("+852 9123 4567", "+85291234567"),
        ],
    )
    def test_international_numbers_keep_their_country_code(self, raw, normal):
        assert normalize_phone(raw) == normal

    @pytest.mark.parametrize(
        "raw",
        [
            "",
            "abc",
            "1380013800",  # 10 digits
            "138001380000",  # 12 digits
            "12800138000",  # no mainland mobile starts with 12
            "23800138000",
            "+86 12345",
            "+0 123 4567 890",  # no country code starts with 0
            "+6",  # too short
            "+1234567890123456",  # longer than E.164 allows
            "13800138000 ext. 5",
            "١٣٨٠٠١٣٨٠٠٠",  # 13800138000 in Arabic-Indic digits
            "+62٨١٢٣٤٥٦٧٨٩٠",  # +62 then Arabic-Indic digits
            "+６２８１２३४५६७८९०",  # +62 then Devanagari digits
        ],
    )
    def test_garbage_is_refused(self, raw):
        with pytest.raises(ValidationError) as exc:
            normalize_phone(raw)
        assert error_code(exc) == "phone"
        with pytest.raises(ValidationError):
            validate_phone(raw)
