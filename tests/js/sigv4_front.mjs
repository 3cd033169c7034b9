// A stand-in for the front door of an Amazon OpenSearch Service domain, for
// rerankd's tests: every request must carry an AWS Signature Version 4 that
// the aws4 package (what the official JavaScript client's AwsSigv4Signer
// signs with) computes the same from the request as received, with the
// test's credentials, not older than 5 minutes. A request that passes is
// relayed to the real node; one that does not gets the 403 the service
// answers. Independent of rerankd's own signer.
//
//   node sigv4_front.mjs TARGET_URL REGION SERVICE
//     credentials: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (and
//     AWS_SESSION_TOKEN, then required on every request) in the environment
//   prints "listening PORT" once it listens on 127.0.0.1
//   GET /__front/stats: {"accepted": N, "refused": M, "last_refusal": "..."}
import { createHash } from 'node:crypto';
import http from 'node:http';
import aws4 from 'aws4';

const [target, region, service] = process.argv.slice(2);
if (!target || !region || !service) {
  console.error('usage: node sigv4_front.mjs TARGET_URL REGION SERVICE');
  process.exit(2);
}
const credentials = {
  accessKeyId: process.env.AWS_ACCESS_KEY_ID,
  secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY,
  sessionToken: process.env.AWS_SESSION_TOKEN || undefined,
};
const upstream = new URL(target);
const stats = { accepted: 0, refused: 0, last_refusal: '' };

// Why `req` (with `body`) is not signed as it should be, or '' when it is.
function refusal(req, body) {
  const auth = req.headers.authorization || '';
  const m = auth.match(/^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/);
  if (!m) return 'no SigV4 Authorization header';
  const [, keyId, , signedRegion, signedService, signedHeaders] = m;
  if (keyId !== credentials.accessKeyId) return 'unknown access key ' + keyId;
  if (signedRegion !== region || signedService !== service) return 'wrong scope';
  const amzDate = req.headers['x-amz-date'] || '';
  const at = Date.parse(amzDate.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z'));
  if (!(Math.abs(Date.now() - at) < 5 * 60 * 1000)) return 'x-amz-date missing or too far from now';
  const names = signedHeaders.split(';');
  for (const required of ['host', 'x-amz-date']) {
    if (!names.includes(required)) return required + ' not signed';
  }
  if (credentials.sessionToken &&
      (req.headers['x-amz-security-token'] !== credentials.sessionToken ||
       !names.includes('x-amz-security-token'))) {
    return 'session token missing or not signed';
  }
  const sha = req.headers['x-amz-content-sha256'];
  if (sha !== undefined && sha !== sha256(body)) return 'x-amz-content-sha256 is not the body\'s';
  const headers = {};
  for (const name of names) {
    if (req.headers[name] === undefined) return 'signed header ' + name + ' not sent';
    headers[name] = req.headers[name];
  }
  const signer = new aws4.RequestSigner({
    host: req.headers.host, method: req.method, path: req.url, body,
    service, region, headers, doNotModifyHeaders: true,
  }, credentials);
  signer.datetime = amzDate;
  const expected = signer.sign().headers.Authorization;
  return expected === auth ? '' : 'signature mismatch (expected ' + expected + ')';
}

function sha256(body) {
  return createHash('sha256').update(body).digest('hex');
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    if (req.url === '/__front/stats') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(stats));
      return;
    }
    const why = refusal(req, body);
    if (why) {
      stats.refused += 1;
      stats.last_refusal = req.method + ' ' + req.url + ': ' + why;
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end(JSON.stringify({
        message: 'The request signature we calculated does not match the signature you provided.',
      }));
      return;
    }
    stats.accepted += 1;
    const headers = { ...req.headers, host: upstream.host };
    for (const name of Object.keys(headers)) {
      if (name === 'authorization' || name.startsWith('x-amz-')) delete headers[name];
    }
    const out = http.request({
      host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers,
    }, (answer) => {
      res.writeHead(answer.statusCode, answer.headers);
      answer.pipe(res);
    });
    out.on('error', (e) => {
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: String(e) }));
    });
    out.end(body);
  });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => {
  console.log('listening ' + server.address().port);
});
