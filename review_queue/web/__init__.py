"""The DSL's console: FastAPI + Jinja2, server-rendered, autoescaped, working without JavaScript.

    from review_queue.web import ConsoleConfig, create_app
    app = create_app(db, ConsoleConfig(secret_key=..., policy=...))

Handlers are thin (role check, parse, one review_queue call, render); templates get
plain data only.  See app.py for adding an area's router.
"""

from review_queue.web.app import NavEntry, create_app
from review_queue.web.config import ConsoleConfig

__all__ = ["ConsoleConfig", "NavEntry", "create_app"]
