import { spawnSync } from 'node:child_process';

/*
 * Interop peers: real outside programs the tests compare the gateway with (design.md §6).
 * On a fresh machine a missing peer skips its tests with a visible reason, so `npm ci && npm
 * test` passes; CI installs every peer and sets BXG_REQUIRE_PEERS=1, under which a missing
 * peer fails the test file that needs it instead of skipping.
 */

/**
 * The Python that carries Debian's python3-jwcrypto and python3-jsonschema (the system one, not
 * the first `python3` on PATH). `BXG_PEER_PYTHON` points elsewhere (e.g. to check the skips).
 */
export const PYTHON = process.env.BXG_PEER_PYTHON || '/usr/bin/python3';

/** The headless browser for the /docs check (Debian's `chromium`); `BXG_PEER_CHROMIUM` names another. */
export const CHROMIUM = process.env.BXG_PEER_CHROMIUM || 'chromium';

/** Exit status 0 for `cmd args` (looked up on PATH), quietly. */
const runs = (cmd: string, args: string[]) => spawnSync(cmd, args, { stdio: 'ignore', timeout: 20_000 }).status === 0;

const PEERS = {
  xmllint: { probe: () => runs('xmllint', ['--version']), missing: 'xmllint not installed', install: 'apt-get install libxml2-utils' },
  xmlsec1: { probe: () => runs('xmlsec1', ['--version']), missing: 'xmlsec1 not installed', install: 'apt-get install xmlsec1' },
  openssl: { probe: () => runs('openssl', ['version']), missing: 'openssl not installed', install: 'apt-get install openssl' },
  jwcrypto: {
    probe: () => runs(PYTHON, ['-c', 'import jwcrypto.jws, jwcrypto.jwk']),
    missing: `${PYTHON} with jwcrypto not found`, install: 'apt-get install python3-jwcrypto',
  },
  jsonschema: {
    probe: () => runs(PYTHON, ['-c', 'import jsonschema']),
    missing: `${PYTHON} with jsonschema not found`, install: 'apt-get install python3-jsonschema',
  },
  // Debian's chromium, headless: renders /docs (Swagger UI) as an integrator's browser does.
  chromium: { probe: () => runs(CHROMIUM, ['--version']), missing: `${CHROMIUM} not installed`, install: 'apt-get install chromium' },
} as const satisfies Record<string, { probe: () => boolean; missing: string; install: string }>;

/** The name of an interop peer the tests know how to find. */
export type PeerName = keyof typeof PEERS;

/** Every known peer, in a stable order. */
export const PEER_NAMES = Object.keys(PEERS) as PeerName[];

/** True when BXG_REQUIRE_PEERS asks that every peer be present (CI). */
export const peersRequired = (): boolean => /^(1|true|yes)$/i.test(process.env.BXG_REQUIRE_PEERS ?? '');

const found = new Map<PeerName, boolean>();

/** Whether `name` is installed (probed once per process). */
export function hasPeer(name: PeerName): boolean {
  let ok = found.get(name);
  if (ok === undefined) {
    ok = PEERS[name].probe();
    found.set(name, ok);
  }
  return ok;
}

/** The one-line reason a peer's tests are skipped, e.g. "skipped: xmlsec1 not installed (apt-get install xmlsec1)". */
export function skipReason(name: PeerName): string {
  return `skipped: ${PEERS[name].missing} (${PEERS[name].install})`;
}

/** For a suite's title: ` (skipped: …)` when the peer is missing, else nothing. */
export function peerNote(name: PeerName): string {
  return hasPeer(name) ? '' : ` (${skipReason(name)})`;
}

/**
 * Call at the top of a test file: `describe.skipIf(!requirePeer('xmlsec1'))(`xmlsec1 interop${peerNote('xmlsec1')}`, …)`.
 * Returns whether the peer is there; when it is not, the suite is skipped (the global setup
 * prints every missing peer's reason once per run) — or, under BXG_REQUIRE_PEERS=1, throws,
 * which fails the test file.
 */
export function requirePeer(name: PeerName): boolean {
  if (hasPeer(name)) return true;
  if (peersRequired()) throw new Error(`BXG_REQUIRE_PEERS=1 but ${PEERS[name].missing} (${PEERS[name].install})`);
  return false;
}

/** One line per missing peer (for the global setup to print once per run). */
export function missingPeerReasons(): string[] {
  return PEER_NAMES.filter((n) => !hasPeer(n)).map((n) => `${n}: ${skipReason(n)}`);
}
