import { ProviderError } from '../kit/errors.js';
import { sameAddressSet } from '../kit/ip.js';
import { presentTxt } from '../kit/txt.js';
import { asError, finishBatch, wantedAddresses } from '../kit/records.js';
import type { CurrentRecord, ItemResult, RecordRef, RecordType, WriteItem } from '../kit/types.js';
import { packChangeGroups, type Change } from './change-batch.js';
import { ChangeBatchError, isCasMessage, rrsetNamedIn } from './errors.js';
import type { HostedZoneAccess, ReadResult } from './read-many.js';

export interface WriteOptions {
  readMany(refs: RecordRef[]): Promise<ReadResult[]>;
  /** `wait: true`: poll GetChange until INSYNC, every intervalMs, at most timeoutMs. */
  wait?: { intervalMs: number; timeoutMs: number };
}

interface Planned {
  at: number;
  ref: RecordRef;
  name: string;
  values: string[];
  ttl: number;
  changes: Change[];
}

/**
 * Every record's [DELETE old, CREATE new] (a compare-and-set), packed into as few all-or-nothing
 * ChangeResourceRecordSets requests as Route 53's quotas allow, sent one after another.
 */
export function createWriteMany(zone: HostedZoneAccess, opts: WriteOptions): (items: WriteItem[]) => Promise<ItemResult[]> {
  const { api, hostedZoneId, checkName } = zone;
  /** readMany for the write path: a failed listing is per-ref errors, never thrown. */
  const readManyQuiet = (refs: RecordRef[]) => opts.readMany(refs).catch((e: unknown) => refs.map(() => asError(e)));

  const waitInSync = async (changeId: string, { intervalMs, timeoutMs }: { intervalMs: number; timeoutMs: number }): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await new Promise((r) => setTimeout(r, intervalMs));
      try {
        if ((await api.getChange(changeId)).status === 'INSYNC') return;
      } catch (e) {
        // Polling, not retrying: a throttled or failed poll just waits for the next one.
        if (!(e instanceof ProviderError && (e.kind === 'transient' || e.kind === 'rate-limited'))) throw e;
      }
      if (Date.now() + intervalMs > deadline) {
        throw new ProviderError('fatal', `Route 53 accepted change ${changeId} but it was not INSYNC after ${Math.round(timeoutMs / 1000)} s (wait: true); it will still apply`);
      }
    }
  };

  return async (items) => {
    const results: ItemResult[] = items.map(() => ({ ok: true }));
    const fail = (at: number, error: unknown) => (results[at] = { ok: false, error });
    const checked: { at: number; ref: RecordRef; name: string; values: string[]; ttl: number; previous: CurrentRecord | null }[] = [];
    items.forEach(({ ref, req }, at) => {
      try {
        const name = checkName(ref);
        const values = wantedAddresses(ref.type, req.values);
        if (values.length === 0) throw new ProviderError('fatal', `refusing to write an empty ${ref.type} rrset for ${name}`);
        checked.push({ at, ref, name, values, ttl: req.ttl, previous: req.previous });
      } catch (e) {
        fail(at, e);
      }
    });

    // A DELETE must repeat the TTL exactly: learn it where the caller did not have it (one listing for
    // all), and make sure the values are still the ones the caller read.
    const noTtl = checked.filter((c) => c.previous && c.previous.ttl === undefined);
    if (noTtl.length) {
      const now = await readManyQuiet(noTtl.map((c) => c.ref));
      noTtl.forEach((c, i) => {
        const r = now[i]!;
        if (r instanceof Error) fail(c.at, r);
        else if (!r || !sameAddressSet(r.values, c.previous!.values)) fail(c.at, conflict(c.name, c.ref.type));
        else c.previous = r;
      });
    }

    const planned: Planned[] = [];
    for (const c of checked) {
      if (!results[c.at]!.ok) continue;
      const { previous, name, values, ttl } = c;
      if (previous && sameAddressSet(previous.values, values) && previous.ttl === ttl) continue;
      // Route 53 takes TXT values in presentation form, each a quoted character-string.
      const wire = (vs: string[]) => (c.ref.type === 'TXT' ? vs.map(presentTxt) : vs);
      const wanted: Change = { action: 'CREATE', name, type: c.ref.type, ttl, values: wire(values) };
      planned.push({ ...c, changes: previous ? [{ action: 'DELETE', name, type: c.ref.type, ttl: previous.ttl!, values: wire(previous.values) }, wanted] : [wanted] });
    }
    if (planned.length === 0) return finishBatch(results);

    let zid: string;
    try {
      zid = await hostedZoneId();
    } catch (e) {
      for (const p of planned) fail(p.at, e);
      return finishBatch(results);
    }

    const lostCas: Planned[] = [];
    const changeIds: { id: string; batch: Planned[] }[] = [];
    /**
     * One all-or-nothing request. When Route 53 refuses it for some rrsets, it names them: those get
     * their own error (a lost compare-and-set is checked again below) and the rest is sent again, each
     * round dropping at least one. A refusal that names none fails every record of the batch, except a
     * compare-and-set one, which falls back to one request per record to find the culprit.
     */
    const send = async (batch: Planned[]): Promise<void> => {
      let pending = batch;
      while (pending.length > 0) {
        try {
          const info = await api.changeRrsets(zid, pending.flatMap((p) => p.changes));
          if (opts.wait && info.status !== 'INSYNC') changeIds.push({ id: info.id, batch: pending });
          return;
        } catch (e) {
          if (!(e instanceof ChangeBatchError)) {
            for (const p of pending) fail(p.at, e);
            return;
          }
          const named = new Map<string, string>();
          for (const m of e.messages) {
            const key = rrsetNamedIn(m);
            if (key) named.set(key, m);
          }
          const bad = pending.filter((p) => named.has(`${p.name}/${p.ref.type}`));
          if (bad.length === 0) {
            if (e.kind === 'conflict' && pending.length > 1) {
              for (const p of pending) await send([p]);
            } else if (e.kind === 'conflict') {
              lostCas.push(...pending);
            } else {
              for (const p of pending) fail(p.at, e);
            }
            return;
          }
          for (const p of bad) {
            const message = named.get(`${p.name}/${p.ref.type}`)!;
            if (isCasMessage(message)) lostCas.push(p);
            else fail(p.at, new ProviderError('fatal', `Route 53 POST /hostedzone/…/rrset/: HTTP 400 InvalidChangeBatch: ${message.slice(0, 400)}`, { code: 'InvalidChangeBatch' }));
          }
          pending = pending.filter((p) => !bad.includes(p));
        }
      }
    };
    // One zone, so one request at a time (Route 53 answers PriorRequestNotComplete to overlapping ones).
    for (const group of packChangeGroups(planned.map((p) => p.changes))) await send(group.map((i) => planned[i]!));

    if (lostCas.length) {
      // Lost the compare-and-set. If the rrset already is what we want (an earlier attempt whose answer
      // was lost, or someone made the same change), the write is done; otherwise leave it to the next run.
      const now = await readManyQuiet(lostCas.map((p) => p.ref));
      lostCas.forEach((p, i) => {
        const r = now[i]!;
        if (r instanceof Error) fail(p.at, r);
        else if (!r || !sameAddressSet(r.values, p.values) || r.ttl !== p.ttl) fail(p.at, conflict(p.name, p.ref.type));
      });
    }
    for (const { id, batch } of changeIds) {
      try {
        await waitInSync(id, opts.wait!);
      } catch (e) {
        for (const p of batch) fail(p.at, e);
      }
    }
    return finishBatch(results);
  };
}

function conflict(name: string, type: RecordType): ProviderError {
  return new ProviderError('conflict', `${name} ${type} changed in Route 53 since it was read; not overwriting (the next run re-reads it)`);
}
