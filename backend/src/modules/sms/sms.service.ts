import { Provide, Scope, ScopeEnum, Config, Init } from '@midwayjs/core';
import type { AppConfig } from '../../config/env';
import { AppError } from '../../common/app-error';
import { ConsoleSmsDriver, AliyunSmsDriver, type SmsDriver } from '../reminders/sms';

/**
 * The platform's one SMS driver: console (default: printed with the number masked, the last
 * messages kept in memory) or Aliyun. Reminders reach it through the outbox; account messages
 * (temporary passwords) go out at once and are never stored.
 */
@Provide()
@Scope(ScopeEnum.Singleton)
export class SmsService {
  @Config('app') private cfg: AppConfig;
  driver: SmsDriver;

  @Init()
  init() {
    const sms = this.cfg.sms;
    this.driver = sms.driver === 'aliyun' ? new AliyunSmsDriver({ ...sms.aliyun, signName: sms.signName }) : new ConsoleSmsDriver();
  }

  /** What the console driver printed (for developers and tests); empty with a real provider. */
  get recent(): Array<{ phone: string; text: string }> {
    return this.driver instanceof ConsoleSmsDriver ? this.driver.sent : [];
  }

  async sendAccountMessage(phone: string, params: Record<string, string>, text: string): Promise<void> {
    const result = await this.driver.send({ phone, templateCode: this.cfg.reminders.templates.account, params, text });
    if (!result.ok) throw new AppError('RULE_VIOLATION', `短信发送失败（${result.code}）：${result.message}`, { field: 'phone' });
  }
}
