"""Operations: request ids and JSON logs, Prometheus metrics, the Content-Security-Policy,
Sentry, backup and restore, and the retention clean-up.  See docs/OPERATIONS.md."""
