"""The DSL's console: FastAPI + Jinja2, server-rendered, autoescaped, working without JavaScript.

    from review_queue.web import ConsoleConfig, create_app
    app = create_app(db, ConsoleConfig(secret_key=..., policy=...))

The web wing: the app (`app`), one router per area (`routes/`), the page view-models the
handlers render (`views`), the incident's evidence pack (`evidence_pack`), and the
templates.  It may import everything in review_queue; nothing else in review_queue imports
it.  Handlers are thin (permission check, parse, one review_queue call, render); templates
get plain data only.  See app.py for adding an area's router.
"""

from review_queue.web.app import NavEntry, create_app
from review_queue.web.config import ConsoleConfig

__all__ = ["ConsoleConfig", "NavEntry", "create_app"]
