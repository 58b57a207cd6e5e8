import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Refuse to serve with a FIELD_ENCRYPTION_KEY that cannot read this database (core/crypto.py).
from core.crypto import verify_key  # noqa: E402

verify_key()
