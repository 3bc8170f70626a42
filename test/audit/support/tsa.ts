import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A local RFC 3161 time-stamping authority: `openssl ts -reply` behind node:http. */
export interface LocalTsa {
  url: string;
  /** The TSA's root CA certificate, PEM file (AUDIT_TSA_CA). */
  caFile: string;
  caPem: string;
  /** Queries answered. */
  answered(): number;
  /** While true, every query gets HTTP 503 (the TSA is down). */
  setDown(down: boolean): void;
  close(): Promise<void>;
}

/** Start a TSA with its own root CA and an EC P-256 TSA certificate (extendedKeyUsage critical timeStamping). */
export async function startLocalTsa(): Promise<LocalTsa> {
  const dir = mkdtempSync(join(tmpdir(), 'bxg-tsa-'));
  const o = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  o(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-subj', '/C=XX/O=Test TSA/CN=Test TSA Root', '-days', '365',
    '-addext', 'basicConstraints=critical,CA:true', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  o(['req', ...ec, '-keyout', 'tsa.key', '-out', 'tsa.csr', '-subj', '/C=XX/O=Test TSA/CN=Test Time-Stamping Authority']);
  writeFileSync(join(dir, 'tsa.ext'), 'basicConstraints=CA:false\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\n');
  o(['x509', '-req', '-in', 'tsa.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'tsa.pem', '-days', '30', '-extfile', 'tsa.ext']);
  writeFileSync(join(dir, 'tsaserial'), '01\n');
  writeFileSync(join(dir, 'tsa.cnf'), `
[ tsa ]
default_tsa = tsa1
[ tsa1 ]
dir = ${dir}
serial = $dir/tsaserial
crypto_device = builtin
signer_cert = $dir/tsa.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
`);
  let n = 0;
  let down = false;
  let queue = Promise.resolve();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (down || req.method !== 'POST' || req.headers['content-type'] !== 'application/timestamp-query') {
        res.writeHead(down ? 503 : 400).end();
        return;
      }
      // openssl keeps its serial in a file: one reply at a time.
      queue = queue.then(async () => {
        const id = ++n;
        const q = join(dir, `q${id}.tsq`);
        const r = join(dir, `r${id}.tsr`);
        writeFileSync(q, Buffer.concat(chunks));
        try {
          await run('openssl', ['ts', '-reply', '-config', join(dir, 'tsa.cnf'), '-queryfile', q, '-out', r], { cwd: dir });
          res.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(readFileSync(r));
        } catch {
          res.writeHead(500).end();
        }
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/tsa`,
    caFile: join(dir, 'ca.pem'),
    caPem: readFileSync(join(dir, 'ca.pem'), 'utf8'),
    answered: () => n,
    setDown: (d) => { down = d; },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
