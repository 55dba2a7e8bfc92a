import datetime as dt

import pytest

from kefu.core.errors import Conflict, Forbidden, ValidationFailed
from kefu.customers import services
from kefu.customers.models import Contact, CreditGradeChange, Customer, KeyCustomer, Occupancy, RevealLog, Unit


def test_it_creates_a_customer_with_contacts_and_initial_grade(world):
    c = services.customer_create(
        actor=world.alice,
        project=world.a,
        name="赵磊",
        id_type="id_card",
        id_number="11010519491231002X",
        contacts=[services.ContactInput(kind="mobile", value="13512345678")],
    )
    assert c.code == "A-000001"
    assert c.contacts.get().is_primary
    assert CreditGradeChange.objects.filter(customer=c, grade="B").count() == 1


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("mobile", "1381234567", services.MSG_MOBILE),
        ("mobile", "23812345678", services.MSG_MOBILE),
        ("landline", "abc", services.MSG_LANDLINE),
        ("email", "no-at-sign", services.MSG_EMAIL),
    ],
)
def test_it_refuses_bad_contacts_and_writes_nothing(world, kind, value, message):
    before = Customer.objects.count()
    with pytest.raises(ValidationFailed) as e:
        services.customer_create(
            actor=world.alice, project=world.a, name="赵磊", contacts=[services.ContactInput(kind=kind, value=value)]
        )
    assert e.value.message == message
    assert Customer.objects.count() == before


def test_it_checks_the_id_card_checksum(world):
    with pytest.raises(ValidationFailed) as e:
        services.customer_create(
            actor=world.alice, project=world.a, name="赵磊", id_type="id_card", id_number="110105194912310021"
        )
    assert e.value.message == services.MSG_ID_CARD


def test_it_refuses_writes_outside_scope(world):
    with pytest.raises(Forbidden):
        services.customer_create(actor=world.bob, project=world.a, name="越权")
    with pytest.raises(Forbidden):
        services.customer_update(actor=world.stella, customer=world.cust_a2, name="改名")
    with pytest.raises(Forbidden):
        services.credit_grade_set(actor=world.alice, customer=world.cust_a1, grade="A", reason="按时缴费")
    with pytest.raises(Forbidden):
        services.key_customer_add(
            actor=world.alice, customer=world.cust_a1, owner=world.alice, reason="x", review_on=dt.date(2026, 12, 1)
        )
    world.cust_a2.refresh_from_db()
    assert world.cust_a2.name == "王芳"


def test_it_refuses_a_stale_edit_instead_of_overwriting(world):
    c = world.cust_a1
    seen = c.version
    services.customer_update(actor=world.alice, customer=c, version=seen, remark="第一次修改")
    with pytest.raises(Conflict) as e:
        services.customer_update(actor=world.sam, customer=c, version=seen, remark="第二次修改")
    assert e.value.message == services.MSG_STALE
    c.refresh_from_db()
    assert c.remark == "第一次修改"
    assert c.version == seen + 1


def test_it_keeps_a_dated_credit_history(world):
    services.credit_grade_set(
        actor=world.sam, customer=world.cust_a1, grade="D", reason="长期欠费", effective_on=dt.date(2026, 11, 1)
    )
    world.cust_a1.refresh_from_db()
    assert world.cust_a1.credit_grade == "D"
    change = CreditGradeChange.objects.get(customer=world.cust_a1)
    assert (change.previous, change.grade, change.reason) == ("B", "D", "长期欠费")
    with pytest.raises(ValidationFailed) as e:
        services.credit_grade_set(actor=world.sam, customer=world.cust_a1, grade="C", reason=" ")
    assert e.value.message == services.MSG_GRADE_REASON


def test_it_keeps_the_key_customer_list(world):
    entry = services.key_customer_add(
        actor=world.mia, customer=world.cust_a1, owner=world.stella, reason="独居老人", review_on=dt.date(2026, 12, 31)
    )
    assert entry.owner == world.stella
    with pytest.raises(ValidationFailed) as e:
        services.key_customer_add(
            actor=world.mia, customer=world.cust_a1, owner=world.stella, reason="x", review_on=dt.date(2026, 12, 31)
        )
    assert e.value.message == services.MSG_KEY_EXISTS
    with pytest.raises(ValidationFailed) as e:
        services.key_customer_add(
            actor=world.mia, customer=world.cust_a2, owner=world.bob, reason="x", review_on=dt.date(2026, 12, 31)
        )
    assert e.value.message == services.MSG_KEY_OWNER
    services.key_customer_remove(actor=world.sam, entry=entry)
    assert not KeyCustomer.objects.exists()


def test_it_records_move_in_and_move_out(world):
    unit = world.unit_a2
    newcomer = services.customer_create(actor=world.alice, project=world.a, name="租客小陈", category="tenant")
    occ = services.occupancy_move_in(
        actor=world.alice, unit=unit, customer=newcomer, relation="tenant", move_in=dt.date(2026, 3, 1)
    )
    with pytest.raises(ValidationFailed) as e:
        services.occupancy_move_in(
            actor=world.alice, unit=unit, customer=newcomer, relation="tenant", move_in=dt.date(2026, 3, 2)
        )
    assert e.value.message == services.MSG_ALREADY_IN
    with pytest.raises(ValidationFailed) as e:
        services.occupancy_move_out(actor=world.alice, occupancy=occ, move_out=dt.date(2026, 2, 1))
    assert e.value.message == services.MSG_MOVE_OUT_BEFORE_IN
    services.occupancy_move_out(actor=world.alice, occupancy=occ, move_out=dt.date(2026, 9, 1))
    for o in unit.occupancies.filter(move_out__isnull=True):
        services.occupancy_move_out(actor=world.alice, occupancy=o, move_out=dt.date(2026, 9, 1))
    unit.refresh_from_db()
    assert unit.status == Unit.Status.VACANT
    assert Occupancy.objects.filter(unit=unit).count() == 2  # history kept
    with pytest.raises(Conflict):
        services.occupancy_move_out(actor=world.alice, occupancy=occ, move_out=dt.date(2026, 9, 2))


def test_it_logs_every_reveal_and_refuses_roles_that_may_not(world):
    contact = world.cust_a1.contacts.get(kind=Contact.Kind.MOBILE)
    assert services.reveal_contact(actor=world.alice, contact=contact, ip="127.0.0.1") == "13800001111"
    assert RevealLog.objects.filter(user=world.alice, customer=world.cust_a1, field="phone").count() == 1
    with pytest.raises(Forbidden):
        services.reveal_contact(actor=world.quinn, contact=contact)
    with pytest.raises(Forbidden):
        services.reveal_id_number(actor=world.alice, customer=world.cust_a1)
    assert services.reveal_id_number(actor=world.archie, customer=world.cust_a1) == "11010519491231002X"
    assert RevealLog.objects.count() == 2


def test_it_files_an_asset_with_its_own_archive(world):
    asset = services.asset_create(
        actor=world.alice,
        project=world.a,
        name="变频水泵",
        serial_no="WP-001",
        unit=world.unit_a1,
        installed_on=dt.date(2025, 6, 1),
    )
    assert asset.records.get().kind == "install"
    services.asset_record_add(
        actor=world.alice, asset=asset, kind="repair", happened_on=dt.date(2026, 1, 5), description="更换密封圈"
    )
    assert asset.records.count() == 2
    with pytest.raises(ValidationFailed) as e:
        services.asset_create(actor=world.alice, project=world.a, name="重复", serial_no="WP-001")
    assert e.value.message == services.MSG_SERIAL_TAKEN
