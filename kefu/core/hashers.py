"""Password hashing: Argon2id with OWASP's recommended parameters.

Django's Argon2PasswordHasher uses 100 MiB of memory per hash (memory_cost 102400 KiB). Every login of every
web process then lifts that process to about 100 MB above its working size for a moment, and its peak memory
stays there (docs/performance.md). OWASP's Password Storage Cheat Sheet recommends, among equivalent
settings, argon2id with 19 MiB, 2 iterations and 1 degree of parallelism; this hasher uses exactly that.
Django notices the changed parameters (must_update) and re-hashes a stored password at its next login.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class OwaspArgon2PasswordHasher(Argon2PasswordHasher):
    algorithm = "argon2"  # the same encoded format: older hashes still verify and are upgraded at login
    time_cost = 2
    memory_cost = 19456  # KiB = 19 MiB
    parallelism = 1
