import { Provide, Scope, ScopeEnum, Inject } from '@midwayjs/core';
import { In, type EntityManager, type SelectQueryBuilder, type ObjectLiteral } from 'typeorm';
import type { Party, Role } from '@lfxj/contracts';
import { CaseRecord, type Actor } from './entities';
import { Organisation } from '../directory/entities';
import { DirectoryService } from '../directory/directory.service';
import { AppError } from '../../common/app-error';
import type { AuthUser } from '../auth/auth.service';

export const ROLE_PARTY: Partial<Record<Role, Party>> = {
  agency_officer: 'agency', agency_head: 'agency', police_officer: 'police', police_head: 'police',
  procurator: 'procuratorate', supervisory_officer: 'supervisory',
};

export interface CaseViewer {
  /** The user's organisation and those it succeeded. */
  orgIds: number[];
  /** A city-level procuratorate sees every case of its city's regions. */
  cityRegionIds: number[];
}

/**
 * Case scoping in one place: a user sees a case when their organisation is a party to it
 * (the agency, the police body holding it, the filing procuratorate, a supervisory commission
 * that received a lead), and a city procuratorate sees its whole city.
 */
@Provide()
@Scope(ScopeEnum.Singleton)
export class CaseAccess {
  @Inject() private directory: DirectoryService;
  /**
   * The viewer of each request's user, computed once: the AuthUser object lives for one request
   * (or, if authentication ever caches it, as long as that cache, whose staleness it then shares).
   */
  private readonly viewers = new WeakMap<AuthUser, Promise<CaseViewer>>();

  viewer(em: EntityManager, user: AuthUser): Promise<CaseViewer> {
    let viewer = this.viewers.get(user);
    if (!viewer) {
      viewer = (async () => ({ orgIds: await this.directory.scopeOrgIds(em, user.orgId), cityRegionIds: await this.directory.cityRegionIds(em, user.orgId) }))();
      // A failed lookup is not remembered: the next call tries again.
      viewer.catch(() => this.viewers.delete(user));
      this.viewers.set(user, viewer);
    }
    return viewer;
  }

  /**
   * Restrict a query on case_record (alias `alias`) to what the viewer may see: one probe of the
   * case's scope rows (primary key case_id, at most four rows), or the city rule on the row.
   */
  restrict<T extends ObjectLiteral>(qb: SelectQueryBuilder<T>, viewer: CaseViewer, alias = 'c'): SelectQueryBuilder<T> {
    const { sql, params } = this.scopeCondition(viewer, alias);
    return qb.andWhere(sql, params);
  }

  /** The scope condition with named parameters, for query builders. */
  scopeCondition(viewer: CaseViewer, alias = 'c'): { sql: string; params: Record<string, unknown> } {
    const orgs = viewer.orgIds.length ? viewer.orgIds : [0];
    const parts = [`EXISTS (SELECT 1 FROM case_party_org scope_p WHERE scope_p.case_id = ${alias}.id AND scope_p.org_id IN (:...scopeOrgs))`];
    if (viewer.cityRegionIds.length) parts.push(`(${alias}.region_id IN (:...cityRegions) AND ${alias}.procuratorate_org_id IS NOT NULL)`);
    return { sql: `(${parts.join(' OR ')})`, params: { scopeOrgs: orgs, cityRegions: viewer.cityRegionIds.length ? viewer.cityRegionIds : [0] } };
  }

  /** The same rule as `restrict`, on a row already read (e.g. the case a step has just locked). */
  sees(viewer: CaseViewer, row: CaseRecord): boolean {
    return this.partyOrgIds(row).some((org) => viewer.orgIds.includes(org))
      || (viewer.cityRegionIds.includes(row.regionId) && row.procuratorateOrgId !== null);
  }

  /** The case if the user may see it; otherwise the same 404 as for a case that does not exist. */
  async visibleCase(em: EntityManager, user: AuthUser, caseId: number): Promise<CaseRecord> {
    const viewer = await this.viewer(em, user);
    const row = await this.restrict(em.createQueryBuilder(CaseRecord, 'c').where('c.id = :caseId', { caseId }), viewer).getOne();
    if (!row) throw new AppError('NOT_FOUND', `案件不存在或本单位不是该案当事方（编号 ${caseId}）`, { field: 'id' });
    return row;
  }

  /** The user as a timeline entry names them: their name and their organisation's name today. */
  async actor(em: EntityManager, user: AuthUser): Promise<Actor> {
    return { userId: user.id, name: user.displayName, orgId: user.orgId, orgName: await this.directory.currentOrgName(em, user.orgId) };
  }

  /** The organisation of the case that acts for a party. */
  partyOrg(c: CaseRecord, party: Party): number | null {
    return { agency: c.agencyOrgId, police: c.policeOrgId, procuratorate: c.procuratorateOrgId, supervisory: c.supervisoryOrgId }[party];
  }

  /** The parties (as organisations) of a case, for 通报. */
  partyOrgIds(c: CaseRecord): number[] {
    return [...new Set([c.agencyOrgId, c.policeOrgId, c.procuratorateOrgId, c.supervisoryOrgId].filter((x): x is number => x !== null))];
  }

  async orgKinds(em: EntityManager, ids: number[]): Promise<Map<number, Organisation>> {
    return new Map((ids.length ? await em.find(Organisation, { where: { id: In(ids) } }) : []).map((o) => [o.id, o]));
  }
}
