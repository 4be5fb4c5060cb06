"""The NIPs the suite logs in as (valid checksums, so invoice rules accept them)."""

from __future__ import annotations

#: The default context: the caller, seller or buyer of most tests.
NIP = "5265877635"
#: A second context, for "another caller sees nothing" checks.
OTHER_NIP = "7010002137"
