import { randomUUID } from 'crypto';
import * as fs from 'fs';
import { maskPhone } from '@lfxj/contracts';
import { assertBatchSize } from './limits';
import { SMS_LOCAL_CODES, type SmsBatchItem, type SmsCheck, type SmsDriver, type SmsMessage, type SmsQuery, type SmsResult } from './types';

/** A message the console driver "sent", kept for developers and tests (in full: it never leaves the process). */
export interface ConsoleSentSms {
  phone: string;
  templateCode: string;
  params: Record<string, string>;
  text: string;
  providerId: string;
  outId: string | null;
  at: Date;
}

const KEEP = 200;
const MASK = '******';

/** Each secret value in the text replaced by asterisks, longest first (one secret may contain another). */
export function maskSecrets(text: string, secrets: string[] = []): string {
  return [...secrets].filter(Boolean).sort((a, b) => b.length - a.length).reduce((out, s) => out.split(s).join(MASK), text);
}

/**
 * Where a secret may be shown: the controlling terminal itself (/dev/tty), and only when the
 * server runs in the foreground on one (stdout is a TTY). Written there, it does not pass
 * through stdout or stderr, so a redirect, a process manager or a log collector never sees it.
 */
export function controllingTerminal(): ((line: string) => void) | null {
  if (!process.stdout.isTTY) return null;
  let fd: number | null = null;
  return (line) => {
    try {
      fd ??= fs.openSync('/dev/tty', 'w');
      fs.writeSync(fd, `${line}\n`);
    } catch {
      // No terminal after all (detached): the masked line on stdout is all there is.
    }
  };
}

/**
 * Development driver: prints each message (number masked, secrets such as a temporary password
 * masked) instead of sending it; always succeeds. A secret is shown in full only on the
 * interactive terminal (see controllingTerminal), never in stdout, stderr or a log file.
 */
export class ConsoleSmsDriver implements SmsDriver {
  readonly name = 'console' as const;
  /** The last 200 messages, oldest first. */
  readonly sent: ConsoleSentSms[] = [];

  constructor(
    private readonly print: (line: string) => void = console.log,
    private readonly terminal: ((line: string) => void) | null = controllingTerminal(),
  ) {}

  async send(msg: SmsMessage): Promise<SmsResult> {
    const providerId = `console-${randomUUID()}`;
    this.record(msg.templateCode, msg, providerId, msg.outId ?? null);
    return { ok: true, providerId, code: 'OK', message: '已输出到控制台（未实际发送）', retryable: false };
  }

  async sendBatch(templateCode: string, items: SmsBatchItem[], outId?: string): Promise<SmsResult> {
    // Same limit as Aliyun, so a caller that forgets to split fails in development too.
    assertBatchSize(items.length);
    const providerId = `console-${randomUUID()}`;
    for (const item of items) this.record(templateCode, item, providerId, outId ?? null);
    return { ok: true, providerId, code: 'OK', message: `已输出到控制台（未实际发送），共 ${items.length} 条`, retryable: false };
  }

  /** What it printed recently it can confirm; anything else (older, or printed by an earlier process) it cannot know. */
  async query(q: SmsQuery): Promise<SmsCheck> {
    const found = this.sent.find((m) => m.outId === q.outId && m.phone === q.phone);
    if (found) return { state: 'sent', providerId: found.providerId, at: found.at, detail: `控制台驱动已输出（OutId ${q.outId}）` };
    return { state: 'unknown', final: true, code: SMS_LOCAL_CODES.UNKNOWN_SEND, message: '控制台驱动只记得本进程最近输出的短信，无法确认这条是否已输出' };
  }

  private record(templateCode: string, item: SmsBatchItem, providerId: string, outId: string | null): void {
    this.sent.push({ phone: item.phone, templateCode, params: { ...item.params }, text: item.text, providerId, outId, at: new Date() });
    if (this.sent.length > KEEP) this.sent.splice(0, this.sent.length - KEEP);
    const head = `[短信] ${maskPhone(item.phone) ?? '（无号码）'} ${templateCode}：`;
    const secrets = item.secrets?.filter(Boolean) ?? [];
    this.print(head + maskSecrets(item.text, secrets));
    if (secrets.length && this.terminal) this.terminal(`${head}${item.text}（仅显示在本终端，不写入日志）`);
  }
}
