"""The live dashboard for demos: one page under ``/_mock/dashboard`` and its JSON feeds.

The page (``static/index.html`` with ``dashboard.css`` and ``dashboard.js``, shipped as
package data, no network) polls :mod:`mock_ksef.dashboard.feed` about once a second and
moves the clock or resets through the control API. See ``docs/dashboard.md``.
"""

from __future__ import annotations

from mock_ksef.dashboard.views import bp

__all__ = ["bp"]
