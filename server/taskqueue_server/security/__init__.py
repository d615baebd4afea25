"""Who may call what, and how often: API keys, JWTs, roles, rate limits and the auth log.

Free of gRPC: `taskqueue_server.api.security` adapts it to calls."""
