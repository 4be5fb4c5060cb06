"""Authentication: values, the login use cases and policy, operations and bearer tokens.

* :mod:`.values` — challenges, operations, principals (plain data);
* :mod:`.policy` — who may log in and with which rights (the scenario hook);
* :mod:`.xades_request` — reading a signed ``AuthTokenRequest``;
* :mod:`.login` — challenge, KSeF-token and XAdES logins;
* :mod:`.operations` — status, redeem/refresh, active sessions, revocation;
* :mod:`.tokens` — the HS256 JWTs the mock issues and verifies.
"""
