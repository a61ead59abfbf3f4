"""Read the Upstox token from Redis (the `redis` sink) and reload it whenever a new one is stored.

    pip install redis
    REDIS_URL=redis://127.0.0.1:6379 UPSTOX_ACCOUNT=main python read_redis.py
"""

import json
import os

import redis

URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379")
ACCOUNT = os.environ.get("UPSTOX_ACCOUNT", "main")
PREFIX = "upstox-token:"  # the sink's `prefix` option

client = redis.Redis.from_url(URL, decode_responses=True)


def load_token() -> dict | None:
    """The stored record: Upstox's field names (access_token, user_id, expires_at, …) plus account and
    generation. None when there is none: the key expires together with the token."""
    raw = client.get(f"{PREFIX}{ACCOUNT}")
    return json.loads(raw) if raw else None


if __name__ == "__main__":
    pubsub = client.pubsub()
    pubsub.subscribe(f"{PREFIX}events")
    record = None
    for message in pubsub.listen():
        if message["type"] == "subscribe":
            reason = "subscribed"  # also after a reconnect: read the key, events may have been missed
        elif message["type"] == "message" and json.loads(message["data"])["account"] == ACCOUNT:
            reason = "event"  # {"account", "generation", "expires_at"}: never the token itself
        else:
            continue
        record = load_token()
        # record["access_token"] goes in the header "Authorization: Bearer <token>"; never print it.
        generation = record["generation"] if record else None
        expires_at = record["expires_at"] if record else None
        print(json.dumps({"reason": reason, "generation": generation, "expires_at": expires_at}), flush=True)
