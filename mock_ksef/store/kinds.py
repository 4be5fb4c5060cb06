"""Every document kind the mock keeps in its store: one constant per kind, one home.

A kind is the store's namespace of keys (``store.get(kind, key)``). Each module that
reads or writes a kind imports its constant from here, so a grep for the constant finds
every place that touches those documents, and two modules can never spell one kind two
ways (nor pick the same word for two things). ``tests/store/test_kinds.py`` checks that
the values are distinct and that no module of ``mock_ksef`` defines a kind of its own.
"""

from __future__ import annotations

from typing import Final

# Authentication (domain/repos.py, swept by domain/retention.py).
CHALLENGE: Final = "challenge"
AUTH: Final = "auth"
#: JWT ids of revoked tokens.
REVOKED_JTI: Final = "revoked-jti"

# Sessions and their invoices (domain/repos.py, swept by domain/retention.py).
SESSION: Final = "session"
INVOICE: Final = "invoice"
#: Duplicate-detection records of accepted invoices, by duplicate key.
DUPLICATE: Final = "duplicate"
#: A batch close being processed, and by which process (domain/batch_recovery.py).
BATCH_CLOSING: Final = "batch-closing"
#: Uploaded batch parts kept in the store, and uploads being received (batch_parts.py).
BATCH_PART: Final = "batch-part"
BATCH_SCRATCH: Final = "batch-scratch"
#: The lease (heartbeat) of each live process, by owner id (batch_files.py).
WORKER_LEASE: Final = "worker-lease"

# Invoice retrieval (domain/retrieval/repo.py; docs/retrieval.md).
RETRIEVAL_INVOICE: Final = "retrieval-invoice"
RETRIEVAL_ENTRY: Final = "retrieval-entry"
RETRIEVAL_PENDING: Final = "retrieval-pending"
RETRIEVAL_HWM: Final = "retrieval-hwm"
#: Received-invoice counts per receiving context (the dashboard's inbox panel).
RETRIEVAL_INBOX: Final = "retrieval-inbox"
#: Which entry layout every entry of the store has (domain/retrieval/facets.py ``LAYOUT``).
RETRIEVAL_LAYOUT: Final = "retrieval-layout"
#: Inboxes filled at start-up from a scenario, by scenario and context (inbox/scenario_fill.py).
INBOX_FILL: Final = "inbox-fill"
#: Invoice export jobs (domain/exports/job.py).
INVOICE_EXPORT: Final = "invoice-export"

# Collective identifiers and Peppol providers (domain/collective/, domain/peppol/).
COLLECTIVE_IDENTIFIER: Final = "collective-identifier"
COLLECTIVE_MEMBER: Final = "collective-member"
PEPPOL_PROVIDER: Final = "peppol-provider"

# KSeF tokens and permissions (domain/credentials/credential_repo.py).
KSEF_TOKEN: Final = "ksef-token"
PERMISSION_GRANT: Final = "permission-grant"
PERMISSION_OPERATION: Final = "permission-operation"
#: Contexts where a grant was ever made: strangers no longer get the permissive default.
PERMISSION_MANAGED_CONTEXT: Final = "permission-managed-context"
#: Scenario ``credentials:`` seeds already stored, by scenario and digest (seeding.py).
CREDENTIAL_SEED: Final = "credential-seed"

# Certificates (domain/certificates/certificate_repo.py).
KSEF_CERTIFICATE: Final = "ksef-certificate"
KSEF_ENROLLMENT: Final = "ksef-enrollment"
#: The DN of the certificate that signed a XAdES login, by the login document's hash.
XADES_LOGIN_SUBJECT: Final = "xades-login-subject"

# The /testdata API (domain/testdata.py).
TESTDATA_SUBJECT: Final = "testdata-subject"
TESTDATA_PERSON: Final = "testdata-person"
TESTDATA_PERMISSION: Final = "testdata-permission"
TESTDATA_ATTACHMENT: Final = "testdata-attachment"
TESTDATA_BLOCKED_CONTEXT: Final = "testdata-blocked-context"
TESTDATA_SESSION_LIMITS: Final = "testdata-session-limits"
TESTDATA_RATE_LIMITS: Final = "testdata-rate-limits"
#: ``POST /testdata/limits/subject/certificate`` overrides, by the caller's context key.
TESTDATA_SUBJECT_LIMITS: Final = "testdata-subject-limits"

# Scenarios and request machinery (scenario/registry.py, traffic/).
#: Scenarios bound to a context (``POST /_mock/scenarios/bind``).
SCENARIO_BINDING: Final = "scenario-binding"
#: The request journal; its keys are 12-digit sequence numbers (traffic/journal.py).
JOURNAL: Final = "journal"
#: Counters of scripted faults, by scenario, caller and fault (traffic/faults.py).
FAULT_COUNTER: Final = "fault-counter"
#: What every replica must agree on: the seed, the movable clock, the version of the
#: runtime scenarios (one document, read once per request; shared_state.py).
SHARED_SETTINGS: Final = "shared-settings"
#: Scenarios loaded through ``POST /_mock/scenarios``, by name (shared_state.py).
RUNTIME_SCENARIO: Final = "runtime-scenario"
#: The rate limiter's windows (traffic/limiter.py).
RATE_WINDOW: Final = "rate-window"
#: What ``GET /_mock/health`` reads to prove the store answers (never written).
HEALTH_PROBE: Final = "health"
