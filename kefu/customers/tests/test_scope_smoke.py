from kefu.customers.selectors import customer_list


def test_it_limits_each_role_to_its_scope(world):
    names = lambda u: set(customer_list(user=u).values_list("name", flat=True))  # noqa: E731
    assert names(world.alice) == {"张伟", "王芳"}
    assert names(world.stella) == {"张伟"}
    assert names(world.bob) == {"李娜"}
    assert names(world.hera) == {"张伟", "王芳", "李娜"}
    assert names(world.fred) == set()
