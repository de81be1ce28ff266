import { Controller, Inject } from '@midwayjs/core';
import type { Context } from '@midwayjs/koa';
import { API } from '@lfxj/contracts';
import { Endpoint, type Call } from '../../common/endpoint';
import { CasesService } from './cases.service';
import { WorkflowService } from './workflow.service';
import { TasksService } from './tasks.service';
import { CaseAccess } from './case-access';
import { DocumentsService, type StagedUpload } from '../documents/documents.service';
import { CaseRecord } from './entities';

const api = API.cases;

@Controller('/')
export class CasesController {
  @Inject() ctx: Context;
  @Inject() cases: CasesService;
  @Inject() workflow: WorkflowService;
  @Inject() tasks: TasksService;
  @Inject() access: CaseAccess;
  @Inject() documents: DocumentsService;

  @Endpoint(api.create)
  async create({ input, user, em, audit }: Call<typeof api.create>) {
    const row = await this.cases.create(em, user, input.body);
    Object.assign(audit, { targetType: 'case', targetId: row.id });
    // Read back what was stored: the version moved with every update of the row.
    return this.cases.detail(em, user, await em.findOneByOrFail(CaseRecord, { id: row.id }));
  }

  @Endpoint(api.list, { replica: true })
  async list({ input, user, em }: Call<typeof api.list>) {
    return this.cases.list(em, user, input.query);
  }

  @Endpoint(api.get)
  async get({ input, user, em }: Call<typeof api.get>) {
    return this.cases.detailOf(em, user, input.params.id);
  }

  @Endpoint(api.events)
  async events({ input, user, em }: Call<typeof api.events>) {
    return this.cases.events(em, await this.access.visibleCase(em, user, input.params.id), input.query);
  }

  /** The answer is built from the row the step wrote (no second visibility check, no re-read of the case). */
  @Endpoint(api.act)
  async act({ input, user, em, audit }: Call<typeof api.act>) {
    return this.cases.detail(em, user, await this.workflow.perform(em, user, input.params.id, input.body, audit));
  }

  /** The files are streamed to storage before the transaction (who may upload is checked first); the transaction registers them. */
  @Endpoint(api.uploadDocuments, {
    stage: (self: CasesController, { input, user, ctx }) => self.documents.stageUpload(ctx, user!, input.params.id, input.query.docType, input.query.replacesId),
    unstage: (self: CasesController, staged) => self.documents.discard(staged),
  })
  async upload({ input, user, em, audit, staged }: Call<typeof api.uploadDocuments, StagedUpload>) {
    const saved = await this.documents.register(em, user, input.params.id, staged);
    Object.assign(audit, { targetType: 'case', targetId: input.params.id, details: { docType: input.query.docType, files: saved.map((d) => ({ id: d.id, name: d.fileName, sha256: d.sha256 })) } });
    return this.cases.documentViews(em, saved);
  }

  @Endpoint(api.uploadPolicy)
  async uploadPolicy({ input, user, em, audit }: Call<typeof api.uploadPolicy>) {
    const policy = await this.documents.directUploadPolicy(em, user, input.params.id);
    Object.assign(audit, { targetType: 'case', targetId: input.params.id, details: { docType: input.body.docType, key: policy.key } });
    return { host: policy.host, key: policy.key, expireAt: policy.expireAt, maxBytes: policy.maxBytes, fields: policy.fields };
  }

  /** The uploaded object is read and checked before the transaction, which only records it. */
  @Endpoint(api.registerUpload, {
    stage: (self: CasesController, { input, user }) => self.documents.stageRegistration(user!, input.params.id, input.body.key, input.body.docType, input.body.fileName),
  })
  async registerUpload({ input, user, em, audit, staged }: Call<typeof api.registerUpload, StagedUpload>) {
    const saved = await this.documents.registerStaged(em, user, input.params.id, staged);
    Object.assign(audit, { targetType: 'case', targetId: input.params.id, details: { key: input.body.key, sha256: saved[0].sha256 } });
    return this.cases.documentViews(em, saved);
  }

  @Endpoint(api.downloadDocument)
  async download({ input, user, em, ctx }: Call<typeof api.downloadDocument>) {
    const { doc, data } = await this.documents.download(em, user, input.params.id);
    ctx.set('Content-Type', doc.mime);
    ctx.set('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(doc.fileName)}`);
    ctx.set('X-Content-SHA256', doc.sha256);
    return data;
  }

  @Endpoint(api.inbox)
  async inbox({ input, user, em }: Call<typeof api.inbox>) {
    return this.tasks.inbox(em, user, input.query);
  }

  @Endpoint(api.assignTask)
  async assignTask({ input, user, em, audit }: Call<typeof api.assignTask>) {
    Object.assign(audit, { targetType: 'task', targetId: input.params.id });
    return this.tasks.assign(em, user, input.params.id, input.body.userId);
  }

  @Endpoint(api.extendTask)
  async extendTask({ input, user, em, audit }: Call<typeof api.extendTask>) {
    Object.assign(audit, { targetType: 'task', targetId: input.params.id });
    return this.tasks.extend(em, user, input.params.id, input.body.extension, input.body.reason);
  }

  // Not lag-tolerant: one marks a 通报 read and reloads the list (it must not come back unread).
  @Endpoint(api.notifications)
  async notifications({ input, user, em }: Call<typeof api.notifications>) {
    return this.tasks.notifications(em, user, input.query);
  }

  @Endpoint(api.readNotification)
  async readNotification({ input, user, em }: Call<typeof api.readNotification>) {
    await this.tasks.markRead(em, user, input.params.id);
    return { ok: true as const };
  }

  @Endpoint(api.filings)
  async filings({ input, user, em }: Call<typeof api.filings>) {
    return this.tasks.filings(em, user, input.query);
  }

  @Endpoint(api.signFiling)
  async signFiling({ input, user, em, audit }: Call<typeof api.signFiling>) {
    Object.assign(audit, { targetType: 'filing', targetId: input.params.id });
    return this.tasks.signFiling(em, user, input.params.id);
  }
}
