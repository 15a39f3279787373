/**
 * `moisson services add|list|show|remove`, `moisson keys add|list|revoke` and `moisson usage`: the proxied
 * services, their access keys and their usage statistics (issue 6 §1, §5).
 */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { HubError } from '../errors.ts';
import type { HubOps } from '../admin/ops.ts';
import { redactService } from '../proxy/services-def.ts';
import type { AccessKey, ServiceDef, UsageRow } from '../store/services.ts';
import { table } from './output.ts';

type WithOps = (fn: (ops: HubOps) => Promise<void>) => Promise<void>;
type Print = (s: string) => void;

const PROTOCOLS = ['wms', 'wfs', 'wmts', 'tms', 'xyz', 'atom-download'];

/** Numbers from the command line; anything else is kept as text so that the schema names the option's field. */
const number = (v: string): number | string => (/^\d+(\.\d+)?$/.test(v) ? Number(v) : v);
const collect = (v: string, acc: string[] = []): string[] => [...acc, v];

export function servicesTable(services: ServiceDef[]): string {
  return table(
    ['id', 'protocol', 'enabled', 'access', 'tile cache', 'url'],
    services.map((s) => [s.id, s.protocol, s.enabled ? 'yes' : 'no', s.access,
      s.cache.tiles ? `${Math.round(s.cache.maxAgeSeconds / 3600)} h${s.cache.seeding ? ', seeding' : ''}` : 'no', s.url]),
  );
}

export function keysTable(keys: AccessKey[]): string {
  return table(
    ['id', 'name', 'services', 'created', 'revoked'],
    keys.map((k) => [k.id, k.name, k.services ? k.services.join(',') : '(all restricted)', k.createdAt.slice(0, 19).replace('T', ' '),
      k.revokedAt ? k.revokedAt.slice(0, 19).replace('T', ' ') : '']),
  );
}

export function usageTable(rows: UsageRow[]): string {
  return table(
    ['day', 'service', 'layer', 'key', 'status', 'requests', 'bytes'],
    rows.map((r) => [r.day, r.service, r.layer, r.key, String(r.status), String(r.requests), String(r.bytes)]),
  );
}

interface AddOptions {
  protocol?: string; url?: string; title?: string; restricted?: boolean; disabled?: boolean; layer?: string[];
  attribution?: string; attributionUrl?: string; concurrency?: number | string; rate?: number | string;
  userAgent?: string; maxAge?: number | string; from?: string;
}

/** `--layer standard={z}/{x}/{y}.png` → a tile layer. */
function layerOption(text: string): { id: string; template: string } {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new HubError('invalid_parameter', `--layer takes <id>=<template>, e.g. standard={z}/{x}/{y}.png; got "${text}".`, { locator: 'layer' });
  return { id: text.slice(0, eq), template: text.slice(eq + 1) };
}

function readDefinition(file: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new HubError('invalid_parameter', `--from ${file}: ${(err as Error).message}`, { locator: 'from' });
  }
}

/** The definition the options describe: a JSON file (--from) with the other options on top of it. */
export function definitionFromOptions(id: string, o: AddOptions): Record<string, unknown> {
  const def: Record<string, unknown> = o.from ? { ...readDefinition(o.from), id } : { id };
  if (o.protocol) def.protocol = o.protocol;
  if (o.url) def.url = o.url;
  if (!def.protocol || !def.url) throw new HubError('missing_parameter', 'Give --protocol and --url (or a --from file that has them).', { locator: def.protocol ? 'url' : 'protocol' });
  if (o.title) def.title = o.title;
  if (o.restricted) def.access = 'restricted';
  if (o.disabled) def.enabled = false;
  if (o.layer?.length) def.layers = o.layer.map(layerOption);
  if (o.attribution) def.attribution = { title: o.attribution, ...(o.attributionUrl ? { url: o.attributionUrl } : {}) };
  const politeness = { ...(def.politeness as object | undefined) } as Record<string, unknown>;
  if (o.concurrency !== undefined) politeness.concurrency = o.concurrency;
  if (o.rate !== undefined) politeness.rate = o.rate;
  if (o.userAgent) politeness.userAgent = o.userAgent;
  if (Object.keys(politeness).length) def.politeness = politeness;
  if (o.maxAge !== undefined) def.cache = { ...(def.cache as object | undefined), maxAgeSeconds: o.maxAge };
  return def;
}

function addCommand(services: Command, withOps: WithOps, out: Print): void {
  services.command('add <id>').description('add or replace a proxied service')
    .addOption(new Option('--protocol <protocol>', 'upstream protocol').choices(PROTOCOLS))
    .option('--url <url>', 'upstream URL (tms/xyz: the base URL the layer templates are relative to)')
    .option('--title <title>', 'human-readable title')
    .option('--restricted', 'clients need an access key (moisson keys add)')
    .option('--disabled', 'register the service without enabling it')
    .option('--layer <id=template>', 'tms/xyz layer, e.g. standard={z}/{x}/{y}.png (repeatable)', collect)
    .option('--attribution <text>', 'attribution shown with the data')
    .option('--attribution-url <url>', 'link of the attribution')
    .option('--concurrency <n>', 'simultaneous upstream requests', number)
    .option('--rate <n>', 'upstream requests per second at most', number)
    .option('--user-agent <ua>', 'User-Agent sent upstream')
    .option('--max-age <seconds>', 'how long cached tiles stay fresh', number)
    .option('--from <file.json>', 'read the definition from a JSON file (the other options override it)')
    .action((id: string, o: AddOptions) =>
      withOps(async (ops) => {
        const { status, service } = await ops.addService(definitionFromOptions(id, o));
        out(`Service "${service.id}" ${status} (${service.protocol}, ${service.url}, ${service.access}${service.enabled ? '' : ', disabled'}).`);
      }));
}

export function servicesCommands(program: Command, withOps: WithOps, out: Print): void {
  const services = program.command('services').description('manage proxied services (/ows, /tiles, /download)');
  addCommand(services, withOps, out);
  services.command('list').description('list proxied services').action(() => withOps(async (ops) => out(servicesTable(await ops.listServices()))));
  services.command('show <id>').description('show a service and its usage of the last 30 days').action((id: string) =>
    withOps(async (ops) => {
      const { service, usage } = await ops.showService(id);
      // Through the admin API the definition comes redacted already; on the store directly it does not.
      out(JSON.stringify(redactService(service), null, 2));
      out(usage.length ? `\n${usageTable(usage)}` : '\nNo usage in the last 30 days.');
    }));
  services.command('remove <id>').description('remove a service (its usage statistics are kept)').action((id: string) =>
    withOps(async (ops) => {
      await ops.removeService(id);
      out(`Service "${id}" removed.`);
    }));
}

export function keysCommands(program: Command, withOps: WithOps, out: Print): void {
  const keys = program.command('keys').description('manage access keys of restricted services');
  keys.command('add <name>').description('create a key; its secret is printed once')
    .option('--service <id>', 'a service the key opens (repeatable; default: every restricted service)', collect)
    .action((name: string, o: { service?: string[] }) =>
      withOps(async (ops) => {
        const { key, secret } = await ops.addKey({ name, services: o.service?.length ? o.service : null });
        out(`Key ${key.id} created for "${key.name}" (${key.services ? key.services.join(', ') : 'every restricted service'}).`);
        out(`Secret (shown only now, store it safely): ${secret}`);
        out('Clients send it as the header "X-Moisson-Key: <secret>", the query parameter key=<secret>, or as the HTTP Basic password.');
      }));
  keys.command('list').description('list keys (never their secrets)').action(() => withOps(async (ops) => out(keysTable(await ops.listKeys()))));
  keys.command('revoke <id>').description('revoke a key (kept for the statistics)').action((id: string) =>
    withOps(async (ops) => {
      await ops.revokeKey(id);
      out(`Key ${id} revoked.`);
    }));
}

export function usageCommand(program: Command, withOps: WithOps, out: Print): void {
  program.command('usage').description('usage of the proxied services per day, service, layer, key and status')
    .option('--service <id>', 'only this service')
    .option('--since <YYYY-MM-DD>', 'from this day on')
    .action((o: { service?: string; since?: string }) =>
      withOps(async (ops) => out(usageTable(await ops.usage({ service: o.service, since: o.since })))));
}
