// A real OpenID provider for the tests of the login through OpenID Connect
// (tests/test_oidc_login.py): panva's oidc-provider, certified by the OpenID Foundation,
// on loopback. One static client, people from a JSON file that the tests rewrite (read at
// every sign-in, so changed groups count at the next login), the provider's own
// development login form (any password), no consent screen (a city's own provider does not
// ask its staff either). Usage: node provider.js CONFIG.json; prints "ready <issuer>".
import { generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import Provider from "oidc-provider";

const config = JSON.parse(readFileSync(process.argv[2], "utf8"));
const issuer = `http://127.0.0.1:${config.port}`;
const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: "jwk" }), kid: "test", use: "sig", alg: "RS256" };

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: config.client_id,
      client_secret: config.client_secret,
      redirect_uris: config.redirect_uris,
      post_logout_redirect_uris: config.post_logout_redirect_uris,
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_post",
      id_token_signed_response_alg: "RS256",
    },
  ],
  // RS256 with a key of its own, published at /jwks (generated at start: a new one each run)
  jwks: { keys: [signingKey] },
  claims: {
    openid: ["sub"],
    email: ["email", "email_verified"],
    profile: ["given_name", "family_name", "preferred_username", "groups"],
  },
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  async findAccount(ctx, id) {
    const people = JSON.parse(readFileSync(config.accounts_file, "utf8"));
    const person = people[id];
    if (!person) return undefined;
    // "userinfo_sub_only": userinfo answers `sub` alone and the ID token has the rest, as
    // ADFS does (conformIdTokenClaims below puts the granted claims into the ID token).
    const { userinfo_sub_only: subOnly, ...claims } = person;
    return {
      accountId: id,
      claims: async (use) => (use === "userinfo" && subOnly ? { sub: id } : { sub: id, ...claims }),
    };
  },
  async loadExistingGrant(ctx) {
    const grantId =
      ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope("openid email profile");
    await grant.save();
    return grant;
  },
});

provider.listen(config.port, "127.0.0.1", () => {
  console.log(`ready ${issuer}`);
});
