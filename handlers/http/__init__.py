"""HTTP webhooks (FastAPI): alerts and change events in, authenticated, size-capped."""

from handlers.http.app import create_http_app
from handlers.http.deps import HttpServices

__all__ = ["HttpServices", "create_http_app"]
