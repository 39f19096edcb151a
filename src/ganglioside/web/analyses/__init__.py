"""Analyses: uploads, background runs, stored results, the API and the WebSocket."""
