import pytest

from kefu.core.errors import NotFound
from kefu.customers.selectors import asset_list, customer_get, customer_list, unit_list


def names(user, **kw):
    return set(customer_list(user=user, **kw).values_list("name", flat=True))


def test_it_limits_each_role_to_its_scope(world):
    assert names(world.alice) == {"张伟", "王芳"}
    assert names(world.mia) == {"张伟", "王芳"}
    assert names(world.quinn) == {"张伟", "王芳"}
    assert names(world.stella) == {"张伟"}  # steward of zone A1 only
    assert names(world.bob) == {"李娜"}
    assert names(world.hera) == {"张伟", "王芳", "李娜"}
    assert names(world.fred) == set()  # field staff have no archive access


def test_it_finds_customers_by_phone_room_and_name(world):
    assert names(world.alice, q="13800001111") == {"张伟"}
    assert names(world.alice, q="2-1-0801") == {"王芳"}
    assert names(world.alice, q="王") == {"王芳"}
    assert names(world.alice, q="13700003333") == set()  # project B's number is out of scope


def test_it_answers_not_found_for_forbidden_and_missing_alike(world):
    with pytest.raises(NotFound):
        customer_get(user=world.alice, pk=world.cust_b.pk)
    with pytest.raises(NotFound):
        customer_get(user=world.alice, pk=999999)
    with pytest.raises(NotFound):
        customer_get(user=world.stella, pk=world.cust_a2.pk)
    assert customer_get(user=world.stella, pk=world.cust_a1.pk) == world.cust_a1


def test_it_scopes_units_and_assets(world):
    assert set(unit_list(user=world.stella).values_list("code", flat=True)) == {world.unit_a1.code}
    assert unit_list(user=world.bob).count() == 1
    assert asset_list(user=world.fred).count() == 0


def test_it_forgets_a_steward_household_after_move_out(world):
    occ = world.cust_a1.occupancies.get()
    occ.move_out = "2025-01-01"
    occ.save()
    assert names(world.stella) == set()
