// A real OpenID provider for tests/api/oidc.rs: panva's oidc-provider (certified), with its
// built-in login and consent pages (any password is accepted; the login name picks the user).
//
// Usage: node tests/oidc/provider.mjs
//   1. It listens on 127.0.0.1, port 0, and prints "listening http://127.0.0.1:PORT" (the
//      issuer). Until step 2 every request gets 503, like a provider that is down.
//   2. The test writes the portal's base URL (http://127.0.0.1:APP) as one line to stdin; the
//      provider registers the client `hallway` for it (redirect URI BASE/auth/oidc/callback,
//      post-logout URI BASE/) and prints "ready".
//   It exits when stdin closes, so it never outlives the test.
import http from 'node:http';
import readline from 'node:readline';
import Provider from 'oidc-provider';

export const CLIENT_ID = 'hallway';
export const CLIENT_SECRET = 'hallway-test-client-secret';

// Users by login name, in different groups (the portal maps groups to roles and tracks).
const USERS = {
  ann: { email: 'ann@example.org', name: 'Ann Attendee', groups: ['attendees'] },
  mo: { email: 'mo@example.org', name: 'Mo Derator', groups: ['attendees', 'moderators'] },
  tia: { email: 'tia@example.org', name: 'Tia Track', groups: ['attendees', 'track-mods'] },
  sam: { email: 'sam@example.org', name: 'Sam Staff', groups: ['crew'] },
  ada: { email: 'ada@example.org', name: 'Ada Admin', groups: ['organizers'] },
  // On the test's registration list with speaker_of; the provider spells the address in
  // capitals with a +tag, as people do.
  spk: { email: 'Spk+Conf@Example.org', name: 'Sol Speaker', groups: ['attendees'] },
  // Says its address is not verified: it must not be matched to the registration list.
  eve: { email: 'spk@example.org', name: 'Eve Unverified', groups: ['attendees'], unverified: true },
};

let handler = (req, res) => {
  res.writeHead(503, { 'content-type': 'text/plain' });
  res.end('provider not ready\n');
};
const server = http.createServer((req, res) => handler(req, res));
server.listen(0, '127.0.0.1', () => {
  console.log(`listening http://127.0.0.1:${server.address().port}`);
});

function provider(issuer, rp) {
  const oidc = new Provider(issuer, {
    clients: [{
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      redirect_uris: [`${rp}/auth/oidc/callback`],
      post_logout_redirect_uris: [`${rp}/`],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name'],
      groups: ['groups'],
    },
    // The default: scope claims only through userinfo, so the portal must ask it.
    conformIdTokenClaims: true,
    // PKCE for every client, so a portal that forgot it fails.
    pkce: { required: () => true },
    async findAccount(ctx, sub) {
      const u = USERS[sub] || { email: `${sub}@example.org`, name: sub, groups: ['attendees'] };
      return {
        accountId: sub,
        async claims() {
          return { sub, email: u.email, email_verified: !u.unverified, name: u.name, groups: u.groups };
        },
      };
    },
    features: {
      devInteractions: { enabled: true },
      rpInitiatedLogout: { enabled: true },
    },
    cookies: { keys: ['test-cookie-key-not-secret'] },
    ttl: { AccessToken: 3600, AuthorizationCode: 60, IdToken: 3600, Interaction: 600, Session: 86400, Grant: 86400 },
  });
  oidc.proxy = false;
  return oidc;
}

const rl = readline.createInterface({ input: process.stdin });
rl.once('line', (line) => {
  const rp = line.trim().replace(/\/$/, '');
  const issuer = `http://127.0.0.1:${server.address().port}`;
  handler = provider(issuer, rp).callback();
  console.log('ready');
});
rl.on('close', () => process.exit(0));
