import { Provide, Scope, ScopeEnum, Inject } from '@midwayjs/core';
import { In, IsNull, type EntityManager } from 'typeorm';
import type { z } from 'zod';
import type { orgSummary, orgDetail, regionView, routingView, successionView, OrgKind, SuccessionKind } from '@lfxj/contracts';
import { Region, RegionName, Organisation, OrgName, OrgSuccession, RegionRouting } from './entities';
import { AppError } from '../../common/app-error';
import { Clock, shanghaiDate } from '../../common/clock';
import { Db } from '../../common/db';
import { addDays, validOn } from '../../common/days';

type OrgSummary = z.infer<typeof orgSummary>;
type OrgDetail = z.infer<typeof orgDetail>;
type RegionView = z.infer<typeof regionView>;
type RoutingView = z.infer<typeof routingView>;
type SuccessionView = z.infer<typeof successionView>;

/**
 * How long an instance trusts what it read about successions and the regions of a city. Both only
 * ever grow (a succession is never deleted, a region never moves), so a stale copy can only show
 * less than the truth, never more: another instance sees a merger at most this long after it is
 * recorded; the instance that records it forgets its copy when the transaction commits.
 */
const DIRECTORY_CACHE_MS = 10_000;

const nameView = (n: OrgName | RegionName) => ({
  name: n.name, shortName: 'shortName' in n ? n.shortName : null, validFrom: n.validFrom, validTo: n.validTo,
});

/**
 * The directory: regions and organisations with dated names, institutional successions and
 * the routing table. Organisation scoping (which organisations' records a user may see)
 * also lives here, in `scopeOrgIds`.
 */
@Provide()
@Scope(ScopeEnum.Singleton)
export class DirectoryService {
  @Inject() private clock: Clock;
  @Inject() private db: Db;
  private readonly names = new Map<number, { list: OrgName[]; until: number }>();
  private readonly scopes = new Map<number, { ids: number[]; until: number }>();
  private readonly cities = new Map<number, { ids: number[]; until: number }>();
  /** An organisation's kind and region never change once created (there is no API for it). */
  private readonly orgHome = new Map<number, { kind: OrgKind; regionId: number }>();

  today(): string {
    return shanghaiDate(this.clock.now());
  }

  private async namesByOrg(em: EntityManager, orgIds: number[]): Promise<Map<number, OrgName[]>> {
    const map = new Map<number, OrgName[]>(orgIds.map((id) => [id, []]));
    if (orgIds.length) for (const n of await em.find(OrgName, { where: { orgId: In(orgIds) } })) map.get(n.orgId)?.push(n);
    return map;
  }

  async currentOrgName(em: EntityManager, orgId: number): Promise<string> {
    return (await this.orgNames(em, [orgId])).get(orgId) ?? '';
  }

  /** Summaries of many organisations with their names on `day`, in two queries. */
  async orgSummaries(em: EntityManager, orgs: Organisation[], day = this.today()): Promise<OrgSummary[]> {
    const names = await this.namesByOrg(em, orgs.map((o) => o.id));
    const today = this.today();
    return orgs.map((o) => {
      const list = names.get(o.id) ?? [];
      return {
        id: o.id, code: o.code, kind: o.kind, regionId: o.regionId, parentId: o.parentId, domain: o.domain, status: o.status,
        name: validOn(list, day)?.name ?? '', currentName: validOn(list, today)?.name ?? '',
      };
    });
  }

  /**
   * Today's names of many organisations; the dated names of those this instance has not read in
   * the last few seconds come in one query. "Today's" is worked out on every call, so a rename
   * dated tomorrow shows tomorrow without any write. A rename, a new organisation or a
   * succession forgets the copies here at once; other instances within DIRECTORY_CACHE_MS.
   */
  async orgNames(em: EntityManager, orgIds: number[]): Promise<Map<number, string>> {
    const now = Date.now();
    const missing = [...new Set(orgIds)].filter((id) => !((this.names.get(id)?.until ?? 0) > now));
    if (missing.length) {
      for (const [id, list] of await this.namesByOrg(em, missing)) this.names.set(id, { list, until: now + DIRECTORY_CACHE_MS });
    }
    const today = this.today();
    return new Map(orgIds.map((id) => [id, validOn(this.names.get(id)?.list ?? [], today)?.name ?? '']));
  }

  /** Forget cached names (at once, and when the transaction that changed them commits). */
  private namesChanged(em: EntityManager): void {
    this.names.clear();
    this.db.afterCommit(em, () => this.names.clear());
  }

  async getOrg(em: EntityManager, id: number, field = 'id', label = '单位'): Promise<Organisation> {
    const org = await em.findOne(Organisation, { where: { id } });
    if (!org) throw AppError.field(field, label, `不存在（编号 ${id}）`, 'NOT_FOUND');
    return org;
  }

  async searchOrganisations(em: EntityManager, q: {
    page: number; pageSize: number; at?: string; q?: string; kind?: OrgKind; regionId?: number; domain?: string; includeAbolished?: string;
  }) {
    const qb = em.createQueryBuilder(Organisation, 'o');
    // Any name the organisation ever had matches: old records and old habits still find it.
    if (q.q) qb.andWhere("o.id IN (SELECT n.org_id FROM org_name n WHERE n.name LIKE :q ESCAPE '!' OR n.short_name LIKE :q ESCAPE '!')", { q: `%${escapeLike(q.q)}%` });
    if (q.kind) qb.andWhere('o.kind = :kind', { kind: q.kind });
    if (q.regionId) qb.andWhere('o.region_id = :regionId', { regionId: q.regionId });
    if (q.domain) qb.andWhere('o.domain = :domain', { domain: q.domain });
    if (q.includeAbolished !== 'true') qb.andWhere("o.status = 'active'");
    const [rows, total] = await qb.orderBy('o.region_id').addOrderBy('o.kind').addOrderBy('o.id')
      .skip((q.page - 1) * q.pageSize).take(q.pageSize).getManyAndCount();
    return { items: await this.orgSummaries(em, rows, q.at ?? this.today()), total, page: q.page, pageSize: q.pageSize };
  }

  async orgDetail(em: EntityManager, id: number, day = this.today()): Promise<OrgDetail> {
    const org = await this.getOrg(em, id);
    const [summary] = await this.orgSummaries(em, [org], day);
    const names = (await this.namesByOrg(em, [id])).get(id) ?? [];
    const links = await em.find(OrgSuccession, { where: [{ predecessorId: id }, { successorId: id }], order: { effectiveOn: 'ASC' } });
    const views = await this.successionViews(em, links);
    const current = await this.currentSuccessorIds(em, id);
    const currentOrgs = current.length ? await em.find(Organisation, { where: { id: In(current) } }) : [];
    return {
      ...summary,
      names: names.sort((a, b) => (a.validFrom ?? '').localeCompare(b.validFrom ?? '')).map(nameView),
      predecessors: views.filter((v) => v.successorId === id),
      successors: views.filter((v) => v.predecessorId === id),
      currentSuccessors: await this.orgSummaries(em, currentOrgs),
    };
  }

  private async successionViews(em: EntityManager, links: OrgSuccession[]): Promise<SuccessionView[]> {
    const names = await this.orgNames(em, [...new Set(links.flatMap((l) => [l.predecessorId, l.successorId]))]);
    return links.map((l) => ({
      id: l.id, kind: l.kind, date: l.effectiveOn, note: l.note,
      predecessorId: l.predecessorId, predecessorName: names.get(l.predecessorId) ?? '',
      successorId: l.successorId, successorName: names.get(l.successorId) ?? '',
    }));
  }

  /**
   * Organisation scoping: an organisation sees its own records and those of every
   * organisation it succeeded (transitively), so a merge loses nothing.
   */
  async scopeOrgIds(em: EntityManager, orgId: number): Promise<number[]> {
    const hit = this.scopes.get(orgId);
    if (hit && hit.until > Date.now()) return hit.ids;
    const ids = await this.walk(em, orgId, 'successor_id', 'predecessor_id');
    this.scopes.set(orgId, { ids, until: Date.now() + DIRECTORY_CACHE_MS });
    return ids;
  }

  /**
   * A city-level procuratorate (人民检察院 of a 市本级 region) sees every case of its city: the
   * city region and the regions under it. Empty for every other organisation.
   */
  async cityRegionIds(em: EntityManager, orgId: number): Promise<number[]> {
    let home = this.orgHome.get(orgId);
    if (!home) {
      const org = await em.findOne(Organisation, { where: { id: orgId }, select: { id: true, kind: true, regionId: true } });
      if (!org) return [];
      home = { kind: org.kind, regionId: org.regionId };
      this.orgHome.set(orgId, home);
    }
    if (home.kind !== '人民检察院') return [];
    const hit = this.cities.get(home.regionId);
    if (hit && hit.until > Date.now()) return hit.ids;
    const regions = await em.createQueryBuilder(Region, 'r').select(['r.id', 'r.kind', 'r.parentId'])
      .where('r.id = :id OR r.parent_id = :id', { id: home.regionId }).getMany();
    const ids = regions.find((r) => r.id === home.regionId)?.kind === '市本级'
      ? [home.regionId, ...regions.filter((r) => r.id !== home.regionId).map((r) => r.id)] : [];
    this.cities.set(home.regionId, { ids, until: Date.now() + DIRECTORY_CACHE_MS });
    return ids;
  }

  /** Where an abolished organisation's work went: successors that still exist. */
  async currentSuccessorIds(em: EntityManager, orgId: number): Promise<number[]> {
    const reachable = (await this.walk(em, orgId, 'predecessor_id', 'successor_id')).filter((id) => id !== orgId);
    if (!reachable.length) return [];
    return (await em.find(Organisation, { where: { id: In(reachable), status: 'active' } })).map((o) => o.id);
  }

  private async walk(em: EntityManager, start: number, from: 'successor_id' | 'predecessor_id', to: 'successor_id' | 'predecessor_id'): Promise<number[]> {
    const seen = new Set([start]);
    let frontier = [start];
    while (frontier.length) {
      const rows: Array<Record<string, number>> = await em.createQueryBuilder(OrgSuccession, 's')
        .select(`s.${to}`, 'id').where(`s.${from} IN (:...ids)`, { ids: frontier }).getRawMany();
      frontier = rows.map((r) => Number(r.id)).filter((id) => !seen.has(id));
      frontier.forEach((id) => seen.add(id));
    }
    return [...seen];
  }

  async createOrganisation(em: EntityManager, input: {
    code: string; kind: OrgKind; regionId: number; parentId?: number; domain?: string; name: string; shortName?: string; validFrom?: string;
  }): Promise<Organisation> {
    if (await em.findOne(Organisation, { where: { code: input.code } })) throw AppError.field('code', '单位编码', '已被使用', 'CONFLICT');
    await this.getRegion(em, input.regionId, 'regionId');
    if (input.parentId) await this.getOrg(em, input.parentId, 'parentId', '上级单位');
    if (input.kind === '行政执法机关' && !input.domain) throw AppError.field('domain', '执法领域', '行政执法机关必须填写');
    const org = em.create(Organisation, {
      code: input.code, kind: input.kind, regionId: input.regionId, parentId: input.parentId ?? null,
      domain: (input.domain ?? null) as Organisation['domain'], status: 'active',
    });
    await em.save(org);
    await em.insert(OrgName, { orgId: org.id, name: input.name, shortName: input.shortName ?? null, validFrom: input.validFrom ?? null, validTo: null });
    this.namesChanged(em);
    return org;
  }

  /** A rename closes the current name the day before and keeps it in the history. */
  async renameOrganisation(em: EntityManager, id: number, name: string, shortName: string | undefined, validFrom: string): Promise<void> {
    await this.getOrg(em, id);
    await this.addDatedName(em, OrgName, { orgId: id }, { orgId: id, name, shortName: shortName ?? null }, validFrom);
    this.namesChanged(em);
  }

  async renameRegion(em: EntityManager, id: number, name: string, validFrom: string): Promise<void> {
    await this.getRegion(em, id, 'id');
    await this.addDatedName(em, RegionName, { regionId: id }, { regionId: id, name }, validFrom);
  }

  private async addDatedName<E extends OrgName | RegionName>(
    em: EntityManager, entity: new () => E, owner: Partial<E>, row: Partial<E>, validFrom: string,
  ): Promise<void> {
    const names = await em.find(entity, { where: owner as never });
    const open = names.find((n) => n.validTo === null);
    if (open && open.validFrom !== null && open.validFrom >= validFrom) {
      throw AppError.field('validFrom', '启用日期', `须晚于现用名称的启用日期 ${open.validFrom}`);
    }
    if (open) await em.update(entity, { id: open.id } as never, { validTo: addDays(validFrom, -1) } as never);
    await em.insert(entity, { ...row, validFrom, validTo: null } as never);
  }

  async getRegion(em: EntityManager, id: number, field: string): Promise<Region> {
    const region = await em.findOne(Region, { where: { id } });
    if (!region) throw AppError.field(field, '行政区划', `不存在（编号 ${id}）`, 'NOT_FOUND');
    return region;
  }

  async regions(em: EntityManager, day = this.today(), ids?: number[]): Promise<RegionView[]> {
    const regions = await em.find(Region, { where: ids ? { id: In(ids) } : {}, order: { id: 'ASC' } });
    const names = regions.length ? await em.find(RegionName, { where: { regionId: In(regions.map((r) => r.id)) } }) : [];
    const today = this.today();
    return regions.map((r) => {
      const list = names.filter((n) => n.regionId === r.id).sort((a, b) => (a.validFrom ?? '').localeCompare(b.validFrom ?? ''));
      return {
        id: r.id, code: r.code, kind: r.kind, parentId: r.parentId,
        name: validOn(list, day)?.name ?? '', currentName: validOn(list, today)?.name ?? '', names: list.map(nameView),
      };
    });
  }

  /**
   * 合并: every predecessor ends and is succeeded by the successor. 分立: the predecessor ends
   * and each successor takes part of its work. 划转: functions move, the predecessor remains.
   */
  async recordSuccession(em: EntityManager, input: {
    kind: SuccessionKind; predecessorIds: number[]; successorIds: number[]; date: string; note?: string;
  }): Promise<SuccessionView[]> {
    const { kind, predecessorIds, successorIds, date } = input;
    if (kind === '合并' && successorIds.length !== 1) throw AppError.field('successorIds', '承继单位', '合并时只能有一个承继单位');
    if (kind === '分立' && (predecessorIds.length !== 1 || successorIds.length < 2)) {
      throw AppError.field('successorIds', '承继单位', '分立须为一个前身单位、至少两个承继单位');
    }
    if (predecessorIds.some((p) => successorIds.includes(p))) throw AppError.field('successorIds', '承继单位', '不能同时是前身单位');
    for (const id of predecessorIds) await this.getOrg(em, id, 'predecessorIds', '前身单位');
    for (const id of successorIds) {
      await this.getOrg(em, id, 'successorIds', '承继单位');
      // A cycle would make an organisation its own predecessor.
      const descendants = await this.walk(em, id, 'predecessor_id', 'successor_id');
      if (predecessorIds.some((p) => descendants.includes(p))) throw AppError.field('successorIds', '承继单位', '会形成循环承继关系');
    }
    const links: OrgSuccession[] = [];
    for (const predecessorId of predecessorIds) {
      for (const successorId of successorIds) {
        if (await em.findOne(OrgSuccession, { where: { predecessorId, successorId } })) {
          throw AppError.field('successorIds', '承继单位', '该承继关系已存在', 'CONFLICT');
        }
        links.push(await em.save(em.create(OrgSuccession, { kind, predecessorId, successorId, effectiveOn: date, note: input.note ?? null })));
        // Whoever succeeded the successor now sees more too: forget every cached scope, at once and
        // again once this commits (a request in between may have read the old links).
        this.scopes.clear();
        this.db.afterCommit(em, () => this.scopes.clear());
      }
      if (kind !== '划转') {
        await em.update(Organisation, { id: predecessorId }, { status: 'abolished' });
        const open = await em.findOne(OrgName, { where: { orgId: predecessorId, validTo: IsNull() } });
        if (open) await em.update(OrgName, { id: open.id }, { validTo: addDays(date, -1) });
        this.namesChanged(em);
      }
    }
    return this.successionViews(em, links);
  }

  async routingTable(em: EntityManager, regionIds?: number[]): Promise<RoutingView[]> {
    const routes = await em.find(RegionRouting, { where: regionIds ? { regionId: In(regionIds) } : {}, order: { regionId: 'ASC' } });
    const orgIds = [...new Set(routes.flatMap((r) => [r.policeOrgId, r.procuratorateOrgId, r.supervisoryOrgId]).filter((x): x is number => x !== null))];
    const orgs = orgIds.length ? await em.find(Organisation, { where: { id: In(orgIds) } }) : [];
    const summaries = new Map((await this.orgSummaries(em, orgs)).map((s) => [s.id, s]));
    const regions = new Map((await this.regions(em, undefined, routes.map((r) => r.regionId))).map((r) => [r.id, r]));
    return routes.map((r) => ({
      regionId: r.regionId, regionName: regions.get(r.regionId)?.currentName ?? '',
      police: summaries.get(r.policeOrgId) ?? null, procuratorate: summaries.get(r.procuratorateOrgId) ?? null,
      supervisory: r.supervisoryOrgId ? summaries.get(r.supervisoryOrgId) ?? null : null,
      note: r.note, updatedAt: r.updatedAt.toISOString(),
    }));
  }

  /** The police body, filing procuratorate and supervisory commission "of the same level" for an organisation. */
  async resolveRouting(em: EntityManager, orgId: number): Promise<RoutingView> {
    const org = await this.getOrg(em, orgId, 'orgId');
    const [route] = await this.routingTable(em, [org.regionId]);
    if (!route) throw new AppError('NOT_FOUND', '该单位所在区域尚未配置衔接路由，请联系平台管理员', { regionId: org.regionId });
    return route;
  }

  /**
   * The routing row of an organisation's region, ids only, in one query (the routing table can
   * change at any time, so it is never cached); the workflow needs no names.
   */
  async routeOf(em: EntityManager, orgId: number): Promise<RegionRouting> {
    const route = await em.createQueryBuilder(RegionRouting, 'rr').innerJoin(Organisation, 'o', 'o.region_id = rr.region_id')
      .where('o.id = :orgId', { orgId }).getOne();
    if (!route) throw new AppError('NOT_FOUND', '该单位所在区域尚未配置衔接路由，请联系平台管理员', { orgId });
    return route;
  }

  async setRouting(em: EntityManager, regionId: number, input: { policeOrgId: number; procuratorateOrgId: number; supervisoryOrgId?: number; note?: string }): Promise<void> {
    await this.getRegion(em, regionId, 'id');
    const expect = async (id: number, field: string, label: string, kind: OrgKind) => {
      const org = await this.getOrg(em, id, field, label);
      if (org.kind !== kind) throw AppError.field(field, label, `必须是${kind}`);
      if (org.status !== 'active') throw AppError.field(field, label, '已撤销，不能作为路由目标');
    };
    await expect(input.policeOrgId, 'policeOrgId', '公安机关', '公安机关');
    await expect(input.procuratorateOrgId, 'procuratorateOrgId', '备案检察院', '人民检察院');
    if (input.supervisoryOrgId) await expect(input.supervisoryOrgId, 'supervisoryOrgId', '监察机关', '监察机关');
    await em.save(em.create(RegionRouting, {
      regionId, policeOrgId: input.policeOrgId, procuratorateOrgId: input.procuratorateOrgId,
      supervisoryOrgId: input.supervisoryOrgId ?? null, note: input.note ?? null,
    }));
  }
}

/** Escape LIKE wildcards; '!' is the escape character because both databases accept it. */
export function escapeLike(s: string): string {
  return s.replace(/[!%_]/g, (c) => `!${c}`);
}
