/**
 * Where a webhook may point. An admin key that could make the server POST to 127.0.0.1:5432,
 * 169.254.169.254 (a cloud's metadata service) or a box on the office network would turn the
 * server into a probe of its own network, so URLs that resolve to private, loopback,
 * link-local or otherwise non-public addresses are refused unless SALESOPS_WEBHOOK_ALLOW_PRIVATE
 * is on. Checked when a webhook is saved and again before every delivery — DNS can change — and
 * the delivery then connects to the very address checked (send.ts passes it as `lookup`), so a
 * name that resolves differently a moment later (DNS rebinding) cannot slip past.
 */
import dns from 'node:dns/promises';
import net from 'node:net';

/** Ranges no webhook may reach without SALESOPS_WEBHOOK_ALLOW_PRIVATE (RFC 6890 and friends). */
const NON_PUBLIC = new net.BlockList();
for (const [prefix, bits] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata services live here)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and 255.255.255.255
] as const)
  NON_PUBLIC.addSubnet(prefix, bits, 'ipv4');
for (const [prefix, bits] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated, still routed by some)
  ['ff00::', 8], // multicast
  ['2001:db8::', 32], // documentation
] as const)
  NON_PUBLIC.addSubnet(prefix, bits, 'ipv6');

/** The IPv4 address an IPv6 address carries (mapped ::ffff:a.b.c.d, NAT64 64:ff9b::/96), if any. */
function embeddedIpv4(address: string): string | undefined {
  const lower = address.toLowerCase();
  const dotted = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1];
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (!hex) return undefined;
  const hi = parseInt(hex[1]!, 16);
  const lo = parseInt(hex[2]!, 16);
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
}

/** True when `address` (an IP literal) is private, loopback, link-local or otherwise not public. */
export function isNonPublicAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 4) return NON_PUBLIC.check(address, 'ipv4');
  if (family !== 6) return true; // not an address at all: never "public"
  const v4 = embeddedIpv4(address);
  if (v4) return NON_PUBLIC.check(v4, 'ipv4');
  return NON_PUBLIC.check(address, 'ipv6');
}

/**
 * A lookup that takes longer is given up: the system resolver can hang for tens of seconds, and
 * a delivery's lease (dispatcher.ts) must outlast the lookup and the request together.
 */
export const LOOKUP_TIMEOUT_MS = 10_000;

/** Where to connect for a URL: the address checked, with its family. */
export interface ResolvedTarget {
  url: URL;
  address: string;
  family: 4 | 6;
}

/** Why a URL may not be used now; the message reads after "url: ". */
export class TargetRefusedError extends Error {
  override name = 'TargetRefusedError';
}

/** The host of `url` as an address literal, without IPv6 brackets, or undefined for a name. */
function literalHost(url: URL): string | undefined {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return net.isIP(host) ? host : undefined;
}

/**
 * Resolve `url`'s host and check every address it resolves to (one bad address refuses the
 * whole name: the resolver could hand out any of them). Throws TargetRefusedError.
 */
export async function resolveTarget(
  url: URL,
  allowPrivate: boolean,
  timeoutMs = LOOKUP_TIMEOUT_MS,
): Promise<ResolvedTarget> {
  const literal = literalHost(url);
  let addresses: { address: string; family: number }[];
  if (literal) addresses = [{ address: literal, family: net.isIP(literal) }];
  else {
    let timer: NodeJS.Timeout | undefined;
    try {
      addresses = await Promise.race([
        dns.lookup(url.hostname, { all: true, verbatim: true }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(Object.assign(new Error('timeout'), { code: 'ETIMEOUT' })),
            timeoutMs,
          );
        }),
      ]);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'error';
      throw new TargetRefusedError(`the host ${url.hostname} does not resolve (${code})`);
    } finally {
      clearTimeout(timer);
    }
    if (addresses.length === 0)
      throw new TargetRefusedError(`the host ${url.hostname} does not resolve`);
  }
  if (!allowPrivate) {
    const bad = addresses.find((a) => isNonPublicAddress(a.address));
    if (bad)
      throw new TargetRefusedError(
        `${url.hostname} resolves to ${bad.address}, a private, loopback or link-local address; ` +
          'webhooks must point at public addresses (SALESOPS_WEBHOOK_ALLOW_PRIVATE=true allows them)',
      );
  }
  const first = addresses[0]!;
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}
