"""The domain: validation, the state machine, leases, the prompt check and waking watchers.

No gRPC and no SQL: it decides, and asks the store to carry its decisions out.
"""

from __future__ import annotations
