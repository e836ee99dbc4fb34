"""gunicorn settings for hiat: `make run`, the systemd unit and the Docker image use them.

The app is loaded once in the master before the workers start (preload_app), so the
database is migrated once, not by every worker at the same moment.
"""

import os

import gunicorn.http.wsgi

# Do not tell every client which server and version this is: "Server: hiat" only.
gunicorn.http.wsgi.SERVER = "hiat"

bind = os.environ.get("HIAT_BIND", "127.0.0.1:5000")
workers = int(os.environ.get("HIAT_WORKERS", "2"))
preload_app = True
# The first PDF of a very long statement takes tens of seconds to lay out; later ones come
# from the cache. A worker is only restarted when a request runs longer than this.
timeout = int(os.environ.get("HIAT_TIMEOUT", "120"))
# The app writes one JSON line per request to stderr (hiat/logs.py), so no access log here.
accesslog = None
errorlog = "-"
# Headers of a request in front of the app: only trust proxies the app is told about
# (HIAT_TRUSTED_PROXIES), which Flask's ProxyFix handles; gunicorn trusts none itself.
forwarded_allow_ips = ""
