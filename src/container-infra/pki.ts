/**
 * Cluster certificates (decision 0014), with @peculiar/x509 over Node's WebCrypto: each cluster has its
 * own CA (RSA 2048, five years, subject CN=<cluster name>); the API signs CSRs with it by Magnum's rules
 * (magnum/common/x509: validity 5×365 days, only allowed extensions kept, no CA certificates, key usages cut
 * to digitalSignature, keyEncipherment and nonRepudiation, a critical extension that is not allowed refuses
 * the CSR); the conductor holds a client certificate from the same CA for the cluster's Docker API.
 */
// @peculiar/x509 resolves its algorithms through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as never);

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

/** A certificate and its private key, both PEM (PKCS#8 for the key). */
export interface KeyAndCertificate {
  certPem: string;
  keyPem: string;
}

/** Magnum's `[x509]term_of_validity`. */
export const TERM_OF_VALIDITY_DAYS = 5 * 365;

const RSA: webcrypto.RsaHashedKeyGenParams = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };
const DAY_MS = 24 * 60 * 60 * 1000;

/** A CSR Magnum would refuse: not PEM, a bad signature, or an extension that may not be signed. */
export class InvalidCsr extends Error {}

async function newKeys(): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(RSA, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
}

async function keyPem(key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

async function importKey(pem: string): Promise<CryptoKey> {
  return webcrypto.subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(pem), RSA, false, ['sign']) as Promise<CryptoKey>;
}

const serial = (): string => {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = bytes[0]! & 0x7f;
  return Buffer.from(bytes).toString('hex');
};

const cn = (name: string): x509.JsonName => [{ CN: [name] }];

/** A new CA for a cluster: self-signed, CN=`name`, valid five years from now. */
export async function makeCa(name: string, now = new Date()): Promise<KeyAndCertificate> {
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(), name: cn(name), keys, notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + TERM_OF_VALIDITY_DAYS * DAY_MS),
    signingAlgorithm: RSA,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await keyPem(keys.privateKey) };
}

const ALLOWED_KEY_USAGES = x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment | x509.KeyUsageFlags.nonRepudiation;
const OID = {
  keyUsage: '2.5.29.15', extendedKeyUsage: '2.5.29.37', subjectAltName: '2.5.29.17', basicConstraints: '2.5.29.19', subjectKeyIdentifier: '2.5.29.14',
} as const;
const ALLOWED_EXTENSIONS: ReadonlySet<string> = new Set(Object.values(OID));

/** The CSR's extensions as Magnum's validator.filter_extensions leaves them (allow_ca false). */
function filterExtensions(exts: readonly x509.Extension[]): x509.Extension[] {
  const out: x509.Extension[] = [];
  for (const ext of exts) {
    if (!ALLOWED_EXTENSIONS.has(ext.type)) {
      if (ext.critical) throw new InvalidCsr(`The CSR has a critical extension that may not be signed (${ext.type}).`);
      continue;
    }
    if (ext.type === OID.keyUsage) {
      const usages = new x509.KeyUsagesExtension(ext.rawData).usages;
      if ((usages & ~ALLOWED_KEY_USAGES) !== 0 && ext.critical) throw new InvalidCsr('The CSR asks for key usages that may not be signed.');
      out.push(new x509.KeyUsagesExtension(usages & ALLOWED_KEY_USAGES, ext.critical));
    } else if (ext.type === OID.basicConstraints) {
      const bc = new x509.BasicConstraintsExtension(ext.rawData);
      if (bc.ca && ext.critical) throw new InvalidCsr('The CSR asks for a CA certificate.');
      out.push(bc.ca ? new x509.BasicConstraintsExtension(false, undefined, false) : ext);
    } else {
      out.push(ext);
    }
  }
  return out;
}

/** Parses a PEM CSR and checks its signature; InvalidCsr when it is not one. */
export async function parseCsr(pem: string): Promise<x509.Pkcs10CertificateRequest> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(pem);
  } catch (err) {
    throw new InvalidCsr('The CSR is not a PEM certificate signing request.', { cause: err });
  }
  let ok = false;
  try { ok = await csr.verify(); } catch { ok = false; }
  if (!ok) throw new InvalidCsr('The CSR\'s signature does not verify.');
  return csr;
}

/** Signs `csrPem` with the CA: the CSR's subject and public key, its allowed extensions, 5×365 days. */
export async function signCsr(ca: KeyAndCertificate, csrPem: string, now = new Date()): Promise<string> {
  const csr = await parseCsr(csrPem);
  const caCert = new x509.X509Certificate(ca.certPem);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(), subject: csr.subjectName, issuer: caCert.subjectName, publicKey: csr.publicKey,
    signingKey: await importKey(ca.keyPem), signingAlgorithm: RSA,
    notBefore: new Date(now.getTime() - 60_000), notAfter: new Date(now.getTime() + TERM_OF_VALIDITY_DAYS * DAY_MS),
    extensions: filterExtensions(csr.extensions),
  });
  return cert.toString('pem');
}

/** A key and a client certificate (CN=`commonName`, clientAuth) signed by the CA: the conductor's own. */
export async function makeClientCertificate(ca: KeyAndCertificate, commonName: string, now = new Date()): Promise<KeyAndCertificate> {
  const keys = await newKeys();
  const caCert = new x509.X509Certificate(ca.certPem);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(), subject: cn(commonName), issuer: caCert.subjectName, publicKey: keys.publicKey,
    signingKey: await importKey(ca.keyPem), signingAlgorithm: RSA,
    notBefore: new Date(now.getTime() - 60_000), notAfter: new Date(now.getTime() + TERM_OF_VALIDITY_DAYS * DAY_MS),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, false),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await keyPem(keys.privateKey) };
}
