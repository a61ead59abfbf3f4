"""The official upstox-python-sdk (pip install upstox-python-sdk) with its host pointed at the proxy.

    UPSTOX_PROXY=http://127.0.0.1:8978 python3 upstox_sdk_profile.py

Not run by this repository's tests: the SDK is on PyPI only, which the test machines cannot reach.
"""

import os

import upstox_client

configuration = upstox_client.Configuration()
configuration.host = os.environ.get("UPSTOX_PROXY", "http://127.0.0.1:8978")  # instead of https://api.upstox.com
configuration.access_token = "unused"  # the SDK wants one; the proxy replaces it with the current token

api_client = upstox_client.ApiClient(configuration)
if os.environ.get("UPSTOX_ACCOUNT"):
    api_client.set_default_header("X-Upstox-Account", os.environ["UPSTOX_ACCOUNT"])

profile = upstox_client.UserApi(api_client).get_profile(api_version="2.0")
print(profile.data.user_id)
