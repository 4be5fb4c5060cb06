"""The URL rules of the lazily loaded blueprints (generated: do not edit).

Regenerate with ``python -c "import mock_ksef.app as a; a.write_route_table()"``,
then ``ruff format mock_ksef/http/route_table.py``; ``tests/http/test_lazy_views.py``
fails while it is stale."""

from __future__ import annotations

#: ``module:attribute`` -> (the blueprint's name, its rows: rule, endpoint, methods).
ROUTES: dict[str, tuple[str, tuple[tuple[str, str, tuple[str, ...]], ...]]] = {
    "mock_ksef.http.security:bp": (
        "security",
        (("/security/public-key-certificates", "public_key_certificates", ("GET",)),),
    ),
    "mock_ksef.http.sessions_online:bp": (
        "sessions_online",
        (
            ("/sessions/online", "open_session", ("POST",)),
            ("/sessions/online/<reference>/close", "close_session", ("POST",)),
            ("/sessions/online/<reference>/invoices", "send_invoice", ("POST",)),
        ),
    ),
    "mock_ksef.http.sessions_batch:bp": (
        "sessions_batch",
        (
            ("/sessions/batch", "open_session", ("POST",)),
            ("/sessions/batch/<reference>/close", "close_session", ("POST",)),
        ),
    ),
    "mock_ksef.http.sessions_status:bp": (
        "sessions_status",
        (
            ("/sessions", "list_sessions", ("GET",)),
            ("/sessions/<reference>", "get_session", ("GET",)),
            ("/sessions/<reference>/invoices", "list_invoices", ("GET",)),
            ("/sessions/<reference>/invoices/<invoice_reference>", "get_invoice", ("GET",)),
            (
                "/sessions/<reference>/invoices/<invoice_reference>/upo",
                "invoice_upo_by_reference",
                ("GET",),
            ),
            ("/sessions/<reference>/invoices/failed", "list_failed_invoices", ("GET",)),
            (
                "/sessions/<reference>/invoices/ksef/<ksef_number>/upo",
                "invoice_upo_by_ksef_number",
                ("GET",),
            ),
            ("/sessions/<reference>/upo/<upo_reference>", "session_upo", ("GET",)),
        ),
    ),
    "mock_ksef.http.testdata_routes:bp": (
        "testdata",
        (
            ("/testdata/attachment", "grant_attachment", ("POST",)),
            ("/testdata/attachment/revoke", "revoke_attachment", ("POST",)),
            ("/testdata/context/block", "block_context", ("POST",)),
            ("/testdata/context/unblock", "unblock_context", ("POST",)),
            ("/testdata/permissions", "grant_permissions", ("POST",)),
            ("/testdata/permissions/revoke", "revoke_permissions", ("POST",)),
            ("/testdata/person", "create_person", ("POST",)),
            ("/testdata/person/remove", "remove_person", ("POST",)),
            ("/testdata/subject", "create_subject", ("POST",)),
            ("/testdata/subject/remove", "remove_subject", ("POST",)),
        ),
    ),
    "mock_ksef.http.limits:bp": (
        "limits",
        (
            ("/limits/context", "context_limits", ("GET",)),
            ("/limits/subject", "subject_limits", ("GET",)),
            ("/rate-limits", "rate_limits", ("GET",)),
            ("/testdata/limits/context/session", "reset_session_limits", ("DELETE",)),
            ("/testdata/limits/context/session", "set_session_limits", ("POST",)),
            ("/testdata/limits/subject/certificate", "reset_subject_limits", ("DELETE",)),
            ("/testdata/limits/subject/certificate", "set_subject_limits", ("POST",)),
            ("/testdata/rate-limits", "reset_rate_limits", ("DELETE",)),
            ("/testdata/rate-limits", "set_rate_limits", ("POST",)),
            ("/testdata/rate-limits/production", "production_rate_limits", ("POST",)),
        ),
    ),
    "mock_ksef.http.invoices:bp": (
        "invoices",
        (
            ("/invoices/ksef/<ksef_number>", "get_invoice", ("GET",)),
            ("/invoices/query/metadata", "query_invoice_metadata", ("POST",)),
        ),
    ),
    "mock_ksef.http.export_routes:bp": (
        "exports",
        (
            ("/invoices/exports", "create_export", ("POST",)),
            ("/invoices/exports/<reference>", "get_export_status", ("GET",)),
        ),
    ),
    "mock_ksef.http.certificate_routes:bp": (
        "certificates",
        (
            ("/certificates/<serial>/revoke", "revoke", ("POST",)),
            ("/certificates/enrollments", "enroll", ("POST",)),
            ("/certificates/enrollments/<reference>", "enrollment_status", ("GET",)),
            ("/certificates/enrollments/data", "enrollment_data", ("GET",)),
            ("/certificates/limits", "limits", ("GET",)),
            ("/certificates/query", "query", ("POST",)),
            ("/certificates/retrieve", "retrieve", ("POST",)),
            ("/testdata/certificates/<serial>", "move_valid_to", ("PUT",)),
        ),
    ),
    "mock_ksef.http.token_routes:bp": (
        "tokens",
        (
            ("/tokens", "generate", ("POST",)),
            ("/tokens", "listing", ("GET",)),
            ("/tokens/<reference>", "revoke", ("DELETE",)),
            ("/tokens/<reference>", "status", ("GET",)),
        ),
    ),
    "mock_ksef.http.permission_routes:bp": (
        "permissions",
        (
            ("/permissions/attachments/status", "permission_queries.attachment_status", ("GET",)),
            ("/permissions/authorizations/grants", "grants.grant_authorizations", ("POST",)),
            (
                "/permissions/authorizations/grants/<permission_id>",
                "revoke_authorization",
                ("DELETE",),
            ),
            ("/permissions/common/grants/<permission_id>", "revoke_common", ("DELETE",)),
            ("/permissions/entities/grants", "grants.grant_entities", ("POST",)),
            (
                "/permissions/eu-entities/administration/grants",
                "grants.grant_eu_administration",
                ("POST",),
            ),
            ("/permissions/eu-entities/grants", "grants.grant_eu_entities", ("POST",)),
            ("/permissions/indirect/grants", "grants.grant_indirect", ("POST",)),
            ("/permissions/operations/<reference>", "operation", ("GET",)),
            ("/permissions/persons/grants", "grant_persons", ("POST",)),
            (
                "/permissions/query/authorizations/grants",
                "permission_queries.query_authorizations",
                ("POST",),
            ),
            ("/permissions/query/entities/grants", "permission_queries.query_entities", ("POST",)),
            ("/permissions/query/entities/roles", "permission_queries.query_roles", ("GET",)),
            (
                "/permissions/query/eu-entities/grants",
                "permission_queries.query_eu_entities",
                ("POST",),
            ),
            ("/permissions/query/personal/grants", "permission_queries.query_personal", ("POST",)),
            ("/permissions/query/persons/grants", "query_persons", ("POST",)),
            (
                "/permissions/query/subordinate-entities/roles",
                "permission_queries.query_subordinates",
                ("POST",),
            ),
            ("/permissions/query/subunits/grants", "permission_queries.query_subunits", ("POST",)),
            ("/permissions/subunits/grants", "grants.grant_subunits", ("POST",)),
        ),
    ),
    "mock_ksef.http.collective_routes:bp": (
        "collective_identifiers",
        (
            ("/collective-identifiers", "create", ("POST",)),
            ("/collective-identifiers/invoices", "invoices", ("POST",)),
            ("/collective-identifiers/ksef/<ksef_number>", "by_ksef_number", ("GET",)),
            ("/collective-identifiers/query", "query", ("POST",)),
        ),
    ),
    "mock_ksef.http.peppol_routes:bp": (
        "peppol",
        (("/peppol/query", "query_providers", ("GET",)),),
    ),
    "mock_ksef.admin.blueprint:bp": (
        "mock_admin",
        (
            ("/_mock/clock", "get_clock", ("GET",)),
            ("/_mock/clock", "set_clock", ("POST",)),
            ("/_mock/health", "health", ("GET",)),
            ("/_mock/reset", "reset", ("POST",)),
        ),
    ),
    "mock_ksef.admin.sessions:bp": (
        "mock_admin_sessions",
        (
            ("/_mock/sessions", "list_sessions", ("GET",)),
            ("/_mock/sessions/<reference>", "get_session", ("GET",)),
            ("/_mock/sessions/<reference>/state", "force_state", ("POST",)),
        ),
    ),
    "mock_ksef.admin.scenarios:bp": (
        "mock_admin_scenarios",
        (
            ("/_mock/scenarios", "list_scenarios", ("GET",)),
            ("/_mock/scenarios", "load_scenario", ("POST",)),
            ("/_mock/scenarios/select", "select_scenario", ("POST",)),
            ("/_mock/seed", "seed", ("POST",)),
        ),
    ),
    "mock_ksef.admin.journal_routes:bp": (
        "mock_admin_journal",
        (
            ("/_mock/requests", "clear_requests", ("DELETE",)),
            ("/_mock/requests", "list_requests", ("GET",)),
        ),
    ),
    "mock_ksef.admin.inbox_routes:bp": (
        "mock_admin_inbox",
        (("/_mock/inbox", "fill_inbox", ("POST",)),),
    ),
    "mock_ksef.http.storage:bp": (
        "storage",
        (
            (
                "/storage/01/<session_ref>/invoice-upo/upo_<ksef_number>.xml",
                "invoice_upo",
                ("GET",),
            ),
            ("/storage/01/<session_ref>/session-upo/<upo_reference>.xml", "session_upo", ("GET",)),
        ),
    ),
    "mock_ksef.http.part_upload:bp": (
        "part_upload",
        (("/storage/00/<session_ref>/batch-parts/<int:ordinal>", "upload_part", ("PUT",)),),
    ),
    "mock_ksef.http.qr_verification:bp": (
        "qr_verification",
        (
            (
                "/certificate/<context_type>/<context_value>/<seller_nip>/<serial>/<invoice_hash>/<signature>",
                "verify_certificate_link",
                ("GET",),
            ),
        ),
    ),
    "mock_ksef.http.export_routes:parts_bp": (
        "export_parts",
        (("/storage/00/<lower_reference>/invoice-part/<part_name>", "download_part", ("GET",)),),
    ),
}
