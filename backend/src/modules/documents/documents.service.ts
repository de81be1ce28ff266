import { Provide, Scope, ScopeEnum, Inject, Config, Init } from '@midwayjs/core';
import type { EntityManager } from 'typeorm';
import type { DocType } from '@lfxj/contracts';
import type { AppConfig } from '../../config/env';
import { CaseDocument } from '../cases/entities';
import { CaseAccess } from '../cases/case-access';
import { AppError } from '../../common/app-error';
import { Clock } from '../../common/clock';
import type { UploadedFile } from '../../common/multipart';
import type { AuthUser } from '../auth/auth.service';
import { LocalStorage, OssStorage, assertAllowedDocument, sha256Hex, newCaseDocumentKey, caseKeyPrefix, type StorageDriver, type DirectUploadPolicy } from './storage';

/**
 * Case documents: many files per step, each typed, hashed (SHA-256) and stored under a key
 * that never comes from the file name. Replacing a file keeps the old version.
 */
@Provide()
@Scope(ScopeEnum.Singleton)
export class DocumentsService {
  @Config('app') private cfg: AppConfig;
  @Inject() private access: CaseAccess;
  @Inject() private clock: Clock;
  storage: StorageDriver;

  @Init()
  init() {
    const s = this.cfg.storage;
    this.storage = s.driver === 'oss' ? new OssStorage({ ...s.oss }) : new LocalStorage(s.localDir);
  }

  get limits() {
    return { maxFileBytes: this.cfg.storage.maxFileMb * 1048576, maxFiles: this.cfg.storage.maxFilesPerUpload };
  }

  /** Checked before any byte is stored: a refused batch stores nothing. */
  async upload(em: EntityManager, user: AuthUser, caseId: number, docType: DocType, files: UploadedFile[], replacesId?: number): Promise<CaseDocument[]> {
    const row = await this.access.visibleCase(em, user, caseId);
    if (row.state === 'closed') throw new AppError('CONFLICT', '案件已办结，不能再上传文书');
    let replaced: CaseDocument | null = null;
    if (replacesId !== undefined) {
      replaced = await em.findOneBy(CaseDocument, { id: replacesId, caseId: row.id });
      if (!replaced || !replaced.current) throw AppError.field('replacesId', '被替换的文书', '不存在或已被替换', 'NOT_FOUND');
      if (replaced.uploadedByOrg !== user.orgId) throw new AppError('FORBIDDEN', '只能替换本单位上传的文书', { field: 'replacesId' });
      if (replaced.docType !== docType) throw AppError.field('docType', '文书类型', '须与被替换的文书相同');
      if (files.length !== 1) throw AppError.field('file', '文件', '替换时只能上传一个文件');
    }
    const checked = files.map((f) => ({ file: f, type: assertAllowedDocument(f.data, f.fileName), sha256: sha256Hex(f.data) }));
    const now = this.clock.now();
    const saved: CaseDocument[] = [];
    for (const { file, type, sha256 } of checked) {
      const storageKey = newCaseDocumentKey(row.id, { now, ext: type.ext });
      await this.storage.put(storageKey, file.data, type.mime);
      saved.push(await em.save(em.create(CaseDocument, {
        caseId: row.id, eventId: replaced?.eventId ?? null, docType, fileName: file.fileName, mime: type.mime, size: file.data.length,
        sha256, storageKey, version: replaced ? replaced.version + 1 : 1, replacesId: replaced?.id ?? null, current: true,
        uploadedBy: user.id, uploadedByOrg: user.orgId, uploadedAt: now,
      })));
    }
    if (replaced) await em.update(CaseDocument, { id: replaced.id }, { current: false });
    return saved;
  }

  /** A signed policy for a phone to upload one file straight to OSS (the bytes never pass the backend). */
  async directUploadPolicy(em: EntityManager, user: AuthUser, caseId: number): Promise<DirectUploadPolicy> {
    const row = await this.access.visibleCase(em, user, caseId);
    if (!(this.storage instanceof OssStorage)) throw new AppError('RULE_VIOLATION', '当前使用本地存储，不支持直传，请直接上传文件');
    return this.storage.directUploadPolicy(newCaseDocumentKey(row.id, { now: this.clock.now() }), {
      maxBytes: this.limits.maxFileBytes, expiresInSeconds: 15 * 60,
    });
  }

  /** After a direct upload: the server reads the object itself, checks its type and records its hash. */
  async registerUpload(em: EntityManager, user: AuthUser, caseId: number, key: string, docType: DocType, fileName: string): Promise<CaseDocument[]> {
    const row = await this.access.visibleCase(em, user, caseId);
    if (!key.startsWith(caseKeyPrefix(row.id))) throw AppError.field('key', '存储键', '不属于该案件');
    if (await em.findOneBy(CaseDocument, { storageKey: key })) throw AppError.field('key', '存储键', '已经登记过', 'CONFLICT');
    const data = await this.storage.get(key).catch((err: unknown) => {
      throw err instanceof AppError && err.code === 'NOT_FOUND' ? AppError.field('key', '存储键', '对应的文件尚未上传', 'NOT_FOUND') : err;
    });
    const type = assertAllowedDocument(data, fileName);
    return [await em.save(em.create(CaseDocument, {
      caseId: row.id, eventId: null, docType, fileName, mime: type.mime, size: data.length, sha256: sha256Hex(data), storageKey: key,
      version: 1, replacesId: null, current: true, uploadedBy: user.id, uploadedByOrg: user.orgId, uploadedAt: this.clock.now(),
    }))];
  }

  /** Only the parties of the case can download; the checksum is verified on the way out. */
  async download(em: EntityManager, user: AuthUser, id: number): Promise<{ doc: CaseDocument; data: Buffer }> {
    const doc = await em.findOneBy(CaseDocument, { id });
    if (!doc) throw new AppError('NOT_FOUND', `文书不存在（编号 ${id}）`, { field: 'id' });
    await this.access.visibleCase(em, user, doc.caseId);
    // A file not yet submitted with a step is a draft of the organisation that uploaded it.
    if (doc.eventId === null && !(await this.access.viewer(em, user)).orgIds.includes(doc.uploadedByOrg)) {
      throw new AppError('NOT_FOUND', `文书不存在（编号 ${id}）`, { field: 'id' });
    }
    const data = await this.storage.get(doc.storageKey);
    if (sha256Hex(data) !== doc.sha256) throw new AppError('INTERNAL', '文书内容与登记的摘要不一致，已拒绝下载，请联系管理员');
    return { doc, data };
  }
}
