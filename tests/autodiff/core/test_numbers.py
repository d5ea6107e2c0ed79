"""numbers_of / set_numbers: the numbers of many Values at once, set all or none."""

import math

import pytest

from autodiff import Value
from autodiff.core import numbers_of, set_numbers


def test_numbers_are_read_and_set_in_order():
    values = [Value(1.0, "a"), Value(2.0, "b"), Value(3.0, "c")]
    assert numbers_of(values) == [1.0, 2.0, 3.0]
    set_numbers(values, [4.0, 5.0, 6.0], "a test")
    assert [v.data for v in values] == [4.0, 5.0, 6.0]


@pytest.mark.parametrize("bad, error, says", [
    ([1.0, math.inf, 2.0], ValueError, "the new number of b = 2.0 would be inf"),
    ([1.0, 2.0, math.nan], ValueError, "the new number of c = 3.0 would be nan"),
    ([1e308, 1e308, 1.0], None, None),  # only the sum is too large: set
    ([1.0, 2, 3.0], TypeError, "must be floats, got int"),
    ([1.0, 2.0], ValueError, "2 numbers for 3 Values"),
])
def test_a_bad_number_changes_nothing_and_is_named(bad, error, says):
    values = [Value(1.0, "a"), Value(2.0, "b"), Value(3.0, "c")]
    if error is None:
        set_numbers(values, bad, "a test")
        assert numbers_of(values) == bad
        return
    with pytest.raises(error, match=f"a test: .*{says}" if error is not TypeError else says):
        set_numbers(values, bad, "a test")
    assert numbers_of(values) == [1.0, 2.0, 3.0]
