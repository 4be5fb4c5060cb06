"""KSeF certificates: enrolment from a PKCS#10 CSR, the registry, login and QR code II.

Pure domain (no Flask). The use cases take narrow inputs: a :class:`CertificateRepo` over
the store, the clock's ``now``, the mock CA's key pair, the seeded random generator and
the scenario's enrolment plan; ``http/certificate_routes.py`` composes them per request.
"""
