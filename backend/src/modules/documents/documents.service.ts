import { Provide, Scope, ScopeEnum, Inject, Config, Init } from '@midwayjs/core';
import { createHash, randomUUID } from 'crypto';
import { createWriteStream, promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Transform } from 'stream';
import { pipeline } from 'stream/promises';
import type { EntityManager } from 'typeorm';
import type { Context } from '@midwayjs/koa';
import type { DocType } from '@lfxj/contracts';
import type { AppConfig } from '../../config/env';
import { CaseDocument, type CaseRecord } from '../cases/entities';
import { CaseAccess } from '../cases/case-access';
import { AppError } from '../../common/app-error';
import { Clock } from '../../common/clock';
import { Db } from '../../common/db';
import { receiveFiles, type IncomingFile } from '../../common/multipart';
import type { AuthUser } from '../auth/auth.service';
import {
  LocalStorage, OssStorage, assertAllowedDocument, assertAllowedType, detectFileTypeOfFile, sha256Hex, newCaseDocumentKey, caseKeyPrefix,
  type StorageDriver, type DirectUploadPolicy,
} from './storage';

/** A file already stored (before the transaction that registers it). */
export interface StagedFile {
  fileName: string;
  storageKey: string;
  mime: string;
  size: number;
  sha256: string;
}

export interface StagedUpload {
  docType: DocType;
  replacesId?: number;
  files: StagedFile[];
}

/**
 * Case documents: many files per step, each typed, hashed (SHA-256) and stored under a key
 * that never comes from the file name. Replacing a file keeps the old version.
 *
 * An upload is streamed to storage before any transaction opens (`stageUpload`: spooled to
 * disk while hashing, sniffed, then stored); the request's transaction only registers the
 * stored files (`register`), and a transaction that does not commit removes them again.
 */
@Provide()
@Scope(ScopeEnum.Singleton)
export class DocumentsService {
  @Config('app') private cfg: AppConfig;
  @Inject() private access: CaseAccess;
  @Inject() private clock: Clock;
  @Inject() private db: Db;
  storage: StorageDriver;
  private stagingDir: string;

  @Init()
  async init() {
    const s = this.cfg.storage;
    this.storage = s.driver === 'oss' ? new OssStorage({ ...s.oss }) : new LocalStorage(s.localDir);
    // Spooled uploads sit next to the files on local disk, so storing one is a rename.
    this.stagingDir = s.driver === 'local' ? path.join(s.localDir, '.staging') : path.join(os.tmpdir(), 'lfxj-uploads');
    await fs.mkdir(this.stagingDir, { recursive: true });
  }

  get limits() {
    return { maxFileBytes: this.cfg.storage.maxFileMb * 1048576, maxFiles: this.cfg.storage.maxFilesPerUpload };
  }

  /** Who may upload to this case, and the document a new version replaces. */
  private async checkUpload(em: EntityManager, user: AuthUser, caseId: number, docType: DocType, replacesId: number | undefined, count: number | null) {
    const row = await this.access.visibleCase(em, user, caseId);
    if (row.state === 'closed') throw new AppError('CONFLICT', '案件已办结，不能再上传文书');
    let replaced: CaseDocument | null = null;
    if (replacesId !== undefined) {
      replaced = await em.findOneBy(CaseDocument, { id: replacesId, caseId: row.id });
      if (!replaced || !replaced.current) throw AppError.field('replacesId', '被替换的文书', '不存在或已被替换', 'NOT_FOUND');
      if (replaced.uploadedByOrg !== user.orgId) throw new AppError('FORBIDDEN', '只能替换本单位上传的文书', { field: 'replacesId' });
      if (replaced.docType !== docType) throw AppError.field('docType', '文书类型', '须与被替换的文书相同');
      if (count !== null && count !== 1) throw AppError.field('file', '文件', '替换时只能上传一个文件');
    }
    return { row, replaced };
  }

  /** Before the transaction: check, then stream every file of the request to storage. Checked first: a refused batch stores nothing. */
  async stageUpload(ctx: Context, user: AuthUser, caseId: number, docType: DocType, replacesId?: number): Promise<StagedUpload> {
    await this.db.read((em) => this.checkUpload(em, user, caseId, docType, replacesId, null));
    const files = await receiveFiles(ctx, this.limits, (file) => this.spool(caseId, file), (stored) => this.storage.delete(stored.storageKey));
    const staged = { docType, replacesId, files };
    if (replacesId !== undefined && files.length !== 1) {
      await this.discard(staged);
      throw AppError.field('file', '文件', '替换时只能上传一个文件');
    }
    return staged;
  }

  /** Spool one file to disk while hashing it, decide its real type, then store it. */
  private async spool(caseId: number, file: IncomingFile): Promise<StagedFile> {
    const tmp = path.join(this.stagingDir, `${randomUUID()}.part`);
    const hash = createHash('sha256');
    let size = 0;
    try {
      await pipeline(file.stream, new Transform({
        transform(chunk: Buffer, _encoding, done) {
          hash.update(chunk);
          size += chunk.length;
          done(null, chunk);
        },
      }), createWriteStream(tmp, { flags: 'wx', mode: 0o640 }));
      const { type } = await detectFileTypeOfFile(tmp);
      const allowed = assertAllowedType(type, size, file.fileName);
      const storageKey = newCaseDocumentKey(caseId, { now: this.clock.now(), ext: allowed.ext });
      await this.storage.putFile(storageKey, tmp, allowed.mime);
      return { fileName: file.fileName, storageKey, mime: allowed.mime, size, sha256: hash.digest('hex') };
    } finally {
      await fs.rm(tmp, { force: true });
    }
  }

  /** Remove what was stored for a request whose transaction did not commit. */
  async discard(staged: StagedUpload): Promise<void> {
    await Promise.all(staged.files.map((f) => this.storage.delete(f.storageKey).catch(() => undefined)));
  }

  /** In the request's transaction: the same checks again, then one row per stored file. */
  async register(em: EntityManager, user: AuthUser, caseId: number, staged: StagedUpload): Promise<CaseDocument[]> {
    const { row, replaced } = await this.checkUpload(em, user, caseId, staged.docType, staged.replacesId, staged.files.length);
    // Retire the old version first, and only if it is still current: of two replacements at
    // once, the second waits for this row and then finds it replaced (409).
    if (replaced && !(await em.update(CaseDocument, { id: replaced.id, current: true }, { current: false })).affected) {
      throw new AppError('CONFLICT', '该文书刚被他人替换，请刷新后重试', { field: 'replacesId' });
    }
    const now = this.clock.now();
    const saved: CaseDocument[] = [];
    for (const f of staged.files) {
      saved.push(await em.save(em.create(CaseDocument, {
        caseId: row.id, eventId: replaced?.eventId ?? null, docType: staged.docType, fileName: f.fileName, mime: f.mime, size: f.size,
        sha256: f.sha256, storageKey: f.storageKey, version: replaced ? replaced.version + 1 : 1, replacesId: replaced?.id ?? null,
        current: true, uploadedBy: user.id, uploadedByOrg: user.orgId, uploadedAt: now,
      })));
    }
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

  /**
   * After a direct upload, before the transaction: the server reads the object itself, checks
   * its type and hashes it. The transaction then only records it (`registerStaged`).
   */
  async stageRegistration(user: AuthUser, caseId: number, key: string, docType: DocType, fileName: string): Promise<StagedUpload> {
    await this.db.read(async (em) => {
      const row = await this.access.visibleCase(em, user, caseId);
      if (!key.startsWith(caseKeyPrefix(row.id))) throw AppError.field('key', '存储键', '不属于该案件');
      if (await em.findOneBy(CaseDocument, { storageKey: key })) throw AppError.field('key', '存储键', '已经登记过', 'CONFLICT');
    });
    const data = await this.storage.get(key).catch((err: unknown) => {
      throw err instanceof AppError && err.code === 'NOT_FOUND' ? AppError.field('key', '存储键', '对应的文件尚未上传', 'NOT_FOUND') : err;
    });
    const type = assertAllowedDocument(data, fileName);
    return { docType, files: [{ fileName, storageKey: key, mime: type.mime, size: data.length, sha256: sha256Hex(data) }] };
  }

  async registerStaged(em: EntityManager, user: AuthUser, caseId: number, staged: StagedUpload): Promise<CaseDocument[]> {
    const row: CaseRecord = await this.access.visibleCase(em, user, caseId);
    const [f] = staged.files;
    // The unique storage key settles a race between two registrations of one upload (409).
    if (await em.findOneBy(CaseDocument, { storageKey: f.storageKey })) throw AppError.field('key', '存储键', '已经登记过', 'CONFLICT');
    return [await em.save(em.create(CaseDocument, {
      caseId: row.id, eventId: null, docType: staged.docType, fileName: f.fileName, mime: f.mime, size: f.size, sha256: f.sha256,
      storageKey: f.storageKey, version: 1, replacesId: null, current: true, uploadedBy: user.id, uploadedByOrg: user.orgId, uploadedAt: this.clock.now(),
    }))];
  }

  /** Only the parties of the case can download; the checksum is verified on the way out. */
  async download(em: EntityManager, user: AuthUser, id: number): Promise<{ doc: CaseDocument; data: Buffer }> {
    const doc = await em.findOneBy(CaseDocument, { id });
    const missing = () => new AppError('NOT_FOUND', `文书不存在（编号 ${id}）`, { field: 'id' });
    if (!doc) throw missing();
    // Not a party: the same answer as for a document that does not exist (it names no case).
    await this.access.visibleCase(em, user, doc.caseId).catch((err: unknown) => {
      throw err instanceof AppError && err.code === 'NOT_FOUND' ? missing() : err;
    });
    // A file not yet submitted with a step is a draft of the organisation that uploaded it.
    if (doc.eventId === null && !(await this.access.viewer(em, user)).orgIds.includes(doc.uploadedByOrg)) {
      throw new AppError('NOT_FOUND', `文书不存在（编号 ${id}）`, { field: 'id' });
    }
    const data = await this.storage.get(doc.storageKey);
    if (sha256Hex(data) !== doc.sha256) throw new AppError('INTERNAL', '文书内容与登记的摘要不一致，已拒绝下载，请联系管理员');
    return { doc, data };
  }
}
