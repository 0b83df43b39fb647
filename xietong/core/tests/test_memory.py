"""The collector pause around bulk work always ends, whatever happens inside."""

from __future__ import annotations

import gc

import pytest

from xietong.core.memory import gc_paused


def test_paused_inside_and_resumed_after():
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():  # nested: the outer pause decides
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_resumed_after_an_error():
    with pytest.raises(ValueError), gc_paused():
        raise ValueError("refused")
    assert gc.isenabled()


def test_a_pause_it_did_not_start_is_left_alone():
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_as_a_decorator():
    @gc_paused()
    def work() -> bool:
        return gc.isenabled()

    assert work() is False and gc.isenabled()
