// The official upstox-js-sdk, pointed at the local proxy: no access token anywhere in this program.
// The daemon adds the account's current token to every call, and replaces a dead one at once.
//   UPSTOX_PROXY=http://127.0.0.1:8978 node sdk-profile.mjs
import UpstoxClient from "upstox-js-sdk";

const proxy = process.env.UPSTOX_PROXY ?? "http://127.0.0.1:8978";
const client = UpstoxClient.ApiClient.instance;
client.basePath = proxy; // instead of https://api.upstox.com
client.orderBasePath = proxy; // order calls too (the proxy's "upstreams" map sends them to api-hft if set)
// With several accounts in the daemon, say which one:
if (process.env.UPSTOX_ACCOUNT) client.defaultHeaders = { "X-Upstox-Account": process.env.UPSTOX_ACCOUNT };

const call = (run) =>
  new Promise((resolve, reject) => run((error, data) => (error ? reject(error) : resolve(data))));

const profile = await call((cb) => new UpstoxClient.UserApi().getProfile("2.0", cb));
// The market-data feed: authorize through the proxy, then open the one-time wss:// URL it returns.
const feed = await call((cb) => new UpstoxClient.WebsocketApi().getMarketDataFeedAuthorizeV3(cb));

console.log(JSON.stringify({ userId: profile.data.userId, feedUrl: feed.data.authorizedRedirectUri }));
