"""HTTP webhooks (FastAPI): alerts and change events in, authenticated, size-capped."""

from handlers.http.app import HttpServices, create_http_app

__all__ = ["HttpServices", "create_http_app"]
