import { Provide, Scope, ScopeEnum, Inject, ILogger, Logger } from '@midwayjs/core';
import * as fs from 'fs';
import * as path from 'path';
import type { EntityManager } from 'typeorm';
import type { OrgKind, RegionKind, Role, SuccessionKind, OrganKind, RegCategory, RegStatus, EnforcementDomain } from '@lfxj/contracts';
import { Db } from '../common/db';
import { Region, RegionName, Organisation, OrgName, OrgSuccession, RegionRouting } from '../modules/directory/entities';
import { LegalOrgan, Regulation } from '../modules/regulations/entities';
import { User, UserRole } from '../modules/users/entities';
import { AuthService } from '../modules/auth/auth.service';
import { RegulationsService } from '../modules/regulations/regulations.service';

export const SEED_DIR = path.resolve(__dirname, '../../../sql/seed');

interface SeedName { name: string; short?: string | null; from: string | null; to: string | null }
interface DirectorySeed {
  regions: Array<{ code: string; kind: RegionKind; parent: string | null; names: SeedName[] }>;
  organisations: Array<{ code: string; kind: OrgKind; region: string; parent: string | null; domain: EnforcementDomain | null; names: SeedName[] }>;
  successions: Array<{ predecessor: string; successor: string; kind: SuccessionKind; date: string; note?: string | null }>;
  routing: Array<{ region: string; police: string; procuratorate: string; supervisory: string | null; note?: string | null }>;
}
interface RegulationSeed {
  code: string; title: string; category: RegCategory; issuers: string[]; docNumber: string | null; issuedOn: string | null;
  effectiveOn: string | null; repealedOn: string | null; status: RegStatus; domains: EnforcementDomain[]; summary: string | null;
  unverified?: boolean; note?: string | null;
}

/** Demo accounts for trying the platform; each gets a one-time temporary password printed at first start. */
const DEMO_ACCOUNTS: Array<{ username: string; displayName: string; org: string; roles: Role[] }> = [
  { username: 'sysadmin', displayName: '系统管理员', org: 'SZ-PT', roles: ['system_admin'] },
  { username: 'secadmin', displayName: '安全管理员', org: 'SZ-PT', roles: ['security_admin'] },
  { username: 'auditadmin', displayName: '审计管理员', org: 'SZ-PT', roles: ['audit_admin'] },
  { username: 'ft.scjg', displayName: '福田市场监管承办人', org: 'SZ-FT-SCJG', roles: ['agency_officer'] },
  { username: 'ft.scjg.head', displayName: '福田市场监管负责人', org: 'SZ-FT-SCJG', roles: ['agency_head', 'org_admin'] },
  { username: 'ft.police', displayName: '福田分局承办人', org: 'SZ-FT-GA', roles: ['police_officer'] },
  { username: 'ft.police.head', displayName: '福田分局负责人', org: 'SZ-FT-GA', roles: ['police_head'] },
  { username: 'ft.jcy', displayName: '福田区检察院检察官', org: 'SZ-FT-JCY', roles: ['procurator'] },
  { username: 'dp.wj', displayName: '大鹏教卫局承办人', org: 'SZ-DP-WJ', roles: ['agency_officer'] },
  { username: 'lg.jcy', displayName: '龙岗区检察院检察官', org: 'SZ-LG-JCY', roles: ['procurator'] },
];

const read = <T>(file: string): T => JSON.parse(fs.readFileSync(path.join(SEED_DIR, file), 'utf8')) as T;

/**
 * Loads sql/seed/. Idempotent: rows are matched by code and only missing ones are inserted,
 * so what admins corrected since is never overwritten.
 */
@Provide()
@Scope(ScopeEnum.Singleton)
export class Seeder {
  @Inject() private db: Db;
  @Inject() private auth: AuthService;
  @Inject() private regulations: RegulationsService;
  @Logger() private logger: ILogger;

  async run(opts: { demoAccounts: boolean; print: boolean }): Promise<Array<{ username: string; password: string }>> {
    const created = await this.db.transaction(async (em) => {
      await this.directory(em, read<DirectorySeed>('directory.json'));
      await this.library(em, read<Array<{ name: string; kind: OrganKind }>>('legal-organs.json'), read<RegulationSeed[]>('regulations.json'));
      return opts.demoAccounts ? this.demoAccounts(em) : [];
    });
    if (opts.print && created.length) {
      const lines = created.map((a) => `  ${a.username.padEnd(14)} ${a.password}`);
      // Printed once, to the operator's console only: the database keeps just the hash.
      console.log(['', '演示账号已创建。临时密码只显示这一次，首次登录须修改：', ...lines, ''].join('\n'));
    }
    return created;
  }

  private async directory(em: EntityManager, seed: DirectorySeed): Promise<void> {
    const regionIds = new Map((await em.find(Region)).map((r) => [r.code, r.id]));
    for (const r of seed.regions) {
      if (regionIds.has(r.code)) continue;
      const region = await em.save(em.create(Region, { code: r.code, kind: r.kind, parentId: r.parent ? regionIds.get(r.parent) ?? null : null }));
      regionIds.set(r.code, region.id);
      await em.insert(RegionName, r.names.map((n) => ({ regionId: region.id, name: n.name, validFrom: n.from, validTo: n.to })));
    }
    const orgIds = new Map((await em.find(Organisation)).map((o) => [o.code, o.id]));
    const pendingParents: Array<[number, string]> = [];
    for (const o of seed.organisations) {
      if (orgIds.has(o.code)) continue;
      const regionId = regionIds.get(o.region);
      if (!regionId) throw new Error(`种子数据错误：单位 ${o.code} 的区域 ${o.region} 不存在`);
      const ended = o.names.every((n) => n.to !== null);
      const org = await em.save(em.create(Organisation, {
        code: o.code, kind: o.kind, regionId, parentId: null, domain: o.domain, status: ended ? 'abolished' : 'active',
      }));
      orgIds.set(o.code, org.id);
      if (o.parent) pendingParents.push([org.id, o.parent]);
      await em.insert(OrgName, o.names.map((n) => ({ orgId: org.id, name: n.name, shortName: n.short ?? null, validFrom: n.from, validTo: n.to })));
    }
    for (const [id, parent] of pendingParents) await em.update(Organisation, { id }, { parentId: orgIds.get(parent) ?? null });
    const org = (code: string) => {
      const id = orgIds.get(code);
      if (!id) throw new Error(`种子数据错误：单位 ${code} 不存在`);
      return id;
    };
    for (const s of seed.successions) {
      const pair = { predecessorId: org(s.predecessor), successorId: org(s.successor) };
      if (!(await em.findOne(OrgSuccession, { where: pair }))) {
        await em.insert(OrgSuccession, { ...pair, kind: s.kind, effectiveOn: s.date, note: s.note ?? null });
      }
    }
    for (const r of seed.routing) {
      const regionId = regionIds.get(r.region);
      if (!regionId || (await em.findOne(RegionRouting, { where: { regionId } }))) continue;
      await em.insert(RegionRouting, {
        regionId, policeOrgId: org(r.police), procuratorateOrgId: org(r.procuratorate),
        supervisoryOrgId: r.supervisory ? org(r.supervisory) : null, note: r.note ?? null,
      });
    }
  }

  private async library(em: EntityManager, organs: Array<{ name: string; kind: OrganKind }>, docs: RegulationSeed[]): Promise<void> {
    const organIds = new Map((await em.find(LegalOrgan)).map((o) => [o.name, o.id]));
    for (const o of organs) {
      if (organIds.has(o.name)) continue;
      organIds.set(o.name, (await em.save(em.create(LegalOrgan, o))).id);
    }
    const existing = new Set((await em.find(Regulation, { select: { code: true } })).map((r) => r.code));
    for (const d of docs) {
      if (existing.has(d.code)) continue;
      // Seed documents go through the same category / issuer check as an admin's entry.
      await this.regulations.save(em, {
        code: d.code, title: d.title, category: d.category, docNumber: d.docNumber ?? undefined, issuedOn: d.issuedOn ?? undefined,
        effectiveOn: d.effectiveOn ?? undefined, repealedOn: d.repealedOn ?? undefined, status: d.status, domains: d.domains,
        summary: d.summary ?? undefined, note: d.note ?? undefined, unverified: d.unverified ?? false,
        issuerIds: d.issuers.map((name) => {
          const id = organIds.get(name);
          if (!id) throw new Error(`种子数据错误：制定机关 ${name} 不存在`);
          return id;
        }),
      });
    }
  }

  /** Only on an empty user table: demo accounts never come back after an admin removed them. */
  private async demoAccounts(em: EntityManager): Promise<Array<{ username: string; password: string }>> {
    if (await em.count(User)) return [];
    const created: Array<{ username: string; password: string }> = [];
    let n = 0;
    for (const a of DEMO_ACCOUNTS) {
      const org = await em.findOne(Organisation, { where: { code: a.org } });
      if (!org) {
        this.logger.warn('演示账号 %s 的单位 %s 不存在，已跳过', a.username, a.org);
        continue;
      }
      const password = this.auth.generateTemporaryPassword();
      const user = await em.save(em.create(User, {
        username: a.username, displayName: a.displayName, orgId: org.id, phone: `1390000${String(++n).padStart(4, '0')}`,
        status: 'active', passwordHash: await this.auth.hashPassword(password), mustChangePassword: true,
        tempPasswordExpiresAt: this.auth.temporaryPasswordExpiry(), passwordChangedAt: new Date(),
      }));
      await em.insert(UserRole, a.roles.map((role) => ({ userId: user.id, role })));
      created.push({ username: a.username, password });
    }
    return created;
  }
}
