"""Call Upstox through the upstox-token daemon's local API proxy with `requests`: no token in this program.

    UPSTOX_PROXY=http://127.0.0.1:8978 python3 profile_requests.py

The proxy adds the account's current token to each request and replaces a dead one at once; a GET refused
for a dead token is retried once for you, an order (POST) is not: it comes back 401 with the header
X-Upstox-Token-Renewed: true, and your program decides whether to send it again.
"""

import json
import os

import requests

PROXY = os.environ.get("UPSTOX_PROXY", "http://127.0.0.1:8978")
session = requests.Session()  # keep-alive to the proxy
session.headers["Accept"] = "application/json"
if os.environ.get("UPSTOX_ACCOUNT"):  # several accounts in the daemon: say which one
    session.headers["X-Upstox-Account"] = os.environ["UPSTOX_ACCOUNT"]

profile = session.get(f"{PROXY}/v2/user/profile", timeout=10)
profile.raise_for_status()
feed = session.get(f"{PROXY}/v3/feed/market-data-feed/authorize", timeout=10)
feed.raise_for_status()

print(json.dumps({
    "user_id": profile.json()["data"]["user_id"],
    "feed_url": feed.json()["data"]["authorized_redirect_uri"],
}))
