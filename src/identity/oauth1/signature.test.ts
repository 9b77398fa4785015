import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  baseStringUri, hmacSha1, normalizeParameters, parseAuthorizationHeader, parseFormEncoded, percentEncode,
  signatureBaseString, signedAuthorizationHeader,
} from './signature.js';
import { oauthRequestOf } from './request.js';
import { SignatureVerifier } from './verifier.js';

// Test vectors from RFC 5849 itself, so the signing code is checked against the spec and not
// against itself.
describe('RFC 5849 signatures', () => {
  it('builds the section 3.4.1 base string from query, header and form parameters', () => {
    // 3.4.1.1: POST /request?b5=%3D%253D&a3=a&c%40=&a2=r%20b, body "c2&a3=2+q".
    const query = parseFormEncoded('b5=%3D%253D&a3=a&c%40=&a2=r%20b');
    assert.deepEqual(query, [['b5', '=%3D'], ['a3', 'a'], ['c@', ''], ['a2', 'r b']]);
    const form = parseFormEncoded('c2&a3=2+q');
    assert.deepEqual(form, [['c2', ''], ['a3', '2 q']]);
    const header = parseAuthorizationHeader(
      'OAuth realm="Example", oauth_consumer_key="9djdj82h48djs9d2", oauth_token="kkk9d7dh3k39sjv7", ' +
      'oauth_signature_method="HMAC-SHA1", oauth_timestamp="137131201", oauth_nonce="7d8f3e4a", ' +
      'oauth_signature="djosJKDKJSD8743243%2Fjdk33klY%3D"')!;
    assert.equal(header.get('oauth_signature'), 'djosJKDKJSD8743243/jdk33klY=');
    const oauth = [...header].filter(([k]) => k !== 'realm' && k !== 'oauth_signature');
    const params = [...query, ...form, ...oauth];
    // 3.4.1.3.2
    assert.equal(normalizeParameters(params),
      'a2=r%20b&a3=2%20q&a3=a&b5=%3D%253D&c%40=&c2=&oauth_consumer_key=9djdj82h48djs9d2' +
      '&oauth_nonce=7d8f3e4a&oauth_signature_method=HMAC-SHA1&oauth_timestamp=137131201&oauth_token=kkk9d7dh3k39sjv7');
    // 3.4.1.1
    assert.equal(signatureBaseString('post', 'http://example.com/request?b5=%3D%253D', params),
      'POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D' +
      '%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1' +
      '%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7');
  });

  it('normalises base string URIs as section 3.4.1.2 shows', () => {
    assert.equal(baseStringUri('HTTP://EXAMPLE.COM:80/r%20v/X?id=123'), 'http://example.com/r%20v/X');
    assert.equal(baseStringUri('https://www.example.net:8080/?q=1'), 'https://www.example.net:8080/');
    assert.equal(baseStringUri('https://Example.com:443/a'), 'https://example.com/a');
  });

  it('reproduces the signature of the section 1.2 protected-resource request', () => {
    const params = parseFormEncoded('file=vacation.jpg&size=original');
    const header = parseAuthorizationHeader(
      'OAuth realm="Photos", oauth_consumer_key="dpf43f3p2l4k3l03", oauth_token="nnch734d00sl2jdk", ' +
      'oauth_signature_method="HMAC-SHA1", oauth_timestamp="137131202", oauth_nonce="chapoH", ' +
      'oauth_signature="MdpQcU8iPSUjWoN%2FUDMsK2sui9I%3D"')!;
    const signed = [...params, ...[...header].filter(([k]) => k !== 'realm' && k !== 'oauth_signature')];
    const base = signatureBaseString('GET', 'http://photos.example.net/photos', signed);
    assert.equal(base,
      'GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg%26oauth_consumer_key%3Ddpf43f3p2l4k3l03' +
      '%26oauth_nonce%3DchapoH%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131202' +
      '%26oauth_token%3Dnnch734d00sl2jdk%26size%3Doriginal');
    assert.equal(hmacSha1(base, 'kd94hf93k423kf44', 'pfkkdhi9sl3r4s00'), header.get('oauth_signature'));
  });

  it('verifies that section 1.2 request as the server receives it, and refuses it once replayed', () => {
    const verifier = new SignatureVerifier(() => 137131202 * 1000 + 5000);
    const http = {
      method: 'GET',
      url: '/photos?file=vacation.jpg&size=original',
      headers: {
        host: 'photos.example.net',
        authorization: 'OAuth realm="Photos", oauth_consumer_key="dpf43f3p2l4k3l03", oauth_token="nnch734d00sl2jdk", ' +
          'oauth_signature_method="HMAC-SHA1", oauth_timestamp="137131202", oauth_nonce="chapoH", ' +
          'oauth_signature="MdpQcU8iPSUjWoN%2FUDMsK2sui9I%3D"',
      },
    };
    const req = oauthRequestOf(http, 'http://127.0.0.1:5000');
    assert.throws(() => verifier.verify(req, 'kd94hf93k423kf44', 'wrong-token-secret'), /Invalid signature/);
    verifier.verify(req, 'kd94hf93k423kf44', 'pfkkdhi9sl3r4s00');
    assert.throws(() => verifier.verify(req, 'kd94hf93k423kf44', 'pfkkdhi9sl3r4s00'), /already used/);
    const late = new SignatureVerifier(() => (137131202 + 601) * 1000);
    assert.throws(() => late.verify(req, 'kd94hf93k423kf44', 'pfkkdhi9sl3r4s00'), /timestamp/);
  });

  it('encodes reserved characters and non-ASCII as RFC 3986 requires', () => {
    assert.equal(percentEncode("!*'() ~._-"), '%21%2A%27%28%29%20~._-');
    assert.equal(percentEncode('é/+'), '%C3%A9%2F%2B');
  });

  it('signs what it verifies, form body parameters included', () => {
    const now = Date.now();
    const header = signedAuthorizationHeader({
      method: 'POST', url: 'http://localhost/v3/x?a=1', consumerKey: 'ck', consumerSecret: 'cs&x', token: 't', tokenSecret: 'ts',
      form: [['b', 'two words']], nonce: 'n1', timestamp: Math.floor(now / 1000),
    });
    const http = { method: 'POST', url: '/v3/x?a=1', headers: { host: 'localhost', authorization: header, 'content-type': 'application/x-www-form-urlencoded' }, body: 'b=two+words' };
    new SignatureVerifier(() => now).verify(oauthRequestOf(http, 'http://127.0.0.1:5000'), 'cs&x', 'ts');
    const tampered = { ...http, body: 'b=three+words' };
    assert.throws(() => new SignatureVerifier(() => now).verify(oauthRequestOf(tampered, 'http://127.0.0.1:5000'), 'cs&x', 'ts'), /Invalid signature/);
  });

  it('refuses malformed headers and other signature methods', () => {
    assert.equal(parseAuthorizationHeader('Basic abc'), undefined);
    assert.throws(() => parseAuthorizationHeader('OAuth a="1", a="2"'), /more than once/);
    assert.throws(() => parseAuthorizationHeader('OAuth a=1'), /Malformed/);
    const req = oauthRequestOf({ method: 'GET', url: '/', headers: { host: 'h', authorization: 'OAuth oauth_signature_method="PLAINTEXT", oauth_signature="x"' } }, 'http://h');
    assert.throws(() => new SignatureVerifier().verify(req, 'a', 'b'), /HMAC-SHA1/);
  });
});
