import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A key and certificate, as PEM text and as files. `{ key, cert }` fits https.createServer and startHttpTarget. */
export interface KeyAndCert {
  key: string;
  cert: string;
  keyFile: string;
  certFile: string;
}

export interface LeafOptions {
  dnsNames: string[];
  ipSans?: string[];
  /** Valid only from 2020-01-01 to 2020-01-02. */
  expired?: boolean;
}

const tempDirs: string[] = [];
process.once('exit', () => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** A private CA (P-256, CA:TRUE) valid for 30 days. Needs the openssl CLI. */
export function makeCa(): KeyAndCert {
  const dir = newDir();
  const files = { keyFile: join(dir, 'ca.key'), certFile: join(dir, 'ca.crt') };
  opensslReq(dir, '-x509', '-subj', '/CN=dnsfail test CA', '-days', '30', '-keyout', files.keyFile, '-out', files.certFile,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  return load(files);
}

/** A server certificate signed by `ca`; `expired` uses `openssl ca -startdate/-enddate` (x509 -not_before needs OpenSSL 3.4). */
export function makeLeaf(ca: KeyAndCert, opts: LeafOptions): KeyAndCert {
  const dir = newDir();
  const files = { keyFile: join(dir, 'leaf.key'), certFile: join(dir, 'leaf.crt') };
  const csr = join(dir, 'leaf.csr');
  const extFile = join(dir, 'leaf.ext');
  writeFileSync(extFile, `basicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=${sans(opts)}\n`);
  writeFileSync(join(dir, 'index.txt'), '');
  opensslReq(dir, '-subj', `/CN=${opts.dnsNames[0] ?? 'leaf'}`, '-keyout', files.keyFile, '-out', csr);
  const validity = opts.expired ? ['-startdate', '20200101000000Z', '-enddate', '20200102000000Z'] : ['-days', '30'];
  execFileSync('openssl', ['ca', '-batch', '-config', join(dir, 'openssl.cnf'), '-notext', '-rand_serial',
    '-cert', ca.certFile, '-keyfile', ca.keyFile, '-in', csr, '-out', files.certFile, '-extfile', extFile, ...validity],
    { stdio: 'pipe' });
  return load(files);
}

/** A self-signed server certificate (no CA will ever vouch for it). */
export function makeSelfSigned(dnsNames: string[]): KeyAndCert {
  const dir = newDir();
  const files = { keyFile: join(dir, 'self.key'), certFile: join(dir, 'self.crt') };
  opensslReq(dir, '-x509', '-subj', `/CN=${dnsNames[0] ?? 'self-signed'}`, '-days', '30', '-keyout', files.keyFile,
    '-out', files.certFile, '-addext', 'basicConstraints=critical,CA:FALSE', '-addext', `subjectAltName=${sans({ dnsNames })}`);
  return load(files);
}

function sans(opts: Pick<LeafOptions, 'dnsNames' | 'ipSans'>): string {
  return [...opts.dnsNames.map((n) => `DNS:${n}`), ...(opts.ipSans ?? []).map((ip) => `IP:${ip}`)].join(',');
}

/** A temp dir with a minimal config, so the system openssl.cnf (and its default extensions) play no part. */
function newDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dnsfail-certs-'));
  tempDirs.push(dir);
  writeFileSync(join(dir, 'openssl.cnf'), [
    '[req]', 'distinguished_name = dn', '[dn]',
    '[ca]', 'default_ca = test_ca',
    '[test_ca]', `database = ${join(dir, 'index.txt')}`, `serial = ${join(dir, 'serial')}`, `new_certs_dir = ${dir}`, 'default_md = sha256',
    'policy = any_policy', 'unique_subject = no',
    '[any_policy]', 'commonName = supplied', '',
  ].join('\n'));
  return dir;
}

/** `openssl req` with a fresh P-256 key and the dir's config. */
function opensslReq(dir: string, ...args: string[]): void {
  execFileSync('openssl', ['req', '-config', join(dir, 'openssl.cnf'), '-new', '-nodes', '-newkey', 'ec',
    '-pkeyopt', 'ec_paramgen_curve:prime256v1', ...args], { stdio: 'pipe' });
}

function load(files: { keyFile: string; certFile: string }): KeyAndCert {
  return { ...files, key: readFileSync(files.keyFile, 'utf8'), cert: readFileSync(files.certFile, 'utf8') };
}
