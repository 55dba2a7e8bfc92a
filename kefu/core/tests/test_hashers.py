"""Passwords: argon2id with OWASP's parameters; hashes made with Django's defaults still work and are upgraded."""

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, check_password, identify_hasher, make_password

from kefu.org.models import User

OWASP = "kefu.core.hashers.OwaspArgon2PasswordHasher"
HASHERS = [OWASP, "django.contrib.auth.hashers.PBKDF2PasswordHasher"]


def test_new_passwords_use_19_mib_two_passes_one_lane(settings):
    settings.PASSWORD_HASHERS = HASHERS
    encoded = make_password("kefu2026!")
    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert check_password("kefu2026!", encoded) and not check_password("kefu2026?", encoded)


@pytest.mark.django_db
def test_a_default_django_argon2_hash_logs_in_and_is_upgraded(settings, client):
    settings.PASSWORD_HASHERS = HASHERS
    old = Argon2PasswordHasher().encode("kefu2026!", Argon2PasswordHasher().salt())
    assert "m=102400" in old
    user = User.objects.create(username="lao", name="老用户", password=old)
    assert client.login(username="lao", password="kefu2026!")
    user.refresh_from_db()
    assert "m=19456,t=2,p=1" in user.password and identify_hasher(user.password).algorithm == "argon2"
