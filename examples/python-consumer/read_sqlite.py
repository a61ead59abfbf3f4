"""Read the Upstox token that upstox-token keeps in SQLite (its `sqlite` sink). Python's own sqlite3, nothing
to install.

    python read_sqlite.py /srv/app/upstox-tokens.db            # account "main"
    python read_sqlite.py /srv/app/upstox-tokens.db family-2
"""

import sqlite3
import sys
from datetime import datetime, timezone

# The newest token of an account: the sink keeps one row per token, and the generation only grows.
NEWEST_TOKEN = """
    SELECT access_token, expires_at, encryption FROM tokens
    WHERE account = ? {not_revoked}
    ORDER BY generation DESC, id DESC
    LIMIT 1
"""


def current_token(path: str, account: str = "main") -> tuple[str, datetime] | None:
    """The token and its expiry, or None when none is stored for the account or it has expired.

    Opened read-only, per call: the daemon writes a new row every morning after 03:30 IST (WAL mode, so a reader
    never blocks it).
    """
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        columns = {row[1] for row in db.execute("PRAGMA table_info(tokens)")}
        # Newer files mark a revoked token (upstox-token logout); such a row is never served.
        query = NEWEST_TOKEN.format(not_revoked="AND revoked_at IS NULL" if "revoked_at" in columns else "")
        row = db.execute(query, (account,)).fetchone()
    finally:
        db.close()
    if row is None:
        return None
    token, expires_at_ms, encryption = row
    if encryption:
        raise SystemExit(f"{path} is encrypted at rest ({encryption}): read it with @upstox-token/sink-sqlite")
    expiry = datetime.fromtimestamp(expires_at_ms / 1000, tz=timezone.utc)
    if expiry <= datetime.now(timezone.utc):
        return None
    return token, expiry


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: python read_sqlite.py <tokens.db> [account]")
    path = sys.argv[1]
    account = sys.argv[2] if len(sys.argv) > 2 else "main"
    found = current_token(path, account)
    if found is None:
        sys.exit(
            f'no valid Upstox token for account "{account}" in {path}: '
            f"run `upstox-token generate-token --account {account} --sink sqlite:{path}`"
        )
    token, expiry = found
    # Use it as the header "Authorization: Bearer <token>". Never print or log the token itself.
    print(f"token …{token[-6:]} valid until {expiry.isoformat()}")
