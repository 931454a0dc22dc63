import fs from 'node:fs';
import tls from 'node:tls';

/** Debian's (and Ubuntu's) bundle of the system's trusted CAs, which OpenSSL reads by default. */
const DEBIAN_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

let systemCas: string[] | undefined;

/**
 * The CA certificates (PEM) an HTTPS client of remote logs trusts: the system's store, plus
 * NODE_EXTRA_CA_CERTS, not the Mozilla bundle compiled into Node. On Node 22.15+/24, Node reads
 * the system store itself (`tls.getCACertificates('system')`, which follows OpenSSL's
 * SSL_CERT_FILE and SSL_CERT_DIR); on Node 20 it cannot, so the bundle at SSL_CERT_FILE (default
 * Debian's /etc/ssl/certs/ca-certificates.crt) is read. Without any system store Node's own
 * bundle is the fallback. Read once per process.
 */
export function systemCaCertificates(): string[] {
  return (systemCas ??= readSystemCas());
}

function readSystemCas(): string[] {
  const getCACertificates = (tls as { getCACertificates?: (type: string) => string[] }).getCACertificates;
  const certs = getCACertificates
    ? [...getCACertificates('system'), ...getCACertificates('extra')]
    : [
        ...pemFile(process.env.SSL_CERT_FILE || DEBIAN_CA_BUNDLE),
        ...pemFile(process.env.NODE_EXTRA_CA_CERTS),
      ];
  return certs.length > 0 ? [...new Set(certs)] : [...tls.rootCertificates];
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;

/** The certificates of a PEM bundle; none when there is no such file. */
function pemFile(file: string | undefined): string[] {
  if (!file) return [];
  try {
    return fs.readFileSync(file, 'latin1').match(PEM_CERTIFICATE) ?? [];
  } catch {
    return [];
  }
}
