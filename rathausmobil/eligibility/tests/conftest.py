"""Positions of the standard org (conftest at the root) for the eligibility tests."""

import pytest

from rathausmobil.organisation.models import Employee, Position


@pytest.fixture
def position(employee) -> Position:
    """The position of `employee` in A1 (supervised by `supervisor` and `amt_head`)."""
    return Employee.objects.get(user=employee).position


@pytest.fixture
def b1_position(stranger) -> Position:
    """A position in B1, outside the supervisor's subtree."""
    return Employee.objects.get(user=stranger).position
