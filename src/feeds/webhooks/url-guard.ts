import { lookup as dnsLookup } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/** Addresses a webhook may not reach unless the operator allows it (WEBHOOK_ALLOW_PRIVATE). */
const blocked = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) blocked.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96], ['100::', 64],
] as const) blocked.addSubnet(net, bits, 'ipv6');

/** Is this address loopback, link-local, private, or otherwise not a public unicast one? */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  if (family === 6) {
    // An IPv4-mapped IPv6 address is the IPv4 address.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return blocked.check(mapped[1]!, 'ipv4');
    return blocked.check(address, 'ipv6');
  }
  return blocked.check(address, 'ipv4');
}

/** Why a webhook URL is refused, or undefined when it is acceptable as written. */
export function urlProblem(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'not an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `scheme ${url.protocol} is not http(s)`;
  if (url.username || url.password) return 'credentials in the URL are not accepted';
  if (url.hash) return 'a fragment is not accepted';
  return undefined;
}

/**
 * Resolve `host` and check every address it has: one private address is enough to refuse
 * (a name may resolve to several, and a connection may take any).
 * @returns the addresses, or the reason for refusing.
 */
export async function resolvePublic(host: string, allowPrivate: boolean): Promise<{ addresses: Array<{ address: string; family: number }> } | { refused: string }> {
  const name = host.replace(/^\[|\]$/g, '');
  let addresses: Array<{ address: string; family: number }>;
  try {
    addresses = isIP(name) ? [{ address: name, family: isIP(name) }] : await new Promise((resolve, reject) => {
      dnsLookup(name, { all: true, verbatim: true }, (err, list) => (err ? reject(err) : resolve(list)));
    });
  } catch (e) {
    return { refused: `cannot resolve ${name} (${(e as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  if (!addresses.length) return { refused: `${name} has no address` };
  if (!allowPrivate) {
    const bad = addresses.find((a) => isPrivateAddress(a.address));
    if (bad) return { refused: `${name} resolves to ${bad.address}, a loopback, link-local or private address` };
  }
  return { addresses };
}
