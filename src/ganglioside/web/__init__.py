"""The web platform: a Django project around the analysis core (the ``web`` extra).

Nothing in the core imports this package; it is only loaded by the ``serve``, ``worker``,
``beat`` and ``manage`` commands, by ASGI/WSGI servers and by Celery.
"""
