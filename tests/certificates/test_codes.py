"""Verification codes: random, typable, forgiving of the usual mistakes, and self-checking."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from elearning.codes import ALPHABET, LENGTH, display, new_code, normalise

PROPERTY = settings(deadline=None, database=None)
codes = st.builds(lambda _: new_code(), st.integers())


def test_a_code_carries_at_least_60_random_bits_in_four_groups():
    assert (LENGTH - 1) * math.log2(len(ALPHABET)) >= 60
    code = new_code()
    assert len(code) == 16 and set(code) <= set(ALPHABET)
    shown = display(code)
    assert len(shown.split("-")) == 4 and all(len(group) == 4 for group in shown.split("-"))
    assert len({new_code() for _ in range(1000)}) == 1000


@PROPERTY
@given(codes)
def test_a_code_reads_back_however_it_is_typed(code):
    shown = display(code)
    assert normalise(shown) == code
    assert normalise(shown.lower()) == code
    assert normalise(f"  {shown.replace('-', ' ')} ") == code
    mistyped = shown.replace("0", "O").replace("1", "I")
    assert normalise(mistyped) == code
    assert normalise(shown.replace("1", "l")) == code


@PROPERTY
@given(codes, st.integers(0, LENGTH - 1), st.sampled_from(ALPHABET))
def test_one_wrong_character_is_caught(code, position, char):
    if code[position] == char:
        return
    wrong = code[:position] + char + code[position + 1 :]
    assert normalise(wrong) is None


@PROPERTY
@given(codes, st.integers(0, LENGTH - 2))
def test_two_neighbours_swapped_are_caught(code, position):
    pair = code[position : position + 2]
    swapped = code[:position] + pair[::-1] + code[position + 2 :]
    if swapped != code and set(pair) != {"0", "Z"}:  # the one pair Luhn mod 32 cannot see
        assert normalise(swapped) is None


@PROPERTY
@given(st.text(max_size=40))
def test_anything_else_is_not_a_code_and_never_raises(text):
    result = normalise(text)
    assert result is None or (len(result) == LENGTH and normalise(result) == result)


def test_u_and_symbols_are_not_read_as_anything():
    code = new_code()
    assert normalise(code[:-1] + "U") is None
    assert normalise(code[:5] + "*" + code[6:]) is None
    assert normalise("") is None and normalise(code + "0") is None
