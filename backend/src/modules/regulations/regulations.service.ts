import { Provide, Scope, ScopeEnum, Inject } from '@midwayjs/core';
import { In, type EntityManager } from 'typeorm';
import type { z } from 'zod';
import { CATEGORY_ISSUERS, type RegCategory, type RegStatus, type regulationView, type OrganKind } from '@lfxj/contracts';
import { LegalOrgan, Regulation, RegulationIssuer, RegulationArticle } from './entities';
import { AppError } from '../../common/app-error';
import { DirectoryService, escapeLike } from '../directory/directory.service';

type RegulationView = z.infer<typeof regulationView>;

export interface RegulationInput {
  title: string; category: RegCategory; issuerIds: number[]; docNumber?: string; issuedOn?: string; effectiveOn?: string;
  repealedOn?: string; status?: RegStatus; domains?: string[]; summary?: string; fullText?: string;
  articles?: Array<{ label: string; text: string }>; note?: string; code?: string; unverified?: boolean;
}

/** The regulations library: every document has one legal rank, and the issuer must fit it [LF]. */
@Provide()
@Scope(ScopeEnum.Singleton)
export class RegulationsService {
  @Inject() private directory: DirectoryService;

  /** Status as of today: a repeal date that has come makes a document 已废止 whatever was stored. */
  statusOf(r: Pick<Regulation, 'status' | 'repealedOn'>): RegStatus {
    return r.repealedOn && r.repealedOn <= this.directory.today() ? '已废止' : r.status;
  }

  async views(em: EntityManager, rows: Regulation[], withArticles = false): Promise<RegulationView[]> {
    const ids = rows.map((r) => r.id);
    const links = ids.length ? await em.find(RegulationIssuer, { where: { regulationId: In(ids) } }) : [];
    const organs = links.length ? await em.find(LegalOrgan, { where: { id: In([...new Set(links.map((l) => l.organId))]) } }) : [];
    const articles = withArticles && ids.length ? await em.find(RegulationArticle, { where: { regulationId: In(ids) }, order: { seq: 'ASC' } }) : [];
    return rows.map((r) => ({
      id: r.id, title: r.title, category: r.category, docNumber: r.docNumber,
      issuers: links.filter((l) => l.regulationId === r.id).map((l) => organs.find((o) => o.id === l.organId))
        .filter((o): o is LegalOrgan => !!o).map((o) => ({ id: o.id, name: o.name, kind: o.kind })),
      issuedOn: r.issuedOn, effectiveOn: r.effectiveOn, repealedOn: r.repealedOn, status: this.statusOf(r),
      domains: r.domains ? (r.domains.split(',') as RegulationView['domains']) : [], summary: r.summary,
      ...(withArticles ? { articles: articles.filter((a) => a.regulationId === r.id).map((a) => ({ label: a.label, text: a.text })) } : {}),
      unverified: r.unverified, note: r.note,
    }));
  }

  async search(em: EntityManager, q: { page: number; pageSize: number; q?: string; category?: RegCategory; status?: RegStatus; domain?: string }) {
    const qb = em.createQueryBuilder(Regulation, 'r');
    if (q.q) {
      qb.andWhere(
        "(r.title LIKE :q ESCAPE '!' OR r.doc_number LIKE :q ESCAPE '!' OR r.summary LIKE :q ESCAPE '!' OR r.full_text LIKE :q ESCAPE '!'"
        + " OR r.id IN (SELECT a.regulation_id FROM regulation_article a WHERE a.text LIKE :q ESCAPE '!'))",
        { q: `%${escapeLike(q.q)}%` });
    }
    if (q.category) qb.andWhere('r.category = :category', { category: q.category });
    const today = this.directory.today();
    if (q.status === '已废止') qb.andWhere("(r.status = '已废止' OR (r.repealed_on IS NOT NULL AND r.repealed_on <= :today))", { today });
    else if (q.status) qb.andWhere('r.status = :status AND (r.repealed_on IS NULL OR r.repealed_on > :today)', { status: q.status, today });
    if (q.domain) {
      const padded = em.connection.options.type === 'mysql' ? "CONCAT(',', r.domains, ',')" : "(',' || r.domains || ',')";
      qb.andWhere(`${padded} LIKE :domain`, { domain: `%,${q.domain},%` });
    }
    const [rows, total] = await qb.orderBy('r.category').addOrderBy('r.effective_on', 'DESC').addOrderBy('r.id')
      .skip((q.page - 1) * q.pageSize).take(q.pageSize).getManyAndCount();
    return { items: await this.views(em, rows), total, page: q.page, pageSize: q.pageSize };
  }

  async get(em: EntityManager, id: number): Promise<Regulation> {
    const row = await em.findOne(Regulation, { where: { id } });
    if (!row) throw new AppError('NOT_FOUND', `法律法规不存在（编号 ${id}）`, { field: 'id' });
    return row;
  }

  /** LF: a 行政法规 only from 国务院, a 司法解释 only from 最高法 / 最高检, and so on. */
  private async checkIssuers(em: EntityManager, category: RegCategory, issuerIds: number[]): Promise<LegalOrgan[]> {
    const ids = [...new Set(issuerIds)];
    const organs = await em.find(LegalOrgan, { where: { id: In(ids) } });
    const missing = ids.filter((id) => !organs.some((o) => o.id === id));
    if (missing.length) throw AppError.field('issuerIds', '制定机关', `不存在（编号 ${missing.join('、')}）`, 'NOT_FOUND');
    const allowed: readonly OrganKind[] = CATEGORY_ISSUERS[category];
    const wrong = organs.filter((o) => !allowed.includes(o.kind));
    if (wrong.length) {
      throw AppError.field('issuerIds', '制定机关',
        `与效力位阶不符：${category}只能由${allowed.join('、')}制定，${wrong.map((o) => `${o.name}（${o.kind}）`).join('、')}不能制定${category}（立法法）`,
        'RULE_VIOLATION');
    }
    return organs;
  }

  private checkDates(input: Partial<RegulationInput>): void {
    if (input.issuedOn && input.effectiveOn && input.effectiveOn < input.issuedOn) {
      throw AppError.field('effectiveOn', '施行日期', '不能早于发布日期');
    }
    if (input.repealedOn && input.effectiveOn && input.repealedOn < input.effectiveOn) {
      throw AppError.field('repealedOn', '废止日期', '不能早于施行日期');
    }
    if (input.status === '已废止' && !input.repealedOn) throw AppError.field('repealedOn', '废止日期', '已废止的文件必须填写');
  }

  async save(em: EntityManager, input: Partial<RegulationInput>, existing?: Regulation): Promise<Regulation> {
    const merged = existing ? {
      title: existing.title, category: existing.category, docNumber: existing.docNumber ?? undefined, issuedOn: existing.issuedOn ?? undefined,
      effectiveOn: existing.effectiveOn ?? undefined, repealedOn: existing.repealedOn ?? undefined, status: existing.status, ...input,
    } : input;
    const category = merged.category as RegCategory;
    const issuerIds = input.issuerIds ?? (existing ? (await em.find(RegulationIssuer, { where: { regulationId: existing.id } })).map((l) => l.organId) : []);
    await this.checkIssuers(em, category, issuerIds);
    this.checkDates(merged);
    const row = existing ?? em.create(Regulation, { unverified: false, domains: '' });
    Object.assign(row, {
      title: merged.title, category, docNumber: merged.docNumber ?? null, issuedOn: merged.issuedOn ?? null,
      effectiveOn: merged.effectiveOn ?? null, repealedOn: merged.repealedOn ?? null,
      status: merged.status ?? (merged.repealedOn ? '已废止' : '现行有效'),
    });
    if (input.domains) row.domains = [...new Set(input.domains)].join(',');
    if (input.summary !== undefined) row.summary = input.summary;
    if (input.fullText !== undefined) row.fullText = input.fullText;
    if (input.note !== undefined) row.note = input.note;
    if (input.code !== undefined) row.code = input.code;
    if (input.unverified !== undefined) row.unverified = input.unverified;
    await em.save(row);
    if (input.issuerIds) {
      await em.delete(RegulationIssuer, { regulationId: row.id });
      await em.insert(RegulationIssuer, [...new Set(input.issuerIds)].map((organId) => ({ regulationId: row.id, organId })));
    }
    if (input.articles) {
      await em.delete(RegulationArticle, { regulationId: row.id });
      if (input.articles.length) {
        await em.insert(RegulationArticle, input.articles.map((a, i) => ({ regulationId: row.id, seq: i + 1, label: a.label, text: a.text })));
      }
    }
    return row;
  }
}
