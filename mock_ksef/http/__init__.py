"""The Flask edge: blueprints that parse requests, call the domain and dump results."""

from __future__ import annotations

from flask import Blueprint

from mock_ksef.admin.blueprint import bp as admin_bp
from mock_ksef.admin.inbox import bp as admin_inbox_bp
from mock_ksef.admin.journal import bp as admin_journal_bp
from mock_ksef.admin.scenarios import bp as admin_scenarios_bp
from mock_ksef.admin.sessions import bp as admin_sessions_bp
from mock_ksef.dashboard import bp as dashboard_bp
from mock_ksef.http.auth import bp as auth_bp
from mock_ksef.http.exports import bp as exports_bp
from mock_ksef.http.exports import parts_bp as export_parts_bp
from mock_ksef.http.invoices import bp as invoices_bp
from mock_ksef.http.limits import bp as limits_bp
from mock_ksef.http.part_upload import bp as part_upload_bp
from mock_ksef.http.security import bp as security_bp
from mock_ksef.http.sessions_batch import bp as sessions_batch_bp
from mock_ksef.http.sessions_online import bp as sessions_online_bp
from mock_ksef.http.sessions_status import bp as sessions_status_bp
from mock_ksef.http.storage import bp as storage_bp
from mock_ksef.http.testdata import bp as testdata_bp

#: Mounted under both ``/v2`` and ``/api/v2``.
API_BLUEPRINTS: list[Blueprint] = [
    auth_bp,
    security_bp,
    sessions_online_bp,
    sessions_batch_bp,
    sessions_status_bp,
    testdata_bp,
    limits_bp,
    invoices_bp,
    exports_bp,
]
#: Mounted at the root (control API, storage links).
PUBLIC_BLUEPRINTS: list[Blueprint] = [
    admin_bp,
    admin_sessions_bp,
    admin_scenarios_bp,
    admin_journal_bp,
    admin_inbox_bp,
    dashboard_bp,
    storage_bp,
    part_upload_bp,
    export_parts_bp,
]
