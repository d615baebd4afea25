"""The gRPC face: protos in, domain calls, protos out, domain errors to rich statuses.

No SQL and no rules here.
"""

from __future__ import annotations
