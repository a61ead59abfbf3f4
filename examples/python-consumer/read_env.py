"""Read the Upstox token that upstox-token keeps in a .env file (its `env` sink).

    pip install python-dotenv
    python read_env.py /srv/app/.env      # default: UPSTOX_ENV_FILE, else ./.env
"""

import os
import sys
from datetime import datetime, timezone

from dotenv import dotenv_values

ENV_FILE = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("UPSTOX_ENV_FILE", ".env")


def current_token(path: str = ENV_FILE) -> tuple[str, datetime] | None:
    """The token and its expiry, or None when the file has none or it has expired.

    Call it whenever you need the token: the file is rewritten every morning after 03:30 IST. dotenv_values()
    reads the file as it is now; load_dotenv() would not replace a value already in os.environ, so a
    long-running program would keep yesterday's token.
    """
    values = dotenv_values(path)
    token = values.get("UPSTOX_ACCESS_TOKEN")
    expires_at = values.get("UPSTOX_ACCESS_TOKEN_EXPIRES_AT")  # e.g. 2026-01-16T03:30:00.000+05:30
    if not token or not expires_at:
        return None
    expiry = datetime.fromisoformat(expires_at)
    if expiry <= datetime.now(timezone.utc):
        return None
    return token, expiry


if __name__ == "__main__":
    found = current_token()
    if found is None:
        sys.exit(f"no valid Upstox token in {ENV_FILE}: run `upstox-token generate-token --sink env:{ENV_FILE}`")
    token, expiry = found
    # Use it as the header "Authorization: Bearer <token>". Never print or log the token itself.
    print(f"token …{token[-6:]} valid until {expiry.isoformat()}")
