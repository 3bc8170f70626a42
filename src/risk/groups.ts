import { append } from '../audit/index.ts';
import type { Database, Queryable } from '../db/index.ts';
import { ConflictError, InvalidRequestError, NotFoundError } from '../errors/index.ts';

/** A sharing group and its members. */
export interface SharingGroup {
  id: string;
  name: string;
  members: string[];
  createdAt: string;
  createdBy: string;
}

const GROUP_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
const PARTY_ID = /^[A-Z]{2}:[A-Z0-9][A-Z0-9-]{0,31}$/;

/**
 * Register a sharing group (audited `risk.group-created`).
 * @throws InvalidRequestError (bad id or member), ConflictError (exists).
 */
export async function createGroup(db: Database, input: { id: string; name: string; members?: string[] }, actor: string): Promise<SharingGroup> {
  if (!GROUP_ID.test(input.id)) throw new InvalidRequestError({ detail: 'group id: letters, digits and . _ : - (1..64)', errors: [{ code: 'risk.group-id', message: 'invalid group id', path: '/id' }] });
  (input.members ?? []).forEach((m, i) => {
    if (!PARTY_ID.test(m)) throw new InvalidRequestError({ detail: `member ${i} is not a party id (CC:AGENCY)`, errors: [{ code: 'risk.party-id', message: 'not a party id', path: `/members/${i}` }] });
  });
  return db.transaction(async (tx) => {
    const exists = await tx.query('SELECT 1 FROM risk_sharing_groups WHERE id = $1', [input.id]);
    if (exists.rowCount) throw new ConflictError({ detail: `sharing group ${input.id} exists` });
    await tx.query('INSERT INTO risk_sharing_groups (id, name, created_by) VALUES ($1, $2, $3)', [input.id, input.name, actor]);
    for (const m of new Set(input.members ?? [])) await tx.query('INSERT INTO risk_sharing_group_members (group_id, party_id) VALUES ($1, $2)', [input.id, m]);
    await append(tx, { actor, action: 'risk.group-created', subject: input.id, details: { members: (input.members ?? []).length } });
    return (await readGroup(tx, input.id))!;
  });
}

/**
 * Add or remove one member (audited `risk.group-member-added` / `-removed`); idempotent.
 * @throws NotFoundError (no such group), InvalidRequestError (bad party id).
 */
export async function setGroupMember(db: Database, groupId: string, party: string, member: boolean, actor: string): Promise<SharingGroup> {
  if (!PARTY_ID.test(party)) throw new InvalidRequestError({ detail: 'not a party id (CC:AGENCY)', errors: [{ code: 'risk.party-id', message: 'not a party id', path: 'params/party' }] });
  return db.transaction(async (tx) => {
    const g = await tx.query('SELECT 1 FROM risk_sharing_groups WHERE id = $1 FOR UPDATE', [groupId]);
    if (!g.rowCount) throw new NotFoundError({ detail: `no sharing group ${groupId}` });
    const changed = member
      ? await tx.query('INSERT INTO risk_sharing_group_members (group_id, party_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [groupId, party])
      : await tx.query('DELETE FROM risk_sharing_group_members WHERE group_id = $1 AND party_id = $2', [groupId, party]);
    if (changed.rowCount) {
      await append(tx, { actor, action: member ? 'risk.group-member-added' : 'risk.group-member-removed', subject: groupId, details: { party } });
    }
    return (await readGroup(tx, groupId))!;
  });
}

async function readGroup(q: Queryable, id: string): Promise<SharingGroup | undefined> {
  return (await listGroups(q, id))[0];
}

/** Every sharing group (or one), with members. */
export async function listGroups(q: Queryable, id?: string): Promise<SharingGroup[]> {
  const r = await q.query<{ id: string; name: string; created_at: Date | string; created_by: string; members: string[] | null }>(
    `SELECT g.id, g.name, g.created_at, g.created_by,
            (SELECT array_agg(m.party_id ORDER BY m.party_id) FROM risk_sharing_group_members m WHERE m.group_id = g.id) AS members
     FROM risk_sharing_groups g WHERE ($1::text IS NULL OR g.id = $1) ORDER BY g.id`, [id ?? null]);
  return r.rows.map((g) => ({ id: g.id, name: g.name, members: g.members ?? [], createdAt: new Date(g.created_at).toISOString(), createdBy: g.created_by }));
}
