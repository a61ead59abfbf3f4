// The official SDK ships no types; the test narrows the parts it uses.
declare module "upstox-js-sdk" {
  const sdk: unknown;
  export default sdk;
}
