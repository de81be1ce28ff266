import { randomUUID } from 'crypto';
import { maskPhone } from '@lfxj/contracts';
import { assertBatchSize } from './limits';
import type { SmsBatchItem, SmsDriver, SmsMessage, SmsResult } from './types';

/** A message the console driver "sent", kept for developers and tests. */
export interface ConsoleSentSms {
  phone: string;
  templateCode: string;
  params: Record<string, string>;
  text: string;
  providerId: string;
  at: Date;
}

const KEEP = 200;

/** Development driver: prints each message (number masked) instead of sending it; always succeeds. */
export class ConsoleSmsDriver implements SmsDriver {
  readonly name = 'console' as const;
  /** The last 200 messages, oldest first. */
  readonly sent: ConsoleSentSms[] = [];

  constructor(private readonly print: (line: string) => void = console.log) {}

  async send(msg: SmsMessage): Promise<SmsResult> {
    const providerId = `console-${randomUUID()}`;
    this.record(msg.templateCode, msg, providerId);
    return { ok: true, providerId, code: 'OK', message: '已输出到控制台（未实际发送）', retryable: false };
  }

  async sendBatch(templateCode: string, items: SmsBatchItem[]): Promise<SmsResult> {
    // Same limit as Aliyun, so a caller that forgets to split fails in development too.
    assertBatchSize(items.length);
    const providerId = `console-${randomUUID()}`;
    for (const item of items) this.record(templateCode, item, providerId);
    return { ok: true, providerId, code: 'OK', message: `已输出到控制台（未实际发送），共 ${items.length} 条`, retryable: false };
  }

  private record(templateCode: string, item: SmsBatchItem, providerId: string): void {
    this.sent.push({ phone: item.phone, templateCode, params: { ...item.params }, text: item.text, providerId, at: new Date() });
    if (this.sent.length > KEEP) this.sent.splice(0, this.sent.length - KEEP);
    this.print(`[短信] ${maskPhone(item.phone) ?? '（无号码）'} ${templateCode}：${item.text}`);
  }
}
