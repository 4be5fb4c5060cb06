"""Credentials: KSeF tokens, permission grants and the effective rights of a login.

Narrow inputs only (a :class:`~.credential_repo.CredentialRepo` over the store, the time,
seeded ids): nothing here takes the ``Services`` bundle, and nothing knows Flask.
"""
